//! The admin operations of the journal, fault rules, reset and snapshots, and what the
//! dashboard shares with them. The admin API's dispatcher (`crate::admin`) decodes them
//! and checks the admin token; this module describes them (`#[utoipa::path]`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use storeroom_domain::DomainError;
use storeroom_domain::opsstate::{
    FaultRule, Glob, JournalEntry, SnapshotInfo, valid_snapshot_name,
};
use storeroom_domain::store::StoreError;
use storeroom_wire::lenient;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::journal::JournalFilter;
use super::snapshots::{SnapshotError, Snapshots};
use crate::errors::{ApiError, ApiResult, internal};
use crate::state::AppState;

/// The journal's own route: not journaled (reading it would fill it).
pub const JOURNAL_ROUTE: &str = "/admin/v1/journal";

/// Entries `GET /admin/v1/journal` returns by default, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// This module's part of the admin API's OpenAPI document; `crate::admin` serves it.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Described::openapi())
}

/// The operations, in the document's order.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    journal,
    create_fault,
    list_faults,
    delete_fault,
    reset,
    save_snapshot,
    list_snapshots,
    delete_snapshot,
    restore_snapshot,
))]
struct Described;

fn stored<T>(result: Result<T, StoreError>) -> ApiResult<T> {
    result.map_err(|err| ApiError::from(DomainError::from(err)))
}

fn parsed<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<T>> {
    query
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| {
            value
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid(format!("{name} '{value}' is not valid"), name))
        })
        .transpose()
}

#[utoipa::path(get, path = "/admin/v1/journal", operation_id = "adminJournal",
    summary = "The request journal, newest first, with secrets and tokens redacted",
    params(("limit" = Option<u32>, Query, description = "Entries to return, 1-1000 (default 100)"),
        ("path" = Option<String>, Query, description = "A path prefix, or a glob with * and ?"),
        ("status" = Option<u16>, Query), ("clientId" = Option<String>, Query)),
    responses((status = 200, description = "value and totalCount", body = serde_json::Value)))]
pub(crate) async fn journal(
    state: &AppState,
    query: &HashMap<String, String>,
) -> ApiResult<Response> {
    let entries = journal_entries(state, &journal_filter(query)?).await?;
    let count = entries.len();
    Ok(Json(json!({"value": entries, "totalCount": count})).into_response())
}

/// The journal filter of a query (`limit`, `path`, `status`, `clientId`; names in any
/// letter case, empty values ignored), checked: the admin API's and the dashboard's.
pub fn journal_filter(query: &HashMap<String, String>) -> ApiResult<JournalFilter> {
    let limit = parsed::<u32>(query, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            format!("limit must be 1-{MAX_LIMIT}"),
            "limit",
        ));
    }
    let status = parsed::<u16>(query, "status")?;
    if status.is_some_and(|status| !(100..=599).contains(&status)) {
        return Err(ApiError::invalid("status must be 100-599", "status"));
    }
    let path = parsed::<String>(query, "path")?.filter(|path| !path.is_empty());
    if let Some(path) = &path {
        Glob::parse(path).map_err(|message| ApiError::invalid(message, "path"))?;
    }
    let client_id = parsed::<String>(query, "clientId")?.filter(|id| !id.is_empty());
    Ok(JournalFilter {
        limit,
        path,
        status,
        client_id,
    })
}

/// The stored entries `filter` selects, newest first.
pub async fn journal_entries(
    state: &AppState,
    filter: &JournalFilter,
) -> ApiResult<Vec<JournalEntry>> {
    stored(state.opsstate.journal.query(filter).await)
}

/// A rule as a client sends it (the admin API's JSON, the dashboard's form).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewFault {
    pub method: Option<String>,
    pub path: Option<String>,
    pub client_id: Option<String>,
    pub status: Option<u16>,
    pub body: Option<serde_json::Value>,
    pub retry_after: Option<u32>,
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub after_side_effect: bool,
    pub times: Option<u32>,
    pub probability: Option<f64>,
    #[serde(default)]
    pub zombie: bool,
}

