//! `storeroom apps list|get`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::{ClientOpts, Surface, text};

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

/// Every item of a paged list, following `@nextLink`.
pub async fn all_pages(api: &super::Api, first: &str) -> super::Outcome<Vec<Value>> {
    let mut items = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next {
        let page = api.get(Surface::Devcenter, &path).await?;
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
