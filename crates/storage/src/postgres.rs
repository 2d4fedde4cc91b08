//! The PostgreSQL store: the same records, documents and jobs as [`crate::SqliteStore`], for
//! several storeroom instances sharing one database.
//!
//! Write transactions are serialized, as SQLite's `BEGIN IMMEDIATE` serializes them: each
//! one takes a transaction-scoped advisory lock ([`PgStore::write_lock`], one per schema
//! holding storeroom's tables) before its first statement. Row locks (`SELECT … FOR
//! UPDATE`) were the alternative, but the domain's transactions take their rows in
//! different orders (a request reads the product, then the submission; the worker reads the
//! submission, then the product when it publishes), which deadlocks under row locks, and
//! they check rules over sets of rows (a flight's friendly name among the app's flights)
//! that row locks do not protect. `SERIALIZABLE` would need every domain transaction to be
//! retried from the start on a serialization failure, which the domain is not written to
//! do. One writer at a time gives exactly the semantics of the SQLite backend, with no
//! deadlocks and no retries; reads (every GET, token and SAS check) and job claims take no
//! lock and run in parallel on every instance. Write transactions are a few short
//! statements, so one writer at a time still commits hundreds per second.
//!
//! Jobs are claimed with `FOR UPDATE SKIP LOCKED` under a lease that the holder renews
//! while the step runs; when an instance dies, its leases expire and another takes the jobs.
//! A job enqueued by another instance wakes no runner here: the runner's idle poll finds it.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, PgPool, Postgres};
use storeroom_domain::store::{StoreError, StoreResult};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::sql::{
    Arg, Backend, Dialect, SqlStore, claim_job, fetch_all, migrations, store_error,
    submission_states,
};

/// The PostgreSQL store.
pub type PgStore = SqlStore<PgBackend>;

#[derive(Clone)]
pub struct PgBackend {
    pool: PgPool,
    /// The key of the advisory lock write transactions hold ([`PgStore::write_lock`]).
    write_lock: i64,
    /// Transactions of this process queue here before they take a connection and wait for
    /// the write lock: a burst of writers waits in memory instead of holding every pooled
    /// connection, which the reads of the writer holding the lock still need.
    gate: Arc<Mutex<()>>,
}

/// An open write transaction and this process's place at the write lock.
pub struct PgTx {
    tx: sqlx::Transaction<'static, Postgres>,
    /// Held until the transaction ends; declared after `tx` so that it is released after
    /// the transaction is handed back (a dropped one rolls back when its connection returns
    /// to the pool, which also releases the write lock).
    _gate: OwnedMutexGuard<()>,
}

/// The advisory lock key of write transactions: one writer at a time for the schema
/// storeroom's tables are in, across instances. Keyed by schema, so that deployments in
/// different schemas of one database (as tests are) do not wait for each other.
fn write_lock_key(schema: &str) -> i64 {
    // FNV-1a: stable across builds and platforms, which every instance must agree on.
    let hash = format!("storeroom:{schema}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    hash as i64
}

/// Longest wait for the write lock, in this process and then in the database.
const LOCK_WAIT: Duration = Duration::from_secs(30);

impl PgStore {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date. Instances that
    /// start together are safe: sqlx holds an advisory lock while it migrates.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url).map_err(store_error)?;
        if options.get_application_name().is_none() {
            options = options.application_name("storeroom");
        }
        let options = options
            // A writer stuck behind another (an instance paused while holding the write
            // lock) fails after this instead of hanging, as SQLite's busy timeout does.
            .options([("lock_timeout", format!("{}ms", LOCK_WAIT.as_millis()))])
            // Statements that take longer are worth a look, not a log line each.
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        migrations::run(migrations::POSTGRES, &pool).await?;
        Self::on_pool(pool).await
    }

    /// The store on a pool whose schema is up to date.
    async fn on_pool(pool: PgPool) -> StoreResult<Self> {
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .map_err(store_error)?;
        Ok(Self::new(PgBackend {
            pool,
            write_lock: write_lock_key(schema.as_deref().unwrap_or_default()),
            gate: Arc::new(Mutex::new(())),
        }))
    }

    /// The advisory lock key every write transaction takes (`pg_advisory_xact_lock`). Also
    /// an operator's tool: holding it (`SELECT pg_advisory_lock(key)`) pauses the writes of
    /// every instance, for a consistent look at the tables.
    pub fn write_lock(&self) -> i64 {
        self.backend.write_lock
    }

    /// The connection pool, for the bulk loads of `storeroom admin seed` and for tests.
    pub fn pool(&self) -> &PgPool {
        &self.backend.pool
    }

    /// Starts a write transaction: queues in this process, then takes the write lock.
    pub(crate) async fn begin_locked(
        &self,
    ) -> StoreResult<(sqlx::Transaction<'static, Postgres>, OwnedMutexGuard<()>)> {
        let PgTx { tx, _gate } = self.backend.begin().await?;
        Ok((tx, _gate))
    }
}

