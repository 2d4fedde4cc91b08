//! The create→upload→commit→Published cycle of `bench/run`, as a load generator: CONNECTIONS
//! workers, each on an app of its own (reserved through the admin API), loop for SECONDS
//! over what a publishing pipeline does:
//!
//! 1. `POST …/submissions` (a clone of the published submission);
//! 2. `PUT` it: the old package `PendingDelete`, a new version `PendingUpload`;
//! 3. Put Blob a ZIP holding that package (a real MSIX of the app, built here) to its
//!    `fileUploadUrl`;
//! 4. `POST …/commit`, then `GET …/status` every 20 ms (`BENCH_CYCLE_POLL_MS`) until
//!    `Published`.
//!
//! A cycle's latency is from the POST to the status read that says `Published`.
//! Prints one JSON line: `{"requests", "errors", "seconds", "rps", "p50_ms", "p99_ms"}`.
//!
//! Usage: bench_cycle BASE_URL CREDENTIALS_JSON CONNECTIONS SECONDS

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::fixtures::{PackageFixture, SubmissionFixture};

const DEVCENTER: &str = "https://manage.devcenter.microsoft.com";

struct Worker {
    http: Client,
    poll: Duration,
    base: String,
    token: String,
    app: String,
    identity: String,
    publisher: String,
}

impl Worker {
    fn url(&self, path: &str) -> String {
        format!("{}/v1.0/my/applications/{}{path}", self.base, self.app)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        expect: StatusCode,
    ) -> anyhow::Result<Value> {
        // As real clients do: the service refuses a bodyless create or commit without it.
        let response = request
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if status != expect {
            bail!("{status}: {body}");
        }
        Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// One cycle; `number` makes the package version (1.0.N.0, above the published 1.0.0.0
    /// and every earlier cycle's).
    async fn cycle(&self, number: u32) -> anyhow::Result<()> {
        let created = self
            .send(
                self.http.post(self.url("/submissions")),
                StatusCode::CREATED,
            )
            .await?;
        let id = created["id"].as_str().context("submission id")?.to_string();
        let result = self.finish(number, &id, &created).await;
        if result.is_err() {
            // Leave the app free for the next cycle.
            let _ = self
                .http
                .delete(self.url(&format!("/submissions/{id}")))
                .bearer_auth(&self.token)
                .send()
                .await;
        }
        result
    }

    async fn finish(&self, number: u32, id: &str, created: &Value) -> anyhow::Result<()> {
        let version = format!("1.0.{number}.0");
        let file_name = format!("{}_{version}_x64.msix", self.identity);
        let mut packages = created["applicationPackages"].clone();
        for package in packages.as_array_mut().context("packages")? {
            package["fileStatus"] = json!("PendingDelete");
        }
        packages.as_array_mut().context("packages")?.push(json!({
            "fileName": file_name, "fileStatus": "PendingUpload",
            "minimumDirectXVersion": "None", "minimumSystemRam": "None"
        }));
        self.send(
            self.http
                .put(self.url(&format!("/submissions/{id}")))
                .json(&json!({"applicationPackages": packages})),
            StatusCode::OK,
        )
        .await?;

        let package = PackageFixture::new(&self.identity)
            .publisher(&self.publisher)
            .version(&version)
            .to_bytes();
        let zip = SubmissionFixture::new()
            .file(&file_name, package)
            .to_bytes();
        let upload_url = created["fileUploadUrl"].as_str().context("fileUploadUrl")?;
        let response = self
            .http
            .put(upload_url)
            .header("x-ms-blob-type", "BlockBlob")
            .body(zip)
            .send()
            .await?;
        if response.status() != StatusCode::CREATED {
            bail!("upload: {}", response.status());
        }

        self.send(
            self.http
                .post(self.url(&format!("/submissions/{id}/commit"))),
            StatusCode::ACCEPTED,
        )
        .await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self
                .send(
                    self.http
                        .get(self.url(&format!("/submissions/{id}/status"))),
                    StatusCode::OK,
                )
                .await?;
            match status["status"].as_str() {
                Some("Published") => return Ok(()),
                Some(
                    "CommitStarted" | "PreProcessing" | "Certification" | "Release" | "Publishing"
                    | "PendingPublication",
                ) if Instant::now() < deadline => {}
                _ => bail!("submission ended as {status}"),
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}

async fn post_json(http: &Client, url: String, token: &str, body: Value) -> anyhow::Result<Value> {
    let response = http.post(url).bearer_auth(token).json(&body).send().await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("{status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, credentials, connections, seconds] = args.as_slice() else {
        bail!("usage: bench_cycle BASE_URL CREDENTIALS_JSON CONNECTIONS SECONDS");
    };
    let base = base.trim_end_matches('/').to_string();
    let connections: usize = connections.parse().context("CONNECTIONS")?;
    let seconds: f64 = seconds.parse().context("SECONDS")?;
    let credentials: Value = serde_json::from_slice(&std::fs::read(credentials)?)?;
    let cred = |name: &str| credentials[name].as_str().unwrap_or_default().to_string();
    let poll = Duration::from_millis(
        std::env::var("BENCH_CYCLE_POLL_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(20),
    );
    let http = Client::builder()
        .pool_max_idle_per_host(connections * 2)
        .build()?;

    let token: Value = http
        .post(format!("{base}/{}/oauth2/token", cred("tenantId")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &cred("clientId")),
            ("client_secret", &cred("clientSecret")),
            ("resource", DEVCENTER),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("access_token")?
        .to_string();

    let mut workers = Vec::with_capacity(connections);
    for index in 0..connections {
        let app = post_json(
            &http,
            format!("{base}/admin/v1/applications"),
            &cred("adminToken"),
            json!({"name": format!("Cycle {index} {}", std::process::id()), "type": "msix"}),
        )
        .await?;
        let field = |name: &str| app[name].as_str().unwrap_or_default().to_string();
        workers.push(Worker {
            http: http.clone(),
            poll,
            base: base.clone(),
            token: token.clone(),
            app: field("id"),
            identity: field("packageIdentityName"),
            publisher: field("publisherName"),
        });
    }

    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|worker| {
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                let mut number = 1;
                while Instant::now() < deadline {
                    let start = Instant::now();
                    match worker.cycle(number).await {
                        Ok(()) => latencies.push(start.elapsed()),
                        Err(err) => errors.push(err.to_string()),
                    }
                    number += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        let (done, failed) = task.await?;
        latencies.extend(done);
        errors.extend(failed);
    }
    let elapsed = started.elapsed().as_secs_f64();
    for error in errors.iter().take(3) {
        eprintln!("bench_cycle: {error}");
    }
    latencies.sort();
    let percentile = |p: f64| {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1000.0
    };
    println!(
        "{}",
        json!({
            "requests": latencies.len(),
            "errors": errors.len(),
            "seconds": elapsed,
            "rps": latencies.len() as f64 / elapsed,
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
        })
    );
    Ok(())
}
