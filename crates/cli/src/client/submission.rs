//! `storeroom submission …`: one submission of an app, a package flight or an add-on, call
//! by call (create, get, update, upload, commit, status, delete).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::retry::Transient;
use super::wait::{self, WaitArgs};
use super::{
    Api, ClientOpts, Failure, Outcome, Output, Surface, merge_patch, progress, read_json, text,
};

/// Whose submission: an app's, one of its package flights', or an add-on's.
#[derive(clap::Args, Clone, Debug)]
pub struct Target {
    /// The app (its Store ID, e.g. 9NBLGGH4R315).
    #[arg(long, value_name = "APP_ID", required_unless_present = "addon")]
    pub app: Option<String>,

    /// A package flight of the app (its flightId).
    #[arg(long, value_name = "FLIGHT_ID", requires = "app")]
    pub flight: Option<String>,

    /// An add-on (in-app product) instead of an app.
    #[arg(long, value_name = "ADDON_ID", conflicts_with_all = ["app", "flight"])]
    pub addon: Option<String>,
}

impl Target {
    /// The product's path under the devcenter base.
    pub fn product_path(&self) -> String {
        match (&self.app, &self.flight, &self.addon) {
            (_, _, Some(addon)) => format!("inappproducts/{addon}"),
            (Some(app), Some(flight), _) => format!("applications/{app}/flights/{flight}"),
            (Some(app), None, _) => format!("applications/{app}"),
            // clap requires --app or --addon.
            (None, _, None) => unreachable!("clap requires --app or --addon"),
        }
    }

    pub fn submissions(&self) -> String {
        format!("{}/submissions", self.product_path())
    }

    pub fn submission(&self, id: &str) -> String {
        format!("{}/submissions/{id}", self.product_path())
    }

    /// The product's reference to its pending submission.
    pub fn pending_field(&self) -> &'static str {
        match (&self.flight, &self.addon) {
            (_, Some(_)) => "pendingInAppProductSubmission",
            (Some(_), None) => "pendingFlightSubmission",
            (None, None) => "pendingApplicationSubmission",
        }
    }

    /// The submission's package list, when it has one.
    pub fn packages_field(&self) -> Option<&'static str> {
        match (&self.flight, &self.addon) {
            (_, Some(_)) => None,
            (Some(_), None) => Some("flightPackages"),
            (None, None) => Some("applicationPackages"),
        }
    }
}

#[derive(Subcommand)]
pub enum SubmissionCommand {
    /// Creates a submission: a copy of the last published one, with a fileUploadUrl.
    ///
    ///   storeroom submission create --app 9NBLGGH4R315
    ///   storeroom submission create --app 9NBLGGH4R315 --flight 43e448df-…
    ///   storeroom submission create --addon 9NBLGGH4TNMP
    #[command(verbatim_doc_comment)]
    Create {
        #[command(flatten)]
        target: Target,
    },
    /// Shows a submission.
    Get {
        #[command(flatten)]
        target: Target,
        /// The submission id.
        id: String,
    },
    /// Changes a submission: merges each JSON file (RFC 7386 merge patch: objects merge,
    /// null removes) into it and PUTs the result.
    ///
    ///   echo '{"notesForCertification": "Test account: demo/demo"}' > notes.json
    ///   storeroom submission update --app 9NBLGGH4R315 1152921504621243610 --from notes.json
    #[command(verbatim_doc_comment)]
    Update {
        #[command(flatten)]
        target: Target,
        id: String,
        /// A JSON file of fields (`-`: stdin); repeat to apply several in order.
        #[arg(long, required = true, value_name = "FILE")]
        from: Vec<PathBuf>,
    },
    /// Uploads a ZIP of the submission's files (packages, images) to its fileUploadUrl.
    ///
    ///   storeroom submission upload --app 9NBLGGH4R315 1152921504621243610 upload.zip
    #[command(verbatim_doc_comment)]
    Upload {
        #[command(flatten)]
        target: Target,
        id: String,
        /// The ZIP file.
        file: PathBuf,
        /// Shows the progress bar even when stderr is not a terminal or with --json.
        #[arg(long)]
        progress: bool,
    },
    /// Commits a submission: the Store starts processing it.
    ///
    ///   storeroom submission commit --app 9NBLGGH4R315 1152921504621243610 --wait
    #[command(verbatim_doc_comment)]
    Commit {
        #[command(flatten)]
        target: Target,
        id: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Shows a submission's status and statusDetails; exit 5 if it failed.
    Status {
        #[command(flatten)]
        target: Target,
        id: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Deletes a pending submission.
    Delete {
        #[command(flatten)]
        target: Target,
        id: String,
    },
}

/// A submission for people: id, status, what it holds, where to upload.
pub fn summary(submission: &Value) -> String {
    let mut lines = vec![
        format!("id: {}", text(submission, "id")),
        format!("status: {}", text(submission, "status")),
    ];
    for field in ["applicationPackages", "flightPackages"] {
        for package in submission[field].as_array().into_iter().flatten() {
            lines.push(format!(
                "package: {} ({})",
                text(package, "fileName"),
                text(package, "fileStatus")
            ));
        }
    }
    if let Some(url) = submission["fileUploadUrl"].as_str() {
        lines.push(format!("fileUploadUrl: {url}"));
    }
    let mut text = lines.join("\n");
    text += &wait::details_report(&submission["statusDetails"]);
    text
}

/// A new submission, and whether it was found after a failed create rather than returned.
pub struct Created {
    pub submission: Value,
    pub recovered: bool,
}

/// Creates a submission of `target`. A create is not retried blindly: a 503 (or a 502,
/// 504, or a connection lost after sending) can come after the submission was made
/// (StoreBroker#123), so the retry meets a 409. That 409, after such a failure, means the
/// product's pending submission is the one the failed try made: it is fetched and
/// continued, and `say` tells so. A 500 is not retried: a submission it leaves behind may
/// be a zombie that stores nothing (`spec/notes/client-behaviours.md`).
pub async fn create(api: &Api, target: &Target, say: &impl Fn(String)) -> Outcome<Created> {
    let mut tried = 0;
    let mut uncertain = false;
    loop {
        let failure = match api
            .post(Surface::Devcenter, &target.submissions(), None)
            .await
        {
            Ok(submission) => {
                return Ok(Created {
                    submission,
                    recovered: false,
                });
            }
            Err(failure) => failure,
        };
        if uncertain && matches!(&failure, Failure::Http(http) if http.status == 409) {
            let product = api.get(Surface::Devcenter, &target.product_path()).await?;
            let Some(pending) = product[target.pending_field()]["id"].as_str() else {
                return Err(failure);
            };
            say(format!(
                "the failed create made submission {pending} (the retry met 409): continuing with it"
            ));
            let submission = api
                .get(Surface::Devcenter, &target.submission(pending))
                .await?;
            return Ok(Created {
                submission,
                recovered: true,
            });
        }
        let maybe_made = match &failure {
            Failure::Http(http) => matches!(http.status, 502..=504),
            Failure::Network { .. } => true,
            _ => false,
        };
        let transient = Transient {
            after: None,
            refused: false,
        };
        let delay = maybe_made
            .then(|| api.retry.next(tried, true, Some(transient)))
            .flatten();
        let Some(delay) = delay else {
            return Err(failure);
        };
        api.retry.note(&failure, delay, tried);
        tokio::time::sleep(delay).await;
        uncertain = true;
        tried += 1;
    }
}

pub async fn run(command: SubmissionCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        dispatch(&api, command, output).await
    })
    .await
}

