//! The pipeline's admin side: policies per product, status reads that pace `pollsPerStep`
//! pipelines, manual approval and rejection, and the certification reports they write.

use chrono::{DateTime, Utc};
use serde_json::Value;
use storeroom_wire::devcenter::{StatusCode, SubmissionStatus};

use super::{Service, submission_not_found};
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::pipeline::{PipelineMode, PipelinePolicy, Policies, Step, due_time};
use crate::product::ProductRef;
use crate::report::{CertificationReport, Check, report_url};
use crate::store::{DEVCENTER_QUEUE, NewJob, Store, SubmissionAccess, Transaction};
use crate::submission::{self, Submission};

/// Kind-independent view of a submission: enough for status, checks and reports.
type AnySubmission = Submission<Value>;

/// The policy in force for a product: its app's own (apps, their flights, and add-ons by
/// their first app), else the server's.
pub async fn product_policy(
    store: &dyn Store,
    policies: &Policies,
    product: &ProductRef,
) -> DomainResult<PipelinePolicy> {
    let app = policy_app(store, product).await?;
    Ok(policies.for_product(app.and_then(|app| app.pipeline).as_ref()))
}

/// The app whose policy a product follows: its own app, or an add-on's first app.
pub(super) async fn policy_app(
    store: &dyn Store,
    product: &ProductRef,
) -> DomainResult<Option<Application>> {
    let app_id = match product {
        ProductRef::InAppProduct(id) => store
            .in_app_product(id)
            .await?
            .and_then(|p| p.application_id().map(str::to_string)),
        _ => product.app_id().map(str::to_string),
    };
    Ok(match app_id {
        Some(app_id) => store.application(&app_id).await?,
        None => None,
    })
}

impl Service {
    /// Admin: sets (or with None, removes) a product's own pipeline policy.
    pub async fn set_application_policy(
        &self,
        app_id: &str,
        policy: Option<PipelinePolicy>,
    ) -> DomainResult<Application> {
        self.change_application(app_id, |app| app.pipeline = policy)
            .await
    }

    /// A poller read `submission` (as it was read for the response). Under a
    /// `pollsPerStep` policy every N reads of a submission in flight let the waiting step
    /// run; true when this read did (its job is then due, and the store wakes the runner).
    /// Reads of submissions at rest cost nothing more.
    pub async fn record_status_read<C>(
        &self,
        product: &ProductRef,
        submission: &Submission<C>,
    ) -> DomainResult<bool> {
        if !submission.is_in_flight() {
            return Ok(false);
        }
        let submission_id = submission.id.as_str();
        let policy = product_policy(self.store.as_ref(), &self.policies, product).await?;
        let Some(polls) = policy.polls_per_step else {
            return Ok(false);
        };
        let mut tx = self.store.begin().await?;
        let Some(mut current) = tx.submission::<Value>(submission_id).await? else {
            return Ok(false);
        };
        // The read counts for the step it saw: one the pipeline has moved past since (the
        // response was read before this transaction) must not release the next step, or a
        // poller would never see that step's state.
        if !current.is_in_flight()
            || current.status != submission.status
            || current.hidden_step != submission.hidden_step
        {
            return Ok(false);
        }
        current.status_reads += 1;
        let released = current.status_reads >= polls;
        if released {
            current.status_reads = 0;
            tx.make_jobs_due(&current.id, self.clock.now()).await?;
        }
        tx.put_submission(&current).await?;
        tx.commit().await?;
        Ok(released)
    }

