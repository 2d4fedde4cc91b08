//! Module status, submit and submission status.

use storeroom_domain::msi::lifecycle::readiness;
use storeroom_domain::msi::product::submission_status_url;
use storeroom_domain::msi::service::SubmitOutcome;
use storeroom_wire::msi::{
    ModuleStatus, PublishingStatus, SubmissionStatus, SubmitResponse, codes,
};

use super::auth::MsiCaller;
use super::envelope::{MsiResponse, entries, entry, success, success_with};
use crate::state::AppState;

/// This module's part of the API's document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(module_status, submit, submission_status))]
pub(super) struct Described;

/// Readiness of the draft. Not being ready is not a failed request: `isSuccess` stays true
/// and `errors` says what waiting will not fix (processing in progress is no error).
#[utoipa::path(get, path = "/submission/v1/product/{product_id}/status", operation_id = "msiGetModuleStatus",
    summary = "Whether the draft is ready to submit, and the problems if not",
    responses((status = 200, description = "The readiness", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::ModuleStatus>)))]
pub async fn module_status(state: &AppState, caller: &MsiCaller, product_id: &str) -> MsiResponse {
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    let status = readiness(&product);
    Ok(success_with(
        entries(status.problems),
        ModuleStatus {
            is_ready: status.is_ready,
            ongoing_submission_id: product.ongoing_submission_id.unwrap_or_default(),
        },
    ))
}

/// Submit. With a submission already in flight nothing new is created and the answer names
/// the ongoing one as a success, which is how the store-submission Action and msstore-cli
/// read it (they poll `ongoingSubmissionId` when `submissionId` is empty).
#[utoipa::path(post, path = "/submission/v1/product/{product_id}/submit", operation_id = "msiSubmit",
    summary = "Submits the draft",
    responses((status = 200, description = "The submission, or the one in progress", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::SubmitResponse>)))]
pub async fn submit(state: &AppState, caller: &MsiCaller, product_id: &str) -> MsiResponse {
    let outcome = state
        .msi
        .service
        .submit(&caller.seller_id, product_id)
        .await?;
    let product_id = storeroom_domain::msi::service::normalize_id(product_id);
    match outcome {
        SubmitOutcome::Created(submission) => Ok(success(SubmitResponse {
            polling_url: submission_status_url(&product_id, &submission.id),
            submission_id: submission.id,
            ongoing_submission_id: String::new(),
        })),
        SubmitOutcome::Ongoing(ongoing) => Ok(success_with(
            vec![entry(
                codes::SUBMISSION_IN_PROGRESS,
                format!(
                    "Submission {ongoing} is already in progress: no new submission was created"
                ),
                "submission",
            )],
            SubmitResponse {
                submission_id: String::new(),
                polling_url: submission_status_url(&product_id, &ongoing),
                ongoing_submission_id: ongoing,
            },
        )),
    }
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/submission/{submission_id}/status", operation_id = "msiGetSubmissionStatus",
    summary = "A submission's publishing status",
    responses((status = 200, description = "The status", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::SubmissionStatus>)))]
pub async fn submission_status(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    submission_id: &str,
) -> MsiResponse {
    let submission = state
        .msi
        .service
        .submission_status(&caller.seller_id, product_id, submission_id)
        .await?;
    let failed = submission.status == PublishingStatus::Failed;
    let errors = submission
        .errors
        .iter()
        .map(|reason| entry(codes::SUBMISSION_FAILED, reason.clone(), "submission"))
        .collect();
    Ok(success_with(
        errors,
        SubmissionStatus {
            publishing_status: submission.status,
            has_failed: failed,
        },
    ))
}
