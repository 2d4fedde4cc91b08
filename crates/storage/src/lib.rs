//! Storage for storeroom: the SQLite implementation of the domain's storage traits, and the
//! blob stores that keep uploaded blobs (under the data directory, or in S3 or Azure Blob).

pub mod blobs;
#[cfg(test)]
mod conformance;
pub mod database;
pub mod msi;
pub mod msi_postgres;
pub mod postgres;
pub mod seed;
pub mod sqlite;
mod versions;

pub use blobs::LocalBlobStore;
pub use database::{Database, DatabaseUrl};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
