//! What can go wrong in an MSI/EXE operation. Every rejection carries the module it is about
//! (`target`) and a message that names the field.

use crate::store::StoreError;

/// One thing wrong with a request or a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Wire error code (`badrequest`, `packageuploaderror`, ...).
    pub code: &'static str,
    pub message: String,
    /// The module or request part: `availability`, `properties`, `listings`, `packages`,
    /// `listingAssets`, `submission`, `product`.
    pub target: &'static str,
}

impl Problem {
    pub fn bad_request(target: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: storeroom_wire::msi::codes::BAD_REQUEST,
            message: message.into(),
            target,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MsiError {
    /// The request or the draft breaks the rules (400).
    #[error("{}", first_message(.0))]
    Invalid(Vec<Problem>),
    /// The product, package or submission does not exist for this seller (404).
    #[error("{}", .0.message)]
    NotFound(Problem),
    /// A submission is in flight: drafts are locked until it finishes (409).
    #[error("submission {ongoing_submission_id} is in progress")]
    InFlight {
        ongoing_submission_id: String,
        product_id: String,
    },
    /// The resource exists already (409): a product id reserved twice.
    #[error("{}", .0.message)]
    Conflict(Problem),
    /// Storage failed: not the caller's fault (500).
    #[error("storage error: {0}")]
    Storage(String),
}

fn first_message(problems: &[Problem]) -> &str {
    problems.first().map_or("", |p| p.message.as_str())
}

impl MsiError {
    pub fn invalid(target: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Problem::bad_request(target, message)])
    }

    pub fn not_found(target: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound(Problem {
            code: storeroom_wire::msi::codes::NOT_FOUND,
            message: message.into(),
            target,
        })
    }

    /// Fails with `problems` unless there are none.
    pub fn check(problems: Vec<Problem>) -> MsiResult<()> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Self::Invalid(problems))
        }
    }
}

impl From<StoreError> for MsiError {
    fn from(err: StoreError) -> Self {
        Self::Storage(err.to_string())
    }
}

pub type MsiResult<T> = Result<T, MsiError>;
