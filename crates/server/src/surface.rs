//! Which API surface a non-blob request belongs to, and that surface's own error body for
//! failures no handler answered: a panicking handler, and the rejections axum produces
//! before a handler runs. Clients of each surface parse only its own error shape, so no
//! answer may fall back to text or to another surface's JSON.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use storeroom_wire::devcenter::ErrorBody;

use crate::correlation;
use crate::msi::envelope::MsiFailure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The token endpoint and OpenID discovery: AAD's error body.
    Aad,
    /// The MSI/EXE submission API: `{isSuccess: false, errors}`.
    Msi,
    /// The devcenter, admin, report and storefront APIs: the devcenter error body.
    Api,
    /// The Partner Center ingestion API: its `ICH…` string, or the gateway's object.
    Ingestion,
    /// The web dashboard (`/dashboard/…`): people read its errors, as pages.
    Dashboard,
}

/// axum's rejection messages are one line; more is not a rejection's.
const REJECTION_TEXT_MAX: usize = 16 << 10;

/// Second path segments of the AAD routes (`/{tenant}/oauth2/...`).
pub(crate) const AAD_SEGMENTS: &[&str] = &["oauth2", ".well-known", "v2.0", "discovery"];

impl Surface {
    /// The surface of a path, in any letter case (one no route matched keeps its case).
    pub fn of(path: &str) -> Self {
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let first = segments.next().unwrap_or_default();
        let second = segments.next().unwrap_or_default();
        let is = |segment: &str, word: &str| segment.eq_ignore_ascii_case(word);
        if is(first, "submission") {
            Surface::Msi
        } else if is(first, "dashboard") {
            Surface::Dashboard
        } else if is(first, "v1.0") && is(second, "ingestion") {
            Surface::Ingestion
        } else if !is(first, "v1.0")
            && !is(first, "admin")
            && AAD_SEGMENTS.iter().any(|word| is(second, word))
        {
            Surface::Aad
        } else {
            Surface::Api
        }
    }

    /// The surface's error body with `status`. `headers` are the request's (AAD echoes
    /// `client-request-id`). Each carries a correlation id header (see [`correlation_id`]).
    pub fn error(
        self,
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        headers: &HeaderMap,
        now: DateTime<Utc>,
    ) -> Response {
        let message = message.into();
        match self {
            Surface::Aad => crate::aad::error_response(status, &message, headers, now),
            Surface::Msi => {
                let mut response = MsiFailure::new(status, code, message, "").into_response();
                set(&mut response, "X-Correlation-ID", &correlation::id());
                response
            }
            Surface::Ingestion => {
                let _ = code;
                let mut response = if status.is_server_error() || status == StatusCode::UNAUTHORIZED
                {
                    crate::ingestion::respond::gateway_error(status, &message)
                } else {
                    crate::ingestion::respond::service_error(
                        status,
                        crate::ingestion::respond::field_data("Message", &message),
                    )
                };
                set(&mut response, "request-id", &correlation::id());
                response
            }
            Surface::Dashboard => {
                let title = status.canonical_reason().unwrap_or("Error");
                let mut response = crate::dashboard::message_page(status, title, &message);
                set(&mut response, "X-Correlation-ID", &correlation::id());
                response
            }
            Surface::Api => {
                let mut body = ErrorBody::new(code, message, "");
                if status.is_server_error() {
                    body.details = Vec::new();
                }
                let mut response = (status, Json(body)).into_response();
                set(&mut response, "MS-CorrelationId", &correlation::id());
                response
            }
        }
    }

