//! The Azure AD token endpoint (v1 and v2 client credentials), OpenID discovery and JWKS
//! (notes/auth-blob-ingestion.md §A).

mod discovery;
mod failure;
mod token;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// AAD's error body for a failure no handler answered (a panic, a rejected request):
/// `server_error` AADSTS50000 for a 5xx, else `invalid_request` AADSTS9002313 ("Invalid
/// request. Request is malformed or invalid."), as AAD answers requests it cannot parse.
pub(crate) fn error_response(
    status: axum::http::StatusCode,
    message: &str,
    headers: &axum::http::HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> axum::response::Response {
    let (error, code) = if status.is_server_error() {
        ("server_error", 50000)
    } else {
        ("invalid_request", 9002313)
    };
    failure::aad_error_response(failure::failure(status, error, code, message), now, headers)
}

/// Resources (App ID URIs) this server issues tokens for.
pub const DEVCENTER_RESOURCE: &str = "https://manage.devcenter.microsoft.com";
pub const STORE_RESOURCE: &str = "https://api.store.microsoft.com";
pub const PARTNER_RESOURCE: &str = "https://api.partner.microsoft.com";
const KNOWN_RESOURCES: &[&str] = &[DEVCENTER_RESOURCE, STORE_RESOURCE, PARTNER_RESOURCE];

/// Seconds a token lives, as `expires_in` reports it.
pub const TOKEN_LIFETIME: i64 = 3599;
/// AAD back-dates `nbf` by five minutes to allow for clock skew.
const NOT_BEFORE_SKEW: i64 = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/oauth2/token",
            post(token::token_v1).get(token::token_get),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token::token_v2).get(token::token_get),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_v1),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_v2),
        )
        .route("/{tenant}/discovery/keys", get(discovery::jwks))
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::jwks))
}

/// The claims of an app-only access token (v1 shape for every resource, as Microsoft's
/// first-party APIs receive).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(default)]
    pub aio: String,
    pub appid: String,
    #[serde(default)]
    pub appidacr: String,
    #[serde(default)]
    pub idp: String,
    #[serde(default)]
    pub idtyp: String,
    #[serde(default)]
    pub oid: String,
    #[serde(default)]
    pub rh: String,
    #[serde(default)]
    pub sub: String,
    pub tid: String,
    #[serde(default)]
    pub uti: String,
    pub ver: String,
}

pub fn issuer(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}

pub use storeroom_domain::accounts::constant_time_eq;