    /// Admin: approves a submission waiting in Certification under a manual policy.
    pub async fn approve_certification(&self, submission_id: &str) -> DomainResult<AnySubmission> {
        let mut tx = self.store.begin().await?;
        let mut submission = self
            .awaiting_certification(tx.as_mut(), submission_id)
            .await?;
        let policy =
            product_policy(self.store.as_ref(), &self.policies, &submission.product).await?;
        let now = self.clock.now();
        let next = Step::Release;
        submission.checks.push(Check::passed(
            "Manual review",
            "Approved through the admin API",
            Vec::new(),
        ));
        self.write_report(tx.as_mut(), &mut submission, now).await?;
        submission.set_status(next.status(), now);
        submission.status_reads = 0;
        submission.updated_at = now;
        tx.put_submission(&submission).await?;
        tx.enqueue_job(&NewJob {
            queue: DEVCENTER_QUEUE,
            submission_id: submission.id.clone(),
            step: next.name().into(),
            run_at: due_time(&policy, now),
        })
        .await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// Admin: Partner Center's "Publish now" for a submission waiting in Release (Manual
    /// publish mode, or a SpecificDate not reached yet).
    pub async fn publish_now(&self, submission_id: &str) -> DomainResult<AnySubmission> {
        let mut tx = self.store.begin().await?;
        let mut submission: AnySubmission = tx
            .submission(submission_id)
            .await?
            .ok_or_else(submission_not_found)?;
        if submission.status != SubmissionStatus::Release {
            return Err(DomainError::invalid_state(
                format!(
                    "Submission {submission_id} is {}, not waiting in Release to be published",
                    submission.status
                ),
                "submissionId",
            ));
        }
        let now = self.clock.now();
        let next = Step::Publish;
        submission.set_status(next.status(), now);
        submission.status_reads = 0;
        submission.updated_at = now;
        tx.put_submission(&submission).await?;
        tx.enqueue_job(&NewJob {
            queue: DEVCENTER_QUEUE,
            submission_id: submission.id.clone(),
            step: next.name().into(),
            run_at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// Admin: rejects a submission waiting in Certification: CertificationFailed, with the
    /// reason as its error.
    pub async fn reject_certification(
        &self,
        submission_id: &str,
        reason: &str,
    ) -> DomainResult<AnySubmission> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "reason must say why the submission is rejected",
                "reason",
            ));
        }
        let mut tx = self.store.begin().await?;
        let mut submission = self
            .awaiting_certification(tx.as_mut(), submission_id)
            .await?;
        let now = self.clock.now();
        submission
            .checks
            .push(Check::failed("Manual review", reason, Vec::new()));
        self.write_report(tx.as_mut(), &mut submission, now).await?;
        submission.fail(
            SubmissionStatus::CertificationFailed,
            vec![submission::status_detail(StatusCode::Other, reason)],
            now,
        );
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    async fn write_report(
        &self,
        tx: &mut dyn Transaction,
        submission: &mut AnySubmission,
        now: DateTime<Utc>,
    ) -> DomainResult<()> {
        let report = CertificationReport::new(submission, submission.checks.clone(), now);
        tx.insert_report(&report).await?;
        submission.add_report(&report, report_url(&self.report_base, &report.id));
        Ok(())
    }

    /// A submission in Certification with no step job waiting: parked for a decision.
    async fn awaiting_certification(
        &self,
        tx: &mut dyn Transaction,
        submission_id: &str,
    ) -> DomainResult<AnySubmission> {
        let submission: AnySubmission = tx
            .submission(submission_id)
            .await?
            .ok_or_else(submission_not_found)?;
        if submission.status != SubmissionStatus::Certification {
            return Err(DomainError::invalid_state(
                format!(
                    "Submission {submission_id} is {}, not waiting in Certification",
                    submission.status
                ),
                "submissionId",
            ));
        }
        let policy =
            product_policy(self.store.as_ref(), &self.policies, &submission.product).await?;
        if policy.mode != PipelineMode::Manual && tx.has_jobs(submission_id).await? {
            return Err(DomainError::invalid_state(
                format!(
                    "Submission {submission_id} is being certified automatically; only a manual pipeline waits for approval"
                ),
                "submissionId",
            ));
        }
        Ok(submission)
    }

    /// Whether a submission in `status` (with `hidden_step` pending behind it, when the
    /// policy skips that step's state) is still waiting for `step` (a job that survived a
    /// crash after its step was recorded must not run twice).
    pub fn step_is_current(
        step: Step,
        status: SubmissionStatus,
        hidden_step: Option<&str>,
    ) -> bool {
        match hidden_step {
            Some(hidden) => hidden == step.name(),
            None => step.status() == status,
        }
    }
}
