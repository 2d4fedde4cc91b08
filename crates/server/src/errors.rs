//! Error responses of the devcenter and admin APIs: the ingestion API's JSON body with the
//! HTTP status the real service uses for each case.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use storeroom_domain::DomainError;
use storeroom_wire::devcenter::{self as wire, ErrorBody};
use storeroom_wire::lenient::InputError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        target: impl Into<String>,
    ) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(code, message, target)),
        }
    }

    pub fn invalid(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            message,
            target,
        )
    }

    pub fn not_found(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message, target)
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound { message, target } => Self::not_found(message, target),
            DomainError::Conflict {
                code,
                message,
                target,
            } => Self::new(StatusCode::CONFLICT, code.as_str(), message, target),
            DomainError::Invalid { message, target } => Self::invalid(message, target),
            DomainError::Storage(detail) => {
                tracing::error!(%detail, "storage failure");
                internal()
            }
        }
    }
}

impl From<InputError> for ApiError {
    fn from(err: InputError) -> Self {
        let target = if err.path.is_empty() || err.path == "." {
            String::new()
        } else {
            err.path.clone()
        };
        Self::invalid(err.to_string(), target)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "RequestEntityTooLarge"
        } else {
            "InvalidParameterValue"
        };
        Self::new(status, code, rejection.body_text(), "")
    }
}

/// The real service's body for an unexpected failure.
pub fn internal() -> ApiError {
    let mut body = ErrorBody::new(
        "InternalServerError",
        "An internal server error occurred while processing the operation.",
        "",
    );
    body.details = Vec::new();
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        body: Box::new(body),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// 401 as the API gateway sends it: missing, malformed or expired token.
pub fn gateway_unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(wire::GatewayError {
            status_code: 401,
            message: "APIM: Unauthorized. Access token is missing or invalid.".into(),
        }),
    )
        .into_response()
}

/// 401 for a valid token of an application no seller account has added, or has added
/// with a role other than Manager.
pub fn account_not_allowed() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(wire::AccessDenied {
            code: "Unauthorized",
            message: crate::clients::NOT_ALLOWED,
        }),
    )
        .into_response()
}
