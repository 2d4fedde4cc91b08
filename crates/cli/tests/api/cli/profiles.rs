//! Profiles in the config directory, secrets kept out of them, and shell completions.

use super::Cli;
use crate::common::TestApp;

#[tokio::test]
async fn profiles_are_kept_in_the_config_dir_without_secrets() {
    let app = TestApp::named("Contoso Profiles").await;
    let cli = Cli::for_app(&app).await;
    let secret = app.server.cred("clientSecret");
    let file = std::fs::read_to_string(cli.config.path().join("profiles.json")).unwrap();
    assert!(!file.contains(&secret), "{file}");
    assert!(file.contains(&app.server.cred("clientId")), "{file}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cli.config.path().join("profiles.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let shown = cli.ok(&["profile", "show"]).await;
    assert_eq!(shown["name"], "test");
    assert_eq!(shown["default"], true);
    assert_eq!(shown["apiUrl"], format!("{}/v1.0/my", app.server.base));
    assert!(!shown.to_string().contains(&secret));

    // A second profile of the same server, by hand, with the secret from the environment.
    cli.ok(&[
        "profile",
        "add",
        "byhand",
        "--storeroom",
        &app.server.base,
        "--tenant",
        &app.server.cred("tenantId"),
        "--client-id",
        &app.server.cred("clientId"),
    ])
    .await;
    let listed = cli.ok(&["profile", "list"]).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["byhand", "test"]);
    let without = cli.run(&["apps", "list", "--profile", "byhand"]).await;
    assert_eq!(without.code, 1, "{}", without.stderr);
    let apps = cli
        .run_with(
            &["apps", "list", "--profile", "byhand", "--json"],
            &[("STOREROOM_CLIENT_SECRET", &secret)],
        )
        .await
        .ok_json();
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == app.app_id.as_str())
    );
    // The default profile needs no flag.
    let apps = cli.run(&["apps", "list"]).await;
    assert_eq!(apps.code, 0, "{}", apps.stderr);
    assert!(apps.stdout.contains(&app.app_id), "{}", apps.stdout);

    cli.ok(&["profile", "use", "byhand"]).await;
    assert_eq!(cli.ok(&["profile", "show"]).await["name"], "byhand");
    cli.ok(&["profile", "remove", "byhand"]).await;
    let listed = cli.ok(&["profile", "list"]).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let gone = cli.run(&["profile", "show", "byhand"]).await;
    assert_eq!(gone.code, 1);
}

#[tokio::test]
async fn completions_are_generated_for_each_shell() {
    let app = TestApp::named("Contoso Completions").await;
    let cli = Cli::bare(&app);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = cli.run(&["completions", shell]).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["publish", "submission", "rollout", "poll-interval"] {
            assert!(run.stdout.contains(word), "{shell} completions name {word}");
        }
    }
    assert_eq!(cli.run(&["completions", "tcsh"]).await.code, 2);
}
