//! Package flights and flight submissions over HTTP, and flight groups in the admin API.

use crate::common;

use common::{TestApp, TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn fixture() -> TestApp {
    TestApp::builder().app("Flighted").start().await
}

/// This module's requests, on the kit's app.
trait Flights {
    async fn create_flight(&self, body: Value) -> Value;

    fn flight_path(&self, flight: &Value) -> String;
}

impl Flights for TestApp {
    async fn create_flight(&self, body: Value) -> Value {
        let (status, flight) = self
            .call(
                Method::POST,
                &format!("applications/{}/flights", self.app_id),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{flight}");
        flight
    }

    fn flight_path(&self, flight: &Value) -> String {
        format!(
            "applications/{}/flights/{}",
            self.app_id,
            flight["flightId"].as_str().unwrap()
        )
    }
}

#[tokio::test]
async fn creating_a_flight_starts_its_first_submission() {
    let f = fixture().await;
    let flight = f
        .create_flight(json!({"friendlyName": "Insiders", "groupIds": [0], "rankHigherThan": null}))
        .await;
    let flight_id = flight["flightId"].as_str().unwrap();
    assert_eq!(flight_id.len(), 36, "flight ids are GUIDs");
    assert_eq!(flight["friendlyName"], "Insiders");
    assert_eq!(
        flight["groupIds"],
        json!(["0"]),
        "numbers are echoed back as strings"
    );
    assert_eq!(flight["rankHigherThan"], "Non-flighted submission");
    assert!(
        flight.get("lastPublishedFlightSubmission").is_none(),
        "{flight}"
    );
    let pending = &flight["pendingFlightSubmission"];
    let submission_id = pending["id"].as_str().unwrap();
    assert_eq!(
        pending["resourceLocation"],
        format!("flights/{flight_id}/submissions/{submission_id}")
    );

    let (status, submission) = f
        .call(
            Method::GET,
            &format!("{}/submissions/{submission_id}", f.flight_path(&flight)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(submission["flightId"], flight_id);
    assert_eq!(submission["status"], "PendingCommit");
    assert_eq!(
        submission["flightPackages"][0]["fileStatus"], "Uploaded",
        "starts from the app's packages: {submission}"
    );
    assert!(submission["fileUploadUrl"].is_string());
    assert_eq!(submission["targetPublishMode"], "Immediate");

    // The Python sample deletes the flight straight away, pending submission and all.
    let (status, _) = f.call(Method::DELETE, &f.flight_path(&flight), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = f.call(Method::GET, &f.flight_path(&flight), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn flights_rank_and_page() {
    let f = fixture().await;
    let alpha = f.create_flight(json!({"friendlyName": "Alpha"})).await;
    let beta = f
        .create_flight(json!({"friendlyName": "Beta", "rankHigherThan": "Alpha"}))
        .await;
    assert_eq!(beta["rankHigherThan"], "Alpha");
    let gamma = f
        .create_flight(
            json!({"friendlyName": "Gamma", "rankHigherThan": "Non-flighted submission"}),
        )
        .await;
    assert_eq!(gamma["rankHigherThan"], "Non-flighted submission");
    let (_, alpha_now) = f.call(Method::GET, &f.flight_path(&alpha), None).await;
    assert_eq!(alpha_now["rankHigherThan"], "Gamma");
    let (status, body) = f
        .call(
            Method::POST,
            &format!("applications/{}/flights", f.app_id),
            Some(json!({"friendlyName": "alpha"})),
        )
        .await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("friendlyName"))
    );
    let (status, body) = f
        .call(
            Method::POST,
            &format!("applications/{}/flights", f.app_id),
            Some(json!({"rankHigherThan": "Nobody"})),
        )
        .await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("rankHigherThan"))
    );

    for n in 0..23 {
        f.create_flight(json!({"friendlyName": format!("Ring {n}")}))
            .await;
    }
    let mut names = Vec::new();
    let mut next = Some(format!("applications/{}/listflights/?top=10", f.app_id));
    let mut pages = 0;
    while let Some(path) = next {
        let (status, page) = f.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["totalCount"], 26);
        names.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["friendlyName"].as_str().unwrap().to_string()),
        );
        next = page
            .get("@nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
        pages += 1;
    }
    assert_eq!((pages, names.len()), (3, 26));
    assert_eq!(
        names.first().map(String::as_str),
        Some("Ring 22"),
        "newest on top when no rank is given"
    );
    assert_eq!(&names[names.len() - 3..], ["Beta", "Alpha", "Gamma"]);
}

#[tokio::test]
async fn flight_submission_lifecycle_to_published() {
    let f = fixture().await;
    let flight = f
        .create_flight(json!({"friendlyName": "Beta testers", "groupIds": ["1152921504606962205"]}))
        .await;
    let base = f.flight_path(&flight);
    let first = flight["pendingFlightSubmission"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = f
        .call(Method::POST, &format!("{base}/submissions"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "one pending flight submission: {body}"
    );

    let (_, current) = f
        .call(Method::GET, &format!("{base}/submissions/{first}"), None)
        .await;
    let mut packages = current["flightPackages"].clone();
    packages.as_array_mut().unwrap().push(
        json!({"fileName": "Beta_2.0.0.0_x64.msix", "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None", "minimumSystemRam": "None"}),
    );
    let (status, updated) = f.call(Method::PUT, &format!("{base}/submissions/{first}"),
        Some(json!({"id": "existingPackage.Id", "flightPackages": packages, "notesForCertification": "beta"}))).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["notesForCertification"], "beta");
    let (status, body) = f
        .call(
            Method::PUT,
            &format!("{base}/submissions/{first}"),
            Some(json!({"flightPackages": []})),
        )
        .await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("packages")),
        "{body}"
    );

    put_blob(
        &f.server.http,
        updated["fileUploadUrl"].as_str().unwrap(),
        f.server
            .package_zip(&f.app_id, &["Beta_2.0.0.0_x64.msix"])
            .await,
    )
    .await;
    let (status, committed) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{first}/Commit"),
            None,
        )
        .await;
    assert_eq!(
        (status, committed),
        (StatusCode::ACCEPTED, json!({"status": "CommitStarted"}))
    );
    let last = f
        .wait_settled(&format!("{base}/submissions/{first}/status"))
        .await;
    assert_eq!(last["status"], "Published", "{last}");
    assert_eq!(
        last["statusDetails"]["certificationReports"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (_, flight_now) = f.call(Method::GET, &base, None).await;
    assert_eq!(
        flight_now["lastPublishedFlightSubmission"]["id"],
        first.as_str()
    );
    assert!(
        flight_now.get("pendingFlightSubmission").is_none(),
        "{flight_now}"
    );
    let (status, published) = f
        .call(Method::GET, &format!("{base}/submissions/{first}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(published["flightPackages"].as_array().unwrap().len(), 2);
    let (status, _) = f
        .call(Method::DELETE, &format!("{base}/submissions/{first}"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "published submissions cannot be deleted"
    );

    // The next flight submission is a copy of the flight's published one.
    let (status, next) = f
        .call(
            Method::POST,
            &format!("{base}/submissions?isMinimalResponse=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{next}");
    let next_id = next["id"].as_str().unwrap();
    let (_, next_full) = f
        .call(Method::GET, &format!("{base}/submissions/{next_id}"), None)
        .await;
    assert_eq!(next_full["flightPackages"], published["flightPackages"]);

    // Wrong parents: an app submission id under a flight is a conflict; unknown ids 404.
    let (_, app) = f
        .call(Method::GET, &format!("applications/{}", f.app_id), None)
        .await;
    let app_submission = app["lastPublishedApplicationSubmission"]["id"]
        .as_str()
        .unwrap();
    let (status, _) = f
        .call(
            Method::GET,
            &format!("{base}/submissions/{app_submission}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = f
        .call(
            Method::GET,
            &format!("applications/{}/submissions/{next_id}", f.app_id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = f
        .call(
            Method::GET,
            &format!("{base}/submissions/1152921504606846976"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .call(
            Method::GET,
            &format!(
                "applications/{}/flights/00000000-0000-0000-0000-000000000000",
                f.app_id
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn flight_rollout_endpoints() {
    let f = fixture().await;
    let flight = f
        .create_flight(json!({"friendlyName": "Rolling ring"}))
        .await;
    let base = f.flight_path(&flight);
    let id = flight["pendingFlightSubmission"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{id}/haltpackagerollout"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "not published yet");
    f.call(Method::PUT, &format!("{base}/submissions/{id}"),
        Some(json!({"packageDeliveryOptions": {"packageRollout": {"isPackageRollout": true, "packageRolloutPercentage": 30}}}))).await;
    f.call(
        Method::POST,
        &format!("{base}/submissions/{id}/commit"),
        None,
    )
    .await;
    f.wait_settled(&format!("{base}/submissions/{id}/status"))
        .await;
    let (status, rollout) = f
        .call(
            Method::GET,
            &format!("{base}/submissions/{id}/packagerollout"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rollout["packageRolloutStatus"], "PackageRolloutInProgress");
    assert_eq!(rollout["packageRolloutPercentage"], 30.0);
    let (status, rollout) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{id}/updatepackagerolloutpercentage?percentage=75"),
            None,
        )
        .await;
    assert_eq!(
        (status, rollout["packageRolloutPercentage"].clone()),
        (StatusCode::OK, json!(75.0))
    );
    let (status, _) = f
        .call(Method::POST, &format!("{base}/submissions"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no new flight submission during a rollout"
    );
    let (status, rollout) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{id}/finalizepackagerollout"),
            None,
        )
        .await;
    assert_eq!(
        (status, rollout["packageRolloutStatus"].clone()),
        (StatusCode::OK, json!("PackageRolloutComplete"))
    );
    let (status, _) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{id}/haltpackagerollout"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn flight_groups_are_managed_through_the_admin_api() {
    let server = TestServer::start().await;
    let (status, group) = json(
        server
            .admin(Method::POST, "admin/v1/flightgroups")
            .json(&json!({"name": "Insiders", "members": ["alice", "bob", "alice"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let id = group["id"].as_str().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(group["members"], json!(["alice", "bob"]));
    let path = format!("admin/v1/flightgroups/{id}");
    let (status, replaced) = json(
        server
            .admin(Method::PUT, &path)
            .json(&json!({"name": "Insiders", "members": ["carol"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, replaced["members"].clone()),
        (StatusCode::OK, json!(["carol"]))
    );
    let (_, fetched) = json(server.admin(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(fetched, replaced);
    let (_, all) = json(
        server
            .admin(Method::GET, "admin/v1/flightgroups")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all["totalCount"], 1);
    let (status, body) = json(
        server
            .admin(Method::POST, "admin/v1/flightgroups")
            .json(&json!({"name": " "}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["target"].clone()),
        (StatusCode::BAD_REQUEST, json!("name"))
    );
    assert_eq!(
        server
            .admin(Method::DELETE, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server
            .admin(Method::GET, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_flight_being_processed_cannot_be_deleted() {
    let f = fixture().await;
    let policy = json!({"mode": "delay", "delaySeconds": 3600});
    let path = format!("admin/v1/applications/{}/pipeline", f.app_id);
    assert_eq!(
        f.server
            .admin(Method::PUT, &path)
            .json(&policy)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let flight = f.create_flight(json!({"friendlyName": "Slow ring"})).await;
    let id = flight["pendingFlightSubmission"]["id"].as_str().unwrap();
    let base = f.flight_path(&flight);
    let (status, _) = f
        .call(
            Method::POST,
            &format!("{base}/submissions/{id}/commit"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = f.call(Method::DELETE, &base, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "InvalidState");
    let (status, _) = f
        .call(Method::DELETE, &format!("{base}/submissions/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nor its submission");
    let (status, _) = f
        .call(
            Method::PUT,
            &format!("{base}/submissions/{id}"),
            Some(json!({"notesForCertification": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}
