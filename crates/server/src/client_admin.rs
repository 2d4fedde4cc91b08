//! The admin API's account settings (`/admin/v1/clients`): Azure AD applications per
//! seller with a role, and their keys, as Partner Center's "User management" page keeps
//! them (seed 000). A key's secret is answered once, by the request that makes it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use storeroom_domain::accounts::ClientKey;
use storeroom_domain::service::ClientWithKeys;
use storeroom_wire::{dates, lenient};

use crate::auth::Admin;
use crate::errors::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/clients", post(create_client).get(list_clients))
        .route("/admin/v1/clients/{client_id}", put(change_role))
        .route("/admin/v1/clients/{client_id}/keys", post(add_key))
        .route(
            "/admin/v1/clients/{client_id}/keys/{key_id}",
            delete(delete_key),
        )
}

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateClient {
    #[serde(default)]
    seller_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

async fn create_client(
    State(state): State<AppState>,
    _: Admin,
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

async fn list_clients(
    State(state): State<AppState>,
    _: Admin,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let listed = state
        .service
        .clients(query.get("sellerId").map(String::as_str))
        .await?;
    let value: Vec<_> = listed.iter().map(client).collect();
    Ok(Json(json!({"value": value, "totalCount": value.len()})).into_response())
}

#[derive(Deserialize)]
struct ChangeRole {
    #[serde(default)]
    role: Option<String>,
}

async fn change_role(
    State(state): State<AppState>,
    _: Admin,
    Path(client_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: ChangeRole = lenient::from_slice(&body?)?;
    let changed = state
        .service
        .set_client_role(&client_id, request.role.as_deref())
        .await?;
    Ok(Json(client(&changed)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddKey {
    #[serde(default)]
    expires_in_days: Option<i64>,
}

async fn add_key(
    State(state): State<AppState>,
    _: Admin,
    Path(client_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: AddKey = lenient::from_slice(&body?)?;
    let (created, secret) = state
        .service
        .add_client_key(&client_id, request.expires_in_days)
        .await?;
    let mut body = key(&created);
    body["clientId"] = json!(created.client_id);
    body["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn delete_key(
    State(state): State<AppState>,
    _: Admin,
    Path((client_id, key_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    state.service.delete_client_key(&client_id, &key_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
