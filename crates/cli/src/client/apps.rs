//! `storeroom apps list|get`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::{ClientOpts, Failure, Surface, text};

#[derive(Subcommand)]
pub enum AppsCommand {
    /// Lists the account's apps (every page).
    List,
    /// Shows an app: its package identity, publisher and pending and published submissions.
    Get {
        /// The app's Store ID.
        id: String,
    },
}

/// Every item of a paged list, following `@nextLink`. The API answers an empty list with
/// 404 `ResourceNotFound` ("No apps were found for this account"); that is an empty list.
pub async fn all_pages(api: &super::Api, first: &str) -> super::Outcome<Vec<Value>> {
    let mut items = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next {
        let page = match api.get(Surface::Devcenter, &path).await {
            Err(Failure::Http(http)) if http.status == 404 && items.is_empty() => {
                return Ok(items);
            }
            answer => answer?,
        };
        items.extend(page["value"].as_array().cloned().unwrap_or_default());
        next = page["@nextLink"].as_str().map(str::to_string);
    }
    Ok(items)
}

pub async fn run(command: AppsCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        match command {
            AppsCommand::List => {
                let apps = all_pages(&api, "applications?top=100").await?;
                output.show(&Value::Array(apps.clone()), |_| {
                    apps.iter()
                        .map(|app| {
                            format!(
                                "{}  {}  {}",
                                text(app, "id"),
                                text(app, "primaryName"),
                                text(app, "packageIdentityName")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            AppsCommand::Get { id } => {
                let app = api
                    .get(Surface::Devcenter, &format!("applications/{id}"))
                    .await?;
                output.resource(&app);
            }
        }
        Ok(())
    })
    .await
}
