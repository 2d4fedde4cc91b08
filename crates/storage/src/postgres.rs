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

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor, PgPool, Postgres, Row};
use storeroom_domain::accounts::{AadClient, Seller, Tenant};
use storeroom_domain::application::Application;
use storeroom_domain::flight::Flight;
use storeroom_domain::flight_group::FlightGroup;
use storeroom_domain::in_app_product::InAppProduct;
use storeroom_domain::report::CertificationReport;
use storeroom_domain::store::{
    Job, NewJob, Store, StoreError, StoreResult, SubmissionHeader, Transaction,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::versions::{ReadVersions, conflict};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The key of the advisory lock write transactions hold ([`PgStore::write_lock`]).
    write_lock: i64,
    /// Transactions of this process queue here before they take a connection and wait for
    /// the write lock: a burst of writers waits in memory instead of holding every pooled
    /// connection, which the reads of the writer holding the lock still need.
    gate: Arc<Mutex<()>>,
}

pub(crate) fn store_error(err: impl Into<sqlx::Error>) -> StoreError {
    let err = err.into();
    // The write lock rules both out; should they ever happen, they are a lost race, which
    // the caller retries, not a broken server.
    if let sqlx::Error::Database(db) = &err
        && matches!(db.code().as_deref(), Some("40001" | "40P01"))
    {
        return StoreError::Conflict {
            message: format!(
                "A concurrent change won: {}. Retry the request.",
                db.message()
            ),
            target: String::new(),
        };
    }
    StoreError::failed(err.to_string())
}

fn doc_error(err: serde_json::Error) -> StoreError {
    StoreError::failed(err.to_string())
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(doc_error)
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(doc_error)
}

fn docs<T: DeserializeOwned>(rows: Vec<String>) -> StoreResult<Vec<T>> {
    rows.iter().map(|doc| from_doc(doc)).collect()
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn count(value: i64) -> u64 {
    value.max(0) as u64
}

fn page(skip: u64, top: u64) -> (i64, i64) {
    (
        i64::try_from(top).unwrap_or(i64::MAX),
        i64::try_from(skip).unwrap_or(i64::MAX),
    )
}

/// One document by key, on the pool or inside a transaction.
async fn doc_by<'e, T: DeserializeOwned>(
    executor: impl Executor<'e, Database = Postgres>,
    sql: &'static str,
    key: &str,
) -> StoreResult<Option<T>> {
    let doc: Option<String> = sqlx::query_scalar(sql)
        .bind(key)
        .fetch_optional(executor)
        .await
        .map_err(store_error)?;
    doc.map(|doc| from_doc(&doc)).transpose()
}

const TENANT: &str =
    "SELECT doc FROM tenants WHERE lower(id) = lower($1) OR lower(domain) = lower($1)";
