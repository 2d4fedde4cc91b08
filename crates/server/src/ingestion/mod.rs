//! The Partner Center ingestion API (`/v1.0/ingestion/…`, seed 003, partner-ingestion.md):
//! Azure Marketplace offers, their plans, modules, files and submissions.
//!
//! Modules, one job each: `operation` (method + path → the operation), `query` (query
//! parameters, `$filter`, `$skipToken`), `auth` (the caller's publisher account), `handlers`
//! (each operation: wire in, domain call, wire out), `render` (output shapes), `respond`
//! (status, headers and error bodies), `admin` (ours: offers, policies and decisions
//! under `/admin/v1/`), `files` (package processing, image probes,
//! reports) and `worker` (the `ingestion` queue's jobs). The rules live in
//! [`IngestionService`].

pub mod admin;
mod auth;
mod describe;
mod files;
mod handlers;
pub mod operation;
pub mod query;
mod render;
pub mod respond;
pub mod worker;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use serde_json::{Map, Value};
use storeroom_domain::ingestion::IngestionService;
use storeroom_ingest::ArchiveLimits;
use storeroom_storage::blobs::BlobStore;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;
use operation::Miss;
use respond::{field_data, service_error};

/// The route prefix; the front door matches it in any case ([`crate::canonical`]).
pub const PREFIX: &str = "/v1.0/ingestion";

/// Request bodies past this are refused (the largest real bodies, feature availabilities
/// with every market and price schedule, are tens of KiB).
const MAX_BODY: usize = 4 << 20;

/// What the ingestion handlers need beyond the shared state.
pub struct IngestionState {
    pub service: IngestionService,
    /// Where uploaded packages, media and reports are.
    pub blobs: Arc<dyn BlobStore>,
    /// Applied to package archives.
    pub limits: ArchiveLimits,
}

/// The `ingestion` queue's jobs for `state`.
pub fn jobs(state: &IngestionState) -> worker::OfferJobs {
    worker::OfferJobs {
        service: state.service.clone(),
        blobs: state.blobs.clone(),
    }
}

/// One catch-all route: [`dispatch`] decodes the operation, and [`describe`] documents
/// each one from the same table of paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(describe::document())
        .route(PREFIX, any(dispatch))
        .route(&format!("{PREFIX}/{{*rest}}"), any(dispatch))
        .merge(admin::routes())
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let response = serve(&state, request).await;
    respond::finish(response, &headers, state.clock.now())
}

async fn serve(state: &AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The gateway refuses a bad token before the service routes anything.
    let seller = match auth::caller(state, &parts).await {
        Ok(seller) => seller,
        Err(response) => return response,
    };
    let path = parts.uri.path().to_string();
    let rest = path.get(PREFIX.len()..).unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let op = match operation::decode(&parts.method, &segments) {
        Ok(op) => op,
        Err(Miss::NotFound) => {
            return service_error(
                StatusCode::NOT_FOUND,
                field_data("Path", &format!("No resource is served at '{path}'")),
            );
        }
        Err(Miss::MethodNotAllowed(allowed)) => {
            return respond::method_not_allowed(&parts.method, &allowed);
        }
        Err(Miss::BadSegment(message)) => {
            return service_error(StatusCode::BAD_REQUEST, field_data("Path", &message));
        }
    };
    let body = match read_body(&parts.method, body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let call = handlers::Call {
        state,
        seller: &seller,
        query: query::Query::parse(parts.uri.query()),
        body,
        if_match: if_match(&parts.headers),
    };
    // The operation's name (`CreateSubmission`) labels the request metrics: this API routes
    // its paths itself, so the router's one template would name them all.
    let label = format!("{op:?}");
    let label = label.split('(').next().unwrap_or_default().to_string();
    let mut response = handlers::execute(call, op)
        .await
        .unwrap_or_else(respond::failure);
    response
        .extensions_mut()
        .insert(crate::ops::Operation(label));
    response
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The JSON object of a POST or PUT, whatever `Content-Type` says (§1.3); an empty body is
/// an empty object. Bodies of other methods are ignored.
async fn read_body(
    method: &Method,
    body: axum::body::Body,
) -> Result<Map<String, Value>, Response> {
    if !matches!(*method, Method::POST | Method::PUT) {
        return Ok(Map::new());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        service_error(
            StatusCode::BAD_REQUEST,
            field_data(
                "Body",
                &format!("The request body is unreadable or larger than {MAX_BODY} bytes"),
            ),
        )
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(service_error(
            StatusCode::BAD_REQUEST,
            field_data("Body", "The request body must be a JSON object"),
        )),
        Err(err) => Err(service_error(
            StatusCode::BAD_REQUEST,
            field_data(
                "Body",
                &format!("The request body is not valid JSON: {err}"),
            ),
        )),
    }
}
