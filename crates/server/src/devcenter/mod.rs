//! The devcenter API v1.0 (`/v1.0/my/…`): apps and app submissions.
//! Handlers translate between the wire and the domain service; they hold no rules.
//!
//! Modules, one job each: `operation` (method + path → the operation), `dispatch` (the one
//! route: authentication, then the operation's handler from one `match`), `flights` and
//! `in_app_products` (their handlers), `post_body` (the body of a create or commit POST)
//! and `present` (domain records as the wire shows them). The app handlers are here.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use storeroom_domain::content::SubmissionContent;
use storeroom_domain::rollout;
use storeroom_domain::service::memo::Parsed;
use storeroom_domain::submission::{Submission, UPLOAD_CONTAINER};
use storeroom_wire::devcenter::{
    AppSubmission, AppSubmissionContent, Application, CommitResponse, MinimalAppSubmission,
    PackageRollout, Page, SubmissionStatusResponse,
};

use crate::auth::DevCenterCaller;
use crate::errors::{ApiError, ApiResult};
use crate::state::AppState;
use post_body::SubmissionPost;

/// How long an upload URL stays valid ("typically valid for 24 hours").
const UPLOAD_URL_LIFETIME: i64 = 24;
pub(super) const DEFAULT_PAGE_SIZE: u64 = 10;

/// 201 with a new submission: the whole resource (`full`), or with `isMinimalResponse=true`
/// only what clients read from it before they GET the rest.
pub(super) fn created<C>(
    state: &AppState,
    query: &HashMap<String, String>,
    submission: &Submission<C>,
    full: impl FnOnce() -> Response,
) -> Response {
    let mut response = if is_true(query, "isMinimalResponse") {
        Json(MinimalAppSubmission {
            id: &submission.id,
            status: submission.status,
            status_details: &submission.status_details,
            file_upload_url: upload_url(state, submission),
            friendly_name: submission.friendly_name(),
        })
        .into_response()
    } else {
        full()
    };
    *response.status_mut() = StatusCode::CREATED;
    response
}

/// 202 `{"status":"CommitStarted"}`.
pub(super) fn commit_accepted<C>(submission: &Submission<C>) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(CommitResponse {
            status: submission.status,
        }),
    )
        .into_response()
}

/// Counts a read of a submission or its status for `pollsPerStep` pipelines (a read that
/// releases a step makes its job due, which wakes the runner).
pub(super) async fn note_status_read<C>(
    state: &AppState,
    product: &storeroom_domain::product::ProductRef,
    submission: &Submission<C>,
) -> ApiResult<()> {
    state
        .service
        .record_status_read(product, submission)
        .await?;
    Ok(())
}

/// `GET …/status`, counted as a read for `pollsPerStep` pipelines.
pub(super) async fn status_read<C>(
    state: &AppState,
    product: &storeroom_domain::product::ProductRef,
    submission: &Submission<C>,
) -> ApiResult<Response> {
    note_status_read(state, product, submission).await?;
    Ok(Json(SubmissionStatusResponse {
        status: submission.status,
        status_details: &submission.status_details,
    })
    .into_response())
}

/// A page of a list endpoint, or 404 when the collection itself is empty (the documented
/// "No … were found"); past the end of a non-empty one, an empty `value`.
pub(super) fn page_or_not_found<T: serde::Serialize>(
    paging: &Paging,
    path: &str,
    total: u64,
    value: Vec<T>,
    empty: (&str, &str),
) -> ApiResult<Response> {
    if total == 0 {
        return Err(ApiError::not_found(empty.0, empty.1));
    }
    Ok(Json(Page {
        next_link: paging.next_link(path, total),
        value,
        total_count: total,
    })
    .into_response())
}

/// `Described`, the calling module's part of the OpenAPI document, from its handlers'
/// declarations: its own first (`$own`), then the handlers every kind of submission has, of
/// the same names (`create_submission`, …), then `$after` (the package rollout's).
macro_rules! described {
    ([$($own:ident),* $(,)?] $(, [$($after:ident),* $(,)?])?) => {
        #[derive(utoipa::OpenApi)]
        #[openapi(paths(
            $($own,)*
            create_submission,
            get_submission,
            update_submission,
            delete_submission,
            commit_submission,
            submission_status,
            $($($after,)*)?
        ))]
        pub(super) struct Described;
    };
}

mod dispatch;
mod flights;
mod in_app_products;
mod operation;
mod post_body;
pub(crate) mod present;

pub use dispatch::{ROUTE, routes};

