//! The Azure AD token endpoint: v1 and v2 responses, tokens, errors, discovery.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{DEVCENTER, TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

async fn post_form(server: &TestServer, path: &str, body: String) -> (StatusCode, Value) {
    let response = server
        .http
        .post(server.url(path))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    json(response).await
}

#[tokio::test]
async fn v1_token_has_the_documented_shape_and_claims() {
    let server = TestServer::start().await;
    let tenant = server.cred("tenantId");
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&resource={DEVCENTER}",
        server.cred("clientId"),
        server.cred("clientSecret")
    );
    let (status, token) = post_form(&server, &format!("{tenant}/oauth2/token"), body).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], "3599");
    assert_eq!(token["ext_expires_in"], "3599");
    assert_eq!(token["resource"], DEVCENTER);
    let expires_on: i64 = token["expires_on"].as_str().unwrap().parse().unwrap();
    let not_before: i64 = token["not_before"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_on - not_before, 3899);
    let access = token["access_token"].as_str().unwrap();
    assert_eq!(header(access)["alg"], "RS256");
    let claims = claims(access);
    assert_eq!(claims["aud"], DEVCENTER);
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{tenant}/"));
    assert_eq!(claims["tid"], tenant);
    assert_eq!(claims["appid"], server.cred("clientId"));
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["exp"].as_i64().unwrap(), expires_on);
}

#[tokio::test]
async fn v2_token_uses_numbers_and_scope() {
    let server = TestServer::start().await;
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fapi.store.microsoft.com%2F.default",
        server.cred("clientId"),
        server.cred("clientSecret")
    );
    let (status, token) = post_form(
        &server,
        &format!("{}/oauth2/v2.0/token", server.cred("tenantId")),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["expires_in"], 3599);
    assert_eq!(token["ext_expires_in"], 3599);
    assert!(token.get("resource").is_none());
    assert_eq!(
        claims(token["access_token"].as_str().unwrap())["aud"],
        "https://api.store.microsoft.com"
    );
}

#[tokio::test]
async fn crlf_padded_and_unencoded_values_are_accepted() {
    let server = TestServer::start().await;
    // Clients build the form by hand: values padded with CRLF, secret not URL-encoded.
    let body = format!(
        "grant_type=client_credentials\r\n&client_id={}\r\n&client_secret={}\r\n&resource= {DEVCENTER}\r\n",
        server.cred("clientId"),
        server.cred("clientSecret")
    );
    let (status, token) = post_form(
        &server,
        &format!("{}/oauth2/token", server.cred("tenantId")),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    // The tenant may also be named by its domain.
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&resource={DEVCENTER}",
        server.cred("clientId"),
        server.cred("clientSecret")
    );
    let (status, _) = post_form(&server, "storeroom.onmicrosoft.com/oauth2/token", body).await;
    assert_eq!(status, StatusCode::OK);
}

fn assert_aad_error(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0], code, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
}

#[tokio::test]
async fn errors_are_aad_shaped() {
    let server = TestServer::start().await;
    let tenant = server.cred("tenantId");
    let id = server.cred("clientId");
    let secret = server.cred("clientSecret");
    let v1 = format!("{tenant}/oauth2/token");
    let v2 = format!("{tenant}/oauth2/v2.0/token");
    let cases: Vec<(String, String, StatusCode, &str, u64)> = vec![
        (
            v1.clone(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret=wrong&resource={DEVCENTER}"
            ),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
        ),
        (
            v1.clone(),
            format!("grant_type=client_credentials&client_id={id}&resource={DEVCENTER}"),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
        ),
        (
            v1.clone(),
            format!(
                "grant_type=client_credentials&client_id=00000000-0000-0000-0000-000000000000&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
        ),
        (
            v1.clone(),
            format!(
                "grant_type=password&client_id={id}&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
        ),
        (
            v1.clone(),
            format!("client_id={id}&client_secret={secret}&resource={DEVCENTER}"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
        ),
        (
            v1.clone(),
            format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
        ),
        (
            v1.clone(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&resource=https://graph.example.com"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
        ),
        (
            v2.clone(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            901002,
        ),
        (
            v2.clone(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
        ),
        (
            v2.clone(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope={DEVCENTER}/.default https://api.store.microsoft.com/.default"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            700022,
        ),
        (
            v2.clone(),
            format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
        ),
        (
            "11111111-2222-3333-4444-555555555555/oauth2/token".into(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
        ),
        (
            "not_a_tenant/oauth2/token".into(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900023,
        ),
        (
            "common/oauth2/token".into(),
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&resource={DEVCENTER}"
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9001023,
        ),
    ];
    for (path, body, status, error, code) in cases {
        let (got, value) = post_form(&server, &path, body.clone()).await;
        assert_eq!(got, status, "{path} {body}: {value}");
        assert_aad_error(&value, error, code);
    }
    let (status, value) = json(server.http.get(server.url(&v1)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad_error(&value, "invalid_request", 900561);
}

#[tokio::test]
async fn discovery_documents_and_keys_verify_tokens() {
    let server = TestServer::start().await;
    let tenant = server.cred("tenantId");
    let (status, config) = json(
        server
            .http
            .get(server.url(&format!("{tenant}/.well-known/openid-configuration")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        config["issuer"],
        format!("https://sts.windows.net/{tenant}/")
    );
    let (_, v2) = json(
        server
            .http
            .get(server.url(&format!("{tenant}/v2.0/.well-known/openid-configuration")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        v2["issuer"],
        format!("https://login.microsoftonline.com/{tenant}/v2.0")
    );
    let (status, keys) = json(
        server
            .http
            .get(config["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = server.token().await;
    assert_eq!(keys["keys"][0]["kid"], header(&token)["kid"]);
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    let (status, error) = json(
        server
            .http
            .get(
                server.url("9a9a9a9a-0000-0000-0000-000000000000/.well-known/openid-configuration"),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "invalid_tenant");
}

#[tokio::test]
async fn tokens_survive_restarts_and_expire_after_an_hour() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Clocked").await;
    let path = format!("applications/{}", app["id"].as_str().unwrap());
    let credentials = server.credentials.clone();
    let server = server.restart().await;
    assert_eq!(
        server.credentials, credentials,
        "later starts reuse the credentials"
    );
    let response = server.dc(Method::GET, &path, &token).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a token from before the restart still works"
    );
    server.advance_clock(59 * 60).await;
    assert_eq!(
        server
            .dc(Method::GET, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.advance_clock(2 * 60).await;
    let (status, body) = json(server.dc(Method::GET, &path, &token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["statusCode"], 401);
    // A fresh token works again.
    let fresh = server.token().await;
    assert_eq!(
        server
            .dc(Method::GET, &path, &fresh)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[cfg(unix)]
#[tokio::test]
async fn credentials_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let mode = std::fs::metadata(server.dir.path().join("credentials.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    for key in [
        "tenantId",
        "clientId",
        "clientSecret",
        "sellerId",
        "adminToken",
    ] {
        assert!(
            server.credentials[key]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "{key}"
        );
    }
    let secret = server.cred("clientSecret");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    );
}
