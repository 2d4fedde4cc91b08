//! `storeroom admin …` over the admin API: reserve, list, pipeline policies, the clock.

use super::Cli;
use crate::common::TestApp;

#[tokio::test]
async fn admin_commands_reserve_and_drive_the_server() {
    let app = TestApp::named("Contoso Admin").await;
    let cli = Cli::for_app(&app).await;
    let reserved = cli
        .ok(&["admin", "reserve", "--name", "Contoso Second"])
        .await;
    let id = reserved["id"].as_str().unwrap().to_string();
    assert_eq!(reserved["primaryName"], "Contoso Second");
    cli.reserve_product("Contoso Installer").await;

    let apps = cli.ok(&["admin", "apps"]).await;
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    // The devcenter API sees it too.
    let got = cli.ok(&["apps", "get", &id]).await;
    assert_eq!(got["packageIdentityName"], reserved["packageIdentityName"]);

    let policy = cli.ok(&["admin", "policy", "get", "--app", &id]).await;
    assert_eq!(policy["source"], "server");
    cli.ok(&[
        "admin",
        "policy",
        "set",
        "--app",
        &id,
        "--mode",
        "delay",
        "--delay-seconds",
        "30",
    ])
    .await;
    let policy = cli.ok(&["admin", "policy", "get", "--app", &id]).await;
    assert_eq!(policy["source"], "application");
    assert_eq!(policy["mode"], "delay");
    cli.ok(&["admin", "policy", "clear", "--app", &id]).await;
    let policy = cli.ok(&["admin", "policy", "get", "--app", &id]).await;
    assert_eq!(policy["source"], "server");
    let refused = cli
        .run(&[
            "admin",
            "policy",
            "set",
            "--app",
            &id,
            "--mode",
            "sometimes",
            "--json",
        ])
        .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);

    let before = cli.ok(&["admin", "clock", "get"]).await;
    let after = cli.ok(&["admin", "clock", "advance", "7200"]).await;
    let parse = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap()
    };
    assert!((parse(&after) - parse(&before)).num_seconds() >= 7200);
    let human = cli.run(&["admin", "clock", "get"]).await;
    assert_eq!(human.code, 0);
    assert!(human.stdout.trim().ends_with('Z'), "{}", human.stdout);

    // Without an admin token (a profile of the client alone), nothing is sent.
    let bare = Cli::bare(&app);
    let run = bare
        .run(&["admin", "clock", "get", "--storeroom", &bare.base])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("STOREROOM_ADMIN_TOKEN"),
        "{}",
        run.stderr
    );
    // `admin seed` is still there.
    assert_eq!(cli.run(&["admin", "seed", "--help"]).await.code, 0);
}
