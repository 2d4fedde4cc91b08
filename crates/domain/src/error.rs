//! What can go wrong in a domain operation, independent of any wire format.

use storeroom_wire::devcenter::StatusCode;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// The addressed resource does not exist (404 `ResourceNotFound`).
    #[error("{message}")]
    NotFound { message: String, target: String },
    /// The resource exists but its state forbids the operation (409), with the code the real
    /// service uses: `InvalidState` or `InvalidOperation`.
    #[error("{message}")]
    Conflict {
        code: StatusCode,
        message: String,
        target: String,
    },
    /// The request is malformed or a value is invalid (400 `InvalidParameterValue`).
    #[error("{message}")]
    Invalid { message: String, target: String },
    /// Storage failed: not the caller's fault (500).
    #[error("storage error: {0}")]
    Storage(String),
}

impl DomainError {
    pub fn not_found(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::NotFound {
            message: message.into(),
            target: target.into(),
        }
    }

    pub fn invalid_state(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::Conflict {
            code: StatusCode::InvalidState,
            message: message.into(),
            target: target.into(),
        }
    }

    pub fn invalid_operation(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::Conflict {
            code: StatusCode::InvalidOperation,
            message: message.into(),
            target: target.into(),
        }
    }

    pub fn invalid(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            target: target.into(),
        }
    }
}

impl From<crate::store::StoreError> for DomainError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Conflict { message, target } => Self::Conflict {
                code: StatusCode::InvalidState,
                message,
                target,
            },
            crate::store::StoreError::Failed(message) => Self::Storage(message),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
