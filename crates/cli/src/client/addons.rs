//! `storeroom addons …`: add-ons (in-app products). Their submissions are
//! `storeroom submission … --addon ID` and `storeroom publish --addon ID`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use super::apps::all_pages;
use super::{ClientOpts, Surface, read_json, text};

#[derive(Subcommand)]
pub enum AddonsCommand {
    /// Lists the account's add-ons, or one app's.
    List {
        #[arg(long, value_name = "APP_ID")]
        app: Option<String>,
    },
    /// Shows an add-on.
    Get { id: String },
    /// Creates an add-on.
    ///
    ///   storeroom addons create --app 9NBLGGH4R315 --product-id gold-coins --type Consumable
    ///   storeroom addons create --from addon.json     # the whole body, as the API takes it
    #[command(verbatim_doc_comment)]
    Create {
        /// The app(s) it belongs to; repeat for more.
        #[arg(long = "app", value_name = "APP_ID", required_unless_present = "from")]
        apps: Vec<String>,
        /// Your id for it (productId).
        #[arg(long, required_unless_present = "from")]
        product_id: Option<String>,
        /// productType: Durable, Consumable or UnmanagedConsumable.
        #[arg(long = "type", default_value = "Durable")]
        product_type: String,
        /// The request body as a JSON file instead of the flags.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["apps", "product_id"])]
        from: Option<PathBuf>,
    },
    /// Deletes an add-on.
    Delete { id: String },
}

pub async fn run(command: AddonsCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        match command {
            AddonsCommand::List { app } => {
                let first = match app {
                    Some(app) => format!("applications/{app}/listinappproducts?top=100"),
                    None => "inappproducts?top=100".to_string(),
                };
                let addons = all_pages(&api, &first).await?;
                output.show(&Value::Array(addons.clone()), |_| {
                    addons
                        .iter()
                        // An app's list names only each add-on's id.
                        .map(|a| match a["inAppProductId"].as_str() {
                            Some(id) => id.to_string(),
                            None => format!("{}  {}", text(a, "id"), text(a, "productId")),
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            AddonsCommand::Get { id } => {
                output.resource(
                    &api.get(Surface::Devcenter, &format!("inappproducts/{id}"))
                        .await?,
                );
            }
            AddonsCommand::Create {
                apps,
                product_id,
                product_type,
                from,
            } => {
                let body = match from {
                    Some(file) => read_json(&file)?,
                    None => json!({
                        "applicationIds": apps,
                        "productId": product_id,
                        "productType": product_type,
                    }),
                };
                output.resource(
                    &api.post(Surface::Devcenter, "inappproducts", Some(&body))
                        .await?,
                );
            }
            AddonsCommand::Delete { id } => {
                api.delete(Surface::Devcenter, &format!("inappproducts/{id}"))
                    .await?;
                output.show(&json!({"deleted": id}), |_| format!("add-on {id} deleted"));
            }
        }
        Ok(())
    })
    .await
}
