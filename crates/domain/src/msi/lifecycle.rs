//! How a product's draft becomes a published submission, as pure functions over records.
//!
//! ```text
//! packages: Ready ─PUT/PATCH→ Modified ─commit→ Processing ─worker→ Ready | Failed
//! submit (draft ready, none in flight) → INPROGRESS: CheckUpload → PreProcess → Certify
//!                                         → Release → Publish → PUBLISHED | FAILED
//! ```
//!
//! While a submission is INPROGRESS every write to the draft is refused.

use chrono::{DateTime, Utc};
use storeroom_wire::msi::{PublishingStatus, codes};

use super::error::{MsiError, MsiResult, Problem};
use super::product::{MsiProduct, MsiSubmission, PackagesState};
use crate::pipeline::{Outcome, Step};
use crate::{ids, panics};

/// Refuses a write while a submission is in flight.
pub fn ensure_writable(product: &MsiProduct) -> MsiResult<()> {
    match &product.ongoing_submission_id {
        Some(id) => Err(MsiError::InFlight {
            ongoing_submission_id: id.clone(),
            product_id: product.id.clone(),
        }),
        None => Ok(()),
    }
}

/// The packages changed: they need a commit before the draft is ready again.
pub fn packages_changed(product: &mut MsiProduct) {
    product.packages = PackagesState::Modified;
}

/// Package commit: checks the packages and starts processing them. Returns the generation
/// the worker's result must carry.
pub fn start_processing(product: &mut MsiProduct) -> MsiResult<u64> {
    ensure_writable(product)?;
    let problems: Vec<Problem> = product
        .draft
        .problems()
        .into_iter()
        .filter(|p| p.target == "packages")
        .collect();
    MsiError::check(problems)?;
    product.packages_generation += 1;
    product.packages = PackagesState::Processing;
    Ok(product.packages_generation)
}

/// Records what processing found, unless a later commit or update superseded it.
/// Returns whether it was recorded.
pub fn finish_processing(
    product: &mut MsiProduct,
    generation: u64,
    result: Result<(), String>,
) -> bool {
    if generation != product.packages_generation || product.packages != PackagesState::Processing {
        return false;
    }
    product.packages = match result {
        Ok(()) => PackagesState::Ready,
        Err(message) => PackagesState::Failed { message },
    };
    true
}

/// Package processing panicked: unless a later commit or update superseded it, the packages
/// fail with an error quoting `correlation_id` (logged with the panic), so that the module
/// status stops saying they are being processed. Returns whether it was recorded.
pub fn fail_processing_after_panic(
    product: &mut MsiProduct,
    generation: u64,
    correlation_id: &str,
) -> bool {
    let message = panics::failure_detail("package processing", correlation_id);
    finish_processing(product, generation, Err(message))
}

/// What module status reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub is_ready: bool,
    pub problems: Vec<Problem>,
}

/// Ready when the packages are processed and every module passes its rules. Processing in
/// progress is not an error (clients poll through it); anything that waiting will not fix is.
pub fn readiness(product: &MsiProduct) -> Readiness {
    let mut problems = Vec::new();
    match &product.packages {
        PackagesState::Ready | PackagesState::Processing => {}
        PackagesState::Modified => problems.push(Problem {
            code: codes::PACKAGES_NOT_COMMITTED,
            message: format!(
                "The packages changed and are not committed: POST /submission/v1/product/{}/packages/commit",
                product.id
            ),
            target: "packages",
        }),
        PackagesState::Failed { message } => problems.push(Problem {
            code: codes::PACKAGE_UPLOAD_ERROR,
            message: message.clone(),
            target: "packages",
        }),
    }
    problems.extend(product.draft.problems().into_iter().map(|p| Problem {
        code: codes::INCOMPLETE_MODULE,
        ..p
    }));
    Readiness {
        is_ready: problems.is_empty() && product.packages == PackagesState::Ready,
        problems,
    }
}

