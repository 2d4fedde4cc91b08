//! Choosing the database: the embedded SQLite file in the data directory (the default), or a
//! PostgreSQL server that several instances share.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use storeroom_domain::ingestion::store::IngestionStore;
use storeroom_domain::msi::store::MsiStore;
use storeroom_domain::opsstate::{JournalStore, OpsStore};
use storeroom_domain::store::{Store, StoreError, StoreResult};

use crate::sql::Tallies;
use crate::{PgStore, SqliteStore};

/// The store of one running server.
#[derive(Clone)]
pub enum Database {
    /// The database file, and the request journal's file beside it
    /// ([`SqliteStore::open_requests`]).
    Sqlite(SqliteStore, SqliteStore),
    Postgres(PgStore),
}

/// Where `--database` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (`sqlite://PATH`, or the default `<data dir>/storeroom.db`).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// `url`, or the embedded default in `data_dir` when there is none.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> StoreResult<Self> {
        let Some(url) = url.map(str::trim).filter(|url| !url.is_empty()) else {
            return Ok(Self::Sqlite(data_dir.join("storeroom.db")));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .filter(|path| !path.is_empty())
        {
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Err(StoreError::failed(format!(
            "unsupported database URL '{}': use postgres://USER@HOST:PORT/DATABASE or sqlite://PATH",
            redact(url)
        )))
    }

    /// For logs: the URL without a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact(url),
        }
    }
}

/// `url` with its password (`user:password@` or `password=`) left out.
fn redact(url: &str) -> String {
    let mut url = url.to_string();
    if let Some(scheme_end) = url.find("://").map(|at| at + 3) {
        let rest = &url[scheme_end..];
        let authority_end = scheme_end + rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = url[..authority_end].rfind('@')
            && let Some(colon) = url[scheme_end..at].find(':')
        {
            url.replace_range(scheme_end + colon + 1..at, "***");
        }
    }
    if let Some(start) = url.find("password=").map(|at| at + "password=".len()) {
        let end = url[start..].find('&').map_or(url.len(), |at| start + at);
        url.replace_range(start..end, "***");
    }
    url
}

impl Database {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub async fn open(url: &DatabaseUrl) -> StoreResult<Self> {
        Ok(match url {
            DatabaseUrl::Sqlite(path) => Self::Sqlite(
                SqliteStore::open(path).await?,
                SqliteStore::open_requests(&SqliteStore::requests_path(path)).await?,
            ),
            DatabaseUrl::Postgres(url) => Self::Postgres(PgStore::connect(url).await?),
        })
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store, _) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    pub fn msi_store(&self) -> Arc<dyn MsiStore> {
        match self {
            Self::Sqlite(store, _) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// Where the request journal is kept.
    pub fn journal_store(&self) -> Arc<dyn JournalStore> {
        match self {
            Self::Sqlite(_, requests) => Arc::new(requests.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// The fault rules and snapshots.
    pub fn ops_store(&self) -> Arc<dyn OpsStore> {
        match self {
            Self::Sqlite(store, _) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    pub fn ingestion_store(&self) -> Arc<dyn IngestionStore> {
        match self {
            Self::Sqlite(store, _) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// The job and submission counts the metrics report (see [`crate::sql::Tallies`]).
    pub async fn tallies(&self, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Tallies> {
        match self {
            Self::Sqlite(store, _) => store.tallies(now).await,
            Self::Postgres(store) => store.tallies(now).await,
        }
    }

    /// Whether other instances may use this database at the same time. An embedded store
    /// belongs to one process, which may release every job lease when it starts; a shared
    /// one must let a dead holder's leases expire instead.
    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        let data = Path::new("/data");
        assert_eq!(
            DatabaseUrl::parse(None, data).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/data/storeroom.db"))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite:///tmp/x.db"), data).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse(Some("postgresql://h/db"), data).unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        let err = DatabaseUrl::parse(Some("mysql://u:secret@h/db"), data).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            DatabaseUrl::Postgres("postgres://h/db?password=x&sslmode=disable".into()).describe(),
            "postgres://h/db?password=***&sslmode=disable"
        );
    }
}
