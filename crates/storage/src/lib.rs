//! Storage for storeroom: the domain's storage traits implemented once over SQL ([`sql`]),
//! on the embedded SQLite file or a shared PostgreSQL server, and the blob stores that keep
//! uploaded blobs (under the data directory, or in S3 or Azure Blob).

pub mod blobs;
#[cfg(test)]
mod conformance;
pub mod database;
pub mod postgres;
pub mod seed;
pub mod sql;
pub mod sqlite;
mod versions;

pub use blobs::LocalBlobStore;
pub use database::{Database, DatabaseUrl};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
