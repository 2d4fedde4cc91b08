//! The embedded SQLite store: one file in the data directory, WAL journal, `synchronous=FULL`
//! so that a committed transaction survives a crash before the API answers 2xx. What differs
//! from PostgreSQL: the write lock (`BEGIN IMMEDIATE`), `seq` numbered by the statement,
//! `json_each`, and job claiming without `SKIP LOCKED` (SQLite has one writer at a time, so
//! the claiming `UPDATE` already runs alone).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Sqlite, SqlitePool};
use storeroom_domain::store::StoreResult;

use crate::sql::{Arg, Backend, Dialect, SqlStore, fetch_all, migrations, store_error};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store.
pub type SqliteStore = SqlStore<SqliteBackend>;

#[derive(Clone)]
pub struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(store_error)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        migrations::run(&MIGRATOR, &pool).await?;
        Ok(Self::new(SqliteBackend { pool }))
    }

    /// The connection pool, for the bulk loads of `storeroom admin seed`.
    pub fn pool(&self) -> &SqlitePool {
        &self.backend.pool
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    type Row = SqliteRow;
    type Tx = sqlx::Transaction<'static, Sqlite>;

    const DIALECT: Dialect = Dialect {
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
        claim_job: "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE queue = $4 AND run_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                         ORDER BY run_at, id LIMIT 1)
             RETURNING id, submission_id, step, run_at, attempts",
    };

    async fn fetch(&self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Vec<Self::Row>> {
        fetch_all(&self.pool, sql, args).await
    }

    async fn begin(&self) -> StoreResult<Self::Tx> {
        // IMMEDIATE takes the write lock up front: two transactions that read then write the
        // same product serialize instead of failing with SQLITE_BUSY on upgrade.
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)
    }

    async fn fetch_in(
        tx: &mut Self::Tx,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<Self::Row>> {
        fetch_all(&mut **tx, sql, args).await
    }

    async fn commit(tx: Self::Tx) -> StoreResult<()> {
        tx.commit().await.map_err(store_error)
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
            MIGRATOR.run(&pool).await.unwrap();
            SqlStore::new(SqliteBackend { pool })
        };
        let open = async || SqliteStore::open(&path).await.unwrap();
        conformance::records_of_the_previous_schema_survive(old, open).await;
    }
}
