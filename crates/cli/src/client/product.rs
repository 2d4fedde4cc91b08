//! `storeroom product …`: MSI/EXE products through the Store submission API
//! (`/submission/v1/product/{productId}`): metadata, packages, status, submit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::wait::WaitArgs;
use super::{Api, ClientOpts, Failure, HttpFailure, Outcome, Surface, progress, read_json, text};

#[derive(Subcommand)]
pub enum ProductCommand {
    /// Shows the draft's metadata: every module, or one.
    Metadata {
        /// The product id (a GUID).
        product: String,
        /// listings, properties or availability.
        #[arg(long)]
        module: Option<String>,
    },
    /// Changes metadata: PATCH (only the fields given) or, with --put, PUT of each module.
    ///
    ///   storeroom product update 3e31a9f9-… --from listings.json
    #[command(verbatim_doc_comment)]
    Update {
        product: String,
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[arg(long)]
        put: bool,
    },
    /// Shows the draft's packages.
    Packages { product: String },
    /// Replaces the draft's packages with the JSON file's `{"packages": [...]}` and commits
    /// them for processing.
    ///
    ///   storeroom product set-packages 3e31a9f9-… --from packages.json
    #[command(verbatim_doc_comment)]
    SetPackages {
        product: String,
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Module status: whether the draft is ready to submit, and the ongoing submission.
    Status { product: String },
    /// Submits the draft; with --wait, waits for PUBLISHED (exit 0) or FAILED (exit 5).
    ///
    ///   storeroom product submit 3e31a9f9-… --wait
    #[command(verbatim_doc_comment)]
    Submit {
        product: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Shows a submission's publishing status.
    SubmissionStatus { product: String, submission: String },
}

/// A call of the MSI/EXE API; an envelope with `isSuccess: false` is a failure even on 2xx.
async fn call(api: &Api, method: Method, path: &str, body: Option<&Value>) -> Outcome<Value> {
    let envelope = api.call(Surface::Msi, method.clone(), path, body).await?;
    if envelope["isSuccess"] == false {
        let first = &envelope["errors"][0];
        return Err(Failure::Http(Box::new(HttpFailure {
            status: 400,
            method: method.to_string(),
            url: api.url(Surface::Msi, path)?,
            code: text(first, "code").into(),
            message: text(first, "message").into(),
            target: text(first, "target").into(),
            body: envelope,
        })));
    }
    Ok(envelope)
}

fn product_path(product: &str, rest: &str) -> String {
    format!("product/{product}/{rest}")
}

pub async fn run(command: ProductCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        let answer = match command {
            ProductCommand::Metadata { product, module } => {
                let rest = match module {
                    Some(module) => format!("metadata/{module}"),
                    None => "metadata".into(),
                };
                call(&api, Method::GET, &product_path(&product, &rest), None).await?
            }
            ProductCommand::Update { product, from, put } => {
                let method = if put { Method::PUT } else { Method::PATCH };
                let body = read_json(&from)?;
                call(
                    &api,
                    method,
                    &product_path(&product, "metadata"),
                    Some(&body),
                )
                .await?
            }
            ProductCommand::Packages { product } => {
                call(&api, Method::GET, &product_path(&product, "packages"), None).await?
            }
            ProductCommand::SetPackages { product, from } => {
                let body = read_json(&from)?;
                call(
                    &api,
                    Method::PUT,
                    &product_path(&product, "packages"),
                    Some(&body),
                )
                .await?;
                call(
                    &api,
                    Method::POST,
                    &product_path(&product, "packages/commit"),
                    None,
                )
                .await?
            }
            ProductCommand::Status { product } => {
                call(&api, Method::GET, &product_path(&product, "status"), None).await?
            }
            ProductCommand::Submit { product, wait } => {
                let submitted =
                    call(&api, Method::POST, &product_path(&product, "submit"), None).await?;
                if wait.wait {
                    let id = text(&submitted["responseData"], "submissionId").to_string();
                    let live = progress::visible(output.json, wait.progress);
                    wait_published(&api, &product, &id, &wait, live).await?
                } else {
                    submitted
                }
            }
            ProductCommand::SubmissionStatus {
                product,
                submission,
            } => {
                let path = product_path(&product, &format!("submission/{submission}/status"));
                call(&api, Method::GET, &path, None).await?
            }
        };
        output.show(&answer, |answer| {
            serde_json::to_string_pretty(&answer["responseData"]).unwrap_or_default()
        });
        Ok(())
    })
    .await
}

/// Polls an MSI/EXE submission until it is no longer `INPROGRESS`.
async fn wait_published(
    api: &Api,
    product: &str,
    id: &str,
    wait: &WaitArgs,
    live: bool,
) -> Outcome<Value> {
    let path = product_path(product, &format!("submission/{id}/status"));
    let started = Instant::now();
    let spinner = progress::spinner(live, format!("submission {id}: waiting"));
    loop {
        let status = call(api, Method::GET, &path, None).await?;
        let publishing = text(&status["responseData"], "publishingStatus").to_string();
        spinner.set_message(format!("submission {id}: {publishing}"));
        match publishing.as_str() {
            "INPROGRESS" if started.elapsed() < wait.timeout => {
                tokio::time::sleep(wait.poll_interval).await
            }
            "INPROGRESS" => {
                spinner.finish_and_clear();
                return Err(Failure::Timeout {
                    id: id.into(),
                    status: publishing,
                });
            }
            "FAILED" => {
                spinner.finish_and_clear();
                return Err(Failure::Submission {
                    id: id.into(),
                    status: publishing,
                    status_details: json!({"errors": status["errors"].as_array().map(|errors| {
                        errors.iter().map(|e| json!({"code": e["code"], "details": e["message"]})).collect::<Vec<_>>()
                    })}),
                });
            }
            _ => {
                spinner.finish_and_clear();
                return Ok(status);
            }
        }
    }
}
