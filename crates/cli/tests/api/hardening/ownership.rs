//! Another seller's submission ids cannot be probed: on every devcenter route that takes a
//! submission id, one of another seller's answers exactly as an id that does not exist.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{DEVCENTER, TestServer, json};

const UNKNOWN: &str = "1152921504606846999";

/// A second seller's devcenter token.
async fn other_seller(server: &TestServer) -> (String, String) {
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
    let token: Value = server
        .http
        .post(server.url(&format!(
            "{}/oauth2/token",
            seller["tenantId"].as_str().unwrap()
        )))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seller["clientId"].as_str().unwrap()),
            ("client_secret", seller["clientSecret"].as_str().unwrap()),
            ("resource", DEVCENTER),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        seller["sellerId"].as_str().unwrap_or_default().to_string(),
        token["access_token"].as_str().unwrap().to_string(),
    )
}

async fn created(server: &TestServer, token: &str, path: &str, body: Value) -> Value {
    let (status, value) = json(
        server
            .dc(Method::POST, path, token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
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
        json!({}),
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
        json!({"friendlyName": "Probe"}),
    )
    .await;
    let add_on = created(
        &server,
        &token_b,
        "inappproducts",
        json!({"applicationIds": [app_b], "productId": "ProbeGold", "productType": "Durable"}),
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
