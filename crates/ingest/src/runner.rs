//! The job runner: claims a due job from its queue, holds the job's lease while the job
//! runs, and retries a job that failed with a backoff. What a job does, and recording what
//! it found, belongs to the queue's [`JobHandler`]; this loop is the same for every kind
//! of product (devcenter apps, flights and add-ons; MSI/EXE products; and the next).
//!
//! The runner measures what it runs, for every queue alike, into the recorder it is given
//! ([`Runner::metered`]; none by default): [`JOBS_RUNNING`], [`JOBS`] by outcome and
//! [`STEP_SECONDS`].

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use std::panic::AssertUnwindSafe;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use futures::FutureExt;
use metrics::Recorder;
use storeroom_domain::Clock;
use storeroom_domain::store::{Job, Store, StoreResult};
use tokio::sync::Notify;

/// How long a job is leased when the server does not say: a runner renews its lease while
/// the job runs, so this is how soon another instance takes over from one that died.
pub const DEFAULT_LEASE: StdDuration = StdDuration::from_secs(30);
/// Longest sleep when no job is due: jobs written by another instance of a shared
/// database raise no signal in this process, so they are found by polling.
const IDLE_POLL: StdDuration = StdDuration::from_millis(500);
/// Shortest sleep: a due job that could not be claimed is leased by another runner.
const BUSY_POLL: StdDuration = StdDuration::from_millis(20);

/// Gauge: jobs this process is running now, by `queue`.
pub const JOBS_RUNNING: &str = "storeroom_jobs_running";
/// Counter: jobs run, by `queue`, `step` and `outcome`: `completed` (the step was recorded),
/// `stale` (nothing waited for it: dropped), `retried` (it failed and runs again after a
/// backoff) or `failed` (it panicked: given up, its submission failed).
pub const JOBS: &str = "storeroom_jobs_total";
/// Histogram: how long running a job took, by `queue` and `step`, whatever its outcome.
pub const STEP_SECONDS: &str = "storeroom_job_step_duration_seconds";

/// Why a job could not run to its end; the runner retries it later.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// What running a job came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// The handler recorded the outcome and removed the job, in one transaction.
    Recorded,
    /// The job names nothing that still waits for it (its step was recorded before a
    /// crash, the submission is gone, or the step is unknown): the runner removes it.
    Stale,
}

/// One kind of job: the queue it is on and how one is run.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    fn queue(&self) -> &'static str;
    /// Runs `job` and records what it found, removing the job in the same transaction.
    async fn run(&self, job: &Job) -> Result<Ran, JobError>;

    /// `job` panicked while it ran (`message`, logged with `correlation_id`). By default it
    /// is dropped; a handler whose jobs move a submission fails the submission instead, so
    /// nobody waits on a step that will never finish.
    async fn after_panic(
        &self,
        job: &Job,
        message: &str,
        correlation_id: &str,
    ) -> Result<Ran, JobError> {
        let _ = (job, message, correlation_id);
        Ok(Ran::Stale)
    }
}

/// Runs the jobs of one queue, one at a time.
pub struct Runner {
    store: Arc<dyn Store>,
    clock: Arc<Clock>,
    handler: Arc<dyn JobHandler>,
    /// Raised by the store when a job is enqueued on this queue or made due.
    signal: Arc<Notify>,
    owner: String,
    /// How long a claimed job stays leased without renewal.
    lease: StdDuration,
    /// Where the runner's metrics go.
    recorder: Arc<dyn Recorder + Send + Sync>,
}

