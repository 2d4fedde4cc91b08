//! HTTPS under the production host names (`--tls-listen`): clients that call
//! `https://manage.devcenter.microsoft.com`, `https://login.microsoftonline.com` and
//! `https://<account>.blob.core.windows.net` verbatim publish against storeroom when only
//! name resolution and CA trust are changed: curl (`--resolve`, `--cacert`), Python
//! `requests` + `azure-storage-blob` (`REQUESTS_CA_BUNDLE`) and Node (`NODE_EXTRA_CA_CERTS`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use tokio::process::Command;

use serde_json::{Value, json};

use crate::common::{TestServer, node_sdk, python, repo_root};

const LOGIN: &str = "login.microsoftonline.com";
const DEVCENTER: &str = "manage.devcenter.microsoft.com";
const BLOB: &str = "productingestionbin1.blob.core.windows.net";
const PARTNER_HOST: &str = "api.partner.microsoft.com";

/// A loopback address of this test's own (any of 127.0.0.0/8), so HTTPS tests on port 443
/// run in parallel, with port 443 where this process may bind it.
fn own_loopback() -> SocketAddr {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    let pid = std::process::id();
    let ip = IpAddr::from([
        127,
        100 + (pid % 100) as u8,
        (pid / 100 % 250) as u8,
        NEXT.fetch_add(1, Ordering::Relaxed),
    ]);
    let port = match std::net::TcpListener::bind((ip, 443)) {
        Ok(_) => 443,
        Err(_) => 0,
    };
    SocketAddr::new(ip, port)
}

async fn https_server() -> (TestServer, SocketAddr) {
    let listen = own_loopback();
    let dir = tempfile::tempdir().unwrap();
    let mut server =
        TestServer::start_with(dir, move |config| config.tls_listen = Some(listen)).await;
    // The URLs handed out are the production ones; the harness itself (admin calls) uses
    // the plain listener.
    assert_eq!(
        server.running.public_url,
        origin(DEVCENTER, server.running.tls_addr.unwrap())
    );
    server.base = format!("http://{}", server.running.addr);
    let addr = server.running.tls_addr.expect("HTTPS listener");
    (server, addr)
}

fn ca(server: &TestServer) -> PathBuf {
    server.dir.path().join("ca.pem")
}

fn origin(host: &str, addr: SocketAddr) -> String {
    match addr.port() {
        443 => format!("https://{host}"),
        port => format!("https://{host}:{port}"),
    }
}

/// curl with the production names resolved to storeroom and its CA trusted, nothing else.
async fn curl(server: &TestServer, addr: SocketAddr, args: &[&str]) -> (i32, u16, String) {
    let mut command = Command::new("curl");
    command.args(["-sS", "--cacert"]).arg(ca(server));
    for host in [LOGIN, DEVCENTER, BLOB, PARTNER_HOST, "evil.example.com"] {
        command
            .arg("--resolve")
            .arg(format!("{host}:{}:{}", addr.port(), addr.ip()));
    }
    let output = command
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .output()
        .await
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (
        output.status.code().unwrap_or(-1),
        code.trim().parse().unwrap_or(0),
        body.to_string(),
    )
}

/// `Authorization: Bearer …` of a token from the production token URL for `audience`
/// (`resource=…`).
async fn bearer_header(server: &TestServer, addr: SocketAddr, audience: &str) -> String {
    let token_url = format!(
        "{}/{}/oauth2/token",
        origin(LOGIN, addr),
        server.cred("tenantId")
    );
    let secret = format!("client_secret={}", server.cred("clientSecret"));
    let client = format!("client_id={}", server.cred("clientId"));
    let (status, token) = curl_json(
        server,
        addr,
        &[
            "-X",
            "POST",
            &token_url,
            "-d",
            "grant_type=client_credentials",
            "-d",
            &client,
            "--data-urlencode",
            &secret,
            "-d",
            audience,
        ],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    format!(
        "Authorization: Bearer {}",
        token["access_token"].as_str().unwrap()
    )
}

async fn curl_json(server: &TestServer, addr: SocketAddr, args: &[&str]) -> (u16, Value) {
    let (exit, status, body) = curl(server, addr, args).await;
    assert_eq!(exit, 0, "curl {args:?} failed: {body}");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn curl_publishes_under_the_production_names_and_refuses_other_names() {
    let (server, addr) = https_server().await;
    assert!(
        ca(&server).exists(),
        "ca.pem is written to the data directory"
    );
    let app = server.reserve_app("Https Curl").await;
    let app_id = app["id"].as_str().unwrap();
    let zip = server.dir.path().join("upload.zip");
    let package = "HttpsCurl_2.0.0.0_x64.msix";
    std::fs::write(&zip, server.package_zip(app_id, &[package]).await).unwrap();

    let auth = bearer_header(
        &server,
        addr,
        "resource=https://manage.devcenter.microsoft.com",
    )
    .await;
    let submissions = format!(
        "{}/v1.0/my/applications/{app_id}/submissions",
        origin(DEVCENTER, addr)
    );
    let json_type = "Content-Type: application/json";

    let (status, mut submission) = curl_json(
        &server,
        addr,
        &["-X", "POST", &submissions, "-H", &auth, "-H", json_type],
    )
    .await;
    assert_eq!(status, 201, "{submission}");
    let upload_url = submission["fileUploadUrl"].as_str().unwrap().to_string();
    assert!(upload_url.starts_with(&origin(BLOB, addr)), "{upload_url}");
    for entry in submission["applicationPackages"].as_array_mut().unwrap() {
        entry["fileStatus"] = json!("PendingDelete");
    }
    submission["applicationPackages"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fileName": package, "fileStatus": "PendingUpload",
                     "minimumDirectXVersion": "None", "minimumSystemRam": "None"}));
    let body = server.dir.path().join("submission.json");
    std::fs::write(&body, submission.to_string()).unwrap();
    let url = format!("{submissions}/{}", submission["id"].as_str().unwrap());
    let data = format!("@{}", body.display());
    let (status, _) = curl_json(
        &server,
        addr,
        &[
            "-X",
            "PUT",
            &url,
            "-H",
            &auth,
            "-H",
            json_type,
            "--data-binary",
            &data,
        ],
    )
    .await;
    assert_eq!(status, 200);

    let zip_data = format!("@{}", zip.display());
    let (exit, status, body) = curl(
        &server,
        addr,
        &[
            "-X",
            "PUT",
            &upload_url,
            "-H",
            "x-ms-blob-type: BlockBlob",
            "--data-binary",
            &zip_data,
        ],
    )
    .await;
    assert_eq!((exit, status), (0, 201), "{body}");
    let commit = format!("{url}/commit");
    let (status, _) = curl_json(
        &server,
        addr,
        &["-X", "POST", &commit, "-H", &auth, "-H", json_type],
    )
    .await;
    assert_eq!(status, 202);
    let status_url = format!("{url}/status");
    let published = poll_until(|| async {
        let (_, status) = curl_json(&server, addr, &[&status_url, "-H", &auth]).await;
        (status["status"] == "Published").then_some(status)
    })
    .await;
    assert_eq!(published["status"], "Published");

    // A name the certificate does not carry: curl refuses it (60: peer certificate cannot be
    // authenticated), as it must.
    let other = format!("{}/v1.0/my/applications", origin("evil.example.com", addr));
    let (exit, _, _) = curl(&server, addr, &[&other, "-H", &auth]).await;
    assert_eq!(
        exit, 60,
        "a certificate for a name outside the list is refused"
    );
}

