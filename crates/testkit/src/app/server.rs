//! The server a test talks to: starting and restarting it, its credentials and tokens, and
//! requests to each of its APIs.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use storeroom_server::{Running, ServerConfig};
use tempfile::TempDir;

use super::http::json;
use super::{DEVCENTER, TestApp};
use crate::eventually::eventually;
use crate::scratch::ScratchSchema;

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub http: Client,
    pub dir: TempDir,
    pub credentials: Value,
    /// The test's PostgreSQL schema, when tests run on PostgreSQL; dropped after the server.
    pub database: Option<Arc<ScratchSchema>>,
    /// How long a claimed job stays leased: a running job reads as due at the lease's end.
    pub(super) job_lease: Duration,
}

impl TestServer {
    pub async fn start() -> Self {
        TestApp::builder().server().await
    }

    pub async fn start_in(dir: TempDir) -> Self {
        TestApp::builder().dir(dir).server().await
    }

    /// Starts with settings changed by `configure` (pipeline policy, URLs).
    pub async fn start_with(
        dir: TempDir,
        configure: impl FnOnce(&mut ServerConfig) + Send + 'static,
    ) -> Self {
        TestApp::builder()
            .dir(dir)
            .configure(configure)
            .server()
            .await
    }

    /// Starts on `database` (None: the data directory's SQLite file).
    pub(super) async fn start_on(
        dir: TempDir,
        database: Option<Arc<ScratchSchema>>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let mut config = ServerConfig::for_data_dir(dir.path());
        config.database = database.as_ref().map(|db| db.url.clone());
        configure(&mut config);
        let job_lease = config.job_lease;
        let running = storeroom_server::start(config)
            .await
            .expect("server starts");
        let base = running.public_url.clone();
        let credentials: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("credentials.json")).unwrap())
                .unwrap();
        Self {
            running,
            base,
            http: Client::new(),
            dir,
            credentials,
            database,
            job_lease,
        }
    }

    /// Stops this server and starts another on the same data directory (and database).
    pub async fn restart(self) -> Self {
        let TestServer {
            running,
            dir,
            database,
            ..
        } = self;
        let addr = running.addr;
        running.stop();
        drop(running);
        // The next server must not start beside the old one still accepting requests.
        eventually("the stopped server closes its port", || async move {
            match tokio::net::TcpStream::connect(addr).await {
                Err(_) => Ok(()),
                Ok(_) => Err("still accepting connections"),
            }
        })
        .await;
        Self::start_on(dir, database, |_| {}).await
    }

    pub fn cred(&self, name: &str) -> String {
        self.credentials[name].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    /// A v1 token for `resource`.
    pub async fn token_for(&self, resource: &str) -> String {
        self.client_credentials_token("oauth2/token", ("resource", resource))
            .await
    }

    /// A client-credentials token of the development client from the token endpoint
    /// `endpoint` (`oauth2/token` or `oauth2/v2.0/token`) for `audience` (`resource` or
    /// `scope`, and its value).
    pub async fn client_credentials_token(&self, endpoint: &str, audience: (&str, &str)) -> String {
        let response = self
            .http
            .post(self.url(&format!("{}/{endpoint}", self.cred("tenantId"))))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.cred("clientId")),
                ("client_secret", &self.cred("clientSecret")),
                audience,
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A new seller account through the admin API (its `sellerId`, `tenantId`, `clientId`
    /// and `clientSecret`).
    pub async fn create_seller(&self, name: &str) -> Value {
        let (status, seller) = json(
            self.admin(Method::POST, "admin/v1/sellers")
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{seller}");
        seller
    }

    /// A v1 token for `resource` of another seller's client (from [`Self::create_seller`]).
    pub async fn token_of(&self, seller: &Value, resource: &str) -> String {
        let (status, body) = json(
            self.http
                .post(self.url(&format!(
                    "{}/oauth2/token",
                    seller["tenantId"].as_str().unwrap()
                )))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", seller["clientId"].as_str().unwrap()),
                    ("client_secret", seller["clientSecret"].as_str().unwrap()),
                    ("resource", resource),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for(DEVCENTER).await
    }

    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(self.cred("adminToken"))
    }

    /// Sends an admin request with an optional JSON body; a 204 reads as `null`.
    pub async fn admin_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        super::send_json(self.admin(method, path), body).await
    }

    /// Reserves an app through the admin API and returns its resource.
    pub async fn reserve_app(&self, name: &str) -> Value {
        let response = self
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": name, "type": "msix"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub fn dc(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(
                method,
                self.url(&format!("v1.0/my/{}", path.trim_start_matches('/'))),
            )
            .bearer_auth(token)
            // As every real client sends it, even on a bodyless POST (the service refuses
            // a bodyless create or commit without it).
            .header(reqwest::header::CONTENT_TYPE, "application/json")
    }

    /// Advances the server clock.
    pub async fn advance_clock(&self, seconds: i64) {
        let response = self
            .admin(Method::POST, "admin/v1/clock")
            .json(&json!({"advanceSeconds": seconds}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// Sets the pipeline policy of one app through the admin API.
    pub async fn set_app_pipeline(&self, app_id: &str, policy: Value) {
        let response = self
            .admin(
                Method::PUT,
                &format!("admin/v1/applications/{app_id}/pipeline"),
            )
            .json(&policy)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// Creates a submission of `app_id` that adds `package` as `PendingUpload`.
    /// Returns the submission id, its fileUploadUrl and its path under `/v1.0/my/`.
    pub async fn submission_adding(
        &self,
        token: &str,
        app_id: &str,
        package: &str,
    ) -> (String, String, String) {
        let (status, created) = json(
            self.dc(
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                token,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_string();
        let mut packages = created["applicationPackages"].clone();
        packages
            .as_array_mut()
            .unwrap()
            .push(json!({"fileName": package, "fileStatus": "PendingUpload",
            "minimumDirectXVersion": "None", "minimumSystemRam": "None"}));
        let path = format!("applications/{app_id}/submissions/{id}");
        let (status, body) = json(
            self.dc(Method::PUT, &path, token)
                .json(&json!({"applicationPackages": packages}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            id,
            created["fileUploadUrl"].as_str().unwrap().to_string(),
            path,
        )
    }
}
