//! The request journal: every API request, blob and token requests included, read back
//! newest first through `GET /admin/v1/journal`, filtered, with secrets redacted, bounded,
//! and kept across restarts.

use crate::common;

use common::{TestApp, TestServer, json, put_blob, zip_bytes};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The journal as the admin API returns it for `query`.
async fn journal(server: &TestServer, query: &str) -> Vec<Value> {
    let path = format!("admin/v1/journal{query}");
    let (status, body) = server.admin_call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["totalCount"].as_u64(),
        Some(body["value"].as_array().unwrap().len() as u64)
    );
    body["value"].as_array().unwrap().clone()
}

fn paths(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_api_request_is_journaled_newest_first_with_secrets_redacted() {
    let app = TestApp::builder().start().await;
    let server = &app.server;
    let client_id = server.cred("clientId");
    let (id, upload_url, _) = server
        .submission_adding(&app.token, &app.app_id, "app.msix")
        .await;
    let upload = put_blob(&server.http, &upload_url, zip_bytes(&["app.msix"])).await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let listed = app.dc(Method::GET, "applications").send().await.unwrap();
    let correlation = listed.headers()["MS-CorrelationId"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        reqwest::get(server.url("healthz")).await.unwrap().status(),
        StatusCode::OK
    );

    let entries = journal(server, "").await;
    let text = serde_json::to_string(&entries).unwrap();
    // Newest first: the app list, the upload, the PUT, the create, the reservation, the
    // token request. Neither /healthz nor the journal's own route is journaled.
    assert_eq!(paths(&entries)[0], "/v1.0/my/applications");
    assert!(
        paths(&entries)[1].contains("sig=REDACTED"),
        "{:?}",
        paths(&entries)
    );
    assert!(!text.contains("/healthz") && !text.contains("/admin/v1/journal"));
    let newest = &entries[0];
    assert_eq!(newest["method"], "GET");
    assert_eq!(newest["status"], 200);
    assert_eq!(newest["clientId"].as_str(), Some(client_id.as_str()));
    assert_eq!(newest["correlationId"].as_str(), Some(correlation.as_str()));
    assert!(newest["latencyMs"].as_f64().unwrap() >= 0.0);
    assert!(newest["time"].as_str().is_some());
    assert!(
        newest["responseBody"]
            .as_str()
            .unwrap()
            .contains(&app.app_id)
    );

    // The blob upload: summarised, never stored.
    let blob = &entries[1];
    assert_eq!(blob["method"], "PUT");
    assert_eq!(blob["status"], 201);
    assert!(
        blob["requestBody"]
            .as_str()
            .unwrap()
            .contains("bytes, not kept"),
        "{blob}"
    );
    // The create's body carries the upload URL, signature redacted.
    let create = entries
        .iter()
        .find(|e| e["method"] == "POST" && e["path"].as_str().unwrap().ends_with("/submissions"))
        .expect("the create is journaled");
    assert_eq!(create["status"], 201);
    let body = create["responseBody"].as_str().unwrap();
    assert!(
        body.contains(&id) && body.contains("sig=REDACTED"),
        "{body}"
    );

    // The token request: the client named, no secret and no token kept.
    let token = entries.last().unwrap();
    assert!(token["path"].as_str().unwrap().ends_with("/oauth2/token"));
    assert_eq!(token["clientId"].as_str(), Some(client_id.as_str()));
    assert!(
        token["requestBody"]
            .as_str()
            .unwrap()
            .contains("client_secret=REDACTED")
    );
    assert!(
        token["responseBody"]
            .as_str()
            .unwrap()
            .contains("\"access_token\":\"REDACTED\"")
    );
    for secret in [
        server.cred("clientSecret"),
        server.cred("adminToken"),
        app.token.clone(),
    ] {
        assert!(!text.contains(&secret), "a secret reached the journal");
    }
    let signature = upload_url
        .split("sig=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        !text.contains(signature),
        "a SAS signature reached the journal"
    );
}

#[tokio::test]
async fn the_journal_filters_by_path_status_and_client_and_checks_its_parameters() {
    let app = TestApp::builder().start().await;
    let server = &app.server;
    let missing = app
        .dc(Method::GET, "applications/9NOTHERE000")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.dc(Method::GET, &format!("applications/{}", app.app_id))
        .send()
        .await
        .unwrap();

    let found = journal(server, "?status=404").await;
    assert_eq!(paths(&found), ["/v1.0/my/applications/9NOTHERE000"]);
    let prefix = journal(server, "?path=/v1.0/my/applications").await;
    assert_eq!(prefix.len(), 2, "a path without wildcards is a prefix");
    let glob = journal(server, "?path=/admin/*/applications").await;
    assert_eq!(paths(&glob), ["/admin/v1/applications"]);
    let limited = journal(server, "?limit=1").await;
    assert_eq!(limited.len(), 1);
    let mine = journal(server, &format!("?clientId={}", server.cred("clientId"))).await;
    assert_eq!(mine.len(), 3, "the token request and two devcenter calls");
    assert!(journal(server, "?clientId=someone-else").await.is_empty());

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("status=abc", "status"),
        ("status=700", "status"),
        ("path=nope", "path"),
        ("path=/a/[b]", "path"),
    ] {
        let (status, body) = json(
            server
                .admin(Method::GET, &format!("admin/v1/journal?{query}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["target"], field, "{query}: {body}");
    }
    let refused = server
        .http
        .get(server.url("admin/v1/journal"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_journal_keeps_its_bounds_and_survives_a_restart() {
    let server = TestApp::builder()
        .configure(|config| config.journal.max_entries = 4)
        .server()
        .await;
    for _ in 0..6 {
        let response = server
            .admin(Method::GET, "admin/v1/flightgroups")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    server.reserve_app("Kept").await;
    let entries = journal(&server, "").await;
    assert_eq!(entries.len(), 4, "only the newest four are kept");
    assert_eq!(paths(&entries)[0], "/admin/v1/applications");
    let metrics = crate::ops::scrape(&server.http, &server.base).await;
    let counter = |name, labels| crate::ops::sum(&metrics, name, labels);
    assert_eq!(
        counter("storeroom_journal_entries_written_total", &[]),
        Some(7.0)
    );
    assert_eq!(
        counter(
            "storeroom_journal_entries_dropped_total",
            &[("reason", "trimmed")]
        ),
        Some(3.0)
    );

    let before: Vec<Value> = entries.clone();
    let server = server.restart().await;
    let after = journal(&server, "").await;
    assert_eq!(after, before, "the journal is in the database");
}

#[tokio::test]
async fn with_the_journal_off_nothing_is_kept_and_token_requests_still_name_their_client() {
    let server = TestApp::builder()
        .configure(|config| config.journal.max_entries = 0)
        .server()
        .await;
    let other = server.create_seller("Other").await;
    let (status, _) = server
        .admin_call(
            Method::POST,
            "admin/v1/faults",
            Some(serde_json::json!({"path": "/*/oauth2/token", "status": 503,
                "clientId": server.cred("clientId")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let refused = server
        .http
        .post(server.url(&format!("{}/oauth2/token", server.cred("tenantId"))))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &server.cred("clientId")),
            ("client_secret", &server.cred("clientSecret")),
            ("resource", common::DEVCENTER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Another client's token request is not the rule's.
    server.token_of(&other, common::DEVCENTER).await;
    assert!(journal(&server, "").await.is_empty());
}
