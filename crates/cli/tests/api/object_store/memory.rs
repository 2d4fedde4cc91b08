//! A large upload through a real `storeroom serve` process on an object store: one Put Blob
//! and one block upload (Put Block, then Put Block List assembling the blocks inside the
//! bucket), each of `STOREROOM_TEST_OBJECT_MIB` MiB (default 96), then read back. The
//! server's peak resident memory (VmHWM) less its file-backed pages must stay under 48 MiB:
//! bodies stream through in parts, never whole. The file-backed pages are the binary's code
//! (29-40 MiB of the 85 MB debug build, which also holds the client CLI, the dashboard
//! and the OpenAPI document), which says nothing about buffering; `bench/run` measures the
//! release build's whole peak.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::servers::ObjectServer;

const MIB: usize = 1024 * 1024;
const BLOCK_MIB: usize = 8;
const RSS_LIMIT_MIB: u64 = 48;

struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// A line of the server's `/proc/PID/status`, in KiB.
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc status");
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("{field} in /proc status"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// The peak resident memory less the file-backed pages (the binary's code).
    fn peak_rss_mib(&self) -> u64 {
        self.status_kib("VmHWM")
            .saturating_sub(self.status_kib("RssFile"))
            / 1024
    }
}

fn serve(object: &ObjectServer, data: &std::path::Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storeroom"))
        .args(["serve", "--listen", "127.0.0.1:0", "--blobs"])
        .arg(object.blobs_arg("large"))
        .arg("--data")
        .arg(data)
        .envs(object.env())
        .env("STOREROOM_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("storeroom binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(at) = line.find("url=") {
            break line[at + 4..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Served { child, base }
}

/// A fileUploadUrl of a fresh submission.
async fn upload_url(http: &Client, base: &str, data: &std::path::Path) -> String {
    let credentials: Value =
        serde_json::from_slice(&std::fs::read(data.join("credentials.json")).unwrap()).unwrap();
    let cred = |name: &str| credentials[name].as_str().unwrap().to_owned();
    let token: Value = http
        .post(format!("{base}/{}/oauth2/token", cred("tenantId")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &cred("clientId")),
            ("client_secret", &cred("clientSecret")),
            ("resource", "https://manage.devcenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let app: Value = http
        .post(format!("{base}/admin/v1/applications"))
        .bearer_auth(cred("adminToken"))
        .json(&json!({"name": "Large", "type": "msix"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created: Value = http
        .post(format!(
            "{base}/v1.0/my/applications/{}/submissions",
            app["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["fileUploadUrl"]
        .as_str()
        .unwrap()
        .replace('+', "%2B")
}

/// `mib` MiB made of one 1 MiB pattern, streamed (the client holds 1 MiB too).
fn body(mib: usize, chunk: &Bytes) -> reqwest::Body {
    let chunk = chunk.clone();
    let stream =
        futures::stream::iter((0..mib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    reqwest::Body::wrap_stream(stream)
}

fn rate(mib: usize, started: Instant) -> String {
    format!("{:.0} MiB/s", mib as f64 / started.elapsed().as_secs_f64())
}

pub async fn large_upload_in_bounded_memory(object: &ObjectServer) {
    let mib: usize = std::env::var("STOREROOM_TEST_OBJECT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
        .max(BLOCK_MIB);
    let root = tempfile::tempdir().unwrap();
    let served = serve(object, root.path());
    let http = Client::new();
    let url = upload_url(&http, &served.base, root.path()).await;
    let chunk = Bytes::from(
        (0..MIB)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    );
    let mut expected = Md5::new();
    for _ in 0..mib {
        expected.update(&chunk);
    }
    let expected = BASE64.encode(expected.finalize());

    let started = Instant::now();
    let response = http
        .put(&url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-length", (mib * MIB).to_string())
        .body(body(mib, &chunk))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let put_rate = rate(mib, started);
    let after_put = served.peak_rss_mib();

    let started = Instant::now();
    let blocks = mib.div_ceil(BLOCK_MIB);
    let mut xml = String::new();
    for index in 0..blocks {
        let size = BLOCK_MIB.min(mib - index * BLOCK_MIB);
        let id = BASE64.encode(format!("large-{index:05}"));
        let response = http
            .put(format!(
                "{url}&comp=block&blockid={}",
                id.replace('=', "%3D")
            ))
            .header("content-length", (size * MIB).to_string())
            .body(body(size, &chunk))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        xml.push_str(&format!("<Latest>{id}</Latest>"));
    }
    let response = http
        .put(format!("{url}&comp=blocklist"))
        .body(format!("<BlockList>{xml}</BlockList>"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let block_rate = rate(mib, started);

    let started = Instant::now();
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.bytes_stream();
    let mut read = Md5::new();
    let mut total = 0usize;
    while let Some(piece) = stream.next().await {
        let piece = piece.unwrap();
        total += piece.len();
        read.update(&piece);
    }
    assert_eq!(total, mib * MIB);
    assert_eq!(
        BASE64.encode(read.finalize()),
        expected,
        "content read back"
    );
    let get_rate = rate(mib, started);

    let peak = served.peak_rss_mib();
    println!(
        "{:?}: {mib} MiB Put Blob {put_rate} (peak RSS {after_put} MiB), block upload {block_rate}, \
         GET {get_rate}; server peak RSS {peak} MiB",
        object.kind
    );
    assert!(
        peak < RSS_LIMIT_MIB,
        "storeroom's peak resident memory (less its code) was {peak} MiB"
    );
}
