//! A real storeroom server on 127.0.0.1:0 with a temporary data directory, driven over
//! HTTP with reqwest as users drive it: [`TestServer`] for the server and its credentials,
//! [`TestApp`] for the usual start of a test (a server, a devcenter token and a reserved
//! app), both built by [`TestAppBuilder`].
//!
//! With `STOREROOM_TEST_DATABASE_URL` set (`postgres://USER@HOST:PORT/DATABASE`), every
//! server runs on PostgreSQL instead of the embedded SQLite file, each test in a fresh
//! schema of that database that is dropped afterwards, so tests stay independent and run in
//! parallel as they do on SQLite.

mod http;
pub mod msi;
mod packages;
pub mod partner;
mod pipeline;
mod server;

pub use http::{json, put_blob, zip_bytes, zip_of};
pub use server::TestServer;

use std::sync::Arc;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use storeroom_server::ServerConfig;
use storeroom_server::domain_pipeline::PipelinePolicy;
use tempfile::TempDir;

use crate::scratch::test_database;

pub const DEVCENTER: &str = "https://manage.devcenter.microsoft.com";

/// The submission states the pipeline moves a committed submission through.
pub const IN_FLIGHT: &[&str] = &[
    "CommitStarted",
    "PreProcessing",
    "Certification",
    "Release",
    "Publishing",
    "PendingPublication",
];

type Configure = Box<dyn FnOnce(&mut ServerConfig) + Send>;

/// Builds a [`TestServer`] or a [`TestApp`]: data directory, pipeline policy and any other
/// setting; the database comes from `STOREROOM_TEST_DATABASE_URL`.
pub struct TestAppBuilder {
    dir: Option<TempDir>,
    configure: Vec<Configure>,
    app_name: String,
}

impl Default for TestAppBuilder {
    fn default() -> Self {
        Self {
            dir: None,
            configure: Vec::new(),
            app_name: "Contoso App".into(),
        }
    }
}

impl TestAppBuilder {
    /// Runs the server on this data directory (default: a fresh temporary one).
    pub fn dir(mut self, dir: TempDir) -> Self {
        self.dir = Some(dir);
        self
    }

    /// The server's pipeline policy (default: immediate).
    pub fn pipeline(self, policy: PipelinePolicy) -> Self {
        self.configure(move |config| config.pipeline = policy)
    }

    /// Changes any other setting; calls apply in order.
    pub fn configure(mut self, configure: impl FnOnce(&mut ServerConfig) + Send + 'static) -> Self {
        self.configure.push(Box::new(configure));
        self
    }

    /// The name of the app [`TestAppBuilder::start`] reserves.
    pub fn app(mut self, name: &str) -> Self {
        self.app_name = name.into();
        self
    }

    /// Starts the server alone.
    pub async fn server(self) -> TestServer {
        let dir = match self.dir {
            Some(dir) => dir,
            None => tempfile::tempdir().expect("temp dir"),
        };
        let database = test_database().await.map(Arc::new);
        let configure = self.configure;
        TestServer::start_on(dir, database, move |config| {
            for change in configure {
                change(config);
            }
        })
        .await
    }

    /// Starts the server, takes a devcenter token and reserves the app.
    pub async fn start(self) -> TestApp {
        let name = self.app_name.clone();
        let server = self.server().await;
        let token = server.token().await;
        let app = server.reserve_app(&name).await;
        TestApp {
            app_id: app["id"].as_str().expect("reserved app id").to_string(),
            server,
            token,
        }
    }
}

/// A server, a devcenter token and one reserved app: where most tests begin.
pub struct TestApp {
    pub server: TestServer,
    pub token: String,
    pub app_id: String,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// A default server with a reserved app named `name`.
    pub async fn named(name: &str) -> TestApp {
        Self::builder().app(name).start().await
    }

    /// The server, the token and the app id, for tests that pass them around separately.
    pub fn into_parts(self) -> (TestServer, String, String) {
        (self.server, self.token, self.app_id)
    }

    /// A devcenter request (under `/v1.0/my/`) with the app's token.
    pub fn dc(&self, method: Method, path: &str) -> RequestBuilder {
        self.server.dc(method, path, &self.token)
    }

    /// Sets the app's pipeline policy through the admin API.
    pub async fn set_pipeline(&self, policy: Value) {
        self.server.set_app_pipeline(&self.app_id, policy).await
    }

    /// Reads the status resource at `status_path` until its `status` is one of `wanted`.
    pub async fn wait_for(&self, status_path: &str, wanted: &[&str]) -> Value {
        self.server
            .wait_for_status(status_path, &self.token, |status| wanted.contains(&status))
            .await
    }

    /// Reads the status resource at `status_path` until the pipeline has let go of it.
    pub async fn wait_settled(&self, status_path: &str) -> Value {
        self.server.wait_settled(status_path, &self.token).await
    }

    /// Sends a devcenter request with an optional JSON body; a 204 reads as `null`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call_as(&self.server, &self.token, method, path, body).await
    }
}

/// Sends a devcenter request as `token` with an optional JSON body; a 204 reads as `null`.
pub async fn call_as(
    server: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    send_json(server.dc(method, path, token), body).await
}

/// Sends `request` with an optional JSON body; a 204 reads as `null`.
pub(crate) async fn send_json(
    mut request: RequestBuilder,
    body: Option<Value>,
) -> (StatusCode, Value) {
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    if response.status() == StatusCode::NO_CONTENT {
        return (StatusCode::NO_CONTENT, Value::Null);
    }
    json(response).await
}
