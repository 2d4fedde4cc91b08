//! `storeroom admin faults|journal|reset|snapshot` against a real server: rules that bite,
//! the journal as a table, as JSON lines and followed live, a confirmed reset, and a
//! snapshot restored.

use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStdout;

use super::Cli;
use crate::common::{TestApp, json};

/// The JSON lines of a run's stdout.
fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect()
}

#[tokio::test]
async fn fault_rules_are_added_listed_bite_and_are_removed() {
    let app = TestApp::named("Contoso Faults").await;
    let cli = Cli::for_app(&app).await;
    let client = app.server.cred("clientId");

    // Every flag lands in its field.
    let rule = cli
        .ok(&[
            "admin",
            "faults",
            "add",
            "--method",
            "get",
            "--path",
            "/v1.0/my/applications/*",
            "--status",
            "503",
            "--body",
            "Down for lunch",
            "--retry-after",
            "2",
            "--times",
            "1",
            "--client-id",
            &client,
        ])
        .await;
    assert_eq!(rule["method"], "GET");
    assert_eq!(rule["path"], "/v1.0/my/applications/*");
    assert_eq!(rule["status"], 503);
    assert_eq!(rule["body"], "Down for lunch");
    assert_eq!(rule["retryAfter"], 2);
    assert_eq!(rule["remaining"], 1);
    assert_eq!(rule["clientId"], client.as_str());
    let other = cli
        .ok(&[
            "admin",
            "faults",
            "add",
            "--path",
            "/v1.0/my/inappproducts/**",
            "--status",
            "500",
            "--body",
            r#"{"custom": true}"#,
            "--delay-ms",
            "10",
            "--probability",
            "0.5",
            "--after-side-effect",
        ])
        .await;
    assert_eq!(other["body"]["custom"], true);
    assert_eq!(
        (&other["delayMs"], &other["probability"]),
        (&10.into(), &0.5.into())
    );
    assert_eq!(other["afterSideEffect"], true);
    assert!(other.get("clientId").is_none(), "{other}");
    let zombie = cli
        .ok(&[
            "admin",
            "faults",
            "add",
            "--path",
            "/v1.0/my/inappproducts/*/submissions",
            "--zombie",
            "--times",
            "1",
        ])
        .await;
    assert_eq!(zombie["zombie"], true);

    let listed = cli.ok(&["admin", "faults", "list"]).await;
    assert_eq!(listed["totalCount"], 3, "{listed}");
    let human = cli.run(&["admin", "faults", "list"]).await;
    assert_eq!(human.code, 0, "{}", human.stderr);
    let id = rule["id"].as_str().unwrap();
    assert!(
        human.stdout.contains(&format!(
            "{id}  GET /v1.0/my/applications/* client {client} → 503 retry-after 2 (1 left)"
        )),
        "{}",
        human.stdout
    );

    // The rule bites this client's next GET of the app, with its message.
    let failed = cli
        .run(&["apps", "get", &app.app_id, "--retries", "0"])
        .await;
    failed.ends(4, "Down for lunch");
    // Spent.
    cli.ok(&["apps", "get", &app.app_id]).await;

    for rule in [&other, &zombie] {
        let id = rule["id"].as_str().unwrap();
        let run = cli.run(&["admin", "faults", "remove", id]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(id), "{}", run.stdout);
    }
    let gone = cli.run(&["admin", "faults", "remove", id, "--json"]).await;
    assert_eq!(gone.code, 3, "{}", gone.stderr);
    let human = cli.run(&["admin", "faults", "list"]).await;
    assert_eq!(human.stdout.trim(), "no fault rules", "{}", human.stdout);

    // The server's checks come back naming the field.
    let refused = cli
        .run(&["admin", "faults", "add", "--status", "200"])
        .await;
    refused.ends(3, "status");
}

