//! What the journal keeps of a request's and a response's bodies: textual bodies (JSON,
//! forms, XML, text) of a known length up to [`READ_AT_MOST`] are captured as they are (the
//! bytes are shared with the body handed on, not copied) and handed on unchanged; any other
//! body (blob uploads and downloads, archives, streamed bodies) is summarised by its size and
//! never read here. Redacting and cutting to [`KEPT`] bytes happen when the journal is
//! flushed ([`Captured::kept`]), off the request's path.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use storeroom_domain::opsstate::ByContent;

use super::redact;
use crate::token_memo::TokenMemo;

/// Bytes of a body the journal keeps.
pub const KEPT: usize = 16 << 10;
/// Longest body captured as it is, to be redacted when the journal is flushed; a longer
/// one is redacted and cut on the request's path, so that waiting entries stay small.
const KEEP_LATER: usize = 64 << 10;
/// Longest body read to be journaled (longer ones are summarised).
const READ_AT_MOST: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
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

/// A body as the journal captured it.
#[derive(Debug, Default)]
pub enum Captured {
    /// No body, or an empty one.
    #[default]
    Empty,
    /// A textual body of at most [`KEEP_LATER`] bytes, as sent.
    Text(Kind, Bytes),
    /// A longer textual body, already redacted and cut (so a waiting entry holds at most
    /// [`KEEP_LATER`] or [`KEPT`] bytes of it).
    Kept(String),
    /// What is said of a body that is not kept.
    Summary(&'static str, Option<u64>),
}

/// The bodies of one flush already kept, by their text: a body answered many times (a
/// polled submission, see `storeroom_domain::service::memo`) or sent many times (a
/// pipeline's repeated request) is redacted once per flush.
#[derive(Default)]
pub struct KeptBodies(HashMap<(Kind, ByContent<Bytes>), String>);

impl Captured {
    /// What the journal keeps: the text redacted and cut to [`KEPT`] bytes, or the summary.
    pub fn kept(&self, bodies: &mut KeptBodies) -> Option<String> {
        match self {
            Self::Empty => None,
            Self::Text(kind, bytes) => Some(
                bodies
                    .0
                    .entry((*kind, ByContent(bytes.clone())))
                    .or_insert_with(|| keep(*kind, bytes))
                    .clone(),
            ),
            Self::Kept(text) => Some(text.clone()),
            Self::Summary(what, None) => Some(format!("<{what}>")),
            Self::Summary(what, Some(size)) => Some(format!("<{size} bytes, {what}>")),
        }
    }

    /// Bytes held until the flush.
    pub fn weight(&self) -> usize {
        match self {
            Self::Text(_, bytes) => bytes.len(),
            Self::Kept(text) => text.len(),
            Self::Empty | Self::Summary(..) => 0,
        }
    }

    /// The client a request with this body names: `token_client`, its bearer token's (see
    /// [`TokenClients`]), else a token request's form `client_id`.
    pub fn client_named(&self, token_client: Option<&str>) -> Option<String> {
        token_client
            .map(str::to_string)
            .or_else(|| self.form_client_id())
    }

