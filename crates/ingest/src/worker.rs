//! The worker: claims due pipeline jobs and runs them, one at a time per worker.
//!
//! It never talks HTTP. Each job runs its step, then records the outcome (the submission's
//! new state plus the next job) in one transaction, so a crash between the two leaves the
//! job to be run again, and a job whose step was already recorded is dropped.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use futures::FutureExt;
use storeroom_domain::content::SubmissionContent;
use storeroom_domain::packages;
use storeroom_domain::pipeline::{Outcome, Policies, Step, decide};
use storeroom_domain::product::ProductKind;
use storeroom_domain::product_record::ProductRecord;
use storeroom_domain::report::{self, CertificationReport};
use storeroom_domain::service::product_policy;
use storeroom_domain::store::{
    DEVCENTER_QUEUE, Job, NewJob, Store, SubmissionAccess, SubmissionReads,
};
use storeroom_domain::submission::{self, Submission};
use storeroom_domain::{Clock, DomainError, Service};
use storeroom_wire::devcenter::{
    AppSubmissionContent, FlightSubmissionContent, InAppProductSubmissionContent, StatusCode,
    StatusDetail,
};
use tokio::sync::Notify;

use crate::steps::{Effects, Steps};

/// How long a job is leased when the server does not say: a worker renews its lease while
/// the step runs, so this is how soon another instance takes over from one that died.
pub const DEFAULT_LEASE: StdDuration = StdDuration::from_secs(30);
/// Longest sleep when no job is due: new work also wakes the worker through `wake`.
const IDLE_POLL: StdDuration = StdDuration::from_millis(500);

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clock>,
    /// The work of the steps that read the upload.
    pub steps: Steps,
    pub policies: Arc<Policies>,
    /// Base URL certification reports are served under.
    pub report_base: Arc<str>,
    /// Notified when a job is enqueued or the clock moves.
    pub wake: Arc<Notify>,
    pub owner: String,
    /// How long a claimed job stays leased without renewal ([`DEFAULT_LEASE`]).
    pub lease: StdDuration,
}

