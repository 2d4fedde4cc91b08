//! The client rides out throttling and transient failures, made by fault rules on a real
//! server: a 429 with `Retry-After`, a 503 after the side effect of a create
//! (StoreBroker#123), and a failure that does not pass.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Cli;
use crate::common::{TestApp, TestServer};

/// Creates a fault rule through the admin API.
async fn fault(server: &TestServer, rule: Value) {
    let (status, body) = server
        .admin_call(Method::POST, "admin/v1/faults", Some(rule))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn notes(stderr: &str) -> usize {
    stderr.matches("trying again").count()
}

/// Asserts a run's exit status and how many retries it noted.
fn ended(run: &super::Run, code: i32, retries: usize) {
    assert_eq!(run.code, code, "{}", run.stderr);
    assert_eq!(notes(&run.stderr), retries, "{}", run.stderr);
}

/// A server with an app, a profile of it, and a submission made with `submission create`.
async fn with_submission(name: &str) -> (TestApp, Cli, Value) {
    let app = TestApp::named(name).await;
    let cli = Cli::for_app(&app).await;
    let created = cli
        .ok(&["submission", "create", "--app", &app.app_id])
        .await;
    (app, cli, created)
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let (app, cli, created) = with_submission("Contoso Throttled").await;
    let id = created["id"].as_str().unwrap();
    // Reads of a submission refused `times` times, each asking for a second's wait.
    let throttle = |times: u32| {
        fault(
            &app.server,
            json!({"method": "GET", "path": "/v1.0/my/applications/*/submissions/*",
                   "status": 429, "retryAfter": 1, "times": times}),
        )
    };
    throttle(2).await;

    let started = Instant::now();
    let run = cli
        .run(&["submission", "get", "--app", &app.app_id, id])
        .await;
    // Twice refused, each time waiting the second the server asked for.
    ended(&run, 0, 2);
    run.ends(0, "HTTP 429");
    assert!(run.stdout.contains(id), "{}", run.stdout);
    assert!(started.elapsed() >= Duration::from_secs(2));

    // With --json, the same ride is silent on stderr.
    throttle(1).await;
    let run = cli
        .run(&["submission", "get", "--app", &app.app_id, id, "--json"])
        .await;
    assert_eq!(run.ok_json()["id"], id);
    assert_eq!(notes(&run.stderr), 0, "{}", run.stderr);

    // --retries 0: the 429 is the answer (a client error).
    throttle(1).await;
    let run = cli
        .run(&[
            "submission",
            "get",
            "--app",
            &app.app_id,
            id,
            "--retries",
            "0",
        ])
        .await;
    ended(&run, 3, 0);
}

#[tokio::test]
async fn a_503_after_the_create_is_recovered_and_published() {
    let app = TestApp::named("Contoso Recovered").await;
    let cli = Cli::for_app(&app).await;
    let package = cli.package(&app.app_id, &[]).await;
    fault(
        &app.server,
        json!({"method": "POST", "path": "/v1.0/my/applications/*/submissions",
               "status": 503, "afterSideEffect": true, "times": 1}),
    )
    .await;

    let run = cli.publish(&app.app_id, &["--package", &package]).await;
    run.ends(0, "HTTP 503");
    assert!(run.stderr.contains("continuing with it"), "{}", run.stderr);
    assert!(run.stdout.contains("Published"), "{}", run.stdout);

    // Again with --json: the result says the submission was recovered, and it is the one
    // the failed create made (the only one: a second create would have been refused).
    fault(
        &app.server,
        json!({"method": "POST", "path": "/v1.0/my/applications/*/submissions",
               "status": 503, "afterSideEffect": true, "times": 1}),
    )
    .await;
    let package = cli.package(&app.app_id, &["--version", "1.0.2.0"]).await;
    let result = cli
        .publish(&app.app_id, &["--package", &package, "--json"])
        .await
        .ok_json();
    assert_eq!(result["recovered"], true, "{result}");
    assert_eq!(result["status"], "Published", "{result}");
    let application = cli.ok(&["apps", "get", &app.app_id]).await;
    assert_eq!(
        application["lastPublishedApplicationSubmission"]["id"],
        result["id"]
    );
}

#[tokio::test]
async fn a_failure_that_does_not_pass_exits_4_after_the_retries() {
    let app = TestApp::named("Contoso Broken").await;
    let cli = Cli::for_app(&app).await;
    fault(
        &app.server,
        json!({"method": "GET", "path": "/v1.0/my/applications/*", "status": 500}),
    )
    .await;
    let run = cli
        .run(&["apps", "get", &app.app_id, "--retries", "2"])
        .await;
    ended(&run, 4, 2);
    run.ends(4, "error: GET");

    // A create is not retried on a 500: what it left may be a zombie.
    fault(
        &app.server,
        json!({"method": "POST", "path": "/v1.0/my/applications/*/submissions", "status": 500}),
    )
    .await;
    let run = cli
        .run(&["submission", "create", "--app", &app.app_id])
        .await;
    ended(&run, 4, 0);
}

#[tokio::test]
async fn an_upload_rides_out_a_503_of_the_blob_endpoint() {
    let (app, cli, created) = with_submission("Contoso Upload").await;
    let id = created["id"].as_str().unwrap();
    let url = reqwest::Url::parse(created["fileUploadUrl"].as_str().unwrap()).unwrap();
    fault(
        &app.server,
        json!({"method": "PUT", "path": url.path(), "status": 503, "times": 1}),
    )
    .await;
    let zip = cli.work.path().join("upload.zip");
    std::fs::write(&zip, crate::common::zip_bytes(&["app.msix"])).unwrap();

    let run = cli
        .run(&[
            "submission",
            "upload",
            "--app",
            &app.app_id,
            id,
            zip.to_str().unwrap(),
        ])
        .await;
    ended(&run, 0, 1);
    run.ends(0, "HTTP 503");
}
