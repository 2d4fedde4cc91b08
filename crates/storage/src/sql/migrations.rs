//! The schema's migrations: those written per dialect (`migrations/sqlite`,
//! `migrations/postgres`, up to 0011, kept byte for byte so that databases they migrated
//! still check out), then the shared ones (`migrations/shared`), written once in SQL both
//! dialects accept. A later change that cannot be written once goes in both per-dialect
//! directories under the same version.

use std::borrow::Cow;

use sqlx::migrate::{Migrate, Migration, MigrationType, Migrator};
use sqlx::{Database, Pool, SqlStr};
use storeroom_domain::store::StoreResult;

use super::store_error;

/// One migration: (version, description as sqlx derives it from the file name, SQL).
///
/// The lists are written out rather than read by `sqlx::migrate!`: that macro made every
/// build compile sqlx, its PostgreSQL driver and a second SQLite for the compiler itself.
/// `Migration::new` sums the SQL as the macro did, so databases it migrated still check
/// out; a test below holds each list to its directory.
type Listed = (i64, &'static str, &'static str);

/// `(version, directory under migrations/, file name, description)`, the file read at
/// compile time.
macro_rules! listed {
    ($version:literal, $directory:literal, $file:literal, $description:literal) => {
        (
            $version,
            $description,
            include_str!(concat!("../../migrations/", $directory, "/", $file)),
        )
    };
}

/// A dialect's own migrations: the same versions and file names in `migrations/sqlite` and
/// `migrations/postgres`, each written in its dialect.
macro_rules! dialect {
    ($directory:literal) => {
        &[
            listed!(1, $directory, "0001_init.sql", "init"),
            listed!(2, $directory, "0002_reports.sql", "reports"),
            listed!(3, $directory, "0003_job_queues.sql", "job queues"),
            listed!(4, $directory, "0004_products.sql", "products"),
            listed!(
                5,
                $directory,
                "0005_submission_versions.sql",
                "submission versions"
            ),
            listed!(10, $directory, "0010_msi.sql", "msi"),
            listed!(
                11,
                $directory,
                "0011_application_positions.sql",
                "application positions"
            ),
        ]
    };
}

pub(crate) const SQLITE: &[Listed] = dialect!("sqlite");
pub(crate) const POSTGRES: &[Listed] = dialect!("postgres");

/// The shared migrations (`migrations/shared`), after either dialect's own.
const SHARED: &[Listed] = &[
    listed!(12, "shared", "0012_msi_versions.sql", "msi versions"),
    listed!(13, "shared", "0013_ingestion.sql", "ingestion"),
    listed!(14, "shared", "0014_client_keys.sql", "client keys"),
    listed!(15, "shared", "0015_opsstate.sql", "opsstate"),
    listed!(
        16,
        "shared",
        "0016_dashboard_sessions.sql",
        "dashboard sessions"
    ),
    listed!(
        17,
        "shared",
        "0017_journal_running_size.sql",
        "journal running size"
    ),
    (18, "journal bodies", JOURNAL_BODIES),
    (19, "journal unindexed", JOURNAL_UNINDEXED),
];

/// Shared bodies of the journal: also version 2 of the request journal's own file.
const JOURNAL_BODIES: &str = include_str!("../../migrations/shared/0018_journal_bodies.sql");
/// The journal without secondary indexes: also version 4 of the request journal's own file.
const JOURNAL_UNINDEXED: &str = include_str!("../../migrations/shared/0019_journal_unindexed.sql");

/// The request journal's own file: `migrations/requests` (the journal as of shared version
/// 17, then its own changes), and the journal's later changes shared with the schema.
const REQUESTS: &[Listed] = &[
    listed!(1, "requests", "0001_journal.sql", "journal"),
    (2, "journal bodies", JOURNAL_BODIES),
    listed!(
        3,
        "requests",
        "0003_journal_by_rowid.sql",
        "journal by rowid"
    ),
    (4, "journal unindexed", JOURNAL_UNINDEXED),
];

