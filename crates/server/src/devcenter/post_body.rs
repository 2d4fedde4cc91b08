//! The body of a POST that creates or commits a submission.
//!
//! The real service refuses such a POST when it has no body and no JSON `Content-Type`
//! ("rejected on mediaType"; every known client sends `application/json` even with an empty
//! body), and validates a create whose body is a JSON object as a submission definition,
//! which fails. The status and message of the first refusal were not recorded: storeroom
//! answers 415 `UnsupportedMediaType` naming `Content-Type`. `--leniency relaxed` accepts both.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};

use crate::errors::ApiError;
use crate::state::AppState;

/// A create or commit POST, checked as the real service checks it.
pub struct SubmissionPost {
    body: Bytes,
}

impl SubmissionPost {
    /// For a create: a body that is a JSON object is refused (target `what`, the resource
    /// name); the documented empty body, and anything else the real service is not known to
    /// refuse, is accepted.
    pub fn ensure_create(&self, state: &AppState, what: &str) -> Result<(), ApiError> {
        if !state.service.leniency.is_strict() {
            return Ok(());
        }
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(_)) => Err(ApiError::invalid(
                format!(
                    "The request body is not a valid {what}: create a submission with an empty body, then update it with PUT"
                ),
                what,
            )),
            _ => Ok(()),
        }
    }
}

/// Whether `Content-Type` names JSON (`application/json`, `text/json` or `…+json`, with
/// any parameters, in any case).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

impl FromRequest<AppState> for SubmissionPost {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = is_json(request.headers());
        let body = Bytes::from_request(request, state).await?;
        let bodyless = body.iter().all(u8::is_ascii_whitespace);
        if bodyless && !json && state.service.leniency.is_strict() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                "The request has no body and no JSON media type: send Content-Type: application/json",
                "Content-Type",
            ));
        }
        Ok(Self { body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognised_with_parameters_and_in_any_case() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, value.parse().unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/vnd.api+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
