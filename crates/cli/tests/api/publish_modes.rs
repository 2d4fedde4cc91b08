//! Publish modes: Immediate, Manual (waits in Release for "Publish now") and SpecificDate
//! (published when the server clock passes the date).

use crate::common;

use common::{TestApp, TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn commit_with_mode(
    server: &TestServer,
    token: &str,
    app_id: &str,
    package: &str,
    mode: Value,
) -> String {
    let (id, url, path) = server.submission_adding(token, app_id, package).await;
    let (status, body) = json(
        server
            .dc(Method::PUT, &path, token)
            .json(&mode)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    put_blob(
        &server.http,
        &url,
        server.package_zip(app_id, &[package]).await,
    )
    .await;
    let (status, _) = json(
        server
            .dc(Method::POST, &format!("{path}/commit"), token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    id
}

async fn status_of(server: &TestServer, token: &str, app_id: &str, id: &str) -> String {
    let path = format!("applications/{app_id}/submissions/{id}/status");
    json(server.dc(Method::GET, &path, token).send().await.unwrap())
        .await
        .1["status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn settle(server: &TestServer, token: &str, app_id: &str, id: &str, wanted: &str) {
    let path = format!("applications/{app_id}/submissions/{id}/status");
    server
        .wait_for_status(&path, token, |status| status == wanted)
        .await;
}

#[tokio::test]
async fn manual_mode_waits_in_release_for_publish_now() {
    let (server, token, app_id) = TestApp::named("Held").await.into_parts();
    let app_id = app_id.as_str();
    let id = commit_with_mode(
        &server,
        &token,
        app_id,
        "Held_2.0.0.0_x64.msix",
        json!({"targetPublishMode": "Manual"}),
    )
    .await;
    settle(&server, &token, app_id, &id, "Release").await;
    server.settle_pipeline().await;
    assert_eq!(
        status_of(&server, &token, app_id, &id).await,
        "Release",
        "waits for the publisher"
    );
    let publish = format!("admin/v1/submissions/{id}/publish");
    let (status, body) = json(server.admin(Method::POST, &publish).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settle(&server, &token, app_id, &id, "Published").await;
    let (status, _) = json(server.admin(Method::POST, &publish).send().await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only a submission in Release can be published"
    );
}

#[tokio::test]
async fn specific_date_publishes_when_the_clock_passes_it() {
    let (server, token, app_id) = TestApp::named("Scheduled").await.into_parts();
    let app_id = app_id.as_str();
    let (_, clock) = json(
        server
            .admin(Method::GET, "admin/v1/clock")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let date = (now + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let id = commit_with_mode(
        &server,
        &token,
        app_id,
        "Scheduled_2.0.0.0_x64.msix",
        json!({"targetPublishMode": "SpecificDate", "targetPublishDate": date}),
    )
    .await;
    settle(&server, &token, app_id, &id, "Release").await;
    server.settle_pipeline().await;
    assert_eq!(
        status_of(&server, &token, app_id, &id).await,
        "Release",
        "not before {date}"
    );
    server.advance_clock(31 * 60).await;
    settle(&server, &token, app_id, &id, "Published").await;
    let (_, app_now) = json(
        server
            .dc(Method::GET, &format!("applications/{app_id}"), &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        app_now["lastPublishedApplicationSubmission"]["id"],
        id.as_str()
    );
}
