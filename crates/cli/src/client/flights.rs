//! `storeroom flights …`: an app's package flights. Their submissions are
//! `storeroom submission … --app APP --flight FLIGHT` and `storeroom publish --flight`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use super::apps::all_pages;
use super::{ClientOpts, Surface, text};

#[derive(Subcommand)]
pub enum FlightsCommand {
    /// Lists the app's package flights, highest rank first.
    List {
        #[arg(long, value_name = "APP_ID")]
        app: String,
    },
    /// Shows a flight.
    Get {
        #[arg(long, value_name = "APP_ID")]
        app: String,
        flight: String,
    },
    /// Creates a flight for flight groups (`storeroom admin` has no flight-group commands;
    /// on storeroom, POST /admin/v1/flightgroups makes them).
    ///
    ///   storeroom flights create --app 9NBLGGH4R315 --name "Insiders" --group 1152921504606962205
    #[command(verbatim_doc_comment)]
    Create {
        #[arg(long, value_name = "APP_ID")]
        app: String,
        /// The flight's friendlyName.
        #[arg(long)]
        name: String,
        /// A flight group id; repeat for more.
        #[arg(long = "group", value_name = "GROUP_ID", required = true)]
        groups: Vec<String>,
        /// Ranks it just above this flight (name or id) [default: highest].
        #[arg(long, value_name = "FLIGHT")]
        rank_higher_than: Option<String>,
    },
    /// Deletes a flight.
    Delete {
        #[arg(long, value_name = "APP_ID")]
        app: String,
        flight: String,
    },
}

pub async fn run(command: FlightsCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        match command {
            FlightsCommand::List { app } => {
                let flights =
                    all_pages(&api, &format!("applications/{app}/listflights?top=100")).await?;
                output.show(&Value::Array(flights.clone()), |_| {
                    flights
                        .iter()
                        .map(|f| format!("{}  {}", text(f, "flightId"), text(f, "friendlyName")))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            FlightsCommand::Get { app, flight } => {
                let path = format!("applications/{app}/flights/{flight}");
                output.resource(&api.get(Surface::Devcenter, &path).await?);
            }
            FlightsCommand::Create {
                app,
                name,
                groups,
                rank_higher_than,
            } => {
                let mut body = json!({"friendlyName": name, "groupIds": groups});
                if let Some(rank) = rank_higher_than {
                    body["rankHigherThan"] = json!(rank);
                }
                let path = format!("applications/{app}/flights");
                output.resource(&api.post(Surface::Devcenter, &path, Some(&body)).await?);
            }
            FlightsCommand::Delete { app, flight } => {
                let path = format!("applications/{app}/flights/{flight}");
                api.delete(Surface::Devcenter, &path).await?;
                output.show(&json!({"deleted": flight}), |_| {
                    format!("flight {flight} deleted")
                });
            }
        }
        Ok(())
    })
    .await
}
