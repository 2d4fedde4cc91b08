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

/// Sends raw bytes on a new connection and reads until the server closes it.
async fn raw_exchange(server: &TestServer, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the server closes the connection");
    String::from_utf8_lossy(&reply).into_owned()
}

/// The status, lower-cased head and body of the last response in `reply`.
fn last_response(reply: &str) -> (u16, String, String) {
    let start = reply
        .rfind("HTTP/1.1 ")
        .unwrap_or_else(|| panic!("a response in {reply:?}"));
    let reply = &reply[start..];
    let status = reply[9..12].parse().unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((reply, ""));
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// What hyper would refuse itself (bad bytes in the request line or a header, a URI over
/// the 65,534 bytes the `http` crate holds, more headers than hyper parses, a head over its
/// buffer, a malformed Content-Length) is refused before hyper reads it, with hyper's status
/// and the error body of the surface the path names; the connection is closed and the
/// server serves on.
#[tokio::test]
async fn requests_hyper_would_refuse_get_their_surface_s_error_body() {
    let server = TestServer::start().await;
    let host = "Host: manage.devcenter.microsoft.com\r\n";
    let filler: String = (0..150).map(|i| format!("X-Filler-{i}: x\r\n")).collect();
    let big: String = (0..40)
        .map(|i| format!("X-Big-{i}: {}\r\n", "b".repeat(8_000)))
        .collect();
    let account = storeroom_server::config::DEFAULT_BLOB_ACCOUNT;
    let cases = [
        (
            "a control byte in the request line",
            format!("GET /v1.0/my/\x01applications HTTP/1.1\r\n{host}\r\n"),
            400,
            "devcenter",
        ),
        (
            "a control byte in a header",
            format!("GET /v1.0/my/applications HTTP/1.1\r\n{host}X-Bad: a\x01b\r\n\r\n"),
            400,
            "devcenter",
        ),
        (
            "a 100 KB URI",
            format!(
                "GET /v1.0/my/applications?q={} HTTP/1.1\r\n{host}\r\n",
                "a".repeat(100_000)
            ),
            414,
            "devcenter",
        ),
        (
            "150 headers",
            format!("GET /v1.0/my/applications HTTP/1.1\r\n{host}{filler}\r\n"),
            431,
            "devcenter",
        ),
        (
            "320 KB of headers",
            format!("GET /v1.0/my/applications HTTP/1.1\r\n{host}{big}\r\n"),
            431,
            "devcenter",
        ),
        (
            "two Content-Length values",
            format!("PUT /v1.0/my/applications HTTP/1.1\r\n{host}Content-Length: 1, 2\r\n\r\n"),
            400,
            "devcenter",
        ),
        (
            "MSI/EXE: 150 headers",
            format!("GET /submission/v1/product/1 HTTP/1.1\r\n{host}{filler}\r\n"),
            431,
            "msi",
        ),
        (
            "ingestion: a control byte in a header",
            format!("GET /v1.0/ingestion/products HTTP/1.1\r\n{host}X-Bad: \x01\r\n\r\n"),
            400,
            "ingestion",
        ),
        (
            "token endpoint: 150 headers",
            format!("POST /tenant/oauth2/token HTTP/1.1\r\n{host}{filler}\r\n"),
            431,
            "aad",
        ),
        (
            "blob: a 100 KB URI",
            format!(
                "PUT /{account}/ingestion/x?q={} HTTP/1.1\r\n{host}\r\n",
                "a".repeat(100_000)
            ),
            414,
            "blob",
        ),
    ];
    for (case, request, status, surface) in cases {
        let reply = raw_exchange(&server, request.as_bytes()).await;
        let (got, head, body) = last_response(&reply);
        assert_eq!(got, status, "{case}: {reply}");
        assert!(head.contains("connection: close"), "{case}: {head}");
        if surface == "blob" {
            assert!(
                head.contains("content-type: application/xml"),
                "{case}: {head}"
            );
            assert!(
                head.contains("x-ms-error-code: invalidinput"),
                "{case}: {head}"
            );
            assert!(body.contains("<Code>InvalidInput</Code>"), "{case}: {body}");
            continue;
        }
        assert!(
            head.contains("content-type: application/json"),
            "{case}: {head}"
        );
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{case}: {body}"));
        match surface {
            "devcenter" => {
                assert!(body["code"].is_string(), "{case}: {body}");
                assert!(head.contains("ms-correlationid: "), "{case}: {head}");
            }
            "msi" => assert_eq!(body["isSuccess"], false, "{case}: {body}"),
            "aad" => assert!(body["error"].is_string(), "{case}: {body}"),
            _ => assert!(body.is_object() || body.is_string(), "{case}: {body}"),
        }
    }
    server.token().await;
}

/// On a kept-alive connection the guard follows each request's body to the next head: a
/// good request with a body, then a refused one, get their own answers, in order.
#[tokio::test]
async fn a_refused_head_after_a_good_request_on_one_connection() {
    let server = TestServer::start().await;
    let host = "Host: manage.devcenter.microsoft.com\r\n";
    let body = "grant_type=client_credentials";
    let request = format!(
        "POST /{}/oauth2/token HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}\
         GET /v1.0/my/applications HTTP/1.1\r\n{host}X-Bad: \x01\r\n\r\n",
        server.cred("tenantId"),
        body.len()
    );
    let reply = raw_exchange(&server, request.as_bytes()).await;
    assert_eq!(reply.matches("HTTP/1.1 ").count(), 2, "{reply}");
    assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
    let (status, _, body) = last_response(&reply);
    assert_eq!(status, 400, "{reply}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body["code"].is_string(), "{body}");
}
