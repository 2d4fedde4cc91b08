//! The JavaScript `@azure/storage-blob` SDK uploads a submission's ZIP to its fileUploadUrl,
//! once as a single Put Blob and once in blocks, and the submission then publishes.

use crate::common;

use std::process::Command;

use common::{TestApp, node_sdk};

async fn upload_with_node(
    script: std::path::PathBuf,
    url: String,
    file: std::path::PathBuf,
    mode: &'static str,
) {
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&url)
            .arg(&file)
            .arg(mode)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "JS SDK {mode} upload failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn javascript_sdk_single_and_block_uploads() {
    let Some(script) = node_sdk() else {
        println!(
            "SKIPPED: node or tests/js/node_modules not found (run scripts/setup-test-env.sh)"
        );
        return;
    };
    let (server, token, app_id) = TestApp::named("Js Upload").await.into_parts();
    let app_id = app_id.as_str();

    for (mode, round) in [("single", 2), ("blocks", 3)] {
        let package = format!("JsUpload_{round}.0.0.0_x64.msix");
        let (id, url, _) = server.submission_adding(&token, app_id, &package).await;
        let file = server.dir.path().join(format!("{mode}.zip"));
        let bytes = if mode == "single" {
            server.package_zip(app_id, &[&package]).await
        } else {
            server.large_zip(app_id, &package).await
        };
        std::fs::write(&file, bytes).unwrap();
        upload_with_node(script.clone(), url, file, mode).await;
        let status = server.commit_and_wait(&token, app_id, &id).await;
        assert_eq!(status["status"], "Published", "{mode}: {status}");
    }
}
