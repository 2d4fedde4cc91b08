//! The answer a fault rule gives: its status in the error body of the surface the request
//! was for, so a client meets the failure its real service would send: the devcenter's
//! `{code, message}` (503 `InvalidOperation` "…Retry your operation using exponential
//! backoff.", as StoreBroker#123 quotes it), the MSI/EXE envelope, the ingestion API's
//! shapes, Azure AD's error, or the blob endpoint's XML. A 429 carries `Retry-After`.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use storeroom_domain::opsstate::FaultRule;
use storeroom_wire::msi::codes;

use crate::blob::BlobService;
use crate::surface::Surface;

/// The devcenter's message for a 503 (StoreBroker#123).
pub const RETRY_LATER: &str = "This operation cannot be completed at this time. Retry your operation using exponential backoff.";

/// `Retry-After` of a 429 rule that sets none, in seconds.
const DEFAULT_RETRY_AFTER: u32 = 1;

/// Where the failing request was going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Blob,
    Api(Surface),
}

/// The failure of `rule` (whose status is `status`) for a request to `target`.
pub fn respond(
    rule: &FaultRule,
    status: StatusCode,
    target: Target,
    blob: &BlobService,
    (method, headers): (&Method, &HeaderMap),
    now: DateTime<Utc>,
) -> Response {
    let message = match &rule.body {
        Some(serde_json::Value::String(message)) => Some(message.clone()),
        // Any other JSON is the whole body, as given.
        Some(body) => {
            return with_retry_after((status, Json(body.clone())).into_response(), rule, status);
        }
        None => None,
    };
    let response = match target {
        Target::Blob => {
            let (code, default) = blob_error(status);
            blob.error(
                method,
                headers,
                status,
                code,
                message.unwrap_or_else(|| default.to_string()),
            )
        }
        Target::Api(surface) => {
            let (code, default) = api_error(surface, status);
            surface.error(
                status,
                code,
                message.unwrap_or_else(|| default.to_string()),
                headers,
                now,
            )
        }
    };
    with_retry_after(response, rule, status)
}

fn with_retry_after(mut response: Response, rule: &FaultRule, status: StatusCode) -> Response {
    let seconds = rule
        .retry_after
        .or_else(|| (status == StatusCode::TOO_MANY_REQUESTS).then_some(DEFAULT_RETRY_AFTER));
    if let Some(seconds) = seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The code and message a JSON surface answers `status` with.
fn api_error(surface: Surface, status: StatusCode) -> (&'static str, &'static str) {
    let message = match status {
        StatusCode::TOO_MANY_REQUESTS => "Rate limit is exceeded. Try again later.",
        StatusCode::SERVICE_UNAVAILABLE => RETRY_LATER,
        StatusCode::UNAUTHORIZED => "Access token is missing or invalid.",
        StatusCode::NOT_FOUND => "The requested resource was not found.",
        status if status.is_server_error() => {
            "An internal server error occurred while processing the operation."
        }
        _ => "The request was refused.",
    };
    let code = match (surface, status) {
        (Surface::Msi, StatusCode::TOO_MANY_REQUESTS) => codes::TOO_MANY_REQUESTS,
        (Surface::Msi, StatusCode::UNAUTHORIZED) => codes::UNAUTHORIZED,
        (Surface::Msi, StatusCode::FORBIDDEN) => codes::FORBIDDEN,
        (Surface::Msi, StatusCode::NOT_FOUND) => codes::NOT_FOUND,
        (Surface::Msi, StatusCode::CONFLICT) => codes::CONFLICT,
        (Surface::Msi, status) if status.is_server_error() => codes::INTERNAL,
        (Surface::Msi, _) => codes::BAD_REQUEST,
        (_, StatusCode::TOO_MANY_REQUESTS) => "TooManyRequests",
        (_, StatusCode::SERVICE_UNAVAILABLE) => "InvalidOperation",
        (_, StatusCode::UNAUTHORIZED) => "Unauthorized",
        (_, StatusCode::FORBIDDEN) => "Forbidden",
        (_, StatusCode::NOT_FOUND) => "ResourceNotFound",
        (_, StatusCode::CONFLICT) => "InvalidState",
        (_, status) if status.is_server_error() => "InternalServerError",
        _ => "InvalidParameterValue",
    };
    (code, message)
}

/// The Azure Storage code and message the blob endpoint answers `status` with.
fn blob_error(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => (
            "ServerBusy",
            "The server is currently unable to receive requests. Please retry your request.",
        ),
        StatusCode::FORBIDDEN => (
            "AuthorizationFailure",
            "This request is not authorized to perform this operation.",
        ),
        StatusCode::NOT_FOUND => ("BlobNotFound", "The specified blob does not exist."),
        StatusCode::CONFLICT => (
            "OperationNotAllowedInCurrentState",
            "The operation is not allowed in the current state.",
        ),
        StatusCode::INTERNAL_SERVER_ERROR => (
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
        StatusCode::GATEWAY_TIMEOUT => (
            "OperationTimedOut",
            "The operation could not be completed within the permitted time.",
        ),
        status if status.is_server_error() => (
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
        _ => ("InvalidInput", "One of the request inputs is not valid."),
    }
}
