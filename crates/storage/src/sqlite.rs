//! The embedded SQLite store: one file in the data directory, WAL journal, `synchronous=FULL`
//! so that a committed transaction survives a crash before the API answers 2xx. What differs
//! from PostgreSQL: the write lock (`BEGIN IMMEDIATE`), `seq` numbered by the statement,
//! `json_each`, and job claiming without `SKIP LOCKED` (SQLite has one writer at a time, so
//! the claiming `UPDATE` already runs alone).
//!
//! Statements run on rusqlite connections, synchronously on the calling task's thread
//! (`block_in_place`), each connection caching its prepared statements. sqlx hands every
//! statement to a connection thread and back, and that hand-off, not SQLite, was most of the
//! server's CPU on the read path. sqlx still runs the migrations (its `_sqlx_migrations`
//! table and checksums stay as they were) and the bulk loads of `storeroom admin seed`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::{Null, Value};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use storeroom_domain::store::{StoreError, StoreResult};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::OwnedMutexGuard;

mod data_version;

use data_version::DataVersion;

use crate::sql::{
    Arg, Backend, Dialect, RowAccess, SqlStore, claim_job, migrations, store_error,
    submission_states,
};

/// How long a writer waits for another (in this process, then SQLite's busy timeout).
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection: more than the store has.
const STATEMENT_CACHE: usize = 128;
/// Idle connections kept for reuse; more, opened while many requests ran at once, are
/// closed when given back, so that a burst does not leave its memory behind.
const MAX_IDLE: usize = 4;
/// Each connection's page cache, in KiB (SQLite's default is 2 MiB): the file's hot pages
/// are in the OS cache anyway, and connections multiply it.
const PAGE_CACHE_KIB: u32 = 512;

/// The SQLite store.
pub type SqliteStore = SqlStore<SqliteBackend>;

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let pool = connect(path, SqliteSynchronous::Full).await?;
        migrations::run(migrations::SQLITE, &pool).await?;
        Ok(Self::new(SqliteBackend::new(path, pool, Durability::Full)))
    }

    /// Opens (creating if needed) the request journal's file, `path`, which holds only the
    /// `journal` table. It is a file of its own so that its flushes, several a second under
    /// load, neither wait for nor hold the catalogue's write lock, and do not move the data
    /// version that keeps the catalogue's read cache valid. Its commits are not synced
    /// (`synchronous=NORMAL`): a power cut may lose the last entries, never the catalogue.
    pub async fn open_requests(path: &Path) -> StoreResult<Self> {
        let pool = connect(path, SqliteSynchronous::Normal).await?;
        migrations::run_requests(&pool).await?;
        Ok(Self::new(SqliteBackend::new(
            path,
            pool,
            Durability::Normal,
        )))
    }

    /// The file of the request journal that goes with the database file `path`:
    /// `storeroom.db` keeps its journal in `storeroom.requests.db`.
    pub fn requests_path(path: &Path) -> PathBuf {
        let stem = path
            .file_stem()
            .map_or_else(|| "storeroom".into(), |stem| stem.to_string_lossy());
        path.with_file_name(format!("{stem}.requests.db"))
    }

    /// The sqlx connection pool, for the bulk loads of `storeroom admin seed`.
    pub fn pool(&self) -> &SqlitePool {
        &self.backend.shared.pool
    }
}

/// The sqlx pool of `path` (created if missing, WAL), used for migrations and bulk loads.
async fn connect(path: &Path, synchronous: SqliteSynchronous) -> StoreResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(store_error)?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(LOCK_WAIT)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(2)
        .min_connections(0)
        .connect_with(options)
        .await
        .map_err(store_error)
}

