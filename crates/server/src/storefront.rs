//! The store front (ours): `GET /store/v1/products/{storeId}?userId=U&market=M[&language=L]`
//! answers what a customer's Store would install, without a token, so users can see what
//! their rollouts and flights do to customers.

use std::collections::HashMap;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::errors::{ApiError, ApiResult};
use crate::state::AppState;

/// This module's part of the document; `crate::public` serves its operation.
#[derive(utoipa::OpenApi)]
#[openapi(paths(product))]
pub(crate) struct Described;

fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A market as the store front takes it: two letters, upper-cased.
pub(crate) fn market_code(market: &str) -> ApiResult<String> {
    if market.len() != 2 || !market.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(
            format!("'{market}' is not a two-letter market code"),
            "market",
        ));
    }
    Ok(market.to_ascii_uppercase())
}

#[utoipa::path(get, path = "/store/v1/products/{store_id}", operation_id = "storeProduct",
    summary = "What a customer's Store would install for the product",
    params(("userId" = String, Query), ("market" = String, Query, description = "Two-letter market code"), ("language" = Option<String>, Query)),
    responses((status = 200, description = "The product as the customer sees it", body = serde_json::Value)))]
pub(crate) async fn product(
    state: &AppState,
    store_id: &str,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let user = param(query, "userId")
        .ok_or_else(|| ApiError::invalid("The query parameter 'userId' is required", "userId"))?;
    let market = param(query, "market")
        .ok_or_else(|| ApiError::invalid("The query parameter 'market' is required", "market"))?;
    let market = market_code(market)?;
    let offer = state
        .service
        .store_offer(store_id, user, &market, param(query, "language"))
        .await?;
    let mut listing = serde_json::to_value(&offer.listing).unwrap_or_default();
    listing["language"] = json!(offer.listing_language);
    let mut body = json!({
        "productId": offer.product_id,
        "submissionId": offer.submission_id,
        "packages": offer.packages,
        "listing": listing,
    });
    if let Some(version) = offer.version {
        body["version"] = json!(version);
    }
    if let Some(flight_id) = offer.flight_id {
        body["flightId"] = json!(flight_id);
    }
    Ok(Json(body).into_response())
}
