//! Add-ons (in-app products) and their submissions (`/v1.0/my/inappproducts/…`, and
//! `applications/{appId}/listinappproducts`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use storeroom_domain::in_app_product::NewInAppProduct;
use storeroom_domain::service::InAppProductSubmission;
use storeroom_wire::devcenter::{self as wire, Page};
use storeroom_wire::lenient;

use super::post_body::SubmissionPost;
use super::{
    DEFAULT_PAGE_SIZE, Paging, commit_accepted, created, json_body, page_or_not_found, status_read,
    upload_url,
};
use crate::auth::DevCenterCaller;
use crate::errors::ApiResult;
use crate::state::AppState;

described!([
    list_in_app_products,
    create_in_app_product,
    list_application_in_app_products,
    get_in_app_product,
    delete_in_app_product
]);

/// `GET inappproducts`: without `top`, every add-on (documented), in one page.
#[utoipa::path(get, path = "/v1.0/my/inappproducts", operation_id = "listInAppProducts",
    summary = "The seller's add-ons (every one without top)",
    params(("skip" = Option<u64>, Query), ("top" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, description = "A page of add-ons", body = Page<wire::InAppProduct>)))]
pub(super) async fn list_in_app_products(
    state: &AppState,
    caller: &DevCenterCaller,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let paging = Paging::parse(query, u64::MAX)?;
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

#[utoipa::path(get, path = "/v1.0/my/applications/{app_id}/listinappproducts", operation_id = "listApplicationInAppProducts",
    summary = "The app's add-ons",
    params(("skip" = Option<u64>, Query), ("top" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, description = "A page of add-on ids", body = Page<wire::InAppProductId>)))]
pub(super) async fn list_application_in_app_products(
    state: &AppState,
    caller: &DevCenterCaller,
    app_id: &str,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let paging = Paging::parse(query, DEFAULT_PAGE_SIZE)?;
    let (products, total) = state
        .service
        .application_in_app_products(&caller.seller_id, app_id, paging.skip, paging.top)
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

#[utoipa::path(get, path = "/v1.0/my/inappproducts/{iap_id}", operation_id = "getInAppProduct",
    summary = "An add-on",
    responses((status = 200, description = "The add-on", body = wire::InAppProduct)))]
pub(super) async fn get_in_app_product(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
) -> ApiResult<Response> {
    let product = state.service.in_app_product(&caller.seller_id, id).await?;
    Ok(Json(super::present::in_app_product(&product)).into_response())
}

#[utoipa::path(post, path = "/v1.0/my/inappproducts", operation_id = "createInAppProduct",
    summary = "Creates an add-on",
    request_body(content = serde_json::Value, description = "applicationIds, productId, productType"),
    responses((status = 201, description = "The add-on", body = wire::InAppProduct)))]
pub(super) async fn create_in_app_product(
    state: &AppState,
    caller: &DevCenterCaller,
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

#[utoipa::path(delete, path = "/v1.0/my/inappproducts/{iap_id}", operation_id = "deleteInAppProduct",
    summary = "Deletes an add-on",
    responses((status = 204, description = "Deleted")))]
pub(super) async fn delete_in_app_product(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_in_app_product(&caller.seller_id, id)
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

#[utoipa::path(post, path = "/v1.0/my/inappproducts/{iap_id}/submissions", operation_id = "createInAppProductSubmission",
    summary = "Creates the add-on's pending submission",
    responses((status = 201, description = "The new submission", body = wire::InAppProductSubmission)))]
pub(super) async fn create_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    query: &HashMap<String, String>,
    post: SubmissionPost,
) -> ApiResult<Response> {
    post.ensure_create(state, "inAppProductSubmission")?;
    let submission = state
        .service
        .create_in_app_product_submission(&caller.seller_id, id)
        .await?;
    Ok(created(state, query, &submission, || {
        submission_json(state, &submission)
    }))
}

#[utoipa::path(get, path = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}", operation_id = "getInAppProductSubmission",
    summary = "An add-on submission",
    responses((status = 200, description = "The submission", body = wire::InAppProductSubmission)))]
pub(super) async fn get_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let (product, submission) = state
        .service
        .in_app_product_submission(&caller.seller_id, id, submission_id)
        .await?;
    super::note_status_read(state, &product.product(), &submission).await?;
    Ok(submission_json(state, &submission))
}

#[utoipa::path(put, path = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}", operation_id = "updateInAppProductSubmission",
    summary = "Replaces the add-on submission's content",
    request_body(content = wire::InAppProductSubmissionContent),
    responses((status = 200, description = "The updated submission", body = wire::InAppProductSubmission)))]
pub(super) async fn update_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    submission_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let value = json_body(body, "inAppProductSubmission")?;
    let submission = state
        .service
        .update_in_app_product_submission(&caller.seller_id, id, submission_id, value)
        .await?;
    Ok(submission_json(state, &submission))
}

#[utoipa::path(post, path = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}/commit", operation_id = "commitInAppProductSubmission",
    summary = "Commits the add-on submission",
    responses((status = 202, description = "Commit started", body = wire::CommitResponse)))]
pub(super) async fn commit_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    submission_id: &str,
    _post: SubmissionPost,
) -> ApiResult<Response> {
    let submission = state
        .service
        .commit_in_app_product_submission(&caller.seller_id, id, submission_id)
        .await?;
    Ok(commit_accepted(&submission))
}

#[utoipa::path(get, path = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}/status", operation_id = "getInAppProductSubmissionStatus",
    summary = "The add-on submission's status",
    responses((status = 200, description = "The status", body = wire::SubmissionStatusResponse)))]
pub(super) async fn submission_status(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    let (product, submission) = state
        .service
        .in_app_product_submission(&caller.seller_id, id, submission_id)
        .await?;
    status_read(state, &product.product(), &submission).await
}

#[utoipa::path(delete, path = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}", operation_id = "deleteInAppProductSubmission",
    summary = "Deletes a pending add-on submission",
    responses((status = 204, description = "Deleted")))]
pub(super) async fn delete_submission(
    state: &AppState,
    caller: &DevCenterCaller,
    id: &str,
    submission_id: &str,
) -> ApiResult<StatusCode> {
    state
        .service
        .delete_in_app_product_submission(&caller.seller_id, id, submission_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
