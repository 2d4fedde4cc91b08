//! [`Transaction`]: the writes of devcenter records and jobs, over any [`Backend`].

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use storeroom_domain::accounts::{AadClient, ClientKey, Seller, Tenant};
use storeroom_domain::application::Application;
use storeroom_domain::dashboard_session::DashboardSession;
use storeroom_domain::flight::Flight;
use storeroom_domain::flight_group::FlightGroup;
use storeroom_domain::in_app_product::InAppProduct;
use storeroom_domain::report::CertificationReport;
use storeroom_domain::store::{NewJob, StoreResult, SubmissionHeader, Transaction};

use super::signals::JobSignals;
use super::store::{
    APPLICATION, FLIGHT, FLIGHTS, IN_APP_PRODUCT, SETTING, docs, first_doc, millis, required,
};
use super::{Arg, Backend, RowAccess, to_doc};
use crate::versions::{ReadVersions, Versioned};

/// A write transaction; also the MSI store's (`MsiTransaction`), so that devcenter and MSI
/// records and their jobs commit together under the same lock and version checks.
pub struct SqlTransaction<B: Backend> {
    pub(crate) tx: B::Tx,
    versions: ReadVersions,
    /// Queues this transaction enqueued a job on or made jobs due in: woken on commit.
    woken: BTreeSet<String>,
    signals: Arc<JobSignals>,
}

/// A versioned write: the compare-and-swap `update` ($1 id, $2 version read, then its own
/// values) when this transaction read the record, else the `upsert`, which bumps the
/// version of a record it overwrites blindly. Both return the stored version.
pub(crate) struct VersionedWrite<'a> {
    pub kind: Versioned,
    pub id: &'a str,
    pub update: &'static str,
    pub update_values: &'a [Arg<'a>],
    pub upsert: &'static str,
    pub upsert_args: &'a [Arg<'a>],
}

impl<B: Backend> SqlTransaction<B> {
    pub(crate) fn new(tx: B::Tx, signals: Arc<JobSignals>) -> Self {
        Self {
            tx,
            versions: ReadVersions::default(),
            woken: BTreeSet::new(),
            signals,
        }
    }

    pub(crate) async fn fetch(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<B::Row>> {
        B::fetch_in(&mut self.tx, sql, args).await
    }

    /// Runs a write whose rows (if it returns any) are not needed.
    pub(crate) async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<()> {
        self.fetch(sql, args).await?;
        Ok(())
    }

    pub(crate) async fn doc<T: DeserializeOwned>(
        &mut self,
        sql: &'static str,
        key: &str,
    ) -> StoreResult<Option<T>> {
        first_doc(&self.fetch(sql, &[Arg::Text(key)]).await?)
    }

    /// The document and version (`SELECT doc, version … WHERE id = $1`) of a versioned
    /// record, remembering the version for the write back.
    pub(crate) async fn versioned_doc(
        &mut self,
        kind: Versioned,
        sql: &'static str,
        id: &str,
    ) -> StoreResult<Option<String>> {
        let rows = self.fetch(sql, &[Arg::Text(id)]).await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let doc = required(row, 0)?;
        self.versions.saw(kind, id, row.int(1)?.unwrap_or_default());
        Ok(Some(doc))
    }

    pub(crate) async fn write_versioned(&mut self, write: VersionedWrite<'_>) -> StoreResult<()> {
        let rows = match self.versions.get(write.kind, write.id) {
            // Read in this transaction: write back only over the version that was read.
            Some(read) => {
                let mut args = vec![Arg::Text(write.id), Arg::Int(read)];
                args.extend_from_slice(write.update_values);
                self.fetch(write.update, &args).await?
            }
            // A new record (or a blind write, which is based on no earlier read).
            None => self.fetch(write.upsert, write.upsert_args).await?,
        };
        let version = rows.first().map(|row| row.int(0)).transpose()?.flatten();
        let version = version.ok_or_else(|| write.kind.conflict(write.id))?;
        self.versions.saw(write.kind, write.id, version);
        Ok(())
    }

    /// Forgets the version read of a record this transaction deletes.
    pub(crate) fn forget(&mut self, kind: Versioned, id: &str) {
        self.versions.forget(kind, id);
    }

    /// Remembers the version of a record read by a statement of the caller's own.
    pub(crate) fn saw(&mut self, kind: Versioned, id: &str, version: i64) {
        self.versions.saw(kind, id, version);
    }

    pub(crate) async fn enqueue(&mut self, job: &NewJob) -> StoreResult<()> {
        self.execute(
            "INSERT INTO jobs (queue, submission_id, step, run_at) VALUES ($1, $2, $3, $4)",
            &[
                Arg::Text(job.queue),
                Arg::Text(&job.submission_id),
                Arg::Text(&job.step),
                Arg::Int(millis(job.run_at)),
            ],
        )
        .await?;
        self.woken.insert(job.queue.to_string());
        Ok(())
    }

    /// Makes the waiting jobs of `key` (a submission or product id) due at `at`.
    pub(crate) async fn make_due(&mut self, key: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let rows = self
            .fetch(
                "UPDATE jobs SET run_at = $2 WHERE submission_id = $1 AND run_at > $2 RETURNING queue",
                &[Arg::Text(key), Arg::Int(millis(at))],
            )
            .await?;
        for row in &rows {
            self.woken.insert(required(row, 0)?);
        }
        Ok(rows.len() as u64)
    }

    pub(crate) async fn remove_job(&mut self, id: i64) -> StoreResult<()> {
        self.execute("DELETE FROM jobs WHERE id = $1", &[Arg::Int(id)])
            .await?;
        Ok(())
    }

    /// Commits, then wakes the runners of the queues that have new due work.
    pub(crate) async fn finish(self) -> StoreResult<()> {
        B::commit(self.tx).await?;
        for queue in &self.woken {
            self.signals.notify(queue);
        }
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> Transaction for SqlTransaction<B> {
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String> {
        // DO NOTHING then re-read: whichever instance inserted first, every one reads the
        // same stored value (the write lock already orders them; this holds without it).
        self.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[Arg::Text(key), Arg::Text(value)],
        )
        .await?;
        let rows = self.fetch(SETTING, &[Arg::Text(key)]).await?;
        rows.first().map_or_else(
            || {
                Err(storeroom_domain::store::StoreError::failed(
                    "setting vanished",
                ))
            },
            |row| required(row, 0),
        )
    }

    async fn put_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[Arg::Text(key), Arg::Text(value)],
        )
        .await?;
        Ok(())
    }

