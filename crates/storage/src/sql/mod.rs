//! The SQL store, written once for every backend.
//!
//! [`SqlStore`] implements the domain's storage traits (devcenter [`Store`] and
//! [`MsiStore`], and the ingestion API's `IngestionStore`) over a [`Backend`]: a connection pool that runs a statement with
//! [`Arg`]uments and hands back rows, and a write transaction with the backend's own lock.
//! Statements use `$1`-style placeholders, which both SQLite and PostgreSQL accept; the few
//! that really differ between the dialects (how a listing's `seq` is numbered, JSON
//! functions, `FOR UPDATE SKIP LOCKED`, case-insensitive matching) are the backend's
//! [`Dialect`].
//!
//! [`Store`]: storeroom_domain::store::Store
//! [`MsiStore`]: storeroom_domain::msi::store::MsiStore

mod docs;
mod driver;
mod ingestion;
mod journal;
pub(crate) mod migrations;
mod msi;
mod opsstate;
mod read_cache;
mod signals;
mod store;
mod transaction;

use async_trait::async_trait;
use storeroom_domain::store::StoreResult;

pub(crate) use docs::{from_doc, store_error, to_doc};
pub(crate) use driver::fetch_all;
pub use store::{SqlStore, Tallies};
pub use transaction::SqlTransaction;

/// A bound value of a statement.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    /// A NULL where a text value may be (PostgreSQL types its parameters).
    NullText,
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(Arg::NullText, Arg::Text)
    }
}

/// One row a backend returned, read by column position.
pub trait RowAccess {
    fn text(&self, column: usize) -> StoreResult<Option<String>>;
    fn int(&self, column: usize) -> StoreResult<Option<i64>>;
}

/// The statement that leases the next due job of queue $4 to $1 until $2, at time $3; `$lock`
/// is how the dialect keeps two claimers off one row (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
/// nothing in SQLite, whose single writer runs the `UPDATE` alone).
macro_rules! claim_job {
    ($lock:literal) => {
        concat!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE queue = $4 AND run_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                         ORDER BY run_at, id LIMIT 1 ",
            $lock,
            ")
             RETURNING id, submission_id, step, run_at, attempts"
        )
    };
}
pub(crate) use claim_job;

/// The statements whose SQL differs between the dialects. Every other statement is shared.
pub struct Dialect {
    /// A tenant by id or domain, both case-insensitively.
    pub tenant: &'static str,
    /// A client by id, case-insensitively.
    pub client: &'static str,
    /// Upserts of listed records: each new one gets the next `seq` (its listing place).
    pub put_application: &'static str,
    pub put_flight: &'static str,
    pub put_in_app_product: &'static str,
    /// Upsert of an MSI product; returns the stored version.
    pub put_msi_product: &'static str,
    /// A seller's add-ons ($1), only those of app $2 when not NULL: count, and page
    /// (LIMIT $3 OFFSET $4). The app link lives in the document's JSON.
    pub in_app_products_count: &'static str,
    pub in_app_products_page: &'static str,
    /// [`claim_job!`] with the dialect's lock.
    pub claim_job: &'static str,
    /// Stored submissions counted by API and state (rows: api, state, count); an offer
    /// submission's state is the `stage` in its document.
    pub submission_states: &'static str,
    /// A seller's ($1) apps after position $2 whose name contains $3 (a LIKE pattern with
    /// `\` escapes), any letter case, in position order, at most $4: rows (position, doc).
    pub search_applications: &'static str,
}

/// [`Dialect::submission_states`] with the dialect's expression for an offer submission's
/// stage.
macro_rules! submission_states {
    ($stage:literal) => {
        concat!(
            "SELECT 'devcenter', status, count(*) FROM submissions GROUP BY status
             UNION ALL SELECT 'msi', status, count(*) FROM msi_submissions GROUP BY status
             UNION ALL SELECT 'ingestion', ",
            $stage,
            ", count(*) FROM ingestion_submissions GROUP BY 2"
        )
    };
}
pub(crate) use submission_states;

/// A database the SQL store runs on.
#[async_trait]
pub trait Backend: Clone + Send + Sync + 'static {
    type Row: RowAccess + Send + Sync;
    /// An open write transaction and whatever lock serializes it with the others.
    type Tx: Send;
    const DIALECT: Dialect;

    /// Runs a read on the pool, returning its rows.
    async fn fetch(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<Self::Row>>;

    /// Runs a single-statement write outside a transaction, returning its rows (writes that
    /// must say what they changed use `RETURNING`). It waits for the write transaction in
    /// progress as [`Backend::begin`] does, where the backend needs that to avoid blocking a
    /// thread on the database's own lock.
    async fn write(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<Self::Row>> {
        self.fetch(sql, args).await
    }

    /// Starts a write transaction: one writer at a time, as the domain expects.
    async fn begin(&self) -> StoreResult<Self::Tx>;
    /// Runs a statement inside the transaction.
    async fn fetch_in(
        tx: &mut Self::Tx,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<Self::Row>>;
    async fn commit(tx: Self::Tx) -> StoreResult<()>;

    /// A number that moves whenever anything, in this process or another, commits a change
    /// to the database, read cheaply; `None` when the backend cannot tell (then nothing is
    /// cached: see [`read_cache`]).
    fn data_version(&self) -> Option<u64> {
        None
    }
}
