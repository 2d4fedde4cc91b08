//! The admin API's MSI/EXE part (ours, under `/admin/v1/msi/`, admin token): reserving
//! products (through `POST /admin/v1/applications` with `"type": "win32"`), listing them,
//! their pipeline policy, manual certification decisions, and the API's rate limit.

use crate::admin::Reject;
use crate::policy_routes::{PolicyOwner, policy_routes};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use storeroom_domain::msi::MsiError;
use storeroom_domain::msi::product::{MsiProduct, MsiSubmission};
use storeroom_domain::pipeline::PipelinePolicy;
use storeroom_wire::lenient;

use super::input::query_param;
use crate::auth::Admin;
use crate::errors::{ApiError, ApiResult, internal};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/msi/products", get(list_products))
        .route(
            "/admin/v1/msi/products/{product_id}/pipeline",
            policy_routes::<MsiProducts>(),
        )
        .route(
            "/admin/v1/msi/submissions/{submission_id}/approve",
            post(approve),
        )
        .route(
            "/admin/v1/msi/submissions/{submission_id}/reject",
            post(reject),
        )
        .route(
            "/admin/v1/msi/throttle",
            get(get_throttle).put(put_throttle),
        )
}

fn admin_error(err: MsiError) -> ApiError {
    match err {
        MsiError::Invalid(problems) => {
            let first = problems.into_iter().next();
            let (message, target) = first.map(|p| (p.message, p.target)).unwrap_or_default();
            ApiError::invalid(message, target)
        }
        MsiError::NotFound(problem) => ApiError::not_found(problem.message, problem.target),
        MsiError::InFlight {
            ongoing_submission_id,
            ..
        } => ApiError::new(
            StatusCode::CONFLICT,
            "InvalidState",
            format!("Submission {ongoing_submission_id} is in progress"),
            "submission",
        ),
        MsiError::Conflict(problem) => ApiError::new(
            StatusCode::CONFLICT,
            "InvalidState",
            problem.message,
            problem.target,
        ),
        MsiError::Storage(detail) => {
            tracing::error!(%detail, "MSI storage failure");
            internal()
        }
    }
}

fn product_json(product: &MsiProduct) -> Value {
    json!({
        "productId": product.id,
        "name": product.name,
        "type": "win32",
        "sellerId": product.seller_id,
        "ongoingSubmissionId": product.ongoing_submission_id.clone().unwrap_or_default(),
        "lastPublishedSubmissionId": product.last_published_submission_id.clone().unwrap_or_default(),
    })
}

/// `POST /admin/v1/applications` with `"type": "win32"`: a new MSI/EXE product whose
/// `productId` (a GUID) is the `{productId}` of the submission API.
pub async fn reserve(
    state: &AppState,
    seller_id: &str,
    name: &str,
    product_id: Option<&str>,
) -> ApiResult<Response> {
    let product = state
        .msi
        .service
        .reserve(seller_id, name, product_id)
        .await
        .map_err(admin_error)?;
    Ok((StatusCode::CREATED, Json(product_json(&product))).into_response())
}

async fn list_products(
    State(state): State<AppState>,
    _: Admin,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let seller = query_param(query.as_deref(), "sellerId");
    let products = state
        .msi
        .service
        .products(seller.as_deref())
        .await
        .map_err(admin_error)?;
    let value: Vec<Value> = products.iter().map(product_json).collect();
    Ok(Json(json!({"value": value, "totalCount": value.len()})).into_response())
}

/// MSI/EXE products.
struct MsiProducts;

impl PolicyOwner for MsiProducts {
    const LABEL: &'static str = "product";

    async fn own_policy(state: &AppState, id: &str) -> ApiResult<Option<PipelinePolicy>> {
        let product = state
            .msi
            .service
            .any_product(id)
            .await
            .map_err(admin_error)?;
        Ok(product.pipeline)
    }

    async fn set_policy(
        state: &AppState,
        id: &str,
        policy: Option<PipelinePolicy>,
    ) -> ApiResult<()> {
        state
            .msi
            .service
            .set_policy(id, policy)
            .await
            .map_err(admin_error)?;
        Ok(())
    }
}

fn decision_json(submission: &MsiSubmission) -> Response {
    Json(json!({
        "submissionId": submission.id,
        "productId": submission.product_id,
        "publishingStatus": submission.status,
        "errors": submission.errors,
    }))
    .into_response()
}

async fn approve(
    State(state): State<AppState>,
    _: Admin,
    Path(submission_id): Path<String>,
) -> ApiResult<Response> {
    let submission = state
        .msi
        .service
        .decide_certification(&submission_id, None)
        .await
        .map_err(admin_error)?;
    Ok(decision_json(&submission))
}

async fn reject(
    State(state): State<AppState>,
    _: Admin,
    Path(submission_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: Reject = lenient::from_slice(&body?)?;
    let submission = state
        .msi
        .service
        .decide_certification(&submission_id, Some(&request.reason))
        .await
        .map_err(admin_error)?;
    Ok(decision_json(&submission))
}

fn throttle_json(state: &AppState) -> Response {
    Json(json!({"requestsPerMinute": state.msi.throttle.limit()})).into_response()
}

async fn get_throttle(State(state): State<AppState>, _: Admin) -> Response {
    throttle_json(&state)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetThrottle {
    requests_per_minute: u32,
}

/// Sets the MSI/EXE API's rate limit per seller (0 turns it off; until restart).
async fn put_throttle(
    State(state): State<AppState>,
    _: Admin,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: SetThrottle = lenient::from_slice(&body?)?;
    state.msi.throttle.set_limit(request.requests_per_minute);
    Ok(throttle_json(&state))
}
