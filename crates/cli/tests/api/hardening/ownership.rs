//! Another seller's submission ids cannot be probed: on every devcenter route that takes a
//! submission id, one of another seller's answers exactly as an id that does not exist.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{DEVCENTER, TestServer, json};

const UNKNOWN: &str = "1152921504606846999";

/// A token of `seller`'s client from the v1 (`resource`) or v2 (`scope`) endpoint.
async fn token_of(
    server: &TestServer,
    seller: &Value,
    endpoint: &str,
    audience: (&str, &str),
) -> String {
    let token: Value = server
        .http
        .post(server.url(&format!(
            "{}/{endpoint}",
            seller["tenantId"].as_str().unwrap()
        )))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seller["clientId"].as_str().unwrap()),
            ("client_secret", seller["clientSecret"].as_str().unwrap()),
            audience,
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

/// A second seller's MSI/EXE API token (v2, `api.store.microsoft.com`).
async fn store_token(server: &TestServer, seller: &Value) -> String {
    let scope = ("scope", "https://api.store.microsoft.com/.default");
    token_of(server, seller, "oauth2/v2.0/token", scope).await
}

/// A second seller's id and devcenter token.
async fn other_seller(server: &TestServer) -> (String, String) {
    let (seller, token) = other_seller_with(server).await;
    (seller["sellerId"].as_str().unwrap().to_string(), token)
}

/// A second seller (its credentials) and its devcenter token.
async fn other_seller_with(server: &TestServer) -> (Value, String) {
    let (status, seller) = json(
        server
            .admin(Method::POST, "admin/v1/sellers")
            .json(&json!({"name": "Prober"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{seller}");
    let token = token_of(server, &seller, "oauth2/token", ("resource", DEVCENTER)).await;
    (seller, token)
}

/// POSTs `body` (None: an empty body, as a submission is created) and expects 201.
async fn created(server: &TestServer, token: &str, path: &str, body: Option<Value>) -> Value {
    let mut request = server.dc(Method::POST, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let (status, value) = json(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {value}");
    value
}

/// Status and body, the body as text: a 204 has none, and bodies must be equal byte for
/// byte, not merely parse alike.
async fn answer(
    server: &TestServer,
    token: &str,
    method: Method,
    path: &str,
) -> (StatusCode, String) {
    let mut request = server.dc(method.clone(), path, token);
    if method == Method::PUT {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn foreign_submission_ids_answer_as_unknown_ones() {
    let server = TestServer::start().await;
    let token_a = server.token().await;
    let app_a = server.reserve_app("Owner").await;
    let app_a = app_a["id"].as_str().unwrap();
    let foreign = created(
        &server,
        &token_a,
        &format!("applications/{app_a}/submissions"),
        None,
    )
    .await;
    let foreign = foreign["id"].as_str().unwrap();

    let (seller_b, token_b) = other_seller(&server).await;
    let (status, app_b) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": "Prober", "type": "msix", "sellerId": seller_b}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app_b}");
    let app_b = app_b["id"].as_str().unwrap();
    let flight = created(
        &server,
        &token_b,
        &format!("applications/{app_b}/flights"),
        Some(json!({"friendlyName": "Probe"})),
    )
    .await;
    let add_on = created(
        &server,
        &token_b,
        "inappproducts",
        Some(
            json!({"applicationIds": [app_b], "productId": "ProbeGold", "productType": "Durable"}),
        ),
    )
    .await;

    let parents = [
        format!("applications/{app_b}"),
        format!(
            "applications/{app_b}/flights/{}",
            flight["flightId"].as_str().unwrap()
        ),
        format!("inappproducts/{}", add_on["id"].as_str().unwrap()),
    ];
    let mut routes = Vec::new();
    for parent in &parents {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::PUT, ""),
            (Method::DELETE, ""),
            (Method::POST, "/commit"),
            (Method::GET, "/status"),
        ] {
            routes.push((method, format!("{parent}/submissions/{{id}}{suffix}")));
        }
    }
    for (method, suffix) in [
        (Method::GET, "packagerollout"),
        (Method::POST, "updatepackagerolloutpercentage?percentage=50"),
        (Method::POST, "haltpackagerollout"),
        (Method::POST, "finalizepackagerollout"),
    ] {
        routes.push((
            method,
            format!("applications/{app_b}/submissions/{{id}}/{suffix}"),
        ));
    }
    for (method, route) in routes {
        let probe = answer(
            &server,
            &token_b,
            method.clone(),
            &route.replace("{id}", foreign),
        )
        .await;
        let unknown = answer(
            &server,
            &token_b,
            method.clone(),
            &route.replace("{id}", UNKNOWN),
        )
        .await;
        assert_eq!(probe, unknown, "{method} {route}");
        assert_eq!(
            probe.0,
            StatusCode::NOT_FOUND,
            "{method} {route}: {}",
            probe.1
        );
    }
}

#[tokio::test]
async fn foreign_msi_submission_ids_answer_as_unknown_ones() {
    let server = TestServer::start().await;
    let product_a = server.reserve_win32("Owner").await;
    let foreign = server.msi_client().await.submit(&product_a).await;

    let (seller_b, _) = other_seller_with(&server).await;
    let seller_id = seller_b["sellerId"].as_str().unwrap();
    let (status, product_b) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": "Prober", "type": "win32", "sellerId": seller_id}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{product_b}");
    let product_b = product_b["productId"].as_str().unwrap();
    let token_b = store_token(&server, &seller_b).await;
    let status_of = |id: String| {
        let request = server
            .http
            .get(server.url(&format!(
                "submission/v1/product/{product_b}/submission/{id}/status"
            )))
            .bearer_auth(&token_b)
            .header("X-Seller-Account-Id", seller_id);
        async move {
            let response = request.send().await.unwrap();
            // The message names the id asked for; the rest must be the same.
            response.text().await.unwrap().replace(&id, "{id}")
        }
    };
    let probe = status_of(foreign.clone()).await;
    let unknown = status_of("00000000-0000-0000-0000-000000000000".into()).await;
    assert_eq!(probe, unknown);
    assert!(probe.contains("notfound"), "{probe}");
}
