//! The embedded SQLite store: one file in the data directory, WAL journal, `synchronous=FULL`
//! so that a committed transaction survives a crash before the API answers 2xx.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool};
use storeroom_domain::accounts::{AadClient, Seller, Tenant};
use storeroom_domain::application::Application;
use storeroom_domain::flight::Flight;
use storeroom_domain::flight_group::FlightGroup;
use storeroom_domain::in_app_product::InAppProduct;
use storeroom_domain::jobs::{JobSignals, PendingSignals};
use storeroom_domain::report::CertificationReport;
use storeroom_domain::store::{
    Job, NewJob, Store, StoreError, StoreResult, SubmissionHeader, Transaction,
};

use crate::versions::{ReadVersions, conflict};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Raised when a transaction that enqueued a job commits.
    signals: Arc<JobSignals>,
}

fn store_error(err: impl std::fmt::Display) -> StoreError {
    StoreError::failed(err.to_string())
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(store_error)
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(store_error)
}

fn docs<T: DeserializeOwned>(rows: Result<Vec<(String,)>, sqlx::Error>) -> StoreResult<Vec<T>> {
    rows.map_err(store_error)?
        .iter()
        .map(|(doc,)| from_doc(doc))
        .collect()
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// The connection pool, for stores of other surfaces that share this database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The job signals, for stores of other surfaces that enqueue jobs in this database.
    pub fn signals(&self) -> &Arc<JobSignals> {
        &self.signals
    }

    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(store_error)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        MIGRATOR.run(&pool).await.map_err(store_error)?;
        Ok(Self {
            pool,
            signals: Arc::default(),
        })
    }

    async fn doc<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        key: &str,
    ) -> StoreResult<Option<T>> {
        let row: Option<(String,)> = sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|(doc,)| from_doc(&doc)).transpose()
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin(&self) -> StoreResult<Box<dyn Transaction>> {
        // IMMEDIATE takes the write lock up front: two transactions that read then write the
        // same product serialize instead of failing with SQLITE_BUSY on upgrade.
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        Ok(Box::new(SqliteTransaction {
            tx,
            versions: ReadVersions::default(),
            signals: PendingSignals::new(self.signals.clone()),
        }))
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn tenant(&self, id_or_domain: &str) -> StoreResult<Option<Tenant>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT doc FROM tenants WHERE lower(id) = lower(?1) OR domain = ?1")
                .bind(id_or_domain)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        row.map(|(doc,)| from_doc(&doc)).transpose()
    }

    async fn client(&self, client_id: &str) -> StoreResult<Option<AadClient>> {
        self.doc("SELECT doc FROM clients WHERE client_id = ?", client_id)
            .await
    }

    async fn seller(&self, id: &str) -> StoreResult<Option<Seller>> {
        self.doc("SELECT doc FROM sellers WHERE id = ?", id).await
    }

    async fn application(&self, id: &str) -> StoreResult<Option<Application>> {
        self.doc("SELECT doc FROM applications WHERE id = ?", id)
            .await
    }

    async fn application_with_submission_doc(
        &self,
        app_id: &str,
        submission_id: &str,
    ) -> StoreResult<Option<(Application, Option<String>)>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT a.doc, (SELECT s.doc FROM submissions s WHERE s.id = ?2)
             FROM applications a WHERE a.id = ?1",
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
        let limit = i64::try_from(top).unwrap_or(i64::MAX);
        let offset = i64::try_from(skip).unwrap_or(i64::MAX);
        // Separate statements per case: `?1 IS NULL OR seller_id = ?1` keeps SQLite from
        // using the (seller_id, seq) index, which turns every page into a scan and a sort.
        // A seller's page seeks to its apps' places (numbered from 1 by a trigger, see
        // migration 0011) and the total is that trigger's count, so neither walks the list.
        let (count_sql, page_sql) = match seller_id {
            Some(_) => (
                "SELECT coalesce((SELECT n FROM application_counts WHERE seller_id = ?1), 0)",
                "SELECT doc FROM applications WHERE seller_id = ?1 AND position > ?3
                 ORDER BY position LIMIT ?2",
            ),
            None => (
                "SELECT coalesce(sum(n), 0) FROM application_counts WHERE ?1 IS NULL",
                "SELECT doc FROM applications WHERE ?1 IS NULL ORDER BY seq LIMIT ?2 OFFSET ?3",
            ),
        };
        let total: i64 = sqlx::query_scalar(count_sql)
            .bind(seller_id)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let rows: Vec<(String,)> = sqlx::query_as(page_sql)
            .bind(seller_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let apps = rows
            .iter()
            .map(|(doc,)| from_doc(doc))
            .collect::<StoreResult<_>>()?;
        Ok((apps, total.max(0) as u64))
    }

    async fn submission_doc(&self, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT doc FROM submissions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn flight(&self, id: &str) -> StoreResult<Option<Flight>> {
        self.doc("SELECT doc FROM flights WHERE id = ?", id).await
    }

    async fn flights(&self, app_id: &str) -> StoreResult<Vec<Flight>> {
        docs(
            sqlx::query_as("SELECT doc FROM flights WHERE app_id = ? ORDER BY seq")
                .bind(app_id)
                .fetch_all(&self.pool)
                .await,
        )
    }

    async fn flight_group(&self, id: &str) -> StoreResult<Option<FlightGroup>> {
        self.doc("SELECT doc FROM flight_groups WHERE id = ?", id)
            .await
    }

    async fn flight_groups(&self) -> StoreResult<Vec<FlightGroup>> {
        docs(
            sqlx::query_as("SELECT doc FROM flight_groups ORDER BY id")
                .fetch_all(&self.pool)
                .await,
        )
    }

    async fn report(&self, id: &str) -> StoreResult<Option<CertificationReport>> {
        self.doc("SELECT doc FROM reports WHERE id = ?", id).await
    }

    async fn in_app_product(&self, id: &str) -> StoreResult<Option<InAppProduct>> {
        self.doc("SELECT doc FROM in_app_products WHERE id = ?", id)
            .await
    }

    async fn in_app_products(
        &self,
        seller_id: &str,
        application_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<InAppProduct>, u64)> {
        // The app link lives in the document: the table predates add-ons having one.
        let limit = i64::try_from(top).unwrap_or(i64::MAX);
        let offset = i64::try_from(skip).unwrap_or(i64::MAX);
        let total: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM in_app_products WHERE seller_id = ?1 AND (?2 IS NULL OR EXISTS (
                 SELECT 1 FROM json_each(in_app_products.doc, '$.application_ids') WHERE json_each.value = ?2))",
        )
        .bind(seller_id)
        .bind(application_id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let products = docs(
            sqlx::query_as(
                "SELECT doc FROM in_app_products WHERE seller_id = ?1 AND (?2 IS NULL OR EXISTS (
                     SELECT 1 FROM json_each(in_app_products.doc, '$.application_ids') WHERE json_each.value = ?2))
                 ORDER BY seq LIMIT ?3 OFFSET ?4",
            )
            .bind(seller_id)
            .bind(application_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await,
        )?;
        Ok((products, total.max(0) as u64))
    }

    async fn claim_job(
        &self,
        queue: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
    ) -> StoreResult<Option<Job>> {
        let row = sqlx::query(
            "UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE queue = ?4 AND run_at <= ?3 AND (lease_until IS NULL OR lease_until < ?3)
                         ORDER BY run_at, id LIMIT 1)
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
            attempts: row.get::<i64, _>("attempts").max(0) as u32,
        }))
    }

    async fn next_job_due(&self, queue: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT min(max(run_at, coalesce(lease_until, 0))) FROM jobs WHERE queue = ?",
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
            sqlx::query("UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2")
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
            "UPDATE jobs SET run_at = ?2, lease_owner = NULL, lease_until = NULL, last_error = ?3 WHERE id = ?1",
        )
        .bind(id)
        .bind(millis(run_at))
        .bind(error)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    fn job_signal(&self, queue: &str) -> Arc<tokio::sync::Notify> {
        self.signals.signal(queue)
    }
}