async fn dispatch(api: &Api, command: SubmissionCommand, output: Output) -> Outcome {
    match command {
        SubmissionCommand::Create { target } => {
            let created = create(api, &target, &|line| output.say(line)).await?;
            output.show(&created.submission, summary);
        }
        SubmissionCommand::Get { target, id } => {
            let submission = api.get(Surface::Devcenter, &target.submission(&id)).await?;
            output.show(&submission, summary);
        }
        SubmissionCommand::Update { target, id, from } => {
            let path = target.submission(&id);
            let mut submission = api.get(Surface::Devcenter, &path).await?;
            for file in &from {
                merge_patch(&mut submission, &read_json(file)?);
            }
            let updated = api
                .put(Surface::Devcenter, &path, &for_put(&submission))
                .await?;
            output.show(&updated, summary);
        }
        SubmissionCommand::Upload {
            target,
            id,
            file,
            progress,
        } => {
            let submission = api.get(Surface::Devcenter, &target.submission(&id)).await?;
            let url = upload_url(&submission)?;
            let size = std::fs::metadata(&file)
                .map_err(|err| Failure::local(format!("cannot read {}: {err}", file.display())))?
                .len();
            let bar = progress::bytes_bar(size, progress::visible(output.json, progress), "upload");
            super::upload::upload(api, url, &file, &bar).await?;
            output.show(
                &serde_json::json!({"id": id, "uploadedBytes": size}),
                |_| format!("uploaded {size} bytes of {}", file.display()),
            );
        }
        SubmissionCommand::Commit { target, id, wait } => {
            let committed = commit(api, &target, &id).await?;
            let shown = if wait.wait {
                let live = progress::visible(output.json, wait.progress);
                wait::until_settled(api, &status_path(&target, &id), &id, &wait, live, true).await?
            } else {
                committed
            };
            output.show(&shown, status_line);
        }
        SubmissionCommand::Status { target, id, wait } => {
            let path = status_path(&target, &id);
            let status = if wait.wait {
                let live = progress::visible(output.json, wait.progress);
                wait::until_settled(api, &path, &id, &wait, live, false).await?
            } else {
                wait::check(&id, api.get(Surface::Devcenter, &path).await?, false)?
            };
            output.show(&status, status_line);
        }
        SubmissionCommand::Delete { target, id } => {
            api.delete(Surface::Devcenter, &target.submission(&id))
                .await?;
            output.show(&serde_json::json!({"deleted": id}), |_| {
                format!("submission {id} deleted")
            });
        }
    }
    Ok(())
}

/// The body of a submission PUT: the submission without the fields the service sets (the
/// real service refuses them in an add-on submission's PUT and ignores them elsewhere).
pub fn for_put(submission: &Value) -> Value {
    let mut body = submission.clone();
    if let Some(fields) = body.as_object_mut() {
        for read_only in ["id", "status", "statusDetails", "fileUploadUrl"] {
            fields.remove(read_only);
        }
    }
    body
}

/// The submission's upload URL, or why there is none.
pub fn upload_url(submission: &Value) -> Outcome<&str> {
    submission["fileUploadUrl"].as_str().ok_or_else(|| {
        Failure::local(format!(
            "submission {} has no fileUploadUrl (one started in Partner Center cannot take uploads)",
            text(submission, "id")
        ))
    })
}

pub fn status_path(target: &Target, id: &str) -> String {
    format!("{}/status", target.submission(id))
}

pub async fn commit(api: &Api, target: &Target, id: &str) -> Outcome<Value> {
    api.post(
        Surface::Devcenter,
        &format!("{}/commit", target.submission(id)),
        None,
    )
    .await
}

/// A status resource for people.
pub fn status_line(status: &Value) -> String {
    format!(
        "{}{}",
        text(status, "status"),
        wait::details_report(&status["statusDetails"])
    )
}
