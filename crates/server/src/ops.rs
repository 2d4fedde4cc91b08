//! Operating a server: Prometheus metrics at `GET /metrics`, liveness at `GET /healthz`
//! and readiness at `GET /readyz`. The front door answers these three paths before any
//! surface routes (no API path is a single segment of these names), and without a token:
//! orchestrators and scrapers call them.
//!
//! Metrics live in a recorder of this server's own (not a process-global one), so that
//! servers sharing a process (the tests) count apart. Counters and histograms are recorded
//! as things happen (the front door, the job runner, the blob endpoint); the counts the
//! database holds (waiting jobs, submissions by state) are read at each scrape.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics::Recorder;
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use serde_json::json;
use storeroom_domain::Clock;
use storeroom_domain::store::Store;
use storeroom_ingest::runner;
use storeroom_storage::Database;
use storeroom_storage::blobs::BlobStore;
use storeroom_storage::sql::Tallies;

/// Counter: requests answered, by `surface`, `method`, `operation` and `status`.
pub const REQUESTS: &str = "storeroom_http_requests_total";
/// Histogram: time to answer a request (until the response head), by `surface`, `method`
/// and `operation`.
pub const REQUEST_SECONDS: &str = "storeroom_http_request_duration_seconds";
/// Gauge: requests being served now, by `surface`.
pub const IN_FLIGHT: &str = "storeroom_http_requests_in_flight";
/// Gauge, read from the database at each scrape: stored submissions by `api` and `state`.
pub const SUBMISSIONS: &str = "storeroom_submissions";
/// Gauge, read from the database at each scrape: jobs waiting to run by `queue` (due or
/// not, and not leased to a runner). On a shared database, every instance's.
pub const JOBS_QUEUED: &str = "storeroom_jobs_queued";

/// `operation` of a request no route matched (an unknown path answered 404).
pub const UNMATCHED: &str = "unmatched";

/// A response extension naming the request's `operation` where the route template would not
/// (the ingestion API, which routes below one template itself).
#[derive(Debug, Clone)]
pub struct Operation(pub String);

const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
const STEP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];
/// How long `/readyz` waits for each dependency before calling it unreachable.
const READY_WAIT: Duration = Duration::from_secs(2);
/// How often histogram samples are folded into their buckets between scrapes, which keeps
/// their memory bounded when nobody scrapes.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The server's metrics.
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// Queues and (api, state) pairs reported before: shown as 0 once the database has
    /// none, rather than keeping their last count.
    queues: Mutex<BTreeSet<String>>,
    states: Mutex<BTreeSet<(String, String)>>,
    handles: RequestHandles,
}

/// The metrics every request records, by their labels. Found by its labels, a metric's key
/// is built (label strings allocated and hashed) and looked up in the registry each time:
/// a few percent of a polled GET. Kept here once made; the labels are few (surfaces, route
/// templates, statuses).
#[derive(Default)]
struct RequestHandles {
    in_flight: Kept<&'static str, metrics::Gauge>,
    answered: Kept<AnsweredLabels, Arc<Kept<Box<str>, Answered>>>,
}

/// `surface`, `method` and `status` of an answered request (its `operation` keys a map of
/// its own, so that a lookup borrows it).
type AnsweredLabels = (&'static str, &'static str, u16);

/// Values made once per key and kept: found under a read lock, made (outside any lock) only
/// the first time a key is seen.
struct Kept<K, V>(RwLock<HashMap<K, V>>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self(RwLock::default())
    }
}

impl<K: Hash + Eq, V: Clone> Kept<K, V> {
    /// `key`'s value; the first time, `make` gives the key to keep and its value (when two
    /// threads make one at once, the first kept wins and both answer it).
    fn get_or_make<Q>(&self, key: &Q, make: impl FnOnce() -> (K, V)) -> V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(value) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(key) {
            return value.clone();
        }
        let (key, value) = make();
        let mut kept = self.0.write().unwrap_or_else(|p| p.into_inner());
        kept.entry(key).or_insert(value).clone()
    }
}

/// An answered request's count (by status) and duration (not by status).
#[derive(Clone)]
struct Answered {
    count: metrics::Counter,
    seconds: metrics::Histogram,
}

