//! Recording a pipeline step: the rule that turns what a step found into the submission's
//! next state and next job, written in one transaction with the removal of the job that
//! ran, so a crash in between leaves the job to run again and a job whose step was already
//! recorded changes nothing.

use storeroom_wire::devcenter::{
    AppSubmissionContent, FlightSubmissionContent, InAppProductSubmissionContent, StatusDetail,
    SubmissionStatus,
};

use super::Service;
use super::certification::{policy_app, product_policy};
use crate::application::Application;
use crate::content::SubmissionContent;
use crate::error::DomainResult;
use crate::packages::{self, UploadedPackage};
use crate::pipeline::{Outcome, PipelinePolicy, Step, decide};
use crate::product::{ProductKind, ProductRef};
use crate::product_record::ProductRecord;
use crate::report::{self, CertificationReport, Check};
use crate::store::{
    DEVCENTER_QUEUE, NewJob, SubmissionAccess, SubmissionHeader, Transaction, parse,
};
use crate::submission::{self, Submission};
use chrono::{DateTime, Utc};

/// What a successful step found, to record with its outcome.
#[derive(Debug, Default)]
pub struct Effects {
    /// Manifests of the uploaded packages, to fill the package entries with.
    pub uploaded: Vec<UploadedPackage>,
    /// Checks for the certification report.
    pub checks: Vec<Check>,
}

/// A step's own work: what it found, or the errors the submission fails with.
pub type StepWork = Result<Effects, Vec<StatusDetail>>;

/// The product a step runs for, read once and passed to the step's work and recording.
#[derive(Debug, Clone)]
pub struct StepProduct {
    /// The pipeline policy in force for the product.
    pub policy: PipelinePolicy,
    /// The app an app or flight submission is checked against (None for add-ons).
    pub app: Option<Application>,
}

impl Service {
    /// What a step of `product` needs to know of it, in one read of its app.
    pub async fn step_product(&self, product: &ProductRef) -> DomainResult<StepProduct> {
        let app = policy_app(self.store.as_ref(), product).await?;
        let policy = self
            .policies
            .for_product(app.as_ref().and_then(|app| app.pipeline.as_ref()));
        Ok(StepProduct {
            policy,
            // An add-on's app only lends it its policy: no app rule applies to an add-on.
            app: app.filter(|_| product.app_id().is_some()),
        })
    }

    /// Decides `step` of submission `submission_id` from the `work` a runner did on it
    /// and the `policy` in force, and records the outcome with the next job, removing job
    /// `job_id`. The submission is read again here, in the transaction that writes it (a
    /// read whose version the write checks): the work ran outside any transaction, and a
    /// step another runner recorded meanwhile must not be recorded twice.
    pub async fn record_step<C: SubmissionContent>(
        &self,
        job_id: i64,
        submission_id: &str,
        step: Step,
        policy: &PipelinePolicy,
        work: StepWork,
    ) -> DomainResult<()> {
        let (work, effects) = match work {
            Ok(effects) => (Ok(()), effects),
            Err(findings) => (Err(findings), Effects::default()),
        };
        self.record_outcome::<C>(
            job_id,
            submission_id,
            step,
            effects,
            &policy.skip_states,
            by_policy(step, policy, work),
        )
        .await
    }

