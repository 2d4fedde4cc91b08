//! Gradual package rollout of app submissions: the four endpoints and their 409 rules.

use crate::common;

use common::{TestApp, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// This module's requests, on the kit's app.
trait Rollouts {
    fn path(&self, id: &str, action: &str) -> String;

    /// Publishes a submission adding `package`, with a rollout to `percentage` when given.
    async fn publish(&self, package: &str, percentage: Option<f64>, extra: Value) -> String;

    async fn send(&self, method: Method, path: &str) -> (StatusCode, Value);
}

impl Rollouts for TestApp {
    fn path(&self, id: &str, action: &str) -> String {
        format!("applications/{}/submissions/{id}/{action}", self.app_id)
    }

    /// Publishes a submission adding `package`, with a rollout to `percentage` when given.
    async fn publish(&self, package: &str, percentage: Option<f64>, extra: Value) -> String {
        let (id, url, path) = self
            .server
            .submission_adding(&self.token, &self.app_id, package)
            .await;
        let mut body = json!({"packageDeliveryOptions": {
            "packageRollout": {"isPackageRollout": percentage.is_some(), "packageRolloutPercentage": percentage.unwrap_or(0.0)},
            "isMandatoryUpdate": extra["isMandatoryUpdate"].as_bool().unwrap_or(false),
            "mandatoryUpdateEffectiveDate": extra["mandatoryUpdateEffectiveDate"].as_str().unwrap_or("1601-01-01T00:00:00Z"),
        }});
        body["packageDeliveryOptions"]["packageRollout"]["packageRolloutStatus"] =
            json!("PackageRolloutComplete");
        let (status, updated) = json(
            self.server
                .dc(Method::PUT, &path, &self.token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(
            updated["packageDeliveryOptions"]["packageRollout"]["packageRolloutStatus"],
            "PackageRolloutNotStarted",
            "the status is the server's"
        );
        put_blob(
            &self.server.http,
            &url,
            self.server.package_zip(&self.app_id, &[package]).await,
        )
        .await;
        let status = self
            .server
            .commit_and_wait(&self.token, &self.app_id, &id)
            .await;
        assert_eq!(status["status"], "Published", "{status}");
        id
    }

    async fn send(&self, method: Method, path: &str) -> (StatusCode, Value) {
        json(
            self.server
                .dc(method, path, &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn rollout_lifecycle_with_every_conflict() {
    let r = TestApp::builder().app("Rolling").start().await;
    let (_, app) = r
        .send(Method::GET, &format!("applications/{}", r.app_id))
        .await;
    let first = app["lastPublishedApplicationSubmission"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, rollout) = r.send(Method::GET, &r.path(&first, "packagerollout")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rollout,
        json!({"isPackageRollout": false, "packageRolloutPercentage": 0.0,
               "packageRolloutStatus": "PackageRolloutNotStarted", "fallbackSubmissionId": "0"})
    );
    let (status, body) = r
        .send(Method::POST, &r.path(&first, "haltpackagerollout"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "no rollout to halt: {body}");

    let rolling = r
        .publish("Rolling_2.0.0.0_x64.msix", Some(25.0), json!({}))
        .await;
    let (_, rollout) = r
        .send(Method::GET, &r.path(&rolling, "packagerollout"))
        .await;
    assert_eq!(
        rollout,
        json!({"isPackageRollout": true, "packageRolloutPercentage": 25.0,
               "packageRolloutStatus": "PackageRolloutInProgress", "fallbackSubmissionId": first})
    );
    let (status, body) = r
        .send(
            Method::POST,
            &format!("applications/{}/submissions", r.app_id),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no new submission while a rollout is in progress: {body}"
    );

    let update = |p: &str| r.path(&rolling, &format!("updatepackagerolloutpercentage{p}"));
    let (status, rollout) = r.send(Method::POST, &update("?percentage=50.5")).await;
    assert_eq!(status, StatusCode::OK, "{rollout}");
    assert_eq!(rollout["packageRolloutPercentage"], 50.5);
    assert_eq!(rollout["packageRolloutStatus"], "PackageRolloutInProgress");
    for (query, target) in [
        ("", "percentage"),
        ("?percentage=lots", "percentage"),
        ("?percentage=150", "percentage"),
        ("?percentage=10", "percentage"),
    ] {
        let (status, body) = r.send(Method::POST, &update(query)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["target"], target);
    }
    // Path literals are case-insensitive here too.
    let (status, _) = r
        .send(
            Method::POST,
            &r.path(&rolling, "UpdatePackageRolloutPercentage?Percentage=60"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, halted) = r
        .send(Method::POST, &r.path(&rolling, "haltpackagerollout"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        halted,
        json!({"isPackageRollout": true, "packageRolloutPercentage": 0.0,
               "packageRolloutStatus": "PackageRolloutStopped", "fallbackSubmissionId": first})
    );
    for action in [
        "haltpackagerollout",
        "finalizepackagerollout",
        "updatepackagerolloutpercentage?percentage=70",
    ] {
        let (status, body) = r.send(Method::POST, &r.path(&rolling, action)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action} after halt: {body}");
        assert_eq!(body["code"], "InvalidState");
    }

    // After a halt the next submission is a clone of the halted one.
    let (status, next) = r
        .send(
            Method::POST,
            &format!("applications/{}/submissions", r.app_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{next}");
    let (_, halted_submission) = r
        .send(
            Method::GET,
            &format!("applications/{}/submissions/{rolling}", r.app_id),
        )
        .await;
    assert_eq!(
        next["applicationPackages"],
        halted_submission["applicationPackages"]
    );
    assert_eq!(
        next["packageDeliveryOptions"]["packageRollout"]["packageRolloutStatus"],
        "PackageRolloutNotStarted"
    );
    let next_id = next["id"].as_str().unwrap();
    let (status, _) = r
        .send(Method::POST, &r.path(next_id, "finalizepackagerollout"))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a pending submission has no rollout to finalize"
    );
    let (status, rollout) = r
        .send(Method::GET, &r.path(next_id, "packagerollout"))
        .await;
    assert_eq!(
        (status, rollout["packageRolloutStatus"].clone()),
        (StatusCode::OK, json!("PackageRolloutNotStarted"))
    );
    let deleted = r
        .server
        .dc(
            Method::DELETE,
            &format!("applications/{}/submissions/{next_id}", r.app_id),
            &r.token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // A rollout can also be finalized.
    let again = r
        .publish("Rolling_3.0.0.0_x64.msix", Some(10.0), json!({}))
        .await;
    let (status, done) = r
        .send(Method::POST, &r.path(&again, "finalizepackagerollout"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["packageRolloutStatus"], "PackageRolloutComplete");
    assert_eq!(done["packageRolloutPercentage"], 100.0);
    assert_eq!(done["fallbackSubmissionId"], rolling.as_str());
    let (status, _) = r
        .send(
            Method::POST,
            &format!("applications/{}/submissions", r.app_id),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "finalized rollouts no longer block new submissions"
    );

    // Another app's submission id: 409, not 404.
    let other = r.server.reserve_app("Other").await;
    let (status, _) = r
        .send(
            Method::GET,
            &format!(
                "applications/{}/submissions/{again}/packagerollout",
                other["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn mandatory_update_settings_are_kept() {
    let r = TestApp::builder().app("Rolling").start().await;
    let id = r
        .publish(
            "Mandatory_2.0.0.0_x64.msix",
            None,
            json!({"isMandatoryUpdate": true, "mandatoryUpdateEffectiveDate": "2027-02-01T08:00:00Z"}),
        )
        .await;
    let (_, submission) = r
        .send(
            Method::GET,
            &format!("applications/{}/submissions/{id}", r.app_id),
        )
        .await;
    let options = &submission["packageDeliveryOptions"];
    assert_eq!(options["isMandatoryUpdate"], true);
    assert_eq!(
        options["mandatoryUpdateEffectiveDate"],
        "2027-02-01T08:00:00.0000000Z"
    );
}