const CLIENT: &str = "SELECT doc FROM clients WHERE lower(client_id) = lower($1)";
const SELLER: &str = "SELECT doc FROM sellers WHERE id = $1";
const APPLICATION: &str = "SELECT doc FROM applications WHERE id = $1";
const FLIGHT: &str = "SELECT doc FROM flights WHERE id = $1";
const FLIGHTS: &str = "SELECT doc FROM flights WHERE app_id = $1 ORDER BY seq";
const FLIGHT_GROUP: &str = "SELECT doc FROM flight_groups WHERE id = $1";
const IN_APP_PRODUCT: &str = "SELECT doc FROM in_app_products WHERE id = $1";
const REPORT: &str = "SELECT doc FROM reports WHERE id = $1";

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
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|err| StoreError::failed(err.to_string()))?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .map_err(store_error)?;
        Ok(Self {
            pool,
            write_lock: write_lock_key(schema.as_deref().unwrap_or_default()),
            gate: Arc::new(Mutex::new(())),
        })
    }

    /// The advisory lock key every write transaction takes (`pg_advisory_xact_lock`). Also
    /// an operator's tool: holding it (`SELECT pg_advisory_lock(key)`) pauses the writes of
    /// every instance, for a consistent look at the tables.
    pub fn write_lock(&self) -> i64 {
        self.write_lock
    }

    /// The connection pool, for stores of other surfaces that share this database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Starts a write transaction: queues in this process, then takes the write lock.
    pub(crate) async fn begin_locked(
        &self,
    ) -> StoreResult<(sqlx::Transaction<'static, Postgres>, OwnedMutexGuard<()>)> {
        let gate = tokio::time::timeout(LOCK_WAIT, self.gate.clone().lock_owned())
            .await
            .map_err(|_| StoreError::failed("timed out waiting for the database write lock"))?;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(self.write_lock)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        Ok((tx, gate))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn begin(&self) -> StoreResult<Box<dyn Transaction>> {
        let (tx, gate) = self.begin_locked().await?;
        Ok(Box::new(PgTransaction {
            tx,
            versions: ReadVersions::default(),
            _gate: gate,
        }))
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn tenant(&self, id_or_domain: &str) -> StoreResult<Option<Tenant>> {
        doc_by(&self.pool, TENANT, id_or_domain).await
    }

    async fn client(&self, client_id: &str) -> StoreResult<Option<AadClient>> {
        doc_by(&self.pool, CLIENT, client_id).await
    }

    async fn seller(&self, id: &str) -> StoreResult<Option<Seller>> {
        doc_by(&self.pool, SELLER, id).await
    }

    async fn application(&self, id: &str) -> StoreResult<Option<Application>> {
        doc_by(&self.pool, APPLICATION, id).await
    }

    async fn application_with_submission_doc(
        &self,
        app_id: &str,
        submission_id: &str,
    ) -> StoreResult<Option<(Application, Option<String>)>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT a.doc, (SELECT s.doc FROM submissions s WHERE s.id = $2)
             FROM applications a WHERE a.id = $1",
        )
        .bind(app_id)
        .bind(submission_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|(app, submission)| Ok((from_doc(&app)?, submission)))
            .transpose()
    }

    async fn applications(
        &self,
        seller_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<Application>, u64)> {
        let (limit, offset) = page(skip, top);
        // Separate statements per case, so the planner can use the seller's index.
        // A seller's page seeks to its apps' places (numbered from 1 by a trigger, see
        // migration 0011) and the total is that trigger's count, so neither walks the list.
        let (count_sql, page_sql) = match seller_id {
            Some(_) => (
                "SELECT coalesce((SELECT n FROM application_counts WHERE seller_id = $1), 0)::bigint",
                "SELECT doc FROM applications WHERE seller_id = $1 AND position > $3
                 ORDER BY position LIMIT $2",
            ),
            None => (
                "SELECT coalesce(sum(n), 0)::bigint FROM application_counts WHERE $1::text IS NULL",
                "SELECT doc FROM applications WHERE $1::text IS NULL ORDER BY seq LIMIT $2 OFFSET $3",
            ),
        };
        let total: i64 = sqlx::query_scalar(count_sql)
            .bind(seller_id)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let rows: Vec<String> = sqlx::query_scalar(page_sql)
            .bind(seller_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok((docs(rows)?, count(total)))
    }

    async fn submission_doc(&self, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT doc FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn flight(&self, id: &str) -> StoreResult<Option<Flight>> {
        doc_by(&self.pool, FLIGHT, id).await
    }

    async fn flights(&self, app_id: &str) -> StoreResult<Vec<Flight>> {
        let rows = sqlx::query_scalar(FLIGHTS)
            .bind(app_id)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        docs(rows)
    }

    async fn flight_group(&self, id: &str) -> StoreResult<Option<FlightGroup>> {
        doc_by(&self.pool, FLIGHT_GROUP, id).await
    }

    async fn flight_groups(&self) -> StoreResult<Vec<FlightGroup>> {
        let rows = sqlx::query_scalar("SELECT doc FROM flight_groups ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        docs(rows)
    }

    async fn in_app_product(&self, id: &str) -> StoreResult<Option<InAppProduct>> {
        doc_by(&self.pool, IN_APP_PRODUCT, id).await
    }

    async fn in_app_products(
        &self,
        seller_id: &str,
        application_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<InAppProduct>, u64)> {
        // The app link lives in the document, as in SQLite (`json_each` there).
        let (limit, offset) = page(skip, top);
        let total: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM in_app_products WHERE seller_id = $1
             AND ($2::text IS NULL OR (doc::jsonb -> 'application_ids') @> jsonb_build_array($2::text))",
        )
        .bind(seller_id)
        .bind(application_id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM in_app_products WHERE seller_id = $1
             AND ($2::text IS NULL OR (doc::jsonb -> 'application_ids') @> jsonb_build_array($2::text))
             ORDER BY seq LIMIT $3 OFFSET $4",
        )
        .bind(seller_id)
        .bind(application_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok((docs(rows)?, count(total)))
    }

    async fn report(&self, id: &str) -> StoreResult<Option<CertificationReport>> {
        doc_by(&self.pool, REPORT, id).await
    }

    async fn claim_job(
        &self,
        queue: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
    ) -> StoreResult<Option<Job>> {
        // SKIP LOCKED: instances polling at once each take a different due job instead of
        // queueing on the same row.
        let row = sqlx::query(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE queue = $4 AND run_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                         ORDER BY run_at, id LIMIT 1
                         FOR UPDATE SKIP LOCKED)
             RETURNING id, submission_id, step, run_at, attempts",
        )
        .bind(owner)
        .bind(millis(lease_until))
        .bind(millis(now))
        .bind(queue)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(|row| Job {
            id: row.get("id"),
            submission_id: row.get("submission_id"),
            step: row.get("step"),
            run_at: from_millis(row.get("run_at")),
            attempts: u32::try_from(row.get::<i64, _>("attempts").max(0)).unwrap_or(u32::MAX),
        }))
    }

    async fn next_job_due(&self, queue: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT min(greatest(run_at, coalesce(lease_until, 0))) FROM jobs WHERE queue = $1",
        )
        .bind(queue)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(next.map(from_millis))
    }

    async fn renew_lease(
        &self,
        id: i64,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2")
                .bind(id)
                .bind(owner)
                .bind(millis(lease_until))
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn release_all_leases(&self) -> StoreResult<()> {
        sqlx::query("UPDATE jobs SET lease_owner = NULL, lease_until = NULL")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn retry_job(&self, id: i64, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $2, lease_owner = NULL, lease_until = NULL, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(millis(run_at))
        .bind(error)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}

struct PgTransaction {
    tx: sqlx::Transaction<'static, Postgres>,
    versions: ReadVersions,
    /// Held until the transaction ends; declared after `tx` so that it is released after
    /// the transaction is handed back (a dropped one rolls back when its connection returns
    /// to the pool, which also releases the write lock).
    _gate: OwnedMutexGuard<()>,
}

impl PgTransaction {
    async fn execute(
        &mut self,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> StoreResult<u64> {
        let done = query.execute(&mut *self.tx).await.map_err(store_error)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl Transaction for PgTransaction {
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String> {
        // DO NOTHING then re-read: whichever instance inserted first, every one reads the
        // same stored value (the write lock already orders them; this holds without it).
        self.execute(
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(store_error)
    }

    async fn put_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.execute(
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        Ok(())
    }

    async fn insert_tenant(&mut self, tenant: &Tenant) -> StoreResult<()> {
        let doc = to_doc(tenant)?;
        self.execute(
            sqlx::query("INSERT INTO tenants (id, domain, doc) VALUES ($1, $2, $3)")
                .bind(&tenant.id)
                .bind(&tenant.domain)
                .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn insert_seller(&mut self, seller: &Seller) -> StoreResult<()> {
        let doc = to_doc(seller)?;
        self.execute(
            sqlx::query("INSERT INTO sellers (id, doc) VALUES ($1, $2)")
                .bind(&seller.id)
                .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn insert_client(&mut self, client: &AadClient) -> StoreResult<()> {
        let doc = to_doc(client)?;
        self.execute(
            sqlx::query("INSERT INTO clients (client_id, tenant_id, doc) VALUES ($1, $2, $3)")
                .bind(&client.client_id)
                .bind(&client.tenant_id)
                .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn application(&mut self, id: &str) -> StoreResult<Option<Application>> {
        doc_by(&mut *self.tx, APPLICATION, id).await
    }

    async fn put_application(&mut self, app: &Application) -> StoreResult<()> {
        let doc = to_doc(app)?;
        self.execute(
            sqlx::query(
                "INSERT INTO applications (id, seller_id, doc) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&app.id)
            .bind(&app.seller_id)
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn submission_doc(&mut self, id: &str) -> StoreResult<Option<String>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT doc, version FROM submissions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(store_error)?;
        Ok(row.map(|(doc, version)| {
            self.versions.saw(id, version);
            doc
        }))
    }

    async fn put_submission_doc(
        &mut self,
        header: &SubmissionHeader,
        doc: &str,
    ) -> StoreResult<()> {
        let version: Option<i64> = match self.versions.get(&header.id) {
            // Read in this transaction: write back only over the version that was read.
            Some(read) => sqlx::query_scalar(
                "UPDATE submissions SET status = $3, doc = $4, version = version + 1
                 WHERE id = $1 AND version = $2 RETURNING version",
            )
            .bind(&header.id)
            .bind(read)
            .bind(header.status.as_str())
            .bind(doc)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(store_error)?,
            // A new submission (or a blind write, which is based on no earlier read).
            None => sqlx::query_scalar(
                "INSERT INTO submissions (id, product_id, product_kind, status, doc)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc,
                     version = submissions.version + 1
                 RETURNING version",
            )
            .bind(&header.id)
            .bind(header.product.id())
            .bind(header.product.kind().as_str())
            .bind(header.status.as_str())
            .bind(doc)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(store_error)?,
        };
        let version = version.ok_or_else(|| conflict(&header.id))?;
        self.versions.saw(&header.id, version);
        Ok(())
    }

    async fn delete_submission(&mut self, id: &str) -> StoreResult<()> {
        self.versions.forget(id);
        self.execute(sqlx::query("DELETE FROM jobs WHERE submission_id = $1").bind(id))
            .await?;
        self.execute(sqlx::query("DELETE FROM submissions WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    async fn flight(&mut self, id: &str) -> StoreResult<Option<Flight>> {
        doc_by(&mut *self.tx, FLIGHT, id).await
    }

    async fn flights(&mut self, app_id: &str) -> StoreResult<Vec<Flight>> {
        let rows = sqlx::query_scalar(FLIGHTS)
            .bind(app_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(store_error)?;
        docs(rows)
    }

    async fn put_flight(&mut self, flight: &Flight) -> StoreResult<()> {
        let doc = to_doc(flight)?;
        self.execute(
            sqlx::query(
                "INSERT INTO flights (id, app_id, doc) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&flight.id)
            .bind(&flight.app_id)
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn delete_flight(&mut self, id: &str) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM flights WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    async fn put_flight_group(&mut self, group: &FlightGroup) -> StoreResult<()> {
        let doc = to_doc(group)?;
        self.execute(
            sqlx::query(
                "INSERT INTO flight_groups (id, doc) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&group.id)
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn delete_flight_group(&mut self, id: &str) -> StoreResult<bool> {
        let deleted = self
            .execute(sqlx::query("DELETE FROM flight_groups WHERE id = $1").bind(id))
            .await?;
        Ok(deleted > 0)
    }

    async fn in_app_product(&mut self, id: &str) -> StoreResult<Option<InAppProduct>> {
        doc_by(&mut *self.tx, IN_APP_PRODUCT, id).await
    }

    async fn in_app_product_by_product_id(
        &mut self,
        seller_id: &str,
        product_id: &str,
    ) -> StoreResult<Option<InAppProduct>> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM in_app_products WHERE seller_id = $1 AND lower(product_id) = lower($2)",
        )
        .bind(seller_id)
        .bind(product_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(store_error)?;
        doc.map(|doc| from_doc(&doc)).transpose()
    }

    async fn put_in_app_product(&mut self, product: &InAppProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.execute(
            sqlx::query(
                "INSERT INTO in_app_products (id, seller_id, product_id, doc) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&product.id)
            .bind(&product.seller_id)
            .bind(&product.product_id)
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn delete_in_app_product(&mut self, id: &str) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM in_app_products WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    async fn insert_report(&mut self, report: &CertificationReport) -> StoreResult<()> {
        let doc = to_doc(report)?;
        self.execute(
            sqlx::query(
                "INSERT INTO reports (id, submission_id, created_at, doc) VALUES ($1, $2, $3, $4)",
            )
            .bind(&report.id)
            .bind(&report.submission_id)
            .bind(millis(report.date))
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.execute(enqueue(job)).await?;
        Ok(())
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    async fn has_jobs(&mut self, submission_id: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE submission_id = $1)")
            .bind(submission_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(store_error)
    }

    async fn make_jobs_due(&mut self, submission_id: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.execute(make_due(submission_id, at)).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await.map_err(store_error)
    }
}

/// The job statements the MSI store shares, so both surfaces write `jobs` the same way.
pub(crate) fn enqueue(
    job: &NewJob,
) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query("INSERT INTO jobs (queue, submission_id, step, run_at) VALUES ($1, $2, $3, $4)")
        .bind(job.queue)
        .bind(&job.submission_id)
        .bind(&job.step)
        .bind(millis(job.run_at))
}

pub(crate) fn make_due(
    key: &str,
    at: DateTime<Utc>,
) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query("UPDATE jobs SET run_at = $2 WHERE submission_id = $1 AND run_at > $2")
        .bind(key)
        .bind(millis(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use storeroom_domain::store::DEVCENTER_QUEUE;
    use storeroom_testkit::scratch::ScratchSchema;

    async fn scratch(test: &str) -> Option<(ScratchSchema, PgStore)> {
        let admin = conformance::postgres_admin_url(test)?;
        let db = ScratchSchema::create(&admin).await.unwrap();
        let store = PgStore::connect(&db.url).await.unwrap();
        Some((db, store))
    }

    #[tokio::test]
    async fn records_round_trip_and_jobs_are_leased_once() {
        let Some((_db, store)) = scratch("records_round_trip_and_jobs_are_leased_once").await
        else {
            return;
        };
        conformance::records_round_trip_and_jobs_are_leased_once(&store).await;
    }

    #[tokio::test]
    async fn application_pages_are_per_seller() {
        let Some((_db, store)) = scratch("application_pages_are_per_seller").await else {
            return;
        };
        conformance::application_pages_are_per_seller(&store).await;
    }

    #[tokio::test]
    async fn stale_submission_writes_conflict() {
        let Some((_db, store)) = scratch("stale_submission_writes_conflict").await else {
            return;
        };
        let begin = async || {
            let (tx, gate) = store.begin_locked().await.unwrap();
            PgTransaction {
                tx,
                versions: ReadVersions::default(),
                _gate: gate,
            }
        };
        let bump = async |tx: &mut PgTransaction, id: &str| {
            sqlx::query("UPDATE submissions SET version = version + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await
                .unwrap();
        };
        conformance::stale_submission_writes_conflict(&store, begin, bump).await;
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
