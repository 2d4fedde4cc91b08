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
use crate::clients::{NOT_ALLOWED, Refusal, authorise};
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
        let client = authorise(state, &claims).await.map_err(|refusal| match refusal {
            Refusal::UnknownClient => gateway_unauthorized(),
            Refusal::NoSeller { client_id } => MsiFailure::new(
                StatusCode::FORBIDDEN,
                codes::FORBIDDEN,
                format!(
                    "Azure AD application {client_id} is not associated with a Partner Center account"
                ),
                "X-Seller-Account-Id",
            )
            .into_response(),
            // The devcenter API's status and message, in this API's envelope.
            Refusal::NotManager { .. } => MsiFailure::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                NOT_ALLOWED,
                "",
            )
            .into_response(),
            Refusal::Internal => MsiFailure::internal().into_response(),
        })?;
        let own_seller = client.seller_id;
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
