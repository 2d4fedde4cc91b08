//! `storeroom admin faults|journal|reset|snapshot`: the operator's side of a running
//! storeroom over its admin API: fault rules, the request journal (a table, or followed
//! live), reset and snapshots.

use std::io::BufRead;
use std::time::Duration;

use clap::Subcommand;
use serde_json::{Value, json};

use super::{Api, Failure, Outcome, Output, Surface, text};

#[derive(Subcommand)]
pub enum FaultsCommand {
    /// Adds a fault rule: the next matching requests fail (or are delayed) as told.
    ///
    ///   storeroom admin faults add --method GET --path '/v1.0/my/applications/**' --status 429 --retry-after 2 --times 3
    ///   storeroom admin faults add --method POST --path '/v1.0/my/applications/*/submissions' --status 503 --after-side-effect --times 1
    ///   storeroom admin faults add --path '/v1.0/my/**' --delay-ms 1500 --probability 0.2
    ///   storeroom admin faults add --path '/v1.0/my/applications/*/submissions' --zombie --times 1
    ///   storeroom admin faults add --status 500 --client-id 11111111-… --body 'Something broke'
    #[command(verbatim_doc_comment)]
    Add(FaultArgs),
    /// Lists the fault rules in force.
    List,
    /// Removes a fault rule.
    Remove {
        /// The rule's id (from `add` or `list`).
        id: String,
    },
}

/// A rule's fields, as the JSON of `POST /admin/v1/faults` names them. The rule's client id
/// is the connection's `--client-id` flag (the admin API does not use it otherwise).
#[derive(clap::Args)]
pub struct FaultArgs {
    /// Only requests with this method.
    #[arg(long)]
    method: Option<String>,
    /// Only requests whose path matches this glob (`*` one segment, `**` any).
    #[arg(long)]
    path: Option<String>,
    /// The status to answer (400-599), in the surface's own error body.
    #[arg(long)]
    status: Option<u16>,
    /// The error message; JSON other than a string is the whole body instead.
    #[arg(long)]
    body: Option<String>,
    /// The Retry-After header, in seconds (a 429 has 1 unless told).
    #[arg(long, value_name = "SECONDS")]
    retry_after: Option<u32>,
    /// Delays the request this long before it is answered (or fails).
    #[arg(long, value_name = "MS")]
    delay_ms: Option<u64>,
    /// Does the request's work, then answers the failure (StoreBroker#123).
    #[arg(long)]
    after_side_effect: bool,
    /// Applies to this many requests, then is spent [default: every matching request].
    #[arg(long)]
    times: Option<u32>,
    /// The chance (0-1) that a matching request fails.
    #[arg(long)]
    probability: Option<f64>,
    /// On a submission create: answer 500, yet leave a submission that accepts PUTs with 200
    /// and stores nothing.
    #[arg(long)]
    zombie: bool,
}

impl FaultArgs {
    /// The rule's JSON; absent flags are absent fields.
    fn body(self, client_id: Option<String>) -> Value {
        let mut rule = json!({});
        let mut set = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                rule[name] = value;
            }
        };
        set("method", self.method.map(Value::from));
        set("path", self.path.map(Value::from));
        set("clientId", client_id.map(Value::from));
        set("status", self.status.map(Value::from));
        // A message in plain words is a string; JSON is taken as written.
        set(
            "body",
            self.body
                .map(|body| serde_json::from_str(&body).unwrap_or(Value::String(body))),
        );
        set("retryAfter", self.retry_after.map(Value::from));
        set("delayMs", self.delay_ms.map(Value::from));
        set(
            "afterSideEffect",
            self.after_side_effect.then_some(json!(true)),
        );
        set("times", self.times.map(Value::from));
        set("probability", self.probability.map(Value::from));
        set("zombie", self.zombie.then_some(json!(true)));
        rule
    }
}

/// `storeroom admin journal`'s filters and how it follows.
#[derive(clap::Args)]
pub struct JournalArgs {
    /// How many entries to show (1-1000) [default: the server's, 100].
    #[arg(long)]
    limit: Option<u32>,
    /// Only requests whose path matches this glob (a prefix matches too).
    #[arg(long)]
    path: Option<String>,
    /// Only answers with this status.
    #[arg(long)]
    status: Option<u16>,
    /// Keeps printing new entries as requests arrive, until Ctrl-C.
    #[arg(long)]
    follow: bool,
    /// How often --follow asks for new entries.
    #[arg(long, default_value = "500ms", value_parser = super::wait::parse_duration, value_name = "DURATION")]
    poll_interval: Duration,
}

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Saves everything (database rows and blobs) under a name.
    ///
    ///   storeroom admin snapshot save clean-catalogue
    #[command(verbatim_doc_comment)]
    Save { name: String },
    /// Lists the saved snapshots.
    List,
    /// Returns storeroom to a saved snapshot.
    Restore { name: String },
    /// Deletes a snapshot.
    Delete { name: String },
}

