//! A real storeroom server on 127.0.0.1:0 with a temporary data directory, driven over
//! HTTP with reqwest as users drive it: [`TestServer`] for the server and its credentials,
//! [`TestApp`] for the usual start of a test (a server, a devcenter token and a reserved
//! app), both built by [`TestAppBuilder`].
//!
//! With `STOREROOM_TEST_DATABASE_URL` set (`postgres://USER@HOST:PORT/DATABASE`), every
//! server runs on PostgreSQL instead of the embedded SQLite file, each test in a fresh
//! schema of that database that is dropped afterwards, so tests stay independent and run in
//! parallel as they do on SQLite.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use storeroom_domain::store::{DEVCENTER_QUEUE, MSI_QUEUE};
use storeroom_server::domain_pipeline::PipelinePolicy;
use storeroom_server::{Running, ServerConfig};
use storeroom_storage::{Database, DatabaseUrl};
use tempfile::TempDir;

use crate::eventually::eventually;
use crate::fixtures::{Method as ZipMethod, PackageFixture, Payload, SubmissionFixture, png};
use crate::scratch::{ScratchSchema, test_database};

pub mod msi;

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
    let mut request = server.dc(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    if response.status() == StatusCode::NO_CONTENT {
        return (StatusCode::NO_CONTENT, Value::Null);
    }
    json(response).await
}

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub http: Client,
    pub dir: TempDir,
    pub credentials: Value,
    /// The test's PostgreSQL schema, when tests run on PostgreSQL; dropped after the server.
    pub database: Option<Arc<ScratchSchema>>,
    /// How long a claimed job stays leased: a running job reads as due at the lease's end.
    job_lease: Duration,
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
    async fn start_on(
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

    /// Waits until `check` returns `Ok`, for a state the pipeline reaches on its own.
    /// The one place that says how tests wait for the pipeline: polling its visible state.
    pub async fn until<T, S, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S>>,
        S: std::fmt::Debug,
    {
        eventually(what, check).await
    }

    /// Waits until the pipeline has nothing to do at the server's current time: no job due
    /// and none running, so until a request or a clock advance, no submission can move.
    /// The one place tests wait for the pipeline to settle (a job running shows as due at its
    /// lease's end, so only jobs due later than a lease from now count as waiting).
    pub async fn settle_pipeline(&self) {
        let now = self.server_now().await;
        let url = DatabaseUrl::parse(
            self.database.as_ref().map(|db| db.url.as_str()),
            self.dir.path(),
        )
        .expect("test database URL");
        let database = Database::open(&url).await.expect("test database opens");
        let store = database.store();
        let quiet_until = now + chrono::Duration::from_std(self.job_lease).expect("lease");
        self.until("the pipeline settles", || {
            let store = store.clone();
            async move {
                for queue in [DEVCENTER_QUEUE, MSI_QUEUE] {
                    match store.next_job_due(queue).await.expect("reading the queue") {
                        Some(due) if due <= quiet_until => return Err((queue, due)),
                        _ => {}
                    }
                }
                Ok(())
            }
        })
        .await
    }

    /// The server clock (the admin clock, which tests may advance).
    pub async fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        let (status, clock) = json(
            self.admin(Method::GET, "admin/v1/clock")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{clock}");
        clock["now"]
            .as_str()
            .and_then(|now| chrono::DateTime::parse_from_rfc3339(now).ok())
            .expect("clock.now")
            .with_timezone(&chrono::Utc)
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
        self.wait_settled(&path, token).await
    }

    /// Reads the status resource at `status_path` (under `/v1.0/my/`) until the pipeline has
    /// let go of it (the status is none of [`IN_FLIGHT`]); returns it.
    pub async fn wait_settled(&self, status_path: &str, token: &str) -> Value {
        self.wait_for_status(status_path, token, |status| !IN_FLIGHT.contains(&status))
            .await
    }

    /// Reads the status resource at `status_path` (under `/v1.0/my/`) until its `status`
    /// meets `done`; returns it.
    pub async fn wait_for_status(
        &self,
        status_path: &str,
        token: &str,
        done: impl Fn(&str) -> bool,
    ) -> Value {
        let done = &done;
        self.until(
            &format!("{status_path} reaches the wanted status"),
            || async move {
                let (_, status) = json(
                    self.dc(Method::GET, status_path, token)
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
                if status["status"].as_str().is_some_and(done) {
                    Ok(status)
                } else {
                    Err(status)
                }
            },
        )
        .await
    }
}

pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"));
    (status, value)
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

/// A ZIP holding the named files with placeholder contents (no real packages).
pub fn zip_bytes(names: &[&str]) -> Vec<u8> {
    names
        .iter()
        .fold(SubmissionFixture::new(), |zip, name| {
            zip.file(name, format!("content of {name}").as_str())
        })
        .to_bytes()
}

/// A ZIP holding `files` (name, bytes).
pub fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    files
        .iter()
        .fold(SubmissionFixture::new(), |zip, (name, bytes)| {
            zip.file(name, bytes.clone())
        })
        .to_bytes()
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
        let mut package = PackageFixture::new(&identity)
            .publisher(&publisher)
            .version(&version)
            .architecture(&arch);
        if payload > 0 {
            package = package.file_with(
                "Payload/data.bin",
                Payload::Noise {
                    len: payload,
                    seed: 11,
                },
                ZipMethod::Stored,
            );
        }
        package.to_bytes()
    }

    /// A submission ZIP with real packages of the app for package names, real PNGs for
    /// `.png` names and placeholder contents otherwise.
    pub async fn package_zip(&self, app_id: &str, names: &[&str]) -> Vec<u8> {
        let mut zip = SubmissionFixture::new();
        for name in names {
            let lower = name.to_ascii_lowercase();
            let bytes = if PACKAGE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                self.package_bytes(app_id, name, 0).await
            } else if lower.ends_with(".png") {
                png(1920, 1080)
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
        SubmissionFixture::new().stored(package, bytes).to_bytes()
    }
}
