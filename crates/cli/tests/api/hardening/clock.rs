//! Huge clock advances and pipeline delays are 400s naming the field, and a stored offset
//! out of range (from a build without the bound) is repaired at start-up.

use reqwest::{Method, StatusCode};
use serde_json::json;
use storeroom_storage::{Database, DatabaseUrl};

use crate::common::{TestServer, json};

const HUGE: i64 = 9_000_000_000_000;

async fn advance(server: &TestServer, seconds: i64) -> (StatusCode, serde_json::Value) {
    json(
        server
            .admin(Method::POST, "admin/v1/clock")
            .json(&json!({"advanceSeconds": seconds}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The clock and the token endpoint both answer, i.e. the clock is readable.
async fn assert_serving(server: &TestServer) {
    let (status, clock) = json(
        server
            .admin(Method::GET, "admin/v1/clock")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{clock}");
    server.token().await;
}

#[tokio::test]
async fn huge_clock_advance_is_refused_and_the_server_keeps_answering() {
    let server = TestServer::start().await;
    for seconds in [HUGE, i64::MAX] {
        let (status, body) = advance(&server, seconds).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "InvalidParameterValue");
        assert_eq!(body["target"], "advanceSeconds", "{body}");
    }
    assert_serving(&server).await;

    // Within the bound step by step, but not past it in sum.
    let (status, _) = advance(&server, 36_000 * 86_400).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = advance(&server, 600 * 86_400).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["target"], "advanceSeconds");
    assert_serving(&server).await;
    let server = server.restart().await;
    assert_serving(&server).await;
}

#[tokio::test]
async fn stored_out_of_range_offset_is_repaired_at_start_up() {
    let server = TestServer::start().await;
    let url = DatabaseUrl::parse(
        server.database.as_ref().map(|db| db.url.as_str()),
        server.dir.path(),
    )
    .unwrap();
    {
        let database = Database::open(&url).await.unwrap();
        let mut tx = database.store().begin().await.unwrap();
        // What `advanceSeconds: 9000000000000` stored before the bound existed.
        tx.put_setting("clock_offset_ms", &(HUGE * 1000).to_string())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let server = server.restart().await;
    assert_serving(&server).await;
    let (status, body) = advance(&server, 1).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["target"], "advanceSeconds");
}

#[tokio::test]
async fn huge_pipeline_delay_is_refused() {
    let server = TestServer::start().await;
    let app = server.reserve_app("Delayed").await;
    let id = app["id"].as_str().unwrap();
    for path in [
        format!("admin/v1/applications/{id}/pipeline"),
        "admin/v1/pipeline".to_string(),
    ] {
        for delay in [json!(HUGE), json!(1e300)] {
            let (status, body) = json(
                server
                    .admin(Method::PUT, &path)
                    .json(&json!({"mode": "delay", "delaySeconds": delay}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(body["target"], "delaySeconds", "{body}");
        }
    }
    // The product still commits to Published under the default policy.
    let token = server.token().await;
    let (submission, upload, _) = server
        .submission_adding(&token, id, "Delayed_2.0.0.0_x64.msix")
        .await;
    let zip = server.package_zip(id, &["Delayed_2.0.0.0_x64.msix"]).await;
    assert!(
        crate::common::put_blob(&server.http, &upload, zip)
            .await
            .status()
            .is_success()
    );
    let status = server.commit_and_wait(&token, id, &submission).await;
    assert_eq!(status["status"], "Published", "{status}");
}
