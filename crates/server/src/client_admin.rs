//! The admin API's account settings (`/admin/v1/clients`): Azure AD applications per
//! seller with a role, and their keys, as Partner Center's "User management" page keeps
//! them (seed 000). A key's secret is answered once, by the request that makes it.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use storeroom_domain::accounts::ClientKey;
use storeroom_domain::service::ClientWithKeys;
use storeroom_wire::{dates, lenient};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::errors::ApiResult;
use crate::state::AppState;

/// This module's part of the admin API's OpenAPI document; `crate::admin` serves it.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Described::openapi())
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_client, list_clients, change_role, add_key, delete_key))]
struct Described;

/// A key as listed: never its secret.
fn key(key: &ClientKey) -> Value {
    json!({
        "keyId": key.key_id,
        "hint": key.hint,
        "createdAt": dates::format_seconds(&key.created_at),
        "expiresAt": dates::format_seconds(&key.expires_at),
    })
}

fn client((client, keys): &ClientWithKeys) -> Value {
    json!({
        "clientId": client.client_id,
        "tenantId": client.tenant_id,
        "sellerId": client.seller_id,
        "name": client.name,
        "role": client.role.name(),
        "keys": keys.iter().map(key).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateClient {
    #[serde(default)]
    seller_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

#[utoipa::path(post, path = "/admin/v1/clients", operation_id = "adminCreateClient",
    summary = "Adds an Azure AD application to a seller account, with a role and a first key",
    request_body(content = CreateClient),
    responses((status = 201, description = "The client, with its first key's secret", body = serde_json::Value)))]
pub(crate) async fn create_client(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: CreateClient = lenient::from_slice(&body?)?;
    let seller_id = request
        .seller_id
        .unwrap_or_else(|| state.account.seller.id.clone());
    let created = state
        .service
        .create_client(&seller_id, request.name.as_deref(), request.role.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(client(&created))).into_response())
}

#[utoipa::path(get, path = "/admin/v1/clients", operation_id = "adminListClients",
    summary = "The clients (of one seller with sellerId), without secrets",
    params(("sellerId" = Option<String>, Query)),
    responses((status = 200, description = "value and totalCount", body = serde_json::Value)))]
pub(crate) async fn list_clients(
    state: &AppState,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let listed = state
        .service
        .clients(query.get("sellerId").map(String::as_str))
        .await?;
    let value: Vec<_> = listed.iter().map(client).collect();
    Ok(Json(json!({"value": value, "totalCount": value.len()})).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ChangeRole {
    #[serde(default)]
    role: Option<String>,
}

#[utoipa::path(put, path = "/admin/v1/clients/{client_id}", operation_id = "adminChangeClientRole",
    summary = "Changes a client's role",
    request_body(content = ChangeRole),
    responses((status = 200, description = "The client", body = serde_json::Value)))]
pub(crate) async fn change_role(
    state: &AppState,
    client_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: ChangeRole = lenient::from_slice(&body?)?;
    let changed = state
        .service
        .set_client_role(client_id, request.role.as_deref())
        .await?;
    Ok(Json(client(&changed)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AddKey {
    #[serde(default)]
    expires_in_days: Option<i64>,
}

#[utoipa::path(post, path = "/admin/v1/clients/{client_id}/keys", operation_id = "adminAddClientKey",
    summary = "Adds a key to a client: its secret is answered once, here",
    request_body(content = AddKey),
    responses((status = 201, description = "The key, with its secret", body = serde_json::Value)))]
pub(crate) async fn add_key(
    state: &AppState,
    client_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: AddKey = lenient::from_slice(&body?)?;
    let (created, secret) = state
        .service
        .add_client_key(client_id, request.expires_in_days)
        .await?;
    let mut body = key(&created);
    body["clientId"] = json!(created.client_id);
    body["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[utoipa::path(delete, path = "/admin/v1/clients/{client_id}/keys/{key_id}", operation_id = "adminDeleteClientKey",
    summary = "Deletes a client's key",
    responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_key(
    state: &AppState,
    client_id: &str,
    key_id: &str,
) -> ApiResult<Response> {
    state.service.delete_client_key(client_id, key_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
