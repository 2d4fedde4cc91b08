//! The request journal: exchanges are buffered in memory as requests are answered, as they
//! were captured (no redaction, serialization or database write on a request's path),
//! turned into entries and stored in batches by a thread of its own, which also trims the
//! stored journal to its bounds, and read back newest first by the admin API. Each flush
//! announces the entries it stored on a broadcast channel, for live views.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::http::Method;
use chrono::{DateTime, Utc};
use metrics::Recorder;
pub use storeroom_domain::opsstate::JournalBounds;
use storeroom_domain::opsstate::{Glob, JournalEntry, JournalStore};
use storeroom_domain::store::{StoreError, StoreResult};
use tokio::sync::broadcast;

use super::capture::{Captured, KeptBodies, TokenClients};
use super::redact;

/// Counter: journal entries stored.
pub const WRITTEN: &str = "storeroom_journal_entries_written_total";
/// Counter: journal entries lost (the buffer was full, or a flush failed) or trimmed to
/// the bounds, by `reason` (`overflow`, `failed`, `trimmed`).
pub const DROPPED: &str = "storeroom_journal_entries_dropped_total";

/// Entries waiting for a flush, at most, and the bytes of body they may hold: beyond, the
/// oldest are dropped (and counted).
const BUFFER: usize = 4096;
const BUFFER_BYTES: usize = 32 << 20;
/// A flush starts once this many entries wait, else every [`FLUSH_EVERY`]. Small and often:
/// a flush's redaction and insert are a burst of CPU beside the requests, and at 256 entries
/// every 250 ms those bursts made the slowest PUTs (51 KiB at 16 connections, p99 51 ms) and
/// polled GETs (64 connections, p99 8.5 ms) wait; at 32 every 50 ms, 34 ms and 6.3 ms, with
/// more of both answered (bench/RESULTS.md, 2026-12-04 evening).
const BATCH: usize = 32;
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Entries read from the store at a time while filtering by path.
const PAGE: u32 = 500;
/// Live subscribers that fall this far behind miss entries (they are told how many).
const LIVE: usize = 1024;

/// Defaults of `--journal-max-entries` and `--journal-max-bytes`.
pub const DEFAULT_BOUNDS: JournalBounds = JournalBounds {
    max_entries: 10_000,
    max_bytes: 64 << 20,
};

/// What the admin API filters the journal by.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub limit: u32,
    /// A path prefix, or a glob when it has `*` or `?` (matched against the path without
    /// its query); ASCII case-insensitive either way.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub client_id: Option<String>,
}

/// An answered request waiting for the flush, as its path captured it.
pub struct Exchange {
    pub time: DateTime<Utc>,
    /// The client its bearer token names (see [`TokenClients`]); else, for a token
    /// request, its form's `client_id`, read at the flush.
    pub client_id: Option<Arc<str>>,
    pub method: Method,
    pub path_and_query: String,
    pub status: u16,
    pub latency_ms: f64,
    pub correlation_id: String,
    pub request_body: Captured,
    pub response_body: Captured,
    pub fault_id: Option<String>,
}

impl Exchange {
    fn weight(&self) -> usize {
        self.request_body.weight() + self.response_body.weight()
    }

    /// The entry as stored: client named, query and bodies redacted, bodies cut (`bodies`:
    /// those of the same batch already kept).
    fn entry(self, bodies: &mut KeptBodies) -> JournalEntry {
        let client_id = self.request_body.client_named(self.client_id.as_deref());
        JournalEntry {
            id: 0,
            time: self.time,
            client_id,
            method: self.method.to_string(),
            path: redact::path_and_query(&self.path_and_query),
            status: self.status,
            latency_ms: self.latency_ms,
            correlation_id: self.correlation_id,
            request_body: self.request_body.kept(bodies),
            response_body: self.response_body.kept(bodies),
            fault_id: self.fault_id,
        }
    }
}

/// Turns a flush's exchanges into entries, each body redacted once per flush.
fn prepare(exchanges: VecDeque<Exchange>) -> Vec<JournalEntry> {
    let mut bodies = KeptBodies::default();
    exchanges
        .into_iter()
        .map(|exchange| exchange.entry(&mut bodies))
        .collect()
}

/// Stops the journal's thread when [`Journal::run`] is dropped (the server stopped).
struct StopThread {
    stopped: Arc<AtomicBool>,
    journal: Arc<Journal>,
}

impl Drop for StopThread {
    fn drop(&mut self) {
        let _waiting = self.journal.waiting();
        self.stopped.store(true, Ordering::Release);
        self.journal.batch.notify_all();
    }
}

/// The exchanges waiting for a flush, and the bytes of body they hold.
#[derive(Default)]
struct Waiting {
    exchanges: VecDeque<Exchange>,
    bytes: usize,
}