impl Runner {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<Clock>,
        handler: Arc<dyn JobHandler>,
        lease: StdDuration,
    ) -> Self {
        let queue = handler.queue();
        Self {
            signal: store.job_signal(queue),
            owner: owner_name(queue),
            store,
            clock,
            handler,
            lease,
            recorder: Arc::new(metrics::NoopRecorder),
        }
    }

    /// Records the runner's metrics into `recorder` (the server's, rendered at `/metrics`).
    #[must_use]
    pub fn metered(mut self, recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        self.recorder = recorder;
        // Shown from the start (at 0), not only once the queue has run a job.
        let queue = self.handler.queue();
        metrics::with_local_recorder(self.recorder.as_ref(), || {
            metrics::describe_gauge!(JOBS_RUNNING, "Jobs this process is running now");
            metrics::describe_counter!(
                JOBS,
                "Jobs run, by outcome: completed, stale (dropped), retried (failed, runs again) or failed (panicked, given up)"
            );
            metrics::describe_histogram!(
                STEP_SECONDS,
                metrics::Unit::Seconds,
                "How long running a pipeline step took"
            );
            metrics::gauge!(JOBS_RUNNING, "queue" => queue).increment(0.0);
        });
        self
    }

    /// Gives up the leases this runner holds (it was stopped mid-job): another runner,
    /// here after a restart or on another instance of a shared database, takes the jobs at
    /// once. Returns how many were released.
    pub async fn release_leases(&self) -> StoreResult<u64> {
        self.store.release_leases_of(&self.owner).await
    }

    /// Runs jobs as they become due, until the task is dropped.
    pub async fn run(&self) {
        loop {
            match self.run_next().await {
                Ok(true) => {}
                Ok(false) => self.idle().await,
                Err(err) => {
                    tracing::error!(queue = self.handler.queue(), error = %err, "job runner failed to reach the store");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    /// Sleeps until the next job is due, a job arrives, or the clock jumps.
    async fn idle(&self) {
        let arrived = self.signal.notified();
        let moved = self.clock.moved();
        tokio::pin!(moved);
        // Registered before the due time is read: a move in between still wakes us.
        moved.as_mut().enable();
        let wait = match self.store.next_job_due(self.handler.queue()).await {
            Ok(Some(due)) => (due - self.clock.now())
                .to_std()
                .unwrap_or_default()
                .clamp(BUSY_POLL, IDLE_POLL),
            _ => IDLE_POLL,
        };
        tokio::select! {
            () = arrived => {}
            () = moved => {}
            () = tokio::time::sleep(wait) => {}
        }
    }

    /// Runs one due job; Ok(false) when none was due.
    pub async fn run_next(&self) -> StoreResult<bool> {
        let now = self.clock.now();
        let queue = self.handler.queue();
        let until = now + lease_span(self.lease);
        let Some(job) = self.store.claim_job(queue, now, until, &self.owner).await? else {
            return Ok(false);
        };
        let step = step_label(&job.step);
        let (running, seconds) = metrics::with_local_recorder(self.recorder.as_ref(), || {
            (
                metrics::gauge!(JOBS_RUNNING, "queue" => queue),
                metrics::histogram!(STEP_SECONDS, "queue" => queue, "step" => step.to_string()),
            )
        });
        // Counted down however the run ends, a cancelled task (a stopping server) included.
        let _running = Running::start(running);
        let started = Instant::now();
        // A job that panics must neither stop this runner nor be retried forever.
        let run = AssertUnwindSafe(self.handler.run(&job)).catch_unwind();
        let ran = holding_lease(
            self.store.as_ref(),
            &self.clock,
            &job,
            &self.owner,
            self.lease,
            run,
        )
        .await;
        let mut panicked = false;
        let ran = match ran {
            Ok(ran) => ran,
            Err(panic) => {
                panicked = true;
                // The payload is not Sync: only its message is kept across the awaits.
                let message = storeroom_domain::panics::message(panic.as_ref());
                drop(panic);
                let correlation_id = storeroom_domain::ids::guid();
                tracing::error!(
                    queue,
                    job = job.id,
                    step = %job.step,
                    correlation_id = %correlation_id,
                    panic = %message,
                    "job panicked"
                );
                self.handler
                    .after_panic(&job, &message, &correlation_id)
                    .await
            }
        };
        seconds.record(started.elapsed().as_secs_f64());
        let outcome = match &ran {
            _ if panicked => "failed",
            Ok(Ran::Recorded) => "completed",
            Ok(Ran::Stale) => "stale",
            Err(_) => "retried",
        };
        metrics::with_local_recorder(self.recorder.as_ref(), || {
            metrics::counter!(JOBS, "queue" => queue, "step" => step.to_string(), "outcome" => outcome)
        })
        .increment(1);
        match ran {
            Ok(Ran::Recorded) => {}
            Ok(Ran::Stale) => {
                tracing::info!(queue, job = job.id, step = %job.step, "stale job dropped");
                let mut tx = self.store.begin().await?;
                tx.delete_job(job.id).await?;
                tx.commit().await?;
            }
            Err(err) => {
                // A failure mid-job (storage, most likely): run it again later rather than
                // lose it.
                tracing::warn!(queue, job = job.id, error = %err, "job failed; will retry");
                let backoff = Duration::seconds(i64::from(job.attempts.clamp(1, 6)).pow(2));
                self.store
                    .retry_job(job.id, self.clock.now() + backoff, &err.to_string())
                    .await?;
            }
        }
        Ok(true)
    }
}

/// The runners of every queue of a server.
#[derive(Clone, Default)]
pub struct Runners(Vec<Arc<Runner>>);

impl Runners {
    pub fn new(runners: Vec<Runner>) -> Self {
        Self(runners.into_iter().map(Arc::new).collect())
    }

    /// The queues the runners serve.
    pub fn queues(&self) -> Vec<&'static str> {
        self.0.iter().map(|runner| runner.handler.queue()).collect()
    }

    /// Gives up every lease the runners hold (see [`Runner::release_leases`]).
    pub async fn release_leases(&self) -> StoreResult<u64> {
        let mut released = 0;
        for runner in &self.0 {
            released += runner.release_leases().await?;
        }
        Ok(released)
    }

    /// Runs every queue in the background, until the task is dropped.
    pub async fn run(&self) {
        let mut tasks = tokio::task::JoinSet::new();
        for runner in &self.0 {
            let runner = runner.clone();
            tasks.spawn(async move { runner.run().await });
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Runs, in the calling task, every job due now on every queue, including the jobs
    /// those jobs enqueue due at once, and returns when none is due: a test's way to move
    /// the pipeline deterministically. A job that fails is pushed back by its backoff, so
    /// it is not due again in this drain.
    pub async fn drain(&self) -> StoreResult<()> {
        loop {
            let mut ran = false;
            for runner in &self.0 {
                while runner.run_next().await? {
                    ran = true;
                }
            }
            if !ran {
                return Ok(());
            }
        }
    }
}

/// A job's step as a metric label: its name without the generation some steps carry
/// (`packages:3`), so that the label's values stay few.
fn step_label(step: &str) -> &str {
    step.split(':').next().unwrap_or(step)
}

/// A job counted in [`JOBS_RUNNING`] while this lives.
struct Running(metrics::Gauge);

impl Running {
    fn start(gauge: metrics::Gauge) -> Self {
        gauge.increment(1);
        Self(gauge)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.decrement(1);
    }
}

fn lease_span(lease: StdDuration) -> Duration {
    Duration::from_std(lease).unwrap_or(Duration::seconds(30))
}

/// Runs `work` (the job `job`) while renewing the job's lease every third of `lease`.
/// A job may then take longer than the lease (a large upload's PreProcessing), and still
/// only a holder that stopped (killed, or cut off from the database) loses its job to
/// another instance. A holder that lost its lease anyway finishes its job: recording it
/// re-checks the submission's state, so the step is recorded once whoever records first.
pub async fn holding_lease<T>(
    store: &dyn Store,
    clock: &Clock,
    job: &Job,
    owner: &str,
    lease: StdDuration,
    work: impl Future<Output = T>,
) -> T {
    let every = (lease / 3).max(StdDuration::from_millis(50));
    tokio::pin!(work);
    let mut held = true;
    loop {
        tokio::select! {
            out = &mut work => return out,
            () = tokio::time::sleep(every), if held => {
                match store.renew_lease(job.id, owner, clock.now() + lease_span(lease)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = job.id, "job lease lost to another runner");
                        held = false;
                    }
                    // The next renewal may get through before the lease runs out.
                    Err(err) => tracing::warn!(job = job.id, error = %err, "job lease not renewed"),
                }
            }
        }
    }
}

/// A fresh owner name for the leases of a runner of `queue`: `worker-<pid>-<millis>-<queue>`
/// (operators, and the multi-instance tests, find the holding process by its pid).
fn owner_name(queue: &str) -> String {
    format!(
        "worker-{}-{}-{queue}",
        std::process::id(),
        Utc::now().timestamp_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use storeroom_domain::store::NewJob;
    use storeroom_storage::SqliteStore;

    use super::*;

    const QUEUE: &str = "test";

    /// Runs jobs by their step name: `first` enqueues `second` due at once, `fail` fails,
    /// `stale` is stale, and any other is recorded.
    struct Script {
        store: Arc<dyn Store>,
        clock: Arc<Clock>,
        ran: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl JobHandler for Script {
        fn queue(&self) -> &'static str {
            QUEUE
        }

        async fn run(&self, job: &Job) -> Result<Ran, JobError> {
            self.ran.lock().unwrap().push(job.step.clone());
            match job.step.as_str() {
                "fail" => Err("the step broke".into()),
                "stale" => Ok(Ran::Stale),
                step => {
                    let mut tx = self.store.begin().await?;
                    if step == "first" {
                        tx.enqueue_job(&job_due("second", self.clock.now())).await?;
                    }
                    tx.delete_job(job.id).await?;
                    tx.commit().await?;
                    Ok(Ran::Recorded)
                }
            }
        }
    }

    fn job_due(step: &str, run_at: chrono::DateTime<Utc>) -> NewJob {
        NewJob {
            queue: QUEUE,
            submission_id: "s".into(),
            step: step.into(),
            run_at,
        }
    }

    impl Script {
        /// The steps run, each once: a failed job may run again within a drain when the
        /// machine is slow enough for its backoff (a second) to pass.
        fn ran(&self) -> Vec<String> {
            let mut ran = self.ran.lock().unwrap().clone();
            ran.sort();
            ran.dedup();
            ran
        }
    }

    #[tokio::test]
    async fn drain_runs_what_is_due_and_what_it_enqueues_and_retries_failures_later() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&dir.path().join("db")).await.unwrap());
        let clock = Arc::new(Clock::new());
        let script = Arc::new(Script {
            store: store.clone(),
            clock: clock.clone(),
            ran: Mutex::default(),
        });
        let runners = Runners::new(vec![Runner::new(
            store.clone(),
            clock.clone(),
            script.clone(),
            DEFAULT_LEASE,
        )]);
        let signal = store.job_signal(QUEUE);
        let now = clock.now();
        let mut tx = store.begin().await.unwrap();
        for step in ["first", "fail", "stale"] {
            tx.enqueue_job(&job_due(step, now)).await.unwrap();
        }
        tx.enqueue_job(&job_due("later", now + Duration::hours(1)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The commit raised the queue's signal for its runner.
        tokio::time::timeout(StdDuration::ZERO, signal.notified())
            .await
            .expect("enqueueing raises the signal");

        runners.drain().await.unwrap();
        // The job `first` enqueued ran in the same drain; the later one is not due.
        assert_eq!(script.ran(), ["fail", "first", "second", "stale"]);

        clock.advance(Duration::hours(2)).unwrap();
        script.ran.lock().unwrap().clear();
        runners.drain().await.unwrap();
        // The failed job is retried after its backoff; the stale one was removed.
        assert_eq!(script.ran(), ["fail", "later"]);

        clock.advance(Duration::hours(2)).unwrap();
        script.ran.lock().unwrap().clear();
        runners.drain().await.unwrap();
        assert_eq!(script.ran(), ["fail"], "only the failing job is left");
    }
}