impl Metrics {
    /// A fresh recorder; `queues` are shown (at 0) before any job ran on them.
    pub fn new(queues: &[&str]) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), REQUEST_BUCKETS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(runner::STEP_SECONDS.into()),
                    STEP_BUCKETS,
                )
            })
            .expect("the bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::describe_counter!(REQUESTS, "Requests answered");
            metrics::describe_histogram!(
                REQUEST_SECONDS,
                metrics::Unit::Seconds,
                "Time to answer a request, until the response head"
            );
            metrics::describe_gauge!(IN_FLIGHT, "Requests being served now");
            metrics::describe_gauge!(SUBMISSIONS, "Stored submissions by API and state");
            metrics::describe_gauge!(
                JOBS_QUEUED,
                "Pipeline jobs waiting to run (due or not, not leased to a runner)"
            );
        });
        Self {
            recorder: Arc::new(recorder),
            handle,
            queues: Mutex::new(queues.iter().map(|queue| queue.to_string()).collect()),
            states: Mutex::default(),
            handles: RequestHandles::default(),
        }
    }

    /// The recorder, for the parts of the server that record into it.
    pub fn recorder(&self) -> Arc<dyn Recorder + Send + Sync> {
        self.recorder.clone()
    }

    /// Starts timing a request of `surface` (a [`crate::surface::Surface`] label, `blob`
    /// or `ops`), counted in flight until the timer is finished or dropped.
    pub fn request(&self, surface: &'static str) -> RequestTimer<'_> {
        let in_flight = self.in_flight(surface);
        in_flight.increment(1);
        RequestTimer {
            metrics: self,
            surface,
            started: Instant::now(),
            in_flight,
        }
    }

    /// Folds histogram samples into their buckets (see [`UPKEEP_EVERY`]).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The Prometheus text exposition, with the database's counts as of `tallies`.
    pub fn render(&self, tallies: Option<&Tallies>) -> String {
        if let Some(tallies) = tallies {
            self.set_tallies(tallies);
        }
        self.handle.render()
    }

    fn set_tallies(&self, tallies: &Tallies) {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues.extend(tallies.waiting_jobs.iter().map(|(queue, _)| queue.clone()));
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.extend(
            tallies
                .submissions
                .iter()
                .map(|(api, state, _)| (api.clone(), state.clone())),
        );
        self.with(|| {
            for queue in queues.iter() {
                let waiting = tallies
                    .waiting_jobs
                    .iter()
                    .find(|(name, _)| name == queue)
                    .map_or(0, |(_, count)| *count);
                metrics::gauge!(JOBS_QUEUED, "queue" => queue.clone()).set(waiting as f64);
            }
            for (api, state) in states.iter() {
                let count = tallies
                    .submissions
                    .iter()
                    .find(|(a, s, _)| a == api && s == state)
                    .map_or(0, |(_, _, count)| *count);
                metrics::gauge!(SUBMISSIONS, "api" => api.clone(), "state" => state.clone())
                    .set(count as f64);
            }
        });
    }

    fn with<T>(&self, record: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), record)
    }

    fn in_flight(&self, surface: &'static str) -> metrics::Gauge {
        self.handles.in_flight.get_or_make(surface, || {
            let gauge = self.with(|| metrics::gauge!(IN_FLIGHT, "surface" => surface));
            (surface, gauge)
        })
    }

    fn answered(&self, labels: AnsweredLabels, operation: &str) -> Answered {
        let by_operation = self
            .handles
            .answered
            .get_or_make(&labels, || (labels, Arc::default()));
        by_operation.get_or_make(operation, || {
            let (surface, method, status) = labels;
            let answered = self.with(|| Answered {
                count: metrics::counter!(REQUESTS, "surface" => surface, "method" => method,
                    "operation" => operation.to_string(), "status" => status.to_string()),
                seconds: metrics::histogram!(REQUEST_SECONDS, "surface" => surface,
                    "method" => method, "operation" => operation.to_string()),
            });
            (operation.into(), answered)
        })
    }
}

/// A request being served (see [`Metrics::request`]).
pub struct RequestTimer<'a> {
    metrics: &'a Metrics,
    surface: &'static str,
    started: Instant,
    in_flight: metrics::Gauge,
}

impl RequestTimer<'_> {
    /// Records the answered request; returns how long it took.
    pub fn finish(self, method: &Method, operation: &str, status: StatusCode) -> Duration {
        let elapsed = self.started.elapsed();
        let labels = (self.surface, method_label(method), status.as_u16());
        let answered = self.metrics.answered(labels, operation);
        answered.count.increment(1);
        answered.seconds.record(elapsed.as_secs_f64());
        elapsed
    }
}

impl Drop for RequestTimer<'_> {
    fn drop(&mut self) {
        self.in_flight.decrement(1);
    }
}

/// A method as a label: the standard ones by name, any other as `other` (methods are the
/// client's to invent, labels must stay few).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The operator's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Metrics,
    Health,
    Ready,
}

