//! The admin API's MSI/EXE part (ours, under `/admin/v1/msi/`, admin token): reserving
//! products (through `POST /admin/v1/applications` with `"type": "win32"`), listing them,
//! their pipeline policy, manual certification decisions, and the API's rate limit.

use crate::admin::Reject;
use crate::policy_routes::{self, PolicyOwner};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use storeroom_domain::msi::MsiError;
use storeroom_domain::msi::product::{MsiProduct, MsiSubmission};
use storeroom_domain::pipeline::PipelinePolicy;
use storeroom_wire::lenient;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::input::query_param;
use crate::errors::{ApiError, ApiResult, internal};
use crate::state::AppState;

/// Where the policy operations of a product are.
pub(crate) const PIPELINE: &str = "/admin/v1/msi/products/{product_id}/pipeline";

/// This module's part of the admin API's OpenAPI document; `crate::admin` serves it.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(
        Before::openapi()
            .merge_from(policy_routes::described(PIPELINE, "MsiProduct"))
            .merge_from(After::openapi()),
    )
}

/// The operations before the policy's, in the document's order.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_products))]
struct Before;

/// The operations after the policy's.
#[derive(utoipa::OpenApi)]
#[openapi(paths(approve, reject, get_throttle, put_throttle))]
struct After;

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

#[utoipa::path(get, path = "/admin/v1/msi/products", operation_id = "adminListMsiProducts",
    summary = "Every MSI/EXE product, of every seller",
    params(("sellerId" = Option<String>, Query)),
    responses((status = 200, description = "The products", body = serde_json::Value)))]
pub(crate) async fn list_products(state: &AppState, query: Option<&str>) -> ApiResult<Response> {
    let seller = query_param(query, "sellerId");
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
pub(crate) struct MsiProducts;

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

#[utoipa::path(post, path = "/admin/v1/msi/submissions/{submission_id}/approve", operation_id = "adminApproveMsiSubmission",
    summary = "Approves an MSI/EXE submission held for manual certification",
    responses((status = 200, description = "The decision", body = serde_json::Value)))]
pub(crate) async fn approve(state: &AppState, submission_id: &str) -> ApiResult<Response> {
    let submission = state
        .msi
        .service
        .decide_certification(submission_id, None)
        .await
        .map_err(admin_error)?;
    Ok(decision_json(&submission))
}

#[utoipa::path(post, path = "/admin/v1/msi/submissions/{submission_id}/reject", operation_id = "adminRejectMsiSubmission",
    summary = "Rejects an MSI/EXE submission held for manual certification",
    request_body(content = Reject),
    responses((status = 200, description = "The decision", body = serde_json::Value)))]
pub(crate) async fn reject(
    state: &AppState,
    submission_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: Reject = lenient::from_slice(&body?)?;
    let submission = state
        .msi
        .service
        .decide_certification(submission_id, Some(&request.reason))
        .await
        .map_err(admin_error)?;
    Ok(decision_json(&submission))
}

fn throttle_json(state: &AppState) -> Response {
    Json(json!({"requestsPerMinute": state.msi.throttle.limit()})).into_response()
}

#[utoipa::path(get, path = "/admin/v1/msi/throttle", operation_id = "adminGetMsiThrottle",
    summary = "The MSI/EXE API's rate limit per seller",
    responses((status = 200, description = "requestsPerMinute", body = serde_json::Value)))]
pub(crate) async fn get_throttle(state: &AppState) -> Response {
    throttle_json(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SetThrottle {
    requests_per_minute: u32,
}

/// Sets the MSI/EXE API's rate limit per seller (0 turns it off; until restart).
#[utoipa::path(put, path = "/admin/v1/msi/throttle", operation_id = "adminPutMsiThrottle",
    summary = "Sets the MSI/EXE API's rate limit per seller (0 turns it off; until restart)",
    request_body(content = SetThrottle),
    responses((status = 200, description = "requestsPerMinute", body = serde_json::Value)))]
pub(crate) async fn put_throttle(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: SetThrottle = lenient::from_slice(&body?)?;
    state.msi.throttle.set_limit(request.requests_per_minute);
    Ok(throttle_json(state))
}
