//! Exit statuses: what the service refused, what could not be reached, what is missing
//! locally, and bad usage, each its own, with the reason on stderr (and stdout with --json).

use super::Cli;
use crate::common::TestApp;

#[tokio::test]
async fn each_kind_of_failure_has_its_exit_status() {
    let app = TestApp::named("Contoso Errors").await;
    let cli = Cli::for_app(&app).await;

    // A 4xx: 3, with the error body's code, message and target.
    let run = cli.run(&["apps", "get", "NOSUCHAPP", "--json"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let error = &run.json()["error"];
    assert_eq!(error["kind"], "client");
    assert_eq!(error["code"], "ResourceNotFound");
    assert_eq!(error["target"], "applicationId");

    // A refused client secret is a 4xx of the token endpoint.
    let run = cli
        .run_with(&["apps", "list"], &[("STOREROOM_CLIENT_SECRET", "wrong")])
        .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("oauth2/token: HTTP 401"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("wrong"),
        "the secret is never echoed: {}",
        run.stderr
    );

    // Nothing listening: 4, after the retries (a connection never made is tried again).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = cli
        .run(&["apps", "list", "--storeroom", &url, "--retries", "1"])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("no answer"), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("trying again").count(),
        1,
        "{}",
        run.stderr
    );

    // No secret anywhere: 1, before anything is sent.
    let run = cli.run(&["apps", "list", "--profile", "nosuch"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no profile named 'nosuch'"),
        "{}",
        run.stderr
    );
    let bare = Cli::bare(&app);
    let run = bare
        .run(&[
            "apps",
            "list",
            "--storeroom",
            &bare.base,
            "--tenant",
            "t",
            "--client-id",
            "c",
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("STOREROOM_CLIENT_SECRET"),
        "{}",
        run.stderr
    );

    // Usage: clap's 2.
    let run = cli.run(&["submission", "get", "--no-such-flag"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = cli.run(&["publish"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test]
async fn help_teaches_with_examples_and_lists_exit_statuses() {
    let app = TestApp::named("Contoso Help").await;
    let cli = Cli::bare(&app);
    let help = cli.run(&["publish", "--help"]).await;
    assert_eq!(help.code, 0);
    assert!(
        help.stdout
            .contains("storeroom publish --app 9NBLGGH4R315 --package"),
        "{}",
        help.stdout
    );
    assert!(
        help.stdout.contains("5  the submission failed"),
        "{}",
        help.stdout
    );
    let help = cli.run(&["package", "make", "--help"]).await;
    assert!(
        help.stdout
            .contains("storeroom package make --app 9NBLGGH4R315"),
        "{}",
        help.stdout
    );
    let help = cli.run(&["--help"]).await;
    assert!(
        help.stdout
            .contains("storeroom profile add local --storeroom"),
        "{}",
        help.stdout
    );
}