/// Submit: a snapshot of a ready draft starts through the pipeline at its first step.
pub fn submit(product: &mut MsiProduct, now: DateTime<Utc>) -> MsiResult<MsiSubmission> {
    ensure_writable(product)?;
    let mut problems = Vec::new();
    match &product.packages {
        PackagesState::Ready => {}
        PackagesState::Processing => problems.push(Problem::bad_request(
            "packages",
            "The packages are still being processed: poll the module status until isReady",
        )),
        PackagesState::Modified => problems.push(Problem::bad_request(
            "packages",
            "The packages changed and are not committed: commit them and wait until isReady",
        )),
        PackagesState::Failed { message } => problems.push(Problem {
            code: codes::PACKAGE_UPLOAD_ERROR,
            message: message.clone(),
            target: "packages",
        }),
    }
    problems.extend(product.draft.problems());
    MsiError::check(problems)?;
    let submission = MsiSubmission {
        id: ids::numeric_id(),
        product_id: product.id.clone(),
        seller_id: product.seller_id.clone(),
        status: PublishingStatus::InProgress,
        step: Some(Step::CheckUpload.name().to_string()),
        snapshot: product.draft.clone(),
        errors: Vec::new(),
        status_reads: 0,
        created_at: now,
        updated_at: now,
    };
    product.ongoing_submission_id = Some(submission.id.clone());
    product.submission_count += 1;
    Ok(submission)
}

/// Whether the submission still waits in `step` (a job that survived a crash after its
/// step was recorded must not run twice).
pub fn waits_in(submission: &MsiSubmission, step: Step) -> bool {
    submission.in_flight() && submission.step.as_deref() == Some(step.name())
}

