//! Operating storeroom: the Prometheus metrics move with requests, uploads and the pipeline;
//! `/healthz` and `/readyz` answer orchestrators (503 once a dependency is unreachable);
//! `--log-format json` puts a request's correlation id on its log lines; SIGTERM finishes
//! the requests in flight and exits 0.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{TestApp, TestServer, eventually, json, put_blob};
use futures::SinkExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// The samples of a Prometheus text exposition: (name, labels, value).
fn samples(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample line");
            let value: f64 = value.parse().expect("a sample value");
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once("=\"").expect("label=\"value\"");
                    (key.to_string(), value.trim_end_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels, value)
        })
        .collect()
}

/// The sum of the samples of `name` whose labels include `labels`; None when there is none.
pub(crate) fn sum(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples(text)
        .into_iter()
        .filter(|(sample, have, _)| {
            sample == name
                && labels
                    .iter()
                    .all(|(key, value)| have.get(*key).map(String::as_str) == Some(*value))
        })
        .map(|(_, _, value)| value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

pub(crate) async fn scrape(http: &Client, base: &str) -> String {
    let response = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_uploads_jobs_and_submissions() {
    let server = TestApp::builder()
        .configure(|config| config.background_jobs = false)
        .server()
        .await;
    let token = server.token().await;
    let app = server.reserve_app("Measured").await;
    let app_id = app["id"].as_str().unwrap();
    let before = scrape(&server.http, &server.base).await;
    for queue in ["devcenter", "msi", "ingestion"] {
        assert_eq!(
            sum(&before, "storeroom_jobs_queued", &[("queue", queue)]),
            Some(0.0),
            "every queue is shown from the start:\n{before}"
        );
        assert_eq!(
            sum(&before, "storeroom_jobs_running", &[("queue", queue)]),
            Some(0.0)
        );
    }
    assert_eq!(
        sum(&before, "storeroom_blob_uploaded_bytes_total", &[]),
        Some(0.0)
    );

    let package = "app_2.0.0.0_x64.msix";
    let (_, url, path) = server.submission_adding(&token, app_id, package).await;
    let upload = server.package_zip(app_id, &[package]).await;
    let uploaded = upload.len() as f64;
    assert_eq!(
        put_blob(&server.http, &url, upload).await.status(),
        StatusCode::CREATED
    );
    let commit = server
        .dc(Method::POST, &format!("{path}/commit"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(commit.status(), StatusCode::ACCEPTED);
    let missing = server
        .http
        .get(server.url("no/such/path"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let partner = server
        .token_for(storeroom_testkit::app::partner::PARTNER)
        .await;
    let offers = server
        .http
        .get(server.url("v1.0/ingestion/products"))
        .bearer_auth(partner)
        .send()
        .await
        .unwrap();
    assert_eq!(offers.status(), StatusCode::OK);

    let committed = scrape(&server.http, &server.base).await;
    assert_eq!(
        sum(&committed, "storeroom_blob_uploaded_bytes_total", &[]),
        Some(uploaded)
    );
    assert_eq!(
        sum(
            &committed,
            "storeroom_http_requests_total",
            &[
                ("surface", "blob"),
                ("method", "PUT"),
                ("operation", "PutBlob"),
                ("status", "201")
            ]
        ),
        Some(1.0),
        "{committed}"
    );
    // Requests are labelled by route template: ids stay out of the labels.
    let commits: Vec<_> = samples(&committed)
        .into_iter()
        .filter(|(name, labels, _)| {
            name == "storeroom_http_requests_total" && labels["operation"].ends_with("/commit")
        })
        .collect();
    assert_eq!(commits.len(), 1, "{commits:?}");
    let (_, labels, count) = &commits[0];
    assert_eq!(
        (
            labels["surface"].as_str(),
            labels["method"].as_str(),
            labels["status"].as_str(),
            *count
        ),
        ("api", "POST", "202", 1.0)
    );
    assert!(
        labels["operation"].starts_with("/v1.0/my/applications/{")
            && !labels["operation"].contains(app_id),
        "{labels:?}"
    );
    assert_eq!(
        sum(
            &committed,
            "storeroom_http_requests_total",
            &[("operation", "unmatched"), ("status", "404")]
        ),
        Some(1.0)
    );
    // The ingestion API routes below one template itself: its operations are named.
    assert_eq!(
        sum(
            &committed,
            "storeroom_http_requests_total",
            &[
                ("surface", "ingestion"),
                ("operation", "ListProducts"),
                ("status", "200")
            ]
        ),
        Some(1.0),
        "{committed}"
    );
    let timed = sum(
        &committed,
        "storeroom_http_request_duration_seconds_count",
        &[
            ("surface", "api"),
            ("method", "POST"),
            ("operation", labels["operation"].as_str()),
        ],
    );
    assert_eq!(timed, Some(1.0));
    // The scrape itself is in flight while it renders; nothing else is.
    assert_eq!(
        sum(
            &committed,
            "storeroom_http_requests_in_flight",
            &[("surface", "api")]
        ),
        Some(0.0)
    );
    // Read from the database at the scrape: the commit waits in its queue.
    assert!(
        sum(
            &committed,
            "storeroom_jobs_queued",
            &[("queue", "devcenter")]
        ) >= Some(1.0)
    );
    assert_eq!(
        sum(
            &committed,
            "storeroom_submissions",
            &[("api", "devcenter"), ("state", "CommitStarted")]
        ),
        Some(1.0),
        "{committed}"
    );

    server.running.drain_pipeline().await;
    let (_, status) = json(
        server
            .dc(Method::GET, &format!("{path}/status"), &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status["status"], "Published", "{status}");
    let drained = scrape(&server.http, &server.base).await;
    let completed = sum(
        &drained,
        "storeroom_jobs_total",
        &[("queue", "devcenter"), ("outcome", "completed")],
    )
    .unwrap_or_default();
    assert!(completed >= 2.0, "every step is counted:\n{drained}");
    assert_eq!(
        sum(
            &drained,
            "storeroom_job_step_duration_seconds_count",
            &[("queue", "devcenter")]
        ),
        sum(&drained, "storeroom_jobs_total", &[("queue", "devcenter")]),
        "every job run is timed"
    );
    assert_eq!(
        sum(&drained, "storeroom_jobs_total", &[("outcome", "failed")]),
        None
    );
    assert_eq!(
        sum(&drained, "storeroom_jobs_queued", &[("queue", "devcenter")]),
        Some(0.0)
    );
    assert_eq!(
        sum(
            &drained,
            "storeroom_jobs_running",
            &[("queue", "devcenter")]
        ),
        Some(0.0)
    );
    assert_eq!(
        sum(
            &drained,
            "storeroom_submissions",
            &[("api", "devcenter"), ("state", "CommitStarted")]
        ),
        Some(0.0),
        "a state no submission is in any more reads 0"
    );
    assert!(
        sum(
            &drained,
            "storeroom_submissions",
            &[("api", "devcenter"), ("state", "Published")]
        ) >= Some(1.0)
    );
}

#[tokio::test]
async fn health_and_readiness_need_no_token_and_readiness_fails_without_the_blob_store() {
    let server = TestServer::start().await;
    let (status, health) = json(server.http.get(server.url("healthz")).send().await.unwrap()).await;
    assert_eq!((status, health), (StatusCode::OK, json!({"status": "ok"})));
    let ready =
        || async { json(server.http.get(server.url("readyz")).send().await.unwrap()).await };
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "ready", "checks": {"database": "ok", "blobs": "ok"}})
    );

    // The blob directory replaced by a file: every blob path under it is unreadable (even
    // to root, which file modes would not stop).
    let blobs = server.dir.path().join("blobs");
    let aside = server.dir.path().join("blobs.aside");
    std::fs::rename(&blobs, &aside).unwrap();
    std::fs::write(&blobs, b"not a directory").unwrap();
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "ok");
    assert_ne!(body["checks"]["blobs"], "ok", "{body}");
    assert!(!body["checks"]["blobs"].as_str().unwrap().is_empty());
    // Liveness is not readiness: the process is still alive.
    let health = server.http.get(server.url("healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    std::fs::remove_file(&blobs).unwrap();
    std::fs::rename(&aside, &blobs).unwrap();
    let (status, body) = ready().await;
    assert_eq!(
        status,
        StatusCode::OK,
        "ready again once the store is back: {body}"
    );
}

/// Forwards TCP connections to `target` until cut.
struct Proxy {
    addr: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections: Arc<Mutex<Vec<_>>> = Arc::default();
        let forwarding = connections.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                forwarding.lock().unwrap().push(connection);
            }
        });
        Self {
            addr,
            accepting,
            connections,
        }
    }

    /// Closes the listener and every forwarded connection: the target is unreachable.
    fn cut(&self) {
        self.accepting.abort();
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_unreachable() {
    let Some(schema) = common::test_database().await else {
        println!(
            "SKIPPED: ops::readiness_fails_when_the_database_is_unreachable needs PostgreSQL (an embedded SQLite file cannot become unreachable)"
        );
        return;
    };
    // postgres://USER@HOST:PORT/DATABASE?… reached through a proxy this test can cut.
    let (head, rest) = schema.url.split_once('@').unwrap();
    let slash = rest.find('/').unwrap();
    let target = tokio::net::lookup_host(&rest[..slash])
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(target).await;
    let proxied = format!("{head}@{}{}", proxy.addr, &rest[slash..]);
    let server = TestApp::builder()
        .configure(move |config| config.database = Some(proxied))
        .server()
        .await;
    let ready =
        || async { json(server.http.get(server.url("readyz")).send().await.unwrap()).await };
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::OK, "{body}");

    proxy.cut();
    let body = eventually("readiness reports the database unreachable", || async {
        match ready().await {
            (StatusCode::SERVICE_UNAVAILABLE, body) => Ok(body),
            other => Err(other),
        }
    })
    .await;
    assert_eq!(body["status"], "unavailable");
    assert_ne!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["blobs"], "ok");
    // The scrape still answers (the database's counts keep their last values).
    scrape(&server.http, &server.base).await;
    drop(server);
    drop(schema);
}

/// The real binary, with `args` after `serve`; its stderr lines are collected into the
/// returned log. Returns the child, its base URL and the log.
pub(crate) fn spawn_binary(
    data: &std::path::Path,
    database: Option<&str>,
    args: &[&str],
    json_logs: bool,
) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storeroom"));
    if json_logs {
        command.args(["--log-format", "json"]);
    }
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(args);
    if let Some(url) = database {
        command.args(["--database", url]);
    }
    let mut child = command
        .env("STOREROOM_LOG", "info")
        .env_remove("STOREROOM_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("storeroom binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let url = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        log.lock().unwrap().push(line.clone());
        if json_logs {
            let entry: Value = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
            if entry["message"] == "storeroom is listening" {
                break entry["url"].as_str().unwrap().to_string();
            }
        } else if let Some(at) = line.find("url=") {
            break line[at + 4..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    let collected = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    (child, url, log)
}

/// The real binary on its own data directory (and, on PostgreSQL, its own schema).
struct Binary {
    child: Child,
    base: String,
    /// Its stderr lines so far.
    log: Arc<Mutex<Vec<String>>>,
    dir: tempfile::TempDir,
    _database: Option<storeroom_testkit::scratch::ScratchSchema>,
}

impl Binary {
    async fn start(json_logs: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = common::test_database().await;
        let url = database.as_ref().map(|db| db.url.as_str());
        let (child, base, log) = spawn_binary(dir.path(), url, &[], json_logs);
        Self {
            child,
            base,
            log,
            dir,
            _database: database,
        }
    }

    fn credentials(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.dir.path().join("credentials.json")).unwrap())
            .unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn json_logs_carry_the_request_s_correlation_id() {
    let binary = Binary::start(true).await;
    let (base, log) = (binary.base.clone(), binary.log.clone());
    let admin = binary.credentials()["adminToken"]
        .as_str()
        .unwrap()
        .to_string();
    let http = Client::new();
    let listed = http
        .get(format!("{base}/admin/v1/applications"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let id = listed.headers()["MS-CorrelationId"]
        .to_str()
        .unwrap()
        .to_string();
    // An MSI error's own correlation header carries the request's id too.
    let refused = http
        .get(format!("{base}/submission/v1/product/1/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let msi_id = refused.headers()["X-Correlation-ID"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(id, msi_id);

    let answered = |id: &str| -> Option<Value> {
        log.lock().unwrap().iter().find_map(|line| {
            let entry: Value = serde_json::from_str(line).ok()?;
            (entry["message"] == "request answered" && entry["spans"][0]["correlation_id"] == id)
                .then_some(entry)
        })
    };
    let entry = eventually("the request's access line is logged", || async {
        answered(&id).ok_or("not yet")
    })
    .await;
    assert_eq!(entry["level"], "INFO");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["operation"], "/admin/v1/applications");
    assert_eq!(entry["spans"][0]["name"], "request");
    assert_eq!(entry["spans"][0]["path"], "/admin/v1/applications");
    let entry = eventually("the MSI request's access line is logged", || async {
        answered(&msi_id).ok_or("not yet")
    })
    .await;
    assert_eq!(entry["status"], 401);

    // Every line is JSON, and every line logged inside a request names its correlation id.
    for line in log.lock().unwrap().iter() {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
        assert!(
            entry["timestamp"].is_string() && entry["level"].is_string(),
            "{line}"
        );
        if let Some(spans) = entry["spans"].as_array() {
            let request = spans.iter().find(|span| span["name"] == "request");
            if let Some(request) = request {
                assert!(request["correlation_id"].is_string(), "{line}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    let mut binary = Binary::start(false).await;
    let (base, log) = (binary.base.clone(), binary.log.clone());
    let http = Client::new();
    let (_, _, created) =
        crate::crash::reserve_and_create(&http, &base, &binary.credentials(), "Stopping").await;
    let upload_url = created["fileUploadUrl"]
        .as_str()
        .unwrap()
        .replace('+', "%2B");

    // A slow upload: half its body now, the rest once the server has been told to stop.
    let (mut body, stream) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let half = Bytes::from(vec![7u8; 64 * 1024]);
    body.send(Ok(half.clone())).await.unwrap();
    let uploader = Client::new();
    let upload = tokio::spawn(async move {
        uploader
            .put(upload_url)
            .header("x-ms-blob-type", "BlockBlob")
            .header("content-length", (2 * half.len()).to_string())
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
    });
    let scraper = Client::new();
    eventually("the upload is in flight", || async {
        let text = scrape(&scraper, &base).await;
        match sum(
            &text,
            "storeroom_http_requests_in_flight",
            &[("surface", "blob")],
        ) {
            Some(1.0) => Ok(()),
            other => Err(other),
        }
    })
    .await;
    drop(scraper);

    let pid = i32::try_from(binary.child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid with a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let addr: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    eventually("the stopping server accepts no new connection", || async {
        match tokio::net::TcpStream::connect(addr).await {
            Err(_) => Ok(()),
            Ok(_) => Err("still accepting"),
        }
    })
    .await;
    assert!(
        binary.child.try_wait().unwrap().is_none(),
        "it waits for the upload in flight"
    );

    body.send(Ok(Bytes::from(vec![7u8; 64 * 1024])))
        .await
        .unwrap();
    drop(body);
    let response = upload
        .await
        .unwrap()
        .expect("the upload in flight is answered");
    assert_eq!(response.status(), StatusCode::CREATED);

    let child = Mutex::new(&mut binary.child);
    let status = eventually("the server exits", || async {
        child
            .lock()
            .unwrap()
            .try_wait()
            .unwrap()
            .ok_or("still running")
    })
    .await;
    assert!(status.success(), "{status:?}: {:?}", log.lock().unwrap());
    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .any(|line| line.contains("stopping") && line.contains("SIGTERM")),
        "{log:?}"
    );
}
