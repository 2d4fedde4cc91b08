//! `storeroom admin …` commands that talk to a running storeroom's admin API
//! (`/admin/v1/`, with the admin token): reserve apps and products, pipeline policies,
//! certification decisions, the clock; and (in `admin_ops`) fault rules, the journal,
//! reset and snapshots. They sit beside `storeroom admin seed`, which works
//! on a data directory directly.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use super::admin_ops::{self, FaultsCommand, JournalArgs, SnapshotCommand};
use super::{ClientOpts, Outcome, Surface, read_json, text};

#[derive(Subcommand)]
pub enum AdminApiCommand {
    /// Reserves an app (msix) or an MSI/EXE product (win32), as Partner Center does.
    ///
    ///   APP=$(storeroom admin reserve --name "Contoso Reader" --json | jq -r .id)
    ///   storeroom admin reserve --name "Contoso Installer" --type win32
    ///   storeroom admin reserve --from reservation.json   # an existing app's identity
    #[command(verbatim_doc_comment)]
    Reserve {
        #[arg(long, required_unless_present = "from")]
        name: Option<String>,
        /// msix (an app of the devcenter API) or win32 (an MSI/EXE product).
        #[arg(long = "type", default_value = "msix")]
        kind: String,
        /// The seller account [default: the development seller].
        #[arg(long, value_name = "SELLER_ID")]
        seller: Option<String>,
        /// The whole request body (id, packageIdentityName, publisherName, …) as JSON.
        #[arg(long, value_name = "FILE", conflicts_with = "name")]
        from: Option<PathBuf>,
    },
    /// Lists every reserved app.
    Apps,
    /// Pipeline policies: the server's default, or one app's own.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Passes certification of a submission waiting under a manual policy.
    Approve {
        /// The submission id.
        submission: String,
    },
    /// Fails certification of a submission: CertificationFailed with the reason.
    Reject {
        submission: String,
        #[arg(long)]
        reason: String,
    },
    /// "Publish now": publishes a submission waiting in Release.
    Publish { submission: String },
    /// The server clock (token and SAS expiry, publish dates, pipeline delays).
    #[command(subcommand)]
    Clock(ClockCommand),
    /// Fault rules: make the next matching requests fail, slowly or after their side
    /// effect, to exercise a client's retry path. `--client-id` limits a rule to one client.
    #[command(subcommand)]
    Faults(FaultsCommand),
    /// The request journal: the latest requests as a table (newest last), or followed live.
    ///
    ///   storeroom admin journal --limit 20
    ///   storeroom admin journal --status 409 --path /v1.0/my/applications
    ///   storeroom admin journal --follow --client-id 11111111-…
    ///   storeroom admin journal --follow --json | jq .path
    #[command(verbatim_doc_comment)]
    Journal(JournalArgs),
    /// Returns the server to a fresh state (accounts and keys stay); asks first unless --yes.
    Reset {
        /// Does not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Snapshots of everything (rows and blobs): save a known catalogue, restore it later.
    ///
    ///   storeroom admin snapshot save seeded
    ///   storeroom admin snapshot restore seeded
    #[command(subcommand, verbatim_doc_comment)]
    Snapshot(SnapshotCommand),
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Shows the policy in force (for an app: its own, or the server's).
    Get {
        #[arg(long, value_name = "APP_ID")]
        app: Option<String>,
    },
    /// Sets the server's default policy, or an app's own.
    ///
    ///   storeroom admin policy set --mode manual
    ///   storeroom admin policy set --app 9NBLGGH4R315 --fail CertificationFailed --reason "Crashes on launch"
    ///   storeroom admin policy set --app 9NBLGGH4R315 --from policy.json
    #[command(verbatim_doc_comment)]
    Set {
        #[arg(long, value_name = "APP_ID")]
        app: Option<String>,
        /// immediate, manual or delay.
        #[arg(long)]
        mode: Option<String>,
        /// Seconds each step waits in delay mode.
        #[arg(long)]
        delay_seconds: Option<f64>,
        /// Status reads each step waits for.
        #[arg(long)]
        polls_per_step: Option<u32>,
        /// A forced outcome: a failure state (CertificationFailed, …), PendingCommit,
        /// Canceled or an in-progress state to be stuck in.
        #[arg(long, value_name = "STATUS")]
        fail: Option<String>,
        /// The error the forced outcome carries (code Other).
        #[arg(long, requires = "fail")]
        reason: Option<String>,
        /// The whole policy as JSON instead of the flags.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["mode", "delay_seconds", "polls_per_step", "fail"])]
        from: Option<PathBuf>,
    },
    /// Removes an app's own policy: the server's applies again.
    Clear {
        #[arg(long, value_name = "APP_ID")]
        app: String,
    },
}

#[derive(Subcommand)]
pub enum ClockCommand {
    /// Shows the server's time.
    Get,
    /// Moves the server's clock forward.
    ///
    ///   storeroom admin clock advance 86400
    #[command(verbatim_doc_comment)]
    Advance {
        /// Seconds to add.
        seconds: i64,
    },
}

fn policy_path(app: &Option<String>) -> String {
    match app {
        Some(app) => format!("applications/{app}/pipeline"),
        None => "pipeline".into(),
    }
}

fn policy_body(
    mode: Option<String>,
    delay_seconds: Option<f64>,
    polls_per_step: Option<u32>,
    fail: Option<String>,
    reason: Option<String>,
    from: Option<PathBuf>,
) -> Outcome<Value> {
    if let Some(file) = from {
        return read_json(&file);
    }
    let mut policy = json!({"mode": mode.unwrap_or_else(|| "immediate".into())});
    if let Some(delay) = delay_seconds {
        policy["delaySeconds"] = json!(delay);
    }
    if let Some(polls) = polls_per_step {
        policy["pollsPerStep"] = json!(polls);
    }
    if let Some(status) = fail {
        let errors = match reason {
            Some(reason) => json!([{"code": "Other", "details": reason}]),
            None => json!([]),
        };
        policy["outcome"] = json!({"status": status, "errors": errors});
    }
    Ok(policy)
}

pub async fn run(command: AdminApiCommand, opts: &ClientOpts) -> ExitCode {
    let client_id = admin_ops::client_filter(&opts.client_id);
    super::run(opts, |api, output| async move {
        let answer = match command {
            AdminApiCommand::Faults(command) => {
                return admin_ops::faults(&api, command, client_id, output).await;
            }
            AdminApiCommand::Journal(args) => {
                return admin_ops::journal(&api, args, client_id, output).await;
            }
            AdminApiCommand::Reset { yes } => return admin_ops::reset(&api, yes, output).await,
            AdminApiCommand::Snapshot(command) => {
                return admin_ops::snapshot(&api, command, output).await;
            }
            AdminApiCommand::Reserve {
                name,
                kind,
                seller,
                from,
            } => {
                let body = match from {
                    Some(file) => read_json(&file)?,
                    None => {
                        let mut body = json!({"name": name, "type": kind});
                        if let Some(seller) = seller {
                            body["sellerId"] = json!(seller);
                        }
                        body
                    }
                };
                api.post(Surface::Admin, "applications", Some(&body))
                    .await?
            }
            AdminApiCommand::Apps => {
                let mut apps = Vec::new();
                let mut next = Some("applications?top=100".to_string());
                while let Some(path) = next {
                    let page = api.get(Surface::Admin, &path).await?;
                    apps.extend(page["value"].as_array().cloned().unwrap_or_default());
                    // The admin API's links are relative to the server root (admin/v1/…).
                    next = page["@nextLink"]
                        .as_str()
                        .map(|link| link.trim_start_matches("admin/v1/").to_string());
                }
                Value::Array(apps)
            }
            AdminApiCommand::Policy(PolicyCommand::Get { app }) => {
                api.get(Surface::Admin, &policy_path(&app)).await?
            }
            AdminApiCommand::Policy(PolicyCommand::Set {
                app,
                mode,
                delay_seconds,
                polls_per_step,
                fail,
                reason,
                from,
            }) => {
                let body = policy_body(mode, delay_seconds, polls_per_step, fail, reason, from)?;
                api.put(Surface::Admin, &policy_path(&app), &body).await?
            }
            AdminApiCommand::Policy(PolicyCommand::Clear { app }) => {
                api.delete(Surface::Admin, &policy_path(&Some(app.clone())))
                    .await?;
                json!({"cleared": app})
            }
            AdminApiCommand::Approve { submission } => {
                let path = format!("submissions/{submission}/approve");
                api.post(Surface::Admin, &path, None).await?
            }
            AdminApiCommand::Reject { submission, reason } => {
                let path = format!("submissions/{submission}/reject");
                api.post(Surface::Admin, &path, Some(&json!({"reason": reason})))
                    .await?
            }
            AdminApiCommand::Publish { submission } => {
                let path = format!("submissions/{submission}/publish");
                api.post(Surface::Admin, &path, None).await?
            }
            AdminApiCommand::Clock(ClockCommand::Get) => api.get(Surface::Admin, "clock").await?,
            AdminApiCommand::Clock(ClockCommand::Advance { seconds }) => {
                api.post(
                    Surface::Admin,
                    "clock",
                    Some(&json!({"advanceSeconds": seconds})),
                )
                .await?
            }
        };
        output.show(&answer, |answer| match answer["now"].as_str() {
            Some(now) => now.to_string(),
            None if answer["status"].is_string() && answer["id"].is_string() => {
                format!("{}: {}", text(answer, "id"), text(answer, "status"))
            }
            None => serde_json::to_string_pretty(answer).unwrap_or_default(),
        });
        Ok(())
    })
    .await
}