struct SqliteTransaction {
    tx: sqlx::Transaction<'static, Sqlite>,
    versions: ReadVersions,
    signals: PendingSignals,
}

impl SqliteTransaction {
    async fn doc<T: DeserializeOwned>(
        &mut self,
        sql: &'static str,
        key: &str,
    ) -> StoreResult<Option<T>> {
        let row: Option<(String,)> = sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(store_error)?;
        row.map(|(doc,)| from_doc(&doc)).transpose()
    }

    async fn execute(
        &mut self,
        query: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> StoreResult<()> {
        query.execute(&mut *self.tx).await.map_err(store_error)?;
        Ok(())
    }
}

#[async_trait]
impl Transaction for SqliteTransaction {
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String> {
        self.execute(
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(store_error)
    }

    async fn put_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.execute(
            sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value),
        )
        .await
    }

    async fn insert_tenant(&mut self, tenant: &Tenant) -> StoreResult<()> {
        let doc = to_doc(tenant)?;
        self.execute(
            sqlx::query("INSERT INTO tenants (id, domain, doc) VALUES (?, ?, ?)")
                .bind(&tenant.id)
                .bind(&tenant.domain)
                .bind(doc),
        )
        .await
    }

    async fn insert_seller(&mut self, seller: &Seller) -> StoreResult<()> {
        let doc = to_doc(seller)?;
        self.execute(
            sqlx::query("INSERT INTO sellers (id, doc) VALUES (?, ?)")
                .bind(&seller.id)
                .bind(doc),
        )
        .await
    }

