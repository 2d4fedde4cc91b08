//! The `ingestion` queue's jobs: the workflow steps of offer submissions. The runner that
//! claims them is the shared one ([`storeroom_ingest::runner`]); the rules and their
//! recording live in the domain's [`IngestionService`].

use std::sync::Arc;

use async_trait::async_trait;
use storeroom_domain::ingestion::IngestionService;
use storeroom_domain::ingestion::store::INGESTION_QUEUE;
use storeroom_domain::ingestion::submission::StepKind;
use storeroom_domain::ingestion::submit::submission_of_job;
use storeroom_domain::store::Job;
use storeroom_ingest::runner::{JobError, JobHandler, Ran};
use storeroom_storage::blobs::BlobStore;

use super::files::probe_images;

pub struct OfferJobs {
    pub service: IngestionService,
    pub blobs: Arc<dyn BlobStore>,
}

impl OfferJobs {
    fn parse(job: &Job) -> Option<(&str, StepKind)> {
        Some((
            submission_of_job(&job.submission_id)?,
            StepKind::parse_job(&job.step)?,
        ))
    }
}

#[async_trait]
impl JobHandler for OfferJobs {
    fn queue(&self) -> &'static str {
        INGESTION_QUEUE
    }

    async fn run(&self, job: &Job) -> Result<Ran, JobError> {
        let Some((submission_id, step)) = Self::parse(job) else {
            tracing::error!(job = job.id, step = %job.step, "unknown ingestion job");
            return Ok(Ran::Stale);
        };
        // Image blobs are read before the step's transaction, as the devcenter steps read
        // uploads: a slow store holds no lock.
        let Some(images) = self.service.images_for_step(submission_id, step).await? else {
            return Ok(Ran::Stale);
        };
        let verdicts = probe_images(self.blobs.clone(), images).await;
        self.service
            .run_step(job.id, submission_id, step, &verdicts)
            .await?;
        tracing::info!(submission = %submission_id, step = step.title(), "offer workflow step recorded");
        Ok(Ran::Recorded)
    }

    /// A step that panicked fails its submission, quoting the log line's correlation id.
    async fn after_panic(
        &self,
        job: &Job,
        _message: &str,
        correlation_id: &str,
    ) -> Result<Ran, JobError> {
        let Some((submission_id, step)) = Self::parse(job) else {
            return Ok(Ran::Stale);
        };
        let message = storeroom_domain::panics::step_failure(step.title(), correlation_id);
        self.service
            .fail_step(job.id, submission_id, &message)
            .await?;
        Ok(Ran::Recorded)
    }
}