impl Endpoint {
    /// The endpoint a request is for (GET or HEAD of its exact path), if any.
    pub fn of(method: &Method, path: &str) -> Option<Self> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        match path {
            "/metrics" => Some(Self::Metrics),
            "/healthz" => Some(Self::Health),
            "/readyz" => Some(Self::Ready),
            _ => None,
        }
    }

    /// The endpoint's path, as the `operation` label of its requests.
    pub fn path(self) -> &'static str {
        match self {
            Self::Metrics => "/metrics",
            Self::Health => "/healthz",
            Self::Ready => "/readyz",
        }
    }
}

/// What the operator's endpoints look at.
pub struct Ops {
    pub metrics: Arc<Metrics>,
    pub database: Database,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<Clock>,
}

impl Ops {
    pub async fn serve(&self, endpoint: Endpoint) -> Response {
        match endpoint {
            Endpoint::Health => Json(json!({"status": "ok"})).into_response(),
            Endpoint::Ready => self.ready().await,
            Endpoint::Metrics => self.scrape().await,
        }
    }

    async fn scrape(&self) -> Response {
        // Without the database's counts the rest is still worth a scrape: those keep their
        // last values, and /readyz tells what is wrong.
        let tallies = within(async {
            self.database
                .tallies(self.clock.now())
                .await
                .map_err(|err| err.to_string())
        })
        .await
        .inspect_err(
            |err| tracing::warn!(error = %err, "metrics: cannot count jobs and submissions"),
        )
        .ok();
        let mut response = self.metrics.render(tallies.as_ref()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        response
    }

    /// 200 when the database answers a read and the blob store a lookup (of a setting and
    /// a blob that do not exist), each within [`READY_WAIT`]; otherwise 503 with what
    /// failed.
    async fn ready(&self) -> Response {
        let database = async {
            self.store
                .setting("readiness_probe")
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        };
        let blobs = async {
            self.blobs
                .blob_meta("storeroom-readiness-probe", "probe")
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        };
        let (database, blobs) = tokio::join!(within(database), within(blobs));
        let ready = database.is_ok() && blobs.is_ok();
        let verdict = |check: Result<(), String>| match check {
            Ok(()) => "ok".to_string(),
            Err(reason) => reason,
        };
        let body = json!({
            "status": if ready { "ready" } else { "unavailable" },
            "checks": {"database": verdict(database), "blobs": verdict(blobs)},
        });
        let status = if ready {
            StatusCode::OK
        } else {
            tracing::warn!(checks = %body["checks"], "not ready");
            StatusCode::SERVICE_UNAVAILABLE
        };
        (status, Json(body)).into_response()
    }
}

/// `check`, or why it failed: its error, or that it did not answer within [`READY_WAIT`].
async fn within<T>(check: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(READY_WAIT, check)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {READY_WAIT:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrape_time_gauges_fall_to_zero_when_the_database_has_none() {
        let metrics = Metrics::new(&["devcenter"]);
        let tallies = Tallies {
            waiting_jobs: vec![("msi".into(), 2)],
            submissions: vec![("devcenter".into(), "CommitStarted".into(), 3)],
        };
        let text = metrics.render(Some(&tallies));
        assert!(
            text.contains("storeroom_jobs_queued{queue=\"devcenter\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("storeroom_jobs_queued{queue=\"msi\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("storeroom_submissions{api=\"devcenter\",state=\"CommitStarted\"} 3"),
            "{text}"
        );
        let text = metrics.render(Some(&Tallies::default()));
        assert!(
            text.contains("storeroom_jobs_queued{queue=\"msi\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("storeroom_submissions{api=\"devcenter\",state=\"CommitStarted\"} 0"),
            "{text}"
        );
    }

    #[test]
    fn a_request_is_counted_timed_and_in_flight_until_finished() {
        let metrics = Metrics::new(&[]);
        let timer = metrics.request("api");
        assert!(
            metrics
                .render(None)
                .contains("storeroom_http_requests_in_flight{surface=\"api\"} 1")
        );
        timer.finish(&Method::GET, "/v1.0/my/applications", StatusCode::OK);
        drop(metrics.request("api"));
        let text = metrics.render(None);
        assert!(
            text.contains("storeroom_http_requests_in_flight{surface=\"api\"} 0"),
            "{text}"
        );
        assert!(
            text.contains(
                "storeroom_http_requests_total{surface=\"api\",method=\"GET\",operation=\"/v1.0/my/applications\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "storeroom_http_request_duration_seconds_count{surface=\"api\",method=\"GET\",operation=\"/v1.0/my/applications\"} 1"
            ),
            "{text}"
        );
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