    async fn insert_tenant(&mut self, tenant: &Tenant) -> StoreResult<()> {
        let doc = to_doc(tenant)?;
        self.execute(
            "INSERT INTO tenants (id, domain, doc) VALUES ($1, $2, $3)",
            &[
                Arg::Text(&tenant.id),
                Arg::Text(&tenant.domain),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn insert_seller(&mut self, seller: &Seller) -> StoreResult<()> {
        let doc = to_doc(seller)?;
        self.execute(
            "INSERT INTO sellers (id, doc) VALUES ($1, $2)",
            &[Arg::Text(&seller.id), Arg::Text(&doc)],
        )
        .await?;
        Ok(())
    }

    async fn insert_client(&mut self, client: &AadClient) -> StoreResult<()> {
        let doc = to_doc(client)?;
        self.execute(
            "INSERT INTO clients (client_id, tenant_id, doc) VALUES ($1, $2, $3)",
            &[
                Arg::Text(&client.client_id),
                Arg::Text(&client.tenant_id),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn put_client(&mut self, client: &AadClient) -> StoreResult<()> {
        let doc = to_doc(client)?;
        self.execute(
            "UPDATE clients SET doc = $2 WHERE client_id = $1",
            &[Arg::Text(&client.client_id), Arg::Text(&doc)],
        )
        .await
    }

    async fn insert_client_key(&mut self, key: &ClientKey) -> StoreResult<()> {
        let doc = to_doc(key)?;
        self.execute(
            "INSERT INTO client_keys (key_id, client_id, created_at, doc) VALUES ($1, $2, $3, $4)",
            &[
                Arg::Text(&key.key_id),
                Arg::Text(&key.client_id),
                Arg::Int(millis(key.created_at)),
                Arg::Text(&doc),
            ],
        )
        .await
    }

    async fn delete_client_key(&mut self, client_id: &str, key_id: &str) -> StoreResult<bool> {
        let deleted = self
            .fetch(
                "DELETE FROM client_keys WHERE client_id = $1 AND key_id = $2 RETURNING key_id",
                &[Arg::Text(client_id), Arg::Text(key_id)],
            )
            .await?;
        Ok(!deleted.is_empty())
    }

    async fn insert_dashboard_session(&mut self, session: &DashboardSession) -> StoreResult<()> {
        let doc = to_doc(session)?;
        self.execute(
            "INSERT INTO dashboard_sessions (token_sha256, expires_at, doc) VALUES ($1, $2, $3)",
            &[
                Arg::Text(&session.token_sha256),
                Arg::Int(millis(session.expires_at)),
                Arg::Text(&doc),
            ],
        )
        .await
    }

    async fn delete_dashboard_session(&mut self, token_sha256: &str) -> StoreResult<bool> {
        let deleted = self
            .fetch(
                "DELETE FROM dashboard_sessions WHERE token_sha256 = $1 RETURNING token_sha256",
                &[Arg::Text(token_sha256)],
            )
            .await?;
        Ok(!deleted.is_empty())
    }

    async fn delete_expired_dashboard_sessions(&mut self, now: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = self
            .fetch(
                "DELETE FROM dashboard_sessions WHERE expires_at <= $1 RETURNING token_sha256",
                &[Arg::Int(millis(now))],
            )
            .await?;
        Ok(deleted.len() as u64)
    }

    async fn application(&mut self, id: &str) -> StoreResult<Option<Application>> {
        self.doc(APPLICATION, id).await
    }

    async fn put_application(&mut self, app: &Application) -> StoreResult<()> {
        let doc = to_doc(app)?;
        self.execute(
            B::DIALECT.put_application,
            &[
                Arg::Text(&app.id),
                Arg::Text(&app.seller_id),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn submission_doc(&mut self, id: &str) -> StoreResult<Option<String>> {
        self.versioned_doc(
            Versioned::Submission,
            "SELECT doc, version FROM submissions WHERE id = $1",
            id,
        )
        .await
    }

    async fn put_submission_doc(
        &mut self,
        header: &SubmissionHeader,
        doc: &str,
    ) -> StoreResult<()> {
        let status = header.status.as_str();
        self.write_versioned(VersionedWrite {
            kind: Versioned::Submission,
            id: &header.id,
            update: "UPDATE submissions SET status = $3, doc = $4, version = version + 1
                     WHERE id = $1 AND version = $2 RETURNING version",
            update_values: &[Arg::Text(status), Arg::Text(doc)],
            upsert: "INSERT INTO submissions (id, product_id, product_kind, status, doc)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc,
                         version = submissions.version + 1
                     RETURNING version",
            upsert_args: &[
                Arg::Text(&header.id),
                Arg::Text(header.product.id()),
                Arg::Text(header.product.kind().as_str()),
                Arg::Text(status),
                Arg::Text(doc),
            ],
        })
        .await
    }

    async fn delete_submission(&mut self, id: &str) -> StoreResult<()> {
        self.versions.forget(Versioned::Submission, id);
        self.execute(
            "DELETE FROM jobs WHERE submission_id = $1",
            &[Arg::Text(id)],
        )
        .await?;
        self.execute("DELETE FROM submissions WHERE id = $1", &[Arg::Text(id)])
            .await?;
        Ok(())
    }

    async fn flight(&mut self, id: &str) -> StoreResult<Option<Flight>> {
        self.doc(FLIGHT, id).await
    }

    async fn flights(&mut self, app_id: &str) -> StoreResult<Vec<Flight>> {
        docs(&self.fetch(FLIGHTS, &[Arg::Text(app_id)]).await?)
    }

    async fn put_flight(&mut self, flight: &Flight) -> StoreResult<()> {
        let doc = to_doc(flight)?;
        self.execute(
            B::DIALECT.put_flight,
            &[
                Arg::Text(&flight.id),
                Arg::Text(&flight.app_id),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_flight(&mut self, id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM flights WHERE id = $1", &[Arg::Text(id)])
            .await?;
        Ok(())
    }

    async fn put_flight_group(&mut self, group: &FlightGroup) -> StoreResult<()> {
        let doc = to_doc(group)?;
        self.execute(
            "INSERT INTO flight_groups (id, doc) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            &[Arg::Text(&group.id), Arg::Text(&doc)],
        )
        .await?;
        Ok(())
    }

    async fn delete_flight_group(&mut self, id: &str) -> StoreResult<bool> {
        let deleted = self
            .fetch(
                "DELETE FROM flight_groups WHERE id = $1 RETURNING id",
                &[Arg::Text(id)],
            )
            .await?;
        Ok(!deleted.is_empty())
    }

    async fn in_app_product(&mut self, id: &str) -> StoreResult<Option<InAppProduct>> {
        self.doc(IN_APP_PRODUCT, id).await
    }

    async fn in_app_product_by_product_id(
        &mut self,
        seller_id: &str,
        product_id: &str,
    ) -> StoreResult<Option<InAppProduct>> {
        first_doc(
            &self
                .fetch(
                    "SELECT doc FROM in_app_products
                     WHERE seller_id = $1 AND lower(product_id) = lower($2)",
                    &[Arg::Text(seller_id), Arg::Text(product_id)],
                )
                .await?,
        )
    }

    async fn put_in_app_product(&mut self, product: &InAppProduct) -> StoreResult<()> {
        let doc = to_doc(product)?;
        self.execute(
            B::DIALECT.put_in_app_product,
            &[
                Arg::Text(&product.id),
                Arg::Text(&product.seller_id),
                Arg::Text(&product.product_id),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_in_app_product(&mut self, id: &str) -> StoreResult<()> {
        self.execute(
            "DELETE FROM in_app_products WHERE id = $1",
            &[Arg::Text(id)],
        )
        .await?;
        Ok(())
    }

    async fn insert_report(&mut self, report: &CertificationReport) -> StoreResult<()> {
        let doc = to_doc(report)?;
        self.execute(
            "INSERT INTO reports (id, submission_id, created_at, doc) VALUES ($1, $2, $3, $4)",
            &[
                Arg::Text(&report.id),
                Arg::Text(&report.submission_id),
                Arg::Int(millis(report.date)),
                Arg::Text(&doc),
            ],
        )
        .await?;
        Ok(())
    }

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
        self.enqueue(job).await
    }

    async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
        self.remove_job(id).await
    }

    async fn has_jobs(&mut self, submission_id: &str) -> StoreResult<bool> {
        let rows = self
            .fetch(
                "SELECT id FROM jobs WHERE submission_id = $1 LIMIT 1",
                &[Arg::Text(submission_id)],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn make_jobs_due(&mut self, submission_id: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.make_due(submission_id, at).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.finish().await
    }
}
