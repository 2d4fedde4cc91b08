//! The admin API (ours, under `/admin/v1/`): what Partner Center's dashboard does and the
//! real API cannot, such as reserving apps, plus the server clock.
//!
//! One route serves it ([`dispatch`]): `operation` decodes the method and path, and one
//! `match` runs the handlers, these and those of `crate::client_admin`,
//! `crate::msi::admin`, `crate::ingestion::admin`, `crate::policy_routes` and the ops
//! state's (journal, faults, reset, snapshots: `crate::opsstate::routes`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::Deserialize;
use serde_json::json;
use storeroom_domain::DomainError;
use storeroom_domain::application::Identity;
use storeroom_domain::flight_group::GroupRequest;
use storeroom_domain::pipeline::PipelinePolicy;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::ingestion::admin::{Decision, decide};
use crate::policy_routes::{self, PolicyOwner};
use storeroom_wire::{dates, lenient};

use crate::devcenter::Paging;
use crate::errors::{ApiError, ApiResult};
use crate::state::AppState;

mod dispatch;
mod operation;

pub use dispatch::ROUTE;

/// Where the policy operations of an app are.
pub(crate) const PIPELINE: &str = "/admin/v1/applications/{app_id}/pipeline";

/// The admin API's one route ([`dispatch`]), and this module's part of its document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(
        Before::openapi()
            .merge_from(policy_routes::described(PIPELINE, "Application"))
            .merge_from(After::openapi()),
    )
    .route(ROUTE, any(dispatch::dispatch))
}

/// The operations before the policy's, in the document's order.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    reserve_application,
    list_applications,
    put_application,
    start_dashboard_submission,
    delete_dashboard_submission,
    create_seller,
    create_flight_group,
    list_flight_groups,
    get_flight_group,
    put_flight_group,
    delete_flight_group,
    get_default_pipeline,
    put_default_pipeline,
))]
struct Before;

/// The operations after the policy's.
#[derive(utoipa::OpenApi)]
#[openapi(paths(approve, reject, publish_now, get_clock, advance_clock))]
struct After;

#[derive(Deserialize, utoipa::ToSchema)]
struct CreateSeller {
    name: String,
}

/// A seller account with its own Azure AD client in the development tenant.
#[utoipa::path(post, path = "/admin/v1/sellers", operation_id = "adminCreateSeller",
    summary = "Creates a seller account with its own Azure AD client",
    request_body(content = CreateSeller),
    responses((status = 201, description = "sellerId, name, publisherName, tenantId, clientId, clientSecret", body = serde_json::Value)))]
async fn create_seller(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: CreateSeller = lenient::from_slice(&body?)?;
    let (seller, client) = state.service.create_seller(&request.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "sellerId": seller.id,
            "name": seller.display_name,
            "publisherName": seller.publisher_name,
            "tenantId": client.tenant_id,
            "clientId": client.client_id,
            "clientSecret": client.secret,
        })),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ReserveApplication {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    seller_id: Option<String>,
    #[serde(default = "yes")]
    has_advanced_listing_permission: bool,
    /// The app's real identity, for existing automation and signed packages.
    #[serde(default, alias = "storeId")]
    id: Option<String>,
    #[serde(default)]
    package_identity_name: Option<String>,
    #[serde(default)]
    publisher_name: Option<String>,
    #[serde(default)]
    publisher_display_name: Option<String>,
    /// MSI/EXE products: their real product id.
    #[serde(default)]
    product_id: Option<String>,
    /// The body of the app's last published submission, as the real API returns it.
    #[serde(default)]
    last_published_submission: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}

#[utoipa::path(post, path = "/admin/v1/applications", operation_id = "adminReserveApplication",
    summary = "Reserves an app name (or a product of another type) for a seller",
    request_body(content = ReserveApplication),
    responses((status = 201, description = "The reserved app", body = serde_json::Value)))]
