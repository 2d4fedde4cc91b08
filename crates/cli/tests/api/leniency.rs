//! What the real service refuses although every known client avoids it (a bodyless create or
//! commit without a JSON `Content-Type`, a create whose body is a JSON object), refused the
//! same way by default and accepted with `--leniency relaxed`.

use crate::common;

use common::{TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_server::Leniency;

/// A devcenter POST with `body`, as a client that sets no `Content-Type` sends it.
async fn post_without_media_type(
    server: &TestServer,
    token: &str,
    path: &str,
    body: &str,
) -> (StatusCode, Value) {
    let request = server
        .http
        .post(server.url(&format!("v1.0/my/{path}")))
        .bearer_auth(token);
    send(request, body).await
}

/// A devcenter POST with `Content-Type: application/json` and `body`.
async fn post_json(
    server: &TestServer,
    token: &str,
    path: &str,
    body: &str,
) -> (StatusCode, Value) {
    send(server.dc(Method::POST, path, token), body).await
}

async fn send(request: reqwest::RequestBuilder, body: &str) -> (StatusCode, Value) {
    json(request.body(body.to_string()).send().await.unwrap()).await
}

fn assert_unsupported_media_type((status, body): (StatusCode, Value)) {
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "UnsupportedMediaType", "{body}");
    assert_eq!(body["target"], "Content-Type", "{body}");
    assert_eq!(body["source"], "Ingestion Api", "{body}");
}

/// An app, an add-on of it and a flight of it (with its first, pending submission).
struct Products {
    app_id: String,
    add_on: String,
    flight_submission: String,
}

async fn products(server: &TestServer, token: &str) -> Products {
    let app = server.reserve_app("Contoso Media").await;
    let app_id = app["id"].as_str().unwrap().to_string();
    let (status, add_on) = json(
        server
            .dc(Method::POST, "inappproducts", token)
            .json(&json!({"applicationIds": [app_id], "productId": "coins", "productType": "Consumable"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{add_on}");
    let (status, flight) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app_id}/flights"),
                token,
            )
            .json(&json!({"friendlyName": "Insiders", "groupIds": [0]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{flight}");
    Products {
        flight_submission: format!(
            "applications/{app_id}/flights/{}/submissions/{}",
            flight["flightId"].as_str().unwrap(),
            flight["pendingFlightSubmission"]["id"].as_str().unwrap()
        ),
        add_on: format!("inappproducts/{}", add_on["id"].as_str().unwrap()),
        app_id,
    }
}

#[tokio::test]
async fn bodyless_creates_and_commits_need_a_json_media_type() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let p = products(&server, &token).await;
    let app_submissions = format!("applications/{}/submissions", p.app_id);
    let add_on_submissions = format!("{}/submissions", p.add_on);
    for path in [&app_submissions, &add_on_submissions] {
        assert_unsupported_media_type(post_without_media_type(&server, &token, path, "").await);
    }
    assert_unsupported_media_type(
        post_without_media_type(
            &server,
            &token,
            &format!("{}/commit", p.flight_submission),
            "",
        )
        .await,
    );

    // A JSON object is validated as a submission definition, and fails.
    for (path, target) in [
        (&app_submissions, "applicationSubmission"),
        (&add_on_submissions, "inAppProductSubmission"),
    ] {
        let (status, body) = post_json(&server, &token, path, "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "InvalidParameterValue", "{body}");
        assert_eq!(body["target"], target, "{body}");
    }

    // With the media type and an empty body, as clients send them: created.
    let (status, created) = post_json(&server, &token, &app_submissions, "").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let commit = format!(
        "{app_submissions}/{}/commit",
        created["id"].as_str().unwrap()
    );
    assert_unsupported_media_type(post_without_media_type(&server, &token, &commit, "").await);
    let (status, body) = post_json(&server, &token, &commit, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test]
async fn relaxed_leniency_accepts_what_clients_avoid() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |config| config.leniency = Leniency::Relaxed).await;
    let token = server.token().await;
    let p = products(&server, &token).await;
    let (status, body) =
        post_without_media_type(&server, &token, &format!("{}/submissions", p.add_on), "").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let app_submissions = format!("applications/{}/submissions", p.app_id);
    let (status, created) = post_json(&server, &token, &app_submissions, "{}").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let commit = format!(
        "{app_submissions}/{}/commit",
        created["id"].as_str().unwrap()
    );
    let (status, body) = post_without_media_type(&server, &token, &commit, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// A PUT of the add-on submission at `path`.
async fn put(server: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    json(
        server
            .dc(Method::PUT, path, token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn assert_invalid((status, body): (StatusCode, Value), target: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "InvalidParameterValue", "{body}");
    assert_eq!(body["target"], target, "{body}");
}

/// The first submission of the add-on at `add_on`: (its path, the created resource).
async fn add_on_submission(server: &TestServer, token: &str, add_on: &str) -> (String, Value) {
    let (status, created) = post_json(server, token, &format!("{add_on}/submissions"), "").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("{add_on}/submissions/{}", created["id"].as_str().unwrap());
    (path, created)
}

#[tokio::test]
async fn add_on_content_types_and_server_owned_fields_are_refused_as_the_service_does() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let p = products(&server, &token).await;
    let (path, created) = add_on_submission(&server, &token, &p.add_on).await;
    assert_eq!(created["contentType"], "NotSet", "the draft default");
    let listing = json!({"en": {"title": "Coins", "description": "Shiny"}});

    // NotSet and documented values the service refuses, before an invalid price.
    for content_type in [None, Some("NotSet"), Some("OnlineDownload")] {
        let mut body = json!({"listings": listing, "pricing": {"priceId": "Tier5"}});
        if let Some(content_type) = content_type {
            body["contentType"] = json!(content_type);
        }
        assert_invalid(put(&server, &token, &path, body).await, "contentType");
    }
    let (status, body) = put(
        &server,
        &token,
        &path,
        json!({"listings": listing, "contentType": "VideoStream"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // GET-modify-PUT must leave out the server-owned members; the first present is named.
    let mut echoed = body.clone();
    echoed["tag"] = json!("v2");
    assert_invalid(put(&server, &token, &path, echoed.clone()).await, "id");
    for owned in ["id", "status", "statusDetails"] {
        echoed.as_object_mut().unwrap().remove(owned);
        let next = match owned {
            "id" => "status",
            "status" => "statusDetails",
            _ => "fileUploadUrl",
        };
        assert_invalid(put(&server, &token, &path, echoed.clone()).await, next);
    }
    echoed.as_object_mut().unwrap().remove("fileUploadUrl");
    let (status, body) = put(&server, &token, &path, echoed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tag"], "v2");
}

#[tokio::test]
async fn relaxed_add_ons_keep_not_set_and_a_strict_commit_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |config| config.leniency = Leniency::Relaxed).await;
    let token = server.token().await;
    let p = products(&server, &token).await;
    let (path, created) = add_on_submission(&server, &token, &p.add_on).await;
    let mut echoed = created.clone();
    echoed["listings"] = json!({"en": {"title": "Coins"}});
    let (status, body) = put(&server, &token, &path, echoed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["contentType"], "NotSet");

    // The same data under the default (strict) leniency: its commit is refused.
    let server = server.restart().await;
    let token = server.token().await;
    let commit = format!("{path}/commit");
    assert_invalid(post_json(&server, &token, &commit, "").await, "contentType");
    let (status, body) = put(
        &server,
        &token,
        &path,
        json!({"contentType": "MusicStream"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_json(&server, &token, &commit, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}
