//! `POST /{tenant}/oauth2/token` (v1, `resource=`) and `/{tenant}/oauth2/v2.0/token` (v2,
//! `scope=…/.default`): the client-credentials grant.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header};
use sha2::{Digest, Sha256};
use storeroom_domain::accounts::{AadClient, SecretCheck, Tenant};
use storeroom_domain::ids;
use storeroom_wire::aad::{TokenResponseV1, TokenResponseV2};

use super::failure::{
    Failure, aad_error_response, bad_request, failure, missing, with_token_headers,
};
use super::{Claims, KNOWN_RESOURCES, NOT_BEFORE_SKEW, TOKEN_LIFETIME, issuer};
use crate::state::AppState;

/// This module's part of the document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(token_v1, token_get, token_v2))]
pub(super) struct Described;

/// Form fields with surrounding whitespace (clients send CRLF-padded values) removed.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Version {
    V1,
    V2,
}

#[utoipa::path(post, path = "/{tenant}/oauth2/token", operation_id = "tokenV1",
    summary = "Client credentials grant (v1): an access token for `resource`",
    request_body(content = crate::openapi::schemas::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The token", body = storeroom_wire::aad::TokenResponseV1)))]
pub(super) async fn token_v1(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    token(state, tenant, headers, body, Version::V1).await
}

#[utoipa::path(post, path = "/{tenant}/oauth2/v2.0/token", operation_id = "tokenV2",
    summary = "Client credentials grant (v2): an access token for `scope`",
    request_body(content = crate::openapi::schemas::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The token", body = storeroom_wire::aad::TokenResponseV2)))]
pub(super) async fn token_v2(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    token(state, tenant, headers, body, Version::V2).await
}

#[utoipa::path(get, path = "/{tenant}/oauth2/token", operation_id = "tokenV1Get",
    summary = "GET is refused as AAD refuses it (AADSTS900561)",
    responses((status = 400, description = "Only POST is accepted", body = storeroom_wire::aad::AadError)))]
pub(super) fn token_get(state: &AppState, headers: &HeaderMap) -> Response {
    aad_error_response(
        bad_request(
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests. Received a GET request.",
        ),
        state.clock.now(),
        headers,
    )
}

async fn token(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    version: Version,
) -> Response {
    let now = state.clock.now();
    match issue(state, tenant, headers, body, version, now).await {
        Ok(response) => response,
        Err(failure) => aad_error_response(failure, now, headers),
    }
}

