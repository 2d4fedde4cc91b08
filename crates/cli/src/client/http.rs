//! Requests to the three APIs with the right credentials, and their error bodies turned
//! into [`Failure`]s: tokens by client credentials (cached per resource for the command's
//! life), the admin token for storeroom's admin API, and the seller header of the MSI/EXE
//! API. Transient failures are retried as `retry` decides.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::Mutex;

use super::profile::{DEVCENTER_RESOURCE, MSI_RESOURCE, Settings};
use super::retry::{RetryPolicy, Transient};
use super::{Failure, HttpFailure, Outcome};

/// Which API a request is for: its base URL and its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Devcenter,
    Msi,
    Admin,
}

pub struct Api {
    http: Client,
    pub settings: Settings,
    pub retry: RetryPolicy,
    tokens: Mutex<HashMap<&'static str, String>>,
}

impl Api {
    pub fn new(settings: Settings, retry: RetryPolicy) -> Outcome<Self> {
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("storeroom-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Failure::local(format!("cannot start the HTTP client: {err}")))?;
        Ok(Self {
            http,
            settings,
            retry,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn http(&self) -> &Client {
        &self.http
    }

    /// The absolute URL of `path` (relative to the surface's base, or already absolute).
    pub fn url(&self, surface: Surface, path: &str) -> Outcome<String> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Ok(path.to_string());
        }
        let base = match surface {
            Surface::Devcenter => self.settings.api_url.as_str(),
            Surface::Msi => self.settings.msi_url.as_str(),
            Surface::Admin => self.settings.admin_base()?,
        };
        Ok(format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        ))
    }

    /// A client-credentials token for `resource` (v1 endpoint, as Microsoft's samples ask).
    async fn token(&self, resource: &'static str) -> Outcome<String> {
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = tokens.get(resource) {
            return Ok(token.clone());
        }
        let url = self
            .settings
            .token_url
            .replace("{tenant}", self.settings.tenant()?);
        let secret = self.settings.client_secret()?;
        let client = self.settings.client()?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", &secret),
            ("resource", resource),
        ];
        // Asking for a token changes nothing: it may be retried like a GET.
        let body = self
            .retrying("POST", true, || async {
                Ok((self.http.post(&url).form(&form), url.clone()))
            })
            .await?;
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| Failure::Network {
                url: url.clone(),
                message: "the token endpoint's answer has no access_token".into(),
            })?
            .to_string();
        tokens.insert(resource, token.clone());
        Ok(token)
    }

    /// A request with the surface's credentials and headers.
    pub async fn request(
        &self,
        surface: Surface,
        method: Method,
        path: &str,
    ) -> Outcome<(RequestBuilder, String)> {
        let url = self.url(surface, path)?;
        let request = self.http.request(method, &url);
        let request = match surface {
            // Every real client sends the JSON content type, even on bodyless POSTs, and the
            // service refuses a bodyless create or commit without it.
            Surface::Devcenter => request
                .bearer_auth(self.token(DEVCENTER_RESOURCE).await?)
                .header(reqwest::header::CONTENT_TYPE, "application/json"),
            Surface::Msi => {
                let seller = self.settings.seller_id.as_deref().ok_or_else(|| {
                    Failure::local(
                        "the MSI/EXE API needs the seller id: give --seller-id, STOREROOM_SELLER_ID or a profile with it",
                    )
                })?;
                request
                    .bearer_auth(self.token(MSI_RESOURCE).await?)
                    .header("X-Seller-Account-Id", seller)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
            }
            Surface::Admin => request
                .bearer_auth(self.settings.admin_token()?)
                .header(reqwest::header::CONTENT_TYPE, "application/json"),
        };
        Ok((request, url))
    }

    /// Sends a request with an optional JSON body; the answer's JSON (Null when empty).
    pub async fn call(
        &self,
        surface: Surface,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Outcome<Value> {
        let name = method.to_string();
        let idempotent = method != Method::POST && method != Method::PATCH;
        let body = body.map(|body| serde_json::to_vec(body).expect("JSON serializes"));
        let (method, body) = (&method, &body);
        self.retrying(&name, idempotent, move || async move {
            let (request, url) = self.request(surface, method.clone(), path).await?;
            match body {
                Some(body) => Ok((request.body(body.clone()), url)),
                None => Ok((request, url)),
            }
        })
        .await
    }

    /// Sends the request `build` makes, again while it fails transiently and the retry
    /// policy allows (`idempotent`: the request may be repeated whatever happened).
    pub(super) async fn retrying<F, Fut>(
        &self,
        method: &str,
        idempotent: bool,
        build: F,
    ) -> Outcome<Value>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Outcome<(RequestBuilder, String)>>,
    {
        let mut tried = 0;
        loop {
            let (request, url) = build().await?;
            let (outcome, transient) = attempt(request, method, &url).await;
            let failure = match outcome {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            let Some(delay) = self.retry.next(tried, idempotent, transient) else {
                return Err(failure);
            };
            self.retry.note(&failure, delay, tried);
            tokio::time::sleep(delay).await;
            tried += 1;
        }
    }

    pub async fn get(&self, surface: Surface, path: &str) -> Outcome<Value> {
        self.call(surface, Method::GET, path, None).await
    }

    pub async fn post(&self, surface: Surface, path: &str, body: Option<&Value>) -> Outcome<Value> {
        self.call(surface, Method::POST, path, body).await
    }

    pub async fn put(&self, surface: Surface, path: &str, body: &Value) -> Outcome<Value> {
        self.call(surface, Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, surface: Surface, path: &str) -> Outcome<Value> {
        self.call(surface, Method::DELETE, path, None).await
    }
}

/// Sends once, and reads the answer: JSON on success, a [`Failure`] otherwise, and
/// whether that failure is transient.
async fn attempt(
    request: RequestBuilder,
    method: &str,
    url: &str,
) -> (Outcome<Value>, Option<Transient>) {
    match request.send().await {
        Ok(response) => {
            let transient = Transient::of_answer(response.status(), response.headers());
            (read(response, method, url).await, transient)
        }
        Err(err) => (Err(network(url, &err)), Transient::of_error(&err)),
    }
}

fn network(url: &str, err: &reqwest::Error) -> Failure {
    // The source chain says why (connection refused, certificate, timeout).
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    Failure::Network {
        url: url.to_string(),
        message,
    }
}

/// The body of a response as JSON (a string when it is not JSON; Null when empty), or the
/// failure its status means.
async fn read(response: Response, method: &str, url: &str) -> Outcome<Value> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(|err| network(url, &err))?;
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    if status.is_success() {
        return Ok(body);
    }
    let (code, message, target) = error_fields(&body);
    Err(Failure::Http(Box::new(HttpFailure {
        status: status.as_u16(),
        method: method.to_string(),
        url: url.to_string(),
        code,
        message,
        target,
        body,
    })))
}

/// Code, message and target of each API's error body: devcenter and admin
/// (`{code, message, target}`), MSI/EXE (`{errors: [{code, message, target}]}`), the token
/// endpoint (`{error, error_description}`), the API gateway (`{statusCode, message}`) and
/// Blob XML (`<Code>`, `<Message>`).
fn error_fields(body: &Value) -> (String, String, String) {
    let field = |value: &Value, key: &str| value[key].as_str().unwrap_or_default().to_string();
    if let Some(first) = body["errors"].as_array().and_then(|errors| errors.first()) {
        return (
            field(first, "code"),
            field(first, "message"),
            field(first, "target"),
        );
    }
    if body["error"].is_string() {
        let description = field(body, "error_description");
        let first_line = description.lines().next().unwrap_or_default().to_string();
        return (field(body, "error"), first_line, String::new());
    }
    if let Some(xml) = body.as_str() {
        let tag = |name: &str| {
            xml.split_once(&format!("<{name}>"))
                .and_then(|(_, rest)| rest.split_once(&format!("</{name}>")))
                .map(|(inner, _)| inner.lines().next().unwrap_or_default().to_string())
                .unwrap_or_default()
        };
        let message = tag("Message");
        let message = if message.is_empty() {
            xml.chars().take(200).collect()
        } else {
            message
        };
        return (tag("Code"), message, String::new());
    }
    (
        field(body, "code"),
        field(body, "message"),
        field(body, "target"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_error_body_gives_its_code_and_message() {
        assert_eq!(
            error_fields(&json!({"code": "InvalidState", "message": "m", "target": "t"})),
            ("InvalidState".into(), "m".into(), "t".into())
        );
        assert_eq!(
            error_fields(
                &json!({"isSuccess": false, "errors": [{"code": "c", "message": "m", "target": "packages"}]})
            ),
            ("c".into(), "m".into(), "packages".into())
        );
        assert_eq!(
            error_fields(
                &json!({"error": "invalid_client", "error_description": "AADSTS7000215: bad\r\nTrace ID: x"})
            ),
            (
                "invalid_client".into(),
                "AADSTS7000215: bad".into(),
                String::new()
            )
        );
        assert_eq!(
            error_fields(&json!(
                "<?xml?><Error><Code>AuthenticationFailed</Code><Message>Server failed\nRequestId:x</Message></Error>"
            )),
            (
                "AuthenticationFailed".into(),
                "Server failed".into(),
                String::new()
            )
        );
    }
}
