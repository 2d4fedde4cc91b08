//! Package flights and their submissions (`/v1.0/my/applications/{appId}/flights/…`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use storeroom_domain::flight::NewFlight;
use storeroom_domain::rollout;
use storeroom_domain::service::{FlightSubmission, RankedFlight};
use storeroom_wire::devcenter as wire;
use storeroom_wire::lenient;

use super::post_body::SubmissionPost;
use super::{
    DEFAULT_PAGE_SIZE, Paging, commit_accepted, is_true, json_body, page_or_not_found, percentage,
    rollout_json, status_read, upload_url,
};
use crate::auth::DevCenterCaller;
use crate::errors::ApiResult;
use crate::state::AppState;

const FLIGHT: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}";
const SUBMISSION: &str =
    "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/my/applications/{app_id}/listflights",
            get(list_flights),
        )
        .route(
            "/v1.0/my/applications/{app_id}/flights",
            post(create_flight),
        )
        .route(FLIGHT, get(get_flight).delete(delete_flight))
        .route(&format!("{FLIGHT}/submissions"), post(create_submission))
        .route(
            SUBMISSION,
            get(get_submission)
                .put(update_submission)
                .delete(delete_submission),
        )
        .route(&format!("{SUBMISSION}/commit"), post(commit_submission))
        .route(&format!("{SUBMISSION}/status"), get(submission_status))
        .route(&format!("{SUBMISSION}/packagerollout"), get(get_rollout))
        .route(
            &format!("{SUBMISSION}/updatepackagerolloutpercentage"),
            post(update_rollout),
        )
        .route(
            &format!("{SUBMISSION}/haltpackagerollout"),
            post(halt_rollout),
        )
        .route(
            &format!("{SUBMISSION}/finalizepackagerollout"),
            post(finalize_rollout),
        )
}

type FlightPath = Path<(String, String)>;
type SubmissionPath = Path<(String, String, String)>;

fn flight_wire(ranked: &RankedFlight) -> wire::Flight {
    super::present::flight(&ranked.flight, ranked.below.as_deref())
}

async fn list_flights(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(app_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let paging = Paging::parse(&query, DEFAULT_PAGE_SIZE)?;
    let (flights, total) = state
        .service
        .flights(&caller.seller_id, &app_id, paging.skip, paging.top)
        .await?;
    page_or_not_found(
        &paging,
        &format!("applications/{app_id}/listflights"),
        total,
        flights.iter().map(flight_wire).collect(),
        ("No package flights were found for this app", "flights"),
    )
}

async fn get_flight(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id)): FlightPath,
) -> ApiResult<Response> {
    let flight = state
        .service
        .flight(&caller.seller_id, &app_id, &flight_id)
        .await?;
    Ok(Json(flight_wire(&flight)).into_response())
}

async fn create_flight(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(app_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: NewFlight = lenient::from_slice(&body?)?;
    let flight = state
        .service
        .create_flight(&caller.seller_id, &app_id, request)
        .await?;
    Ok((StatusCode::CREATED, Json(flight_wire(&flight))).into_response())
}

async fn delete_flight(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id)): FlightPath,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_flight(&caller.seller_id, &app_id, &flight_id)
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

async fn create_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id)): FlightPath,
    Query(query): Query<HashMap<String, String>>,
    post: SubmissionPost,
) -> ApiResult<Response> {
    post.ensure_create(&state, "flightSubmission")?;
    let submission = state
        .service
        .create_flight_submission(&caller.seller_id, &app_id, &flight_id)
        .await?;
    let mut response = submission_json(&state, &submission);
    if is_true(&query, "isMinimalResponse") {
        // The minimal answer keeps what clients read from it: id and upload URL.
        response = Json(serde_json::json!({
            "id": submission.id,
            "flightId": flight_id,
            "status": submission.status,
            "statusDetails": submission.status_details,
            "fileUploadUrl": upload_url(&state, &submission),
        }))
        .into_response();
    }
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

async fn get_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<Response> {
    let (flight, submission) = state
        .service
        .flight_submission(&caller.seller_id, &app_id, &flight_id, &id)
        .await?;
    super::note_status_read(&state, &flight.product(), &submission).await?;
    Ok(submission_json(&state, &submission))
}

async fn update_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let value = json_body(body, "flightSubmission")?;
    let submission = state
        .service
        .update_flight_submission(&caller.seller_id, &app_id, &flight_id, &id, value)
        .await?;
    Ok(submission_json(&state, &submission))
}

async fn commit_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
    _post: SubmissionPost,
) -> ApiResult<Response> {
    let submission = state
        .service
        .commit_flight_submission(&caller.seller_id, &app_id, &flight_id, &id)
        .await?;
    Ok(commit_accepted(&submission))
}

async fn submission_status(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<Response> {
    let (flight, submission) = state
        .service
        .flight_submission(&caller.seller_id, &app_id, &flight_id, &id)
        .await?;
    status_read(&state, &flight.product(), &submission).await
}

async fn delete_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_flight_submission(&caller.seller_id, &app_id, &flight_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_rollout(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<Response> {
    let (_, submission) = state
        .service
        .flight_submission(&caller.seller_id, &app_id, &flight_id, &id)
        .await?;
    Ok(rollout_json(&submission))
}

async fn update_rollout(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let percentage = percentage(&query)?;
    let submission = state
        .service
        .change_flight_rollout(&caller.seller_id, &app_id, &flight_id, &id, |s| {
            rollout::update_percentage(s, percentage)
        })
        .await?;
    Ok(rollout_json(&submission))
}

async fn halt_rollout(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_flight_rollout(&caller.seller_id, &app_id, &flight_id, &id, rollout::halt)
        .await?;
    Ok(rollout_json(&submission))
}

async fn finalize_rollout(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((app_id, flight_id, id)): SubmissionPath,
) -> ApiResult<Response> {
    let submission = state
        .service
        .change_flight_rollout(
            &caller.seller_id,
            &app_id,
            &flight_id,
            &id,
            rollout::finalize,
        )
        .await?;
    Ok(rollout_json(&submission))
}
