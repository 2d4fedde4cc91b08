//! AAD's error body: `error`, `AADSTS<code>: <message>` with trace and correlation ids.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use storeroom_domain::ids;
use storeroom_wire::aad::AadError;

/// An AAD error: `error`, the AADSTS number and the message stem.
pub(super) struct Failure {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub message: String,
}

pub(super) fn failure(
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: impl Into<String>,
) -> Failure {
    Failure {
        status,
        error,
        code,
        message: message.into(),
    }
}

pub(super) fn bad_request(error: &'static str, code: u32, message: impl Into<String>) -> Failure {
    failure(StatusCode::BAD_REQUEST, error, code, message)
}

pub(super) fn missing(name: &str) -> Failure {
    bad_request(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

pub(super) fn aad_error_response(
    failure: Failure,
    now: DateTime<Utc>,
    headers: &HeaderMap,
) -> Response {
    let trace_id = crate::correlation::id();
    let correlation_id = client_request_id(headers).unwrap_or_else(ids::guid);
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = AadError {
        error: failure.error,
        error_description: format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            failure.code, failure.message
        ),
        error_codes: vec![failure.code],
        timestamp,
        trace_id: trace_id.clone(),
        correlation_id,
        error_uri: format!(
            "https://login.microsoftonline.com/error?code={}",
            failure.code
        ),
    };
    with_token_headers(
        (failure.status, axum::Json(body)).into_response(),
        &trace_id,
        headers,
    )
}

pub(super) fn client_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) fn with_token_headers(
    mut response: Response,
    trace_id: &str,
    request: &HeaderMap,
) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        headers.insert("x-ms-request-id", value);
    }
    if let Some(value) = request.get("client-request-id") {
        headers.insert("client-request-id", value.clone());
    }
    response
}