/// When a commit is on disk: at once (`FULL`, the catalogue: a 2xx means durable), or by
/// the next checkpoint (`NORMAL`, the request journal).
#[derive(Clone, Copy)]
enum Durability {
    Full,
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

#[derive(Clone)]
pub struct SqliteBackend {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    /// Connections not in use. A read takes one for the length of its statement, a write
    /// transaction for its whole length; there are never more than the threads running
    /// statements at once plus the one writer.
    idle: Mutex<Vec<Connection>>,
    /// Write transactions of this process queue here, in memory, before `BEGIN IMMEDIATE`:
    /// a second writer never blocks a thread in SQLite's busy wait on the first.
    writer: Arc<tokio::sync::Mutex<()>>,
    pool: SqlitePool,
    durability: Durability,
    data_version: DataVersion,
}

/// An open write transaction: its connection and this process's write turn.
pub struct SqliteTx {
    conn: Option<Connection>,
    backend: SqliteBackend,
    _turn: OwnedMutexGuard<()>,
}

/// One row, as SQLite's values.
pub struct SqliteRow(Vec<Value>);

fn sqlite_error(err: rusqlite::Error) -> StoreError {
    StoreError::failed(err.to_string())
}

/// Runs `work` here, telling a multi-threaded runtime to move its other tasks elsewhere
/// meanwhile; a current-thread runtime (tests) just runs it.
fn blocking<R>(work: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// Runs `sql` with `args` on `conn`. Parameters are `$N`, bound by their number (SQLite
/// numbers named parameters by first appearance, not by name).
fn run(conn: &Connection, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<SqliteRow>> {
    let mut statement = conn.prepare_cached(sql).map_err(sqlite_error)?;
    for index in 1..=statement.parameter_count() {
        let arg = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
            .and_then(|number| args.get(number.checked_sub(1)?))
            .ok_or_else(|| StoreError::failed(format!("parameter {index} of {sql} is unbound")))?;
        match *arg {
            Arg::Int(value) => statement.raw_bind_parameter(index, value),
            Arg::Text(value) => statement.raw_bind_parameter(index, value),
            Arg::NullText => statement.raw_bind_parameter(index, Null),
        }
        .map_err(sqlite_error)?;
    }
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let values = (0..columns)
            .map(|column| row.get::<_, Value>(column))
            .collect::<Result<_, _>>()
            .map_err(sqlite_error)?;
        out.push(SqliteRow(values));
    }
    Ok(out)
}

impl SqliteBackend {
    fn new(path: &Path, pool: SqlitePool, durability: Durability) -> Self {
        Self {
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                idle: Mutex::default(),
                writer: Arc::default(),
                pool,
                durability,
                data_version: DataVersion::new(path),
            }),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.shared
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// This process's turn to write, after the writers queued before it.
    async fn write_turn(&self) -> StoreResult<OwnedMutexGuard<()>> {
        tokio::time::timeout(LOCK_WAIT, self.shared.writer.clone().lock_owned())
            .await
            .map_err(|_| StoreError::failed("timed out waiting for the database write lock"))
    }

    /// An idle connection, or a new one (the journal mode, WAL, is the file's own).
    fn connection(&self) -> StoreResult<Connection> {
        if let Some(conn) = self.idle().pop() {
            return Ok(conn);
        }
        let conn = Connection::open(&self.shared.path).map_err(sqlite_error)?;
        conn.busy_timeout(LOCK_WAIT).map_err(sqlite_error)?;
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{PAGE_CACHE_KIB};",
            self.shared.durability.pragma()
        ))
        .map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

impl SqliteTx {
    fn conn(&self) -> StoreResult<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::failed("the transaction has ended"))
    }
}

impl Drop for SqliteTx {
    /// A transaction dropped before its commit rolls back; its connection goes back idle
    /// before its write turn passes on (`_turn` drops after this).
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
                return; // a connection stuck in a transaction is not reused
            }
            self.backend.give_back(conn);
        }
    }
}

impl RowAccess for SqliteRow {
    fn text(&self, column: usize) -> StoreResult<Option<String>> {
        match self.0.get(column) {
            Some(Value::Text(text)) => Ok(Some(text.clone())),
            Some(Value::Null) => Ok(None),
            other => Err(StoreError::failed(format!(
                "column {column} is not text: {other:?}"
            ))),
        }
    }

