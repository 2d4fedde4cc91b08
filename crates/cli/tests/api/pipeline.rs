//! The pipeline policy: manual approval, status-read pacing, forced outcomes, delays.

use std::cell::{Cell, RefCell};

use crate::common;

use common::{TestApp, eventually, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn app() -> TestApp {
    TestApp::builder().app("Policy").start().await
}

/// This module's requests, on the kit's app.
trait PolicyApp {
    async fn set_policy(&self, policy: Value) -> (StatusCode, Value);

    /// A committed submission that adds one uploaded package.
    async fn committed(&self, package: &str) -> String;

    async fn status(&self, submission_id: &str) -> Value;

    /// Reads the status until it is `wanted`.
    async fn reach(&self, submission_id: &str, wanted: &str);
}

impl PolicyApp for TestApp {
    async fn set_policy(&self, policy: Value) -> (StatusCode, Value) {
        let path = format!("admin/v1/applications/{}/pipeline", self.app_id);
        json(
            self.server
                .admin(Method::PUT, &path)
                .json(&policy)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A committed submission that adds one uploaded package.
    async fn committed(&self, package: &str) -> String {
        let (id, url, path) = self
            .server
            .submission_adding(&self.token, &self.app_id, package)
            .await;
        assert_eq!(
            put_blob(
                &self.server.http,
                &url,
                self.server.package_zip(&self.app_id, &[package]).await
            )
            .await
            .status(),
            StatusCode::CREATED
        );
        let (status, _) = json(
            self.server
                .dc(Method::POST, &format!("{path}/commit"), &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        id
    }

    async fn status(&self, submission_id: &str) -> Value {
        let path = format!(
            "applications/{}/submissions/{submission_id}/status",
            self.app_id
        );
        json(
            self.server
                .dc(Method::GET, &path, &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
        .1
    }

    /// Reads the status until it is `wanted`.
    async fn reach(&self, submission_id: &str, wanted: &str) {
        let path = format!(
            "applications/{}/submissions/{submission_id}/status",
            self.app_id
        );
        self.wait_for(&path, &[wanted]).await;
    }
}

#[tokio::test]
async fn manual_policy_waits_for_approval_or_rejection() {
    let a = app().await;
    let (status, body) = a.set_policy(json!({"mode": "manual"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = a.committed("First_2.0.0.0_x64.msix").await;
    a.reach(&first, "Certification").await;
    a.server.settle_pipeline().await;
    assert_eq!(
        a.status(&first).await["status"],
        "Certification",
        "stays until approved"
    );

    let approve = format!("admin/v1/submissions/{first}/approve");
    let (status, body) = json(a.server.admin(Method::POST, &approve).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    a.reach(&first, "Published").await;
    let (status, body) = json(a.server.admin(Method::POST, &approve).send().await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only a waiting submission can be approved: {body}"
    );

    let second = a.committed("Second_3.0.0.0_x64.msix").await;
    a.reach(&second, "Certification").await;
    let reject = format!("admin/v1/submissions/{second}/reject");
    let (status, body) = json(
        a.server
            .admin(Method::POST, &reject)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a rejection needs a reason: {body}"
    );
    let (status, _) = json(
        a.server
            .admin(Method::POST, &reject)
            .json(&json!({"reason": "Crashes on launch"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let status = a.status(&second).await;
    assert_eq!(status["status"], "CertificationFailed");
    assert_eq!(
        status["statusDetails"]["errors"][0]["details"],
        "Crashes on launch"
    );
}

#[tokio::test]
async fn polls_per_step_advance_one_state_per_n_reads() {
    let a = app().await;
    a.set_policy(json!({"mode": "immediate", "pollsPerStep": 2}))
        .await;
    let id = a.committed("Polled_2.0.0.0_x64.msix").await;
    let order = [
        "CommitStarted",
        "PreProcessing",
        "Certification",
        "Release",
        "Publishing",
        "Published",
    ];
    // Each read counts towards the step, however fast the reads come: read until Published.
    let seen: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let count = Cell::new(0);
    eventually("Published", || async {
        let status = a.status(&id).await["status"].as_str().unwrap().to_string();
        count.set(count.get() + 1);
        let mut seen = seen.borrow_mut();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "Published" {
            Ok(())
        } else {
            Err(status)
        }
    })
    .await;
    let (seen, reads) = (seen.into_inner(), count.get());
    assert_eq!(seen, order, "every state shows to a poller, in order");
    assert!(reads > 2 * 5, "two reads per step: took {reads}");
}

#[tokio::test]
async fn forced_outcomes_fail_at_their_step_and_products_override_the_server() {
    let a = app().await;
    let forced = json!({"outcome": {"status": "CertificationFailed",
        "errors": [{"code": "Other", "details": "Policy says no"}]}});
    let (status, _) = json(
        a.server
            .admin(Method::PUT, "admin/v1/pipeline")
            .json(&forced)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = a.committed("Forced_2.0.0.0_x64.msix").await;
    a.reach(&id, "CertificationFailed").await;
    let status = a.status(&id).await;
    assert_eq!(
        status["statusDetails"]["errors"],
        json!([{"code": "Other", "details": "Policy says no"}])
    );

    // This product's own policy wins over the server's.
    let (status, body) = a.set_policy(json!({"mode": "immediate"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, shown) = json(
        a.server
            .admin(
                Method::GET,
                &format!("admin/v1/applications/{}/pipeline", a.app_id),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["source"], "application");
    let path = format!("applications/{}/submissions/{id}", a.app_id);
    let deleted = a
        .server
        .dc(Method::DELETE, &path, &a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "a failed submission can be deleted"
    );
    let next = a.committed("Forced_3.0.0.0_x64.msix").await;
    a.reach(&next, "Published").await;
}

#[tokio::test]
async fn delay_policy_follows_the_clock() {
    let a = app().await;
    a.set_policy(json!({"mode": "delay", "delaySeconds": 600}))
        .await;
    let id = a.committed("Slow_2.0.0.0_x64.msix").await;
    a.server.settle_pipeline().await;
    assert_eq!(
        a.status(&id).await["status"],
        "CommitStarted",
        "every step waits, the first too"
    );
    a.server.advance_clock(601).await;
    // The token is still valid: ten minutes is inside its hour.
    a.reach(&id, "PreProcessing").await;
    a.server.settle_pipeline().await;
    assert_eq!(a.status(&id).await["status"], "PreProcessing");
    a.server.advance_clock(601).await;
    a.reach(&id, "Certification").await;
}

#[tokio::test]
async fn invalid_policies_are_refused_with_the_field_named() {
    let a = app().await;
    for (policy, target) in [
        (json!({"mode": "warp"}), "mode"),
        (json!({"pollsPerStep": 0}), "pollsPerStep"),
        (json!({"delaySeconds": -1}), "delaySeconds"),
        (
            json!({"outcome": {"status": "Published"}}),
            "outcome.status",
        ),
        (
            json!({"outcome": {"status": "CertificationFailed", "errors": [{"code": "Nope", "details": "x"}]}}),
            "outcome.errors[0].code",
        ),
    ] {
        let (status, body) = a.set_policy(policy.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{policy}: {body}");
        assert_eq!(body["target"], target, "{policy}: {body}");
    }
    let (status, _) = json(
        a.server
            .admin(Method::PUT, "admin/v1/applications/9ZZZZZZZZZZZ/pipeline")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn certification_writes_a_report_served_at_its_url() {
    let a = app().await;
    let id = a.committed("Reported_2.0.0.0_x64.msix").await;
    a.reach(&id, "Published").await;
    let status = a.status(&id).await;
    let reports = status["statusDetails"]["certificationReports"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(reports.len(), 1, "{status}");
    assert!(reports[0]["date"].as_str().unwrap().ends_with('Z'));
    let url = reports[0]["reportUrl"].as_str().unwrap();
    let html = a.server.http.get(url).send().await.unwrap();
    assert_eq!(html.status(), StatusCode::OK);
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = html.text().await.unwrap();
    assert!(
        html.contains("Passed") && html.contains("Reported_2.0.0.0_x64.msix"),
        "{html}"
    );
    let (status, report) = json(
        a.server
            .http
            .get(format!("{url}.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["verdict"], "Passed");
    assert_eq!(report["submissionId"], id.as_str());
    let upload = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Upload")
        .unwrap();
    assert_eq!(upload["files"], json!(["Reported_2.0.0.0_x64.msix"]));

    // A rejection is in the report too, with its reason.
    a.set_policy(json!({"mode": "manual"})).await;
    let rejected = a.committed("Reported_3.0.0.0_x64.msix").await;
    a.reach(&rejected, "Certification").await;
    let reject = format!("admin/v1/submissions/{rejected}/reject");
    a.server
        .admin(Method::POST, &reject)
        .json(&json!({"reason": "Icon is blurry"}))
        .send()
        .await
        .unwrap();
    let status = a.status(&rejected).await;
    let url = status["statusDetails"]["certificationReports"][0]["reportUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let report: Value = a
        .server
        .http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["verdict"], "Failed");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["details"] == "Icon is blurry"),
        "{report}"
    );
    let (status, body) = json(
        a.server
            .http
            .get(a.server.url("ui/reports/no-such-report"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
