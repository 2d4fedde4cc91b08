//! `package make` and `publish`: the whole job in one command, to Published or to a clear
//! failure.

use std::io::Read;

use reqwest::Method;

use super::Cli;
use crate::common::{TestApp, json};

#[tokio::test]
async fn a_made_package_is_published_with_wait_and_json() {
    let app = TestApp::named("Contoso Reader").await;
    let cli = Cli::for_app(&app).await;
    let package = cli.package(&app.app_id, &[]).await;

    // The package carries the identity the app was reserved with, one version up.
    let (identity, publisher) = app.server.identity(&app.app_id).await;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&package).unwrap()).unwrap();
    let mut manifest = String::new();
    zip.by_name("AppxManifest.xml")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    assert!(
        manifest.contains(&format!(
            "<Identity Name=\"{identity}\" Publisher=\"{publisher}\" Version=\"1.0.1.0\" ProcessorArchitecture=\"x64\" />"
        )),
        "{manifest}"
    );
    assert!(zip.by_name("AppxBlockMap.xml").is_ok());
    assert!(zip.by_name("[Content_Types].xml").is_ok());

    let run = cli
        .publish(&app.app_id, &["--package", &package, "--json"])
        .await;
    let result = run.ok_json();
    assert_eq!(result["status"], "Published", "{result}");
    assert_eq!(result["committed"], true);
    assert!(result["uploadedBytes"].as_u64().unwrap() > 1000);
    // Not a terminal and not forced: no bar, and nothing but JSON on stdout.
    assert!(!run.stderr.contains("MiB/s"), "{}", run.stderr);

    let id = result["id"].as_str().unwrap();
    let (_, application) = json(
        app.dc(Method::GET, &format!("applications/{}", app.app_id))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(application["lastPublishedApplicationSubmission"]["id"], id);
    let (_, submission) = json(
        app.dc(
            Method::GET,
            &format!("applications/{}/submissions/{id}", app.app_id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let name = std::path::Path::new(&package)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let added = submission["applicationPackages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fileName"] == name)
        .unwrap_or_else(|| panic!("{name} in {submission}"));
    assert_eq!(added["version"], "1.0.1.0");
    assert_eq!(added["architecture"], "x64");
}

#[tokio::test]
async fn a_large_upload_shows_bytes_rate_and_time_left() {
    let app = TestApp::named("Contoso Big").await;
    let cli = Cli::for_app(&app).await;
    // Above the 4 MiB block size: uploaded as Put Block + Put Block List.
    let package = cli.package(&app.app_id, &["--pad", "10000000"]).await;
    let run = cli
        .publish(
            &app.app_id,
            &["--package", &package, "--json", "--progress"],
        )
        .await;
    // Every block arrived in order: the pipeline read the package to its manifest.
    assert_eq!(run.ok_json()["status"], "Published");
    assert!(run.json()["uploadedBytes"].as_u64().unwrap() > 10_000_000);
    let last_bar = run
        .stderr
        .lines()
        .rfind(|line| line.starts_with("upload ["))
        .unwrap_or_else(|| panic!("no upload bar in {}", run.stderr));
    assert!(last_bar.contains("9.55 MiB/9.55 MiB"), "{last_bar}");
    assert!(
        last_bar.contains("MiB/s") || last_bar.contains("KiB/s"),
        "{last_bar}"
    );
    assert!(last_bar.ends_with("left"), "{last_bar}");
    // The live status named the states the submission went through.
    assert!(run.stderr.contains("Published"), "{}", run.stderr);
}

#[tokio::test]
async fn a_failed_certification_exits_5_with_the_reason_and_report() {
    let app = TestApp::named("Contoso Crash").await;
    let cli = Cli::for_app(&app).await;
    let policy = cli
        .ok(&[
            "admin",
            "policy",
            "set",
            "--app",
            &app.app_id,
            "--fail",
            "CertificationFailed",
            "--reason",
            "Crashes on launch",
        ])
        .await;
    assert_eq!(policy["outcome"]["status"], "CertificationFailed");
    let package = cli.package(&app.app_id, &[]).await;

    let run = cli.publish(&app.app_id, &["--package", &package]).await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("ended in CertificationFailed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: Other: Crashes on launch"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("certification report ("),
        "{}",
        run.stderr
    );

    // For scripts, the same failure as JSON on stdout.
    let run = cli
        .publish(&app.app_id, &["--replace", "--package", &package, "--json"])
        .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let failure = run.json();
    assert_eq!(failure["exitCode"], 5);
    assert_eq!(failure["error"]["kind"], "submission");
    assert_eq!(failure["error"]["status"], "CertificationFailed");
    assert_eq!(
        failure["error"]["statusDetails"]["errors"][0]["details"],
        "Crashes on launch"
    );
    assert!(
        failure["error"]["statusDetails"]["certificationReports"][0]["reportUrl"]
            .as_str()
            .is_some_and(|url| url.starts_with("http"))
    );
}

#[tokio::test]
async fn manual_certification_is_decided_with_admin_commands() {
    let app = TestApp::named("Contoso Manual").await;
    let cli = Cli::for_app(&app).await;
    cli.ok(&[
        "admin",
        "policy",
        "set",
        "--app",
        &app.app_id,
        "--mode",
        "manual",
    ])
    .await;
    let package = cli.package(&app.app_id, &[]).await;
    let first = cli
        .ok(&["publish", "--app", &app.app_id, "--package", &package])
        .await;
    let first_id = first["id"].as_str().unwrap().to_string();
    until_in_certification(&app, &cli, &first_id).await;
    // Waiting on a submission parked for a decision gives up at --timeout: 6.
    let parked = cli
        .run(&[
            "submission",
            "status",
            "--app",
            &app.app_id,
            &first_id,
            "--wait",
            "--timeout",
            "500ms",
            "--poll-interval",
            "100ms",
        ])
        .await;
    assert_eq!(parked.code, 6, "{}", parked.stderr);
    assert!(
        parked.stderr.contains("still Certification"),
        "{}",
        parked.stderr
    );
    let rejected = cli
        .ok(&[
            "admin",
            "reject",
            &first_id,
            "--reason",
            "Missing privacy policy",
        ])
        .await;
    assert_eq!(rejected["status"], "CertificationFailed");
    let run = cli
        .run(&["submission", "status", "--app", &app.app_id, &first_id])
        .await;
    assert_eq!(run.code, 5);
    assert!(
        run.stderr.contains("Missing privacy policy"),
        "{}",
        run.stderr
    );

    // --replace deletes the failed submission and starts again; approval publishes it.
    let second = cli
        .ok(&[
            "publish",
            "--app",
            &app.app_id,
            "--replace",
            "--package",
            &package,
        ])
        .await;
    let second_id = second["id"].as_str().unwrap().to_string();
    assert_ne!(second_id, first_id);
    until_in_certification(&app, &cli, &second_id).await;
    cli.ok(&["admin", "approve", &second_id]).await;
    let status = cli
        .ok(&[
            "submission",
            "status",
            "--app",
            &app.app_id,
            &second_id,
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .await;
    assert_eq!(status["status"], "Published");
}

/// Waits until `storeroom submission status` says the submission waits in Certification.
async fn until_in_certification(app: &TestApp, cli: &Cli, id: &str) {
    let status = &["submission", "status", "--app", &app.app_id, id];
    app.server
        .until("certification waits", || async {
            let run = cli.run(status).await;
            if run.stdout.starts_with("Certification") {
                Ok(())
            } else {
                Err(run.stdout)
            }
        })
        .await;
}