async fn find_tenant(state: &AppState, tenant: &str) -> Result<Tenant, Failure> {
    if ["common", "organizations", "consumers"].contains(&tenant.to_ascii_lowercase().as_str()) {
        return Err(bad_request(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ));
    }
    let well_formed = uuid::Uuid::parse_str(tenant).is_ok()
        || (tenant.contains('.')
            && tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    if !well_formed {
        return Err(bad_request(
            "invalid_request",
            900023,
            format!(
                "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
            ),
        ));
    }
    let found = state
        .service
        .store
        .tenant(tenant)
        .await
        .map_err(unavailable)?;
    found.ok_or_else(|| {
        bad_request(
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        )
    })
}

/// `client_id`/`client_secret` from the form, or HTTP Basic (allowed by v2).
fn client_credentials(form: &Form, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            v.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    let id = form
        .get("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|b| b.0.clone()));
    let secret = form
        .get("client_secret")
        .map(str::to_string)
        .or_else(|| basic.map(|b| b.1));
    (id, secret)
}

/// The resource the token is for, from v1 `resource` or v2 `scope`.
fn requested_resource(form: &Form, version: Version) -> Result<String, Failure> {
    match version {
        Version::V1 => form
            .get("resource")
            // Seed 003's sample sends the resource with a leading space.
            .map(|r| r.trim().trim_end_matches('/').to_string())
            .ok_or_else(|| missing("resource")),
        Version::V2 => {
            if form.get("resource").is_some() {
                return Err(bad_request(
                    "invalid_request",
                    901002,
                    "The 'resource' request parameter is not supported.",
                ));
            }
            let scope = form.get("scope").ok_or_else(|| missing("scope"))?;
            let mut resources = Vec::new();
            for item in scope.split_whitespace() {
                let Some(resource) = item.strip_suffix("/.default") else {
                    return Err(bad_request(
                        "invalid_scope",
                        1002012,
                        format!(
                            "The provided value for scope {item} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                        ),
                    ));
                };
                let resource = resource.trim_end_matches('/').to_string();
                if !resources.contains(&resource) {
                    resources.push(resource);
                }
            }
            match resources.as_slice() {
                [one] => Ok(one.clone()),
                [] => Err(bad_request(
                    "invalid_scope",
                    70011,
                    format!(
                        "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
                    ),
                )),
                _ => Err(bad_request(
                    "invalid_scope",
                    700022,
                    "The provided value for the input parameter scope isn't valid because it contains more than one resource.",
                )),
            }
        }
    }
}

/// AADSTS50000 for a failure of the store or the signer.
fn unavailable(err: impl ToString) -> Failure {
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable",
        50000,
        err.to_string(),
    )
}

/// The client `client_id` of `tenant` when `secret` is one of its live keys. A deleted
/// key's secret is simply wrong (AADSTS7000215); an expired one gets AADSTS7000222, judged
/// on the server clock.
async fn authenticate(
    state: &AppState,
    tenant: &Tenant,
    client_id: &str,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AadClient, Failure> {
    let stored = state
        .service
        .store
        .client(client_id)
        .await
        .map_err(unavailable)?;
    let client = stored.filter(|c| c.tenant_id == tenant.id).ok_or_else(|| {
        bad_request(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", tenant.domain),
        )
    })?;
    let Some(secret) = secret else {
        return Err(failure(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    let keys = state
        .service
        .store
        .client_keys(&client.client_id)
        .await
        .map_err(unavailable)?;
    match client.check_secret(&keys, secret, now) {
        SecretCheck::Valid => Ok(client),
        SecretCheck::Expired => Err(failure(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
            ),
        )),
        SecretCheck::Wrong => Err(failure(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )),
    }
}

async fn issue(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    version: Version,
    now: DateTime<Utc>,
) -> Result<Response, Failure> {
    let tenant = find_tenant(state, tenant).await?;
    let form = Form::parse(body);
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(bad_request(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let (client_id, secret) = client_credentials(&form, headers);
    let client_id = client_id.ok_or_else(|| missing("client_id"))?;
    let resource = requested_resource(&form, version)?;
    let client = authenticate(state, &tenant, &client_id, secret.as_deref(), now).await?;
    if !KNOWN_RESOURCES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(&resource))
    {
        return Err(bad_request(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                tenant.domain
            ),
        ));
    }
    let access_token = sign(state, &client, &tenant, &resource, now).map_err(unavailable)?;
    let issued = now.timestamp();
    let body = match version {
        Version::V1 => axum::Json(
            serde_json::to_value(TokenResponseV1 {
                token_type: "Bearer",
                expires_in: TOKEN_LIFETIME.to_string(),
                ext_expires_in: TOKEN_LIFETIME.to_string(),
                expires_on: (issued + TOKEN_LIFETIME).to_string(),
                not_before: (issued - NOT_BEFORE_SKEW).to_string(),
                resource,
                access_token,
            })
            .unwrap_or_default(),
        ),
        Version::V2 => axum::Json(
            serde_json::to_value(TokenResponseV2 {
                token_type: "Bearer",
                expires_in: TOKEN_LIFETIME as u64,
                ext_expires_in: TOKEN_LIFETIME as u64,
                access_token,
            })
            .unwrap_or_default(),
        ),
    };
    Ok(with_token_headers(
        (StatusCode::OK, body).into_response(),
        &crate::correlation::id(),
        headers,
    ))
}

/// A stable object id for the client's service principal.
fn object_id(client_id: &str) -> String {
    let digest = Sha256::digest(client_id.to_ascii_lowercase().as_bytes());
    uuid::Builder::from_random_bytes(digest[..16].try_into().unwrap_or_default())
        .into_uuid()
        .to_string()
}

fn sign(
    state: &AppState,
    client: &AadClient,
    tenant: &Tenant,
    resource: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let issued = now.timestamp();
    let oid = object_id(&client.client_id);
    let claims = Claims {
        aud: resource.to_string(),
        iss: issuer(&tenant.id),
        iat: issued - NOT_BEFORE_SKEW,
        nbf: issued - NOT_BEFORE_SKEW,
        exp: issued + TOKEN_LIFETIME,
        aio: ids::client_secret(),
        appid: client.client_id.clone(),
        appidacr: "1".into(),
        idp: issuer(&tenant.id),
        idtyp: "app".into(),
        oid: oid.clone(),
        rh: format!("0.{}.", ids::client_secret()),
        sub: oid,
        tid: tenant.id.clone(),
        uti: ids::client_secret()[..22].to_string(),
        ver: "1.0".into(),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(state.keys.kid.clone());
    header.x5t = Some(state.keys.kid.clone());
    Ok(jsonwebtoken::encode(
        &header,
        &claims,
        &state.keys.encoding,
    )?)
}
