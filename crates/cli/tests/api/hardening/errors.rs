//! Every answer is JSON or XML as its surface writes errors: path ids that are not UTF-8,
//! an oversized token request and blob paths that name no blob included.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// What hyper refuses itself, before any of storeroom's code sees the request: bad bytes in
/// the request line or a header, a URI over the 65,534 bytes the `http` crate can hold, more
/// headers than hyper parses. hyper 1 answers these with a bare status line and offers no
/// hook to give it a body (README, "Differences"): this pins that answer, so that a hyper
/// which hands them over is noticed, and checks that the server serves on.
#[tokio::test]
async fn requests_hyper_refuses_itself_get_its_bare_answer_and_the_server_serves_on() {
    let server = TestServer::start().await;
    let host = "Host: manage.devcenter.microsoft.com\r\n";
    let filler: String = (0..150).map(|i| format!("X-Filler-{i}: x\r\n")).collect();
    let cases = [
        (
            "a control byte in the request line",
            format!("GET /v1.0/my/\x01applications HTTP/1.1\r\n{host}\r\n"),
            400,
        ),
        (
            "a control byte in a header",
            format!("GET /v1.0/my/applications HTTP/1.1\r\n{host}X-Bad: a\x01b\r\n\r\n"),
            400,
        ),
        (
            "a 100 KB URI",
            format!(
                "GET /v1.0/my/applications?q={} HTTP/1.1\r\n{host}\r\n",
                "a".repeat(100_000)
            ),
            414,
        ),
        (
            "150 headers",
            format!("GET /v1.0/my/applications HTTP/1.1\r\n{host}{filler}\r\n"),
            431,
        ),
    ];
    for (case, request, status) in cases {
        let mut stream = tokio::net::TcpStream::connect(server.running.addr)
            .await
            .unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
        assert!(read.is_ok(), "{case}: the server closes the connection");
        let reply = String::from_utf8_lossy(&reply);
        assert!(
            reply.starts_with(&format!("HTTP/1.1 {status} ")),
            "{case}: {reply}"
        );
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        assert_eq!(body, "", "{case}: {reply}");
        assert!(
            !head.to_ascii_lowercase().contains("content-type"),
            "{case}: {reply}"
        );
    }
    server.token().await;
}
