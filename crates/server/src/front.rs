//! The front door: every request arrives here first.
//!
//! Blob requests are recognised by path or `Host` (storeroom serves every surface on one
//! listener, whatever name a client used) and go to the blob endpoint. Everything else has
//! its path's fixed words spelled as the matching route template spells them and a trailing
//! slash removed, as the real service tolerates (`/Commit`, `listflights/`), before routing
//! ([`crate::canonical`]). Unknown routes and methods answer in their surface's shape.
//!
//! The operator's endpoints (`/metrics`, `/healthz`, `/readyz`) are answered first. Every
//! request gets a correlation id ([`crate::correlation`]): its log lines are in a `request`
//! span carrying it, and its response carries it in the surface's correlation header. Every
//! request is counted and timed ([`crate::ops::Metrics`]) and logged once answered
//! ([`ACCESS_LOG`]).

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use storeroom_wire::devcenter::ErrorBody;
use tower::ServiceExt;
use tracing::Instrument;

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;

use crate::blob::{BlobAddress, BlobService};
use crate::correlation;
use crate::listen::Refusal;
use crate::ops::{self, Endpoint, Ops, RequestTimer};
use crate::state::AppState;
use crate::surface::{self, Surface};

/// The target of the access log: one line per request answered, at `info` (the operator's
/// endpoints, polled all day, at `debug`).
pub const ACCESS_LOG: &str = "storeroom_server::access";

#[derive(Clone)]
pub struct Front {
    pub state: AppState,
    pub api: axum::Router,
    pub ops: Arc<Ops>,
}

pub async fn dispatch(State(front): State<Front>, request: Request) -> Response {
    let id = correlation::fresh();
    let span = tracing::info_span!(
        "request",
        correlation_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    correlation::scope(id.clone(), serve(front, request, id).instrument(span)).await
}

async fn serve(front: Front, request: Request, id: Arc<str>) -> Response {
    let method = request.method().clone();
    let metrics = &front.ops.metrics;
    if let Some(endpoint) = Endpoint::of(&method, request.uri().path()) {
        let timer = metrics.request("ops");
        let response = front.ops.serve(endpoint).await;
        let status = response.status();
        let elapsed = timer.finish(&method, endpoint.path(), status);
        tracing::debug!(target: ACCESS_LOG, status = status.as_u16(), elapsed_ms = millis(elapsed), "request answered");
        return response;
    }
    if let Some(refusal) = request.extensions().get::<Arc<Refusal>>() {
        return refused(&front, refusal, &method, &id);
    }
    // Fault rules and the request journal (`crate::opsstate`), then the route.
    let destination = Destination::of(&front, &request);
    let routed = |request| route(&front, request, &destination, &id);
    crate::opsstate::around(&front, request, &destination, &id, routed).await
}

/// Where a request goes, worked out once for the fault rules, the journal and the routing.
pub struct Destination {
    /// The blob a request to the blob endpoint names (by its path or `Host`).
    pub blob: Option<BlobAddress>,
    /// The path as routed: fixed words spelled as the route's template, no trailing slash.
    pub path: String,
}

impl Destination {
    fn of(front: &Front, request: &Request) -> Self {
        Self {
            blob: front
                .state
                .blob
                .route(request.method(), request.uri(), request.headers()),
            path: normalize_path(request.uri().path()),
        }
    }
}

/// Routes a request to the blob endpoint or the surface its path names.
async fn route(front: &Front, request: Request, destination: &Destination, id: &str) -> Response {
    let method = request.method().clone();
    let metrics = &front.ops.metrics;
    let blob = &front.state.blob;
    if let Some(address) = &destination.blob {
        let timer = metrics.request("blob");
        let operation = BlobService::operation_label(&method, request.uri());
        let response = blob.handle(address.clone(), request).await;
        return answered(timer, &method, operation, response);
    }
    let request = routed_as(request, &destination.path);
    let surface = Surface::of(request.uri().path());
    let timer = metrics.request(surface.label());
    let path = request.uri().path().to_string();
    // What a surface's error body echoes of the request (AAD's client-request-id).
    let mut echoed = axum::http::HeaderMap::new();
    if let Some(id) = request.headers().get("client-request-id") {
        echoed.insert("client-request-id", id.clone());
    }
    let api = front.api.clone().oneshot(request);
    let clock = &front.state.clock;
    let response = guarded(surface, api, || (path, echoed.clone(), clock.now())).await;
    // Read before `uniform`, which may build a new response.
    let extensions = response.extensions();
    let operation = match extensions.get::<ops::Operation>() {
        Some(operation) => operation.0.clone(),
        None => extensions
            .get::<MatchedPath>()
            .map_or(ops::UNMATCHED.to_string(), |path| path.as_str().to_string()),
    };
    let response = surface.uniform(response, &echoed, clock.now()).await;
    let response = finish(surface, response, id);
    answered(timer, &method, &operation, response)
}

/// What every non-blob response gets last: the charset spelled out and the correlation id.
pub(crate) fn finish(surface: Surface, mut response: Response, id: &str) -> Response {
    // Clients of these APIs expect the charset spelled out, as Microsoft's services send it.
    let headers = response.headers_mut();
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/json")
    {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    // Every response, errors and unknown routes included, carries the request's correlation
    // id in its surface's header (Microsoft's devcenter samples read MS-CorrelationId from
    // every response). Responses that set one themselves set the same id.
    if surface::correlation_id(&response).is_empty()
        && let Ok(value) = HeaderValue::from_str(id)
    {
        response
            .headers_mut()
            .insert(surface.correlation_header(), value);
    }
    response
}

/// The answer to a request whose head was refused before routing (`listen::heads`): the
/// status hyper would have given, in the error shape of the surface its path and host name
/// (the blob endpoint's XML, or a JSON surface's; the devcenter's when neither can be read).
fn refused(front: &Front, refusal: &Refusal, method: &Method, id: &str) -> Response {
    let mut headers = axum::http::HeaderMap::new();
    if let Some(host) = refusal
        .host
        .as_deref()
        .and_then(|h| HeaderValue::from_str(h).ok())
    {
        headers.insert(header::HOST, host);
    }
    let uri = Uri::try_from(refusal.path.as_str()).unwrap_or_else(|_| Uri::from_static("/"));
    let metrics = &front.ops.metrics;
    let blob = &front.state.blob;
    if blob.route(method, &uri, &headers).is_some() {
        let timer = metrics.request("blob");
        let response = blob.refused(refusal.status, refusal.reason);
        return answered(timer, method, REFUSED, response);
    }
    let surface = Surface::of(&normalize_path(uri.path()));
    let timer = metrics.request(surface.label());
    let response = surface.refused(refusal.status, refusal.reason, front.state.clock.now());
    answered(timer, method, REFUSED, finish(surface, response, id))
}

/// The metrics' operation of a request refused before routing.
const REFUSED: &str = "refused before routing";

/// Records and logs an answered request.
fn answered(
    timer: RequestTimer<'_>,
    method: &Method,
    operation: &str,
    response: Response,
) -> Response {
    let status = response.status();
    let elapsed = timer.finish(method, operation, status);
    tracing::info!(
        target: ACCESS_LOG,
        status = status.as_u16(),
        operation,
        elapsed_ms = millis(elapsed),
        "request answered"
    );
    response
}

fn millis(elapsed: std::time::Duration) -> f64 {
    (elapsed.as_secs_f64() * 1e6).round() / 1e3
}

/// Copies the route template the router matched (`/v1.0/my/applications/{application_id}`)
/// onto the response: the `operation` of the request metrics, few values whatever the ids.
pub async fn remember_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response.extensions_mut().insert(matched);
    }
    response
}

