//! Test harness: a real storeroom server on 127.0.0.1:0 with a temporary data directory,
//! driven over HTTP with reqwest, as users drive it.
//!
//! With `STOREROOM_TEST_DATABASE_URL` set (`postgres://USER@HOST:PORT/DATABASE`), every
//! server runs on PostgreSQL instead of the embedded SQLite file, each test in a fresh
//! schema of that database that is dropped afterwards, so tests stay independent and run in
//! parallel as they do on SQLite.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use storeroom_server::{Running, ServerConfig};
use storeroom_storage::postgres::ScratchSchema;
use tempfile::TempDir;

pub const DEVCENTER: &str = "https://manage.devcenter.microsoft.com";

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub http: Client,
    pub dir: TempDir,
    pub credentials: Value,
    /// The test's PostgreSQL schema, when tests run on PostgreSQL; dropped after the server.
    pub database: Option<Arc<ScratchSchema>>,
}

/// The PostgreSQL server tests run on (`STOREROOM_TEST_DATABASE_URL`), or None for SQLite.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("STOREROOM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh database of this test's own when tests run on PostgreSQL; None on SQLite.
pub async fn test_database() -> Option<ScratchSchema> {
    let admin = postgres_admin_url()?;
    Some(
        ScratchSchema::create(&admin)
            .await
            .unwrap_or_else(|err| panic!("cannot create a test schema on {admin}: {err}")),
    )
}

impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir).await
    }

    pub async fn start_in(dir: TempDir) -> Self {
        Self::start_with(dir, |_| {}).await
    }

    /// Starts with settings changed by `configure` (pipeline policy, URLs).
    pub async fn start_with(dir: TempDir, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let database = test_database().await.map(Arc::new);
        Self::start_on(dir, database, configure).await
    }

    /// Starts on `database` (None: the data directory's SQLite file).
    async fn start_on(
        dir: TempDir,
        database: Option<Arc<ScratchSchema>>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let mut config = ServerConfig::for_data_dir(dir.path());
        config.database = database.as_ref().map(|db| db.url.clone());
        configure(&mut config);
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
        running.stop();
        drop(running);
        tokio::time::sleep(Duration::from_millis(50)).await;
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
        let response = self
            .http
            .post(self.url(&format!("{}/oauth2/token", self.cred("tenantId"))))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.cred("clientId")),
                ("client_secret", &self.cred("clientSecret")),
                ("resource", resource),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
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

    /// Commits and waits for the pipeline to finish; returns the final status resource.
    pub async fn commit_and_wait(&self, token: &str, app_id: &str, submission_id: &str) -> Value {
        let path = format!("applications/{app_id}/submissions/{submission_id}/commit");
        let (status, body) = json(self.dc(Method::POST, &path, token).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        self.wait_for_final_status(app_id, submission_id, token)
            .await
    }

    /// Polls the submission status until it leaves the in-flight states.
    pub async fn wait_for_final_status(
        &self,
        app_id: &str,
        submission_id: &str,
        token: &str,
    ) -> Value {
        let path = format!("applications/{app_id}/submissions/{submission_id}/status");
        for _ in 0..300 {
            let status: Value = self
                .dc(Method::GET, &path, token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let name = status["status"].as_str().unwrap().to_string();
            if ![
                "CommitStarted",
                "PreProcessing",
                "Certification",
                "Release",
                "Publishing",
                "PendingPublication",
            ]
            .contains(&name.as_str())
            {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("submission {submission_id} did not finish");
    }
}

pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"));
    (status, value)
}

/// A ZIP holding the named files with placeholder contents (no real packages).
pub fn zip_bytes(names: &[&str]) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut cursor);
        for name in names {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer
                .write_all(format!("content of {name}").as_bytes())
                .unwrap();
        }
        writer.finish().unwrap();
    }
    cursor.into_inner()
}

const PACKAGE_EXTENSIONS: &[&str] = &[
    ".msix",
    ".appx",
    ".msixbundle",
    ".appxbundle",
    ".msixupload",
    ".appxupload",
];

