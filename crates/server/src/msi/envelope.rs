//! Responses of the MSI/EXE API: `{isSuccess, errors, responseData}` with the HTTP status
//! of each case, for successes, rule failures, unknown routes and malformed requests alike.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use storeroom_domain::msi::product::submission_status_url;
use storeroom_domain::msi::{MsiError, Problem};
use storeroom_wire::msi::{Envelope, ErrorEntry, PollingResponse, codes};

pub type MsiResponse = Result<Response, MsiFailure>;

pub fn entry(code: &str, message: impl Into<String>, target: &str) -> ErrorEntry {
    ErrorEntry {
        code: code.to_string(),
        message: message.into(),
        target: target.to_string(),
    }
}

pub fn entries(problems: Vec<Problem>) -> Vec<ErrorEntry> {
    problems
        .into_iter()
        .map(|p| entry(p.code, p.message, p.target))
        .collect()
}

/// `isSuccess: true` with `data`, and `errors` (warnings or an informative entry).
pub fn success_with<T: Serialize>(errors: Vec<ErrorEntry>, data: T) -> Response {
    Json(Envelope {
        is_success: true,
        errors,
        response_data: data,
    })
    .into_response()
}

pub fn success<T: Serialize>(data: T) -> Response {
    success_with(Vec::new(), data)
}

/// A failed request: `isSuccess: false`, the errors, and data when the case has some
/// (`ongoingSubmissionId` and `pollingUrl` for a locked draft), else `{}`.
#[derive(Debug)]
pub struct MsiFailure {
    pub status: StatusCode,
    pub errors: Vec<ErrorEntry>,
    pub data: Value,
    /// Close the connection after answering: the request's bytes may not have been read
    /// to their end (a `Content-Length` shorter than the body).
    pub close: bool,
    pub retry_after: Option<u64>,
}

impl MsiFailure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>, target: &str) -> Self {
        Self {
            status,
            errors: vec![entry(code, message, target)],
            data: json!({}),
            close: false,
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>, target: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message, target)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "An internal server error occurred while processing the request.",
            "",
        )
    }
}

impl From<MsiError> for MsiFailure {
    fn from(err: MsiError) -> Self {
        match err {
            MsiError::Invalid(problems) => Self {
                status: StatusCode::BAD_REQUEST,
                errors: entries(problems),
                data: json!({}),
                close: false,
                retry_after: None,
            },
            MsiError::NotFound(problem) => Self::new(
                StatusCode::NOT_FOUND,
                problem.code,
                problem.message,
                problem.target,
            ),
            MsiError::InFlight {
                ongoing_submission_id,
                product_id,
            } => Self {
                data: serde_json::to_value(in_flight_data(&product_id, &ongoing_submission_id))
                    .unwrap_or_default(),
                ..Self::new(
                    StatusCode::CONFLICT,
                    codes::SUBMISSION_IN_PROGRESS,
                    format!(
                        "Submission {ongoing_submission_id} is in progress: the draft cannot change until it is PUBLISHED or FAILED; poll its pollingUrl"
                    ),
                    "submission",
                )
            },
            MsiError::Conflict(problem) => Self::new(
                StatusCode::CONFLICT,
                problem.code,
                problem.message,
                problem.target,
            ),
            MsiError::Storage(detail) => {
                tracing::error!(%detail, "MSI storage failure");
                Self::internal()
            }
        }
    }
}

/// What a locked draft's refusals carry: the submission to wait for and where to poll it.
pub fn in_flight_data(product_id: &str, submission_id: &str) -> PollingResponse {
    PollingResponse {
        polling_url: submission_status_url(product_id, submission_id),
        ongoing_submission_id: submission_id.to_string(),
    }
}

impl IntoResponse for MsiFailure {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(Envelope {
                is_success: false,
                errors: self.errors,
                response_data: self.data,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        if self.close {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