#[tokio::test]
async fn the_journal_is_a_table_json_lines_and_filtered() {
    let app = TestApp::named("Contoso Journal").await;
    let cli = Cli::for_app(&app).await;
    let client = app.server.cred("clientId");
    cli.ok(&["apps", "get", &app.app_id]).await;
    let missing = cli.run(&["apps", "get", "9NOSUCHAPP00"]).await;
    assert_eq!(missing.code, 3, "{}", missing.stderr);

    let table = cli
        .run(&["admin", "journal", "--path", "/v1.0/my/applications"])
        .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(
        rows[0].starts_with("TIME") && rows[0].ends_with("CORRELATION ID"),
        "{}",
        table.stdout
    );
    // Oldest first: the app, then the missing one, each with its status and client.
    let found = rows
        .iter()
        .position(|row| row.contains(&format!("/v1.0/my/applications/{}", app.app_id)))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    let row = rows[found];
    assert!(row.contains(" 200 ") && row.contains(" GET "), "{row}");
    assert!(row.contains(&client) && row.contains("ms "), "{row}");
    assert!(rows[found + 1].contains("9NOSUCHAPP00") && rows[found + 1].contains(" 404 "));

    let entries = lines(
        &cli.run(&["admin", "journal", "--status", "404", "--json"])
            .await
            .stdout,
    );
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|entry| entry["status"] == 404));
    assert!(
        entries
            .iter()
            .any(|entry| entry["path"] == "/v1.0/my/applications/9NOSUCHAPP00")
    );
    assert!(
        entries
            .iter()
            .all(|entry| entry["correlationId"].is_string())
    );

    let limited = lines(
        &cli.run(&["admin", "journal", "--limit", "1", "--json"])
            .await
            .stdout,
    );
    assert_eq!(limited.len(), 1);
    let others = lines(
        &cli.run(&["admin", "journal", "--client-id", "someone-else", "--json"])
            .await
            .stdout,
    );
    assert!(others.is_empty(), "{others:?}");
    let mine = lines(
        &cli.run(&["admin", "journal", "--client-id", &client, "--json"])
            .await
            .stdout,
    );
    assert!(
        mine.iter()
            .all(|entry| entry["clientId"] == client.as_str())
    );
    assert!(!mine.is_empty());
    let bad = cli
        .run(&["admin", "journal", "--limit", "0", "--json"])
        .await;
    assert_eq!(bad.code, 3, "{}", bad.stdout);
}

/// The follower's next line (within a generous deadline).
async fn next_line(stdout: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
        .await
        .expect("a line within 30 s")
        .unwrap()
        .expect("the follower is still running")
}

#[tokio::test]
async fn journal_follow_prints_a_request_made_after_it_started() {
    let app = TestApp::named("Contoso Follow").await;
    let cli = Cli::for_app(&app).await;
    let mut child = cli
        .command(&[
            "admin",
            "journal",
            "--follow",
            "--path",
            "/v1.0/my/applications",
            "--poll-interval",
            "100ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    // The header comes once the first page was read: the follower has started.
    let header = next_line(&mut stdout).await;
    assert!(header.starts_with("TIME"), "{header}");

    let path = format!(
        "applications/{}/submissions/1152921504000000001",
        app.app_id
    );
    let (status, _) = json(app.dc(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(status.as_u16(), 404);
    loop {
        let line = next_line(&mut stdout).await;
        if line.contains("/submissions/1152921504000000001") {
            assert!(line.contains(" 404 "), "{line}");
            break;
        }
    }
    // Ctrl-C ends it, successfully.
    let pid = child.id().unwrap() as libc::pid_t;
    // SAFETY: a signal to the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the follower stops on SIGINT")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn reset_asks_first_and_snapshots_restore_a_catalogue() {
    let app = TestApp::named("Contoso Reset").await;
    let cli = Cli::for_app(&app).await;

    let saved = cli.ok(&["admin", "snapshot", "save", "base"]).await;
    assert_eq!(saved["name"], "base");
    let extra = cli
        .ok(&["admin", "reserve", "--name", "Contoso Later"])
        .await;
    let extra = extra["id"].as_str().unwrap();
    let listed = cli.run(&["admin", "snapshot", "list"]).await;
    assert!(listed.stdout.starts_with("base  "), "{}", listed.stdout);
    let restored = cli.run(&["admin", "snapshot", "restore", "base"]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_eq!(restored.stdout.trim(), "restored snapshot base");
    // The app reserved after the snapshot is gone, the one before it is back.
    assert_eq!(cli.run(&["apps", "get", extra]).await.code, 3);
    cli.ok(&["apps", "get", &app.app_id]).await;
    let missing = cli.run(&["admin", "snapshot", "restore", "nosuch"]).await;
    assert_eq!(missing.code, 3, "{}", missing.stderr);

    // Not confirmed: nothing happens.
    for input in ["", "no\n"] {
        let run = cli.run_input(&["admin", "reset"], input).await;
        run.ends(1, "Type yes");
        cli.ok(&["apps", "get", &app.app_id]).await;
    }
    let run = cli.run_input(&["admin", "reset"], "yes\n").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(cli.run(&["apps", "get", &app.app_id]).await.code, 3);
    // The accounts stay: the same profile still signs in. The snapshot brings the app back.
    cli.ok(&["admin", "snapshot", "restore", "base"]).await;
    cli.ok(&["apps", "get", &app.app_id]).await;
    cli.ok(&["admin", "reset", "--yes"]).await;
    assert_eq!(cli.run(&["apps", "get", &app.app_id]).await.code, 3);

    let deleted = cli.ok(&["admin", "snapshot", "delete", "base"]).await;
    assert_eq!(deleted["deleted"], "base");
    let listed = cli.run(&["admin", "snapshot", "list"]).await;
    assert_eq!(listed.stdout.trim(), "no snapshots");
}