async fn reserve_application(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: ReserveApplication = lenient::from_slice(&body?)?;
    let seller_id = request
        .seller_id
        .unwrap_or_else(|| state.account.seller.id.clone());
    if request.kind.eq_ignore_ascii_case("win32") {
        return crate::msi::admin::reserve(
            state,
            &seller_id,
            &request.name,
            request.product_id.as_deref(),
        )
        .await;
    }
    if !request.kind.eq_ignore_ascii_case("msix") {
        return Err(ApiError::invalid(
            format!(
                "type '{}' is not supported: use \"msix\" or \"win32\" (MSI/EXE)",
                request.kind
            ),
            "type",
        ));
    }
    let published = request
        .last_published_submission
        .map(|body| {
            lenient::from_value(body).map_err(|err| {
                ApiError::invalid(
                    format!("lastPublishedSubmission: {}", err.message),
                    format!("lastPublishedSubmission.{}", err.path)
                        .trim_end_matches('.')
                        .to_string(),
                )
            })
        })
        .transpose()?;
    let identity = Identity {
        id: request.id,
        package_identity_name: request.package_identity_name,
        publisher_name: request.publisher_name,
        publisher_display_name: request.publisher_display_name,
    };
    let app = state
        .service
        .reserve_application_as(
            &seller_id,
            &request.name,
            request.has_advanced_listing_permission,
            identity,
            published,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::devcenter::present::application(&app)),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ApplicationSettings {
    uses_unsupported_features: Option<bool>,
}

/// `PUT /admin/v1/applications/{id}` `{"usesUnsupportedFeatures": true|false}`: what
/// Partner Center's settings change for the app, as far as the API can tell.
#[utoipa::path(put, path = "/admin/v1/applications/{app_id}", operation_id = "adminPutApplication",
    summary = "Changes an app's settings",
    request_body(content = ApplicationSettings),
    responses((status = 200, description = "The app", body = serde_json::Value)))]
async fn put_application(
    state: &AppState,
    app_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: ApplicationSettings = lenient::from_slice(&body?)?;
    let Some(on) = request.uses_unsupported_features else {
        return Err(ApiError::invalid(
            "usesUnsupportedFeatures (true or false) is required",
            "usesUnsupportedFeatures",
        ));
    };
    let app = state.service.set_unsupported_features(app_id, on).await?;
    let mut json =
        serde_json::to_value(crate::devcenter::present::application(&app)).unwrap_or_default();
    json["sellerId"] = json!(app.seller_id);
    json["usesUnsupportedFeatures"] = json!(app.uses_unsupported_features);
    Ok(Json(json).into_response())
}

/// A pending submission "started in Partner Center": no `fileUploadUrl`, and the API may
/// not change, commit or delete it.
#[utoipa::path(post, path = "/admin/v1/applications/{app_id}/submissions", operation_id = "adminStartDashboardSubmission",
    summary = "Starts a submission as Partner Center's dashboard would (the API then sees it in progress)",
    responses((status = 201, description = "The submission", body = serde_json::Value)))]
async fn start_dashboard_submission(state: &AppState, app_id: &str) -> ApiResult<Response> {
    let submission = state.service.start_dashboard_submission(app_id).await?;
    let mut response = crate::devcenter::submission_json(state, &submission);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

#[utoipa::path(delete, path = "/admin/v1/applications/{app_id}/submissions/{submission_id}", operation_id = "adminDeleteDashboardSubmission",
    summary = "Deletes a submission started in the dashboard",
    responses((status = 204, description = "Deleted")))]
async fn delete_dashboard_submission(
    state: &AppState,
    app_id: &str,
    submission_id: &str,
) -> ApiResult<Response> {
    state
        .service
        .delete_dashboard_submission(app_id, submission_id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/admin/v1/applications", operation_id = "adminListApplications",
    summary = "Every reserved app, of every seller",
    params(("skip" = Option<u64>, Query), ("top" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, description = "A page of apps", body = serde_json::Value)))]
async fn list_applications(
    state: &AppState,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let paging = Paging::parse(query, 100)?;
    let (apps, total) = state
        .service
        .applications(None, paging.skip, paging.top)
        .await?;
    let value: Vec<_> = apps
        .iter()
        .map(|app| {
            let mut json = serde_json::to_value(crate::devcenter::present::application(app))
                .unwrap_or_default();
            json["sellerId"] = json!(app.seller_id);
            if let Some(name) = &app.publisher_display_name {
                json["publisherDisplayName"] = json!(name);
            }
            json
        })
        .collect();
    let mut page = json!({"value": value, "totalCount": total});
    if let Some(next) = paging.next_link("admin/v1/applications", total) {
        page["@nextLink"] = json!(next);
    }
    Ok(Json(page).into_response())
}

fn clock_json(state: &AppState) -> Response {
    Json(json!({"now": dates::format_seven(&state.clock.now())})).into_response()
}

#[utoipa::path(get, path = "/admin/v1/clock", operation_id = "adminGetClock",
    summary = "The server clock and its offset",
    responses((status = 200, description = "now and offsetSeconds", body = serde_json::Value)))]
async fn get_clock(state: &AppState) -> Response {
    clock_json(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AdvanceClock {
    advance_seconds: i64,
}

#[utoipa::path(post, path = "/admin/v1/clock", operation_id = "adminAdvanceClock",
    summary = "Moves the server clock forward (tokens, SAS expiry, pipeline delays follow)",
    request_body(content = AdvanceClock),
    responses((status = 200, description = "now and offsetSeconds", body = serde_json::Value)))]