/// The client id the connection flags give, when it was given on the command line: the
/// filter of `faults add` and `journal`. `--client-id` is a connection flag of every
/// command, so these share it; its STOREROOM_CLIENT_ID default (the caller's own identity)
/// is not a filter anyone asked for.
pub fn client_filter(client_id: &Option<String>) -> Option<String> {
    let given = std::env::args().any(|arg| arg == "--client-id" || arg.starts_with("--client-id="));
    client_id.clone().filter(|_| given)
}

pub async fn faults(
    api: &Api,
    command: FaultsCommand,
    client_id: Option<String>,
    output: Output,
) -> Outcome {
    match command {
        FaultsCommand::Add(args) => {
            let rule = api
                .post(Surface::Admin, "faults", Some(&args.body(client_id)))
                .await?;
            output.show(&rule, |rule| {
                format!("added fault rule {}", text(rule, "id"))
            });
        }
        FaultsCommand::List => {
            let rules = api.get(Surface::Admin, "faults").await?;
            output.show(&rules, |rules| {
                let rules = rules["value"].as_array().cloned().unwrap_or_default();
                if rules.is_empty() {
                    return "no fault rules".into();
                }
                rules
                    .iter()
                    .map(describe_rule)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        FaultsCommand::Remove { id } => {
            api.delete(Surface::Admin, &format!("faults/{id}")).await?;
            output.show(&json!({"removed": id}), |_| {
                format!("removed fault rule {id}")
            });
        }
    }
    Ok(())
}

/// One line per rule: its id, what it matches and what it does.
fn describe_rule(rule: &Value) -> String {
    let or_any = |field: &str| match rule[field].as_str() {
        Some(value) => value.to_string(),
        None => "*".into(),
    };
    let mut line = format!(
        "{}  {} {}",
        text(rule, "id"),
        or_any("method"),
        or_any("path")
    );
    if let Some(client) = rule["clientId"].as_str() {
        line += &format!(" client {client}");
    }
    if rule["zombie"] == true {
        line += " → zombie";
    } else if let Some(status) = rule["status"].as_u64() {
        line += &format!(" → {status}");
    }
    for (field, label) in [
        ("retryAfter", "retry-after"),
        ("delayMs", "delay-ms"),
        ("probability", "probability"),
    ] {
        if !rule[field].is_null() {
            line += &format!(" {label} {}", rule[field]);
        }
    }
    if rule["afterSideEffect"] == true {
        line += " after-side-effect";
    }
    if let Some(remaining) = rule["remaining"].as_u64() {
        line += &format!(" ({remaining} left)");
    }
    line
}

/// The journal query of the filters.
fn journal_path(args: &JournalArgs, client_id: &Option<String>, limit: Option<u32>) -> String {
    let pairs = [
        ("limit", limit.map(|limit| limit.to_string())),
        ("path", args.path.clone()),
        ("status", args.status.map(|status| status.to_string())),
        ("clientId", client_id.clone()),
    ];
    let query: Vec<String> = pairs
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", escaped(&value?))))
        .collect();
    format!("journal?{}", query.join("&"))
}

/// Entries of a journal answer, oldest first.
fn entries(answer: &Value) -> Vec<Value> {
    let mut entries = answer["value"].as_array().cloned().unwrap_or_default();
    entries.reverse();
    entries
}

/// Most entries one poll of --follow reads; more arriving between two polls are skipped.
const FOLLOW_BATCH: u32 = 1000;

pub async fn journal(
    api: &Api,
    args: JournalArgs,
    client_id: Option<String>,
    output: Output,
) -> Outcome {
    let first = api
        .get(Surface::Admin, &journal_path(&args, &client_id, args.limit))
        .await?;
    let shown = entries(&first);
    if !output.json {
        println!("{}", journal_header());
    }
    let mut last = 0;
    for entry in &shown {
        print_entry(entry, output);
        last = last.max(entry["id"].as_i64().unwrap_or_default());
    }
    if !args.follow {
        return Ok(());
    }
    let poll = journal_path(&args, &client_id, Some(FOLLOW_BATCH));
    // One Ctrl-C listener for the whole run, so that none is missed between two polls.
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tokio::time::sleep(args.poll_interval) => {}
        }
        let answer = tokio::select! {
            _ = &mut stop => return Ok(()),
            answer = api.get(Surface::Admin, &poll) => answer?,
        };
        // Ids grow with every entry written: those above the last printed are new.
        for entry in entries(&answer) {
            let id = entry["id"].as_i64().unwrap_or_default();
            if id > last {
                print_entry(&entry, output);
                last = id;
            }
        }
    }
}

const JOURNAL_COLUMNS: [(&str, usize); 7] = [
    ("TIME", 24),
    ("STATUS", 6),
    ("METHOD", 7),
    ("PATH", 50),
    ("LATENCY", 9),
    ("CLIENT", 36),
    ("CORRELATION ID", 0),
];

fn journal_header() -> String {
    row(JOURNAL_COLUMNS.map(|(name, _)| name.to_string()))
}

fn row(cells: [String; 7]) -> String {
    let line: Vec<String> = cells
        .iter()
        .zip(JOURNAL_COLUMNS)
        .map(|(cell, (_, width))| format!("{cell:<width$}"))
        .collect();
    line.join(" ").trim_end().to_string()
}

/// An entry as a table row, or a JSON line with --json.
fn print_entry(entry: &Value, output: Output) {
    if output.json {
        println!("{entry}");
        return;
    }
    let client = match entry["clientId"].as_str() {
        Some(client) => client.to_string(),
        None => "-".into(),
    };
    println!(
        "{}",
        row([
            time(text(entry, "time")),
            entry["status"].to_string(),
            text(entry, "method").to_string(),
            text(entry, "path").to_string(),
            format!("{:.1}ms", entry["latencyMs"].as_f64().unwrap_or_default()),
            client,
            text(entry, "correlationId").to_string(),
        ])
    );
}

/// A journal time to the millisecond, as people read it.
fn time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// `storeroom admin reset`, once confirmed (`--yes`, or "yes" typed on stdin).
pub async fn reset(api: &Api, yes: bool, output: Output) -> Outcome {
    if !yes {
        let url = api.url(Surface::Admin, "")?;
        eprint!(
            "This deletes every app, product, submission, upload, fault rule and journal entry of {url} (accounts and keys stay). Type yes to go on: "
        );
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !answer.ends_with('\n') {
            // Nothing typed (stdin closed): end the prompt's line.
            eprintln!();
        }
        if answer.trim() != "yes" {
            return Err(Failure::local(
                "not reset: not confirmed (type yes, or give --yes)",
            ));
        }
    }
    api.post(Surface::Admin, "reset", None).await?;
    output.show(&json!({"reset": true}), |_| "reset".into());
    Ok(())
}

pub async fn snapshot(api: &Api, command: SnapshotCommand, output: Output) -> Outcome {
    let (answer, said) = match command {
        SnapshotCommand::Save { name } => {
            let info = api
                .post(Surface::Admin, "snapshots", Some(&json!({"name": name})))
                .await?;
            (info, format!("saved snapshot {name}"))
        }
        SnapshotCommand::List => {
            let listed = api.get(Surface::Admin, "snapshots").await?;
            let lines: Vec<String> = listed["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|info| {
                    format!(
                        "{}  {}  {} blobs",
                        text(info, "name"),
                        text(info, "created"),
                        info["blobs"]
                    )
                })
                .collect();
            let said = if lines.is_empty() {
                "no snapshots".into()
            } else {
                lines.join("\n")
            };
            (listed, said)
        }
        SnapshotCommand::Restore { name } => {
            let path = format!("snapshots/{}/restore", escaped(&name));
            let info = api.post(Surface::Admin, &path, None).await?;
            (info, format!("restored snapshot {name}"))
        }
        SnapshotCommand::Delete { name } => {
            api.delete(Surface::Admin, &format!("snapshots/{}", escaped(&name)))
                .await?;
            (json!({"deleted": name}), format!("deleted snapshot {name}"))
        }
    };
    output.show(&answer, |_| said);
    Ok(())
}

/// A value as one path segment or query value.
fn escaped(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}
