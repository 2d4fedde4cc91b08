//! The admin API's part for Azure Marketplace offers (ours, admin token): listing a
//! publisher's offers, an offer's pipeline policy, and the certification decisions and
//! "publish now" that `/admin/v1/submissions/{id}/…` also take for offer submissions.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use storeroom_domain::ingestion::IngestionError;
use storeroom_domain::ingestion::offer::Offer;
use storeroom_domain::ingestion::submission::OfferSubmission;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::query::Query;
use crate::errors::{ApiError, ApiResult, internal};
use crate::policy_routes::{self, PolicyOwner};
use crate::state::AppState;
use storeroom_domain::pipeline::PipelinePolicy;

/// Where the policy operations of an offer are.
pub(crate) const PIPELINE: &str = "/admin/v1/offers/{product_id}/pipeline";

/// This module's part of the admin API's OpenAPI document; `crate::admin` serves it.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(
        Described::openapi().merge_from(policy_routes::described(PIPELINE, "Offer")),
    )
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list_offers))]
struct Described;

pub(crate) fn admin_error(err: IngestionError) -> ApiError {
    match err {
        IngestionError::Invalid { field, message } => ApiError::invalid(message, field),
        IngestionError::NotFound { message, .. } => ApiError::not_found(message, "id"),
        IngestionError::Conflict(message) | IngestionError::PreconditionFailed(message) => {
            ApiError::new(StatusCode::CONFLICT, "InvalidState", message, "")
        }
        IngestionError::Store(err) => {
            tracing::error!(error = %err, "ingestion storage failure");
            internal()
        }
    }
}

fn offer_json(offer: &Offer, submissions: &[OfferSubmission]) -> Value {
    let current = submissions.iter().rev().find(|s| !s.superseded);
    json!({
        "productId": offer.id,
        "offerId": offer.offer_key,
        "name": offer.name(),
        "resourceType": offer.resource_type,
        "sellerId": offer.seller_id,
        "plans": offer.variants.iter().map(|v| v.id.clone()).collect::<Vec<_>>(),
        "submissions": submissions.iter().filter(|s| !s.superseded).map(|s| json!({
            "id": s.id,
            "state": s.stage.state(),
            "substate": s.stage.substate(),
        })).collect::<Vec<_>>(),
        "currentSubstate": current.map(|s| s.stage.substate()).unwrap_or_default(),
    })
}

/// `GET /admin/v1/offers[?sellerId=…]`: every offer (or a seller's) with its submissions.
#[utoipa::path(get, path = "/admin/v1/offers", operation_id = "adminListOffers",
    summary = "Every Azure Marketplace offer (or a seller's), with its submissions",
    params(("sellerId" = Option<String>, Query)),
    responses((status = 200, description = "The offers", body = serde_json::Value)))]
pub(crate) async fn list_offers(state: &AppState, query: Option<&str>) -> ApiResult<Response> {
    let query = Query::parse(query);
    let service = &state.ingestion.service;
    let offers = service
        .all(query.get("sellerid"))
        .await
        .map_err(admin_error)?;
    let mut value = Vec::with_capacity(offers.len());
    for offer in &offers {
        let submissions = service
            .store
            .submissions(&offer.id)
            .await
            .map_err(|err| admin_error(err.into()))?;
        value.push(offer_json(offer, &submissions));
    }
    let total = value.len();
    Ok(Json(json!({"value": value, "totalCount": total})).into_response())
}

/// Azure Marketplace offers.
pub(crate) struct Offers;

impl PolicyOwner for Offers {
    const LABEL: &'static str = "offer";

    async fn own_policy(state: &AppState, id: &str) -> ApiResult<Option<PipelinePolicy>> {
        let offer = state
            .ingestion
            .service
            .store
            .offer(&id.trim().to_ascii_lowercase())
            .await
            .map_err(|err| admin_error(err.into()))?
            .ok_or_else(|| ApiError::not_found(format!("Offer {id} not found"), "productId"))?;
        Ok(offer.pipeline)
    }

    async fn set_policy(
        state: &AppState,
        id: &str,
        policy: Option<PipelinePolicy>,
    ) -> ApiResult<()> {
        state
            .ingestion
            .service
            .set_policy(id, policy)
            .await
            .map_err(admin_error)?;
        Ok(())
    }
}

/// What the shared decision routes do with an offer submission.
pub(crate) enum Decision<'a> {
    Approve,
    Reject(&'a str),
    PublishNow,
}

/// Applies `decision` when `submission_id` names an offer submission; None otherwise, for
/// the devcenter's own handling.
pub(crate) async fn decide(
    state: &AppState,
    submission_id: &str,
    decision: Decision<'_>,
) -> Option<ApiResult<Response>> {
    let service = &state.ingestion.service;
    match service.store.submission(submission_id.trim()).await {
        Ok(Some(_)) => {}
        Ok(None) => return None,
        Err(err) => return Some(Err(admin_error(err.into()))),
    }
    let decided = match decision {
        Decision::Approve => service.decide_certification(submission_id, None).await,
        Decision::Reject(reason) => {
            service
                .decide_certification(submission_id, Some(reason))
                .await
        }
        Decision::PublishNow => service.publish_now(submission_id).await,
    };
    Some(decided.map_err(admin_error).map(|s| {
        Json(json!({
            "id": s.id,
            "productId": s.product_id,
            "state": s.stage.state(),
            "substate": s.stage.substate(),
        }))
        .into_response()
    }))
}