/// The statements in which PostgreSQL differs.
const POSTGRES: Dialect = Dialect {
    // Expression indexes on lower(domain) and lower(client_id) (migration 0001) stand in
    // for SQLite's COLLATE NOCASE.
    tenant: "SELECT doc FROM tenants WHERE lower(id) = lower($1) OR lower(domain) = lower($1)",
    client: "SELECT doc FROM clients WHERE lower(client_id) = lower($1)",
    // `seq` is an identity column.
    put_application: "INSERT INTO applications (id, seller_id, doc) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_flight: "INSERT INTO flights (id, app_id, doc) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_in_app_product: "INSERT INTO in_app_products (id, seller_id, product_id, doc)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_msi_product: "INSERT INTO msi_products (id, seller_id, doc) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = msi_products.version + 1
         RETURNING version",
    in_app_products_count:
        "SELECT count(*) FROM in_app_products WHERE seller_id = $1
         AND ($2::text IS NULL OR (doc::jsonb -> 'application_ids') @> jsonb_build_array($2::text))",
    in_app_products_page: "SELECT doc FROM in_app_products WHERE seller_id = $1
         AND ($2::text IS NULL OR (doc::jsonb -> 'application_ids') @> jsonb_build_array($2::text))
         ORDER BY seq LIMIT $3 OFFSET $4",
    search_applications: "SELECT position, doc FROM applications
         WHERE seller_id = $1 AND position > $2
           AND (doc::jsonb ->> 'primary_name') ILIKE $3 ESCAPE '\\'
         ORDER BY position LIMIT $4",
    // SKIP LOCKED: instances polling at once each take a different due job instead of
    // queueing on the same row.
    claim_job: claim_job!("FOR UPDATE SKIP LOCKED"),
    submission_states: submission_states!("doc::jsonb ->> 'stage'"),
};

#[async_trait]
impl Backend for PgBackend {
    type Row = PgRow;
    type Tx = PgTx;

    const DIALECT: Dialect = POSTGRES;