// The app operations' part of the document (after the flights' and the add-ons', see
// `routes`).
described!(
    [list_applications, get_application],
    [get_rollout, update_rollout, halt_rollout, finalize_rollout]
);

/// `top` and `skip`, in any case and order.
pub struct Paging {
    pub skip: u64,
    pub top: u64,
}

impl Paging {
    pub fn parse(query: &HashMap<String, String>, default_top: u64) -> ApiResult<Self> {
        let number = |name: &str| -> ApiResult<Option<u64>> {
            match query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                None => Ok(None),
                Some((_, v)) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                    ApiError::invalid(
                        format!(
                            "'{v}' is not a valid value for '{name}': use a non-negative integer"
                        ),
                        name,
                    )
                }),
            }
        };
        let top = number("top")?.unwrap_or(default_top);
        if top == 0 {
            return Err(ApiError::invalid("'top' must be at least 1", "top"));
        }
        Ok(Self {
            skip: number("skip")?.unwrap_or(0),
            top,
        })
    }

    /// The relative link to the next page, when there is one.
    pub fn next_link(&self, path: &str, total: u64) -> Option<String> {
        let next = self.skip.saturating_add(self.top);
        (next < total).then(|| format!("{path}?skip={next}&top={}", self.top))
    }
}

#[utoipa::path(get, path = "/v1.0/my/applications", operation_id = "listApplications",
    summary = "The seller's apps, a page at a time",
    params(("skip" = Option<u64>, Query), ("top" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, description = "A page of apps", body = Page<Application>)))]
async fn list_applications(
    state: &AppState,
    caller: &DevCenterCaller,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let paging = Paging::parse(query, DEFAULT_PAGE_SIZE)?;
    let (apps, total) = state
        .service
        .applications(Some(&caller.seller_id), paging.skip, paging.top)
        .await?;
    page_or_not_found(
        &paging,
        "applications",
        total,
        apps.iter().map(present::application).collect(),
        ("No apps were found for this account", "applications"),
    )
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}", operation_id = "getApplication",
    summary = "An app",
    responses((status = 200, description = "The app", body = Application)))]
async fn get_application(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
) -> ApiResult<Response> {
    let app = state.service.application(&caller.seller_id, app_id).await?;
    Ok(Json(present::application(&app)).into_response())
}

/// The `fileUploadUrl` of a submission: stable for its life, valid for 24 hours from
/// creation by the server clock.
/// A JSON request body (PUT of a submission); `what` names the resource in errors.
pub(super) fn json_body(
    body: Result<Bytes, BytesRejection>,
    what: &str,
) -> ApiResult<serde_json::Value> {
    let body = body?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            format!("The request body must contain the {what} as JSON"),
            what,
        ));
    }
    serde_json::from_slice(&body).map_err(|err| {
        ApiError::invalid(format!("The request body is not valid JSON: {err}"), what)
    })
}

pub(super) fn upload_url<C>(state: &AppState, submission: &Submission<C>) -> Option<String> {
    let blob = submission.upload_blob.as_deref()?;
    let expiry = submission.created_at + Duration::hours(UPLOAD_URL_LIFETIME);
    Some(state.blob.sas_url(UPLOAD_CONTAINER, blob, "rwl", expiry))
}

pub(crate) fn submission_json(state: &AppState, submission: &Submission) -> Response {
    Json(app_submission(state, submission)).into_response()
}

fn app_submission<'a>(state: &AppState, submission: &'a Submission) -> AppSubmission<'a> {
    AppSubmission {
        id: &submission.id,
        content: &submission.content,
        status: submission.status,
        status_details: &submission.status_details,
        file_upload_url: upload_url(state, submission),
        friendly_name: submission.friendly_name(),
    }
}

/// The body [`submission_json`] answers for a submission as parsed from one stored
/// document, rendered once for every read of that document: it depends on nothing else
/// (the upload URL's expiry is the submission's creation time plus a fixed lifetime).
fn memoized_submission_json(state: &AppState, parsed: &Parsed<Submission>) -> Response {
    let body = parsed.rendered(|submission| {
        // Serializing these wire types cannot fail: no map has non-string keys.
        serde_json::to_vec(&app_submission(state, submission))
            .unwrap_or_default()
            .into()
    });
    let json = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, json)], body).into_response()
}

pub(super) fn is_true(query: &HashMap<String, String>, name: &str) -> bool {
    query
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case("true"))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/submissions", operation_id = "createSubmission",
    summary = "Creates the app's pending submission, a copy of the last published one",
    responses((status = 201, description = "The new submission, with its upload URL", body = AppSubmission)))]
