//! A panicking pipeline step fails its submission cleanly, and the server keeps serving
//! (the test-only `panicInStep` policy field, honoured with the `fault-injection` feature).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestServer, json, put_blob};

async fn set_policy(server: &TestServer, app_id: &str, policy: serde_json::Value) {
    let (status, body) = json(
        server
            .admin(
                Method::PUT,
                &format!("admin/v1/applications/{app_id}/pipeline"),
            )
            .json(&policy)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Commits a submission adding one real package; returns its path and final status.
async fn commit_one(
    server: &TestServer,
    token: &str,
    app_id: &str,
    package: &str,
) -> (String, serde_json::Value) {
    let (submission, upload, path) = server.submission_adding(token, app_id, package).await;
    let zip = server.package_zip(app_id, &[package]).await;
    assert!(
        put_blob(&server.http, &upload, zip)
            .await
            .status()
            .is_success()
    );
    (
        path,
        server.commit_and_wait(token, app_id, &submission).await,
    )
}

#[tokio::test]
async fn a_panicking_step_fails_its_submission_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Panicky").await;
    let id = app["id"].as_str().unwrap();

    let (status, body) = json(
        server
            .admin(Method::PUT, &format!("admin/v1/applications/{id}/pipeline"))
            .json(&json!({"panicInStep": "nosuchstep"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["target"], "panicInStep");

    set_policy(&server, id, json!({"panicInStep": "preprocess"})).await;
    let (failed, status) = commit_one(&server, &token, id, "Panicky_2.0.0.0_x64.msix").await;
    assert_eq!(status["status"], "PreProcessingFailed", "{status}");
    let details = status["statusDetails"]["errors"][0]["details"]
        .as_str()
        .unwrap_or_default();
    assert!(details.contains("correlation id"), "{status}");

    // The worker and the API are still alive: the next submission goes through.
    set_policy(&server, id, json!({})).await;
    let deleted = server
        .dc(Method::DELETE, &failed, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, status) = commit_one(&server, &token, id, "Panicky_2.0.0.1_x64.msix").await;
    assert_eq!(status["status"], "Published", "{status}");
}
