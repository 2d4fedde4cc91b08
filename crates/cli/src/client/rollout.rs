//! `storeroom rollout get|set|halt|finalize`: gradual package rollout of a published (or
//! publishing) app or flight submission.

use std::process::ExitCode;

use clap::Subcommand;

use super::submission::Target;
use super::{ClientOpts, Surface, text};

#[derive(Subcommand)]
pub enum RolloutCommand {
    /// Shows the rollout: status, percentage, fallback submission.
    Get {
        #[command(flatten)]
        target: Target,
        /// The submission id.
        id: String,
    },
    /// Sets the percentage of customers who get the new packages.
    ///
    ///   storeroom rollout set --app 9NBLGGH4R315 1152921504621243610 --percentage 25
    #[command(verbatim_doc_comment)]
    Set {
        #[command(flatten)]
        target: Target,
        id: String,
        #[arg(long)]
        percentage: f64,
    },
    /// Halts the rollout: customers get the previous packages again.
    Halt {
        #[command(flatten)]
        target: Target,
        id: String,
    },
    /// Finalizes the rollout: every customer gets the new packages.
    Finalize {
        #[command(flatten)]
        target: Target,
        id: String,
    },
}

pub async fn run(command: RolloutCommand, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        let rollout = match command {
            RolloutCommand::Get { target, id } => {
                let path = format!("{}/packagerollout", target.submission(&id));
                api.get(Surface::Devcenter, &path).await?
            }
            RolloutCommand::Set {
                target,
                id,
                percentage,
            } => {
                let path = format!(
                    "{}/updatepackagerolloutpercentage?percentage={percentage}",
                    target.submission(&id)
                );
                api.post(Surface::Devcenter, &path, None).await?
            }
            RolloutCommand::Halt { target, id } => {
                let path = format!("{}/haltpackagerollout", target.submission(&id));
                api.post(Surface::Devcenter, &path, None).await?
            }
            RolloutCommand::Finalize { target, id } => {
                let path = format!("{}/finalizepackagerollout", target.submission(&id));
                api.post(Surface::Devcenter, &path, None).await?
            }
        };
        output.show(&rollout, |rollout| {
            format!(
                "{} at {}%",
                text(rollout, "packageRolloutStatus"),
                rollout["packageRolloutPercentage"]
            )
        });
        Ok(())
    })
    .await
}