    async fn insert_client(&mut self, client: &AadClient) -> StoreResult<()> {
        let doc = to_doc(client)?;
        self.execute(
            sqlx::query("INSERT INTO clients (client_id, tenant_id, doc) VALUES (?, ?, ?)")
                .bind(&client.client_id)
                .bind(&client.tenant_id)
                .bind(doc),
        )
        .await
    }

    async fn application(&mut self, id: &str) -> StoreResult<Option<Application>> {
        self.doc("SELECT doc FROM applications WHERE id = ?", id)
            .await
    }

    async fn put_application(&mut self, app: &Application) -> StoreResult<()> {
        let doc = to_doc(app)?;
        self.execute(
            sqlx::query(
                "INSERT INTO applications (id, seller_id, seq, doc)
                 VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM applications), ?3)
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&app.id)
            .bind(&app.seller_id)
            .bind(doc),
        )
        .await
    }

    async fn submission_doc(&mut self, id: &str) -> StoreResult<Option<String>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT doc, version FROM submissions WHERE id = ?")
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
                "UPDATE submissions SET status = ?3, doc = ?4, version = version + 1
                 WHERE id = ?1 AND version = ?2 RETURNING version",
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
                "INSERT INTO submissions (id, product_id, product_kind, status, doc) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc,
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

    async fn flight(&mut self, id: &str) -> StoreResult<Option<Flight>> {
        self.doc("SELECT doc FROM flights WHERE id = ?", id).await
    }

    async fn flights(&mut self, app_id: &str) -> StoreResult<Vec<Flight>> {
        docs(
            sqlx::query_as("SELECT doc FROM flights WHERE app_id = ? ORDER BY seq")
                .bind(app_id)
                .fetch_all(&mut *self.tx)
                .await,
        )
    }

    async fn put_flight(&mut self, flight: &Flight) -> StoreResult<()> {
        let doc = to_doc(flight)?;
        self.execute(
            sqlx::query(
                "INSERT INTO flights (id, app_id, seq, doc)
                 VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM flights), ?3)
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&flight.id)
            .bind(&flight.app_id)
            .bind(doc),
        )
        .await
    }

    async fn delete_flight(&mut self, id: &str) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM flights WHERE id = ?").bind(id))
            .await
    }

    async fn put_flight_group(&mut self, group: &FlightGroup) -> StoreResult<()> {
        let doc = to_doc(group)?;
        self.execute(
            sqlx::query("INSERT INTO flight_groups (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc")
                .bind(&group.id)
                .bind(doc),
        )
        .await
    }

    async fn delete_flight_group(&mut self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM flight_groups WHERE id = ?")
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn in_app_product(&mut self, id: &str) -> StoreResult<Option<InAppProduct>> {
        self.doc("SELECT doc FROM in_app_products WHERE id = ?", id)
            .await
    }

    async fn in_app_product_by_product_id(
        &mut self,
        seller_id: &str,
        product_id: &str,
    ) -> StoreResult<Option<InAppProduct>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT doc FROM in_app_products WHERE seller_id = ? AND lower(product_id) = lower(?)",
        )
        .bind(seller_id)
        .bind(product_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(store_error)?;
        row.map(|(doc,)| from_doc(&doc)).transpose()
    }

    async fn put_in_app_product(&mut self, product: &InAppProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.execute(
            sqlx::query(
                "INSERT INTO in_app_products (id, seller_id, product_id, seq, doc)
                 VALUES (?1, ?2, ?3, (SELECT coalesce(max(seq), 0) + 1 FROM in_app_products), ?4)
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&product.id)
            .bind(&product.seller_id)
            .bind(&product.product_id)
            .bind(doc),
        )
        .await
    }

    async fn delete_in_app_product(&mut self, id: &str) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM in_app_products WHERE id = ?").bind(id))
            .await
    }

    async fn delete_submission(&mut self, id: &str) -> StoreResult<()> {
        self.versions.forget(id);
        self.execute(sqlx::query("DELETE FROM jobs WHERE submission_id = ?").bind(id))
            .await?;
        self.execute(sqlx::query("DELETE FROM submissions WHERE id = ?").bind(id))
            .await
    }

    async fn insert_report(&mut self, report: &CertificationReport) -> StoreResult<()> {
        let doc = to_doc(report)?;
        self.execute(
            sqlx::query(
                "INSERT INTO reports (id, submission_id, created_at, doc) VALUES (?, ?, ?, ?)",
            )
            .bind(&report.id)
            .bind(&report.submission_id)
            .bind(millis(report.date))
            .bind(doc),
        )
        .await
    }

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.signals.enqueued(job.queue);
        self.execute(
            sqlx::query(
                "INSERT INTO jobs (queue, submission_id, step, run_at) VALUES (?, ?, ?, ?)",
            )
            .bind(job.queue)
            .bind(&job.submission_id)
            .bind(&job.step)
            .bind(millis(job.run_at)),
        )
        .await
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM jobs WHERE id = ?").bind(id))
            .await
    }

    async fn has_jobs(&mut self, submission_id: &str) -> StoreResult<bool> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE submission_id = ?")
            .bind(submission_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(store_error)?;
        Ok(count > 0)
    }

    async fn make_jobs_due(&mut self, submission_id: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let done =
            sqlx::query("UPDATE jobs SET run_at = ?2 WHERE submission_id = ?1 AND run_at > ?2")
                .bind(submission_id)
                .bind(millis(at))
                .execute(&mut *self.tx)
                .await
                .map_err(store_error)?;
        self.signals.made_due(done.rows_affected());
        Ok(done.rows_affected())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let Self { tx, signals, .. } = *self;
        tx.commit().await.map_err(store_error)?;
        signals.committed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;

    async fn open() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn records_round_trip_and_jobs_are_leased_once() {
        let (_dir, store) = open().await;
        conformance::records_round_trip_and_jobs_are_leased_once(&store).await;
    }

    #[tokio::test]
    async fn application_pages_are_per_seller() {
        let (_dir, store) = open().await;
        conformance::application_pages_are_per_seller(&store).await;
    }

    #[tokio::test]
    async fn stale_submission_writes_conflict() {
        let (_dir, store) = open().await;
        let begin = async || SqliteTransaction {
            tx: store.pool.begin_with("BEGIN IMMEDIATE").await.unwrap(),
            versions: ReadVersions::default(),
            signals: PendingSignals::default(),
        };
        let bump = async |tx: &mut SqliteTransaction, id: &str| {
            sqlx::query("UPDATE submissions SET version = version + 1 WHERE id = ?")
                .bind(id)
                .execute(&mut *tx.tx)
                .await
                .unwrap();
        };
        conformance::stale_submission_writes_conflict(&store, begin, bump).await;
    }
}