    fn int(&self, column: usize) -> StoreResult<Option<i64>> {
        match self.0.get(column) {
            Some(Value::Integer(value)) => Ok(Some(*value)),
            Some(Value::Null) => Ok(None),
            other => Err(StoreError::failed(format!(
                "column {column} is not an integer: {other:?}"
            ))),
        }
    }
}

/// The statements in which SQLite differs.
const SQLITE: Dialect = Dialect {
    // The domain column is COLLATE NOCASE (migration 0001), so `=` ignores case there.
    tenant: "SELECT doc FROM tenants WHERE lower(id) = lower($1) OR domain = $1",
    client: "SELECT doc FROM clients WHERE client_id = $1",
    put_application: "INSERT INTO applications (id, seller_id, seq, doc)
         VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM applications), $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_flight: "INSERT INTO flights (id, app_id, seq, doc)
         VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM flights), $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_in_app_product: "INSERT INTO in_app_products (id, seller_id, product_id, seq, doc)
         VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0) + 1 FROM in_app_products), $4)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    put_msi_product: "INSERT INTO msi_products (id, seller_id, seq, doc)
         VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM msi_products), $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = msi_products.version + 1
         RETURNING version",
    in_app_products_count: "SELECT count(*) FROM in_app_products WHERE seller_id = $1
         AND ($2 IS NULL OR EXISTS (SELECT 1 FROM json_each(in_app_products.doc, '$.application_ids')
                                    WHERE json_each.value = $2))",
    in_app_products_page: "SELECT doc FROM in_app_products WHERE seller_id = $1
         AND ($2 IS NULL OR EXISTS (SELECT 1 FROM json_each(in_app_products.doc, '$.application_ids')
                                    WHERE json_each.value = $2))
         ORDER BY seq LIMIT $3 OFFSET $4",
    // LIKE ignores ASCII letter case in SQLite.
    search_applications: "SELECT position, doc FROM applications
         WHERE seller_id = $1 AND position > $2
           AND json_extract(doc, '$.primary_name') LIKE $3 ESCAPE '\\'
         ORDER BY position LIMIT $4",
    claim_job: claim_job!(""),
    submission_states: submission_states!("json_extract(doc, '$.stage')"),
};

#[async_trait]
impl Backend for SqliteBackend {
    type Row = SqliteRow;
    type Tx = SqliteTx;

    const DIALECT: Dialect = SQLITE;