/// Runs one of the HTTPS flow scripts and returns its final status line.
async fn run_flow(
    command: &mut Command,
    server: &TestServer,
    addr: SocketAddr,
    app: &str,
    zip: &Path,
    package: &str,
) -> Value {
    let output = command
        .arg(addr.ip().to_string())
        .arg(addr.port().to_string())
        .arg(server.dir.path().join("credentials.json"))
        .arg(app)
        .arg(zip)
        .arg(package)
        .output()
        .await
        .expect("the flow runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

#[tokio::test]
async fn python_and_node_clients_publish_over_https_with_the_ca_trusted() {
    let (server, addr) = https_server().await;
    let app = server.reserve_app("Https Sdks").await;
    let app_id = app["id"].as_str().unwrap().to_string();

    if let Some(python) = python() {
        let package = "HttpsPython_2.0.0.0_x64.msix";
        let zip = server.dir.path().join("python.zip");
        std::fs::write(&zip, server.package_zip(&app_id, &[package]).await).unwrap();
        let mut command = Command::new(python);
        command
            .arg(repo_root().join("tests/python/https_flow.py"))
            .env("REQUESTS_CA_BUNDLE", ca(&server));
        let status = run_flow(&mut command, &server, addr, &app_id, &zip, package).await;
        assert_eq!(status["status"], "Published", "{status}");
    } else {
        println!("SKIPPED: python venv not found (run scripts/setup-test-env.sh)");
    }

    if node_sdk().is_some() {
        let package = "HttpsNode_3.0.0.0_x64.msix";
        let zip = server.dir.path().join("node.zip");
        std::fs::write(&zip, server.package_zip(&app_id, &[package]).await).unwrap();
        let mut command = Command::new("node");
        command
            .current_dir(repo_root().join("tests/js"))
            .arg("https_flow.mjs")
            .env("NODE_EXTRA_CA_CERTS", ca(&server));
        let status = run_flow(&mut command, &server, addr, &app_id, &zip, package).await;
        assert_eq!(status["status"], "Published", "{status}");
    } else {
        println!("SKIPPED: node and @azure/storage-blob not found (run scripts/setup-test-env.sh)");
    }
}

/// Polls `check` until it yields a value, for at most 30 s.
async fn poll_until<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "condition not reached in 30 s"
        );
        tokio::task::yield_now().await;
    }
}

/// The Partner Center ingestion API under its production host: token, offer, `location`.
#[tokio::test]
async fn the_ingestion_api_answers_under_its_production_host() {
    let (server, addr) = https_server().await;
    // Seed 003's sample sends the resource with a leading space.
    let bearer = bearer_header(&server, addr, "resource= https://api.partner.microsoft.com").await;
    let products = format!("{}/v1.0/ingestion/products", origin(PARTNER_HOST, addr));
    let body = r#"{"resourceType":"AzureApplication","name":"Tls","externalIDs":[{"type":"AzureOfferId","value":"tls-offer"}]}"#;
    let (exit, status, answer) = curl(
        &server,
        addr,
        &[
            "-D",
            "-",
            "-X",
            "POST",
            &products,
            "-H",
            &bearer,
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
        ],
    )
    .await;
    assert_eq!((exit, status), (0, 201), "{answer}");
    let location = answer
        .lines()
        .find_map(|line| line.strip_prefix("location: "))
        .unwrap_or_else(|| panic!("no location in {answer}"))
        .trim();
    assert!(location.starts_with(&format!("{products}/")), "{location}");
    let (status, listed) = curl_json(&server, addr, &[&products, "-H", &bearer]).await;
    assert_eq!(status, 200);
    assert_eq!(listed["value"][0]["name"], "Tls");
}
