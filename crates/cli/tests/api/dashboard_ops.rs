//! The dashboard's request journal, fault rules, reset and snapshots pages over plain HTTP:
//! each action checked through the admin API, the journal's filter and live stream, and
//! text the API's clients sent escaped. (Sessions and CSRF of these forms: `dashboard`.)

use crate::common;
use crate::dashboard::Dashboard;

use common::{TestApp, TestServer, eventually};
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn admin_values(server: &TestServer, path: &str) -> Vec<Value> {
    let (status, body) = server.admin_call(Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["value"].as_array().unwrap().clone()
}

/// The journal page with `query`, once it shows `needle`.
async fn journal_showing(dashboard: &Dashboard, query: &str, needle: &str) -> String {
    eventually(&format!("the journal shows {needle}"), || async {
        let page = dashboard.page(&format!("/dashboard/journal{query}")).await;
        if page.contains(needle) {
            Ok(page)
        } else {
            Err(page)
        }
    })
    .await
}

#[tokio::test]
async fn the_journal_page_filters_newest_first_and_shows_the_redacted_bodies() {
    let app = TestApp::named("Journaled").await;
    let dashboard = Dashboard::signed_in(&app.server).await;
    let (status, _) = app
        .call(Method::GET, "applications/no-such-app", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(Method::GET, &format!("applications/{}", app.app_id), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let page = journal_showing(&dashboard, "", "/v1.0/my/applications/no-such-app").await;
    let missing = page.find("/v1.0/my/applications/no-such-app").unwrap();
    let found = page
        .find(&format!("/v1.0/my/applications/{}<", app.app_id))
        .expect("the app's GET");
    assert!(found < missing, "newest first:\n{page}");
    // The response body is there to expand to; the token request's secret is not.
    assert!(page.contains("Response body"), "{page}");
    assert!(!page.contains(&app.server.cred("clientSecret")), "{page}");
    // The dashboard's own requests are not journaled.
    assert!(!page.contains("/dashboard/journal<"), "{page}");

    // The filter is the admin API's: by status, by path, by client.
    let only_404 = dashboard
        .page("/dashboard/journal?path=&status=404&clientId=&limit=")
        .await;
    assert!(only_404.contains("no-such-app"), "{only_404}");
    assert!(
        !only_404.contains(&format!("/v1.0/my/applications/{}<", app.app_id)),
        "{only_404}"
    );
    let (_, api) = app
        .server
        .admin_call(Method::GET, "admin/v1/journal?status=404", None)
        .await;
    assert_eq!(api["totalCount"], 1, "{api}");
    let by_client = dashboard
        .page(&format!(
            "/dashboard/journal?clientId={}",
            app.server.cred("clientId")
        ))
        .await;
    assert!(by_client.contains("no-such-app"), "{by_client}");
    let other_client = dashboard.page("/dashboard/journal?clientId=nobody").await;
    assert!(other_client.contains("No requests match"), "{other_client}");
    let by_path = dashboard
        .page("/dashboard/journal?path=/v1.0/my/applications/no-*")
        .await;
    assert!(by_path.contains("no-such-app"), "{by_path}");
    assert!(!by_path.contains(&format!("/v1.0/my/applications/{}<", app.app_id)));

    // A filter the API refuses is shown next to its field, with the values kept.
    let refused = dashboard.get("/dashboard/journal?status=999&limit=5").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains(r#"id="journal-status-error""#),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("status must be 100-599"));
    assert!(refused.body.contains(r#"value="999""#));
    let refused = dashboard.get("/dashboard/journal?limit=0").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains(r#"id="journal-limit-error""#));
}

#[tokio::test]
async fn the_journal_streams_requests_stored_after_the_page_was_read() {
    let app = TestApp::named("Streaming journal").await;
    let dashboard = Dashboard::signed_in(&app.server).await;
    let mut response = reqwest::Client::new()
        .get(format!("{}/dashboard/journal/events", app.server.base))
        .header(COOKIE, &dashboard.cookie)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = app
        .call(Method::GET, "applications/streamed-later", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut seen = String::new();
    while !seen.contains("streamed-later") {
        let chunk = response.chunk().await.unwrap().expect("an event");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("data:"), "{seen}");
}

#[tokio::test]
async fn a_journaled_path_and_body_with_markup_are_escaped() {
    let app = TestApp::named("Escaped journal").await;
    let dashboard = Dashboard::signed_in(&app.server).await;
    // A client id with markup, as a token request names it (a request target with raw
    // markup is refused before anything journals it).
    let token = app
        .server
        .http
        .post(
            app.server
                .url(&format!("{}/oauth2/token", app.server.cred("tenantId"))),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "<script>alert(1)</script>"),
            ("client_secret", "wrong"),
            ("resource", "https://manage.devcenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    assert!(token.status().is_client_error());
    // A body with markup, too.
    let (status, _) = app
        .call(
            Method::POST,
            "applications/none/submissions",
            Some(json!({"note": "<script>alert(2)</script>"})),
        )
        .await;
    assert!(status.is_client_error(), "{status}");

    let page = journal_showing(&dashboard, "", "alert(2)").await;
    let page = if page.contains("alert(1)") {
        page
    } else {
        journal_showing(&dashboard, "", "alert(1)").await
    };
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(2)"), "{page}");
    // The filter's values are shown back, escaped, with the API's message.
    let filtered = dashboard
        .get("/dashboard/journal?path=%3Cscript%3Ealert(3)%3C%2Fscript%3E&clientId=%3Cscript%3Ealert(4)")
        .await;
    assert!(
        !filtered.body.contains("<script>alert"),
        "{}",
        filtered.body
    );
    assert!(filtered.body.contains("&lt;script&gt;alert(3)"));
    assert!(filtered.body.contains("&lt;script&gt;alert(4)"));
}

#[tokio::test]
async fn a_fault_rule_added_in_the_dashboard_answers_the_api_and_is_deleted_there() {
    let app = TestApp::named("Faulted").await;
    let dashboard = Dashboard::signed_in(&app.server).await;
    let page = dashboard.page("/dashboard/faults").await;
    for field in [
        "method",
        "path",
        "clientId",
        "status",
        "body",
        "retryAfter",
        "delayMs",
        "afterSideEffect",
        "times",
        "probability",
        "zombie",
    ] {
        assert!(
            page.contains(&format!(r#"name="{field}""#)),
            "no {field} field"
        );
    }

    // Refused by the domain's checks: the message next to the field, nothing stored.
    for (fields, field) in [
        (
            vec![("status", "503"), ("probability", "1.5")],
            "probability",
        ),
        (vec![("status", "200")], "status"),
        (vec![("status", "soon")], "status"),
        (vec![("status", "500"), ("path", "no-slash")], "path"),
        (vec![("status", "500"), ("times", "0")], "times"),
        (vec![("status", "500"), ("body", "{not json")], "body"),
    ] {
        let csrf = crate::dashboard::csrf_of(&page);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(&fields);
        let refused = dashboard.post("/dashboard/faults", &form).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(
            refused
                .body
                .contains(&format!(r#"id="fault-{field}-error""#)),
            "{fields:?}: {}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains(&format!(r#"value="{}""#, fields[0].1)),
            "values kept"
        );
    }
    assert!(
        admin_values(&app.server, "admin/v1/faults")
            .await
            .is_empty()
    );

    let added = dashboard
        .submit(
            &page,
            "/dashboard/faults",
            &[
                ("method", "get"),
                ("path", &format!("/v1.0/my/applications/{}", app.app_id)),
                ("status", "429"),
                ("retryAfter", "7"),
                ("times", "1"),
                ("body", ""),
                ("delayMs", ""),
                ("probability", ""),
            ],
        )
        .await;
    assert_eq!(added.location, "/dashboard/faults");
    let rules = admin_values(&app.server, "admin/v1/faults").await;
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = &rules[0];
    assert_eq!(rule["method"], "GET");
    assert_eq!(rule["status"], 429);
    assert_eq!(rule["retryAfter"], 7);
    assert_eq!(rule["times"], 1);
    assert!(rule.get("afterSideEffect").is_none(), "{rule}");
    let id = rule["id"].as_str().unwrap().to_string();
    let page = dashboard.page("/dashboard/faults").await;
    assert!(page.contains(&format!(r#"data-fault-id="{id}""#)), "{page}");

    let path = format!("applications/{}", app.app_id);
    let faulted = app.dc(Method::GET, &path).send().await.unwrap();
    assert_eq!(faulted.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(faulted.headers()["retry-after"], "7");
    // Once only.
    let (status, _) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);

    // A second rule, deleted in the dashboard before it answers anything.
    dashboard
        .submit(
            &page,
            "/dashboard/faults",
            &[("status", "503"), ("afterSideEffect", "true")],
        )
        .await;
    let rules = admin_values(&app.server, "admin/v1/faults").await;
    let second = rules.iter().find(|r| r["status"] == 503).expect("the 503");
    assert_eq!(second["afterSideEffect"], true);
    let second = second["id"].as_str().unwrap().to_string();
    let page = dashboard.page("/dashboard/faults").await;
    let deleted = dashboard
        .submit(&page, &format!("/dashboard/faults/{second}/delete"), &[])
        .await;
    assert_eq!(deleted.location, "/dashboard/faults");
    assert!(
        admin_values(&app.server, "admin/v1/faults")
            .await
            .iter()
            .all(|r| r["id"] != second.as_str())
    );
    let (status, _) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let gone = dashboard
        .post(
            &format!("/dashboard/faults/{second}/delete"),
            &[("csrf", &crate::dashboard::csrf_of(&page))],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn snapshots_are_saved_restored_and_deleted_and_reset_asks_first() {
    let server = TestServer::start().await;
    let dashboard = Dashboard::signed_in(&server).await;
    let page = dashboard.page("/dashboard/snapshots").await;
    let first = server
        .admin_call(
            Method::POST,
            "admin/v1/applications",
            Some(json!({"name": "Before the snapshot", "type": "msix"})),
        )
        .await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.1);
    let saved = dashboard
        .submit(&page, "/dashboard/snapshots", &[("name", "known-state")])
        .await;
    assert_eq!(saved.location, "/dashboard/snapshots");
    let listed = admin_values(&server, "admin/v1/snapshots").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "known-state");
    let page = dashboard.page("/dashboard/snapshots").await;
    assert!(page.contains(r#"data-name="known-state""#), "{page}");

    // A name the API refuses, and one taken: the API's message.
    let csrf = crate::dashboard::csrf_of(&page);
    let refused = dashboard
        .post(
            "/dashboard/snapshots",
            &[("csrf", &csrf), ("name", ".hidden")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("not valid"), "{}", refused.body);
    let taken = dashboard
        .post(
            "/dashboard/snapshots",
            &[("csrf", &csrf), ("name", "known-state")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    let later = server
        .admin_call(
            Method::POST,
            "admin/v1/applications",
            Some(json!({"name": "After the snapshot", "type": "msix"})),
        )
        .await;
    assert_eq!(later.0, StatusCode::CREATED);
    let restored = dashboard
        .submit(&page, "/dashboard/snapshots/known-state/restore", &[])
        .await;
    assert_eq!(restored.location, "/dashboard/snapshots");
    let apps = admin_values(&server, "admin/v1/applications").await;
    let ids: Vec<&Value> = apps.iter().map(|a| &a["id"]).collect();
    assert!(ids.contains(&&first.1["id"]), "{apps:?}");
    assert!(!ids.contains(&&later.1["id"]), "{apps:?}");
    // The session outlives the restore.
    let page = dashboard.page("/dashboard/snapshots").await;

    // Reset: the link leads to a confirmation form; a post without it resets nothing.
    assert!(page.contains(r#"href="/dashboard/reset""#));
    let unconfirmed = dashboard
        .post(
            "/dashboard/reset",
            &[("csrf", &crate::dashboard::csrf_of(&page))],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(unconfirmed.location, "/dashboard/reset");
    assert!(
        !admin_values(&server, "admin/v1/applications")
            .await
            .is_empty()
    );
    let confirm = dashboard.page("/dashboard/reset").await;
    assert!(
        confirm.contains(r#"name="confirm" value="yes""#),
        "{confirm}"
    );
    let reset = dashboard
        .submit(&confirm, "/dashboard/reset", &[("confirm", "yes")])
        .await;
    assert_eq!(reset.location, "/dashboard/snapshots");
    let apps = admin_values(&server, "admin/v1/applications").await;
    assert!(apps.iter().all(|a| a["id"] != first.1["id"]), "{apps:?}");
    // Snapshots survive a reset; delete removes one.
    let page = dashboard.page("/dashboard/snapshots").await;
    assert!(page.contains(r#"data-name="known-state""#));
    let deleted = dashboard
        .submit(&page, "/dashboard/snapshots/known-state/delete", &[])
        .await;
    assert_eq!(deleted.location, "/dashboard/snapshots");
    assert!(admin_values(&server, "admin/v1/snapshots").await.is_empty());
}

#[tokio::test]
async fn an_msi_product_page_shows_its_state_and_submissions_escaped() {
    let server = TestServer::start().await;
    let name = "<script>alert(5)</script> installer";
    let product = server.reserve_win32(name).await;
    let dashboard = Dashboard::signed_in(&server).await;
    let products = dashboard.page("/dashboard/products").await;
    let link = format!(r#"href="/dashboard/msi/{product}""#);
    assert!(products.contains(&link), "{products}");
    let page = dashboard.page(&format!("/dashboard/msi/{product}")).await;
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(5)"), "{page}");
    assert!(page.contains(&product), "{page}");
    // Reserved with the published submission it was made from.
    assert!(page.contains("Last published submission"), "{page}");
    assert!(page.contains("PUBLISHED"), "{page}");
    let missing = dashboard
        .get("/dashboard/msi/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let mut anonymous = Dashboard::new(&server);
    anonymous.cookie = String::new();
    let closed = anonymous.get(&format!("/dashboard/msi/{product}")).await;
    assert_eq!(closed.location, "/dashboard/signin");
}

#[tokio::test]
async fn an_offer_page_shows_its_type_and_submissions() {
    let server = TestServer::start().await;
    let partner = server.partner_client().await;
    let product = partner.create_offer("offer-in-dashboard").await;
    let dashboard = Dashboard::signed_in(&server).await;
    let products = dashboard.page("/dashboard/products").await;
    let link = format!(r#"href="/dashboard/offers/{product}""#);
    assert!(products.contains(&link), "{products}");
    let page = dashboard
        .page(&format!("/dashboard/offers/{product}"))
        .await;
    assert!(page.contains("AzureApplication"), "{page}");
    assert!(page.contains("<h1>offer-in-dashboard</h1>"), "{page}");
    assert!(page.contains("Submissions"), "{page}");
    let missing = dashboard.get("/dashboard/offers/no-such-offer").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
