//! The local object-storage servers the object-store tests run storeroom against: moto's S3
//! server (`moto_server` in the test virtualenv) and Azurite (`tests/azurite`), both
//! installed by `scripts/setup-test-env.sh`. Each test starts its own on a free port, with
//! its data in a temporary directory, and the server is killed when the handle drops.
//!
//! When a server is not installed the test prints `SKIPPED:` and passes, unless
//! `STOREROOM_REQUIRE_OBJECT_STORES=1` (CI sets it), which makes that a failure.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use storeroom_server::config::BlobLocation;
use tempfile::TempDir;

use crate::common::repo_root;

/// Azurite's well-known development account.
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The bucket or container every test server gets.
const BUCKET: &str = "storeroom-test";
const STARTUP: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S3,
    Azure,
}

/// A running local server with one empty bucket (S3) or container (Azure).
pub struct ObjectServer {
    pub kind: Kind,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    child: Child,
    _data: TempDir,
}

impl Drop for ObjectServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ObjectServer {
    /// The server for `kind`, or None (after printing why) when it is not installed.
    pub async fn start(kind: Kind) -> Option<Self> {
        match kind {
            Kind::S3 => Self::moto().await,
            Kind::Azure => Self::azurite().await,
        }
    }

    async fn moto() -> Option<Self> {
        let binary = repo_root().join(".venv/bin/moto_server");
        if !binary.exists() {
            return skipped("moto_server (moto[server] in .venv)");
        }
        let data = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(binary);
        command.args(["-H", "127.0.0.1", "-p", "0"]);
        let (child, endpoint) = spawn(command);
        let server = Self {
            kind: Kind::S3,
            endpoint,
            child,
            _data: data,
        };
        // moto does not check signatures, so an unsigned CreateBucket does.
        let response = reqwest::Client::new()
            .put(format!("{}/{BUCKET}", server.endpoint))
            .send()
            .await
            .expect("create bucket");
        assert!(response.status().is_success(), "{response:?}");
        Some(server)
    }

    async fn azurite() -> Option<Self> {
        let binary = repo_root().join("tests/azurite/node_modules/.bin/azurite-blob");
        let node_runs = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !binary.exists() || !node_runs {
            return skipped("Azurite (tests/azurite) or node");
        }
        let data = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(binary);
        command
            .args(["--silent", "--skipApiVersionCheck", "--loose"])
            .args(["--blobHost", "127.0.0.1", "--blobPort", "0", "--location"])
            .arg(data.path());
        let (child, endpoint) = spawn(command);
        let server = Self {
            kind: Kind::Azure,
            endpoint,
            child,
            _data: data,
        };
        server.create_container().await;
        Some(server)
    }

    /// `--blobs` for `prefix` in the test bucket.
    pub fn blobs_arg(&self, prefix: &str) -> String {
        match self.kind {
            Kind::S3 => format!("s3://{BUCKET}/{prefix}"),
            Kind::Azure => format!("az://{BUCKET}/{prefix}"),
        }
    }

    /// The location for `prefix`, with settings pointing at this server (settings rather
    /// than environment variables: tests in one process run side by side).
    pub fn location(&self, prefix: &str) -> BlobLocation {
        let location = BlobLocation::parse(&self.blobs_arg(prefix)).expect("location");
        let options: Vec<(String, String)> = self
            .settings()
            .into_iter()
            .map(|(key, value)| (key.to_ascii_lowercase(), value))
            .collect();
        location.with_options(options)
    }

    /// The environment a separate `storeroom serve` process gets, as an operator would set
    /// it. Azurite goes through the emulator switch here, the documented way for it.
    pub fn env(&self) -> Vec<(String, String)> {
        match self.kind {
            Kind::S3 => self.settings(),
            Kind::Azure => vec![
                ("AZURE_STORAGE_USE_EMULATOR".into(), "true".into()),
                ("AZURITE_BLOB_STORAGE_URL".into(), self.endpoint.clone()),
            ],
        }
    }

    fn settings(&self) -> Vec<(String, String)> {
        let pairs: Vec<(&str, String)> = match self.kind {
            Kind::S3 => vec![
                ("AWS_ENDPOINT", self.endpoint.clone()),
                ("AWS_ALLOW_HTTP", "true".into()),
                ("AWS_ACCESS_KEY_ID", "storeroom".into()),
                ("AWS_SECRET_ACCESS_KEY", "storeroom-secret".into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
            Kind::Azure => vec![
                ("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT.into()),
                ("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY.into()),
                (
                    "AZURE_STORAGE_ENDPOINT",
                    format!("{}/{AZURITE_ACCOUNT}", self.endpoint),
                ),
                ("AZURE_ALLOW_HTTP", "true".into()),
            ],
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// Create Container, signed with the development account's Shared Key (Azurite checks
    /// signatures).
    async fn create_container(&self) {
        let date = chrono::Utc::now()
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let version = "2023-11-03";
        let path = format!("/{AZURITE_ACCOUNT}/{BUCKET}");
        let string_to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{AZURITE_ACCOUNT}{path}\nrestype:container"
        );
        let key = BASE64.decode(AZURITE_KEY).expect("key");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("hmac");
        mac.update(string_to_sign.as_bytes());
        let signature = BASE64.encode(mac.finalize().into_bytes());
        let response = reqwest::Client::new()
            .put(format!("{}{path}?restype=container", self.endpoint))
            .header("x-ms-date", date)
            .header("x-ms-version", version)
            .header(
                "authorization",
                format!("SharedKey {AZURITE_ACCOUNT}:{signature}"),
            )
            .header("content-length", "0")
            .send()
            .await
            .expect("create container");
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }
}

fn skipped(what: &str) -> Option<ObjectServer> {
    if std::env::var_os("STOREROOM_REQUIRE_OBJECT_STORES").is_some_and(|v| v == "1") {
        panic!(
            "{what} is not installed and STOREROOM_REQUIRE_OBJECT_STORES=1: run scripts/setup-test-env.sh"
        );
    }
    println!("SKIPPED: {what} not installed (run scripts/setup-test-env.sh)");
    None
}

/// Starts `command` and waits for it to print the `http://127.0.0.1:PORT` it listens on
/// (both servers pick a free port for port 0); its output is drained from then on.
fn spawn(mut command: Command) -> (Child, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("object store server starts");
    let (sender, receiver) = mpsc::channel::<String>();
    drain(child.stdout.take().expect("stdout"), sender.clone());
    drain(child.stderr.take().expect("stderr"), sender);
    let deadline = std::time::Instant::now() + STARTUP;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = match receiver.recv_timeout(left) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("object store server did not start:\n{}", seen.join("\n"));
            }
        };
        if let Some(at) = line.find("http://127.0.0.1:") {
            let url: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            return (child, url.trim_end_matches('/').to_owned());
        }
        seen.push(line);
    }
}

fn drain(stream: impl Read + Send + 'static, lines: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            // Nobody listens once the address was found; the pipe must still be read.
            let _ = lines.send(line);
        }
    });
}
