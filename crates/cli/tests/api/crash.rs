//! A server killed (SIGKILL) while a commit is in flight resumes the pipeline on restart.

use crate::common;

use std::process::Child;

use common::{eventually, json, put_blob};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The real binary on an ephemeral port; returns the child and its base URL. `database` is
/// the test's PostgreSQL database when tests run on PostgreSQL (None: SQLite under `data`).
pub(crate) fn spawn(
    data: &std::path::Path,
    database: Option<&str>,
    pipeline: &str,
) -> (Child, String) {
    // On a shared database a restart does not release the dead process's leases: they run
    // out, quickly here.
    let args = ["--pipeline", pipeline, "--job-lease", "2s"];
    let (child, url, _log) = crate::ops::spawn_binary(data, database, &args, false);
    (child, url)
}

/// Reserves an app named `name` through the admin API of the binary at `base`, takes a
/// devcenter token and creates a submission of the app: its id, the token and the created
/// submission.
pub(crate) async fn reserve_and_create(
    http: &Client,
    base: &str,
    credentials: &Value,
    name: &str,
) -> (String, String, Value) {
    let (status, app) = json(
        http.post(format!("{base}/admin/v1/applications"))
            .bearer_auth(credentials["adminToken"].as_str().unwrap())
            .json(&json!({"name": name, "type": "msix"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let app_id = app["id"].as_str().unwrap().to_string();
    let bearer = token(http, base, credentials).await;
    let submissions = format!("{base}/v1.0/my/applications/{app_id}/submissions");
    let (status, created) = post(http, &submissions, &bearer).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (app_id, bearer, created)
}

/// A bodyless devcenter POST (a create, a commit) as `bearer`, as clients send it.
async fn post(http: &Client, url: &str, bearer: &str) -> (StatusCode, Value) {
    json(
        http.post(url)
            .bearer_auth(bearer)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A submission ZIP with one real package of the app (from the admin API's view of it).
async fn package_zip(http: &Client, base: &str, admin: &str, app_id: &str, name: &str) -> Vec<u8> {
    let list: Value = http
        .get(format!("{base}/admin/v1/applications"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == app_id)
        .unwrap()
        .clone();
    let package = storeroom_testkit::fixtures::PackageFixture::new(
        app["packageIdentityName"].as_str().unwrap(),
    )
    .publisher(app["publisherName"].as_str().unwrap())
    .version("2.0.0.0");
    storeroom_testkit::fixtures::SubmissionFixture::new()
        .file(name, package.to_bytes())
        .to_bytes()
}

/// Polls a submission's status until `done` says so; returns that status.
async fn poll_status(
    http: &Client,
    sub_url: &str,
    bearer: &str,
    done: impl Fn(&str) -> bool,
) -> Value {
    let done = &done;
    eventually("the submission reaches the awaited status", || async move {
        let last: Value = http
            .get(format!("{sub_url}/status"))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if done(last["status"].as_str().unwrap_or_default()) {
            Ok(last)
        } else {
            Err(last)
        }
    })
    .await
}

async fn token(http: &Client, base: &str, credentials: &Value) -> String {
    token_for(http, base, credentials, common::DEVCENTER).await
}

/// A v1 token of the development client for `resource`.
pub(crate) async fn token_for(
    http: &Client,
    base: &str,
    credentials: &Value,
    resource: &str,
) -> String {
    let body: Value = http
        .post(format!(
            "{base}/{}/oauth2/token",
            credentials["tenantId"].as_str().unwrap()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", credentials["clientId"].as_str().unwrap()),
            (
                "client_secret",
                credentials["clientSecret"].as_str().unwrap(),
            ),
            ("resource", resource),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn sigkill_during_commit_resumes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = common::test_database().await;
    let database = database.as_ref().map(|db| db.url.as_str());
    let http = Client::new();
    let (mut child, base) = spawn(dir.path(), database, "delay=300ms");
    let credentials: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("credentials.json")).unwrap())
            .unwrap();
    let admin = credentials["adminToken"].as_str().unwrap();
    let (app_id, bearer, created) = reserve_and_create(&http, &base, &credentials, "Crashy").await;
    let id = created["id"].as_str().unwrap().to_string();
    let sub_url = format!("{base}/v1.0/my/applications/{app_id}/submissions/{id}");
    let mut packages = created["applicationPackages"].clone();
    packages.as_array_mut().unwrap().push(
        json!({"fileName": "Crashy_2.0.0.0_x64.msix", "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None", "minimumSystemRam": "None"}),
    );
    let (status, _) = json(
        http.put(&sub_url)
            .bearer_auth(&bearer)
            .json(&json!({"applicationPackages": packages}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let upload = put_blob(
        &http,
        created["fileUploadUrl"].as_str().unwrap(),
        package_zip(&http, &base, admin, &app_id, "Crashy_2.0.0.0_x64.msix").await,
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let (status, _) = post(&http, &format!("{sub_url}/commit"), &bearer).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    // Wait until the pipeline is past the upload check, then kill without warning.
    let in_flight_states = ["PreProcessing", "Certification", "Release"];
    let status = poll_status(&http, &sub_url, &bearer, |s| in_flight_states.contains(&s)).await;
    let in_flight = status["status"].as_str().unwrap().to_string();
    assert!(in_flight_states.contains(&in_flight.as_str()), "{status}");
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base) = spawn(dir.path(), database, "immediate");
    let bearer = token(&http, &base, &credentials).await;
    let sub_url = format!("{base}/v1.0/my/applications/{app_id}/submissions/{id}");
    let last = poll_status(&http, &sub_url, &bearer, |s| s == "Published").await;
    assert_eq!(
        last["status"], "Published",
        "resumed from {in_flight}: {last}"
    );
    let app: Value = http
        .get(format!("{base}/v1.0/my/applications/{app_id}"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app["lastPublishedApplicationSubmission"]["id"], id.as_str());
    assert!(app.get("pendingApplicationSubmission").is_none());
    child.kill().unwrap();
    child.wait().unwrap();
}
