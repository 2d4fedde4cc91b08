//! [`MsiStore`]: MSI/EXE products and submissions in the same store and transactions as the
//! devcenter records, so that a product's change and the job it starts (queue `msi` of the
//! shared `jobs` table) commit together, under the same version checks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use storeroom_domain::msi::product::{MsiProduct, MsiSubmission};
use storeroom_domain::msi::store::{MsiStore, MsiTransaction};
use storeroom_domain::store::{NewJob, StoreResult};

use super::transaction::VersionedWrite;
use super::{Arg, Backend, SqlStore, SqlTransaction, from_doc, to_doc};
use crate::versions::Versioned;

const PRODUCT: &str = "SELECT doc, version FROM msi_products WHERE id = $1";
const SUBMISSION: &str = "SELECT doc, version FROM msi_submissions WHERE id = $1";

#[async_trait]
impl<B: Backend> MsiStore for SqlStore<B> {
    async fn begin(&self) -> StoreResult<Box<dyn MsiTransaction>> {
        Ok(Box::new(self.transaction().await?))
    }

    async fn product(&self, id: &str) -> StoreResult<Option<MsiProduct>> {
        self.doc(PRODUCT, id).await
    }

    async fn products(&self, seller_id: Option<&str>) -> StoreResult<Vec<MsiProduct>> {
        match seller_id {
            Some(seller) => {
                self.docs(
                    "SELECT doc FROM msi_products WHERE seller_id = $1 ORDER BY seq",
                    &[Arg::Text(seller)],
                )
                .await
            }
            None => {
                self.docs("SELECT doc FROM msi_products ORDER BY seq", &[])
                    .await
            }
        }
    }

    async fn submission(&self, id: &str) -> StoreResult<Option<MsiSubmission>> {
        self.doc(SUBMISSION, id).await
    }
}

#[async_trait]
impl<B: Backend> MsiTransaction for SqlTransaction<B> {
    async fn product(&mut self, id: &str) -> StoreResult<Option<MsiProduct>> {
        self.versioned_doc(Versioned::MsiProduct, PRODUCT, id)
            .await?
            .map(|doc| from_doc(&doc))
            .transpose()
    }

    async fn put_product(&mut self, product: &MsiProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.write_versioned(VersionedWrite {
            kind: Versioned::MsiProduct,
            id: &product.id,
            update: "UPDATE msi_products SET doc = $3, version = version + 1
                     WHERE id = $1 AND version = $2 RETURNING version",
            update_values: &[Arg::Text(&doc)],
            upsert: B::DIALECT.put_msi_product,
            upsert_args: &[
                Arg::Text(&product.id),
                Arg::Text(&product.seller_id),
                Arg::Text(&doc),
            ],
        })
        .await
    }

    async fn submission(&mut self, id: &str) -> StoreResult<Option<MsiSubmission>> {
        self.versioned_doc(Versioned::MsiSubmission, SUBMISSION, id)
            .await?
            .map(|doc| from_doc(&doc))
            .transpose()
    }

    async fn put_submission(&mut self, submission: &MsiSubmission) -> StoreResult<()> {
        let doc = to_doc(submission)?;
        // The status column holds the serde name of the status, without JSON quotes.
        let status = to_doc(&submission.status)?;
        let status = status.trim_matches('"');
        self.write_versioned(VersionedWrite {
            kind: Versioned::MsiSubmission,
            id: &submission.id,
            update: "UPDATE msi_submissions SET status = $3, doc = $4, version = version + 1
                     WHERE id = $1 AND version = $2 RETURNING version",
            update_values: &[Arg::Text(status), Arg::Text(&doc)],
            upsert:
                "INSERT INTO msi_submissions (id, product_id, status, doc) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc,
                         version = msi_submissions.version + 1
                     RETURNING version",
            upsert_args: &[
                Arg::Text(&submission.id),
                Arg::Text(&submission.product_id),
                Arg::Text(status),
                Arg::Text(&doc),
            ],
        })
        .await
    }

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.enqueue(job).await
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.remove_job(id).await
    }

    async fn make_jobs_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.make_due(key, at).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.finish().await
    }
}
