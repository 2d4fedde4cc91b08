//! Refusals: tokens, other accounts, unknown routes and methods, malformed input, and the
//! response headers every answer carries.

use crate::common;

use common::{TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::partner::{PARTNER, ich};

#[tokio::test]
async fn tokens_for_other_audiences_and_none_are_the_gateways_401() {
    let server = TestServer::start().await;
    let url = server.url("v1.0/ingestion/products");
    let devcenter = server.token().await;
    for bearer in [None, Some("garbage"), Some(devcenter.as_str())] {
        let mut request = server.http.get(&url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bearer:?}");
        assert_eq!(body["statusCode"], 401, "{body}");
        assert!(body["message"].is_string());
    }
    // A v2 token for the `/.default` scope works like the v1 one.
    let v2 = server
        .client_credentials_token(
            "oauth2/v2.0/token",
            ("scope", &format!("{PARTNER}/.default")),
        )
        .await;
    let response = server.http.get(&url).bearer_auth(&v2).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_accounts_offer_is_not_found() {
    let server = TestServer::start().await;
    let ours = server.partner_client().await;
    let product = ours.create_offer("ours").await;
    let other = server.create_seller("Fabrikam").await;
    let theirs = storeroom_testkit::app::partner::PartnerClient::new(
        &server.base,
        server.token_of(&other, PARTNER).await,
    );
    for (method, path) in [
        (Method::GET, format!("products/{product}")),
        (Method::GET, format!("products/{product}/setup")),
        (Method::DELETE, format!("products/{product}")),
        (Method::GET, format!("products/{product}/variants")),
        (Method::POST, format!("products/{product}/submissions")),
    ] {
        let body = theirs
            .expect(method, &path, json!({}), StatusCode::NOT_FOUND)
            .await;
        assert_eq!(ich(&body).0, 50404);
    }
    assert_eq!(theirs.get("products").await, json!({"value": []}));
    // The same offer id is free in another account.
    theirs.create_offer("ours").await;
}

#[tokio::test]
async fn unknown_routes_methods_and_bodies_answer_the_services_errors() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let product = client.create_offer("errors").await;

    let body = client
        .expect(Method::GET, "nothing", Value::Null, StatusCode::NOT_FOUND)
        .await;
    assert_eq!(ich(&body).0, 50404);
    let body = client
        .expect(
            Method::GET,
            &format!("products/{product}/listings/x/movies"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(ich(&body).0, 50404);

    let response = client
        .request(Method::PATCH, &format!("products/{product}/setup"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let (_, body) = json(response).await;
    assert_eq!(ich(&body).0, 50405);

    // Malformed JSON, a non-object, a wrong resourceType, a store-era product type.
    let response = client
        .request(Method::POST, "products")
        .header("content-type", "text/plain")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (fault, inner) = ich(&body);
    assert_eq!(fault, 50400);
    assert_eq!(inner["reasonPhrase"], "Request validation failed.");
    assert!(inner["data"]["Body"].is_array(), "{inner}");
    let body = client
        .expect(
            Method::POST,
            "products",
            json!([1]),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["Body"].is_array());
    for wrong in ["Application", "Durable", "NoSuchType"] {
        let body = client
            .expect(
                Method::POST,
                "products",
                json!({"resourceType": wrong, "name": "x", "externalIDs": [{"type": "AzureOfferId", "value": "x"}]}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(ich(&body).1["data"]["ResourceType"].is_array(), "{body}");
    }
    let body = client
        .expect(
            Method::POST,
            "products",
            json!({"resourceType": "AzureApplication", "name": "x"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["ExternalIDs"].is_array(), "{body}");
    let body = client
        .expect(
            Method::POST,
            "products",
            json!({"resourceType": "AzureApplication", "name": "x", "externalIDs": [{"type": "AzureOfferId", "value": "Not Valid!"}]}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["ExternalIDs"].is_array(), "{body}");

    // A duplicate offer id, in another case, is a conflict.
    let body = client
        .expect(
            Method::POST,
            "products",
            json!({"resourceType": "AzureApplication", "name": "again", "externalIDs": [{"type": "AzureOfferID", "value": "ERRORS"}]}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(ich(&body).0, 50409);

    // Unknown modules, bad filters and skip tokens.
    let body = client
        .expect(
            Method::GET,
            &format!("products/{product}/branches/getByModule(module=Pricing)"),
            Value::Null,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["Module"].is_array(), "{body}");
    let body = client
        .expect(
            Method::GET,
            "products?$filter=name eq 'x'",
            Value::Null,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["$filter"].is_array(), "{body}");
    client
        .expect(
            Method::GET,
            "products?$skipToken=not-base64!",
            Value::Null,
            StatusCode::BAD_REQUEST,
        )
        .await;
    // A path segment that is not UTF-8.
    client
        .expect(
            Method::GET,
            "products/%ff%fe",
            Value::Null,
            StatusCode::BAD_REQUEST,
        )
        .await;
}

#[tokio::test]
async fn every_answer_carries_the_services_headers() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    for path in ["products", "products/unknown"] {
        let response = client
            .request(Method::GET, path)
            .header("Client-Request-ID", "my-correlation")
            .header("If-Match", "*")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["content-type"], "application/json; charset=utf-8");
        assert_eq!(headers["client-request-id"], "my-correlation");
        assert_eq!(
            headers["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
        assert_eq!(headers["x-cache"], "CONFIG_NOCACHE");
        assert_eq!(headers["request-id"].len(), 36);
        assert!(headers.contains_key("x-azure-ref"));
    }
    let product = client.create_offer("headers").await;
    let response = client
        .request(Method::DELETE, &format!("products/{product}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    client
        .expect(
            Method::GET,
            &format!("products/{product}"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
}
