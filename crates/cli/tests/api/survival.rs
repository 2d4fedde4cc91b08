//! The cases real clients must survive, produced on demand through the admin API: an app
//! that uses features the submission API does not support, and a pending submission started
//! in Partner Center (seed 000; client-behaviours.md).

use crate::common;

use common::{TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const UNSUPPORTED: &str = "This application uses features that are not supported by the submission API. To perform this operation, use the Dev Center dashboard.";
const NOT_VIA_API: &str = "Ingestion API can only update, delete, and commit submissions that are created through the API. Please delete the current in-progress submission and create one using the API";

async fn call(server: &TestServer, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
    // As clients send them: JSON content type on writes, an empty body on POST (create,
    // commit) and a document on PUT.
    let body = if method == Method::PUT { "{}" } else { "" };
    let mut request = server.dc(method.clone(), path, token);
    if method != Method::GET {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn an_app_using_unsupported_features_refuses_every_app_call() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Mandatory Updates").await;
    let app_id = app["id"].as_str().unwrap();
    let flag = |on: bool| {
        server
            .admin(Method::PUT, &format!("admin/v1/applications/{app_id}"))
            .json(&json!({"usesUnsupportedFeatures": on}))
            .send()
    };
    let (status, body) = json(flag(true).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["usesUnsupportedFeatures"], true);

    for (method, path) in [
        (Method::GET, format!("applications/{app_id}")),
        (Method::POST, format!("applications/{app_id}/submissions")),
        (Method::GET, format!("applications/{app_id}/listflights")),
        (Method::POST, format!("applications/{app_id}/flights")),
        (
            Method::GET,
            format!("applications/{app_id}/submissions/1152921504621243540"),
        ),
    ] {
        let (status, body) = call(&server, &token, method.clone(), &path).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {body}");
        assert_eq!(body["code"], "InvalidOperation", "{body}");
        assert_eq!(body["message"], UNSUPPORTED, "{body}");
        assert_eq!(body["source"], "Ingestion Api");
    }

    let (status, _) = json(flag(false).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &server,
        &token,
        Method::GET,
        &format!("applications/{app_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = json(
        server
            .admin(Method::PUT, &format!("admin/v1/applications/{app_id}"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["target"], "usesUnsupportedFeatures");
}

#[tokio::test]
async fn a_submission_started_in_partner_center_blocks_the_api_until_deleted() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Started Elsewhere").await;
    let app_id = app["id"].as_str().unwrap();
    let (status, started) = json(
        server
            .admin(
                Method::POST,
                &format!("admin/v1/applications/{app_id}/submissions"),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert!(started.get("fileUploadUrl").is_none(), "{started}");
    let sub_id = started["id"].as_str().unwrap();
    let path = format!("applications/{app_id}/submissions/{sub_id}");

    // The API sees it, as msstore-cli does (a pending submission without fileUploadUrl).
    let (status, read_app) = call(
        &server,
        &token,
        Method::GET,
        &format!("applications/{app_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read_app["pendingApplicationSubmission"]["id"], sub_id);
    let (status, read) = call(&server, &token, Method::GET, &path).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert!(read.get("fileUploadUrl").is_none(), "{read}");

    for (method, path) in [
        (Method::PUT, path.clone()),
        (Method::POST, format!("{path}/commit")),
        (Method::DELETE, path.clone()),
    ] {
        let (status, body) = call(&server, &token, method.clone(), &path).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {body}");
        assert_eq!(body["code"], "InvalidOperation", "{body}");
        assert_eq!(body["message"], NOT_VIA_API, "{body}");
    }
    let (status, body) = call(
        &server,
        &token,
        Method::POST,
        &format!("applications/{app_id}/submissions"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "InvalidState");

    // The documented recovery: delete it in the dashboard, then create through the API.
    let deleted = server
        .admin(
            Method::DELETE,
            &format!("admin/v1/applications/{app_id}/submissions/{sub_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, body) = call(
        &server,
        &token,
        Method::POST,
        &format!("applications/{app_id}/submissions"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["fileUploadUrl"].as_str().is_some());
}
