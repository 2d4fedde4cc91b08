//! Helpers for the MSI/EXE submission API tests: a client with its token and seller header,
//! reserved products, and PNG images of chosen sizes.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use super::{TestServer, json};

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
        let response = self
            .http
            .post(self.url(&format!("{}/oauth2/v2.0/token", self.cred("tenantId"))))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.cred("clientId")),
                ("client_secret", &self.cred("clientSecret")),
                ("scope", &format!("{STORE}/.default")),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
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
        for _ in 0..200 {
            let status = self.get(product, "status").await;
            let has_errors = !status["errors"].as_array().unwrap().is_empty();
            if status["responseData"]["isReady"] == true || has_errors {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("module status of {product} never settled");
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
        for _ in 0..400 {
            let status = self
                .get(product, &format!("submission/{submission}/status"))
                .await;
            if status["responseData"]["publishingStatus"] != "INPROGRESS" {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("submission {submission} never finished");
    }
}

/// A valid grayscale PNG of `width` × `height`: real zlib data (stored blocks) and CRCs.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    // 1-bit grayscale keeps the raw image small even at 3840x2160.
    let row = 1 + (width as usize).div_ceil(8);
    let raw = vec![0u8; row * height as usize];
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}
