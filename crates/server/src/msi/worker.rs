//! The `msi` queue's jobs: processing a product's committed packages, and the pipeline
//! steps of its submissions. The runner that claims them is the devcenter queue's
//! ([`storeroom_ingest::runner`]); the rules and their recording live in [`MsiService`].

use async_trait::async_trait;
use storeroom_domain::msi::MsiService;
use storeroom_domain::msi::service::MsiJob;
use storeroom_domain::store::{Job, MSI_QUEUE};
use storeroom_ingest::runner::{JobError, JobHandler, Ran};

use super::probe::PackageProbe;

pub struct MsiJobs {
    pub service: MsiService,
    pub probe: PackageProbe,
}

#[async_trait]
impl JobHandler for MsiJobs {
    fn queue(&self) -> &'static str {
        MSI_QUEUE
    }

    async fn run(&self, job: &Job) -> Result<Ran, JobError> {
        match MsiJob::parse(job) {
            None => {
                tracing::error!(job = job.id, step = %job.step, "unknown MSI job");
                Ok(Ran::Stale)
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
                    return Ok(Ran::Stale);
                };
                // Package fetches may outlast the lease: the runner renews it meanwhile.
                let result = self.probe.check(&product.draft.packages).await;
                tracing::info!(product = %product_id, ok = result.is_ok(), "MSI packages processed");
                self.service
                    .finish_packages(job.id, &product_id, generation, result)
                    .await?;
                Ok(Ran::Recorded)
            }
            Some(MsiJob::Pipeline {
                submission_id,
                step,
            }) => {
                self.service.run_step(job.id, &submission_id, step).await?;
                tracing::info!(submission = %submission_id, step = step.name(), "MSI pipeline step recorded");
                Ok(Ran::Recorded)
            }
        }
    }

    /// A job that panicked fails what waited for it (the submission, or the packages), with
    /// the correlation id of the log line in the error so the two can be matched.
    async fn after_panic(
        &self,
        job: &Job,
        _message: &str,
        correlation_id: &str,
    ) -> Result<Ran, JobError> {
        let Some(msi_job) = MsiJob::parse(job) else {
            return Ok(Ran::Stale);
        };
        let recorded = self
            .service
            .fail_after_panic(job.id, &msi_job, correlation_id)
            .await?;
        if !recorded {
            return Ok(Ran::Stale);
        }
        tracing::info!(job = job.id, step = %job.step, correlation_id, "MSI job failed after a panic");
        Ok(Ran::Recorded)
    }
}