async fn advance_clock(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: AdvanceClock = lenient::from_slice(&body?)?;
    advance_clock_by(state, request.advance_seconds).await?;
    Ok(clock_json(state))
}

/// Moves the server clock forward by `advance_seconds` (the admin API's and the dashboard's
/// "advance"), storing the offset for the other instances and restarts.
pub(crate) async fn advance_clock_by(state: &AppState, advance_seconds: i64) -> ApiResult<()> {
    // Checked before any arithmetic: `Duration::seconds` itself panics beyond ±i64::MAX ms.
    if advance_seconds > storeroom_domain::clock::MAX_OFFSET_SECONDS {
        return Err(ApiError::invalid(
            format!(
                "advanceSeconds must be at most {} (100 years)",
                storeroom_domain::clock::MAX_OFFSET_SECONDS
            ),
            "advanceSeconds",
        ));
    }
    if advance_seconds < 0 {
        return Err(ApiError::invalid(
            "advanceSeconds must not be negative: the clock only moves forward",
            "advanceSeconds",
        ));
    }
    let mut tx = state
        .service
        .store
        .begin()
        .await
        .map_err(storeroom_domain::DomainError::from)?;
    // Advance from the stored offset, inside the transaction: instances sharing a database
    // may each have moved the clock, and two advances at once must add up, not overwrite.
    let stored = tx
        .setting_or_insert("clock_offset_ms", "0")
        .await
        .map_err(storeroom_domain::DomainError::from)?;
    if let Ok(stored) = stored.parse::<i64>() {
        state
            .clock
            .catch_up(chrono::Duration::milliseconds(stored.max(0)));
    }
    state
        .clock
        .advance(chrono::Duration::seconds(advance_seconds))
        .map_err(|err| ApiError::invalid(err.to_string(), "advanceSeconds"))?;
    let offset = state.clock.offset().num_milliseconds().to_string();
    tx.put_setting("clock_offset_ms", &offset)
        .await
        .map_err(storeroom_domain::DomainError::from)?;
    tx.commit()
        .await
        .map_err(storeroom_domain::DomainError::from)?;
    Ok(())
}

/// A pipeline policy from a request body, checked.
pub(crate) fn policy_from(body: &[u8]) -> ApiResult<PipelinePolicy> {
    let policy: PipelinePolicy = lenient::from_slice(body)?;
    policy
        .validate()
        .map_err(|(message, target)| ApiError::invalid(message, target))?;
    Ok(policy)
}

#[utoipa::path(get, path = "/admin/v1/pipeline", operation_id = "adminGetPipeline",
    summary = "The server's default pipeline policy",
    responses((status = 200, description = "The policy", body = serde_json::Value)))]
async fn get_default_pipeline(state: &AppState) -> Response {
    Json(state.service.policies.default_policy()).into_response()
}

/// Sets the server's default pipeline policy (until restart; `--pipeline` sets it at start).
#[utoipa::path(put, path = "/admin/v1/pipeline", operation_id = "adminPutPipeline",
    summary = "Replaces the server's default pipeline policy",
    request_body(content = serde_json::Value, description = "A pipeline policy"),
    responses((status = 200, description = "The policy", body = serde_json::Value)))]
async fn put_default_pipeline(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let policy = policy_from(&body?)?;
    state.service.policies.set_default(policy.clone());
    Ok(Json(policy).into_response())
}

/// Devcenter apps (their flights and add-ons follow the app's policy).
pub(crate) struct Applications;

impl PolicyOwner for Applications {
    const LABEL: &'static str = "application";

    async fn own_policy(state: &AppState, id: &str) -> ApiResult<Option<PipelinePolicy>> {
        let app = state
            .service
            .store
            .application(id)
            .await
            .map_err(DomainError::from)?
            .ok_or_else(|| {
                ApiError::not_found(format!("Application {id} not found"), "applicationId")
            })?;
        Ok(app.pipeline)
    }

    async fn set_policy(
        state: &AppState,
        id: &str,
        policy: Option<PipelinePolicy>,
    ) -> ApiResult<()> {
        state.service.set_application_policy(id, policy).await?;
        Ok(())
    }
}

/// The policy in force for a product, and whether it is the product's own (`own_label`)
/// or the server's.
pub(crate) fn effective_policy(
    state: &AppState,
    own: Option<&PipelinePolicy>,
    own_label: &str,
) -> Response {
    let mut body =
        serde_json::to_value(state.service.policies.for_product(own)).unwrap_or_default();
    body["source"] = json!(if own.is_some() { own_label } else { "server" });
    Json(body).into_response()
}