impl Worker {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        loop {
            match self.run_next().await {
                Ok(true) => continue,
                Ok(false) => self.idle().await,
                Err(err) => {
                    tracing::error!(error = %err, "pipeline worker failed to reach the store");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    async fn idle(&self) {
        let now = self.clock.now();
        let due_in = match self.store.next_job_due(DEVCENTER_QUEUE).await {
            Ok(Some(due)) => (due - now).to_std().unwrap_or_default().min(IDLE_POLL),
            _ => IDLE_POLL,
        };
        if due_in.is_zero() {
            tokio::time::sleep(StdDuration::from_millis(20)).await;
            return;
        }
        let _ = tokio::time::timeout(due_in, self.wake.notified()).await;
    }

    /// Runs one due job. Ok(false) when nothing was due.
    pub async fn run_next(&self) -> Result<bool, DomainError> {
        let now = self.clock.now();
        let Some(job) = self
            .store
            .claim_job(
                DEVCENTER_QUEUE,
                now,
                now + lease_span(self.lease),
                &self.owner,
            )
            .await?
        else {
            return Ok(false);
        };
        // A panicking step must not take the worker down with it, nor be retried forever.
        let run = AssertUnwindSafe(self.run_job(&job)).catch_unwind();
        let done = holding_lease(
            self.store.as_ref(),
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
                // The payload is not Sync: only its message is kept across the awaits.
                let message = storeroom_domain::panics::message(panic.as_ref());
                self.fail_after_panic(&job, &message).await
            }
        };
        if let Err(err) = done {
            // A storage failure mid-step: try again later rather than losing the step.
            tracing::warn!(job = job.id, error = %err, "pipeline step failed; will retry");
            let backoff = Duration::seconds(i64::from(job.attempts.min(6)).pow(2));
            self.store
                .retry_job(job.id, self.clock.now() + backoff, &err.to_string())
                .await?;
        }
        Ok(true)
    }

    async fn run_job(&self, job: &Job) -> Result<(), DomainError> {
        let Some(step) = Step::parse(&job.step) else {
            tracing::error!(job = job.id, step = %job.step, "unknown pipeline step dropped");
            return self.drop_job(job).await;
        };
        let Some(header) = self.store.submission_header(&job.submission_id).await? else {
            return self.drop_job(job).await;
        };
        if !Service::step_is_current(step, header.status) {
            return self.drop_job(job).await;
        }
        match header.product.kind() {
            ProductKind::Application => self.run_step::<AppSubmissionContent>(job, step).await,
            ProductKind::Flight => self.run_step::<FlightSubmissionContent>(job, step).await,
            ProductKind::InAppProduct => {
                self.run_step::<InAppProductSubmissionContent>(job, step)
                    .await
            }
        }
    }

    async fn run_step<C: SubmissionContent>(
        &self,
        job: &Job,
        step: Step,
    ) -> Result<(), DomainError> {
        let Some(submission) = self.store.submission::<C>(&job.submission_id).await? else {
            return self.drop_job(job).await;
        };
        let (outcome, effects) = self.outcome(step, &submission).await?;
        self.record::<C>(job, step, outcome, effects).await
    }

    async fn outcome<C: SubmissionContent>(
        &self,
        step: Step,
        submission: &Submission<C>,
    ) -> Result<(Outcome, Effects), DomainError> {
        let policy =
            product_policy(self.store.as_ref(), &self.policies, &submission.product).await?;
        let work = match step {
            Step::CheckUpload => self.steps.check_upload(submission).await?,
            Step::PreProcess => self.steps.preprocess(submission).await?,
            _ => Ok(Effects::default()),
        };
        let (work, effects) = match work {
            Ok(effects) => (Ok(()), effects),
            Err(findings) => (Err(findings), Effects::default()),
        };
        let outcome = decide(
            step,
            &policy,
            work,
            submission.content.publish_mode(),
            submission.content.publish_date(),
            self.clock.now(),
        );
        Ok((outcome, effects))
    }

    /// Records the outcome atomically with the removal of the job.
    async fn record<C: SubmissionContent>(
        &self,
        job: &Job,
        step: Step,
        outcome: Outcome,
        effects: Effects,
    ) -> Result<(), DomainError> {
        let mut tx = self.store.begin().await?;
        let Some(mut submission) = tx.submission::<C>(&job.submission_id).await? else {
            tx.delete_job(job.id).await?;
            return Ok(tx.commit().await?);
        };
        if !Service::step_is_current(step, submission.status) {
            tx.delete_job(job.id).await?;
            return Ok(tx.commit().await?);
        }
        let now = self.clock.now();
        if let Some(check) = report::step_check(step, &outcome, &submission) {
            submission.checks.push(check);
        }
        if matches!(outcome, Outcome::Advance { .. }) {
            if let Some(entries) = submission.content.packages_mut() {
                packages::apply_manifests(entries, &effects.uploaded);
            }
            submission.checks.extend(effects.checks);
        }
        if step == Step::Certify && !matches!(outcome, Outcome::Park) {
            let report = CertificationReport::new(&submission, submission.checks.clone(), now);
            tx.insert_report(&report).await?;
            submission.add_report(&report, report::report_url(&self.report_base, &report.id));
        }
        match outcome {
            Outcome::Advance { next, due } => {
                submission.status = next.status();
                submission.status_reads = 0;
                submission.updated_at = now;
                tx.enqueue_job(&NewJob {
                    queue: DEVCENTER_QUEUE,
                    submission_id: submission.id.clone(),
                    step: next.name().into(),
                    run_at: due,
                })
                .await?;
            }
            Outcome::Wait { until } => {
                tx.enqueue_job(&NewJob {
                    queue: DEVCENTER_QUEUE,
                    submission_id: submission.id.clone(),
                    step: step.name().into(),
                    run_at: until,
                })
                .await?;
            }
            Outcome::Park => {}
            Outcome::Failed(errors) => submission.fail(step.failure_status(), errors, now),
            Outcome::Published => {
                let mut product = ProductRecord::load(tx.as_mut(), &submission.product).await?;
                submission::publish(product.slots_mut(), &mut submission, now);
                product.mark_published(now);
                product.save(tx.as_mut()).await?;
            }
        }
        tx.put_submission(&submission).await?;
        tx.delete_job(job.id).await?;
        tx.commit().await?;
        tracing::info!(submission = %submission.id, status = %submission.status, "pipeline step recorded");
        Ok(())
    }

    /// Fails the submission of a step that panicked, with a correlation id that is both in
    /// the log (with the panic) and in the submission's error, so the two can be matched.
    async fn fail_after_panic(&self, job: &Job, panic: &str) -> Result<(), DomainError> {
        let correlation = storeroom_domain::ids::guid();
        tracing::error!(
            job = job.id,
            step = %job.step,
            correlation_id = %correlation,
            panic = %panic,
            "pipeline step panicked; its submission fails"
        );
        let Some(step) = Step::parse(&job.step) else {
            return self.drop_job(job).await;
        };
        let Some(header) = self.store.submission_header(&job.submission_id).await? else {
            return self.drop_job(job).await;
        };
        let failed = Outcome::Failed(vec![StatusDetail {
            code: StatusCode::Other,
            details: format!(
                "An internal error occurred in the {} step (correlation id {correlation}).",
                step.name()
            ),
        }]);
        let none = Effects::default();
        match header.product.kind() {
            ProductKind::Application => {
                self.record::<AppSubmissionContent>(job, step, failed, none)
                    .await
            }
            ProductKind::Flight => {
                self.record::<FlightSubmissionContent>(job, step, failed, none)
                    .await
            }
            ProductKind::InAppProduct => {
                self.record::<InAppProductSubmissionContent>(job, step, failed, none)
                    .await
            }
        }
    }

    async fn drop_job(&self, job: &Job) -> Result<(), DomainError> {
        let mut tx = self.store.begin().await?;
        tx.delete_job(job.id).await?;
        Ok(tx.commit().await?)
    }
}

fn lease_span(lease: StdDuration) -> Duration {
    Duration::from_std(lease).unwrap_or(Duration::seconds(30))
}

/// Runs `work` (the step of `job`) while renewing the job's lease every third of `lease`.
/// A step may then take longer than the lease (a large upload's PreProcessing), and still
/// only a holder that stopped (killed, or cut off from the database) loses its job to
/// another instance. A holder that lost its lease anyway finishes its step: recording it
/// re-checks the submission's state, so the step is recorded once whoever records first.
pub async fn holding_lease<T>(
    store: &dyn Store,
    clock: &Clock,
    job: &Job,
    owner: &str,
    lease: StdDuration,
    work: impl Future<Output = T>,
) -> T {
    let every = (lease / 3).max(StdDuration::from_millis(50));
    tokio::pin!(work);
    let mut held = true;
    loop {
        tokio::select! {
            out = &mut work => return out,
            () = tokio::time::sleep(every), if held => {
                match store.renew_lease(job.id, owner, clock.now() + lease_span(lease)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = job.id, "job lease lost to another worker");
                        held = false;
                    }
                    // The next renewal may get through before the lease runs out.
                    Err(err) => tracing::warn!(job = job.id, error = %err, "job lease not renewed"),
                }
            }
        }
    }
}

/// A fresh owner name for leases.
pub fn owner_name() -> String {
    format!(
        "worker-{}-{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    )
}