pub struct Journal {
    store: Arc<dyn JournalStore>,
    bounds: JournalBounds,
    buffer: Mutex<Waiting>,
    /// Signalled when a batch is waiting (and when the journal's thread is to stop).
    batch: Condvar,
    /// One flush at a time, so entries are stored in the order they were answered.
    flushing: tokio::sync::Mutex<()>,
    live: broadcast::Sender<Arc<JournalEntry>>,
    recorder: Arc<dyn Recorder + Send + Sync>,
    /// The clients of the tokens requests carry.
    pub tokens: TokenClients,
}

impl Journal {
    pub fn new(
        store: Arc<dyn JournalStore>,
        bounds: JournalBounds,
        recorder: Arc<dyn Recorder + Send + Sync>,
    ) -> Self {
        metrics::with_local_recorder(recorder.as_ref(), || {
            metrics::describe_counter!(WRITTEN, "Request journal entries stored");
            metrics::describe_counter!(
                DROPPED,
                "Request journal entries lost (buffer overflow, failed flush) or trimmed to the bounds"
            );
        });
        Self {
            store,
            bounds,
            buffer: Mutex::default(),
            batch: Condvar::new(),
            flushing: tokio::sync::Mutex::new(()),
            live: broadcast::channel(LIVE).0,
            recorder,
            tokens: TokenClients::default(),
        }
    }

    /// Whether requests are journaled at all (`--journal-max-entries 0` turns it off).
    pub fn enabled(&self) -> bool {
        self.bounds.max_entries > 0 && self.bounds.max_bytes > 0
    }

