//! `storeroom admin seed` (bench/run's scale test): the real binary seeds a data directory
//! (or the test's PostgreSQL schema), then a server on it lists the apps in order and
//! serves and clones their submissions like any others.

use crate::common;

use common::{TestServer, json};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn seeded_apps_and_submissions_are_served_like_any_others() {
    let dir = tempfile::tempdir().unwrap();
    let database = common::test_database().await;
    let mut seed = std::process::Command::new(env!("CARGO_BIN_EXE_storeroom"));
    seed.args([
        "admin",
        "seed",
        "--apps",
        "30",
        "--submissions",
        "95",
        "--batch",
        "7",
    ])
    .arg("--data")
    .arg(dir.path())
    .env("STOREROOM_LOG", "warn");
    if let Some(database) = &database {
        seed.args(["--database", &database.url]);
    }
    let output = seed.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("seeded 30 apps and 95 submissions"),
        "{stdout}"
    );

    let url = database.as_ref().map(|database| database.url.clone());
    let server = TestServer::start_with(dir, |config| {
        if url.is_some() {
            config.database = url;
        }
    })
    .await;
    let token = server.token().await;
    let (status, page) = json(
        server
            .dc(Method::GET, "applications?top=10&skip=0", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["totalCount"], 30, "{page}");
    assert_eq!(page["value"][0]["primaryName"], "Seed App 0000000");
    assert_eq!(page["value"][9]["primaryName"], "Seed App 0000009");

    // App 0 has a pending submission (every tenth app does), app 1 only published ones.
    let app0 = &page["value"][0];
    let pending = app0["pendingApplicationSubmission"]["id"].as_str().unwrap();
    let path = format!(
        "applications/{}/submissions/{pending}",
        app0["id"].as_str().unwrap()
    );
    let (status, submission) =
        json(server.dc(Method::GET, &path, &token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{submission}");
    assert_eq!(submission["status"], "PendingCommit");
    // The first five apps take the 95 - 90 extra submissions: 4 each.
    assert_eq!(submission["friendlyName"], "Submission 4");

    let app1 = page["value"][1]["id"].as_str().unwrap();
    assert!(page["value"][1]["pendingApplicationSubmission"].is_null());
    let published = page["value"][1]["lastPublishedApplicationSubmission"]["id"]
        .as_str()
        .unwrap();
    let (status, submission) = json(
        server
            .dc(
                Method::GET,
                &format!("applications/{app1}/submissions/{published}"),
                &token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{submission}");
    assert_eq!(submission["status"], "Published");
    assert_eq!(
        submission["applicationPackages"][0]["version"], "1.0.4.0",
        "{submission}"
    );
    let (status, created) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app1}/submissions"),
                &token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["friendlyName"], "Submission 5");
    drop(server);
    drop(database);
}
