//! The storage offers and their submissions need. Jobs of their workflows live in the
//! shared job table (queue [`INGESTION_QUEUE`]), written in the same transaction as the
//! submission they move.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::offer::Offer;
use super::submission::OfferSubmission;
use crate::store::{NewJob, StoreResult};

pub const INGESTION_QUEUE: &str = "ingestion";

#[async_trait]
pub trait IngestionStore: Send + Sync + 'static {
    async fn begin(&self) -> StoreResult<Box<dyn IngestionTransaction>>;
    async fn offer(&self, id: &str) -> StoreResult<Option<Offer>>;
    /// Offers of `seller_id` (every seller's when None) after creation position `after`, at
    /// most `limit`, oldest first.
    async fn offers(
        &self,
        seller_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Offer>>;
    /// The seller's offer whose AzureOfferId, lower-cased, is `offer_key`.
    async fn offer_by_key(&self, seller_id: &str, offer_key: &str) -> StoreResult<Option<Offer>>;
    async fn submission(&self, id: &str) -> StoreResult<Option<OfferSubmission>>;
    /// An offer's submissions, oldest first (superseded ones included).
    async fn submissions(&self, product_id: &str) -> StoreResult<Vec<OfferSubmission>>;
}

#[async_trait]
pub trait IngestionTransaction: Send {
    async fn offer(&mut self, id: &str) -> StoreResult<Option<Offer>>;
    async fn offer_by_key(
        &mut self,
        seller_id: &str,
        offer_key: &str,
    ) -> StoreResult<Option<Offer>>;
    /// The creation position the next offer gets.
    async fn next_offer_position(&mut self) -> StoreResult<i64>;
    async fn put_offer(&mut self, offer: &Offer) -> StoreResult<()>;
    async fn delete_offer(&mut self, id: &str) -> StoreResult<()>;
    async fn submission(&mut self, id: &str) -> StoreResult<Option<OfferSubmission>>;
    async fn submissions(&mut self, product_id: &str) -> StoreResult<Vec<OfferSubmission>>;
    /// The number the next submission id is made of (1, 2, …, across all offers).
    async fn next_submission_number(&mut self) -> StoreResult<i64>;
    async fn put_submission(&mut self, submission: &OfferSubmission) -> StoreResult<()>;
    async fn delete_submission(&mut self, id: &str) -> StoreResult<()>;
    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()>;
    async fn delete_job(&mut self, id: i64) -> StoreResult<()>;
    /// Removes every job waiting for `key`.
    async fn delete_jobs_of(&mut self, key: &str) -> StoreResult<()>;
    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
