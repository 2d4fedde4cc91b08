//! What storeroom offers the people operating it around the APIs (issue 12): the request
//! journal ([`journal`]), fault rules ([`faults`], answered by [`failure`]), and reset and
//! snapshots ([`snapshots`]), with their admin operations ([`routes`], served by the admin
//! API's dispatcher).
//!
//! [`around`] is the one hook in the front door: every request to the APIs and the blob
//! endpoint passes through it after the operator's endpoints (`/metrics`, `/healthz`,
//! `/readyz`) and before routing. It picks the fault rule that applies (never to
//! `/admin/...` or `/dashboard/...`, so a test can always remove its rules), and journals
//! the request once answered (not `/dashboard/...`, nor the journal's own route).

mod capture;
pub mod failure;
pub mod faults;
pub mod journal;
mod redact;
pub mod routes;
pub mod snapshots;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use metrics::Recorder;
use storeroom_domain::opsstate::{FaultRule, JournalBounds, JournalEntry, JournalStore, OpsStore};
use storeroom_domain::store::StoreResult;
use storeroom_storage::blobs::BlobStore;
use tokio::sync::broadcast;

use crate::front::{self, Destination, Front};
use crate::surface::{self, Surface};
use capture::Captured;
use failure::Target;
use faults::Faults;
use journal::{Exchange, Journal};

/// The journal, the fault rules and the blob store snapshots copy.
pub struct OpsState {
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    pub blobs: Arc<dyn BlobStore>,
}

impl OpsState {
    /// Loads the fault rules.
    pub async fn load(
        store: Arc<dyn OpsStore>,
        journal: Arc<dyn JournalStore>,
        blobs: Arc<dyn BlobStore>,
        bounds: JournalBounds,
        recorder: Arc<dyn Recorder + Send + Sync>,
    ) -> StoreResult<Self> {
        let faults = Arc::new(Faults::new(store.clone(), recorder.clone()));
        faults.reload().await?;
        Ok(Self {
            journal: Arc::new(Journal::new(journal, bounds, recorder)),
            faults,
            blobs,
        })
    }

    /// The journal entries this instance stores from now on, as they are stored: the
    /// dashboard's live view.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<JournalEntry>> {
        self.journal.subscribe()
    }

    /// The background work: journal flushes, and on a shared database following the rule
    /// changes of other instances. Never returns.
    pub async fn run(self: Arc<Self>, shared: bool) {
        let flush = self.journal.clone().run();
        let follow = async {
            if shared {
                self.faults.clone().follow().await;
            }
        };
        tokio::join!(flush, follow);
    }
}

/// Where a request is going, as the hook needs to know it.
struct Seen {
    method: Method,
    /// The path as routed (fixed words spelled as the route's template, no trailing slash).
    path: String,
    blob: bool,
    /// `/admin/...` and `/dashboard/...`: no fault applies.
    operator: bool,
    journaled: bool,
}

impl Seen {
    fn of(front: &Front, request: &Request, destination: &Destination) -> Self {
        let path = destination.path.clone();
        let blob = destination.blob.is_some();
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        let dashboard = !blob && under("/dashboard");
        let journal_route = !blob && path == routes::JOURNAL_ROUTE;
        Self {
            operator: !blob && (under("/admin") || dashboard),
            journaled: front.state.opsstate.journal.enabled() && !dashboard && !journal_route,
            method: request.method().clone(),
            path,
            blob,
        }
    }
}

