//! The request journal: the admin API's `GET /admin/v1/journal` as a page, filtered by a
//! GET form (the same filter and checks), newest first, each entry expandable to its
//! redacted bodies. The table follows live: re-read from the store whenever this instance
//! stores entries, and every [`super::live::EVERY`] for those other instances store.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use storeroom_domain::DomainError;
use storeroom_domain::opsstate::JournalEntry;
use storeroom_wire::dates;

use super::layout::shell;
use super::live;
use super::products::enc;
use super::session::Signed;
use crate::opsstate::journal::JournalFilter;
use crate::opsstate::routes::{journal_entries, journal_filter};
use crate::state::AppState;

pub const PATH: &str = "/dashboard/journal";

/// The filter form's fields, as the admin API names its query parameters.
const FIELDS: [&str; 4] = ["path", "status", "clientId", "limit"];

/// The query's filter fields that are filled in (an empty field filters nothing).
fn filled(query: &HashMap<String, String>) -> HashMap<String, String> {
    query
        .iter()
        .filter(|(key, value)| FIELDS.contains(&key.as_str()) && !value.trim().is_empty())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn events_link(query: &HashMap<String, String>) -> String {
    let mut link = format!("{PATH}/events?");
    for field in FIELDS {
        if let Some(value) = query.get(field) {
            link.push_str(&format!("{field}={}&", enc(value)));
        }
    }
    link.trim_end_matches(['&', '?']).to_string()
}

async fn rows(state: &AppState, filter: &JournalFilter) -> Result<Markup, DomainError> {
    let entries = journal_entries(state, filter)
        .await
        .map_err(|err| DomainError::Storage(err.body.message))?;
    Ok(table(&entries))
}

fn table(entries: &[JournalEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p.muted { "No requests match." }
        } @else {
            div.table-wrap { table #journal-table {
                thead { tr {
                    th scope="col" { "Time" } th.nw scope="col" { "Status" } th.nw scope="col" { "Method" }
                    th scope="col" { "Path" } th.optional.nw scope="col" { "Latency" }
                    th.optional scope="col" { "Client" } th.optional scope="col" { "Correlation id" }
                } }
                tbody { @for entry in entries { (row(entry)) } }
            } }
        }
    }
}

fn row(entry: &JournalEntry) -> Markup {
    let class = match entry.status {
        200..=399 => "status status-Published",
        _ => "status status-CommitFailed",
    };
    html! {
        tr.entry data-entry-id=(entry.id) {
            td { (dates::format_seconds(&entry.time)) }
            td.nw { span class=(class) { (entry.status) } }
            td.nw { (entry.method) }
            td {
                details id=(format!("entry-{}", entry.id)) {
                    summary { code.path { (entry.path) } }
                    @if let Some(fault) = &entry.fault_id {
                        p.hint { "Answered by fault rule " code { (fault) } }
                    }
                    h3 { "Request body" }
                    (body(entry.request_body.as_deref()))
                    h3 { "Response body" }
                    (body(entry.response_body.as_deref()))
                }
            }
            td.optional.nw { (format!("{:.1}", entry.latency_ms)) " ms" }
            td.optional { (entry.client_id.as_deref().unwrap_or("")) }
            td.optional { code { (entry.correlation_id) } }
        }
    }
}

fn body(text: Option<&str>) -> Markup {
    html! {
        @match text {
            Some(text) if !text.is_empty() => pre { (text) },
            _ => p.muted { "None." },
        }
    }
}

pub async fn page(signed: Signed, state: AppState, query: HashMap<String, String>) -> Response {
    let query = filled(&query);
    let value = |name: &str| query.get(name).cloned().unwrap_or_default();
    let (filter, error) = match journal_filter(&query) {
        Ok(filter) => (Some(filter), None),
        Err(err) => (None, Some(err.body)),
    };
    let error_of = |field: &str| {
        error
            .as_ref()
            .filter(|e| e.target == field)
            .map(|e| e.message.clone())
    };
    let field = |id: &str, name: &str, label: &str, kind: &str, hint: &str| {
        let error = error_of(name);
        let error_id = format!("{id}-error");
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) type=(kind) name=(name) value=(value(name)) placeholder=(hint)
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|_| error_id.as_str())];
                @if let Some(error) = &error { span.error id=(error_id) { (error) } }
            }
        }
    };
    let rows = match &filter {
        Some(filter) => match rows(&state, filter).await {
            Ok(rows) => rows,
            Err(err) => return super::layout::domain_error(err),
        },
        None => html! { p.muted { "Fix the filter to see requests." } },
    };
    let body = html! {
        section.card aria-labelledby="filter-h" {
            h2 #filter-h { "Filter" }
            form.inline #journal-filter method="get" action=(PATH) {
                (field("journal-path", "path", "Path", "text", "/v1.0/my/applications*"))
                (field("journal-status", "status", "Status", "number", "429"))
                (field("journal-client", "clientId", "Client id", "text", ""))
                (field("journal-limit", "limit", "Limit", "number", "100"))
                button type="submit" { "Filter" }
            }
            p.hint { "A path is a prefix, or a glob with * and ?. Requests to the dashboard are not journaled." }
        }
        @if filter.is_some() {
            section #journal aria-live="polite" data-live=(events_link(&query)) { (rows) }
        } @else {
            section #journal { (rows) }
        }
    };
    let mut response = shell(&signed, PATH, "Request journal", body);
    if error.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// `GET /dashboard/journal/events?…`: the table, as entries are stored.
pub async fn events(_: Signed, state: AppState, query: HashMap<String, String>) -> Response {
    let filter = match journal_filter(&filled(&query)) {
        Ok(filter) => filter,
        Err(err) => return crate::errors::ApiError::into_response(err),
    };
    let wake = state.opsstate.subscribe();
    live::region_woken(
        move || {
            let (state, filter) = (state.clone(), filter.clone());
            async move { rows(&state, &filter).await }
        },
        Some(wake),
    )
    .into_response()
}