    /// Runs a step that has no work of its own (Certification, Release, Publishing): the
    /// submission is read once, in the transaction that records the step's outcome.
    pub async fn run_step(&self, job_id: i64, submission_id: &str, step: Step) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let doc = tx.submission_doc(submission_id).await?;
        let header: Option<SubmissionHeader> = doc.as_deref().map(parse).transpose()?;
        let (Some(doc), Some(header)) = (doc, header) else {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        };
        if !Self::step_is_current(step, header.status, header.hidden_step.as_deref()) {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        }
        let policy = product_policy(self.store.as_ref(), &self.policies, &header.product).await?;
        let none = Effects::default;
        let skipped = &policy.skip_states;
        match header.product.kind() {
            ProductKind::Application => {
                let submission = parse::<Submission<AppSubmissionContent>>(&doc)?;
                let decide = by_policy(step, &policy, Ok(()));
                self.record(tx, job_id, step, none(), skipped, decide, submission)
                    .await
            }
            ProductKind::Flight => {
                let submission = parse::<Submission<FlightSubmissionContent>>(&doc)?;
                let decide = by_policy(step, &policy, Ok(()));
                self.record(tx, job_id, step, none(), skipped, decide, submission)
                    .await
            }
            ProductKind::InAppProduct => {
                let submission = parse::<Submission<InAppProductSubmissionContent>>(&doc)?;
                let decide = by_policy(step, &policy, Ok(()));
                self.record(tx, job_id, step, none(), skipped, decide, submission)
                    .await
            }
        }
    }

    /// Fails `step` of submission `submission_id` with `errors` whatever the policy says:
    /// what a step that could not run to its end (it panicked) comes to.
    pub async fn record_step_failure<C: SubmissionContent>(
        &self,
        job_id: i64,
        submission_id: &str,
        step: Step,
        errors: Vec<StatusDetail>,
    ) -> DomainResult<()> {
        self.record_outcome::<C>(
            job_id,
            submission_id,
            step,
            Effects::default(),
            &[],
            |_, _| Outcome::Failed(errors),
        )
        .await
    }

    /// Records the outcome `decide` gives for the submission as read in the transaction that
    /// writes it (a read whose version the write checks), with the next job, removing job
    /// `job_id`; a step recorded by another runner meanwhile is not recorded twice. A step
    /// whose state is in `skipped` is advanced to without showing it.
    async fn record_outcome<C: SubmissionContent>(
        &self,
        job_id: i64,
        submission_id: &str,
        step: Step,
        effects: Effects,
        skipped: &[SubmissionStatus],
        decide: impl FnOnce(&Submission<C>, DateTime<Utc>) -> Outcome + Send,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let current = tx
            .submission::<C>(submission_id)
            .await?
            .filter(|submission| {
                Self::step_is_current(step, submission.status, submission.hidden_step.as_deref())
            });
        let Some(submission) = current else {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        };
        self.record(tx, job_id, step, effects, skipped, decide, submission)
            .await
    }

    /// Records the outcome `decide` gives for `submission` (read in `tx`, still in `step`).
    #[allow(clippy::too_many_arguments)]
    async fn record<C: SubmissionContent>(
        &self,
        mut tx: Box<dyn Transaction>,
        job_id: i64,
        step: Step,
        effects: Effects,
        skipped: &[SubmissionStatus],
        decide: impl FnOnce(&Submission<C>, DateTime<Utc>) -> Outcome + Send,
        mut submission: Submission<C>,
    ) -> DomainResult<()> {
        let now = self.clock.now();
        let outcome = decide(&submission, now);
        if let Some(check) = report::step_check(step, &outcome, &submission) {
            submission.checks.push(check);
        }
        if matches!(outcome, Outcome::Advance { .. }) {
            if let Some(entries) = submission.content.packages_mut() {
                packages::apply_manifests(entries, &effects.uploaded);
            }
            submission.checks.extend(effects.checks);
        }
        if step == Step::Certify && !matches!(outcome, Outcome::Park | Outcome::Wait { .. }) {
            let report = CertificationReport::new(&submission, submission.checks.clone(), now);
            tx.insert_report(&report).await?;
            submission.add_report(&report, report::report_url(&self.report_base, &report.id));
        }
        let next_job = match outcome {
            Outcome::Advance { next, due } => {
                // A skipped state is never shown: the submission keeps the one it had.
                if skipped.contains(&next.status()) {
                    submission.hidden_step = Some(next.name().into());
                } else {
                    submission.set_status(next.status(), now);
                    submission.hidden_step = None;
                }
                submission.status_reads = 0;
                submission.updated_at = now;
                Some((next, due))
            }
            Outcome::Wait { until } => Some((step, until)),
            Outcome::Park => None,
            Outcome::Failed(errors) => {
                submission.fail(step.failure_status(), errors, now);
                None
            }
            Outcome::Returned(status, errors) => {
                submission.fail(status, errors, now);
                if status == SubmissionStatus::Canceled {
                    // A cancelled submission no longer holds its product's pending slot.
                    let mut product = ProductRecord::load(tx.as_mut(), &submission.product).await?;
                    let slots = product.slots_mut();
                    if slots.pending_submission_id.as_deref() == Some(submission.id.as_str()) {
                        slots.pending_submission_id = None;
                        product.save(tx.as_mut()).await?;
                    }
                }
                None
            }
            Outcome::Published => {
                submission.hidden_step = None;
                let mut product = ProductRecord::load(tx.as_mut(), &submission.product).await?;
                submission::publish(product.slots_mut(), &mut submission, now);
                product.mark_published(now);
                product.save(tx.as_mut()).await?;
                None
            }
        };
        if let Some((next, run_at)) = next_job {
            tx.enqueue_job(&NewJob {
                queue: DEVCENTER_QUEUE,
                submission_id: submission.id.clone(),
                step: next.name().into(),
                run_at,
            })
            .await?;
        }
        tx.put_submission(&submission).await?;
        tx.delete_job(job_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The outcome the `policy` in force gives `step`, whose own work came to `work`.
fn by_policy<C: SubmissionContent>(
    step: Step,
    policy: &PipelinePolicy,
    work: Result<(), Vec<StatusDetail>>,
) -> impl FnOnce(&Submission<C>, DateTime<Utc>) -> Outcome + Send + '_ {
    move |submission, now| {
        decide(
            step,
            policy,
            work,
            submission.content.publish_mode(),
            submission.content.publish_date(),
            now,
        )
    }
}
