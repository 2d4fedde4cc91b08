//! What the journal keeps of a request's and a response's bodies: textual bodies (JSON,
//! forms, XML, text) of a known length up to [`READ_AT_MOST`] are read, redacted and kept
//! up to [`KEPT`] bytes, and handed on unchanged; any other body (blob uploads and
//! downloads, archives, streamed bodies) is summarised by its size and never read here.

use std::io;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::redact;

/// Bytes of a body the journal keeps.
pub const KEPT: usize = 16 << 10;
/// Longest body read to be journaled (longer ones are summarised).
const READ_AT_MOST: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Form,
    Text,
}

impl Kind {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let value = value.to_ascii_lowercase();
        if value.contains("json") {
            Some(Kind::Json)
        } else if value.contains("x-www-form-urlencoded") {
            Some(Kind::Form)
        } else if value.starts_with("text/") || value.contains("xml") {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

/// What was kept of a request.
#[derive(Debug, Default)]
pub struct Kept {
    pub body: Option<String>,
    /// A token request's `client_id` (form bodies).
    pub form_client_id: Option<String>,
}

/// Reads a journaled request's body when it is kept, and hands back the request with the
/// same body.
pub async fn request(request: Request) -> (Request, Kept) {
    let (parts, body) = request.into_parts();
    let (body, bytes, summary) = read(&parts.headers, body).await;
    let Some(bytes) = bytes else {
        return (
            Request::from_parts(parts, body),
            Kept {
                body: summary,
                form_client_id: None,
            },
        );
    };
    let kind = Kind::of(&parts.headers);
    let form_client_id = (kind == Some(Kind::Form))
        .then(|| {
            form_urlencoded::parse(&bytes)
                .find(|(name, _)| name == "client_id")
                .map(|(_, value)| value.trim().to_string())
        })
        .flatten();
    let kept = kind.map(|kind| keep(kind, &bytes));
    (
        Request::from_parts(parts, body),
        Kept {
            body: kept,
            form_client_id,
        },
    )
}

/// Reads a response's body when it is kept; hands back the response with the same body.
pub async fn response(response: Response) -> (Response, Option<String>) {
    let (parts, body) = response.into_parts();
    let (body, bytes, summary) = read(&parts.headers, body).await;
    let kept = match (bytes, Kind::of(&parts.headers)) {
        (Some(bytes), Some(kind)) => Some(keep(kind, &bytes)),
        _ => summary,
    };
    (Response::from_parts(parts, body), kept)
}

/// The body to hand on, its bytes when it was read, or else a summary of it.
async fn read(headers: &HeaderMap, body: Body) -> (Body, Option<Bytes>, Option<String>) {
    let size = body.size_hint().exact();
    match (size, Kind::of(headers)) {
        (Some(0), _) => (body, None, None),
        (Some(size), Some(_)) if size <= READ_AT_MOST => {
            match axum::body::to_bytes(body, READ_AT_MOST as usize).await {
                Ok(bytes) => (Body::from(bytes.clone()), Some(bytes), None),
                // The client went away mid-body: the handler must see the failure too,
                // not an empty body.
                Err(err) => {
                    let message = err.to_string();
                    let failed = futures::stream::once(async move {
                        Err::<Bytes, io::Error>(io::Error::other(message))
                    });
                    (
                        Body::from_stream(failed),
                        None,
                        Some("<the body could not be read>".into()),
                    )
                }
            }
        }
        (Some(size), _) => (body, None, Some(format!("<{size} bytes, not kept>"))),
        (None, _) => (body, None, Some("<streamed body, not kept>".into())),
    }
}

/// A body as the journal keeps it: redacted, then cut to [`KEPT`] bytes.
fn keep(kind: Kind, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let redacted = match kind {
        Kind::Json => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(mut value) => {
                redact::json(&mut value);
                value.to_string()
            }
            Err(_) => redact::signatures(&text),
        },
        Kind::Form => redact::form(&text),
        Kind::Text => redact::signatures(&text),
    };
    cut(redacted)
}

fn cut(mut text: String) -> String {
    if text.len() <= KEPT {
        return text;
    }
    let total = text.len();
    let mut end = KEPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!("…[{total} bytes in all]"));
    text
}

/// The client id a bearer token names (`appid`, or v2's `azp`). The signature is not
/// checked here: the journal labels requests, the API's own checks decide what they may do.
pub fn token_client(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let payload = token.trim().split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    ["appid", "azp"]
        .iter()
        .find_map(|claim| claims.get(*claim)?.as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_and_say_how_long_they_were() {
        let cut = cut("é".repeat(KEPT));
        assert!(cut.len() < KEPT + 40);
        assert!(cut.ends_with(&format!("…[{} bytes in all]", 2 * KEPT)));
    }

    #[test]
    fn a_bearer_token_names_its_client() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"appid":"abc-123"}"#);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer eyJ0eXAiOiJKV1QifQ.{payload}.sig")
                .parse()
                .unwrap(),
        );
        assert_eq!(token_client(&headers).as_deref(), Some("abc-123"));
    }
}
