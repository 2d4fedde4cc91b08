//! A store of a test's own for unit tests of the domain services: an SQLite file in a
//! temporary directory, or a scratch PostgreSQL schema when `STOREROOM_TEST_DATABASE_URL`
//! is set, as the integration tests pick.

use std::sync::Arc;

use storeroom_domain::accounts::DevelopmentAccount;
use storeroom_domain::clock::Clock;
use storeroom_domain::pipeline::{PipelinePolicy, Policies};
use storeroom_domain::service::Service;
use storeroom_storage::{Database, DatabaseUrl};
use tempfile::TempDir;

use crate::scratch::{ScratchSchema, test_database};

/// A migrated, empty database, deleted (or dropped) with this value.
pub struct TempStore {
    pub database: Database,
    /// Holds the SQLite file.
    pub dir: TempDir,
    /// The PostgreSQL schema, dropped after the database is closed (fields drop in order).
    _schema: Option<ScratchSchema>,
}

impl TempStore {
    pub async fn open() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let schema = test_database().await;
        let url = DatabaseUrl::parse(schema.as_ref().map(|s| s.url.as_str()), dir.path())
            .expect("test database URL");
        let database = Database::open(&url).await.expect("test database opens");
        Self {
            database,
            dir,
            _schema: schema,
        }
    }

    /// The domain services over this store, with a clock of their own and the immediate
    /// pipeline policy.
    pub fn service(&self) -> Service {
        Service {
            store: self.database.store(),
            clock: Arc::new(Clock::new()),
            policies: Arc::new(Policies::new(PipelinePolicy::default())),
            report_base: Arc::from("http://127.0.0.1/reports"),
            leniency: Default::default(),
            parsed: Default::default(),
        }
    }
}

/// The domain services over a fresh store, with the development account created.
pub async fn service() -> (TempStore, Service, DevelopmentAccount) {
    let store = TempStore::open().await;
    let service = store.service();
    let account = service.bootstrap().await.expect("bootstrap");
    (store, service, account)
}
