//! The ingestion API's responses (partner-ingestion.md §1.4–§1.6): JSON in the documented
//! field order, `etag` and `location` headers, 204s with `content-length: 0`, the service's
//! `ICH…` error string and the gateway's `{statusCode, message}` object.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};
use storeroom_domain::ingestion::IngestionError;
use storeroom_wire::ingestion::{error_text, pascal};

/// A JSON value whose objects keep the order they were built in.
#[derive(Debug, Clone)]
pub enum Out {
    V(Value),
    Obj(Vec<(String, Out)>),
    Arr(Vec<Out>),
}

impl Out {
    pub fn obj() -> Self {
        Out::Obj(Vec::new())
    }

    /// Adds a member (objects only).
    pub fn with(mut self, key: &str, value: impl Into<Out>) -> Self {
        if let Out::Obj(members) = &mut self {
            members.push((key.to_string(), value.into()));
        }
        self
    }

    pub fn push(&mut self, key: &str, value: impl Into<Out>) {
        if let Out::Obj(members) = self {
            members.push((key.to_string(), value.into()));
        }
    }
}

impl From<Value> for Out {
    fn from(value: Value) -> Self {
        Out::V(value)
    }
}

impl From<&str> for Out {
    fn from(value: &str) -> Self {
        Out::V(Value::String(value.into()))
    }
}

impl From<String> for Out {
    fn from(value: String) -> Self {
        Out::V(Value::String(value))
    }
}

impl From<bool> for Out {
    fn from(value: bool) -> Self {
        Out::V(Value::Bool(value))
    }
}

impl From<u32> for Out {
    fn from(value: u32) -> Self {
        Out::V(Value::from(value))
    }
}

impl Serialize for Out {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::V(value) => value.serialize(serializer),
            Out::Obj(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Out::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// A collection: `{"nextLink"?, "value": [...]}`, the link first (§2.3).
pub fn paged(items: Vec<Out>, next_link: Option<String>) -> Out {
    let mut page = Out::obj();
    if let Some(link) = next_link {
        page.push("nextLink", link);
    }
    page.with("value", Out::Arr(items))
}

/// A JSON response with the ETag and location headers when given.
pub fn json(
    status: StatusCode,
    body: &Out,
    etag: Option<&str>,
    location: Option<&str>,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::ETAG, value);
    }
    if let Some(value) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(header::LOCATION, value);
    }
    response
}

pub fn ok(body: &Out) -> Response {
    json(StatusCode::OK, body, None, None)
}

/// 204 with an empty body, as the service answers a DELETE. (The service also sends
/// `content-length: 0`; hyper leaves the header out of a 204, as RFC 9110 asks.)
pub fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// The service's error (§1.6): a JSON string `ICH5xxxx - Unable to complete request. {…}`.
pub fn service_error(status: StatusCode, data: Map<String, Value>) -> Response {
    let reason = match status {
        StatusCode::BAD_REQUEST => "Request validation failed.",
        StatusCode::NOT_FOUND => "Resource not found.",
        StatusCode::CONFLICT => "Conflict.",
        StatusCode::PRECONDITION_FAILED => "Precondition failed.",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed.",
        _ => "Internal server error.",
    };
    let operation: String = storeroom_domain::ids::guid().replace('-', "");
    let text = error_text(
        status.as_u16(),
        reason,
        &storeroom_domain::ids::guid(),
        &operation,
        &data,
    );
    json(status, &Out::V(Value::String(text)), None, None)
}

/// `data` with one field and its message; messages never hold ". " (§1.6).
pub fn field_data(field: &str, message: &str) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert(
        pascal(field),
        Value::Array(vec![Value::String(message.replace(". ", "; "))]),
    );
    data
}

/// A gateway error (401, 403, 429, 500, 503): `{"statusCode", "message"}`.
pub fn gateway_error(status: StatusCode, message: &str) -> Response {
    let body = Out::obj()
        .with("statusCode", Out::V(Value::from(status.as_u16())))
        .with("message", message);
    json(status, &body, None, None)
}

/// The 405 of a known path, with `Allow`.
pub fn method_not_allowed(method: &Method, allowed: &[Method]) -> Response {
    let list: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    let mut response = service_error(
        StatusCode::METHOD_NOT_ALLOWED,
        field_data(
            "Method",
            &format!("{method} is not supported here; use {}", list.join(", ")),
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&list.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The answer to a domain failure.
pub fn failure(err: IngestionError) -> Response {
    match err {
        IngestionError::Invalid { field, message } => {
            service_error(StatusCode::BAD_REQUEST, field_data(&field, &message))
        }
        IngestionError::NotFound { message, .. } => {
            service_error(StatusCode::NOT_FOUND, field_data("Message", &message))
        }
        IngestionError::Conflict(message) => {
            service_error(StatusCode::CONFLICT, field_data("Message", &message))
        }
        IngestionError::PreconditionFailed(message) => service_error(
            StatusCode::PRECONDITION_FAILED,
            field_data("If-Match", &message),
        ),
        IngestionError::Store(storeroom_domain::store::StoreError::Conflict {
            message, ..
        }) => service_error(StatusCode::CONFLICT, field_data("Message", &message)),
        IngestionError::Store(err) => {
            tracing::error!(error = %err, "ingestion API storage failure");
            gateway_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An internal server error occurred",
            )
        }
    }
}

/// Headers every response of the API carries (§1.4).
pub fn finish(
    mut response: Response,
    request: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(headers, "request-id", crate::correlation::id());
    let reference: String = storeroom_domain::ids::guid().replace('-', "")[..20].to_string();
    set(
        headers,
        "x-azure-ref",
        format!("{}-{reference}", now.format("%Y%m%dT%H%M%SZ")),
    );
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    headers.insert("x-cache", HeaderValue::from_static("CONFIG_NOCACHE"));
    if let Some(id) = request.get("client-request-id") {
        headers.insert("client-request-id", id.clone());
    }
    response
}
