//! Helpers for the MSI/EXE submission API tests: a client with its token and seller header,
//! and reserved products.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::TestServer;
use super::http::json;

pub const STORE: &str = "https://api.store.microsoft.com";

/// A caller of the MSI/EXE API: a v2 token for the store scope, as the seed's samples get.
pub struct MsiClient<'a> {
    pub server: &'a TestServer,
    pub token: String,
    pub seller: String,
}

impl TestServer {
    /// A v2 token (`scope=https://api.store.microsoft.com/.default`).
    pub async fn store_token(&self) -> String {
        let scope = format!("{STORE}/.default");
        self.client_credentials_token("oauth2/v2.0/token", ("scope", &scope))
            .await
    }

    pub async fn msi_client(&self) -> MsiClient<'_> {
        MsiClient {
            server: self,
            token: self.store_token().await,
            seller: self.cred("sellerId"),
        }
    }

    /// Reserves an MSI/EXE product through the admin API; returns its productId.
    pub async fn reserve_win32(&self, name: &str) -> String {
        let (status, body) = json(
            self.admin(Method::POST, "admin/v1/applications")
                .json(&json!({"name": name, "type": "win32"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["productId"].as_str().unwrap().to_string()
    }
}

impl MsiClient<'_> {
    /// A request to `/submission/v1/product/{product}/{path}` with both auth headers.
    pub fn request(&self, method: Method, product: &str, path: &str) -> RequestBuilder {
        let path = path.trim_start_matches('/');
        let url = if path.is_empty() {
            self.server.url(&format!("submission/v1/product/{product}"))
        } else {
            self.server
                .url(&format!("submission/v1/product/{product}/{path}"))
        };
        self.server
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("X-Seller-Account-Id", &self.seller)
    }

    pub async fn call(
        &self,
        method: Method,
        product: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, product, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.headers().contains_key("x-correlation-id"),
            "every MSI response has X-Correlation-ID"
        );
        json(response).await
    }

    pub async fn get(&self, product: &str, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, product, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        assert_eq!(body["isSuccess"], true, "{body}");
        body
    }

    /// A write that must succeed.
    pub async fn ok(&self, method: Method, product: &str, path: &str, body: Value) -> Value {
        let (status, reply) = self.call(method.clone(), product, path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {reply}");
        assert_eq!(reply["isSuccess"], true, "{reply}");
        reply
    }

    /// A write that must fail with 400 and name `field` in an error whose target is `target`.
    pub async fn rejected(
        &self,
        method: Method,
        product: &str,
        path: &str,
        body: Value,
        target: &str,
        field: &str,
    ) {
        let (status, reply) = self.call(method.clone(), product, path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {reply}");
        assert_eq!(reply["isSuccess"], false, "{reply}");
        let errors = reply["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["target"] == target && e["message"].as_str().unwrap().contains(field)),
            "expected an error with target {target} naming {field}: {reply}"
        );
    }

    /// Commits the packages and polls the module status until processing ends; returns the
    /// last status.
    pub async fn commit_packages_and_wait(&self, product: &str) -> Value {
        let reply = self
            .ok(Method::POST, product, "packages/commit", Value::Null)
            .await;
        assert_eq!(reply["responseData"]["ongoingSubmissionId"], "");
        self.wait_module_status(product).await
    }

    /// Polls module status until it is ready or reports an error.
    pub async fn wait_module_status(&self, product: &str) -> Value {
        self.server
            .until(&format!("module status of {product} settles"), || async {
                let status = self.get(product, "status").await;
                let has_errors = !status["errors"].as_array().unwrap().is_empty();
                if status["responseData"]["isReady"] == true || has_errors {
                    Ok(status)
                } else {
                    Err(status)
                }
            })
            .await
    }

    /// Submits and returns the submission id.
    pub async fn submit(&self, product: &str) -> String {
        let reply = self.ok(Method::POST, product, "submit", Value::Null).await;
        let id = reply["responseData"]["submissionId"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!id.is_empty(), "{reply}");
        assert_eq!(
            reply["responseData"]["pollingUrl"],
            format!("/submission/v1/product/{product}/submission/{id}/status")
        );
        id
    }

    /// Polls a submission until it leaves INPROGRESS; returns the last status body.
    pub async fn wait_submission(&self, product: &str, submission: &str) -> Value {
        let path = format!("submission/{submission}/status");
        self.server
            .until(&format!("submission {submission} finishes"), || async {
                let status = self.get(product, &path).await;
                if status["responseData"]["publishingStatus"] != "INPROGRESS" {
                    Ok(status)
                } else {
                    Err(status)
                }
            })
            .await
    }
}