#[utoipa::path(post, path = "/admin/v1/faults", operation_id = "adminCreateFault",
    summary = "Adds a fault rule: the next matching API calls fail, are delayed, or leave a zombie",
    request_body(content = NewFault),
    responses((status = 201, description = "The rule, with its id", body = serde_json::Value)))]
pub(crate) async fn create_fault(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input: NewFault = lenient::from_slice(&body?)?;
    let rule = add_fault(state, input).await?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

/// Checks and stores a new rule, in force on this instance at once.
pub async fn add_fault(state: &AppState, input: NewFault) -> ApiResult<FaultRule> {
    let rule = FaultRule {
        id: storeroom_domain::ids::guid(),
        created: state.clock.now(),
        method: input.method.map(|m| m.to_ascii_uppercase()),
        path: input.path,
        client_id: input.client_id,
        status: input.status,
        body: input.body,
        retry_after: input.retry_after,
        delay_ms: input.delay_ms,
        after_side_effect: input.after_side_effect,
        times: input.times,
        remaining: input.times,
        probability: input.probability,
        zombie: input.zombie,
    };
    rule.validate()
        .map_err(|invalid| ApiError::invalid(invalid.message, invalid.field))?;
    let faults = &state.opsstate.faults;
    stored(faults.store().insert_fault(&rule).await)?;
    stored(faults.reload().await)?;
    Ok(rule)
}

/// The rules in force, as stored.
pub async fn fault_rules(state: &AppState) -> ApiResult<Vec<FaultRule>> {
    Ok(stored(state.opsstate.faults.store().fault_set().await)?.rules)
}

/// Removes a rule, out of force on this instance at once.
pub async fn remove_fault(state: &AppState, fault_id: &str) -> ApiResult<()> {
    let faults = &state.opsstate.faults;
    if !stored(faults.store().delete_fault(fault_id).await)? {
        return Err(ApiError::not_found(
            format!("No fault rule has the id '{fault_id}'"),
            "faultId",
        ));
    }
    stored(faults.reload().await)
}

#[utoipa::path(get, path = "/admin/v1/faults", operation_id = "adminListFaults",
    summary = "The fault rules in force",
    responses((status = 200, description = "value and totalCount", body = serde_json::Value)))]
pub(crate) async fn list_faults(state: &AppState) -> ApiResult<Response> {
    let rules = fault_rules(state).await?;
    let count = rules.len();
    Ok(Json(json!({"value": rules, "totalCount": count})).into_response())
}

#[utoipa::path(delete, path = "/admin/v1/faults/{fault_id}", operation_id = "adminDeleteFault",
    summary = "Removes a fault rule",
    responses((status = 204, description = "Removed")))]
pub(crate) async fn delete_fault(state: &AppState, fault_id: &str) -> ApiResult<Response> {
    remove_fault(state, fault_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn snapshots(state: &AppState) -> Snapshots<'_> {
    Snapshots {
        store: state.opsstate.faults.store().as_ref(),
        blobs: state.opsstate.blobs.as_ref(),
    }
}

impl From<SnapshotError> for ApiError {
    fn from(err: SnapshotError) -> Self {
        match err {
            SnapshotError::NotFound(_) => ApiError::not_found(err.to_string(), "name"),
            SnapshotError::Exists(_) => ApiError::new(
                StatusCode::CONFLICT,
                "InvalidState",
                err.to_string(),
                "name",
            ),
            SnapshotError::Store(err) => DomainError::from(err).into(),
            SnapshotError::Blobs(err) => {
                tracing::error!(error = %err, "snapshot: the blob store failed");
                internal()
            }
        }
    }
}

fn checked_name(name: &str) -> ApiResult<()> {
    if valid_snapshot_name(name) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            format!(
                "snapshot name '{name}' is not valid: use 1-64 letters, digits, '-', '_' and '.', not starting with '.'"
            ),
            "name",
        ))
    }
}

