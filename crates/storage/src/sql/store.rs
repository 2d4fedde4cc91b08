//! [`Store`]: the reads outside transactions, and the job queue, over any [`Backend`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use storeroom_domain::accounts::{AadClient, ClientKey, Seller, Tenant};
use storeroom_domain::application::Application;
use storeroom_domain::dashboard_session::DashboardSession;
use storeroom_domain::flight::Flight;
use storeroom_domain::flight_group::FlightGroup;
use storeroom_domain::in_app_product::InAppProduct;
use storeroom_domain::report::CertificationReport;
use storeroom_domain::store::{
    AppWithSubmissionDoc, Job, Store, StoreError, StoreResult, Transaction,
};
use tokio::sync::Notify;

use super::read_cache::{Cached, Key, ReadCache};
use super::signals::JobSignals;
use super::transaction::SqlTransaction;
use super::{Arg, Backend, RowAccess, from_doc};

/// The store of one database: devcenter records, MSI records and the job queues.
#[derive(Clone)]
pub struct SqlStore<B> {
    pub(crate) backend: B,
    pub(crate) signals: Arc<JobSignals>,
    cache: Arc<ReadCache>,
}

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// `skip` and `top` as LIMIT and OFFSET values.
fn page(skip: u64, top: u64) -> (i64, i64) {
    (
        i64::try_from(top).unwrap_or(i64::MAX),
        i64::try_from(skip).unwrap_or(i64::MAX),
    )
}

fn count(row: Option<&impl RowAccess>) -> StoreResult<u64> {
    let value = row.map(|row| row.int(0)).transpose()?.flatten();
    Ok(value.unwrap_or(0).max(0) as u64)
}

/// Column `column` of a row, which the statement never leaves NULL.
pub(crate) fn required(row: &impl RowAccess, column: usize) -> StoreResult<String> {
    row.text(column)?
        .ok_or_else(|| StoreError::failed(format!("column {column} is unexpectedly NULL")))
}

/// The documents in the first column of `rows`.
pub(crate) fn docs<T: DeserializeOwned>(rows: &[impl RowAccess]) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|row| from_doc(&required(row, 0)?))
        .collect()
}

/// The document in the first column of the first row, if any.
pub(crate) fn first_doc<T: DeserializeOwned>(rows: &[impl RowAccess]) -> StoreResult<Option<T>> {
    rows.first()
        .map(|row| from_doc(&required(row, 0)?))
        .transpose()
}

pub(crate) const SETTING: &str = "SELECT value FROM settings WHERE key = $1";
pub(crate) const SELLER: &str = "SELECT doc FROM sellers WHERE id = $1";
pub(crate) const APPLICATION: &str = "SELECT doc FROM applications WHERE id = $1";
pub(crate) const FLIGHT: &str = "SELECT doc FROM flights WHERE id = $1";
pub(crate) const FLIGHTS: &str = "SELECT doc FROM flights WHERE app_id = $1 ORDER BY seq";
const FLIGHT_GROUP: &str = "SELECT doc FROM flight_groups WHERE id = $1";
pub(crate) const IN_APP_PRODUCT: &str = "SELECT doc FROM in_app_products WHERE id = $1";
const REPORT: &str = "SELECT doc FROM reports WHERE id = $1";

impl<B: Backend> SqlStore<B> {
    pub(crate) fn new(backend: B) -> Self {
        Self {
            backend,
            signals: Arc::default(),
            cache: Arc::default(),
        }
    }

    /// `read`'s answer for `key`, from the cache while the database has not changed since
    /// it was stored (see [`ReadCache`]); `bytes` measures an answer for the cache's budget.
    async fn cached<F>(
        &self,
        key: Key,
        read: F,
        bytes: impl FnOnce(&Cached) -> usize,
    ) -> StoreResult<Cached>
    where
        F: Future<Output = StoreResult<Cached>>,
    {
        let Some(version) = self.backend.data_version() else {
            return read.await;
        };
        if let Some(hit) = self.cache.get(version, &key) {
            return Ok(hit);
        }
        let value = read.await?;
        let size = bytes(&value);
        self.cache.put(version, key, value.clone(), size);
        Ok(value)
    }

