//! The cases clients must survive, produced by the pipeline policy over HTTP: warnings,
//! commits bounced back to PendingCommit or cancelled, submissions stuck in a state, and
//! states a poller never sees.

use std::time::{Duration, Instant};

use crate::common;

use common::{TestApp, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn fixture() -> TestApp {
    TestApp::named("Contoso Outcomes").await
}

/// This module's requests, on the kit's app.
trait Outcomes {
    async fn policy(&self, policy: Value) -> (StatusCode, Value);
    async fn create(&self) -> String;
    async fn commit(&self, path: &str);
    async fn poll_until(&self, path: &str, wanted: &str) -> (Value, Vec<String>);
}

impl Outcomes for TestApp {
    /// Sets the app's pipeline policy; returns the admin API's answer.
    async fn policy(&self, policy: Value) -> (StatusCode, Value) {
        json(
            self.server
                .admin(
                    Method::PUT,
                    &format!("admin/v1/applications/{}/pipeline", self.app_id),
                )
                .json(&policy)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A new submission (a clone of the published one): its path.
    async fn create(&self) -> String {
        let path = format!("applications/{}/submissions", self.app_id);
        let (status, created) = self.call(Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        format!("{path}/{}", created["id"].as_str().unwrap())
    }

    async fn commit(&self, path: &str) {
        let (status, body) = self
            .call(Method::POST, &format!("{path}/commit"), None)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }

    /// Reads the status until it is `wanted`; returns every status seen on the way.
    async fn poll_until(&self, path: &str, wanted: &str) -> (Value, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let (_, status) = self
                .call(Method::GET, &format!("{path}/status"), None)
                .await;
            let name = status["status"].as_str().unwrap().to_string();
            if seen.last() != Some(&name) {
                seen.push(name.clone());
            }
            if name == wanted {
                return (status, seen);
            }
            assert!(
                Instant::now() < deadline,
                "{path} never reached {wanted}: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn codes(status: &Value, kind: &str) -> Vec<String> {
    status["statusDetails"][kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|detail| detail["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sales_and_policy_warnings_reach_the_published_submission() {
    let f = fixture().await;
    let (status, body) = f
        .policy(json!({"warnings": [{"code": "InvalidArchive", "details": "not a warning"}]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["target"], "warnings", "{body}");
    f.set_pipeline(
        json!({"warnings": [{"code": "ListingOptInWarning", "details": "You added a listing"}]}),
    )
    .await;

    let path = f.create().await;
    let (_, current) = f.call(Method::GET, &path, None).await;
    let mut pricing = current["pricing"].clone();
    pricing["sales"] = json!([{"name": "Spring sale", "basePriceId": "Free"}]);
    let (status, updated) = f
        .call(Method::PUT, &path, Some(json!({"pricing": pricing})))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["pricing"]["sales"], json!([]), "never shown");
    f.commit(&path).await;
    let (published, _) = f.poll_until(&path, "Published").await;
    assert_eq!(
        codes(&published, "warnings"),
        ["SalesUnsupportedWarning", "ListingOptInWarning"],
        "{published}"
    );
    assert!(
        published["statusDetails"]["warnings"][0]["details"]
            .as_str()
            .unwrap()
            .starts_with("The sales resource is no longer supported"),
        "{published}"
    );

    // A submission without sales carries only the policy's warning.
    let path = f.create().await;
    f.commit(&path).await;
    let (published, _) = f.poll_until(&path, "Published").await;
    assert_eq!(codes(&published, "warnings"), ["ListingOptInWarning"]);
}

#[tokio::test]
async fn a_commit_bounces_back_to_pending_commit_or_is_canceled() {
    let f = fixture().await;
    f.set_pipeline(json!({"outcome": {"status": "PendingCommit"}}))
        .await;
    let path = f.create().await;
    f.commit(&path).await;
    let (bounced, _) = f.poll_until(&path, "PendingCommit").await;
    assert_eq!(codes(&bounced, "errors"), Vec::<String>::new());
    // Back in the client's hands: it can change and commit it again.
    let (status, body) = f
        .call(
            Method::PUT,
            &path,
            Some(json!({"notesForCertification": "again"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    f.set_pipeline(json!({"outcome": {"status": "Canceled", "errors": [
        {"code": "Other", "details": "IsInternalError: Commit workflow is cancelled."}]}}))
        .await;
    f.commit(&path).await;
    let (canceled, _) = f.poll_until(&path, "Canceled").await;
    assert_eq!(codes(&canceled, "errors"), ["Other"]);
    // A cancelled submission is no longer the pending one.
    let (_, app) = f
        .call(Method::GET, &format!("applications/{}", f.app_id), None)
        .await;
    assert!(app.get("pendingApplicationSubmission").is_none(), "{app}");
    f.set_pipeline(json!({})).await;
    let next = f.create().await;
    f.commit(&next).await;
    f.poll_until(&next, "Published").await;
}

#[tokio::test]
async fn a_submission_stays_in_a_state_until_the_policy_changes() {
    let f = fixture().await;
    f.set_pipeline(json!({"outcome": {"status": "Certification"}}))
        .await;
    let path = f.create().await;
    f.commit(&path).await;
    f.poll_until(&path, "Certification").await;
    // Half an hour passes on the server clock (within the token's hour): still there, with
    // no report yet.
    f.server.advance_clock(1800).await;
    for _ in 0..5 {
        let (_, status) = f.call(Method::GET, &format!("{path}/status"), None).await;
        assert_eq!(status["status"], "Certification", "{status}");
        assert_eq!(status["statusDetails"]["certificationReports"], json!([]));
    }
    f.set_pipeline(json!({})).await;
    let (published, _) = f.poll_until(&path, "Published").await;
    assert_eq!(
        published["statusDetails"]["certificationReports"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{published}"
    );
}

#[tokio::test]
async fn skipped_states_are_never_seen_by_a_poller() {
    let f = fixture().await;
    for (policy, target) in [
        (json!({"skipStates": ["CommitStarted"]}), "skipStates"),
        (
            json!({"mode": "manual", "skipStates": ["Certification"]}),
            "skipStates",
        ),
        (
            json!({"outcome": {"status": "Published"}}),
            "outcome.status",
        ),
    ] {
        let (status, body) = f.policy(policy).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["target"], target, "{body}");
    }
    // Every step waits for one read, so the poller sees every state that is shown.
    f.set_pipeline(json!({"pollsPerStep": 1, "skipStates": ["PreProcessing"]}))
        .await;
    let path = f.create().await;
    f.commit(&path).await;
    let (_, seen) = f.poll_until(&path, "Published").await;
    assert_eq!(
        seen,
        [
            "CommitStarted",
            "Certification",
            "Release",
            "Publishing",
            "Published"
        ]
    );
}
