//! [`IngestionStore`]: Azure Marketplace offers and their submissions in the same store and
//! transactions as every other record, so that a submission's change and the job it
//! starts (queue `ingestion` of the shared `jobs` table) commit together, under the same
//! version checks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use storeroom_domain::ingestion::offer::Offer;
use storeroom_domain::ingestion::store::{IngestionStore, IngestionTransaction};
use storeroom_domain::ingestion::submission::OfferSubmission;
use storeroom_domain::store::{NewJob, StoreResult};

use super::store::{docs, first_doc};
use super::transaction::VersionedWrite;
use super::{Arg, Backend, RowAccess, SqlStore, SqlTransaction, from_doc, to_doc};
use crate::versions::Versioned;

const OFFER: &str = "SELECT doc, version FROM ingestion_offers WHERE id = $1";
const OFFER_BY_KEY: &str =
    "SELECT doc, version, id FROM ingestion_offers WHERE seller_id = $1 AND offer_key = $2";
const SUBMISSION: &str = "SELECT doc, version FROM ingestion_submissions WHERE id = $1";
const SUBMISSIONS: &str =
    "SELECT doc FROM ingestion_submissions WHERE product_id = $1 ORDER BY number";

#[async_trait]
impl<B: Backend> IngestionStore for SqlStore<B> {
    async fn begin(&self) -> StoreResult<Box<dyn IngestionTransaction>> {
        Ok(Box::new(self.transaction().await?))
    }

    async fn offer(&self, id: &str) -> StoreResult<Option<Offer>> {
        self.doc(OFFER, id).await
    }

    async fn offers(
        &self,
        seller_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Offer>> {
        let limit = i64::from(limit);
        match seller_id {
            Some(seller) => {
                self.docs(
                    "SELECT doc FROM ingestion_offers WHERE seller_id = $1 AND position > $2
                     ORDER BY position LIMIT $3",
                    &[Arg::Text(seller), Arg::Int(after), Arg::Int(limit)],
                )
                .await
            }
            None => {
                self.docs(
                    "SELECT doc FROM ingestion_offers WHERE position > $1 ORDER BY position LIMIT $2",
                    &[Arg::Int(after), Arg::Int(limit)],
                )
                .await
            }
        }
    }

    async fn offer_by_key(&self, seller_id: &str, offer_key: &str) -> StoreResult<Option<Offer>> {
        first_doc(
            &self
                .backend
                .fetch(OFFER_BY_KEY, &[Arg::Text(seller_id), Arg::Text(offer_key)])
                .await?,
        )
    }

    async fn submission(&self, id: &str) -> StoreResult<Option<OfferSubmission>> {
        self.doc(SUBMISSION, id).await
    }

    async fn submissions(&self, product_id: &str) -> StoreResult<Vec<OfferSubmission>> {
        self.docs(SUBMISSIONS, &[Arg::Text(product_id)]).await
    }
}

#[async_trait]
impl<B: Backend> IngestionTransaction for SqlTransaction<B> {
    async fn offer(&mut self, id: &str) -> StoreResult<Option<Offer>> {
        self.versioned_doc(Versioned::Offer, OFFER, id)
            .await?
            .map(|doc| from_doc(&doc))
            .transpose()
    }

    async fn offer_by_key(
        &mut self,
        seller_id: &str,
        offer_key: &str,
    ) -> StoreResult<Option<Offer>> {
        first_doc(
            &self
                .fetch(OFFER_BY_KEY, &[Arg::Text(seller_id), Arg::Text(offer_key)])
                .await?,
        )
    }

    async fn next_offer_position(&mut self) -> StoreResult<i64> {
        next_number(
            &self
                .fetch(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM ingestion_offers",
                    &[],
                )
                .await?,
        )
    }