    /// axum answers the requests its extractors reject (a path id that is not UTF-8, a
    /// malformed query or form, a body over the limit) in `text/plain`; this gives them
    /// the surface's error body, with the same status and axum's message. Every other
    /// response passes through untouched.
    pub async fn uniform(
        self,
        response: Response,
        headers: &HeaderMap,
        now: DateTime<Utc>,
    ) -> Response {
        let status = response.status();
        let plain = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
        if !plain || !(status.is_client_error() || status.is_server_error()) {
            return response;
        }
        let text = axum::body::to_bytes(response.into_body(), REJECTION_TEXT_MAX)
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
            .unwrap_or_default();
        let message = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("Bad request")
                .to_string()
        } else {
            text
        };
        self.error(status, self.code_for(status), message, headers, now)
    }

    /// The surface's error for a request whose head was refused before routing (see
    /// `listen::heads`), with the status hyper would have answered.
    pub fn refused(self, status: StatusCode, reason: &str, now: DateTime<Utc>) -> Response {
        let message = format!("The request cannot be read: {reason}.");
        self.error(
            status,
            self.code_for(status),
            message,
            &HeaderMap::new(),
            now,
        )
    }

    /// The error code each surface uses for a status.
    fn code_for(self, status: StatusCode) -> &'static str {
        use storeroom_wire::msi::codes;
        match (self, status) {
            (Surface::Msi, StatusCode::PAYLOAD_TOO_LARGE) => codes::REQUEST_TOO_LARGE,
            (Surface::Msi, StatusCode::NOT_FOUND) => codes::NOT_FOUND,
            (Surface::Msi, StatusCode::METHOD_NOT_ALLOWED) => codes::METHOD_NOT_ALLOWED,
            (Surface::Msi, status) if status.is_server_error() => codes::INTERNAL,
            (Surface::Msi, _) => codes::BAD_REQUEST,
            (_, StatusCode::PAYLOAD_TOO_LARGE) => "RequestEntityTooLarge",
            (_, StatusCode::NOT_FOUND) => "ResourceNotFound",
            (_, StatusCode::METHOD_NOT_ALLOWED) => "InvalidOperation",
            (_, status) if status.is_server_error() => "InternalServerError",
            _ => "InvalidParameterValue",
        }
    }

    /// The surface's 500, as its handlers answer an unexpected failure.
    pub fn internal(self, headers: &HeaderMap, now: DateTime<Utc>) -> Response {
        let (code, message) = match self {
            Surface::Msi => (
                storeroom_wire::msi::codes::INTERNAL,
                "An internal server error occurred while processing the request.",
            ),
            _ => (
                "InternalServerError",
                "An internal server error occurred while processing the operation.",
            ),
        };
        self.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            message,
            headers,
            now,
        )
    }
}

impl Surface {
    /// The header the surface's responses carry the request's correlation id in.
    pub fn correlation_header(self) -> &'static str {
        match self {
            Surface::Aad => "x-ms-request-id",
            Surface::Msi | Surface::Dashboard => "X-Correlation-ID",
            Surface::Api => "MS-CorrelationId",
            Surface::Ingestion => "request-id",
        }
    }

    /// The surface's name as a metric label.
    pub fn label(self) -> &'static str {
        match self {
            Surface::Aad => "aad",
            Surface::Msi => "msi",
            Surface::Api => "api",
            Surface::Ingestion => "ingestion",
            Surface::Dashboard => "dashboard",
        }
    }
}

/// The id a client sees on an error response, to quote when reporting it and to match
/// with the server's log: whichever of the surfaces' correlation headers it carries.
pub fn correlation_id(response: &Response) -> String {
    [
        "MS-CorrelationId",
        "X-Correlation-ID",
        "x-ms-request-id",
        "request-id",
    ]
    .iter()
    .find_map(|name| response.headers().get(*name)?.to_str().ok())
    .unwrap_or_default()
    .to_string()
}

fn set(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surfaces_by_path() {
        assert_eq!(Surface::of("/common/oauth2/token"), Surface::Aad);
        assert_eq!(
            Surface::of("/t/v2.0/.well-known/openid-configuration"),
            Surface::Aad
        );
        assert_eq!(Surface::of("/t/discovery/keys"), Surface::Aad);
        assert_eq!(
            Surface::of("/submission/v1/product/1/packages"),
            Surface::Msi
        );
        assert_eq!(Surface::of("/v1.0/my/applications"), Surface::Api);
        assert_eq!(Surface::of("/v1.0/ingestion/products"), Surface::Ingestion);
        assert_eq!(Surface::of("/admin/v1/clock"), Surface::Api);
        assert_eq!(Surface::of("/dashboard/products"), Surface::Dashboard);
        assert_eq!(Surface::of("/Submission/v1/unknown"), Surface::Msi);
        assert_eq!(Surface::of("/V1.0/Ingestion/x"), Surface::Ingestion);
        assert_eq!(Surface::of("/"), Surface::Api);
    }
}