fn decision_json(
    submission: &storeroom_domain::submission::Submission<serde_json::Value>,
) -> Response {
    Json(json!({
        "id": submission.id,
        "status": submission.status,
        "statusDetails": submission.status_details,
    }))
    .into_response()
}

/// Partner Center's certification passes: the submission moves on to Release.
#[utoipa::path(post, path = "/admin/v1/submissions/{submission_id}/approve", operation_id = "adminApprove",
    summary = "Approves a submission held for manual certification",
    responses((status = 200, description = "The decision", body = serde_json::Value)))]
async fn approve(state: &AppState, submission_id: &str) -> ApiResult<Response> {
    if let Some(decided) = decide(state, submission_id, Decision::Approve).await {
        return decided;
    }
    let submission = state.service.approve_certification(submission_id).await?;
    Ok(decision_json(&submission))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Reject {
    pub(crate) reason: String,
}

/// Certification fails with the given reason.
#[utoipa::path(post, path = "/admin/v1/submissions/{submission_id}/reject", operation_id = "adminReject",
    summary = "Rejects a submission held for manual certification",
    request_body(content = Reject),
    responses((status = 200, description = "The decision", body = serde_json::Value)))]
async fn reject(
    state: &AppState,
    submission_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: Reject = lenient::from_slice(&body?)?;
    if let Some(decided) = decide(state, submission_id, Decision::Reject(&request.reason)).await {
        return decided;
    }
    let submission = state
        .service
        .reject_certification(submission_id, &request.reason)
        .await?;
    Ok(decision_json(&submission))
}

#[utoipa::path(post, path = "/admin/v1/flightgroups", operation_id = "adminCreateFlightGroup",
    summary = "Creates a flight group of users",
    request_body(content = serde_json::Value, description = "name, members"),
    responses((status = 201, description = "The group", body = serde_json::Value)))]
async fn create_flight_group(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: GroupRequest = lenient::from_slice(&body?)?;
    let group = state.service.create_flight_group(request).await?;
    Ok((StatusCode::CREATED, Json(group)).into_response())
}

#[utoipa::path(get, path = "/admin/v1/flightgroups", operation_id = "adminListFlightGroups",
    summary = "Every flight group",
    responses((status = 200, description = "The groups", body = serde_json::Value)))]
async fn list_flight_groups(state: &AppState) -> ApiResult<Response> {
    let groups = state.service.flight_groups().await?;
    let total = groups.len();
    Ok(Json(json!({"value": groups, "totalCount": total})).into_response())
}

#[utoipa::path(get, path = "/admin/v1/flightgroups/{group_id}", operation_id = "adminGetFlightGroup",
    summary = "A flight group",
    responses((status = 200, description = "The group", body = serde_json::Value)))]
async fn get_flight_group(state: &AppState, group_id: &str) -> ApiResult<Response> {
    Ok(Json(state.service.flight_group(group_id).await?).into_response())
}

#[utoipa::path(put, path = "/admin/v1/flightgroups/{group_id}", operation_id = "adminPutFlightGroup",
    summary = "Replaces a flight group",
    request_body(content = serde_json::Value, description = "name, members"),
    responses((status = 200, description = "The group", body = serde_json::Value)))]
async fn put_flight_group(
    state: &AppState,
    group_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: GroupRequest = lenient::from_slice(&body?)?;
    Ok(Json(
        state
            .service
            .replace_flight_group(group_id, request)
            .await?,
    )
    .into_response())
}

#[utoipa::path(delete, path = "/admin/v1/flightgroups/{group_id}", operation_id = "adminDeleteFlightGroup",
    summary = "Deletes a flight group",
    responses((status = 204, description = "Deleted")))]
async fn delete_flight_group(state: &AppState, group_id: &str) -> ApiResult<StatusCode> {
    state.service.delete_flight_group(group_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Partner Center's "Publish now": a submission waiting in Release is published.
#[utoipa::path(post, path = "/admin/v1/submissions/{submission_id}/publish", operation_id = "adminPublishNow",
    summary = "Publishes a submission waiting for a manual or dated release",
    responses((status = 200, description = "The decision", body = serde_json::Value)))]
async fn publish_now(state: &AppState, submission_id: &str) -> ApiResult<Response> {
    if let Some(decided) = decide(state, submission_id, Decision::PublishNow).await {
        return decided;
    }
    let submission = state.service.publish_now(submission_id).await?;
    Ok(decision_json(&submission))
}