    async fn fetch(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<Self::Row>> {
        fetch_all(&self.pool, sql, args).await
    }

    async fn begin(&self) -> StoreResult<PgTx> {
        let gate = tokio::time::timeout(LOCK_WAIT, self.gate.clone().lock_owned())
            .await
            .map_err(|_| StoreError::failed("timed out waiting for the database write lock"))?;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(self.write_lock)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        Ok(PgTx { tx, _gate: gate })
    }

    async fn fetch_in(
        tx: &mut Self::Tx,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<Self::Row>> {
        fetch_all(&mut *tx.tx, sql, args).await
    }

    async fn commit(tx: PgTx) -> StoreResult<()> {
        tx.tx.commit().await.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use chrono::Utc;
    use storeroom_domain::store::{DEVCENTER_QUEUE, NewJob, Store};
    use storeroom_testkit::scratch::ScratchSchema;

    async fn scratch(test: &str) -> Option<(ScratchSchema, PgStore)> {
        let admin = conformance::postgres_admin_url(test)?;
        let db = ScratchSchema::create(&admin).await.unwrap();
        let store = PgStore::connect(&db.url).await.unwrap();
        Some((db, store))
    }

    conformance::suite!(scratch);

    #[tokio::test]
    async fn a_database_of_the_previous_schema_opens() {
        let test = "a_database_of_the_previous_schema_opens";
        let Some(admin) = conformance::postgres_admin_url(test) else {
            return;
        };
        let db = ScratchSchema::create(&admin).await.unwrap();
        // What the build before the shared migrations ran: the PostgreSQL ones only.
        let old = async || {
            let pool = PgPool::connect(&db.url).await.unwrap();
            migrations::run_dialect_only(migrations::POSTGRES, &pool).await;
            PgStore::on_pool(pool).await.unwrap()
        };
        let open = async || PgStore::connect(&db.url).await.unwrap();
        conformance::records_of_the_previous_schema_survive(old, open).await;
    }

    /// Two instances (two pools on one database): each due job goes to exactly one claimer,
    /// write transactions never interleave, and the first settings insert wins everywhere.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_share_jobs_settings_and_the_write_lock() {
        let Some((db, a)) = scratch("instances_share_jobs_settings_and_the_write_lock").await
        else {
            return;
        };
        let b = PgStore::connect(&db.url).await.unwrap();
        let lock_timeout: String = sqlx::query_scalar("SHOW lock_timeout")
            .fetch_one(b.pool())
            .await
            .unwrap();
        assert_eq!(lock_timeout, "30s", "writers give up instead of hanging");
        let now = Utc::now();
        let mut tx = a.begin().await.unwrap();
        for n in 0..40 {
            tx.enqueue_job(&NewJob {
                queue: DEVCENTER_QUEUE,
                submission_id: format!("s{n}"),
                step: "publish".into(),
                run_at: now,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let claim_all = |store: PgStore, owner: &'static str| async move {
            let mut ids = Vec::new();
            while let Some(job) = store
                .claim_job(
                    DEVCENTER_QUEUE,
                    now,
                    now + chrono::Duration::minutes(1),
                    owner,
                )
                .await
                .unwrap()
            {
                ids.push(job.id);
            }
            ids
        };
        let (from_a, from_b) = tokio::join!(
            tokio::spawn(claim_all(a.clone(), "a")),
            tokio::spawn(claim_all(b.clone(), "b"))
        );
        let mut all = [from_a.unwrap(), from_b.unwrap()].concat();
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(
            (before, all.len()),
            (40, 40),
            "every job claimed exactly once"
        );

        // Settings: concurrent first inserts agree on one value.
        let insert = |store: PgStore, value: &'static str| async move {
            let mut tx = store.begin().await.unwrap();
            let stored = tx.setting_or_insert("shared", value).await.unwrap();
            tx.commit().await.unwrap();
            stored
        };
        let (x, y) = tokio::join!(
            tokio::spawn(insert(a.clone(), "from a")),
            tokio::spawn(insert(b.clone(), "from b"))
        );
        assert_eq!(x.unwrap(), y.unwrap());

        // Read-modify-write transactions on two pools never lose an increment.
        let increment = |store: PgStore| async move {
            for _ in 0..20 {
                let mut tx = store.begin().await.unwrap();
                let value: i64 = tx
                    .setting_or_insert("counter", "0")
                    .await
                    .unwrap()
                    .parse()
                    .unwrap();
                tx.put_setting("counter", &(value + 1).to_string())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        };
        let (x, y) = tokio::join!(
            tokio::spawn(increment(a.clone())),
            tokio::spawn(increment(b.clone()))
        );
        x.unwrap();
        y.unwrap();
        assert_eq!(a.setting("counter").await.unwrap().as_deref(), Some("40"));
        drop((a, b));
    }
}
