//! Who calls the MSI/EXE API: a bearer token for `https://api.store.microsoft.com` plus
//! `X-Seller-Account-Id`, the Partner Center account the token's application belongs to.
//! The per-seller rate limit is applied here too, so that every route honours it.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use storeroom_wire::msi::codes;

use super::envelope::MsiFailure;
use crate::aad::STORE_RESOURCE;
use crate::auth::validate;
use crate::errors::gateway_unauthorized;
use crate::state::AppState;

pub const SELLER_HEADER: &str = "X-Seller-Account-Id";

pub struct MsiCaller {
    pub seller_id: String,
}

impl FromRequestParts<AppState> for MsiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Bad tokens are refused by the API gateway in front of the service, in its shape.
        let claims = crate::auth::bearer(parts)
            .and_then(|token| validate(state, token, STORE_RESOURCE))
            .ok_or_else(gateway_unauthorized)?;
        let client = state
            .clients
            .get(state.service.store.as_ref(), &claims.appid)
            .await
            .map_err(|_| MsiFailure::internal().into_response())?
            .filter(|client| client.tenant_id == claims.tid)
            .ok_or_else(gateway_unauthorized)?;
        let Some(own_seller) = client.seller_id else {
            return Err(MsiFailure::new(
                StatusCode::FORBIDDEN,
                codes::FORBIDDEN,
                format!(
                    "Azure AD application {} is not associated with a Partner Center account",
                    client.client_id
                ),
                "X-Seller-Account-Id",
            )
            .into_response());
        };
        let sent = parts
            .headers
            .get(SELLER_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let Some(sent) = sent else {
            return Err(MsiFailure::bad_request(
                "The X-Seller-Account-Id header is required: send the seller ID of your Partner Center account",
                SELLER_HEADER,
            )
            .into_response());
        };
        if sent != own_seller {
            return Err(MsiFailure::new(
                StatusCode::FORBIDDEN,
                codes::FORBIDDEN,
                format!(
                    "X-Seller-Account-Id '{sent}' is not the Partner Center account of Azure AD application {}",
                    client.client_id
                ),
                SELLER_HEADER,
            )
            .into_response());
        }
        if let Err(seconds) = state.msi.throttle.admit(&own_seller) {
            let mut failure = MsiFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::TOO_MANY_REQUESTS,
                format!("Rate limit exceeded: retry after {seconds} seconds"),
                "",
            );
            failure.retry_after = Some(seconds);
            return Err(failure.into_response());
        }
        Ok(Self {
            seller_id: own_seller,
        })
    }
}
