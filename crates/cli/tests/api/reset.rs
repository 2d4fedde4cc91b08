//! `POST /admin/v1/reset` and snapshots (`/admin/v1/snapshots`): a fresh catalogue with the
//! accounts kept, and a saved catalogue, its uploaded blobs included, brought back.

use crate::common;

use std::time::{Duration, Instant};

use common::{TestApp, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PACKAGE: &str = "Contoso_2.0.0.0_x64.msix";

async fn app_count(app: &TestApp, token: &str) -> u64 {
    let (status, apps) =
        common::call_as(&app.server, token, Method::GET, "applications", None).await;
    match status {
        // As the real service answers an account without apps.
        StatusCode::NOT_FOUND => 0,
        StatusCode::OK => apps["totalCount"].as_u64().unwrap(),
        other => panic!("{other}: {apps}"),
    }
}

/// A pending submission of the app with its package uploaded; its id.
async fn uploaded_submission(app: &TestApp) -> String {
    let server = &app.server;
    let (id, url, _) = server
        .submission_adding(&app.token, &app.app_id, PACKAGE)
        .await;
    let zip = server.package_zip(&app.app_id, &[PACKAGE]).await;
    let upload = put_blob(&server.http, &url, zip).await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    id
}

#[tokio::test]
async fn a_reset_empties_the_catalogue_and_keeps_the_accounts_working() {
    let app = TestApp::builder().start().await;
    let server = &app.server;
    uploaded_submission(&app).await;
    let (status, _) = server
        .admin_call(
            Method::POST,
            "admin/v1/faults",
            Some(json!({"path": "/v1.0/ingestion/**", "status": 500})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, group) = server
        .admin_call(
            Method::POST,
            "admin/v1/flightgroups",
            Some(json!({"name": "Testers", "members": ["a@example.com"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(app_count(&app, &app.token).await, 1);

    let (status, _) = server
        .admin_call(Method::POST, "admin/v1/reset", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The client still gets tokens, and the one it had still works.
    let fresh = server.token().await;
    assert_eq!(app_count(&app, &fresh).await, 0);
    assert_eq!(app_count(&app, &app.token).await, 0);
    let (_, faults) = server
        .admin_call(Method::GET, "admin/v1/faults", None)
        .await;
    assert_eq!(faults["totalCount"], 0);
    let (_, groups) = server
        .admin_call(Method::GET, "admin/v1/flightgroups", None)
        .await;
    assert_eq!(groups["totalCount"], 0);
    let (_, journal) = server
        .admin_call(Method::GET, "admin/v1/journal", None)
        .await;
    let paths: Vec<&str> = journal["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 6, "only what came after the reset: {paths:?}");
    assert!(paths.contains(&"/admin/v1/reset"));
    // A new catalogue starts as usual.
    let again = server.reserve_app("After the reset").await;
    assert!(again["id"].is_string());
    assert_eq!(app_count(&app, &fresh).await, 1);
}

#[tokio::test]
async fn a_snapshot_restore_brings_back_an_app_and_its_uploaded_blob() {
    let app = TestApp::builder().start().await;
    let server = &app.server;
    let submission = uploaded_submission(&app).await;

    let started = Instant::now();
    let (status, saved) = server
        .admin_call(
            Method::POST,
            "admin/v1/snapshots",
            Some(json!({"name": "base"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(
        (saved["name"].as_str(), saved["blobs"].as_u64()),
        (Some("base"), Some(1))
    );
    let (status, body) = server
        .admin_call(
            Method::POST,
            "admin/v1/snapshots",
            Some(json!({"name": "base"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["target"], "name");
    for bad in [
        json!({"name": "no spaces"}),
        json!({"name": ".hidden"}),
        json!({}),
    ] {
        let (status, body) = server
            .admin_call(Method::POST, "admin/v1/snapshots", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["target"], "name", "{bad}: {body}");
    }

    // Change everything: a reset, then another app.
    let (status, _) = server
        .admin_call(Method::POST, "admin/v1/reset", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server.reserve_app("Made after the snapshot").await;

    let (status, restored) = server
        .admin_call(Method::POST, "admin/v1/snapshots/base/restore", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["name"], "base");
    let (_, journal) = server
        .admin_call(
            Method::GET,
            "admin/v1/journal?path=/admin/v1/snapshots/**",
            None,
        )
        .await;
    for entry in journal["value"].as_array().unwrap() {
        let took = entry["latencyMs"].as_f64().unwrap();
        assert!(
            took < 1000.0,
            "well under a second on a small catalogue: {entry}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "save, reset and restore of a small catalogue are quick"
    );
    let (_, apps) = app.call(Method::GET, "applications", None).await;
    assert_eq!(apps["totalCount"], 1);
    assert_eq!(apps["value"][0]["id"], app.app_id.as_str());
    assert_eq!(
        apps["value"][0]["pendingApplicationSubmission"]["id"],
        submission.as_str()
    );
    // The upload is back: the pipeline reads it and publishes.
    let status = server
        .commit_and_wait(&app.token, &app.app_id, &submission)
        .await;
    assert_eq!(status["status"], "Published", "{status}");

    let (_, listed) = server
        .admin_call(Method::GET, "admin/v1/snapshots", None)
        .await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["value"][0]["name"], "base");
    let (status, body) = server
        .admin_call(Method::POST, "admin/v1/snapshots/missing/restore", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = server
        .admin_call(Method::DELETE, "admin/v1/snapshots/base", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .admin_call(Method::DELETE, "admin/v1/snapshots/base", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = server
        .admin_call(Method::GET, "admin/v1/snapshots", None)
        .await;
    assert_eq!(listed["totalCount"], 0);
}
