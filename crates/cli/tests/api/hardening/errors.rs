//! Every answer is JSON or XML as its surface writes errors: path ids that are not UTF-8,
//! an oversized token request and blob paths that name no blob included.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::TestServer;

const BAD: &str = "%ff%fe";

/// A response header as text, empty when absent.
fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The response's status and JSON body (panics when it is not JSON).
async fn json_error(response: reqwest::Response, case: &str) -> (StatusCode, Value) {
    let status = response.status();
    let kind = header(&response, "content-type");
    let text = response.text().await.unwrap();
    assert!(
        kind.starts_with("application/json"),
        "{case}: {kind} {text:?}"
    );
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{case}: {text:?}"));
    (status, body)
}

#[tokio::test]
async fn ids_that_are_not_utf8_answer_the_surface_error_body() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Bytes").await;
    let app = app["id"].as_str().unwrap();
    let devcenter = [
        format!("applications/{BAD}"),
        format!("applications/{app}/submissions/{BAD}"),
        format!("applications/{app}/submissions/{BAD}/status"),
        format!("applications/{app}/submissions/{BAD}/packagerollout"),
        format!("applications/{app}/flights/{BAD}"),
        format!("applications/{app}/flights/{BAD}/submissions/{BAD}"),
        format!("applications/{BAD}/listflights"),
        format!("applications/{BAD}/listinappproducts"),
        format!("inappproducts/{BAD}"),
        format!("inappproducts/{BAD}/submissions/{BAD}/status"),
    ];
    for path in &devcenter {
        let response = server.dc(Method::GET, path, &token).send().await.unwrap();
        let (status, body) = json_error(response, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body["code"].is_string(), "{path}: {body}");
    }
    for path in [
        format!("admin/v1/flightgroups/{BAD}"),
        format!("admin/v1/applications/{BAD}/pipeline"),
        format!("store/v1/products/{BAD}"),
        format!("ui/reports/{BAD}"),
    ] {
        let response = server.admin(Method::GET, &path).send().await.unwrap();
        let (status, body) = json_error(response, &path).await;
        assert!(status.is_client_error(), "{path}: {body}");
        assert!(body["code"].is_string(), "{path}: {body}");
    }
    // The tenant of the token endpoint: AAD's error body.
    let response = server
        .http
        .post(server.url(&format!("{BAD}/oauth2/token")))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response, "tenant").await;
    assert!(status.is_client_error(), "{body}");
    assert!(body["error"].is_string(), "{body}");
    // The MSI/EXE API's envelope.
    let response = server
        .msi_client()
        .await
        .request(Method::GET, BAD, "packages")
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response, "msi").await;
    assert!(status.is_client_error(), "{body}");
    assert_eq!(body["isSuccess"], false, "{body}");
}

#[tokio::test]
async fn an_oversized_token_request_answers_aad_json() {
    let server = TestServer::start().await;
    let padding = "x".repeat(3 << 20);
    let response = server
        .http
        .post(server.url(&format!("{}/oauth2/token", server.cred("tenantId"))))
        .form(&[("grant_type", "client_credentials"), ("padding", &padding)])
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response, "3 MB token request").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    server.token().await;
}

#[tokio::test]
async fn bare_account_and_container_paths_answer_blob_xml() {
    let server = TestServer::start().await;
    let account = storeroom_server::config::DEFAULT_BLOB_ACCOUNT;
    for path in [format!("{account}/"), format!("{account}/ingestion/")] {
        for method in [Method::GET, Method::PUT] {
            let response = server
                .http
                .request(method.clone(), server.url(&path))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let kind = header(&response, "content-type");
            let code = header(&response, "x-ms-error-code");
            let text = response.text().await.unwrap();
            assert!(status.is_client_error(), "{method} {path}: {status}");
            assert_eq!(kind, "application/xml", "{method} {path}: {text}");
            assert!(text.contains("<Error><Code>"), "{method} {path}: {text}");
            assert!(!code.is_empty(), "{method} {path}");
        }
    }
}
