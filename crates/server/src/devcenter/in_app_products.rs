//! Add-ons (in-app products) and their submissions (`/v1.0/my/inappproducts/…`, and
//! `applications/{appId}/listinappproducts`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use storeroom_domain::in_app_product::NewInAppProduct;
use storeroom_domain::service::InAppProductSubmission;
use storeroom_wire::devcenter as wire;
use storeroom_wire::lenient;

use super::post_body::SubmissionPost;
use super::{
    DEFAULT_PAGE_SIZE, Paging, commit_accepted, created, json_body, page_or_not_found, status_read,
    upload_url,
};
use crate::auth::DevCenterCaller;
use crate::errors::ApiResult;
use crate::state::AppState;

const IN_APP_PRODUCT: &str = "/v1.0/my/inappproducts/{iap_id}";
const SUBMISSION: &str = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/my/inappproducts",
            get(list_in_app_products).post(create_in_app_product),
        )
        .route(
            "/v1.0/my/applications/{app_id}/listinappproducts",
            get(list_application_in_app_products),
        )
        .route(
            IN_APP_PRODUCT,
            get(get_in_app_product).delete(delete_in_app_product),
        )
        .route(
            &format!("{IN_APP_PRODUCT}/submissions"),
            post(create_submission),
        )
        .route(
            SUBMISSION,
            get(get_submission)
                .put(update_submission)
                .delete(delete_submission),
        )
        .route(&format!("{SUBMISSION}/commit"), post(commit_submission))
        .route(&format!("{SUBMISSION}/status"), get(submission_status))
}

type SubmissionPath = Path<(String, String)>;

/// `GET inappproducts`: without `top`, every add-on (documented), in one page.
async fn list_in_app_products(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let paging = Paging::parse(&query, u64::MAX)?;
    let (products, total) = state
        .service
        .in_app_products(&caller.seller_id, paging.skip, paging.top)
        .await?;
    page_or_not_found(
        &paging,
        "inappproducts",
        total,
        products
            .iter()
            .map(super::present::in_app_product)
            .collect(),
        ("No add-ons were found for this account", "inAppProducts"),
    )
}

async fn list_application_in_app_products(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(app_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let paging = Paging::parse(&query, DEFAULT_PAGE_SIZE)?;
    let (products, total) = state
        .service
        .application_in_app_products(&caller.seller_id, &app_id, paging.skip, paging.top)
        .await?;
    page_or_not_found(
        &paging,
        &format!("applications/{app_id}/listinappproducts"),
        total,
        products
            .into_iter()
            .map(|p| wire::InAppProductId {
                in_app_product_id: p.id,
            })
            .collect(),
        ("No add-ons were found for this app", "inAppProducts"),
    )
}

async fn get_in_app_product(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let product = state.service.in_app_product(&caller.seller_id, &id).await?;
    Ok(Json(super::present::in_app_product(&product)).into_response())
}

async fn create_in_app_product(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: NewInAppProduct = lenient::from_slice(&body?)?;
    let product = state
        .service
        .create_in_app_product(&caller.seller_id, request)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(super::present::in_app_product(&product)),
    )
        .into_response())
}

async fn delete_in_app_product(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_in_app_product(&caller.seller_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn submission_json(state: &AppState, submission: &InAppProductSubmission) -> Response {
    Json(wire::InAppProductSubmission {
        id: &submission.id,
        content: &submission.content,
        status: submission.status,
        status_details: &submission.status_details,
        file_upload_url: upload_url(state, submission),
        friendly_name: submission.friendly_name(),
    })
    .into_response()
}

async fn create_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    post: SubmissionPost,
) -> ApiResult<Response> {
    post.ensure_create(&state, "inAppProductSubmission")?;
    let submission = state
        .service
        .create_in_app_product_submission(&caller.seller_id, &id)
        .await?;
    Ok(created(&state, &query, &submission, || {
        submission_json(&state, &submission)
    }))
}

async fn get_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((id, submission_id)): SubmissionPath,
) -> ApiResult<Response> {
    let (product, submission) = state
        .service
        .in_app_product_submission(&caller.seller_id, &id, &submission_id)
        .await?;
    super::note_status_read(&state, &product.product(), &submission).await?;
    Ok(submission_json(&state, &submission))
}

async fn update_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((id, submission_id)): SubmissionPath,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let value = json_body(body, "inAppProductSubmission")?;
    let submission = state
        .service
        .update_in_app_product_submission(&caller.seller_id, &id, &submission_id, value)
        .await?;
    Ok(submission_json(&state, &submission))
}

async fn commit_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((id, submission_id)): SubmissionPath,
    _post: SubmissionPost,
) -> ApiResult<Response> {
    let submission = state
        .service
        .commit_in_app_product_submission(&caller.seller_id, &id, &submission_id)
        .await?;
    Ok(commit_accepted(&submission))
}

async fn submission_status(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((id, submission_id)): SubmissionPath,
) -> ApiResult<Response> {
    let (product, submission) = state
        .service
        .in_app_product_submission(&caller.seller_id, &id, &submission_id)
        .await?;
    status_read(&state, &product.product(), &submission).await
}

async fn delete_submission(
    State(state): State<AppState>,
    caller: DevCenterCaller,
    Path((id, submission_id)): SubmissionPath,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_in_app_product_submission(&caller.seller_id, &id, &submission_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
