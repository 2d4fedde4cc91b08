//! The pipeline driven only by `drain_pipeline()`, with the background runners off: a
//! test moves submissions exactly as far as it means to, without waiting or polling.

use crate::common;

use common::{TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_server::ServerConfig;

async fn without_runners(configure: impl FnOnce(&mut ServerConfig) + Send + 'static) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    TestServer::start_with(dir, move |config| {
        config.background_jobs = false;
        configure(config);
    })
    .await
}

/// Commits a submission of a fresh app that adds one uploaded package, plus `extra` files
/// in the upload; returns the submission's status path.
async fn committed(server: &TestServer, token: &str, extra: &[&str]) -> String {
    let app = server.reserve_app("Drained").await;
    let app_id = app["id"].as_str().unwrap();
    let package = "app_2.0.0.0_x64.msix";
    let (_, url, path) = server.submission_adding(token, app_id, package).await;
    let names: Vec<&str> = [package].iter().chain(extra).copied().collect();
    let upload = server.package_zip(app_id, &names).await;
    assert_eq!(
        put_blob(&server.http, &url, upload).await.status(),
        StatusCode::CREATED
    );
    let commit = format!("{path}/commit");
    let response = server
        .dc(Method::POST, &commit, token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    format!("{path}/status")
}

async fn status(server: &TestServer, token: &str, path: &str) -> Value {
    json(server.dc(Method::GET, path, token).send().await.unwrap())
        .await
        .1
}

#[tokio::test]
async fn one_drain_publishes_a_commit_under_the_immediate_policy() {
    let server = without_runners(|_| {}).await;
    let token = server.token().await;
    let path = committed(&server, &token, &[]).await;
    // No runner runs in the background: the submission waits for the drain.
    assert_eq!(
        status(&server, &token, &path).await["status"],
        "CommitStarted"
    );

    server.running.drain_pipeline().await;
    let done = status(&server, &token, &path).await;
    assert_eq!(done["status"], "Published", "{done}");
}

#[tokio::test]
async fn the_upload_check_at_commit_applies_the_configured_archive_limits() {
    // The upload holds two entries, one more than this server accepts in an archive.
    let server = without_runners(|config| config.archive_limits.max_entries = 1).await;
    let token = server.token().await;
    let path = committed(&server, &token, &["notes.txt"]).await;

    server.running.drain_pipeline().await;
    let done = status(&server, &token, &path).await;
    assert_eq!(done["status"], "CommitFailed", "{done}");
}

#[tokio::test]
async fn one_drain_processes_msi_packages_and_publishes_a_submission() {
    let server = without_runners(|_| {}).await;
    let product = server.reserve_win32("Drained").await;
    let client = server.msi_client().await;

    client
        .ok(Method::POST, &product, "packages/commit", Value::Null)
        .await;
    let processing = client.get(&product, "status").await;
    assert_eq!(processing["responseData"]["isReady"], false, "{processing}");
    server.running.drain_pipeline().await;
    let ready = client.get(&product, "status").await;
    assert_eq!(ready["responseData"]["isReady"], true, "{ready}");

    let submission = client.submit(&product).await;
    let path = format!("submission/{submission}/status");
    let pending = client.get(&product, &path).await;
    assert_eq!(pending["responseData"]["publishingStatus"], "INPROGRESS");
    server.running.drain_pipeline().await;
    let done = client.get(&product, &path).await;
    assert_eq!(
        json!({
            "publishingStatus": done["responseData"]["publishingStatus"],
            "hasFailed": done["responseData"]["hasFailed"],
        }),
        json!({"publishingStatus": "PUBLISHED", "hasFailed": false}),
        "{done}"
    );
}