/// What changed under the caches: fault rules and zombies are reloaded, and the entries
/// waiting for the journal are kept (the reset's own request among them).
async fn refreshed(state: &AppState) -> ApiResult<()> {
    stored(state.opsstate.faults.reload().await)
}

#[utoipa::path(post, path = "/admin/v1/reset", operation_id = "adminReset",
    summary = "Returns storeroom to a fresh state, keeping the accounts and their keys",
    responses((status = 204, description = "Reset")))]
pub(crate) async fn reset(state: &AppState) -> ApiResult<Response> {
    reset_all(state).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Returns storeroom to a fresh state (accounts and keys kept).
pub async fn reset_all(state: &AppState) -> ApiResult<()> {
    snapshots(state).reset().await?;
    // Entries of requests answered before the reset go with the journal (the waiting ones
    // too); the reset's own request is journaled after it.
    stored(state.opsstate.journal.clear().await)?;
    refreshed(state).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewSnapshot {
    name: Option<String>,
}

#[utoipa::path(post, path = "/admin/v1/snapshots", operation_id = "adminSaveSnapshot",
    summary = "Saves everything (database rows and blobs) under a name",
    request_body(content = NewSnapshot),
    responses((status = 201, description = "The snapshot", body = serde_json::Value)))]
pub(crate) async fn save_snapshot(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let input: NewSnapshot = lenient::from_slice(&body?)?;
    let name = input
        .name
        .ok_or_else(|| ApiError::invalid("name is required", "name"))?;
    let info = snapshot_save(state, &name).await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// Saves everything under `name` (checked).
pub async fn snapshot_save(state: &AppState, name: &str) -> ApiResult<SnapshotInfo> {
    checked_name(name)?;
    Ok(snapshots(state).save(name, state.clock.now()).await?)
}

#[utoipa::path(get, path = "/admin/v1/snapshots", operation_id = "adminListSnapshots",
    summary = "The saved snapshots",
    responses((status = 200, description = "value and totalCount", body = serde_json::Value)))]
pub(crate) async fn list_snapshots(state: &AppState) -> ApiResult<Response> {
    let listed = snapshot_list(state).await?;
    let count = listed.len();
    Ok(Json(json!({"value": listed, "totalCount": count})).into_response())
}

/// The snapshots saved.
pub async fn snapshot_list(state: &AppState) -> ApiResult<Vec<SnapshotInfo>> {
    stored(state.opsstate.faults.store().snapshots().await)
}

#[utoipa::path(post, path = "/admin/v1/snapshots/{name}/restore", operation_id = "adminRestoreSnapshot",
    summary = "Restores a snapshot: the catalogue, accounts and blobs as they were saved",
    responses((status = 200, description = "The snapshot restored", body = serde_json::Value)))]
pub(crate) async fn restore_snapshot(state: &AppState, name: &str) -> ApiResult<Response> {
    Ok(Json(snapshot_restore(state, name).await?).into_response())
}

/// Puts everything back as the snapshot `name` saved it.
pub async fn snapshot_restore(state: &AppState, name: &str) -> ApiResult<SnapshotInfo> {
    checked_name(name)?;
    let info = snapshots(state).restore(name, state.clock.now()).await?;
    refreshed(state).await?;
    Ok(info)
}

#[utoipa::path(delete, path = "/admin/v1/snapshots/{name}", operation_id = "adminDeleteSnapshot",
    summary = "Deletes a snapshot",
    responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_snapshot(state: &AppState, name: &str) -> ApiResult<Response> {
    snapshot_delete(state, name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes the snapshot `name`.
pub async fn snapshot_delete(state: &AppState, name: &str) -> ApiResult<()> {
    checked_name(name)?;
    Ok(snapshots(state).delete(name).await?)
}
