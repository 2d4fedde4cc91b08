//! SQLite storage of MSI/EXE products and submissions ([`MsiStore`]), on the connection pool
//! of [`SqliteStore`] so that their jobs share the `jobs` table and its transactions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{Sqlite, SqlitePool};
use std::sync::Arc;

use storeroom_domain::jobs::{JobSignals, PendingSignals};
use storeroom_domain::msi::product::{MsiProduct, MsiSubmission};
use storeroom_domain::msi::store::{MsiStore, MsiTransaction};
use storeroom_domain::store::{NewJob, StoreError, StoreResult};

use crate::SqliteStore;

fn store_error(err: impl std::fmt::Display) -> StoreError {
    StoreError::failed(err.to_string())
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(store_error)
}

fn from_doc<T: DeserializeOwned>(doc: Option<String>) -> StoreResult<Option<T>> {
    doc.map(|doc| serde_json::from_str(&doc).map_err(store_error))
        .transpose()
}

#[derive(Clone)]
pub struct SqliteMsiStore {
    pool: SqlitePool,
    signals: Arc<JobSignals>,
}

impl SqliteMsiStore {
    pub fn new(store: &SqliteStore) -> Self {
        Self {
            pool: store.pool().clone(),
            signals: store.signals().clone(),
        }
    }
}

const PRODUCT: &str = "SELECT doc FROM msi_products WHERE id = ?";
const SUBMISSION: &str = "SELECT doc FROM msi_submissions WHERE id = ?";

#[async_trait]
impl MsiStore for SqliteMsiStore {
    async fn begin(&self) -> StoreResult<Box<dyn MsiTransaction>> {
        // IMMEDIATE takes the write lock up front, as the main store does: read-then-write
        // transactions on one product serialize instead of failing on upgrade.
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        Ok(Box::new(SqliteMsiTransaction {
            tx,
            signals: PendingSignals::new(self.signals.clone()),
        }))
    }

    async fn product(&self, id: &str) -> StoreResult<Option<MsiProduct>> {
        let doc = sqlx::query_scalar(PRODUCT)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        from_doc(doc)
    }

    async fn products(&self, seller_id: Option<&str>) -> StoreResult<Vec<MsiProduct>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM msi_products WHERE ?1 IS NULL OR seller_id = ?1 ORDER BY seq",
        )
        .bind(seller_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        docs.iter()
            .map(|doc| serde_json::from_str(doc).map_err(store_error))
            .collect()
    }

    async fn submission(&self, id: &str) -> StoreResult<Option<MsiSubmission>> {
        let doc = sqlx::query_scalar(SUBMISSION)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        from_doc(doc)
    }
}

struct SqliteMsiTransaction {
    tx: sqlx::Transaction<'static, Sqlite>,
    signals: PendingSignals,
}

impl SqliteMsiTransaction {
    async fn doc(&mut self, sql: &'static str, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(store_error)
    }

    async fn execute(
        &mut self,
        query: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> StoreResult<u64> {
        let done = query.execute(&mut *self.tx).await.map_err(store_error)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl MsiTransaction for SqliteMsiTransaction {
    async fn product(&mut self, id: &str) -> StoreResult<Option<MsiProduct>> {
        from_doc(self.doc(PRODUCT, id).await?)
    }

    async fn put_product(&mut self, product: &MsiProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.execute(
            sqlx::query(
                "INSERT INTO msi_products (id, seller_id, seq, doc)
                 VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM msi_products), ?3)
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            )
            .bind(&product.id)
            .bind(&product.seller_id)
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    async fn submission(&mut self, id: &str) -> StoreResult<Option<MsiSubmission>> {
        from_doc(self.doc(SUBMISSION, id).await?)
    }

    async fn put_submission(&mut self, submission: &MsiSubmission) -> StoreResult<()> {
        let doc = to_doc(submission)?;
        let status = to_doc(&submission.status)?;
        self.execute(
            sqlx::query(
                "INSERT INTO msi_submissions (id, product_id, status, doc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
            )
            .bind(&submission.id)
            .bind(&submission.product_id)
            .bind(status.trim_matches('"'))
            .bind(doc),
        )
        .await?;
        Ok(())
    }

    // The job statements below write the shared `jobs` table inside this transaction, so a
    // product's change and the job it starts commit together.
    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.signals.enqueued(job.queue);
        self.execute(
            sqlx::query(
                "INSERT INTO jobs (queue, submission_id, step, run_at) VALUES (?, ?, ?, ?)",
            )
            .bind(job.queue)
            .bind(&job.submission_id)
            .bind(&job.step)
            .bind(job.run_at.timestamp_millis()),
        )
        .await?;
        Ok(())
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.execute(sqlx::query("DELETE FROM jobs WHERE id = ?").bind(id))
            .await?;
        Ok(())
    }

    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let count = self
            .execute(
                sqlx::query("UPDATE jobs SET run_at = ?2 WHERE submission_id = ?1 AND run_at > ?2")
                    .bind(key)
                    .bind(at.timestamp_millis()),
            )
            .await?;
        self.signals.made_due(count);
        Ok(count)
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let Self { tx, signals } = *self;
        tx.commit().await.map_err(store_error)?;
        signals.committed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn products_submissions_and_jobs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let main = SqliteStore::open(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        let store = SqliteMsiStore::new(&main);
        crate::conformance::msi_products_submissions_and_jobs_round_trip(&main, &store).await;
    }
}