    /// Queues an answered request for the next flush.
    pub fn record(&self, exchange: Exchange) {
        let waiting = {
            let mut buffer = self.waiting();
            buffer.bytes += exchange.weight();
            buffer.exchanges.push_back(exchange);
            while buffer.exchanges.len() > BUFFER || buffer.bytes > BUFFER_BYTES {
                let Some(oldest) = buffer.exchanges.pop_front() else {
                    break;
                };
                buffer.bytes -= oldest.weight();
                self.count(DROPPED, "overflow", 1);
            }
            buffer.exchanges.len()
        };
        if waiting == BATCH {
            self.batch.notify_one();
        }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entries this instance stores from now on, as they are stored (with their ids).
    /// Entries of other instances sharing the database are read with [`Journal::query`].
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<JournalEntry>> {
        self.live.subscribe()
    }

    /// Stores the buffered entries and trims the journal to its bounds.
    pub async fn flush(&self) -> StoreResult<()> {
        // Redacting and serializing bodies is CPU work: on a blocking thread, so that the
        // runtime's workers go on answering requests meanwhile.
        self.flush_with(|exchanges| async move {
            tokio::task::spawn_blocking(move || prepare(exchanges))
                .await
                .map_err(|err| StoreError::failed(format!("journal entries not prepared: {err}")))
        })
        .await
    }

    /// [`Journal::flush`] on the journal's own thread, which prepares the entries itself.
    async fn flush_here(&self) -> StoreResult<()> {
        self.flush_with(|exchanges| async move { Ok(prepare(exchanges)) })
            .await
    }

    /// Takes the waiting exchanges, has `prepare` turn them into entries and stores them;
    /// one flush at a time, so entries are stored in the order they were answered.
    async fn flush_with<F, Fut>(&self, prepare: F) -> StoreResult<()>
    where
        F: FnOnce(VecDeque<Exchange>) -> Fut,
        Fut: Future<Output = StoreResult<Vec<JournalEntry>>>,
    {
        let _turn = self.flushing.lock().await;
        let exchanges = std::mem::take(&mut *self.waiting()).exchanges;
        if exchanges.is_empty() {
            return Ok(());
        }
        let entries = prepare(exchanges).await?;
        self.store_entries(entries).await
    }

    async fn store_entries(&self, entries: Vec<JournalEntry>) -> StoreResult<()> {
        match self.store.append_journal(&entries, self.bounds).await {
            Ok(appended) => {
                self.count(WRITTEN, "", entries.len() as u64);
                self.count(DROPPED, "trimmed", appended.trimmed);
                for (mut entry, id) in entries.into_iter().zip(appended.ids) {
                    entry.id = id;
                    let _ = self.live.send(Arc::new(entry));
                }
                Ok(())
            }
            Err(err) => {
                self.count(DROPPED, "failed", entries.len() as u64);
                Err(err)
            }
        }
    }

    /// Flushes whenever a batch is waiting, and at least every [`FLUSH_EVERY`], on a thread
    /// of its own; never returns (it runs with the server's background tasks), and the
    /// thread ends when this future is dropped.
    ///
    /// Not on the runtime's workers: a flush every few milliseconds there (a busy server
    /// fills a batch that fast) handed the worker's other tasks to another thread and back
    /// each time (SQLite runs in `block_in_place`), and the requests waiting behind it made
    /// the slow tail of every route.
    pub async fn run(self: Arc<Self>) {
        let runtime = tokio::runtime::Handle::current();
        let stopped = Arc::new(AtomicBool::new(false));
        let journal = self.clone();
        let stopping = stopped.clone();
        let thread = std::thread::Builder::new()
            .name("journal-flush".into())
            .spawn(move || {
                while journal.wait_for_batch(&stopping) {
                    if let Err(err) = runtime.block_on(journal.flush_here()) {
                        tracing::warn!(error = %err, "cannot store request journal entries: they are lost");
                    }
                }
            });
        if let Err(err) = thread {
            tracing::error!(error = %err, "cannot start the request journal's thread: entries are stored only when the journal is read");
        }
        let _stop = StopThread {
            stopped,
            journal: self,
        };
        std::future::pending().await
    }

    /// Waits until a batch waits, or [`FLUSH_EVERY`] has passed; false once `stopped`. The
    /// flag is read under the buffer's lock, which [`StopThread`] takes to signal, so a stop
    /// is never missed while the thread waits.
    fn wait_for_batch(&self, stopped: &AtomicBool) -> bool {
        let waiting = self.waiting();
        if stopped.load(Ordering::Acquire) {
            return false;
        }
        if waiting.exchanges.len() < BATCH {
            let _ = self
                .batch
                .wait_timeout(waiting, FLUSH_EVERY)
                .unwrap_or_else(|p| p.into_inner());
        }
        !stopped.load(Ordering::Acquire)
    }

    /// Empties the journal: the entries waiting and those stored (a reset).
    pub async fn clear(&self) -> StoreResult<()> {
        let _turn = self.flushing.lock().await;
        *self.waiting() = Waiting::default();
        self.store.clear_journal().await
    }

    /// The newest entries matching `filter`, newest first; this instance's buffered
    /// entries are flushed first, so a request answered just before is found.
    pub async fn query(&self, filter: &JournalFilter) -> StoreResult<Vec<JournalEntry>> {
        self.flush().await?;
        let path = filter.path.as_deref();
        let glob = path.and_then(|p| Glob::parse(p).ok().filter(Glob::is_wild));
        let wanted = |entry: &JournalEntry| match (&glob, path) {
            (Some(glob), _) => glob.matches(entry.path_only()),
            (None, Some(prefix)) => entry
                .path
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix)),
            (None, None) => true,
        };
        let limit = filter.limit as usize;
        let mut found = Vec::new();
        let mut before = None;
        while found.len() < limit {
            let batch = if path.is_none() {
                filter.limit - found.len() as u32
            } else {
                PAGE
            };
            let page = self
                .store
                .journal_page(before, filter.status, filter.client_id.as_deref(), batch)
                .await?;
            let exhausted = (page.len() as u32) < batch;
            before = page.last().map(|entry| entry.id);
            found.extend(page.into_iter().filter(wanted));
            if exhausted || before.is_none() {
                break;
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    fn count(&self, name: &'static str, reason: &'static str, by: u64) {
        if by == 0 {
            return;
        }
        metrics::with_local_recorder(self.recorder.as_ref(), || {
            if reason.is_empty() {
                metrics::counter!(name).increment(by);
            } else {
                metrics::counter!(name, "reason" => reason).increment(by);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storeroom_storage::sqlite::SqliteStore;

    fn exchange(n: usize) -> Exchange {
        Exchange {
            time: Utc::now(),
            client_id: Some("client".into()),
            method: Method::GET,
            path_and_query: format!("/v1.0/my/applications/{n}"),
            status: 200,
            latency_ms: 1.0,
            correlation_id: format!("c{n}"),
            request_body: Captured::Empty,
            response_body: Captured::Empty,
            fault_id: None,
        }
    }

    /// How many of this process's threads are journal threads (Linux names them by `comm`,
    /// at most 15 bytes).
    fn journal_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                    .filter(|name| name.trim() == "journal-flush")
                    .count()
            })
            .unwrap_or(0)
    }

    /// The journal's thread stores a full batch without being asked (no query flushes
    /// it here), and ends when the future that started it is dropped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn its_thread_stores_batches_and_ends_with_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_requests(&dir.path().join("requests.db"))
            .await
            .unwrap();
        let journal = Arc::new(Journal::new(
            Arc::new(store),
            DEFAULT_BOUNDS,
            Arc::new(metrics::NoopRecorder),
        ));
        let mut stored = journal.subscribe();
        let before = journal_threads();
        let running = tokio::spawn(journal.clone().run());
        for n in 0..BATCH {
            journal.record(exchange(n));
        }
        for n in 0..BATCH {
            let entry = tokio::time::timeout(Duration::from_secs(10), stored.recv())
                .await
                .expect("the batch is stored by the journal's thread")
                .unwrap();
            assert_eq!(entry.correlation_id, format!("c{n}"));
        }
        assert_eq!(journal_threads(), before + 1);
        running.abort();
        let _ = running.await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while journal_threads() != before {
            assert!(
                std::time::Instant::now() < deadline,
                "the journal's thread outlives its server"
            );
            tokio::task::yield_now().await;
        }
    }
}
