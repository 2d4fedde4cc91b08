//! Account settings (seed 000): Azure AD applications per seller with a role, their keys,
//! and what the token endpoint and the three APIs make of them.

use crate::common;

use common::{DEVCENTER, TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::msi::{MsiClient, STORE};
use storeroom_testkit::app::partner::{PARTNER, PartnerClient};

/// An admin call; a `Value::Null` body sends none.
async fn admin(
    server: &TestServer,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = server.admin(method, &format!("admin/v1/{path}"));
    if !body.is_null() {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

/// A new application of the default seller with `role`.
async fn create_client(server: &TestServer, role: &str) -> Value {
    let (status, client) = admin(
        server,
        Method::POST,
        "clients",
        json!({"name": "Release pipeline", "role": role}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    client
}

async fn add_key(server: &TestServer, client_id: &str, body: Value) -> Value {
    let (status, key) = admin(
        server,
        Method::POST,
        &format!("clients/{client_id}/keys"),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    key
}

/// The token endpoint's answer for `client_id` and `secret` (v1, devcenter resource).
async fn token_response(server: &TestServer, client_id: &str, secret: &str) -> (StatusCode, Value) {
    json(
        server
            .http
            .post(server.url(&format!("{}/oauth2/token", server.cred("tenantId"))))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
                ("resource", DEVCENTER),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The credentials of a client and key in the shape `TestServer::token_of` takes.
fn credentials(server: &TestServer, client: &Value, key: &Value) -> Value {
    json!({
        "tenantId": server.cred("tenantId"),
        "clientId": client["clientId"],
        "clientSecret": key["secret"],
    })
}

fn aad_code(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or_default()
}

#[tokio::test]
async fn clients_are_created_listed_and_change_role() {
    let server = TestServer::start().await;
    let client = create_client(&server, "developer").await;
    assert_eq!(client["role"], "Developer");
    assert_eq!(client["sellerId"], server.cred("sellerId"));
    assert_eq!(client["name"], "Release pipeline");
    assert_eq!(client["keys"], json!([]));
    let id = client["clientId"].as_str().unwrap();
    assert_eq!((id.len(), id.matches('-').count()), (36, 4), "a GUID: {id}");

    let (status, listed) = admin(
        &server,
        Method::GET,
        &format!("clients?sellerId={}", server.cred("sellerId")),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let ids: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clientId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&id) && ids.contains(&server.cred("clientId").as_str()),
        "{listed}"
    );
    let original = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clientId"] == server.cred("clientId"))
        .unwrap();
    assert_eq!(original["role"], "Manager", "existing clients are Managers");

    let other = server.create_seller("Other").await;
    let (_, others) = admin(
        &server,
        Method::GET,
        &format!("clients?sellerId={}", other["sellerId"].as_str().unwrap()),
        Value::Null,
    )
    .await;
    assert_eq!(others["totalCount"], 1, "{others}");
    assert_eq!(others["value"][0]["clientId"], other["clientId"]);

    let (status, changed) = admin(
        &server,
        Method::PUT,
        &format!("clients/{id}"),
        json!({"role": "MANAGER"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], "Manager");
}

#[tokio::test]
async fn a_key_opens_the_token_endpoint_and_its_secret_is_shown_once() {
    let server = TestServer::start().await;
    // The devcenter API answers 404 to a seller without apps.
    server.reserve_app("Reader").await;
    let client = create_client(&server, "Manager").await;
    let id = client["clientId"].as_str().unwrap();
    let key = add_key(&server, id, json!({})).await;
    let secret = key["secret"].as_str().unwrap();
    assert!(secret.len() >= 32, "{key}");
    assert_eq!(key["hint"], secret[..3]);
    let created = chrono::DateTime::parse_from_rfc3339(key["createdAt"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(key["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_days(), 730, "two years by default");

    let token = server
        .token_of(&credentials(&server, &client, &key), DEVCENTER)
        .await;
    let response = server
        .dc(Method::GET, "applications", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (_, listed) = admin(&server, Method::GET, "clients", Value::Null).await;
    let text = listed.to_string();
    assert!(!text.contains(secret), "the secret is never listed: {text}");
    assert!(text.contains(key["keyId"].as_str().unwrap()), "{text}");

    // The seller's original secret is still a valid key beside the new ones.
    server.token_for(DEVCENTER).await;
}

#[tokio::test]
async fn expired_keys_get_aadsts7000222_and_deleted_ones_are_wrong_secrets() {
    let server = TestServer::start().await;
    let client = create_client(&server, "Manager").await;
    let id = client["clientId"].as_str().unwrap();
    let short = add_key(&server, id, json!({"expiresInDays": 1})).await;
    let long = add_key(&server, id, json!({"expiresInDays": 30})).await;

    let (status, _) = admin(
        &server,
        Method::POST,
        "clock",
        json!({"advanceSeconds": 2 * 86_400}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = token_response(&server, id, short["secret"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(aad_code(&body), 7000222, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000222: "),
        "{body}"
    );
    let (status, _) = token_response(&server, id, long["secret"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    let response = server
        .admin(
            Method::DELETE,
            &format!(
                "admin/v1/clients/{id}/keys/{}",
                long["keyId"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, deleted) = token_response(&server, id, long["secret"].as_str().unwrap()).await;
    let (_, wrong) = token_response(&server, id, "not-the-secret").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (deleted["error"].clone(), aad_code(&deleted)),
        (wrong["error"].clone(), aad_code(&wrong))
    );
    assert_eq!(aad_code(&deleted), 7000215, "{deleted}");

    let (status, missing) = admin(
        &server,
        Method::DELETE,
        &format!("clients/{id}/keys/{}", long["keyId"].as_str().unwrap()),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
}

#[tokio::test]
async fn a_developer_client_is_refused_by_every_api_until_it_is_a_manager() {
    let server = TestServer::start().await;
    server.reserve_app("Reader").await;
    let client = create_client(&server, "Developer").await;
    let id = client["clientId"].as_str().unwrap();
    let key = add_key(&server, id, Value::Null).await;
    let creds = credentials(&server, &client, &key);
    let not_allowed = "Authorization: Account is not allowed to access this api";

    let devcenter = server.token_of(&creds, DEVCENTER).await;
    let (status, body) = json(
        server
            .dc(Method::GET, "applications", &devcenter)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code": "Unauthorized", "message": not_allowed})
    );

    let product = server.reserve_win32("Installer").await;
    let msi = MsiClient {
        server: &server,
        token: server.token_of(&creds, STORE).await,
        seller: server.cred("sellerId"),
    };
    let (status, body) = msi.call(Method::GET, &product, "packages", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["isSuccess"], false, "{body}");
    assert_eq!(body["errors"][0]["code"], "unauthorized", "{body}");
    assert_eq!(body["errors"][0]["message"], not_allowed, "{body}");

    let partner = PartnerClient::new(&server.base, server.token_of(&creds, PARTNER).await);
    let (status, body) = partner.call(Method::GET, "products", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body, json!({"statusCode": 401, "message": not_allowed}));

    // The same token works once the role changes: nothing remembers the old role.
    admin(
        &server,
        Method::PUT,
        &format!("clients/{id}"),
        json!({"role": "Manager"}),
    )
    .await;
    let response = server
        .dc(Method::GET, "applications", &devcenter)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_requests_name_their_field_and_unknown_clients_are_not_found() {
    let server = TestServer::start().await;
    for (body, field) in [
        (json!({"name": "x", "role": "Owner"}), "role"),
        (json!({"name": "x"}), "role"),
        (json!({"role": "Manager"}), "name"),
        (json!({"name": "  ", "role": "Manager"}), "name"),
    ] {
        let (status, error) = admin(&server, Method::POST, "clients", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert_eq!(error["target"], field, "{body}: {error}");
    }
    let (status, error) = admin(
        &server,
        Method::POST,
        "clients",
        json!({"name": "x", "role": "Manager", "sellerId": "1"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");

    let client = create_client(&server, "Manager").await;
    let id = client["clientId"].as_str().unwrap();
    let (status, error) = admin(
        &server,
        Method::PUT,
        &format!("clients/{id}"),
        json!({"role": "Admin"}),
    )
    .await;
    assert_eq!(
        (status, error["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("role")),
        "{error}"
    );
    for days in [
        json!(0),
        json!(-5),
        json!(3651),
        json!(i64::MAX),
        json!(1e30),
        json!("soon"),
    ] {
        let (status, error) = admin(
            &server,
            Method::POST,
            &format!("clients/{id}/keys"),
            json!({"expiresInDays": days}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{days}: {error}");
        assert_eq!(error["target"], "expiresInDays", "{days}: {error}");
    }

    let unknown = "6d1b3bd4-0000-4000-8000-000000000000";
    let (status, _) = admin(
        &server,
        Method::PUT,
        &format!("clients/{unknown}"),
        json!({"role": "Manager"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = admin(
        &server,
        Method::POST,
        &format!("clients/{unknown}/keys"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = admin(
        &server,
        Method::DELETE,
        &format!("clients/{unknown}/keys/{unknown}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
