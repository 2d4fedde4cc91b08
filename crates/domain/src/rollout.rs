//! Gradual package rollout of a published submission (seed 002; notes §4.7).
//!
//! ```text
//! Published with isPackageRollout ─→ InProgress ─update %─→ InProgress
//!                                        ├─halt──→ Stopped   (0 %, everyone gets the fallback)
//!                                        └─finalize→ Complete (100 %, everyone gets it)
//! ```
//! Update, halt and finalize need a published submission whose rollout is in progress
//! (409 otherwise). Stopped and Complete are final.

use storeroom_wire::devcenter::{PackageRollout, RolloutStatus, SubmissionStatus};

use crate::content::SubmissionContent;

use crate::error::{DomainError, DomainResult};
use crate::submission::Submission;

fn ensure_in_progress<C: SubmissionContent>(
    submission: &Submission<C>,
) -> DomainResult<&PackageRollout> {
    let Some(rollout) = submission.content.rollout() else {
        return Err(DomainError::invalid_state(
            "This kind of submission has no package rollout",
            "submissionId",
        ));
    };
    if submission.status != SubmissionStatus::Published {
        return Err(DomainError::invalid_state(
            format!(
                "The package rollout can only be changed on a published submission; this one is {}",
                submission.status
            ),
            "submissionId",
        ));
    }
    if rollout.package_rollout_status != RolloutStatus::PackageRolloutInProgress {
        return Err(DomainError::invalid_state(
            format!(
                "The package rollout of this submission is {}, not PackageRolloutInProgress",
                rollout.package_rollout_status
            ),
            "submissionId",
        ));
    }
    Ok(rollout)
}

fn rollout_mut<C: SubmissionContent>(submission: &mut Submission<C>) -> &mut PackageRollout {
    submission
        .content
        .rollout_mut()
        .expect("checked by ensure_in_progress")
}

/// Sets the share of customers who get the submission. It may only grow: Partner Center lets
/// you "increase the percentage (or halt the update) any time".
pub fn update_percentage<C: SubmissionContent>(
    submission: &mut Submission<C>,
    percentage: f64,
) -> DomainResult<()> {
    ensure_in_progress(submission)?;
    if !percentage.is_finite() || !(0.0..=100.0).contains(&percentage) {
        return Err(DomainError::invalid(
            format!("percentage must be a number from 0 to 100, not {percentage}"),
            "percentage",
        ));
    }
    let rollout = rollout_mut(submission);
    if percentage < rollout.package_rollout_percentage {
        return Err(DomainError::invalid(
            format!(
                "The rollout percentage can only increase: it is {} and {percentage} is lower. Halt the rollout to stop it.",
                rollout.package_rollout_percentage
            ),
            "percentage",
        ));
    }
    rollout.package_rollout_percentage = percentage;
    Ok(())
}

/// Stops the rollout: new customers get the fallback submission's packages.
pub fn halt<C: SubmissionContent>(submission: &mut Submission<C>) -> DomainResult<()> {
    ensure_in_progress(submission)?;
    let rollout = rollout_mut(submission);
    rollout.package_rollout_status = RolloutStatus::PackageRolloutStopped;
    rollout.package_rollout_percentage = 0.0;
    Ok(())
}

/// Completes the rollout: everyone gets this submission's packages.
pub fn finalize<C: SubmissionContent>(submission: &mut Submission<C>) -> DomainResult<()> {
    ensure_in_progress(submission)?;
    let rollout = rollout_mut(submission);
    rollout.package_rollout_status = RolloutStatus::PackageRolloutComplete;
    rollout.package_rollout_percentage = 100.0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::accounts::Seller;
    use crate::application::Application;
    use crate::submission::{clone_for_new_submission, dashboard_submission, publish};

    fn rolling(percentage: f64) -> Submission {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "C".into(),
            publisher_name: "CN=X".into(),
        };
        let mut app = Application::reserve(&seller, "Reader", true, Utc::now());
        let first = dashboard_submission(&app, Utc::now());
        app.slots.submission_count = 1;
        app.slots.last_published_submission_id = Some(first.id.clone());
        let mut next = clone_for_new_submission(&mut app, &first, Utc::now()).unwrap();
        let rollout = &mut next.content.package_delivery_options.package_rollout;
        rollout.is_package_rollout = true;
        rollout.package_rollout_percentage = percentage;
        publish(&mut app.slots, &mut next, Utc::now());
        next
    }

    #[test]
    fn percentage_only_grows_within_bounds() {
        let mut submission = rolling(10.0);
        update_percentage(&mut submission, 50.5).unwrap();
        assert_eq!(
            submission
                .content
                .package_delivery_options
                .package_rollout
                .package_rollout_percentage,
            50.5
        );
        assert!(update_percentage(&mut submission, 20.0).is_err());
        assert!(update_percentage(&mut submission, 100.5).is_err());
        assert!(update_percentage(&mut submission, f64::NAN).is_err());
    }

    #[test]
    fn halt_and_finalize_are_final() {
        let mut halted = rolling(10.0);
        halt(&mut halted).unwrap();
        let rollout = &halted.content.package_delivery_options.package_rollout;
        assert_eq!(
            (
                rollout.package_rollout_status,
                rollout.package_rollout_percentage
            ),
            (RolloutStatus::PackageRolloutStopped, 0.0)
        );
        assert!(rollout.is_package_rollout);
        assert!(matches!(
            finalize(&mut halted),
            Err(DomainError::Conflict { .. })
        ));
        let mut done = rolling(10.0);
        finalize(&mut done).unwrap();
        assert_eq!(
            done.content
                .package_delivery_options
                .package_rollout
                .package_rollout_percentage,
            100.0
        );
        assert!(matches!(halt(&mut done), Err(DomainError::Conflict { .. })));
    }
}
