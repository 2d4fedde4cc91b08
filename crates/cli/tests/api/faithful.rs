//! Faithful both ways: what the real service accepts that its documentation says it should
//! not, and documented fields that must survive a round trip.

use crate::common;

use common::{TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Creates a submission of `app_id` (as clients do: JSON content type, empty body) and PUTs
/// its packages with `package` added as `{"fileName", "fileStatus": "PendingUpload"}` only,
/// the way Microsoft's Azure DevOps Store task does. Returns the created submission.
pub async fn create_adding_bare_package(
    server: &TestServer,
    token: &str,
    app_id: &str,
    package: &str,
) -> Value {
    let (status, created) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                token,
            )
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mut packages = created["applicationPackages"].clone();
    packages
        .as_array_mut()
        .unwrap()
        .push(json!({"fileName": package, "fileStatus": "PendingUpload"}));
    let path = format!(
        "applications/{app_id}/submissions/{}",
        created["id"].as_str().unwrap()
    );
    let (status, body) = json(
        server
            .dc(Method::PUT, &path, token)
            .json(&json!({"applicationPackages": packages}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Microsoft's Azure DevOps Store task (and the GitHub Actions built from it) add a package
/// as `{"fileName", "fileStatus"}` only, and production publishes it.
#[tokio::test]
async fn a_package_with_only_file_name_and_status_publishes() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Task Style").await;
    let app_id = app["id"].as_str().unwrap();
    let package = "TaskStyle_2.0.0.0_x64.msix";
    let body = create_adding_bare_package(&server, &token, app_id, package).await;
    let id = body["id"].as_str().unwrap();
    let added = body["applicationPackages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fileName"] == package)
        .unwrap()
        .clone();
    assert_eq!(added["minimumDirectXVersion"], "None");
    assert_eq!(added["minimumSystemRam"], "None");

    let upload = put_blob(
        &server.http,
        body["fileUploadUrl"].as_str().unwrap(),
        server.package_zip(app_id, &[package]).await,
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let status = server.commit_and_wait(&token, app_id, id).await;
    assert_eq!(status["status"], "Published", "{status}");
}

/// `isSeekEnabled` (documented in the package rollout table) round-trips through PUT and
/// GET, and is absent until a client sets it.
#[tokio::test]
async fn is_seek_enabled_round_trips() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Seek").await;
    let app_id = app["id"].as_str().unwrap();
    let (_, created) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                &token,
            )
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rollout = &created["packageDeliveryOptions"]["packageRollout"];
    assert!(rollout.get("isSeekEnabled").is_none(), "{rollout}");
    let path = format!(
        "applications/{app_id}/submissions/{}",
        created["id"].as_str().unwrap()
    );
    let (status, body) = json(
        server
            .dc(Method::PUT, &path, &token)
            .json(&json!({"packageDeliveryOptions": {"packageRollout": {
                "isPackageRollout": true, "packageRolloutPercentage": 10.0, "isSeekEnabled": true}}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, read) = json(server.dc(Method::GET, &path, &token).send().await.unwrap()).await;
    assert_eq!(
        read["packageDeliveryOptions"]["packageRollout"]["isSeekEnabled"], true,
        "{read}"
    );
}
