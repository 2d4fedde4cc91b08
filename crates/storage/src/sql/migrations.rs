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

/// (version, description as sqlx derives it from the file name, SQL).
const SHARED: &[(i64, &str, &str)] = &[
    (
        12,
        "msi versions",
        include_str!("../../migrations/shared/0012_msi_versions.sql"),
    ),
    (
        13,
        "ingestion",
        include_str!("../../migrations/shared/0013_ingestion.sql"),
    ),
    (
        14,
        "client keys",
        include_str!("../../migrations/shared/0014_client_keys.sql"),
    ),
    (
        15,
        "opsstate",
        include_str!("../../migrations/shared/0015_opsstate.sql"),
    ),
    (
        16,
        "dashboard sessions",
        include_str!("../../migrations/shared/0016_dashboard_sessions.sql"),
    ),
    (
        17,
        "journal running size",
        include_str!("../../migrations/shared/0017_journal_running_size.sql"),
    ),
    (18, "journal bodies", JOURNAL_BODIES),
];

/// Shared bodies of the journal: also version 2 of the request journal's own file, whose
/// version 1 is `migrations/requests` (the journal as of shared version 17).
const JOURNAL_BODIES: &str = include_str!("../../migrations/shared/0018_journal_bodies.sql");
const REQUESTS: &[(i64, &str, &str)] = &[(2, "journal bodies", JOURNAL_BODIES)];

/// Brings the database of `pool` up to date: `dialect`'s own migrations, then the shared
/// ones.
pub(crate) async fn run<DB: Database>(dialect: &Migrator, pool: &Pool<DB>) -> StoreResult<()>
where
    DB::Connection: Migrate,
{
    followed_by(dialect, SHARED)
        .run(pool)
        .await
        .map_err(store_error)
}

/// Brings the request journal's file of `pool` up to date: `requests`
/// (`migrations/requests`), then the journal's later changes, shared with the schema.
pub(crate) async fn run_requests<DB: Database>(
    requests: &Migrator,
    pool: &Pool<DB>,
) -> StoreResult<()>
where
    DB::Connection: Migrate,
{
    followed_by(requests, REQUESTS)
        .run(pool)
        .await
        .map_err(store_error)
}

/// `first`'s migrations followed by `then`'s.
fn followed_by(first: &Migrator, then: &[(i64, &'static str, &'static str)]) -> Migrator {
    let shared = then.iter().map(|&(version, description, sql)| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            SqlStr::from_static(sql),
            false,
        )
    });
    Migrator::with_migrations(first.iter().cloned().chain(shared).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
    static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

    #[test]
    fn shared_versions_follow_every_dialect_and_never_repeat() {
        for dialect in [&SQLITE, &POSTGRES] {
            let all = followed_by(dialect, SHARED);
            let versions: Vec<i64> = all.iter().map(|m| m.version).collect();
            let mut sorted = versions.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(versions, sorted, "ordered and unique");
            assert_eq!(all.iter().count(), dialect.iter().count() + SHARED.len());
        }
    }
}
