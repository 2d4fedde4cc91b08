//! What every blob response carries, whatever the operation and outcome (notes B.1, B.2).

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, DATE, SERVER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::error::BlobError;

pub(crate) const SERVER_NAME: &str = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0";
/// What Azure reports for requests that name no version at all (no header, no SAS).
const DEFAULT_VERSION: &str = "2009-09-19";

pub(crate) static X_MS_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");
pub(crate) static X_MS_VERSION: HeaderName = HeaderName::from_static("x-ms-version");
pub(crate) static X_MS_CLIENT_REQUEST_ID: HeaderName =
    HeaderName::from_static("x-ms-client-request-id");
pub(crate) static X_MS_ERROR_CODE: HeaderName = HeaderName::from_static("x-ms-error-code");

/// Per-request facts needed to finish any response.
#[derive(Debug)]
pub(crate) struct RequestContext {
    pub request_id: String,
    pub now: DateTime<Utc>,
    head: bool,
    header_version: Option<HeaderValue>,
    sas_version: Option<HeaderValue>,
    client_request_id: Option<HeaderValue>,
}

impl RequestContext {
    pub fn new(method: &Method, headers: &HeaderMap, now: DateTime<Utc>) -> Self {
        Self {
            request_id: crate::correlation::id(),
            now,
            head: method == Method::HEAD,
            header_version: headers.get(&X_MS_VERSION).cloned(),
            sas_version: None,
            client_request_id: headers.get(&X_MS_CLIENT_REQUEST_ID).cloned(),
        }
    }

    /// SAS requests without `x-ms-version` are answered in the SAS's version.
    pub fn set_sas_version(&mut self, sv: &str) {
        self.sas_version = HeaderValue::from_str(sv).ok();
    }

    /// The error as the service sends it; HEAD and 304 responses carry no body, only the
    /// status and `x-ms-error-code`.
    pub fn error_response(&self, error: &BlobError) -> Response {
        if error.status.is_server_error() {
            tracing::warn!(request_id = %self.request_id, code = error.code, "blob request failed");
        }
        let bodiless = self.head || error.status == StatusCode::NOT_MODIFIED;
        let mut response = if bodiless {
            Response::new(Body::empty())
        } else {
            let mut response = Response::new(Body::from(error.to_xml(&self.request_id, self.now)));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
            response
        };
        *response.status_mut() = error.status;
        response.headers_mut().insert(
            X_MS_ERROR_CODE.clone(),
            HeaderValue::from_static(error.code),
        );
        response
    }

    /// Adds the headers common to every response.
    pub fn finish(&self, mut response: Response) -> Response {
        let version = self
            .header_version
            .clone()
            .or_else(|| self.sas_version.clone())
            .unwrap_or(HeaderValue::from_static(DEFAULT_VERSION));
        let headers = response.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            headers.insert(X_MS_REQUEST_ID.clone(), id);
        }
        headers.insert(X_MS_VERSION.clone(), version);
        if let Ok(date) = HeaderValue::from_str(&http_date(self.now)) {
            headers.insert(DATE, date);
        }
        headers.insert(SERVER, HeaderValue::from_static(SERVER_NAME));
        if let Some(id) = &self.client_request_id {
            headers.insert(X_MS_CLIENT_REQUEST_ID.clone(), id.clone());
        }
        response
    }
}

/// RFC 1123 in GMT, the only date format the service writes.
pub(crate) fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Header value for text we produced ourselves, or stored from a header earlier.
pub(crate) fn header_value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}
