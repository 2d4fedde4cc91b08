//! What an ingestion API operation can fail with; the server maps each to its status and
//! the service's error body (partner-ingestion.md §1.5–§1.6).

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IngestionError {
    /// 400: the field named is wrong.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// 404: unknown, or another account's.
    #[error("{message}")]
    NotFound {
        /// The id that names nothing (the write path checks whether a submission froze it).
        id: String,
        message: String,
    },
    /// 409: a duplicate id, a frozen instance, a submission in the wrong state.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` names another version.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type IngestionResult<T> = Result<T, IngestionError>;

impl IngestionError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into().replace(". ", "; "),
        }
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::NotFound {
            id: id.to_string(),
            message: format!("{what} {id} was not found"),
        }
    }
}

impl From<storeroom_wire::ingestion::schema::FieldError> for IngestionError {
    fn from(err: storeroom_wire::ingestion::schema::FieldError) -> Self {
        Self::Invalid {
            field: err.field,
            message: err.message,
        }
    }
}