    /// A write transaction of the store's own type (both [`Transaction`] and
    /// `MsiTransaction`).
    pub async fn transaction(&self) -> StoreResult<SqlTransaction<B>> {
        let tx = self.backend.begin().await?;
        Ok(SqlTransaction::new(tx, self.signals.clone()))
    }

    pub(crate) async fn doc<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        key: &str,
    ) -> StoreResult<Option<T>> {
        first_doc(&self.backend.fetch(sql, &[Arg::Text(key)]).await?)
    }

    pub(crate) async fn docs<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<T>> {
        docs(&self.backend.fetch(sql, args).await?)
    }
}

/// What the metrics read of the database at each scrape: two grouped counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    /// Per queue: the jobs waiting to run (due or not, and not leased to a runner now).
    pub waiting_jobs: Vec<(String, u64)>,
    /// Per API (`devcenter`, `msi`, `ingestion`) and state: the stored submissions.
    pub submissions: Vec<(String, String, u64)>,
}

impl<B: Backend> SqlStore<B> {
    /// The job and submission counts `/metrics` reports, at time `now` (leases that ran
    /// out count as waiting). Two grouped scans, cheap at the sizes an emulator keeps.
    pub async fn tallies(&self, now: DateTime<Utc>) -> StoreResult<Tallies> {
        let jobs = self
            .backend
            .fetch(
                "SELECT queue, count(*) FROM jobs
                 WHERE lease_until IS NULL OR lease_until < $1 GROUP BY queue",
                &[Arg::Int(millis(now))],
            )
            .await?;
        let submissions = self
            .backend
            .fetch(B::DIALECT.submission_states, &[])
            .await?;
        let number = |row: &B::Row, column| -> StoreResult<u64> {
            Ok(row.int(column)?.unwrap_or_default().max(0) as u64)
        };
        Ok(Tallies {
            waiting_jobs: jobs
                .iter()
                .map(|row| Ok((required(row, 0)?, number(row, 1)?)))
                .collect::<StoreResult<_>>()?,
            submissions: submissions
                .iter()
                .map(|row| {
                    Ok((
                        required(row, 0)?,
                        row.text(1)?.unwrap_or_default(),
                        number(row, 2)?,
                    ))
                })
                .collect::<StoreResult<_>>()?,
        })
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn begin(&self) -> StoreResult<Box<dyn Transaction>> {
        Ok(Box::new(self.transaction().await?))
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let rows = self.backend.fetch(SETTING, &[Arg::Text(key)]).await?;
        rows.first().map(|row| required(row, 0)).transpose()
    }

    async fn tenant(&self, id_or_domain: &str) -> StoreResult<Option<Tenant>> {
        self.doc(B::DIALECT.tenant, id_or_domain).await
    }

    async fn client(&self, client_id: &str) -> StoreResult<Option<AadClient>> {
        let read = async {
            Ok(Cached::Client(
                self.doc(B::DIALECT.client, client_id).await?,
            ))
        };
        // A client's document is a few hundred bytes.
        match self
            .cached(Key::Client(client_id.to_string()), read, |_| 512)
            .await?
        {
            Cached::Client(client) => Ok(client),
            Cached::AppWithSubmission(_) => Err(StoreError::failed("cache entry of another read")),
        }
    }

    async fn clients(&self) -> StoreResult<Vec<AadClient>> {
        self.docs("SELECT doc FROM clients ORDER BY client_id", &[])
            .await
    }

    async fn client_keys(&self, client_id: &str) -> StoreResult<Vec<ClientKey>> {
        self.docs(
            "SELECT doc FROM client_keys WHERE client_id = $1 ORDER BY created_at, key_id",
            &[Arg::Text(client_id)],
        )
        .await
    }

    async fn seller(&self, id: &str) -> StoreResult<Option<Seller>> {
        self.doc(SELLER, id).await
    }

    async fn dashboard_session(&self, token_sha256: &str) -> StoreResult<Option<DashboardSession>> {
        self.doc(
            "SELECT doc FROM dashboard_sessions WHERE token_sha256 = $1",
            token_sha256,
        )
        .await
    }

    async fn application(&self, id: &str) -> StoreResult<Option<Application>> {
        self.doc(APPLICATION, id).await
    }

    async fn applications(
        &self,
        seller_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<Application>, u64)> {
        let (limit, offset) = page(skip, top);
        // Separate statements per case: `$1 IS NULL OR seller_id = $1` keeps SQLite from
        // using the (seller_id, seq) index, which turns every page into a scan and a sort.
        // A seller's page seeks to its apps' places (numbered from 1 by a trigger, see
        // migration 0011) and the total is that trigger's count, so neither walks the list.
        let (total, apps) = match seller_id {
            Some(seller) => (
                self.backend
                    .fetch(
                        "SELECT coalesce((SELECT n FROM application_counts WHERE seller_id = $1), 0)",
                        &[Arg::Text(seller)],
                    )
                    .await?,
                self.docs(
                    "SELECT doc FROM applications WHERE seller_id = $1 AND position > $3
                     ORDER BY position LIMIT $2",
                    &[Arg::Text(seller), Arg::Int(limit), Arg::Int(offset)],
                )
                .await?,
            ),
            None => (
                self.backend
                    .fetch(
                        "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM application_counts",
                        &[],
                    )
                    .await?,
                self.docs(
                    "SELECT doc FROM applications ORDER BY seq LIMIT $1 OFFSET $2",
                    &[Arg::Int(limit), Arg::Int(offset)],
                )
                .await?,
            ),
        };
        Ok((apps, count(total.first())?))
    }

    async fn search_applications(
        &self,
        seller_id: &str,
        text: &str,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<(i64, Application)>> {
        // The text is matched literally: LIKE's wildcards and the escape itself escaped.
        let mut pattern = String::from("%");
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        let rows = self
            .backend
            .fetch(
                B::DIALECT.search_applications,
                &[
                    Arg::Text(seller_id),
                    Arg::Int(after),
                    Arg::Text(&pattern),
                    Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
                ],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let place = row.int(0)?.unwrap_or_default();
                Ok((place, from_doc(&required(row, 1)?)?))
            })
            .collect()
    }

    async fn submission_doc(&self, id: &str) -> StoreResult<Option<String>> {
        let rows = self
            .backend
            .fetch(
                "SELECT doc FROM submissions WHERE id = $1",
                &[Arg::Text(id)],
            )
            .await?;
        rows.first().map(|row| required(row, 0)).transpose()
    }

    async fn application_with_submission_doc(
        &self,
        app_id: &str,
        submission_id: &str,
    ) -> StoreResult<Option<AppWithSubmissionDoc>> {
        let read = async {
            let rows = self
                .backend
                .fetch(
                    "SELECT a.doc, (SELECT s.doc FROM submissions s WHERE s.id = $2)
                     FROM applications a WHERE a.id = $1",
                    &[Arg::Text(app_id), Arg::Text(submission_id)],
                )
                .await?;
            let found = rows
                .first()
                .map(|row| {
                    let app = Arc::new(from_doc(&required(row, 0)?)?);
                    Ok::<_, StoreError>((app, row.text(1)?.map(Arc::from)))
                })
                .transpose()?;
            Ok(Cached::AppWithSubmission(found))
        };
        let key = Key::AppWithSubmission(app_id.to_string(), submission_id.to_string());
        // An app's document is a few KiB; a submission's, what it holds.
        let measure = |value: &Cached| match value {
            Cached::AppWithSubmission(Some(found)) => {
                4096 + found.1.as_ref().map_or(0, |doc| doc.len())
            }
            _ => 4096,
        };
        match self.cached(key, read, measure).await? {
            Cached::AppWithSubmission(found) => Ok(found),
            Cached::Client(_) => Err(StoreError::failed("cache entry of another read")),
        }
    }

    async fn flight(&self, id: &str) -> StoreResult<Option<Flight>> {
        self.doc(FLIGHT, id).await
    }

    async fn flights(&self, app_id: &str) -> StoreResult<Vec<Flight>> {
        self.docs(FLIGHTS, &[Arg::Text(app_id)]).await
    }

    async fn flight_group(&self, id: &str) -> StoreResult<Option<FlightGroup>> {
        self.doc(FLIGHT_GROUP, id).await
    }

    async fn flight_groups(&self) -> StoreResult<Vec<FlightGroup>> {
        self.docs("SELECT doc FROM flight_groups ORDER BY id", &[])
            .await
    }

    async fn in_app_product(&self, id: &str) -> StoreResult<Option<InAppProduct>> {
        self.doc(IN_APP_PRODUCT, id).await
    }

    async fn in_app_products(
        &self,
        seller_id: &str,
        application_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<InAppProduct>, u64)> {
        let (limit, offset) = page(skip, top);
        let filter = [Arg::Text(seller_id), Arg::from(application_id)];
        let total = self
            .backend
            .fetch(B::DIALECT.in_app_products_count, &filter)
            .await?;
        let products = self
            .docs(
                B::DIALECT.in_app_products_page,
                &[filter[0], filter[1], Arg::Int(limit), Arg::Int(offset)],
            )
            .await?;
        Ok((products, count(total.first())?))
    }

    async fn report(&self, id: &str) -> StoreResult<Option<CertificationReport>> {
        self.doc(REPORT, id).await
    }

    async fn claim_job(
        &self,
        queue: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
    ) -> StoreResult<Option<Job>> {
        let rows = self
            .backend
            .write(
                B::DIALECT.claim_job,
                &[
                    Arg::Text(owner),
                    Arg::Int(millis(lease_until)),
                    Arg::Int(millis(now)),
                    Arg::Text(queue),
                ],
            )
            .await?;
        rows.first()
            .map(|row| {
                let int = |column| Ok::<_, StoreError>(row.int(column)?.unwrap_or_default());
                Ok(Job {
                    id: int(0)?,
                    submission_id: required(row, 1)?,
                    step: required(row, 2)?,
                    run_at: from_millis(int(3)?),
                    attempts: u32::try_from(int(4)?.max(0)).unwrap_or(u32::MAX),
                })
            })
            .transpose()
    }

    async fn next_job_due(&self, queue: &str) -> StoreResult<Option<DateTime<Utc>>> {
        // A leased job is due again when its lease runs out (NULL compares as not later).
        let rows = self
            .backend
            .fetch(
                "SELECT min(CASE WHEN lease_until > run_at THEN lease_until ELSE run_at END)
                 FROM jobs WHERE queue = $1",
                &[Arg::Text(queue)],
            )
            .await?;
        let next = rows.first().map(|row| row.int(0)).transpose()?.flatten();
        Ok(next.map(from_millis))
    }

    async fn renew_lease(
        &self,
        id: i64,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let renewed = self
            .backend
            .write(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 RETURNING id",
                &[
                    Arg::Int(id),
                    Arg::Text(owner),
                    Arg::Int(millis(lease_until)),
                ],
            )
            .await?;
        Ok(!renewed.is_empty())
    }

    async fn release_all_leases(&self) -> StoreResult<()> {
        self.backend
            .write(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL",
                &[],
            )
            .await?;
        Ok(())
    }

    async fn release_leases_of(&self, owner: &str) -> StoreResult<u64> {
        let released = self
            .backend
            .write(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1
                 RETURNING id",
                &[Arg::Text(owner)],
            )
            .await?;
        Ok(released.len() as u64)
    }

    async fn retry_job(&self, id: i64, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        self.backend
            .write(
                "UPDATE jobs SET run_at = $2, lease_owner = NULL, lease_until = NULL, last_error = $3
                 WHERE id = $1",
                &[Arg::Int(id), Arg::Int(millis(run_at)), Arg::Text(error)],
            )
            .await?;
        Ok(())
    }

    fn job_signal(&self, queue: &str) -> Arc<Notify> {
        self.signals.get(queue)
    }
}
