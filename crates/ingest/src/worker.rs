//! The devcenter queue's jobs: one pipeline step of an app, flight or add-on submission.
//!
//! The steps that look at the upload ([`Steps`]) read the submission and its app once,
//! do their work outside any transaction, and hand what they found to the domain, which
//! decides the outcome and records it with the next job ([`Service::record_step`]). The
//! other steps have no work of their own: the domain runs them in one transaction
//! ([`Service::run_step`]).

use async_trait::async_trait;
use storeroom_domain::content::SubmissionContent;
use storeroom_domain::pipeline::Step;
use storeroom_domain::product::ProductKind;
use storeroom_domain::service::{Effects, StepWork};
use storeroom_domain::store::{self, DEVCENTER_QUEUE, Job, SubmissionHeader};
use storeroom_domain::submission::Submission;
use storeroom_domain::{DomainError, Service};
use storeroom_wire::devcenter::{
    AppSubmissionContent, FlightSubmissionContent, InAppProductSubmissionContent, StatusCode,
    StatusDetail,
};

use crate::runner::{JobError, JobHandler, Ran};
use crate::steps::Steps;

pub struct DevcenterJobs {
    pub service: Service,
    /// The work of the steps that read the upload.
    pub steps: Steps,
}

#[async_trait]
impl JobHandler for DevcenterJobs {
    fn queue(&self) -> &'static str {
        DEVCENTER_QUEUE
    }

    async fn run(&self, job: &Job) -> Result<Ran, JobError> {
        let Some(step) = Step::parse(&job.step) else {
            tracing::error!(job = job.id, step = %job.step, "unknown pipeline step");
            return Ok(Ran::Stale);
        };
        let ran = if matches!(step, Step::CheckUpload | Step::PreProcess) {
            self.upload_step(job, step).await?
        } else {
            self.service
                .run_step(job.id, &job.submission_id, step)
                .await?;
            Ran::Recorded
        };
        if ran == Ran::Recorded {
            tracing::info!(submission = %job.submission_id, step = step.name(), "pipeline step recorded");
        }
        Ok(ran)
    }

    /// A step that panicked fails its submission, with the correlation id of the log line
    /// in its error so the two can be matched.
    async fn after_panic(
        &self,
        job: &Job,
        _message: &str,
        correlation_id: &str,
    ) -> Result<Ran, JobError> {
        let Some(step) = Step::parse(&job.step) else {
            return Ok(Ran::Stale);
        };
        let Some(header) = self
            .service
            .store
            .submission_doc(&job.submission_id)
            .await?
            .map(|doc| store::parse::<SubmissionHeader>(&doc))
            .transpose()?
        else {
            return Ok(Ran::Stale);
        };
        let errors = vec![StatusDetail {
            code: StatusCode::Other,
            details: storeroom_domain::panics::step_failure(step.name(), correlation_id),
        }];
        let (id, service) = (&job.submission_id, &self.service);
        match header.product.kind() {
            ProductKind::Application => {
                service
                    .record_step_failure::<AppSubmissionContent>(job.id, id, step, errors)
                    .await
            }
            ProductKind::Flight => {
                service
                    .record_step_failure::<FlightSubmissionContent>(job.id, id, step, errors)
                    .await
            }
            ProductKind::InAppProduct => {
                service
                    .record_step_failure::<InAppProductSubmissionContent>(job.id, id, step, errors)
                    .await
            }
        }?;
        Ok(Ran::Recorded)
    }
}

impl DevcenterJobs {
    /// A step that reads the upload, for the submission's kind of product.
    async fn upload_step(&self, job: &Job, step: Step) -> Result<Ran, DomainError> {
        // One read of the document serves both its header and its content.
        let Some(doc) = self
            .service
            .store
            .submission_doc(&job.submission_id)
            .await?
        else {
            return Ok(Ran::Stale);
        };
        let header: SubmissionHeader = store::parse(&doc)?;
        if !Service::step_is_current(step, header.status, header.hidden_step.as_deref()) {
            return Ok(Ran::Stale);
        }
        match header.product.kind() {
            ProductKind::Application => self.step::<AppSubmissionContent>(job, step, &doc).await?,
            ProductKind::Flight => {
                self.step::<FlightSubmissionContent>(job, step, &doc)
                    .await?
            }
            ProductKind::InAppProduct => {
                self.step::<InAppProductSubmissionContent>(job, step, &doc)
                    .await?
            }
        }
        Ok(Ran::Recorded)
    }

    async fn step<C: SubmissionContent>(
        &self,
        job: &Job,
        step: Step,
        doc: &str,
    ) -> Result<(), DomainError> {
        let submission: Submission<C> = store::parse(doc)?;
        let product = self.service.step_product(&submission.product).await?;
        let app = product.app.as_ref();
        let work: StepWork = if product.policy.stuck_in(step) {
            // A step the policy holds does no work: it only looks at the policy again.
            Ok(Effects::default())
        } else if step == Step::CheckUpload {
            self.steps.check_upload(&submission, app).await?
        } else {
            self.steps.preprocess(&submission, app).await?
        };
        self.service
            .record_step::<C>(job.id, &submission.id, step, &product.policy, work)
            .await
    }
}
