//! The dashboard in a real Chromium: `tests/browser/dashboard.mjs` (playwright-core driving
//! Debian's `chromium`, both installed by `scripts/setup-test-env.sh`; nothing is downloaded
//! at run time) against a server started here, with the submissions of each scenario
//! prepared through the API. Skipped when the browser, node or playwright-core is missing,
//! unless `STOREROOM_REQUIRE_BROWSER=1` (CI), which makes that a failure.
//!
//! With `STOREROOM_UPDATE_SCREENSHOTS=1` the screenshots replace the README's in
//! `docs/screenshots/`; otherwise they go to the test's temporary directory.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

use common::{TestApp, repo_root};
use serde_json::json;

use crate::dashboard::uploaded_submission_of;

/// The Chromium binary: `$CHROMIUM`, else Debian's.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// The browser, node and the script, or why the test cannot run.
fn browser_setup() -> Result<(PathBuf, PathBuf), String> {
    let chromium = chromium().ok_or("chromium is not installed")?;
    let dir = repo_root().join("tests/browser");
    if !dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Err("tests/browser/node_modules has no playwright-core".into());
    }
    let node_runs = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_runs {
        return Err("node is not installed".into());
    }
    Ok((chromium, dir.join("dashboard.mjs")))
}

#[tokio::test]
async fn the_dashboard_in_chromium() {
    let (chromium, script) = match browser_setup() {
        Ok(found) => found,
        Err(missing) => {
            if std::env::var("STOREROOM_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("{missing} (run scripts/setup-test-env.sh)");
            }
            println!("SKIPPED: {missing} (run scripts/setup-test-env.sh)");
            return;
        }
    };
    let (server, token, watched) = TestApp::named("Watched").await.into_parts();
    let mut scenario = serde_json::Map::new();
    for (step, name, policy) in [
        ("watch", None, None),
        ("approve", Some("Approved"), Some(json!({"mode": "manual"}))),
        ("reject", Some("Rejected"), Some(json!({"mode": "manual"}))),
        ("edit", Some("Edited"), None),
    ] {
        let app_id = match name {
            None => watched.clone(),
            Some(name) => server.reserve_app(name).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        if let Some(policy) = policy {
            server.set_app_pipeline(&app_id, policy).await;
        }
        let package = format!("{step}_2.0.0.0_x64.msix");
        let (id, path) = uploaded_submission_of(&server, &token, &app_id, &package).await;
        scenario.insert(
            step.into(),
            json!({"app": app_id, "submission": id, "path": path}),
        );
    }
    let shots = if std::env::var("STOREROOM_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        repo_root().join("docs/screenshots")
    } else {
        server.dir.path().join("screenshots")
    };
    std::fs::create_dir_all(&shots).unwrap();
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("STOREROOM_URL", &server.base)
        .env("STOREROOM_ADMIN_TOKEN", server.cred("adminToken"))
        .env("STOREROOM_DC_TOKEN", &token)
        .env("STOREROOM_TENANT_ID", server.cred("tenantId"))
        .env("STOREROOM_CLIENT_ID", server.cred("clientId"))
        .env(
            "STOREROOM_SCENARIO",
            serde_json::Value::Object(scenario).to_string(),
        )
        .env("CHROMIUM", &chromium)
        .env("STOREROOM_SCREENSHOTS", &shots);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser scenarios failed:\n{stdout}\n{stderr}"
    );
    for shot in [
        "dashboard-products.png",
        "dashboard-submission.png",
        "dashboard-phone.png",
        "dashboard-journal.png",
    ] {
        assert!(shots.join(shot).exists(), "no screenshot {shot}:\n{stdout}");
    }
    println!("{stdout}");
}