    async fn put_offer(&mut self, offer: &Offer) -> StoreResult<()> {
        let doc = to_doc(offer)?;
        self.write_versioned(VersionedWrite {
            kind: Versioned::Offer,
            id: &offer.id,
            update: "UPDATE ingestion_offers SET doc = $3, version = version + 1
                     WHERE id = $1 AND version = $2 RETURNING version",
            update_values: &[Arg::Text(&doc)],
            upsert: "INSERT INTO ingestion_offers (id, seller_id, position, offer_key, resource_type, doc)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (id) DO UPDATE SET doc = excluded.doc,
                         version = ingestion_offers.version + 1
                     RETURNING version",
            upsert_args: &[
                Arg::Text(&offer.id),
                Arg::Text(&offer.seller_id),
                Arg::Int(offer.position),
                Arg::Text(&offer.offer_key),
                Arg::Text(&offer.resource_type),
                Arg::Text(&doc),
            ],
        })
        .await
    }

    async fn delete_offer(&mut self, id: &str) -> StoreResult<()> {
        self.forget(Versioned::Offer, id);
        self.execute(
            "DELETE FROM ingestion_offers WHERE id = $1",
            &[Arg::Text(id)],
        )
        .await
    }

    async fn submission(&mut self, id: &str) -> StoreResult<Option<OfferSubmission>> {
        self.versioned_doc(Versioned::OfferSubmission, SUBMISSION, id)
            .await?
            .map(|doc| from_doc(&doc))
            .transpose()
    }

    async fn submissions(&mut self, product_id: &str) -> StoreResult<Vec<OfferSubmission>> {
        // Read with their versions: a transaction that writes one back writes over what it saw.
        let rows = self
            .fetch(
                "SELECT doc, version, id FROM ingestion_submissions WHERE product_id = $1 ORDER BY number",
                &[Arg::Text(product_id)],
            )
            .await?;
        for row in &rows {
            if let (Some(id), Some(version)) = (row.text(2)?, row.int(1)?) {
                self.saw(Versioned::OfferSubmission, &id, version);
            }
        }
        docs(&rows)
    }

    async fn next_submission_number(&mut self) -> StoreResult<i64> {
        next_number(
            &self
                .fetch(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM ingestion_submissions",
                    &[],
                )
                .await?,
        )
    }

    async fn put_submission(&mut self, submission: &OfferSubmission) -> StoreResult<()> {
        let doc = to_doc(submission)?;
        // The number is the id's offset from 2^60 (see the domain's submission ids).
        let number = submission
            .id
            .parse::<u64>()
            .map(|id| id.saturating_sub(1 << 60))
            .ok()
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or_default();
        self.write_versioned(VersionedWrite {
            kind: Versioned::OfferSubmission,
            id: &submission.id,
            update: "UPDATE ingestion_submissions SET doc = $3, version = version + 1
                     WHERE id = $1 AND version = $2 RETURNING version",
            update_values: &[Arg::Text(&doc)],
            upsert: "INSERT INTO ingestion_submissions (id, product_id, number, doc) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET doc = excluded.doc,
                         version = ingestion_submissions.version + 1
                     RETURNING version",
            upsert_args: &[
                Arg::Text(&submission.id),
                Arg::Text(&submission.product_id),
                Arg::Int(number),
                Arg::Text(&doc),
            ],
        })
        .await
    }

    async fn delete_submission(&mut self, id: &str) -> StoreResult<()> {
        self.forget(Versioned::OfferSubmission, id);
        self.execute(
            "DELETE FROM ingestion_submissions WHERE id = $1",
            &[Arg::Text(id)],
        )
        .await
    }

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.enqueue(job).await
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.remove_job(id).await
    }

    async fn delete_jobs_of(&mut self, key: &str) -> StoreResult<()> {
        self.execute(
            "DELETE FROM jobs WHERE submission_id = $1",
            &[Arg::Text(key)],
        )
        .await
    }

    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.make_due(key, at).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.finish().await
    }
}

fn next_number(rows: &[impl RowAccess]) -> StoreResult<i64> {
    Ok(rows
        .first()
        .map(|row| row.int(0))
        .transpose()?
        .flatten()
        .unwrap_or(1))
}