/// Brings the database of `pool` up to date: `dialect`'s own migrations, then the shared
/// ones.
pub(crate) async fn run<DB: Database>(dialect: &[Listed], pool: &Pool<DB>) -> StoreResult<()>
where
    DB::Connection: Migrate,
{
    migrator(&[dialect, SHARED])
        .run(pool)
        .await
        .map_err(store_error)
}

/// Runs `dialect`'s own migrations only: the schema as it was before the shared ones, for
/// the tests that open a database of that schema.
#[cfg(test)]
pub(crate) async fn run_dialect_only<DB: Database>(dialect: &[Listed], pool: &Pool<DB>)
where
    DB::Connection: Migrate,
{
    migrator(&[dialect]).run(pool).await.unwrap();
}

/// Brings the request journal's file of `pool` up to date.
pub(crate) async fn run_requests<DB: Database>(pool: &Pool<DB>) -> StoreResult<()>
where
    DB::Connection: Migrate,
{
    migrator(&[REQUESTS]).run(pool).await.map_err(store_error)
}

/// A migrator of `parts`' migrations, in order.
fn migrator(parts: &[&[Listed]]) -> Migrator {
    let migrations = parts
        .iter()
        .copied()
        .flatten()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        });
    Migrator::with_migrations(migrations.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_versions_follow_every_dialect_and_never_repeat() {
        for dialect in [SQLITE, POSTGRES] {
            let all = migrator(&[dialect, SHARED]);
            let versions: Vec<i64> = all.iter().map(|m| m.version).collect();
            let mut sorted = versions.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(versions, sorted, "ordered and unique");
            assert_eq!(all.iter().count(), dialect.len() + SHARED.len());
        }
    }

    /// Each list holds every file of its directory, with the version and description sqlx
    /// derives from the file name (`0012_msi_versions.sql` is 12, "msi versions"), and the
    /// file's text: a migration added to a directory and not to its list fails here.
    #[test]
    fn every_list_is_its_directory() {
        // The request file's list also holds shared migrations, whose files are in shared/.
        let requests_own: Vec<Listed> = REQUESTS
            .iter()
            .copied()
            .filter(|&(_, _, sql)| sql != JOURNAL_BODIES && sql != JOURNAL_UNINDEXED)
            .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for (directory, list) in [
            ("sqlite", SQLITE),
            ("postgres", POSTGRES),
            ("shared", SHARED),
            ("requests", &requests_own),
        ] {
            let mut files: Vec<(i64, String, String)> = std::fs::read_dir(root.join(directory))
                .unwrap()
                .map(|entry| {
                    let path = entry.unwrap().path();
                    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                    let (version, rest) = name.split_once('_').unwrap();
                    let description = rest.trim_end_matches(".sql").replace('_', " ");
                    let sql = std::fs::read_to_string(&path).unwrap();
                    (version.parse().unwrap(), description, sql)
                })
                .collect();
            files.sort();
            let listed: Vec<(i64, String, String)> = list
                .iter()
                .map(|&(version, description, sql)| (version, description.into(), sql.into()))
                .collect();
            assert_eq!(listed, files, "migrations/{directory}");
        }
    }
}

#[cfg(test)]
mod requests_file {
    use super::*;
    use crate::SqliteStore;
    use storeroom_domain::opsstate::JournalStore;

    /// A journal file written before its table was keyed by rowid keeps its entries, and
    /// comes out with the id as the table's only key.
    #[tokio::test]
    async fn an_earlier_journal_file_keeps_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storeroom.requests.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        migrator(&[&REQUESTS[..2]]).run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO journal (id, at, client_id, status, size, bytes_before, doc)
             VALUES (7, 0, 'c', 200, 10, 0, $1)",
        )
        .bind(r#"{"time":"2026-12-01T00:00:00Z","method":"GET","path":"/old","status":200,"latencyMs":1.0,"correlationId":"x"}"#)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let store = SqliteStore::open_requests(&path).await.unwrap();
        let entries = store.journal_page(None, None, None, 10).await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].id, entries[0].path.as_str()), (7, "/old"));
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let indexes: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_index_list('journal')")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            indexes,
            [],
            "the id is the rowid, and nothing else is indexed"
        );
    }
}
