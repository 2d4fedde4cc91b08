//! `storeroom submission …`, call by call.

use serde_json::json;

use super::Cli;
use crate::common::{TestApp, zip_of};

#[tokio::test]
async fn create_get_update_status_delete_round_trip() {
    let app = TestApp::named("Contoso Steps").await;
    let cli = Cli::for_app(&app).await;
    let created = cli
        .ok(&["submission", "create", "--app", &app.app_id])
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "PendingCommit");
    assert!(created["fileUploadUrl"].is_string());

    let notes = cli.work.path().join("notes.json");
    std::fs::write(
        &notes,
        r#"{"notesForCertification": "Test account: demo/demo"}"#,
    )
    .unwrap();
    let updated = cli.update(&app.app_id, &id, &notes).await;
    assert_eq!(updated["notesForCertification"], "Test account: demo/demo");
    let got = cli
        .ok(&["submission", "get", "--app", &app.app_id, &id])
        .await;
    assert_eq!(got["notesForCertification"], "Test account: demo/demo");
    // The merge kept what the file did not name.
    assert_eq!(got["listings"], created["listings"]);

    let status = cli
        .run(&["submission", "status", "--app", &app.app_id, &id])
        .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert_eq!(status.stdout.trim(), "PendingCommit");

    let deleted = cli
        .ok(&["submission", "delete", "--app", &app.app_id, &id])
        .await;
    assert_eq!(deleted["deleted"], id.as_str());
    let gone = cli
        .run(&["submission", "get", "--app", &app.app_id, &id, "--json"])
        .await;
    assert_eq!(gone.code, 3, "{}", gone.stderr);
    assert_eq!(gone.json()["error"]["status"], 404);
    assert!(
        gone.stderr.contains("HTTP 404 ResourceNotFound"),
        "{}",
        gone.stderr
    );
}

#[tokio::test]
async fn upload_and_commit_wait_publish_a_submission() {
    let app = TestApp::named("Contoso Upload").await;
    let cli = Cli::for_app(&app).await;
    let package = cli
        .package(&app.app_id, &["--version", "3.0.0.0", "--arch", "arm64"])
        .await;
    assert!(package.ends_with("_3.0.0.0_arm64.msix"), "{package}");
    let created = cli
        .ok(&["submission", "create", "--app", &app.app_id])
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let name = std::path::Path::new(&package)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let mut packages = created["applicationPackages"].as_array().unwrap().clone();
    packages.push(json!({"fileName": name, "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None", "minimumSystemRam": "None"}));
    let patch = cli.work.path().join("packages.json");
    std::fs::write(&patch, json!({"applicationPackages": packages}).to_string()).unwrap();
    cli.update(&app.app_id, &id, &patch).await;
    let upload = cli.work.path().join("upload.zip");
    std::fs::write(
        &upload,
        zip_of(&[(&name, std::fs::read(&package).unwrap())]),
    )
    .unwrap();
    let uploaded = cli
        .ok(&[
            "submission",
            "upload",
            "--app",
            &app.app_id,
            &id,
            upload.to_str().unwrap(),
        ])
        .await;
    assert!(uploaded["uploadedBytes"].as_u64().unwrap() > 1000);
    let committed = cli
        .ok(&[
            "submission",
            "commit",
            "--app",
            &app.app_id,
            &id,
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .await;
    assert_eq!(committed["status"], "Published", "{committed}");
}
