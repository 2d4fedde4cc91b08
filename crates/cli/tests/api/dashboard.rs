//! The web dashboard over plain HTTP: signing in and out, sessions kept in the store, every
//! route closed without a session, every form refusing a missing or wrong CSRF token,
//! user-supplied text escaped, and Partner Center's actions and edits as the API then sees
//! them. The same things in a real browser: `dashboard_browser`.

use crate::common;

use common::{TestApp, TestServer, json, put_blob};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode, redirect};
use serde_json::json;

/// A browser's view of the dashboard: a client that does not follow redirects, and the
/// session cookie once signed in.
pub struct Dashboard {
    http: reqwest::Client,
    base: String,
    pub cookie: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    Answer {
        status,
        location: headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        set_cookies: headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect(),
        body: response.text().await.unwrap_or_default(),
    }
}

/// `name=value` of the `Set-Cookie` setting `name`.
fn cookie_pair(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}

/// The first CSRF token of a page's forms.
pub fn csrf_of(page: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// Every POST form's action on a page.
fn form_actions(page: &str) -> Vec<String> {
    page.split("<form")
        .skip(1)
        .filter(|form| {
            form.split('>')
                .next()
                .unwrap_or_default()
                .contains(r#"method="post""#)
        })
        .filter_map(|form| {
            let head = form.split('>').next()?;
            let start = head.find(r#"action=""#)? + r#"action=""#.len();
            Some(head[start..].split('"').next()?.to_string())
        })
        .collect()
}

impl Dashboard {
    pub fn new(server: &TestServer) -> Self {
        Self::through(reqwest::Client::builder(), &server.base)
    }

    /// A browser built from `builder` (redirects off) reaching the dashboard at `base`.
    pub fn through(builder: reqwest::ClientBuilder, base: &str) -> Self {
        Self {
            http: builder.redirect(redirect::Policy::none()).build().unwrap(),
            base: base.to_string(),
            cookie: String::new(),
        }
    }

    /// Signed in with the server's admin token.
    pub async fn signed_in(server: &TestServer) -> Self {
        let mut dashboard = Self::new(server);
        let signed = dashboard.sign_in(&server.cred("adminToken")).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        dashboard
    }

    /// Fills in and posts the sign-in form as a browser does.
    pub async fn sign_in(&mut self, token: &str) -> Answer {
        let form = answer(
            self.http
                .get(self.url("/dashboard/signin"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(form.status, StatusCode::OK);
        let pre = cookie_pair(&form.set_cookies, "storeroom_signin").expect("sign-in cookie");
        let signed = answer(
            self.http
                .post(self.url("/dashboard/signin"))
                .header(COOKIE, pre)
                .form(&[("token", token), ("csrf", &csrf_of(&form.body))])
                .send()
                .await
                .unwrap(),
        )
        .await;
        if let Some(session) = cookie_pair(&signed.set_cookies, "storeroom_session") {
            self.cookie = session;
        }
        signed
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(
            self.http
                .get(self.url(path))
                .header(COOKIE, &self.cookie)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A page that must answer 200.
    pub async fn page(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        page.body
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        answer(
            self.http
                .post(self.url(path))
                .header(COOKIE, &self.cookie)
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form of `page` with the page's CSRF token and `fields`; it must succeed
    /// (303 back to a page, or 200 for pages answered directly).
    pub async fn submit(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = csrf_of(page);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let answered = self.post(path, &form).await;
        assert!(
            matches!(answered.status, StatusCode::SEE_OTHER | StatusCode::OK),
            "{path}: {} {}",
            answered.status,
            answered.body
        );
        answered
    }
}

fn submission_page(app_id: &str, submission_id: &str) -> String {
    format!("/dashboard/applications/{app_id}/submissions/{submission_id}")
}

/// A pending submission of `app_id` created through the API, whose package is uploaded:
/// its id and its path under `/v1.0/my/`.
pub async fn uploaded_submission_of(
    server: &TestServer,
    token: &str,
    app_id: &str,
    package: &str,
) -> (String, String) {
    let (id, url, path) = server.submission_adding(token, app_id, package).await;
    let zip = server.package_zip(app_id, &[package]).await;
    assert_eq!(
        put_blob(&server.http, &url, zip).await.status(),
        StatusCode::CREATED
    );
    (id, path)
}

async fn uploaded_submission(app: &TestApp, package: &str) -> (String, String) {
    uploaded_submission_of(&app.server, &app.token, &app.app_id, package).await
}

/// An admin API GET: status and body.
async fn admin_get(server: &TestServer, path: &str) -> (StatusCode, serde_json::Value) {
    json(server.admin(Method::GET, path).send().await.unwrap()).await
}

/// Commits a submission through the API and waits until it is held in Certification.
async fn committed_to_certification(app: &TestApp, package: &str) -> (String, String) {
    let (id, path) = uploaded_submission(app, package).await;
    let (status, _) = app
        .call(Method::POST, &format!("{path}/commit"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.wait_for(&format!("{path}/status"), &["Certification"])
        .await;
    (id, path)
}

/// A server with an app named `name`, a pending submission of it with its package uploaded,
/// and a signed-in dashboard.
struct Prepared {
    app: TestApp,
    id: String,
    path: String,
    dashboard: Dashboard,
}

async fn prepared(name: &str) -> Prepared {
    let app = TestApp::named(name).await;
    let package = format!(
        "{}_2.0.0.0_x64.msix",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "")
    );
    let (id, path) = uploaded_submission(&app, &package).await;
    let dashboard = Dashboard::signed_in(&app.server).await;
    Prepared {
        app,
        id,
        path,
        dashboard,
    }
}

#[tokio::test]
async fn signing_in_takes_the_admin_token_and_a_strict_session_cookie_signing_out_ends_it() {
    let app = TestApp::named("Signin").await;
    let mut dashboard = Dashboard::new(&app.server);
    let wrong = dashboard.sign_in("not-the-token").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("not the admin token"), "{}", wrong.body);
    assert!(cookie_pair(&wrong.set_cookies, "storeroom_session").is_none());

    let signed = dashboard.sign_in(&app.server.cred("adminToken")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location, "/dashboard/products");
    let cookie = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("storeroom_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let products = dashboard.page("/dashboard/products").await;
    assert!(products.contains(&app.app_id), "{products}");

    let out = dashboard
        .post("/dashboard/signout", &[("csrf", &csrf_of(&products))])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location, "/dashboard/signin");
    // The session is gone from the store, not just from this browser.
    let after = dashboard.get("/dashboard/products").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location, "/dashboard/signin");
}

#[tokio::test]
async fn a_session_survives_a_restart_of_the_server() {
    let server = TestServer::start().await;
    let dashboard = Dashboard::signed_in(&server).await;
    let cookie = dashboard.cookie.clone();
    let server = server.restart().await;
    let mut again = Dashboard::new(&server);
    again.cookie = cookie;
    let page = again.page("/dashboard/clock").await;
    assert!(page.contains("Server time"), "{page}");
}

#[tokio::test]
async fn nothing_but_the_sign_in_page_answers_without_a_session() {
    let app = TestApp::named("Closed").await;
    let (id, _) = uploaded_submission(&app, "Closed_1.0.0.0_x64.msix").await;
    let sub = submission_page(&app.app_id, &id);
    let application = format!("/dashboard/applications/{}", app.app_id);
    let mut anonymous = Dashboard::new(&app.server);
    for path in [
        "/dashboard",
        "/dashboard/",
        "/dashboard/products",
        "/dashboard/products?page=2",
        &application,
        &sub,
        "/dashboard/store?storeId=9NBLGGH4R315",
        "/dashboard/accounts",
        "/dashboard/clock",
        "/dashboard/journal",
        "/dashboard/journal?status=404",
        "/dashboard/faults",
        "/dashboard/snapshots",
        "/dashboard/reset",
        "/dashboard/no-such-page",
        // POST-only routes asked with GET.
        "/dashboard/signout",
        "/dashboard/applications",
    ] {
        for cookie in ["", "storeroom_session=forged"] {
            anonymous.cookie = cookie.to_string();
            let answered = anonymous.get(path).await;
            assert_eq!(answered.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(answered.location, "/dashboard/signin", "{path}");
        }
    }
    for path in [
        "/dashboard/products/events".to_string(),
        "/dashboard/journal/events".to_string(),
        format!("{sub}/events"),
    ] {
        let answered = anonymous.get(&path).await;
        assert_eq!(answered.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    for path in [
        "/dashboard/applications".to_string(),
        format!("{application}/pipeline"),
        format!("{application}/rollout"),
        format!("{sub}/approve"),
        format!("{sub}/edit"),
        "/dashboard/accounts".to_string(),
        "/dashboard/clock".to_string(),
        "/dashboard/faults".to_string(),
        "/dashboard/faults/some-rule/delete".to_string(),
        "/dashboard/snapshots".to_string(),
        "/dashboard/snapshots/some-snapshot/restore".to_string(),
        "/dashboard/snapshots/some-snapshot/delete".to_string(),
        "/dashboard/reset".to_string(),
        "/dashboard/signout".to_string(),
        // A page asked with POST.
        "/dashboard/products".to_string(),
    ] {
        let answered = anonymous.post(&path, &[("csrf", "x"), ("name", "x")]).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answered.location, "/dashboard/signin", "{path}");
    }
    for path in [
        "/dashboard/signin",
        "/dashboard/static/dashboard.css",
        "/dashboard/static/dashboard.js",
    ] {
        assert_eq!(anonymous.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token() {
    let Prepared {
        app,
        id,
        path: _,
        dashboard,
    } = prepared("Forms").await;
    let accounts = dashboard.page("/dashboard/accounts").await;
    let client_id = app.server.cred("clientId");
    dashboard
        .submit(
            &accounts,
            &format!("/dashboard/accounts/{client_id}/keys"),
            &[("expiresInDays", "30")],
        )
        .await;
    // A rule that matches nothing, and a snapshot, so that their delete and restore
    // forms show.
    let (status, body) = app
        .server
        .admin_call(
            Method::POST,
            "admin/v1/faults",
            Some(json!({"path": "/nowhere/*", "status": 500})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rule_delete = format!("/dashboard/faults/{}/delete", body["id"].as_str().unwrap());
    let (status, body) = app
        .server
        .admin_call(
            Method::POST,
            "admin/v1/snapshots",
            Some(json!({"name": "kept"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut actions = Vec::new();
    for page in [
        "/dashboard/products".to_string(),
        format!("/dashboard/applications/{}", app.app_id),
        submission_page(&app.app_id, &id),
        "/dashboard/accounts".to_string(),
        "/dashboard/clock".to_string(),
        "/dashboard/faults".to_string(),
        "/dashboard/snapshots".to_string(),
        "/dashboard/reset".to_string(),
    ] {
        actions.extend(form_actions(&dashboard.page(&page).await));
    }
    actions.sort();
    actions.dedup();
    // Every kind of form is among them.
    for expected in [
        "/dashboard/signout",
        "/dashboard/applications",
        "/pipeline",
        "/approve",
        "/reject",
        "/publish",
        "/delete",
        "/edit",
        "/role",
        "/keys",
        "/dashboard/clock",
        "/dashboard/faults",
        rule_delete.as_str(),
        "/dashboard/snapshots",
        "/restore",
        "/dashboard/snapshots/kept/delete",
        "/dashboard/reset",
    ] {
        assert!(
            actions.iter().any(|a| a.ends_with(expected)),
            "no {expected} form in {actions:?}"
        );
    }
    let (_, clock_before) = admin_get(&app.server, "admin/v1/clock").await;
    for action in &actions {
        for csrf in [None, Some("wrong-token")] {
            let mut form = vec![
                ("name", "Forged"),
                ("reason", "forged"),
                ("title", "Forged"),
                ("language", "en-us"),
                ("role", "Developer"),
                ("advanceSeconds", "86400"),
                ("action", "halt"),
                ("policy", "{}"),
                ("status", "503"),
                ("confirm", "yes"),
            ];
            if let Some(csrf) = csrf {
                form.push(("csrf", csrf));
            }
            let answered = dashboard.post(action, &form).await;
            assert_eq!(
                answered.status,
                StatusCode::FORBIDDEN,
                "{action} with {csrf:?}"
            );
            assert!(answered.body.contains("CSRF"), "{}", answered.body);
        }
    }
    // Nothing happened: the session still works, no app was reserved, the clock stood still,
    // the key and the submission are still there and the role unchanged.
    let (_, apps) = admin_get(&app.server, "admin/v1/applications").await;
    assert_eq!(apps["totalCount"], 1, "{apps}");
    let (_, rules) = admin_get(&app.server, "admin/v1/faults").await;
    assert_eq!(rules["totalCount"], 1, "{rules}");
    let (_, snapshots) = admin_get(&app.server, "admin/v1/snapshots").await;
    assert_eq!(snapshots["totalCount"], 1, "{snapshots}");
    let (_, clock_after) = admin_get(&app.server, "admin/v1/clock").await;
    let moved = chrono::DateTime::parse_from_rfc3339(clock_after["now"].as_str().unwrap()).unwrap()
        - chrono::DateTime::parse_from_rfc3339(clock_before["now"].as_str().unwrap()).unwrap();
    assert!(
        moved < chrono::Duration::hours(1),
        "{clock_before} {clock_after}"
    );
    let (_, clients) = admin_get(&app.server, "admin/v1/clients").await;
    let dev = clients["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clientId"] == client_id)
        .unwrap();
    assert_eq!(dev["role"], "Manager");
    assert_eq!(dev["keys"].as_array().unwrap().len(), 1, "{dev}");
    let (status, submission) = app
        .call(
            Method::GET,
            &format!("applications/{}/submissions/{id}", app.app_id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(submission["status"], "PendingCommit");
    assert!(
        dashboard
            .page("/dashboard/products")
            .await
            .contains("Sign out")
    );

    // The sign-in form is no exception: it carries its own token.
    let form = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/dashboard/signin", app.server.base))
        .form(&[("token", app.server.cred("adminToken"))])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn user_supplied_text_is_escaped_everywhere_it_shows() {
    let script = r#"<script>alert("owned")</script>"#;
    let app = TestApp::named(script).await;
    let (id, path) = uploaded_submission(&app, "Escaped_1.0.0.0_x64.msix").await;
    let (status, submission) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut listings = submission["listings"].clone();
    listings["en-us"]["baseListing"]["title"] = json!(script);
    listings["en-us"]["baseListing"]["description"] = json!(format!("{script} & more"));
    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(json!({"listings": listings, "notesForCertification": script})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let dashboard = Dashboard::signed_in(&app.server).await;
    for page in [
        "/dashboard/products".to_string(),
        format!("/dashboard/applications/{}", app.app_id),
        submission_page(&app.app_id, &id),
        format!(
            "/dashboard/store?storeId={}&userId={}&market=US",
            app.app_id, "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        ),
    ] {
        let body = dashboard.page(&page).await;
        assert!(
            !body.contains("<script>alert"),
            "{page} renders a script:\n{body}"
        );
        assert!(
            body.contains("&lt;script&gt;alert"),
            "{page} does not show the text:\n{body}"
        );
    }
}

#[tokio::test]
async fn an_edit_in_the_dashboard_makes_the_api_refuse_the_submission() {
    let Prepared {
        app,
        id,
        path,
        dashboard,
    } = prepared("Edited").await;
    let page = submission_page(&app.app_id, &id);
    let before = dashboard.page(&page).await;
    assert!(before.contains("Edit in Partner Center"), "{before}");
    dashboard
        .submit(
            &before,
            &format!("{page}/edit"),
            &[
                ("language", "en-us"),
                ("title", "Edited in the dashboard"),
                ("releaseNotes", "Fixes"),
            ],
        )
        .await;

    let (status, read) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        read["listings"]["en-us"]["baseListing"]["title"],
        "Edited in the dashboard"
    );
    assert_eq!(
        read["listings"]["en-us"]["baseListing"]["releaseNotes"],
        "Fixes"
    );
    for (method, path, body) in [
        (
            Method::PUT,
            path.clone(),
            Some(json!({"notesForCertification": "from the API"})),
        ),
        (Method::POST, format!("{path}/commit"), None),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, body) = app.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {body}");
        assert_eq!(body["code"], "InvalidOperation", "{body}");
    }
    // The dashboard may still delete it, as Partner Center can.
    let owned = dashboard.page(&page).await;
    assert!(
        owned.contains("the API may read it but not change"),
        "{owned}"
    );
    let deleted = dashboard
        .submit(&owned, &format!("{page}/delete"), &[])
        .await;
    assert_eq!(
        deleted.location,
        format!("/dashboard/applications/{}", app.app_id)
    );
    let (status, _) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn approve_and_reject_in_the_dashboard_decide_a_manual_certification() {
    let app = TestApp::named("Decided").await;
    app.set_pipeline(json!({"mode": "manual"})).await;
    let dashboard = Dashboard::signed_in(&app.server).await;

    let (id, path) = committed_to_certification(&app, "Decided_2.0.0.0_x64.msix").await;
    let page = submission_page(&app.app_id, &id);
    let held = dashboard.page(&page).await;
    let refused = dashboard
        .post(
            &format!("{page}/reject"),
            &[("csrf", &csrf_of(&held)), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    dashboard
        .submit(
            &held,
            &format!("{page}/reject"),
            &[("reason", "The logo is blurry")],
        )
        .await;
    let (_, status) = app.call(Method::GET, &format!("{path}/status"), None).await;
    assert_eq!(status["status"], "CertificationFailed", "{status}");
    assert!(
        status.to_string().contains("The logo is blurry"),
        "{status}"
    );
    let (status, _) = app.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (id, path) = committed_to_certification(&app, "Decided_3.0.0.0_x64.msix").await;
    let page = submission_page(&app.app_id, &id);
    let held = dashboard.page(&page).await;
    dashboard
        .submit(&held, &format!("{page}/approve"), &[])
        .await;
    let published = app.wait_settled(&format!("{path}/status")).await;
    assert_eq!(published["status"], "Published", "{published}");
    let shown = dashboard.page(&page).await;
    assert!(shown.contains(r#"data-status="Published""#), "{shown}");
    assert!(
        shown.contains("/ui/reports/"),
        "the report is linked: {shown}"
    );
    for state in [
        "PendingCommit",
        "CommitStarted",
        "Certification",
        "Release",
        "Published",
    ] {
        assert!(
            shown.contains(&format!("— {state}</li>")),
            "{state} is not in the timeline: {shown}"
        );
    }
}

#[tokio::test]
async fn the_status_region_streams_as_server_sent_events() {
    let Prepared {
        app,
        id,
        path: _,
        dashboard,
    } = prepared("Streamed").await;
    let mut response = reqwest::Client::new()
        .get(format!(
            "{}{}/events",
            app.server.base,
            submission_page(&app.app_id, &id)
        ))
        .header(COOKIE, &dashboard.cookie)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut seen = String::new();
    while !seen.contains("\n\n") {
        let chunk = response.chunk().await.unwrap().expect("an event");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("data:"), "{seen}");
    assert!(seen.contains(r#"data-status="PendingCommit""#), "{seen}");
}

#[tokio::test]
async fn reserving_keys_roles_and_the_clock_use_the_admin_services() {
    let server = TestServer::start().await;
    let dashboard = Dashboard::signed_in(&server).await;
    let products = dashboard.page("/dashboard/products").await;
    let reserved = dashboard
        .submit(
            &products,
            "/dashboard/applications",
            &[("name", "Reserved Here")],
        )
        .await;
    let app_page = dashboard.page(&reserved.location).await;
    assert!(app_page.contains("Reserved Here"), "{app_page}");
    let (_, apps) = admin_get(&server, "admin/v1/applications").await;
    assert_eq!(apps["value"][0]["primaryName"], "Reserved Here", "{apps}");

    let accounts = dashboard.page("/dashboard/accounts").await;
    dashboard
        .submit(
            &accounts,
            "/dashboard/accounts",
            &[("name", "QA bot"), ("role", "Developer")],
        )
        .await;
    let (_, clients) = admin_get(&server, "admin/v1/clients").await;
    let qa = clients["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "QA bot")
        .cloned()
        .expect("the new application");
    assert_eq!(qa["role"], "Developer");
    let qa_id = qa["clientId"].as_str().unwrap();
    dashboard
        .submit(
            &accounts,
            &format!("/dashboard/accounts/{qa_id}/role"),
            &[("role", "Manager")],
        )
        .await;
    let added = dashboard
        .submit(
            &accounts,
            &format!("/dashboard/accounts/{qa_id}/keys"),
            &[("expiresInDays", "7")],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let secret = added
        .body
        .split(r#"id="new-secret">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret shown once")
        .to_string();
    let token = server
        .token_of(
            &json!({"tenantId": server.cred("tenantId"), "clientId": qa_id, "clientSecret": secret}),
            common::DEVCENTER,
        )
        .await;
    assert!(!token.is_empty());
    let listed = dashboard.page("/dashboard/accounts").await;
    assert!(!listed.contains(&secret), "the secret is shown only once");

    let clock = dashboard.page("/dashboard/clock").await;
    let before = server.server_now().await;
    dashboard
        .submit(&clock, "/dashboard/clock", &[("advanceSeconds", "86400")])
        .await;
    assert!(server.server_now().await - before >= chrono::Duration::days(1));
    let refused = dashboard
        .post(
            "/dashboard/clock",
            &[("csrf", &csrf_of(&clock)), ("advanceSeconds", "-5")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
}

#[tokio::test]
async fn products_page_through_the_seller_and_are_found_by_name_or_store_id() {
    let app = TestApp::named("Needle").await;
    for i in 0..27 {
        app.server.reserve_app(&format!("Bulk {i}")).await;
    }
    let dashboard = Dashboard::signed_in(&app.server).await;
    let first = dashboard.page("/dashboard/products").await;
    assert!(first.contains("28 apps · page 1 of 2"), "{first}");
    assert!(
        first.contains("Needle") && !first.contains("Bulk 24<"),
        "{first}"
    );
    let second = dashboard
        .page(&format!(
            "/dashboard/products?seller={}&page=2",
            app.server.cred("sellerId")
        ))
        .await;
    assert!(
        second.contains("Bulk 24<") && !second.contains("Needle"),
        "{second}"
    );

    let found = dashboard.page("/dashboard/products?q=bULK%202").await;
    for name in ["Bulk 2<", "Bulk 20<", "Bulk 26<"] {
        assert!(found.contains(name), "{name} not found: {found}");
    }
    assert!(
        !found.contains("Bulk 3<") && !found.contains("Needle<"),
        "{found}"
    );
    let by_id = dashboard
        .page(&format!(
            "/dashboard/products?q={}",
            app.app_id.to_lowercase()
        ))
        .await;
    assert!(by_id.contains("Needle<"), "{by_id}");
    let none = dashboard.page("/dashboard/products?q=%25").await;
    assert!(none.contains("No apps found."), "{none}");
}

#[tokio::test]
async fn over_https_the_cookies_are_secure() {
    let listen: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), move |config| {
        config.tls_listen = Some(listen)
    })
    .await;
    let tls = server.running.tls_addr.expect("HTTPS listener");
    let ca = std::fs::read(server.dir.path().join("ca.pem")).unwrap();
    let builder = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .resolve("localhost", tls);
    let mut dashboard = Dashboard::through(builder, &format!("https://localhost:{}", tls.port()));
    let signed = dashboard.sign_in(&server.cred("adminToken")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let session = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("storeroom_session="))
        .expect("session cookie");
    assert!(session.contains("; Secure"), "{session}");
    assert!(
        dashboard
            .page("/dashboard/clock")
            .await
            .contains("Server time")
    );
}

#[tokio::test]
async fn rollout_controls_policy_form_and_store_front_act_as_the_apis_do() {
    let Prepared {
        app,
        id,
        path,
        dashboard,
    } = prepared("Rolling").await;
    let rollout = json!({"packageDeliveryOptions": {"packageRollout":
        {"isPackageRollout": true, "packageRolloutPercentage": 10.0}}});
    let (status, body) = app.call(Method::PUT, &path, Some(rollout)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let published = app
        .server
        .commit_and_wait(&app.token, &app.app_id, &id)
        .await;
    assert_eq!(published["status"], "Published", "{published}");

    let app_page = format!("/dashboard/applications/{}", app.app_id);
    let page = dashboard.page(&app_page).await;
    assert!(page.contains("PackageRolloutInProgress"), "{page}");
    let rollout_path = format!("{app_page}/rollout");
    dashboard
        .submit(
            &page,
            &rollout_path,
            &[("action", "percentage"), ("percentage", "50")],
        )
        .await;
    let read = || async {
        let (_, body) = app.call(Method::GET, &path, None).await;
        body["packageDeliveryOptions"]["packageRollout"].clone()
    };
    assert_eq!(read().await["packageRolloutPercentage"], 50.0);
    let lower = dashboard
        .post(
            &rollout_path,
            &[
                ("csrf", &csrf_of(&page)),
                ("action", "percentage"),
                ("percentage", "20"),
            ],
        )
        .await;
    assert_eq!(lower.status, StatusCode::BAD_REQUEST, "{}", lower.body);
    assert!(lower.body.contains("can only increase"), "{}", lower.body);

    // The store front: a user in the rollout's half or out of it gets this submission or
    // the fallback, as GET /store/v1/products says.
    for user in ["alice", "bob", "carol", "dave"] {
        let (_, offer) = json(
            app.server
                .http
                .get(app.server.url(&format!(
                    "store/v1/products/{}?userId={user}&market=US",
                    app.app_id
                )))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let shown = dashboard
            .page(&format!(
                "/dashboard/store?storeId={}&userId={user}&market=us&deviceFamily=Windows.Desktop",
                app.app_id
            ))
            .await;
        let submission = offer["submissionId"].as_str().unwrap();
        assert!(
            shown.contains(&format!(r#"id="offer-submission">{submission}<"#)),
            "{user}: {offer}\n{shown}"
        );
    }
    dashboard
        .submit(&page, &rollout_path, &[("action", "finalize")])
        .await;
    assert_eq!(
        read().await["packageRolloutStatus"],
        "PackageRolloutComplete"
    );

    let policy_path = format!("{app_page}/pipeline");
    dashboard
        .submit(
            &page,
            &policy_path,
            &[("action", "set"), ("policy", r#"{"mode": "manual"}"#)],
        )
        .await;
    let (_, policy) = admin_get(
        &app.server,
        &format!("admin/v1/applications/{}/pipeline", app.app_id),
    )
    .await;
    assert_eq!(
        (policy["mode"].as_str(), policy["source"].as_str()),
        (Some("manual"), Some("application")),
        "{policy}"
    );
    let invalid = dashboard
        .post(
            &policy_path,
            &[
                ("csrf", &csrf_of(&page)),
                ("action", "set"),
                ("policy", r#"{"mode": "sometimes"}"#),
            ],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.body);
    assert!(
        invalid.body.contains("mode"),
        "the field is named: {}",
        invalid.body
    );
    dashboard
        .submit(&page, &policy_path, &[("action", "default")])
        .await;
    let (_, policy) = admin_get(
        &app.server,
        &format!("admin/v1/applications/{}/pipeline", app.app_id),
    )
    .await;
    assert_eq!(policy["source"], "server", "{policy}");
}
