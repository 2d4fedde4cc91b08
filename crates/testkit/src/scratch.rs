//! Scratch PostgreSQL schemas, one per test, so tests on a shared server stay independent.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Executor};

/// The PostgreSQL server tests run on (`STOREROOM_TEST_DATABASE_URL`), or None for SQLite.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("STOREROOM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh schema of this test's own when tests run on PostgreSQL; None on SQLite.
pub async fn test_database() -> Option<ScratchSchema> {
    let admin = postgres_admin_url()?;
    Some(
        ScratchSchema::create(&admin)
            .await
            .unwrap_or_else(|err| panic!("cannot create a test schema on {admin}: {err}")),
    )
}

/// A throwaway schema on a PostgreSQL server, for tests: each test gets its own empty
/// schema (its own tables, migrations and write lock) in the admin URL's database, dropped
/// on drop. Schemas rather than databases: `DROP DATABASE` forces a checkpoint (about a
/// second each), `DROP SCHEMA` takes milliseconds.
///
/// Names carry the creating process id, so the next run drops what a killed run left
/// behind without touching the schemas of a run still going.
pub struct ScratchSchema {
    admin_url: String,
    name: String,
    /// Connects to the schema: the admin URL with `search_path` and an `application_name`
    /// (the schema's name, by which its connections are ended before it is dropped).
    pub url: String,
}

const SCRATCH_PREFIX: &str = "storeroom_test_";

impl ScratchSchema {
    pub async fn create(admin_url: &str) -> Result<Self, sqlx::Error> {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let mut admin = PgConnectOptions::from_str(admin_url)?.connect().await?;
        if SEQUENCE.load(AtomicOrdering::Relaxed) == 0 {
            drop_abandoned(&mut admin).await;
        }
        let name = format!(
            "{SCRATCH_PREFIX}{}_{}_{:08x}",
            std::process::id(),
            SEQUENCE.fetch_add(1, AtomicOrdering::Relaxed),
            rand_suffix()
        );
        // The name is ours (digits, lowercase letters, underscores): nothing to quote.
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .await?;
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url =
            format!("{admin_url}{separator}options[search_path]={name}&application_name={name}");
        Ok(Self {
            admin_url: admin_url.to_string(),
            name,
            url,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

fn rand_suffix() -> u32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.subsec_nanos() ^ (now.as_secs() as u32).rotate_left(16)
}

/// Ends the connections of scratch schema `name` and drops it.
async fn drop_schema(admin: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    // A server stopped in a test may leave a connection inside a transaction, whose locks
    // would keep DROP waiting.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&mut *admin)
    .await?;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE"
        )))
        .await?;
    Ok(())
}

/// Drops scratch schemas whose creating process is gone (only where `/proc` tells).
async fn drop_abandoned(admin: &mut sqlx::PgConnection) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname::text, $1)",
    )
    .bind(SCRATCH_PREFIX)
    .fetch_all(&mut *admin)
    .await
    else {
        return;
    };
    for name in names {
        let pid = name[SCRATCH_PREFIX.len()..].split('_').next().unwrap_or("");
        if !pid.is_empty() && !std::path::Path::new("/proc").join(pid).exists() {
            let _ = drop_schema(admin, &name).await;
        }
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which must not block on itself: a thread with
        // its own runtime does the work.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let mut admin = PgConnectOptions::from_str(&admin_url)
                    .ok()?
                    .connect()
                    .await
                    .ok()?;
                drop_schema(&mut admin, &name).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop scratch schema {}", self.name);
        }
    }
}
