//! The other command groups against a real server: flights (publishing to one), gradual
//! rollout, add-ons and their submissions, and MSI/EXE products.

use reqwest::Method;
use serde_json::json;

use super::Cli;
use crate::common::{TestApp, json as read};

#[tokio::test]
async fn a_flight_is_created_and_published_to() {
    let app = TestApp::named("Contoso Flights").await;
    let cli = Cli::for_app(&app).await;
    let (_, group) = read(
        app.server
            .admin(Method::POST, "admin/v1/flightgroups")
            .json(&json!({"name": "Insiders", "members": ["alice"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let group_id = group["id"].as_str().unwrap().to_string();
    assert_eq!(
        cli.ok(&["flights", "list", "--app", &app.app_id]).await,
        json!([])
    );
    let flight = cli
        .ok(&[
            "flights",
            "create",
            "--app",
            &app.app_id,
            "--name",
            "Insiders",
            "--group",
            &group_id,
        ])
        .await;
    let flight_id = flight["flightId"].as_str().unwrap().to_string();
    let listed = cli.ok(&["flights", "list", "--app", &app.app_id]).await;
    assert_eq!(listed[0]["flightId"], flight_id.as_str());

    let package = cli.package(&app.app_id, &["--version", "1.1.0.0"]).await;
    // A new flight comes with a pending submission: --reuse continues it.
    let run = cli
        .publish(
            &app.app_id,
            &[
                "--flight",
                &flight_id,
                "--reuse",
                "--package",
                &package,
                "--json",
            ],
        )
        .await;
    assert_eq!(run.ok_json()["status"], "Published");
    let got = cli
        .ok(&["flights", "get", "--app", &app.app_id, &flight_id])
        .await;
    assert_eq!(got["lastPublishedFlightSubmission"]["id"], run.json()["id"]);
    let submission = cli
        .ok(&[
            "submission",
            "get",
            "--app",
            &app.app_id,
            "--flight",
            &flight_id,
            run.json()["id"].as_str().unwrap(),
        ])
        .await;
    assert!(
        submission["flightPackages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["version"] == "1.1.0.0"),
        "{submission}"
    );
    cli.ok(&["flights", "delete", "--app", &app.app_id, &flight_id])
        .await;
    let gone = cli
        .run(&["flights", "get", "--app", &app.app_id, &flight_id])
        .await;
    assert_eq!(gone.code, 3);
}

#[tokio::test]
async fn a_rollout_is_set_halted_and_finalized() {
    let app = TestApp::named("Contoso Rollout").await;
    let cli = Cli::for_app(&app).await;
    let package = cli.package(&app.app_id, &[]).await;
    let rollout = cli.work.path().join("rollout.json");
    std::fs::write(
        &rollout,
        json!({"packageDeliveryOptions": {"packageRollout": {
            "isPackageRollout": true, "packageRolloutPercentage": 25.0}}})
        .to_string(),
    )
    .unwrap();
    let run = cli
        .publish(
            &app.app_id,
            &[
                "--package",
                &package,
                "--from",
                rollout.to_str().unwrap(),
                "--json",
            ],
        )
        .await;
    let id = run.ok_json()["id"].as_str().unwrap().to_string();
    let rollout = |action: &'static str| ["rollout", action, "--app", &app.app_id, &id];
    let got = cli.ok(&rollout("get")).await;
    assert_eq!(got["packageRolloutPercentage"], 25.0);
    assert_eq!(got["packageRolloutStatus"], "PackageRolloutInProgress");
    let mut set = rollout("set").to_vec();
    set.extend_from_slice(&["--percentage", "50.5"]);
    assert_eq!(cli.ok(&set).await["packageRolloutPercentage"], 50.5);
    let human = cli.run(&rollout("get")).await;
    assert_eq!(human.stdout.trim(), "PackageRolloutInProgress at 50.5%");
    let finalized = cli.ok(&rollout("finalize")).await;
    assert_eq!(finalized["packageRolloutStatus"], "PackageRolloutComplete");
    // Nothing left to halt: the service's 409 is a client error.
    let halted = cli.run(&rollout("halt")).await;
    assert_eq!(halted.code, 3, "{}", halted.stderr);
}

#[tokio::test]
async fn add_ons_and_their_submissions() {
    let app = TestApp::named("Contoso Addons").await;
    let cli = Cli::for_app(&app).await;
    // None yet: the API's 404 for an empty list is an empty list.
    let none = cli.ok(&["addons", "list", "--app", &app.app_id]).await;
    assert_eq!(none, json!([]));
    let created = cli
        .ok(&[
            "addons",
            "create",
            "--app",
            &app.app_id,
            "--product-id",
            "gold-coins",
            "--type",
            "Consumable",
        ])
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["productType"], "Consumable");
    let listed = cli.ok(&["addons", "list", "--app", &app.app_id]).await;
    assert_eq!(listed[0]["inAppProductId"], id.as_str());
    assert_eq!(
        cli.ok(&["addons", "get", &id]).await["productId"],
        "gold-coins"
    );

    // Published in one command: a listing with its icon, the icon in the ZIP.
    let listing = cli.work.path().join("gold.json");
    std::fs::write(
        &listing,
        json!({"title": "Gold pack", "description": "1000 gold coins",
               "icon": {"fileName": "icon.png", "fileStatus": "PendingUpload"}})
        .to_string(),
    )
    .unwrap();
    // A new add-on submission's contentType is NotSet, which the service refuses back.
    let fields = cli.work.path().join("gold-fields.json");
    std::fs::write(&fields, r#"{"contentType": "OnlineDataStorage"}"#).unwrap();
    let icon = cli.work.path().join("gold-icon.png");
    std::fs::write(&icon, storeroom_testkit::fixtures::png(300, 300)).unwrap();
    let mut args = vec![
        "publish",
        "--addon",
        &id,
        "--wait",
        "--poll-interval",
        "100ms",
    ];
    let listing_arg = format!("en={}", listing.display());
    let icon_arg = format!("{}=icon.png", icon.display());
    args.extend_from_slice(&["--listing", &listing_arg, "--file", &icon_arg]);
    args.extend_from_slice(&["--from", fields.to_str().unwrap()]);
    let published = cli.ok(&args).await;
    assert_eq!(published["status"], "Published", "{published}");
    let got = cli.ok(&["addons", "get", &id]).await;
    assert_eq!(
        got["lastPublishedInAppProductSubmission"]["id"],
        published["id"]
    );

    let submission = cli.ok(&["submission", "create", "--addon", &id]).await;
    let sub_id = submission["id"].as_str().unwrap().to_string();
    let got = cli
        .ok(&["submission", "get", "--addon", &id, &sub_id])
        .await;
    assert_eq!(got["status"], "PendingCommit");
    cli.ok(&["submission", "delete", "--addon", &id, &sub_id])
        .await;
    // A published add-on stays: the service's 409 is a client error naming why.
    let refused = cli.run(&["addons", "delete", &id]).await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("A published add-on cannot be deleted"),
        "{}",
        refused.stderr
    );
    let unpublished = cli
        .ok(&[
            "addons",
            "create",
            "--app",
            &app.app_id,
            "--product-id",
            "silver-coins",
        ])
        .await;
    let unpublished = unpublished["id"].as_str().unwrap();
    cli.ok(&["addons", "delete", unpublished]).await;
    assert_eq!(cli.run(&["addons", "get", unpublished]).await.code, 3);
}

#[tokio::test]
async fn an_msi_product_is_submitted_and_published() {
    let app = TestApp::named("Contoso Msi").await;
    let cli = Cli::for_app(&app).await;
    let product = cli.reserve_product("Contoso Installer").await;
    let id = product["productId"].as_str().unwrap().to_string();
    let metadata = cli.ok(&["product", "metadata", &id]).await;
    assert_eq!(metadata["isSuccess"], true, "{metadata}");
    assert!(
        metadata["responseData"]["listings"].is_array(),
        "{metadata}"
    );
    let status = cli.ok(&["product", "status", &id]).await;
    assert_eq!(status["responseData"]["isReady"], true, "{status}");
    let submitted = cli
        .ok(&[
            "product",
            "submit",
            &id,
            "--wait",
            "--poll-interval",
            "100ms",
        ])
        .await;
    assert_eq!(
        submitted["responseData"]["publishingStatus"], "PUBLISHED",
        "{submitted}"
    );
    // A module name the API does not have is its 4xx.
    let bad = cli
        .run(&["product", "metadata", &id, "--module", "prices"])
        .await;
    assert_eq!(bad.code, 3, "{}", bad.stderr);
}