/// Serves `request` through `route` (the rest of the front door), applying the fault rule
/// that matches and journaling the exchange.
pub async fn around<F, Fut>(
    front: &Front,
    request: Request,
    destination: &Destination,
    id: &str,
    route: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let ops = front.state.opsstate.clone();
    let started = Instant::now();
    let time = front.state.clock.now();
    let seen = Seen::of(front, &request, destination);
    let names_clients = !seen.operator && ops.faults.names_clients();
    let (request, request_body) = if seen.journaled || names_clients {
        capture::request(request).await
    } else {
        (request, Captured::Empty)
    };
    let token_client = (seen.journaled || names_clients)
        .then(|| {
            ops.journal
                .tokens
                .client_of(request.headers().get(header::AUTHORIZATION))
        })
        .flatten();
    // A token request's client (in its form) is read now only when a rule needs it, else
    // at the flush.
    let rule_client = names_clients
        .then(|| request_body.client_named(token_client.as_deref()))
        .flatten();
    let rule = if seen.operator {
        None
    } else {
        ops.faults
            .pick(seen.method.as_str(), &seen.path, rule_client.as_deref())
            .await
    };
    let path_and_query = seen.journaled.then(|| {
        request.uri().path_and_query().map_or_else(
            || request.uri().path().to_string(),
            |p| p.as_str().to_string(),
        )
    });
    let response = match &rule {
        Some(rule) => faulted(front, &seen, rule, request, id, route).await,
        None => match faults::updated_submission(seen.method.as_str(), &seen.path) {
            Some(submission) if !seen.blob && ops.faults.is_zombie(submission) => {
                zombie_update(request, route).await
            }
            _ => route(request).await,
        },
    };
    let Some(path_and_query) = path_and_query else {
        return response;
    };
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let (response, response_body) = capture::response(response).await;
    let correlation_id = match surface::correlation_id(&response) {
        found if found.is_empty() => id.to_string(),
        found => found,
    };
    ops.journal.record(Exchange {
        time,
        client_id: token_client,
        method: seen.method,
        path_and_query,
        status,
        latency_ms: (latency.as_secs_f64() * 1e6).round() / 1e3,
        correlation_id,
        request_body,
        response_body,
        fault_id: rule.map(|rule| rule.id),
    });
    response
}

/// A request a fault rule matched: delayed, then failed (after doing its work, for
/// `afterSideEffect` and zombie creates), or served when the rule only delays.
async fn faulted<F, Fut>(
    front: &Front,
    seen: &Seen,
    rule: &FaultRule,
    request: Request,
    id: &str,
    route: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let faults = &front.state.opsstate.faults;
    let status = rule
        .status
        .or(rule.zombie.then_some(500))
        .and_then(|status| StatusCode::from_u16(status).ok());
    faults.count(status.map(|status| status.as_u16()));
    if let Some(delay) = rule.delay_ms {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let Some(status) = status else {
        return route(request).await;
    };
    let (method, headers) = (request.method().clone(), request.headers().clone());
    if rule.zombie && !seen.blob && faults::is_submission_create(method.as_str(), &seen.path) {
        let created = route(request).await;
        zombify(faults, created).await;
    } else if rule.after_side_effect {
        // The work is done once the handler has answered; its answer is dropped.
        drop(route(request).await);
    }
    let target = if seen.blob {
        Target::Blob
    } else {
        Target::Api(Surface::of(&seen.path))
    };
    let state = &front.state;
    let response = failure::respond(
        rule,
        status,
        target,
        &state.blob,
        (&method, &headers),
        state.clock.now(),
    );
    match target {
        Target::Blob => response,
        Target::Api(surface) => front::finish(surface, response, id),
    }
}

/// Marks the submission a create made (its 201 body's `id`) a zombie.
async fn zombify(faults: &Faults, created: Response) {
    if created.status() != StatusCode::CREATED {
        return;
    }
    let body = axum::body::to_bytes(created.into_body(), 16 << 20).await;
    let id = body
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|body| body.get("id")?.as_str().map(str::to_string));
    match id {
        Some(id) => {
            if let Err(err) = faults.add_zombie(&id).await {
                tracing::warn!(error = %err, submission = %id, "cannot mark a zombie submission");
            }
        }
        None => tracing::warn!("a zombie create answered 201 without a submission id"),
    }
}

/// A PUT of a zombie submission: answered 200 with the submission as it is, storing
/// nothing (the body is read and dropped).
async fn zombie_update<F, Fut>(request: Request, route: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let (mut parts, body) = request.into_parts();
    let _ = axum::body::to_bytes(body, 16 << 20).await;
    parts.method = Method::GET;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    route(Request::from_parts(parts, Body::empty())).await
}
