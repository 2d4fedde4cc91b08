//! Content rules at commit: each failing rule puts an error naming the listing and field in
//! `statusDetails.errors` (CommitFailed); fixing the listing and committing again publishes.

use crate::common;

use common::{TestApp, TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn commit_with_listing(
    server: &TestServer,
    token: &str,
    app_id: &str,
    id: &str,
    listing: Value,
) -> Value {
    let path = format!("applications/{app_id}/submissions/{id}");
    let (status, body) = json(
        server
            .dc(Method::PUT, &path, token)
            .json(&json!({"listings": {"en-us": listing}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.commit_and_wait(token, app_id, id).await
}

#[tokio::test]
async fn listing_rules_fail_the_commit_and_name_the_field() {
    let (server, token, app_id) = TestApp::named("Rule Follower").await.into_parts();
    let app_id = app_id.as_str();
    let (_, created) = json(
        server
            .dc(
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                &token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let good = created["listings"]["en-us"].clone();

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"description": ""}),
            "listings.en-us.baseListing.description is required",
        ),
        (
            json!({"title": "Not My Name"}),
            "listings.en-us.baseListing.title 'Not My Name' is not a name reserved",
        ),
        (
            json!({"features": vec!["a feature"; 21]}),
            "listings.en-us.baseListing.features has 21 items; the limit is 20",
        ),
        (
            json!({"keywords": vec!["k"; 8]}),
            "listings.en-us.baseListing.keywords has 8 items; the limit is 7",
        ),
        (
            json!({"keywords": ["x".repeat(31)]}),
            "listings.en-us.baseListing.keywords[0] has 31 characters; the limit is 30",
        ),
        (
            json!({"recommendedHardware": vec!["h"; 6], "minimumHardware": vec!["h"; 6]}),
            "listings.en-us.baseListing.recommendedHardware and minimumHardware list 12 items",
        ),
        (
            json!({"description": "d".repeat(10_001)}),
            "listings.en-us.baseListing.description has 10001 characters; the limit is 10000",
        ),
        (
            json!({"features": ["f".repeat(201)]}),
            "listings.en-us.baseListing.features[0] has 201 characters; the limit is 200",
        ),
    ];
    for (change, expected) in cases {
        let mut listing = good.clone();
        for (key, value) in change.as_object().unwrap() {
            listing["baseListing"][key] = value.clone();
        }
        let status = commit_with_listing(&server, &token, app_id, id, listing).await;
        assert_eq!(status["status"], "CommitFailed", "{change}: {status}");
        let errors = status["statusDetails"]["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["code"] == "InvalidParameterValue"
                && e["details"].as_str().unwrap().starts_with(expected)),
            "{expected} not in {errors:#?}"
        );
    }

    // At the limits, the same listing passes.
    let mut listing = good.clone();
    listing["baseListing"]["features"] = json!(vec!["a feature"; 20]);
    listing["baseListing"]["keywords"] = json!(vec!["reader"; 7]);
    listing["baseListing"]["description"] = json!("d".repeat(10_000));
    let status = commit_with_listing(&server, &token, app_id, id, listing).await;
    assert_eq!(status["status"], "Published", "{status}");
}
