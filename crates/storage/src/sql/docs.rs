//! Records are stored as JSON documents of the domain's serde types; these convert them, and
//! turn driver errors into the domain's [`StoreError`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use storeroom_domain::store::{StoreError, StoreResult};

pub(crate) fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|err| StoreError::failed(err.to_string()))
}

pub(crate) fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(|err| StoreError::failed(err.to_string()))
}

pub(crate) fn store_error(err: impl Into<sqlx::Error>) -> StoreError {
    let err = err.into();
    // PostgreSQL's serialization failure and deadlock: the write lock rules both out, but
    // should they ever happen they are a lost race, which the caller retries, not a broken
    // server. SQLite reports neither code.
    if let sqlx::Error::Database(db) = &err
        && matches!(db.code().as_deref(), Some("40001" | "40P01"))
    {
        return StoreError::Conflict {
            message: format!(
                "A concurrent change won: {}. Retry the request.",
                db.message()
            ),
            target: String::new(),
        };
    }
    StoreError::failed(err.to_string())
}
