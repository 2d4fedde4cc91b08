//! OpenID discovery documents and the JWKS that verifies issued tokens.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use storeroom_domain::accounts::Tenant;

use super::failure::{aad_error_response, bad_request};
use super::issuer;
use crate::state::AppState;

/// This module's part of the document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(openid_v1, openid_v2, jwks))]
pub(super) struct Described;

async fn discovery_tenant(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
) -> Result<Tenant, Response> {
    match state.service.store.tenant(tenant).await {
        Ok(Some(tenant)) => Ok(tenant),
        _ => {
            let mut failure = bad_request(
                "invalid_tenant",
                90002,
                format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            );
            failure.error = "invalid_tenant";
            Err(aad_error_response(failure, state.clock.now(), headers))
        }
    }
}

fn base_url(state: &AppState) -> String {
    state.public_url.to_string()
}

/// Which discovery document: v1 (`sts.windows.net` issuer) or v2.
#[derive(Clone, Copy)]
enum Flavor {
    V1,
    V2,
}

#[utoipa::path(get, path = "/{tenant}/.well-known/openid-configuration", operation_id = "openidConfigurationV1",
    summary = "OpenID configuration (v1)",
    responses((status = 200, description = "The configuration", body = serde_json::Value)))]
pub(super) async fn openid_v1(state: &AppState, tenant: &str, headers: &HeaderMap) -> Response {
    openid(state, tenant, headers, Flavor::V1).await
}

#[utoipa::path(get, path = "/{tenant}/v2.0/.well-known/openid-configuration", operation_id = "openidConfigurationV2",
    summary = "OpenID configuration (v2)",
    responses((status = 200, description = "The configuration", body = serde_json::Value)))]
pub(super) async fn openid_v2(state: &AppState, tenant: &str, headers: &HeaderMap) -> Response {
    openid(state, tenant, headers, Flavor::V2).await
}

async fn openid(state: &AppState, tenant: &str, headers: &HeaderMap, flavor: Flavor) -> Response {
    let tenant = match discovery_tenant(state, tenant, headers).await {
        Ok(t) => t,
        Err(response) => return response,
    };
    let base = base_url(state);
    let tid = &tenant.id;
    let (oauth, keys, issuer, response_types) = match flavor {
        Flavor::V1 => (
            format!("{base}/{tid}/oauth2"),
            format!("{base}/{tid}/discovery/keys"),
            issuer(tid),
            json!([
                "code",
                "id_token",
                "code id_token",
                "token id_token",
                "token"
            ]),
        ),
        Flavor::V2 => (
            format!("{base}/{tid}/oauth2/v2.0"),
            format!("{base}/{tid}/discovery/v2.0/keys"),
            format!("https://login.microsoftonline.com/{tid}/v2.0"),
            json!(["code", "id_token", "code id_token", "id_token token"]),
        ),
    };
    axum::Json(json!({
        "token_endpoint": format!("{oauth}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": keys,
        "response_types_supported": response_types,
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "authorization_endpoint": format!("{oauth}/authorize"),
        "tenant_region_scope": "WW",
        "grant_types_supported": ["client_credentials"],
    }))
    .into_response()
}

#[utoipa::path(get, path = "/{tenant}/discovery/keys", operation_id = "signingKeys",
    summary = "The token signing keys (JWKS)",
    responses((status = 200, description = "The keys", body = serde_json::Value)))]
pub(super) async fn jwks(state: &AppState, tenant: &str, headers: &HeaderMap) -> Response {
    let tenant = match discovery_tenant(state, tenant, headers).await {
        Ok(t) => t,
        Err(response) => return response,
    };
    let keys = &state.keys;
    axum::Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": keys.kid, "x5t": keys.kid,
        "n": keys.n, "e": keys.e, "issuer": issuer(&tenant.id),
    }]}))
    .into_response()
}
