//! Package flights and their submissions (`/v1.0/my/applications/{appId}/flights/…`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use storeroom_domain::flight::NewFlight;
use storeroom_domain::rollout;
use storeroom_domain::service::{FlightSubmission, RankedFlight};
use storeroom_wire::devcenter::{self as wire, Page};
use storeroom_wire::lenient;

use super::post_body::SubmissionPost;
use super::{
    DEFAULT_PAGE_SIZE, Paging, commit_accepted, is_true, json_body, page_or_not_found, percentage,
    rollout_json, status_read, upload_url,
};
use crate::auth::DevCenterCaller;
use crate::errors::ApiResult;
use crate::state::AppState;

described!(
    [list_flights, create_flight, get_flight, delete_flight],
    [get_rollout, update_rollout, halt_rollout, finalize_rollout]
);

fn flight_wire(ranked: &RankedFlight) -> wire::Flight {
    super::present::flight(&ranked.flight, ranked.below.as_deref())
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/listflights", operation_id = "listFlights",
    summary = "The app's package flights, a page at a time",
    params(("skip" = Option<u64>, Query), ("top" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, description = "A page of flights", body = Page<wire::Flight>)))]
pub(super) async fn list_flights(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let paging = Paging::parse(query, DEFAULT_PAGE_SIZE)?;
    let (flights, total) = state
        .service
        .flights(&caller.seller_id, app_id, paging.skip, paging.top)
        .await?;
    page_or_not_found(
        &paging,
        &format!("applications/{app_id}/listflights"),
        total,
        flights.iter().map(flight_wire).collect(),
        ("No package flights were found for this app", "flights"),
    )
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}", operation_id = "getFlight",
    summary = "A package flight",
    responses((status = 200, description = "The flight", body = wire::Flight)))]
pub(super) async fn get_flight(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
) -> ApiResult<Response> {
    let flight = state
        .service
        .flight(&caller.seller_id, app_id, flight_id)
        .await?;
    Ok(Json(flight_wire(&flight)).into_response())
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights", operation_id = "createFlight",
    summary = "Creates a package flight",
    request_body(content = serde_json::Value, description = "friendlyName, groupIds, rankHigherThan"),
    responses((status = 201, description = "The flight", body = wire::Flight)))]
pub(super) async fn create_flight(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: NewFlight = lenient::from_slice(&body?)?;
    let flight = state
        .service
        .create_flight(&caller.seller_id, app_id, request)
        .await?;
    Ok((StatusCode::CREATED, Json(flight_wire(&flight))).into_response())
}

#[utoipa::path(delete, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}", operation_id = "deleteFlight",
    summary = "Deletes a package flight",
    responses((status = 204, description = "Deleted")))]
pub(super) async fn delete_flight(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_flight(&caller.seller_id, app_id, flight_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn submission_json(state: &AppState, submission: &FlightSubmission) -> Response {
    let content = &submission.content;
    Json(wire::FlightSubmission {
        id: &submission.id,
        flight_id: submission.product.id(),
        status: submission.status,
        status_details: &submission.status_details,
        flight_packages: &content.flight_packages,
        file_upload_url: upload_url(state, submission),
        package_delivery_options: &content.package_delivery_options,
        target_publish_mode: content.target_publish_mode,
        target_publish_date: content.target_publish_date,
        notes_for_certification: &content.notes_for_certification,
    })
    .into_response()
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions", operation_id = "createFlightSubmission",
    summary = "Creates the flight's pending submission",
    responses((status = 201, description = "The new submission, with its upload URL", body = wire::FlightSubmission)))]
pub(super) async fn create_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    query: &HashMap<String, String>,
    post: SubmissionPost,
) -> ApiResult<Response> {
    post.ensure_create(state, "flightSubmission")?;
    let submission = state
        .service
        .create_flight_submission(&caller.seller_id, app_id, flight_id)
        .await?;
    let mut response = submission_json(state, &submission);
    if is_true(query, "isMinimalResponse") {
        // The minimal answer keeps what clients read from it: id and upload URL.
        response = Json(serde_json::json!({
            "id": submission.id,
            "flightId": flight_id,
            "status": submission.status,
            "statusDetails": submission.status_details,
            "fileUploadUrl": upload_url(state, &submission),
        }))
        .into_response();
    }
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}", operation_id = "getFlightSubmission",
    summary = "A flight submission",
    responses((status = 200, description = "The submission", body = wire::FlightSubmission)))]