/// Version and architecture from a file name like `Contoso_2.0.0.0_x64.msix` (defaults:
/// 2.0.0.0, x64).
fn version_and_arch(name: &str) -> (String, String) {
    let parts: Vec<&str> = name.split(['_', '/', '\\']).collect();
    let version = parts
        .iter()
        .find(|p| p.split('.').count() == 4 && p.split('.').all(|n| n.parse::<u32>().is_ok()))
        .map(|v| v.to_string())
        .unwrap_or_else(|| "2.0.0.0".into());
    let arch = parts
        .iter()
        .map(|p| p.split('.').next().unwrap_or(p).to_ascii_lowercase())
        .find(|p| ["x64", "x86", "arm", "arm64", "neutral"].contains(&p.as_str()))
        .unwrap_or_else(|| "x64".into());
    (version, arch)
}

impl TestServer {
    /// The package identity and publisher reserved for an app.
    pub async fn identity(&self, app_id: &str) -> (String, String) {
        let list: Value = self
            .admin(Method::GET, "admin/v1/applications?top=100")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let app = list["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == app_id)
            .expect("reserved app")
            .clone();
        (
            app["packageIdentityName"].as_str().unwrap().into(),
            app["publisherName"].as_str().unwrap().into(),
        )
    }

    /// A real package of the app (manifest with its identity; version and architecture from
    /// the file name), padded with `payload` bytes of incompressible data.
    async fn package_bytes(&self, app_id: &str, name: &str, payload: u64) -> Vec<u8> {
        let (identity, publisher) = self.identity(app_id).await;
        let (version, arch) = version_and_arch(name);
        let mut package = storeroom_ingest::fixtures::PackageFixture::new(&identity)
            .publisher(&publisher)
            .version(&version)
            .architecture(&arch);
        if payload > 0 {
            package = package.file_with(
                "Payload/data.bin",
                storeroom_ingest::fixtures::Payload::Noise {
                    len: payload,
                    seed: 11,
                },
                storeroom_ingest::fixtures::Method::Stored,
            );
        }
        package.to_bytes()
    }

    /// A submission ZIP with real packages of the app for package names, real PNGs for
    /// `.png` names and placeholder contents otherwise.
    pub async fn package_zip(&self, app_id: &str, names: &[&str]) -> Vec<u8> {
        let mut zip = storeroom_ingest::fixtures::SubmissionFixture::new();
        for name in names {
            let lower = name.to_ascii_lowercase();
            let bytes = if PACKAGE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                self.package_bytes(app_id, name, 0).await
            } else if lower.ends_with(".png") {
                storeroom_ingest::fixtures::png(1920, 1080)
            } else {
                format!("content of {name}").into_bytes()
            };
            zip = zip.file(name, bytes);
        }
        zip.to_bytes()
    }

    /// A submission ZIP over 1 MiB (above the SDK tests' single-put limits), so SDKs must
    /// upload it in blocks: one real package with 3 MiB of incompressible payload.
    pub async fn large_zip(&self, app_id: &str, package: &str) -> Vec<u8> {
        let bytes = self.package_bytes(app_id, package, 3 << 20).await;
        storeroom_ingest::fixtures::SubmissionFixture::new()
            .stored(package, bytes)
            .to_bytes()
    }
}

/// Uploads bytes to a SAS URL the way Microsoft's Python sample does (one Put Blob).
pub async fn put_blob(http: &Client, url: &str, body: Vec<u8>) -> Response {
    http.put(url.replace('+', "%2B"))
        .header("x-ms-blob-type", "BlockBlob")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The Python interpreter of the test virtualenv, when it exists.
pub fn python() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("STOREROOM_TEST_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    root.exists().then_some(root)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Node and the installed JavaScript SDK, when `scripts/setup-test-env.sh` has run.
pub fn node_sdk() -> Option<PathBuf> {
    let script = repo_root().join("tests/js/upload_sdk.mjs");
    let installed = repo_root().join("tests/js/node_modules/@azure/storage-blob/package.json");
    let node_runs = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (installed.exists() && node_runs).then_some(script)
}

/// The MSI/EXE submission API helpers.
pub mod msi;