async fn create_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    query: &HashMap<String, String>,
    post: SubmissionPost,
) -> ApiResult<Response> {
    post.ensure_create(state, "applicationSubmission")?;
    let submission = state
        .service
        .create_submission(&caller.seller_id, app_id)
        .await?;
    Ok(created(state, query, &submission, || {
        submission_json(state, &submission)
    }))
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}", operation_id = "getSubmission",
    summary = "A submission",
    responses((status = 200, description = "The submission", body = AppSubmission,
        example = crate::openapi::examples::app_submission)))]
async fn get_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let (app, parsed) = state
        .service
        .submission(&caller.seller_id, app_id, submission_id)
        .await?;
    note_status_read(state, &app.product(), &parsed.value).await?;
    Ok(memoized_submission_json(state, &parsed))
}

#[utoipa::path(put, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}", operation_id = "updateSubmission",
    summary = "Replaces the submission's content",
    request_body(content = AppSubmissionContent, description = "The submission; read-only fields are ignored"),
    responses((status = 200, description = "The updated submission", body = AppSubmission)))]
async fn update_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let value = json_body(body, "applicationSubmission")?;
    let submission = state
        .service
        .update_submission(&caller.seller_id, app_id, submission_id, value)
        .await?;
    Ok(submission_json(state, &submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/commit", operation_id = "commitSubmission",
    summary = "Commits the submission: its upload is read and the pipeline starts",
    responses((status = 202, description = "Commit started", body = CommitResponse)))]
async fn commit_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
    _post: SubmissionPost,
) -> ApiResult<Response> {
    let submission = state
        .service
        .commit_submission(&caller.seller_id, app_id, submission_id)
        .await?;
    Ok(commit_accepted(&submission))
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/status", operation_id = "getSubmissionStatus",
    summary = "The submission's status and its details",
    responses((status = 200, description = "The status", body = SubmissionStatusResponse)))]
async fn submission_status(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let (app, parsed) = state
        .service
        .submission(&caller.seller_id, app_id, submission_id)
        .await?;
    status_read(state, &app.product(), &parsed.value).await
}

#[utoipa::path(delete, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}", operation_id = "deleteSubmission",
    summary = "Deletes a pending submission",
    responses((status = 204, description = "Deleted")))]
async fn delete_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_submission(&caller.seller_id, app_id, submission_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn rollout_json<C: SubmissionContent>(submission: &Submission<C>) -> Response {
    Json(submission.content.rollout().cloned().unwrap_or_default()).into_response()
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/packagerollout", operation_id = "getPackageRollout",
    summary = "The submission's gradual rollout",
    responses((status = 200, description = "The rollout", body = PackageRollout)))]
async fn get_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let (_, parsed) = state
        .service
        .submission(&caller.seller_id, app_id, submission_id)
        .await?;
    Ok(rollout_json(&parsed.value))
}

/// `?percentage=<float>` (query string, no body), in any key case.
pub(super) fn percentage(query: &HashMap<String, String>) -> ApiResult<f64> {
    let value = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("percentage"))
        .map(|(_, v)| v.trim())
        .ok_or_else(|| {
            ApiError::invalid("The query parameter 'percentage' is required", "percentage")
        })?;
    value
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite())
        .ok_or_else(|| {
            ApiError::invalid(format!("'{value}' is not a valid percentage"), "percentage")
        })
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/updatepackagerolloutpercentage", operation_id = "updatePackageRolloutPercentage",
    summary = "Sets the rollout's percentage",
    params(("percentage" = f64, Query, minimum = 0, maximum = 100)),
    responses((status = 200, description = "The rollout", body = PackageRollout)))]
async fn update_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let percentage = percentage(query)?;
    let submission = state
        .service
        .change_rollout(&caller.seller_id, app_id, submission_id, |s| {
            rollout::update_percentage(s, percentage)
        })
        .await?;
    Ok(rollout_json(&submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/haltpackagerollout", operation_id = "haltPackageRollout",
    summary = "Halts the rollout",
    responses((status = 200, description = "The rollout", body = PackageRollout)))]
async fn halt_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_rollout(&caller.seller_id, app_id, submission_id, rollout::halt)
        .await?;
    Ok(rollout_json(&submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/finalizepackagerollout", operation_id = "finalizePackageRollout",
    summary = "Finalizes the rollout: every customer gets the submission's packages",
    responses((status = 200, description = "The rollout", body = PackageRollout)))]
async fn finalize_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_rollout(&caller.seller_id, app_id, submission_id, rollout::finalize)
        .await?;
    Ok(rollout_json(&submission))
}