pub(super) async fn get_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<Response> {
    let (flight, submission) = state
        .service
        .flight_submission(&caller.seller_id, app_id, flight_id, id)
        .await?;
    super::note_status_read(state, &flight.product(), &submission).await?;
    Ok(submission_json(state, &submission))
}

#[utoipa::path(put, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}", operation_id = "updateFlightSubmission",
    summary = "Replaces the flight submission's content",
    request_body(content = wire::FlightSubmissionContent),
    responses((status = 200, description = "The updated submission", body = wire::FlightSubmission)))]
pub(super) async fn update_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let value = json_body(body, "flightSubmission")?;
    let submission = state
        .service
        .update_flight_submission(&caller.seller_id, app_id, flight_id, id, value)
        .await?;
    Ok(submission_json(state, &submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/commit", operation_id = "commitFlightSubmission",
    summary = "Commits the flight submission",
    responses((status = 202, description = "Commit started", body = wire::CommitResponse)))]
pub(super) async fn commit_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
    _post: SubmissionPost,
) -> ApiResult<Response> {
    let submission = state
        .service
        .commit_flight_submission(&caller.seller_id, app_id, flight_id, id)
        .await?;
    Ok(commit_accepted(&submission))
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/status", operation_id = "getFlightSubmissionStatus",
    summary = "The flight submission's status",
    responses((status = 200, description = "The status", body = wire::SubmissionStatusResponse)))]
pub(super) async fn submission_status(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<Response> {
    let (flight, submission) = state
        .service
        .flight_submission(&caller.seller_id, app_id, flight_id, id)
        .await?;
    status_read(state, &flight.product(), &submission).await
}

#[utoipa::path(delete, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}", operation_id = "deleteFlightSubmission",
    summary = "Deletes a pending flight submission",
    responses((status = 204, description = "Deleted")))]
pub(super) async fn delete_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_flight_submission(&caller.seller_id, app_id, flight_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/packagerollout", operation_id = "getFlightPackageRollout",
    summary = "The flight submission's rollout",
    responses((status = 200, description = "The rollout", body = wire::PackageRollout)))]
pub(super) async fn get_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<Response> {
    let (_, submission) = state
        .service
        .flight_submission(&caller.seller_id, app_id, flight_id, id)
        .await?;
    Ok(rollout_json(&submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/updatepackagerolloutpercentage", operation_id = "updateFlightPackageRolloutPercentage",
    summary = "Sets the rollout's percentage",
    params(("percentage" = f64, Query, minimum = 0, maximum = 100)),
    responses((status = 200, description = "The rollout", body = wire::PackageRollout)))]
pub(super) async fn update_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let percentage = percentage(query)?;
    let submission = state
        .service
        .change_flight_rollout(&caller.seller_id, app_id, flight_id, id, |s| {
            rollout::update_percentage(s, percentage)
        })
        .await?;
    Ok(rollout_json(&submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/haltpackagerollout", operation_id = "haltFlightPackageRollout",
    summary = "Halts the rollout",
    responses((status = 200, description = "The rollout", body = wire::PackageRollout)))]
pub(super) async fn halt_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_flight_rollout(&caller.seller_id, app_id, flight_id, id, rollout::halt)
        .await?;
    Ok(rollout_json(&submission))
}

#[utoipa::path(post, path = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/finalizepackagerollout", operation_id = "finalizeFlightPackageRollout",
    summary = "Finalizes the rollout",
    responses((status = 200, description = "The rollout", body = wire::PackageRollout)))]
pub(super) async fn finalize_rollout(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    flight_id: &str,
    id: &str,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_flight_rollout(&caller.seller_id, app_id, flight_id, id, rollout::finalize)
        .await?;
    Ok(rollout_json(&submission))
}
