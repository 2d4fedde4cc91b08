//! A panicking pipeline step fails its submission cleanly, and the server keeps serving
//! (the test-only `panicInStep` policy field, honoured with the `fault-injection` feature).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestServer, json, put_blob};

/// Sets the pipeline policy of `product`: `applications/{id}` or `msi/products/{id}`.
async fn set_policy(server: &TestServer, product: &str, policy: serde_json::Value) {
    let (status, body) = json(
        server
            .admin(Method::PUT, &format!("admin/v1/{product}/pipeline"))
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

    let product = format!("applications/{id}");
    set_policy(&server, &product, json!({"panicInStep": "preprocess"})).await;
    let (failed, status) = commit_one(&server, &token, id, "Panicky_2.0.0.0_x64.msix").await;
    assert_eq!(status["status"], "PreProcessingFailed", "{status}");
    let details = status["statusDetails"]["errors"][0]["details"]
        .as_str()
        .unwrap_or_default();
    assert!(details.contains("correlation id"), "{status}");

    // The worker and the API are still alive: the next submission goes through.
    set_policy(&server, &product, json!({})).await;
    let deleted = server
        .dc(Method::DELETE, &failed, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, status) = commit_one(&server, &token, id, "Panicky_2.0.0.1_x64.msix").await;
    assert_eq!(status["status"], "Published", "{status}");
}

#[tokio::test]
async fn a_panicking_msi_step_fails_its_submission_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Panicky installer").await;
    let client = server.msi_client().await;
    let policy_of = format!("msi/products/{product}");
    let outcome =
        |status: &str| json!({"publishingStatus": status, "hasFailed": status == "FAILED"});

    set_policy(&server, &policy_of, json!({"panicInStep": "certify"})).await;
    let submission = client.submit(&product).await;
    let done = client.wait_submission(&product, &submission).await;
    assert_eq!(done["responseData"], outcome("FAILED"), "{done}");
    let message = done["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the certify step") && message.contains("correlation id"),
        "{done}"
    );
    // The product is no longer held by the failed submission.
    let module = client.get(&product, "status").await;
    assert_eq!(
        module["responseData"]["ongoingSubmissionId"], "",
        "{module}"
    );

    // The worker and the API are still alive: the next submission goes through.
    set_policy(&server, &policy_of, json!({})).await;
    let submission = client.submit(&product).await;
    let done = client.wait_submission(&product, &submission).await;
    assert_eq!(done["responseData"], outcome("PUBLISHED"), "{done}");
}