    /// A token request's `client_id` (form bodies).
    fn form_client_id(&self) -> Option<String> {
        let Self::Text(Kind::Form, bytes) = self else {
            return None;
        };
        form_urlencoded::parse(bytes)
            .find(|(name, _)| name == "client_id")
            .map(|(_, value)| value.trim().to_string())
    }
}

/// Captures a journaled request's body; hands back the request with the same body.
pub async fn request(request: Request) -> (Request, Captured) {
    let (parts, body) = request.into_parts();
    let (body, captured) = read(&parts.headers, body).await;
    (Request::from_parts(parts, body), captured)
}

/// Captures a response's body; hands back the response with the same body.
pub async fn response(response: Response) -> (Response, Captured) {
    let (parts, body) = response.into_parts();
    let (body, captured) = read(&parts.headers, body).await;
    (Response::from_parts(parts, body), captured)
}

/// The body to hand on, and what the journal captured of it.
async fn read(headers: &HeaderMap, body: Body) -> (Body, Captured) {
    let size = body.size_hint().exact();
    match (size, Kind::of(headers)) {
        (Some(0), _) => (body, Captured::Empty),
        (Some(size), Some(kind)) if size <= READ_AT_MOST => {
            match axum::body::to_bytes(body, READ_AT_MOST as usize).await {
                Ok(bytes) if bytes.len() <= KEEP_LATER => {
                    (Body::from(bytes.clone()), Captured::Text(kind, bytes))
                }
                Ok(bytes) => {
                    let kept = Captured::Kept(keep(kind, &bytes));
                    (Body::from(bytes), kept)
                }
                // The client went away mid-body: the handler must see the failure too,
                // not an empty body.
                Err(err) => {
                    let message = err.to_string();
                    let failed = futures::stream::once(async move {
                        Err::<Bytes, io::Error>(io::Error::other(message))
                    });
                    (
                        Body::from_stream(failed),
                        Captured::Summary("the body could not be read", None),
                    )
                }
            }
        }
        (Some(size), _) => (body, Captured::Summary("not kept", Some(size))),
        (None, _) => (body, Captured::Summary("streamed body, not kept", None)),
    }
}

/// A body as the journal keeps it: redacted, then cut to [`KEPT`] bytes.
fn keep(kind: Kind, bytes: &[u8]) -> String {
    // `from_utf8` checks ASCII a word at a time; the lossy conversion, byte by byte, only
    // for a body that is not UTF-8.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let redacted = match kind {
        Kind::Json => redact::json_text(&text).unwrap_or_else(|| {
            match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(mut value) => {
                    redact::json(&mut value);
                    value.to_string()
                }
                Err(_) => redact::signatures(&text),
            }
        }),
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

/// Tokens held at most by [`TokenClients`]; beyond, it starts again empty.
const TOKENS_KEPT: usize = 1024;

/// The clients of the bearer tokens requests carry, by token (see [`TokenMemo`]). Asked on
/// the request's path, so that a journaled request keeps its client's name rather than its
/// `Authorization` header, which shares (and so kept alive until the flush, on another
/// thread) the buffer hyper reads the connection into.
pub struct TokenClients(TokenMemo<Option<Arc<str>>>);

impl Default for TokenClients {
    fn default() -> Self {
        Self(TokenMemo::new(TOKENS_KEPT))
    }
}

impl TokenClients {
    /// The client the bearer token of `authorization` names, if any.
    pub fn client_of(&self, authorization: Option<&HeaderValue>) -> Option<Arc<str>> {
        let token = authorization?.as_bytes();
        self.0
            .get_or_learn(token, || Some(token_client(authorization).map(Arc::from)))
            .flatten()
    }
}

/// The client id a bearer token names (`appid`, or v2's `azp`). The signature is not
/// checked here: the journal labels requests, the API's own checks decide what they may do.
fn token_client(authorization: Option<&HeaderValue>) -> Option<String> {
    let value = authorization?.to_str().ok()?;
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
        let authorization = format!("Bearer eyJ0eXAiOiJKV1QifQ.{payload}.sig")
            .parse()
            .unwrap();
        assert_eq!(
            token_client(Some(&authorization)).as_deref(),
            Some("abc-123")
        );
        let form = Captured::Text(Kind::Form, Bytes::from_static(b"client_id=%20xyz&x=1"));
        assert_eq!(form.form_client_id().as_deref(), Some("xyz"));
    }

    /// The memo answers as decoding does, token after token: the same token again, another
    /// token with the same ends (which takes the first one's place), a request without one;
    /// and it stays bounded.
    #[test]
    fn each_token_is_decoded_once_and_tokens_are_told_apart() {
        let token = |client: &str, signature: &str| -> HeaderValue {
            let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"appid":"{client}"}}"#));
            // The payload in the middle, beyond the 64 bytes at each end that are hashed.
            let header = "A".repeat(100);
            format!("Bearer {header}.{payload}.{}", signature.repeat(100))
                .parse()
                .unwrap()
        };
        let (a, b) = (token("client-aaa", "s"), token("client-bbb", "s"));
        let memo = TokenClients::default();
        for authorization in [Some(&a), Some(&b), Some(&a), None] {
            assert_eq!(
                memo.client_of(authorization).as_deref(),
                token_client(authorization).as_deref()
            );
        }
        let c = token("client-ccc", "t");
        assert_eq!(memo.client_of(Some(&c)).as_deref(), Some("client-ccc"));
        assert_eq!(memo.0.len(), 2, "one per distinct ends");
        for n in 0..TOKENS_KEPT + 1 {
            memo.client_of(Some(&token("client", &n.to_string())));
        }
        assert!(memo.0.len() <= TOKENS_KEPT);
        assert_eq!(memo.client_of(Some(&b)).as_deref(), Some("client-bbb"));
    }
}
