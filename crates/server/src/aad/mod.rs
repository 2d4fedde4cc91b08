//! The Azure AD token endpoint (v1 and v2 client credentials), OpenID discovery and JWKS
//! (notes/auth-blob-ingestion.md §A).

mod discovery;
mod dispatch;
mod failure;
mod operation;
mod token;

use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::state::AppState;

pub use dispatch::{TENANT, routes};

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

/// The endpoints' part of the document, from the handlers' own declarations, in the order
/// they were once routed. Each module declares its own (`paths(token::token_v1)` would tag
/// the operations with the module's name).
fn described() -> utoipa::openapi::OpenApi {
    token::Described::openapi()
        .merge_from(Described::openapi())
        .merge_from(discovery::Described::openapi())
        .merge_from(Keys::openapi())
}

/// The v2 token endpoint's GET (its POST is `token`'s).
#[derive(OpenApi)]
#[openapi(paths(token_get_v2))]
struct Described;

/// The signing keys at their v2 path, after discovery's.
#[derive(OpenApi)]
#[openapi(paths(jwks_v2))]
struct Keys;

/// `GET` of the v2 token endpoint, refused as the v1 one is (each route its own operation).
#[utoipa::path(get, path = "/{tenant}/oauth2/v2.0/token", operation_id = "tokenV2Get",
    summary = "GET is refused as AAD refuses it (AADSTS900561)",
    responses((status = 400, description = "Only POST is accepted", body = storeroom_wire::aad::AadError)))]
fn token_get_v2(state: &AppState, headers: &HeaderMap) -> Response {
    token::token_get(state, headers)
}

/// The signing keys at their v2 path.
#[utoipa::path(get, path = "/{tenant}/discovery/v2.0/keys", operation_id = "signingKeysV2",
    summary = "The token signing keys (JWKS), v2 path",
    responses((status = 200, description = "The keys", body = serde_json::Value)))]
async fn jwks_v2(state: &AppState, tenant: &str, headers: &HeaderMap) -> Response {
    discovery::jwks(state, tenant, headers).await
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

/// What v1 tokens' issuer starts with, before the tenant id and a slash.
const ISSUER_PREFIX: &str = "https://sts.windows.net/";

pub fn issuer(tenant_id: &str) -> String {
    format!("{ISSUER_PREFIX}{tenant_id}/")
}

/// Whether `iss` is [`issuer`]`(tenant_id)` (without building it: asked on every request).
pub fn is_issuer_of(iss: &str, tenant_id: &str) -> bool {
    iss.strip_prefix(ISSUER_PREFIX)
        .and_then(|rest| rest.strip_suffix('/'))
        == Some(tenant_id)
}

pub use storeroom_domain::accounts::constant_time_eq;
