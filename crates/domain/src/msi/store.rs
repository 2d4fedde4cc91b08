//! The storage MSI/EXE products need, beside [`crate::store::Store`]. Jobs live in the shared
//! job table (queue [`crate::store::MSI_QUEUE`]) so that a product's change and the job it
//! starts are written in one transaction; claiming them goes through the shared store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::product::{MsiProduct, MsiSubmission};
use crate::store::{NewJob, StoreResult};

#[async_trait]
pub trait MsiStore: Send + Sync + 'static {
    /// A serializable transaction (no two writers of one product interleave).
    async fn begin(&self) -> StoreResult<Box<dyn MsiTransaction>>;
    async fn product(&self, id: &str) -> StoreResult<Option<MsiProduct>>;
    /// A seller's products (every seller's when None), oldest first.
    async fn products(&self, seller_id: Option<&str>) -> StoreResult<Vec<MsiProduct>>;
    async fn submission(&self, id: &str) -> StoreResult<Option<MsiSubmission>>;
}

#[async_trait]
pub trait MsiTransaction: Send {
    async fn product(&mut self, id: &str) -> StoreResult<Option<MsiProduct>>;
    async fn put_product(&mut self, product: &MsiProduct) -> StoreResult<()>;
    async fn submission(&mut self, id: &str) -> StoreResult<Option<MsiSubmission>>;
    async fn put_submission(&mut self, submission: &MsiSubmission) -> StoreResult<()>;
    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()>;
    async fn delete_job(&mut self, id: i64) -> StoreResult<()>;
    /// Makes the waiting jobs of `key` (a product or submission id) due at `at`.
    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