    async fn fetch(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<SqliteRow>> {
        blocking(|| {
            let conn = self.connection()?;
            let rows = run(&conn, sql, args);
            self.give_back(conn);
            rows
        })
    }

    /// Takes this process's write turn first: run beside an open write transaction, the
    /// statement would wait in SQLite's busy handler, blocking its thread, and on a
    /// current-thread runtime the transaction's own task with it until the busy timeout.
    async fn write(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<SqliteRow>> {
        let _turn = self.write_turn().await?;
        self.fetch(sql, args).await
    }

    async fn begin(&self) -> StoreResult<SqliteTx> {
        let tx = SqliteTx {
            _turn: self.write_turn().await?,
            conn: Some(self.connection()?),
            backend: self.clone(),
        };
        // IMMEDIATE takes the write lock up front: two transactions that read then write the
        // same product serialize instead of failing with SQLITE_BUSY on upgrade (another
        // process, or the sqlx pool of the bulk loads, may still hold it for a moment).
        blocking(|| {
            tx.conn()?
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(sqlite_error)
        })?;
        Ok(tx)
    }

    async fn fetch_in(
        tx: &mut SqliteTx,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<SqliteRow>> {
        blocking(|| run(tx.conn()?, sql, args))
    }

    async fn commit(tx: SqliteTx) -> StoreResult<()> {
        blocking(|| tx.conn()?.execute_batch("COMMIT").map_err(sqlite_error))
    }

    /// Read without `block_in_place`: a read of the WAL index in shared memory, which
    /// never waits for a writer.
    fn data_version(&self) -> Option<u64> {
        self.shared.data_version.read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;

    async fn open(_test: &str) -> Option<(tempfile::TempDir, SqliteStore)> {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        Some((dir, store))
    }

    conformance::suite!(open);

    /// The request journal's own file behaves as the journal table of the database does.
    #[tokio::test]
    async fn the_requests_file_keeps_a_bounded_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = SqliteStore::requests_path(&dir.path().join("storeroom.db"));
        assert_eq!(path, dir.path().join("storeroom.requests.db"));
        let requests = SqliteStore::open_requests(&path).await.unwrap();
        conformance::journal_is_bounded_and_filtered(&requests).await;
        conformance::journal_bodies_are_stored_once_and_go_with_their_entries(&requests).await;
    }

    /// A write the store did not make (another process, or the bulk loads' sqlx pool) is
    /// seen by the next read, cached or not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_see_writes_of_other_connections() {
        use storeroom_domain::accounts::{DevelopmentAccount, Role};
        use storeroom_domain::store::Store;
        let Some((_dir, store)) = open("").await else {
            return;
        };
        let dev = DevelopmentAccount::generate();
        let mut tx = Store::begin(&store).await.unwrap();
        tx.insert_tenant(&dev.tenant).await.unwrap();
        tx.insert_client(&dev.client).await.unwrap();
        tx.commit().await.unwrap();
        let role = async || {
            store
                .client(&dev.client.client_id)
                .await
                .unwrap()
                .unwrap()
                .role
        };
        assert_eq!(role().await, Role::Manager);
        assert_eq!(role().await, Role::Manager);
        let mut demoted = dev.client.clone();
        demoted.role = Role::Developer;
        sqlx::query("UPDATE clients SET doc = $1 WHERE client_id = $2")
            .bind(crate::sql::to_doc(&demoted).unwrap())
            .bind(&dev.client.client_id)
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(role().await, Role::Developer);
    }

    /// A single-statement write made while a write transaction is open waits for its turn
    /// instead of busy-waiting in SQLite: on a current-thread runtime (the tests' servers)
    /// that wait blocked the transaction's own task too, until the busy timeout failed the
    /// write (the pipeline runner's claims, fault rules' counts).
    #[tokio::test]
    async fn a_write_beside_an_open_transaction_waits_for_its_turn() {
        use storeroom_domain::accounts::DevelopmentAccount;
        use storeroom_domain::store::Store;
        let Some((_dir, store)) = open("").await else {
            return;
        };
        let now = chrono::Utc::now();
        let transaction = async {
            let dev = DevelopmentAccount::generate();
            let mut tx = Store::begin(&store).await.unwrap();
            tx.insert_tenant(&dev.tenant).await.unwrap();
            // The claim below starts while this transaction holds the database's lock.
            tokio::task::yield_now().await;
            tx.insert_client(&dev.client).await.unwrap();
            tx.commit().await.unwrap();
        };
        let claim = async {
            tokio::task::yield_now().await;
            store.claim_job("apps", now, now, "runner").await
        };
        let ((), claimed) = tokio::join!(transaction, claim);
        assert!(matches!(claimed, Ok(None)), "{claimed:?}");
    }

    #[tokio::test]
    async fn a_database_of_the_previous_schema_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        // What the build before the shared migrations ran: the SQLite ones only.
        let old = async || {
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true);
            let pool = SqlitePool::connect_with(options).await.unwrap();
            migrations::run_dialect_only(migrations::SQLITE, &pool).await;
            SqlStore::new(SqliteBackend::new(&path, pool, Durability::Full))
        };
        let open = async || SqliteStore::open(&path).await.unwrap();
        conformance::records_of_the_previous_schema_survive(old, open).await;
    }
}
