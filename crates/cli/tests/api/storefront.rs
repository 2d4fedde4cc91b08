//! The store front: which submission a customer gets under a gradual rollout, a halt, a
//! finalize, a flight, and in markets where the app is not offered.

use crate::common;

use common::{TestApp, TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn publish(
    server: &TestServer,
    token: &str,
    app_id: &str,
    package: &str,
    extra: Value,
) -> String {
    let (id, url, path) = server.submission_adding(token, app_id, package).await;
    if !extra.is_null() {
        let (status, body) = json(
            server
                .dc(Method::PUT, &path, token)
                .json(&extra)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    put_blob(
        &server.http,
        &url,
        server.package_zip(app_id, &[package]).await,
    )
    .await;
    let status = server.commit_and_wait(token, app_id, &id).await;
    assert_eq!(status["status"], "Published", "{status}");
    id
}

async fn offer(
    server: &TestServer,
    store_id: &str,
    user: &str,
    market: &str,
) -> (StatusCode, Value) {
    let url = server.url(&format!(
        "store/v1/products/{store_id}?userId={user}&market={market}"
    ));
    json(server.http.get(url).send().await.unwrap()).await
}

#[tokio::test]
async fn rollout_splits_customers_stably_and_halt_and_finalize_apply_to_all() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Rolled Out").await;
    let app_id = app["id"].as_str().unwrap();
    let first = app["lastPublishedApplicationSubmission"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rollout = json!({"packageDeliveryOptions": {"packageRollout": {"isPackageRollout": true, "packageRolloutPercentage": 30}}});
    let new = publish(&server, &token, app_id, "Rolled_2.0.0.0_x64.msix", rollout).await;

    let users: Vec<String> = (0..2000).map(|n| format!("user-{n:04}")).collect();
    let mut on_new = 0;
    let mut answers = Vec::new();
    for user in &users {
        let (status, body) = offer(&server, app_id, user, "US").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let got = body["submissionId"].as_str().unwrap().to_string();
        if got == new {
            on_new += 1;
            assert_eq!(body["version"], "2.0.0.0");
        } else {
            assert_eq!(got, first, "everyone else gets the fallback");
        }
        answers.push(got);
    }
    let share = on_new as f64 / users.len() as f64;
    assert!(
        (0.27..=0.33).contains(&share),
        "share on the new submission: {share}"
    );
    for (user, answer) in users.iter().zip(&answers).step_by(97) {
        assert_eq!(
            &offer(&server, app_id, user, "US").await.1["submissionId"]
                .as_str()
                .unwrap()
                .to_string(),
            answer,
            "stable for {user}"
        );
    }

    let path = format!("applications/{app_id}/submissions/{new}/haltpackagerollout");
    assert_eq!(
        server
            .dc(Method::POST, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    for user in users.iter().step_by(50) {
        assert_eq!(
            offer(&server, app_id, user, "US").await.1["submissionId"],
            first.as_str(),
            "halted: everyone on the fallback"
        );
    }

    // A new rollout, finalized: everyone on it.
    let newer = publish(
        &server,
        &token,
        app_id,
        "Rolled_3.0.0.0_x64.msix",
        json!({"packageDeliveryOptions": {"packageRollout": {"isPackageRollout": true, "packageRolloutPercentage": 5}}}),
    )
    .await;
    let path = format!("applications/{app_id}/submissions/{newer}/finalizepackagerollout");
    assert_eq!(
        server
            .dc(Method::POST, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    for user in users.iter().step_by(50) {
        assert_eq!(
            offer(&server, app_id, user, "US").await.1["submissionId"],
            newer.as_str(),
            "finalized: everyone on it"
        );
    }
}

#[tokio::test]
async fn flight_members_get_the_flight_and_others_the_app() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let app = server.reserve_app("Flown").await;
    let app_id = app["id"].as_str().unwrap();
    let (_, group) = json(
        server
            .admin(Method::POST, "admin/v1/flightgroups")
            .json(&json!({"name": "Insiders", "members": ["alice"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (status, flight) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app_id}/flights"),
                &token,
            )
            .json(&json!({"friendlyName": "Insiders ring", "groupIds": [group["id"]]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{flight}");
    let flight_id = flight["flightId"].as_str().unwrap();
    let submission_id = flight["pendingFlightSubmission"]["id"].as_str().unwrap();
    let base = format!("applications/{app_id}/flights/{flight_id}/submissions/{submission_id}");
    let (_, current) = json(server.dc(Method::GET, &base, &token).send().await.unwrap()).await;
    let mut packages = current["flightPackages"].clone();
    packages.as_array_mut().unwrap().push(
        json!({"fileName": "Flown_5.0.0.0_x64.msix", "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None", "minimumSystemRam": "None"}),
    );
    server
        .dc(Method::PUT, &base, &token)
        .json(&json!({"flightPackages": packages}))
        .send()
        .await
        .unwrap();
    put_blob(
        &server.http,
        current["fileUploadUrl"].as_str().unwrap(),
        server
            .package_zip(app_id, &["Flown_5.0.0.0_x64.msix"])
            .await,
    )
    .await;
    server
        .dc(Method::POST, &format!("{base}/commit"), &token)
        .send()
        .await
        .unwrap();
    server.wait_settled(&format!("{base}/status"), &token).await;

    let (status, alice) = offer(&server, app_id, "alice", "US").await;
    assert_eq!(status, StatusCode::OK, "{alice}");
    assert_eq!(alice["flightId"], flight_id);
    assert_eq!(alice["submissionId"], submission_id);
    assert_eq!(alice["version"], "5.0.0.0");
    let (_, bob) = offer(&server, app_id, "bob", "US").await;
    assert!(bob.get("flightId").is_none(), "{bob}");
    assert_eq!(
        bob["submissionId"],
        app["lastPublishedApplicationSubmission"]["id"]
    );
    assert_eq!(bob["version"], "1.0.0.0");
    assert_eq!(bob["listing"]["title"], "Flown");
    assert_eq!(bob["listing"]["language"], "en-us");
}

#[tokio::test]
async fn markets_without_the_app_answer_404_and_bad_queries_400() {
    let (server, token, app_id) = TestApp::named("Regional").await.into_parts();
    let app_id = app_id.as_str();
    publish(
        &server,
        &token,
        app_id,
        "Regional_2.0.0.0_x64.msix",
        json!({"pricing": {"priceId": "Free", "marketSpecificPricings": {"RU": "NotAvailable"}}}),
    )
    .await;
    assert_eq!(offer(&server, app_id, "u1", "US").await.0, StatusCode::OK);
    let (status, body) = offer(&server, app_id, "u1", "ru").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "ResourceNotFound");
    assert!(body["message"].as_str().unwrap().contains("RU"), "{body}");

    publish(
        &server,
        &token,
        app_id,
        "Regional_3.0.0.0_x64.msix",
        json!({"visibility": "Hidden"}),
    )
    .await;
    assert_eq!(
        offer(&server, app_id, "u1", "US").await.0,
        StatusCode::NOT_FOUND,
        "hidden apps are offered nowhere"
    );

    let (status, body) = json(
        server
            .http
            .get(server.url(&format!("store/v1/products/{app_id}?market=US")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("userId"))
    );
    let (status, body) = offer(&server, app_id, "u1", "USA").await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("market"))
    );
    assert_eq!(
        offer(&server, "9ZZZZZZZZZZZ", "u1", "US").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn add_ons_are_offered_by_their_store_id() {
    let (server, token, app_id) = TestApp::named("With Extras").await.into_parts();
    let app_id = app_id.as_str();
    let (status, add_on) = json(
        server
            .dc(Method::POST, "inappproducts", &token)
            .json(&json!({"applicationIds": [app_id], "productId": "gold-pack", "productType": "Durable"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{add_on}");
    let add_on_id = add_on["id"].as_str().unwrap();
    let (status, created) = json(
        server
            .dc(
                Method::POST,
                &format!("inappproducts/{add_on_id}/submissions"),
                &token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let path = format!("inappproducts/{add_on_id}/submissions/{id}");
    let listing = json!({"en-us": {"title": "Gold pack", "description": "Shiny",
        "icon": {"fileName": "icon.png", "fileStatus": "PendingUpload"}}});
    let body = json!({"listings": listing, "contentType": "OnlineDataStorage",
        "pricing": {"priceId": "Free", "marketSpecificPricings": {"DE": "NotAvailable"}}});
    let (status, updated) = json(
        server
            .dc(Method::PUT, &path, &token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let zip = storeroom_testkit::fixtures::SubmissionFixture::new()
        .file("icon.png", storeroom_testkit::fixtures::png(300, 300))
        .to_bytes();
    put_blob(
        &server.http,
        updated["fileUploadUrl"].as_str().unwrap(),
        zip,
    )
    .await;
    server
        .dc(Method::POST, &format!("{path}/commit"), &token)
        .send()
        .await
        .unwrap();
    server.wait_settled(&format!("{path}/status"), &token).await;
    let (status, body) = offer(&server, add_on_id, "u1", "US").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["submissionId"], id);
    assert_eq!(body["listing"]["title"], "Gold pack");
    assert_eq!(
        offer(&server, add_on_id, "u1", "DE").await.0,
        StatusCode::NOT_FOUND
    );
}
