//! The MSI/EXE worker: claims jobs of the `msi` queue (package processing and submission
//! pipeline steps) and records what they find, one job at a time, as the devcenter worker
//! does for its queue.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures::FutureExt;
use storeroom_domain::Clock;
use storeroom_domain::msi::service::MsiJob;
use storeroom_domain::msi::{MsiError, MsiService};
use storeroom_domain::store::{Job, MSI_QUEUE};
use storeroom_ingest::worker::holding_lease;
use tokio::sync::Notify;

use super::probe::PackageProbe;

/// Longest sleep when nothing is due; new work also wakes the worker through `wake`.
const IDLE_POLL: StdDuration = StdDuration::from_millis(500);

pub struct MsiWorker {
    pub service: MsiService,
    pub clock: Arc<Clock>,
    pub probe: PackageProbe,
    pub wake: Arc<Notify>,
    pub owner: String,
    /// How long a claimed job stays leased without renewal; renewed while it runs.
    pub lease: StdDuration,
}

impl MsiWorker {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        loop {
            match self.run_next().await {
                Ok(true) => {}
                Ok(false) => self.idle().await,
                Err(err) => {
                    tracing::error!(error = %err, "MSI worker failed to reach the store");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    async fn idle(&self) {
        let jobs = &self.service.accounts;
        let wait = match jobs.next_job_due(MSI_QUEUE).await {
            Ok(Some(due)) => (due - self.clock.now())
                .to_std()
                .unwrap_or_default()
                .clamp(StdDuration::from_millis(20), IDLE_POLL),
            _ => IDLE_POLL,
        };
        let _ = tokio::time::timeout(wait, self.wake.notified()).await;
    }

    /// Runs one due job; Ok(false) when none was due.
    async fn run_next(&self) -> Result<bool, MsiError> {
        let now = self.clock.now();
        let lease = now + Duration::from_std(self.lease).unwrap_or(Duration::seconds(30));
        let jobs = &self.service.accounts;
        let Some(job) = jobs.claim_job(MSI_QUEUE, now, lease, &self.owner).await? else {
            return Ok(false);
        };
        // Package fetches may outlast the lease: it is renewed while the job runs.
        // A panicking job must not stop this worker (nor the devcenter worker that shares
        // its task): it is logged with a correlation id and dropped.
        let run = AssertUnwindSafe(self.run_job(&job)).catch_unwind();
        let done = holding_lease(
            jobs.as_ref(),
            &self.clock,
            &job,
            &self.owner,
            self.lease,
            run,
        )
        .await;
        let done = match done {
            Ok(done) => done,
            Err(panic) => {
                let message = storeroom_domain::panics::message(panic.as_ref());
                drop(panic);
                tracing::error!(
                    job = job.id,
                    step = %job.step,
                    correlation_id = %storeroom_domain::ids::guid(),
                    panic = %message,
                    "MSI job panicked; dropped"
                );
                self.service.drop_job(job.id).await
            }
        };
        if let Err(err) = done {
            // A storage failure mid-job: run it again later rather than lose it.
            tracing::warn!(job = job.id, error = %err, "MSI job failed; will retry");
            let backoff = Duration::seconds(i64::from(job.attempts.min(6)).pow(2));
            jobs.retry_job(job.id, self.clock.now() + backoff, &err.to_string())
                .await?;
        }
        Ok(true)
    }

    async fn run_job(&self, job: &Job) -> Result<(), MsiError> {
        match MsiJob::parse(job) {
            None => {
                tracing::error!(job = job.id, step = %job.step, "unknown MSI job dropped");
                self.service.drop_job(job.id).await
            }
            Some(MsiJob::Packages {
                product_id,
                generation,
            }) => {
                let Some(product) = self
                    .service
                    .packages_to_process(&product_id, generation)
                    .await?
                else {
                    return self.service.drop_job(job.id).await;
                };
                let result = self.probe.check(&product.draft.packages).await;
                tracing::info!(product = %product_id, ok = result.is_ok(), "MSI packages processed");
                self.service
                    .finish_packages(job.id, &product_id, generation, result)
                    .await
            }
            Some(MsiJob::Pipeline {
                submission_id,
                step,
            }) => {
                self.service.run_step(job.id, &submission_id, step).await?;
                tracing::info!(submission = %submission_id, step = step.name(), "MSI pipeline step recorded");
                Ok(())
            }
        }
    }
}
