//! The storage the domain needs, as traits. `storeroom-storage` implements them.
//!
//! Reads that need no consistency go straight to [`Store`]. Every change goes through a
//! [`Transaction`]: load what the rule needs, decide with the pure functions of this crate,
//! write back, commit. Implementations make transactions serializable for the rows they
//! touch (SQLite: `BEGIN IMMEDIATE`), so two requests never interleave on one product.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::accounts::{AadClient, ClientKey, Seller, Tenant};
use crate::application::Application;
use crate::dashboard_session::DashboardSession;
use crate::flight::Flight;
use crate::flight_group::FlightGroup;
use crate::in_app_product::InAppProduct;
use crate::product::ProductRef;
use crate::report::CertificationReport;

/// An app and the stored document of one of its submissions (if there is one), shared
/// rather than copied: a polled submission is read again and again from a cache.
pub type AppWithSubmissionDoc = (Arc<Application>, Option<Arc<str>>);
use crate::submission::Submission;
use serde::{Deserialize, Serialize};
use storeroom_wire::devcenter::SubmissionStatus;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage failed: not the caller's fault (500).
    #[error("{0}")]
    Failed(String),
    /// A write lost a race: the record changed since this transaction read it (409
    /// `InvalidState` on the wire). Retrying the request reads the new state.
    #[error("{message}")]
    Conflict { message: String, target: String },
}

impl StoreError {
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One step of the pipeline waiting to run for a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub submission_id: String,
    pub step: String,
    pub run_at: DateTime<Utc>,
    pub attempts: u32,
}

