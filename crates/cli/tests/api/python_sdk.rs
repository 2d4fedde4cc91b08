//! The Python `azure-storage-blob` SDK uploads a submission's ZIP to its real fileUploadUrl
//! in blocks (Put Block + Put Block List), and the submission then publishes.

use crate::common;

use std::process::Command;

use common::{TestApp, TestServer, python, repo_root};

#[tokio::test]
async fn python_sdk_block_upload_to_file_upload_url() {
    let Some(python) = python() else {
        println!(
            "SKIPPED: python azure-storage-blob venv not found (run scripts/setup-test-env.sh)"
        );
        return;
    };
    let (server, token, app_id) = TestApp::named("Sdk Upload").await.into_parts();
    let app_id = app_id.as_str();
    let package = "SdkUpload_2.0.0.0_x64.msix";
    let (id, url, _) = server.submission_adding(&token, app_id, package).await;
    let file = server.dir.path().join("upload.zip");
    std::fs::write(&file, server.large_zip(app_id, package).await).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(repo_root().join("tests/python/upload_sdk.py"))
            .arg(&url)
            .arg(&file)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "SDK upload failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = server.commit_and_wait(&token, app_id, &id).await;
    assert_eq!(status["status"], "Published", "{status}");
}

/// Microsoft's Python sample flow (http.client + requests), including deleting a pending
/// submission it finds first.
#[tokio::test]
async fn python_sample_flow_publishes() {
    let Some(python) = python() else {
        println!("SKIPPED: python venv with requests not found (run scripts/setup-test-env.sh)");
        return;
    };
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Sample Flow").await;
    let app_id = app["id"].as_str().unwrap().to_string();
    // A leftover pending submission, which the sample deletes before creating its own.
    server
        .submission_adding(&token, &app_id, "Leftover.msix")
        .await;
    let file = server.dir.path().join("sample.zip");
    std::fs::write(
        &file,
        server
            .package_zip(&app_id, &["Sample_2.0.0.0_x64.msix"])
            .await,
    )
    .unwrap();
    let args = [
        server.base.clone(),
        server.cred("tenantId"),
        server.cred("clientId"),
        server.cred("clientSecret"),
        app_id.clone(),
        file.display().to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(repo_root().join("tests/python/devcenter_sample_flow.py"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "sample flow failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, app) = common::json(
        server
            .dc(
                reqwest::Method::GET,
                &format!("applications/{app_id}"),
                &token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(app.get("pendingApplicationSubmission").is_none(), "{app}");
}

/// The documented Partner Center session (docs/ingestion_session.py, `requests` only) takes
/// an Azure Application offer from nothing to live.
#[tokio::test]
async fn the_documented_ingestion_session_publishes_an_offer() {
    let Some(python) = python() else {
        println!("SKIPPED: python venv with requests not found (run scripts/setup-test-env.sh)");
        return;
    };
    let server = TestServer::start().await;
    let base = server.base.clone();
    let credentials = server.dir.path().join("credentials.json");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(repo_root().join("docs/ingestion_session.py"))
            .arg(&base)
            .arg(&credentials)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["substate"], "InStore", "{result}");
}
