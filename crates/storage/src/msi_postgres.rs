//! PostgreSQL storage of MSI/EXE products and submissions ([`MsiStore`]), on the pool and
//! under the write lock of [`PgStore`], so that their jobs share the `jobs` table and its
//! transactions as they do on SQLite ([`crate::msi`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgPool, Postgres};
use storeroom_domain::msi::product::{MsiProduct, MsiSubmission};
use storeroom_domain::msi::store::{MsiStore, MsiTransaction};
use storeroom_domain::store::{NewJob, StoreError, StoreResult};
use tokio::sync::OwnedMutexGuard;

use crate::PgStore;
use crate::postgres::{enqueue, make_due, store_error};

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|err| StoreError::failed(err.to_string()))
}

fn from_doc<T: DeserializeOwned>(doc: Option<String>) -> StoreResult<Option<T>> {
    doc.map(|doc| serde_json::from_str(&doc).map_err(|err| StoreError::failed(err.to_string())))
        .transpose()
}

#[derive(Clone)]
pub struct PgMsiStore {
    store: PgStore,
}

impl PgMsiStore {
    pub fn new(store: &PgStore) -> Self {
        Self {
            store: store.clone(),
        }
    }

    fn pool(&self) -> &PgPool {
        self.store.pool()
    }
}

const PRODUCT: &str = "SELECT doc FROM msi_products WHERE id = $1";
const SUBMISSION: &str = "SELECT doc FROM msi_submissions WHERE id = $1";

#[async_trait]
impl MsiStore for PgMsiStore {
    async fn begin(&self) -> StoreResult<Box<dyn MsiTransaction>> {
        // The same write lock as the main store: MSI and devcenter transactions both write
        // `jobs`, and serialize with each other as they do on SQLite.
        let (tx, gate) = self.store.begin_locked().await?;
        Ok(Box::new(PgMsiTransaction { tx, _gate: gate }))
    }

    async fn product(&self, id: &str) -> StoreResult<Option<MsiProduct>> {
        let doc = sqlx::query_scalar(PRODUCT)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        from_doc(doc)
    }

    async fn products(&self, seller_id: Option<&str>) -> StoreResult<Vec<MsiProduct>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM msi_products WHERE $1::text IS NULL OR seller_id = $1 ORDER BY seq",
        )
        .bind(seller_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        docs.iter()
            .map(|doc| serde_json::from_str(doc).map_err(|err| StoreError::failed(err.to_string())))
            .collect()
    }

    async fn submission(&self, id: &str) -> StoreResult<Option<MsiSubmission>> {
        let doc = sqlx::query_scalar(SUBMISSION)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        from_doc(doc)
    }
}

struct PgMsiTransaction {
    tx: sqlx::Transaction<'static, Postgres>,
    /// Held until the transaction ends (see `PgTransaction`).
    _gate: OwnedMutexGuard<()>,
}

impl PgMsiTransaction {
    async fn doc(&mut self, sql: &'static str, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(store_error)
    }

    async fn execute(
        &mut self,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> StoreResult<u64> {
        let done = query.execute(&mut *self.tx).await.map_err(store_error)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl MsiTransaction for PgMsiTransaction {
    async fn product(&mut self, id: &str) -> StoreResult<Option<MsiProduct>> {
        from_doc(self.doc(PRODUCT, id).await?)
    }

    async fn put_product(&mut self, product: &MsiProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.execute(
            sqlx::query(
                "INSERT INTO msi_products (id, seller_id, doc) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
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
                "INSERT INTO msi_submissions (id, product_id, status, doc) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
            )
            .bind(&submission.id)
            .bind(&submission.product_id)
            .bind(status.trim_matches('"'))
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

    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.execute(make_due(key, at)).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use storeroom_testkit::scratch::ScratchSchema;

    #[tokio::test]
    async fn products_submissions_and_jobs_round_trip() {
        let Some(admin) =
            conformance::postgres_admin_url("MSI products_submissions_and_jobs_round_trip")
        else {
            return;
        };
        let schema = ScratchSchema::create(&admin).await.unwrap();
        let main = PgStore::connect(&schema.url).await.unwrap();
        let store = PgMsiStore::new(&main);
        conformance::msi_products_submissions_and_jobs_round_trip(&main, &store).await;
    }
}