/// Job queues: each worker claims from its own.
pub const DEVCENTER_QUEUE: &str = "devcenter";
pub const MSI_QUEUE: &str = "msi";

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub queue: &'static str,
    pub submission_id: String,
    pub step: String,
    pub run_at: DateTime<Utc>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn begin(&self) -> StoreResult<Box<dyn Transaction>>;

    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn tenant(&self, id_or_domain: &str) -> StoreResult<Option<Tenant>>;
    async fn client(&self, client_id: &str) -> StoreResult<Option<AadClient>>;
    /// Every client, by client id (an emulator holds a handful).
    async fn clients(&self) -> StoreResult<Vec<AadClient>>;
    /// The keys of client `client_id` (its id as stored), oldest first.
    async fn client_keys(&self, client_id: &str) -> StoreResult<Vec<ClientKey>>;
    async fn seller(&self, id: &str) -> StoreResult<Option<Seller>>;
    /// The dashboard session stored under `token_sha256`, expired or not.
    async fn dashboard_session(&self, token_sha256: &str) -> StoreResult<Option<DashboardSession>>;

    async fn application(&self, id: &str) -> StoreResult<Option<Application>>;
    /// A page of a seller's applications (all sellers when `seller_id` is None), oldest
    /// first, with the total count.
    async fn applications(
        &self,
        seller_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<Application>, u64)>;
    /// A seller's apps whose name contains `text` (any letter case) placed after `after` in
    /// the seller's list (0: from the start), at most `limit`, each with its place: a search
    /// pages by seeking to the last place it showed, however long the list.
    async fn search_applications(
        &self,
        seller_id: &str,
        text: &str,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<(i64, Application)>>;
    /// A submission's stored document (any kind of product).
    async fn submission_doc(&self, id: &str) -> StoreResult<Option<String>>;
    /// An app and the stored document of submission `submission_id` (whoever's it is), in
    /// one round trip: the read behind every submission GET.
    async fn application_with_submission_doc(
        &self,
        app_id: &str,
        submission_id: &str,
    ) -> StoreResult<Option<AppWithSubmissionDoc>>;
    async fn flight(&self, id: &str) -> StoreResult<Option<Flight>>;
    /// Every flight of an app.
    async fn flights(&self, app_id: &str) -> StoreResult<Vec<Flight>>;
    async fn flight_group(&self, id: &str) -> StoreResult<Option<FlightGroup>>;
    async fn flight_groups(&self) -> StoreResult<Vec<FlightGroup>>;
    async fn in_app_product(&self, id: &str) -> StoreResult<Option<InAppProduct>>;
    /// A page of a seller's add-ons (only those of `application_id` when given), oldest
    /// first, with the total count.
    async fn in_app_products(
        &self,
        seller_id: &str,
        application_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> StoreResult<(Vec<InAppProduct>, u64)>;
    async fn report(&self, id: &str) -> StoreResult<Option<CertificationReport>>;

    /// Leases the next due job for `lease_until`, or None when nothing is due.
    async fn claim_job(
        &self,
        queue: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
    ) -> StoreResult<Option<Job>>;
    /// When the next job becomes due, to know how long the worker may sleep.
    async fn next_job_due(&self, queue: &str) -> StoreResult<Option<DateTime<Utc>>>;
    /// Extends the lease of a job `owner` still holds; false when it lost the lease (it
    /// expired and another worker claimed the job, or the job is gone). Workers renew while
    /// a step runs, so a lease only has to outlive a missed renewal, not the longest step.
    async fn renew_lease(
        &self,
        id: i64,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Gives up every lease: on an embedded single-instance store, jobs leased by a process
    /// that died are ready again at once on restart. Never called on a shared database,
    /// where another instance may hold them: there a dead holder's leases expire instead.
    async fn release_all_leases(&self) -> StoreResult<()>;
    /// Gives up the leases `owner` holds, returning how many: a runner that stops (the
    /// process is told to) hands its jobs back, so that another instance of a shared
    /// database runs them at once instead of when the leases run out.
    async fn release_leases_of(&self, owner: &str) -> StoreResult<u64>;
    /// Pushes a failed job back, recording the failure.
    async fn retry_job(&self, id: i64, run_at: DateTime<Utc>, error: &str) -> StoreResult<()>;

    /// The wake-up of `queue`'s runner (the same `Notify` on every call): the store
    /// notifies it once a transaction that enqueued a job on the queue, or made its jobs
    /// due, has committed (`notify_one`, so a runner busy at that moment still sees it).
    /// Only this process's commits notify; jobs another instance enqueues on a shared
    /// database are found by the runner's idle poll.
    fn job_signal(&self, queue: &str) -> std::sync::Arc<tokio::sync::Notify>;
}

#[async_trait]
pub trait Transaction: Send {
    /// Stores a setting unless it exists; returns the stored value either way.
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String>;
    async fn put_setting(&mut self, key: &str, value: &str) -> StoreResult<()>;
    async fn insert_tenant(&mut self, tenant: &Tenant) -> StoreResult<()>;
    async fn insert_seller(&mut self, seller: &Seller) -> StoreResult<()>;
    async fn insert_client(&mut self, client: &AadClient) -> StoreResult<()>;
    /// Replaces a stored client's document (its role changed).
    async fn put_client(&mut self, client: &AadClient) -> StoreResult<()>;
    async fn insert_client_key(&mut self, key: &ClientKey) -> StoreResult<()>;
    /// Removes a key of `client_id`; whether it existed.
    async fn delete_client_key(&mut self, client_id: &str, key_id: &str) -> StoreResult<bool>;
    async fn insert_dashboard_session(&mut self, session: &DashboardSession) -> StoreResult<()>;
    /// Removes a dashboard session (signing out); whether it existed.
    async fn delete_dashboard_session(&mut self, token_sha256: &str) -> StoreResult<bool>;
    /// Removes the sessions that expired before `now`; how many.
    async fn delete_expired_dashboard_sessions(&mut self, now: DateTime<Utc>) -> StoreResult<u64>;

    async fn application(&mut self, id: &str) -> StoreResult<Option<Application>>;
    async fn put_application(&mut self, app: &Application) -> StoreResult<()>;
    async fn submission_doc(&mut self, id: &str) -> StoreResult<Option<String>>;
    async fn put_submission_doc(&mut self, header: &SubmissionHeader, doc: &str)
    -> StoreResult<()>;
    async fn delete_submission(&mut self, id: &str) -> StoreResult<()>;

    async fn flight(&mut self, id: &str) -> StoreResult<Option<Flight>>;
    async fn flights(&mut self, app_id: &str) -> StoreResult<Vec<Flight>>;
    async fn put_flight(&mut self, flight: &Flight) -> StoreResult<()>;
    async fn delete_flight(&mut self, id: &str) -> StoreResult<()>;
    async fn put_flight_group(&mut self, group: &FlightGroup) -> StoreResult<()>;
    async fn delete_flight_group(&mut self, id: &str) -> StoreResult<bool>;

    async fn in_app_product(&mut self, id: &str) -> StoreResult<Option<InAppProduct>>;
    /// The seller's add-on with this product id, compared case-insensitively.
    async fn in_app_product_by_product_id(
        &mut self,
        seller_id: &str,
        product_id: &str,
    ) -> StoreResult<Option<InAppProduct>>;
    async fn put_in_app_product(&mut self, product: &InAppProduct) -> StoreResult<()>;
    async fn delete_in_app_product(&mut self, id: &str) -> StoreResult<()>;

    async fn insert_report(&mut self, report: &CertificationReport) -> StoreResult<()>;

    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()>;
    async fn delete_job(&mut self, id: i64) -> StoreResult<()>;
    async fn has_jobs(&mut self, submission_id: &str) -> StoreResult<bool>;
    /// Makes the submission's waiting jobs due at `at` (status reads, approvals).
    async fn make_jobs_due(&mut self, submission_id: &str, at: DateTime<Utc>) -> StoreResult<u64>;

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// The part of a stored submission every kind shares: enough to check who owns it before
/// reading it as a particular kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionHeader {
    pub id: String,
    pub seller_id: String,
    pub product: ProductRef,
    pub status: SubmissionStatus,
    /// See [`Submission::hidden_step`].
    #[serde(default)]
    pub hidden_step: Option<String>,
}

impl<C> From<&Submission<C>> for SubmissionHeader {
    fn from(submission: &Submission<C>) -> Self {
        Self {
            id: submission.id.clone(),
            seller_id: submission.seller_id.clone(),
            product: submission.product.clone(),
            status: submission.status,
            hidden_step: submission.hidden_step.clone(),
        }
    }
}

/// A stored submission document as `T` (a [`SubmissionHeader`], or a whole submission).
pub fn parse<T: serde::de::DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc)
        .map_err(|err| StoreError::failed(format!("stored submission is unreadable: {err}")))
}

