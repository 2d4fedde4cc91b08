//! Who calls the ingestion API: a bearer token for `https://api.partner.microsoft.com` (v1
//! resource or v2 `/.default` scope) of a client that belongs to a publisher account.
//! Refusals are the gateway's `{statusCode, message}` (§1.2, §1.6).

use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;

use super::respond::gateway_error;
use crate::aad::PARTNER_RESOURCE;
use crate::auth::{bearer, validate};
use crate::clients::{NOT_ALLOWED, Refusal, authorise};
use crate::state::AppState;

/// The publisher account (seller) a request acts for.
pub async fn caller(state: &AppState, parts: &Parts) -> Result<String, Response> {
    let unauthorized = || {
        gateway_error(
            StatusCode::UNAUTHORIZED,
            "Access denied due to missing, invalid or expired credentials for https://api.partner.microsoft.com",
        )
    };
    let claims = bearer(parts)
        .and_then(|token| validate(state, token, PARTNER_RESOURCE))
        .ok_or_else(unauthorized)?;
    match authorise(state, &claims).await {
        Ok(caller) => Ok(caller.seller_id),
        Err(Refusal::UnknownClient) => Err(unauthorized()),
        Err(Refusal::NoSeller { client_id }) => Err(gateway_error(
            StatusCode::FORBIDDEN,
            &format!(
                "Azure AD application {client_id} is not registered with a Partner Center publisher account"
            ),
        )),
        // The devcenter API's status and message, in the gateway's shape.
        Err(Refusal::NotManager { .. }) => {
            Err(gateway_error(StatusCode::UNAUTHORIZED, NOT_ALLOWED))
        }
        Err(Refusal::Internal) => Err(gateway_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An internal server error occurred",
        )),
    }
}