/// Records a step's outcome. Returns the step to run next and when, if any.
pub fn record_outcome(
    product: &mut MsiProduct,
    submission: &mut MsiSubmission,
    step: Step,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Option<(Step, DateTime<Utc>)> {
    submission.updated_at = now;
    match outcome {
        Outcome::Advance { next, due } => {
            submission.step = Some(next.name().to_string());
            submission.status_reads = 0;
            Some((next, due))
        }
        Outcome::Wait { until } => Some((step, until)),
        Outcome::Park => None,
        Outcome::Published => {
            submission.status = PublishingStatus::Published;
            submission.step = None;
            product.last_published_submission_id = Some(submission.id.clone());
            release(product, submission);
            None
        }
        Outcome::Failed(errors) => {
            fail(
                product,
                submission,
                errors.into_iter().map(|e| e.details).collect(),
            );
            None
        }
        // MSI/EXE submissions have no PendingCommit or Canceled: the submission fails.
        Outcome::Returned(status, errors) => {
            let mut reasons: Vec<String> = errors.into_iter().map(|e| e.details).collect();
            if reasons.is_empty() {
                reasons.push(format!("{status} forced by the pipeline policy"));
            }
            fail(product, submission, reasons);
            None
        }
    }
}

/// The pipeline step `step` panicked: the submission, if it still waits in that step, ends
/// FAILED with an error quoting `correlation_id` (logged with the panic), and the draft is
/// writable again. Returns whether it was recorded.
pub fn fail_step_after_panic(
    product: &mut MsiProduct,
    submission: &mut MsiSubmission,
    step: Step,
    correlation_id: &str,
    now: DateTime<Utc>,
) -> bool {
    if !waits_in(submission, step) {
        return false;
    }
    fail(
        product,
        submission,
        vec![panics::step_failure(step.name(), correlation_id)],
    );
    submission.updated_at = now;
    true
}

/// The submission ends FAILED with these reasons; the draft is writable again.
pub fn fail(product: &mut MsiProduct, submission: &mut MsiSubmission, errors: Vec<String>) {
    submission.status = PublishingStatus::Failed;
    submission.step = None;
    submission.errors = errors;
    release(product, submission);
}

fn release(product: &mut MsiProduct, submission: &MsiSubmission) {
    if product.ongoing_submission_id.as_deref() == Some(submission.id.as_str()) {
        product.ongoing_submission_id = None;
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use storeroom_wire::devcenter::{StatusCode, StatusDetail};

    use super::*;

    #[test]
    fn packages_go_through_processing_and_stale_results_are_dropped() {
        let now = Utc::now();
        let (mut product, _) = MsiProduct::reserve("1", "App", now);
        assert!(readiness(&product).is_ready);
        packages_changed(&mut product);
        let status = readiness(&product);
        assert!(!status.is_ready);
        assert_eq!(status.problems[0].code, codes::PACKAGES_NOT_COMMITTED);
        let first = start_processing(&mut product).unwrap();
        assert!(!readiness(&product).is_ready);
        assert!(readiness(&product).problems.is_empty());
        let second = start_processing(&mut product).unwrap();
        assert!(!finish_processing(&mut product, first, Ok(())));
        assert!(finish_processing(
            &mut product,
            second,
            Err("unreachable".into())
        ));
        let status = readiness(&product);
        assert_eq!(status.problems[0].code, codes::PACKAGE_UPLOAD_ERROR);
        assert_eq!(status.problems[0].target, "packages");
    }

    #[test]
    fn submit_locks_the_draft_until_the_pipeline_ends() {
        let now = Utc::now();
        let (mut product, _) = MsiProduct::reserve("1", "App", now);
        let mut submission = submit(&mut product, now).unwrap();
        assert!(matches!(
            start_processing(&mut product),
            Err(MsiError::InFlight { .. })
        ));
        assert!(waits_in(&submission, Step::CheckUpload));
        let next = record_outcome(
            &mut product,
            &mut submission,
            Step::CheckUpload,
            Outcome::Advance {
                next: Step::PreProcess,
                due: now,
            },
            now,
        );
        assert_eq!(next, Some((Step::PreProcess, now)));
        record_outcome(
            &mut product,
            &mut submission,
            Step::PreProcess,
            Outcome::Failed(vec![StatusDetail {
                code: StatusCode::Other,
                details: "forced".into(),
            }]),
            now,
        );
        assert_eq!(submission.status, PublishingStatus::Failed);
        assert_eq!(submission.errors, vec!["forced".to_string()]);
        assert!(ensure_writable(&product).is_ok());
    }

    #[test]
    fn a_panic_fails_the_waiting_step_or_the_current_processing_only() {
        let now = Utc::now();
        let (mut product, _) = MsiProduct::reserve("1", "App", now);
        let mut submission = submit(&mut product, now).unwrap();
        // A job of another step (one that survived a crash) is stale.
        assert!(!fail_step_after_panic(
            &mut product,
            &mut submission,
            Step::Certify,
            "c-1",
            now
        ));
        assert_eq!(submission.status, PublishingStatus::InProgress);
        assert!(fail_step_after_panic(
            &mut product,
            &mut submission,
            Step::CheckUpload,
            "c-2",
            now
        ));
        assert_eq!(submission.status, PublishingStatus::Failed);
        assert_eq!(submission.step, None);
        assert_eq!(
            submission.errors,
            ["An internal error occurred in the check-upload step (correlation id c-2)."]
        );
        assert!(ensure_writable(&product).is_ok());

        packages_changed(&mut product);
        let first = start_processing(&mut product).unwrap();
        let second = start_processing(&mut product).unwrap();
        assert!(!fail_processing_after_panic(&mut product, first, "c-3"));
        assert_eq!(product.packages, PackagesState::Processing);
        assert!(fail_processing_after_panic(&mut product, second, "c-4"));
        let status = readiness(&product);
        assert!(!status.is_ready);
        assert_eq!(status.problems[0].code, codes::PACKAGE_UPLOAD_ERROR);
        assert_eq!(
            status.problems[0].message,
            "An internal error occurred in package processing (correlation id c-4)."
        );
    }
}