/// What a submission's content must be to be stored: any serde type. Kind-independent code
/// (status reads, approvals) uses `serde_json::Value`.
pub trait Content: Serialize + serde::de::DeserializeOwned + Send + Sync {}
impl<T: Serialize + serde::de::DeserializeOwned + Send + Sync> Content for T {}

/// Typed access to submissions over the document-level trait methods.
#[async_trait]
pub trait SubmissionAccess {
    async fn submission_header(&mut self, id: &str) -> StoreResult<Option<SubmissionHeader>>;
    async fn submission<C: Content>(&mut self, id: &str) -> StoreResult<Option<Submission<C>>>;
    async fn put_submission<C: Content>(&mut self, submission: &Submission<C>) -> StoreResult<()>;
}

#[async_trait]
impl<T: Transaction + ?Sized> SubmissionAccess for T {
    async fn submission_header(&mut self, id: &str) -> StoreResult<Option<SubmissionHeader>> {
        self.submission_doc(id)
            .await?
            .map(|doc| parse(&doc))
            .transpose()
    }

    async fn submission<C: Content>(&mut self, id: &str) -> StoreResult<Option<Submission<C>>> {
        self.submission_doc(id)
            .await?
            .map(|doc| parse(&doc))
            .transpose()
    }

    async fn put_submission<C: Content>(&mut self, submission: &Submission<C>) -> StoreResult<()> {
        let doc =
            serde_json::to_string(submission).map_err(|err| StoreError::failed(err.to_string()))?;
        self.put_submission_doc(&SubmissionHeader::from(submission), &doc)
            .await
    }
}

/// Typed reads outside a transaction.
#[async_trait]
pub trait SubmissionReads {
    async fn submission_header(&self, id: &str) -> StoreResult<Option<SubmissionHeader>>;
    async fn submission<C: Content>(&self, id: &str) -> StoreResult<Option<Submission<C>>>;
}

#[async_trait]
impl<T: Store + ?Sized> SubmissionReads for T {
    async fn submission_header(&self, id: &str) -> StoreResult<Option<SubmissionHeader>> {
        self.submission_doc(id)
            .await?
            .map(|doc| parse(&doc))
            .transpose()
    }

    async fn submission<C: Content>(&self, id: &str) -> StoreResult<Option<Submission<C>>> {
        self.submission_doc(id)
            .await?
            .map(|doc| parse(&doc))
            .transpose()
    }
}