/// Runs the router, turning a panic in a handler into the surface's 500 with a correlation
/// id that the error log line repeats: the connection is answered, not dropped, and the
/// process keeps serving. `context` gives the path, the request headers the surface echoes
/// and the time, only needed when it panicked.
pub(crate) async fn guarded(
    surface: Surface,
    api: impl Future<Output = Result<Response, Infallible>>,
    context: impl FnOnce() -> (String, axum::http::HeaderMap, DateTime<Utc>),
) -> Response {
    match AssertUnwindSafe(api).catch_unwind().await {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(panic) => {
            let (path, headers, now) = context();
            let response = surface.internal(&headers, now);
            tracing::error!(
                correlation_id = %surface::correlation_id(&response),
                %path,
                panic = %storeroom_domain::panics::message(panic.as_ref()),
                "request handler panicked"
            );
            response
        }
    }
}

/// `request` with its path spelled as routed (`path`, from [`normalize_path`]).
fn routed_as(mut request: Request, path: &str) -> Request {
    let uri = request.uri();
    if path != uri.path() {
        let path_and_query = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(value) = path_and_query.parse() {
            parts.path_and_query = Some(value);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

/// `path` as the router spells it: see [`crate::canonical`].
pub fn normalize_path(path: &str) -> String {
    crate::canonical::path(path)
}

/// JSON 404 for any path no surface serves.
pub async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody::new(
            "ResourceNotFound",
            format!("No resource is served at '{}'", uri.path()),
            "",
        )),
    )
        .into_response()
}

/// JSON 405 for a known path with a method it does not support.
pub async fn method_not_allowed(request: Request) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ErrorBody::new(
            "InvalidOperation",
            format!(
                "{} is not supported on '{}'",
                request.method(),
                request.uri().path()
            ),
            "",
        )),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn panicking() -> Result<Response, Infallible> {
        panic!("handler bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_its_surface_500() {
        for (surface, code_at) in [
            (Surface::Api, "/code"),
            (Surface::Msi, "/errors/0/code"),
            (Surface::Aad, "/error"),
        ] {
            let response = guarded(surface, panicking(), || {
                ("/x".into(), axum::http::HeaderMap::new(), Utc::now())
            })
            .await;
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert!(!surface::correlation_id(&response).is_empty());
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let code = body
                .pointer(code_at)
                .and_then(|c| c.as_str())
                .unwrap_or_default();
            assert!(
                ["InternalServerError", "internalservererror", "server_error"].contains(&code),
                "{surface:?}: {body}"
            );
        }
    }

    #[tokio::test]
    async fn a_panicking_dashboard_handler_answers_a_page() {
        let response = guarded(Surface::Dashboard, panicking(), || {
            (
                "/dashboard/x".into(),
                axum::http::HeaderMap::new(),
                Utc::now(),
            )
        })
        .await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!surface::correlation_id(&response).is_empty());
        let content_type = response.headers()[header::CONTENT_TYPE].clone();
        assert!(content_type.to_str().unwrap().starts_with("text/html"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("An internal server error occurred"), "{body}");
    }
}
