//! Submissions under the pipeline policy: freezing, validation and certification failures,
//! cancel, promote, a second submission, admin decisions, release times, and a server killed
//! mid-workflow.

use crate::common;

use common::{TestServer, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::partner::{PartnerClient, ich};

use super::{prepare_offer, submission_request};

async fn set_policy(server: &TestServer, product: &str, policy: Value) {
    let (status, body) = json(
        server
            .admin(Method::PUT, &format!("admin/v1/offers/{product}/pipeline"))
            .json(&policy)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn admin_post(server: &TestServer, path: &str, body: Value) -> (StatusCode, Value) {
    json(
        server
            .admin(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn submit(client: &PartnerClient, product: &str, request: &Value) -> String {
    let created = client
        .expect(
            Method::POST,
            &format!("products/{product}/submissions"),
            request.clone(),
            StatusCode::CREATED,
        )
        .await;
    created["id"].as_str().unwrap().to_string()
}

/// The running step of a submission's workflows, by name.
async fn running_step(client: &PartnerClient, product: &str, submission: &str) -> Option<String> {
    let details = client
        .get(&format!(
            "products/{product}/submissions/{submission}/workflowdetails"
        ))
        .await;
    details["value"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["workflowSteps"].as_array().unwrap().iter())
        .find(|s| s["state"] == "InProgress")
        .map(|s| s["name"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_manual_pipeline_waits_for_the_admin_and_refuses_a_second_submission() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let offer = prepare_offer(&client, "manual-offer").await;
    let p = &offer.product;
    set_policy(&server, p, json!({"mode": "manual"})).await;
    let request = submission_request(&client, &offer).await;
    let sid = submit(&client, p, &request).await;
    server
        .until("certification waits for a decision", || async {
            match running_step(&client, p, &sid).await {
                Some(step) if step == "Certification" => Ok(()),
                other => Err(other),
            }
        })
        .await;

    // While it runs, a second submission and a promote are conflicts; the frozen instances
    // take no writes.
    let second = submission_request(&client, &offer).await;
    let body = client
        .expect(
            Method::POST,
            &format!("products/{p}/submissions"),
            second,
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(ich(&body).0, 50409);
    client
        .expect(
            Method::POST,
            &format!("products/{p}/submissions/{sid}/promote"),
            Value::Null,
            StatusCode::CONFLICT,
        )
        .await;
    let frozen_instance = request["resources"][3]["value"].as_str().unwrap();
    let frozen = client.only(p, "listings", frozen_instance).await;
    let body = client
        .expect(
            Method::PUT,
            &format!("products/{p}/listings/{}", frozen["id"].as_str().unwrap()),
            json!({"title": "late"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(ich(&body).0, 50409);
    assert_eq!(
        client.only(p, "listings", frozen_instance).await["title"],
        "Contoso Offer"
    );
    // The branch's new draft takes them.
    let draft = client.draft(p, "Listing", None).await;
    let listing = client.only(p, "listings", &draft).await;
    assert_eq!(listing["title"], "Contoso Offer", "the new draft is a copy");
    assert_ne!(listing["id"], frozen["id"]);
    client
        .expect(
            Method::PUT,
            &format!("products/{p}/listings/{}", listing["id"].as_str().unwrap()),
            json!({"title": "Next"}),
            StatusCode::OK,
        )
        .await;

    // The shared admin route decides offer submissions too.
    let (status, decided) = admin_post(
        &server,
        &format!("admin/v1/submissions/{sid}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let ready = client.wait_substate(p, &sid, "ReadyToPublish").await;
    assert_eq!(ready["pendingUpdateInfo"]["status"], "Completed");
    // Cancel is refused once the preview is ready.
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}/submissions/{sid}"),
            Value::Null,
            StatusCode::CONFLICT,
        )
        .await;
    let (status, _) = admin_post(
        &server,
        &format!("admin/v1/submissions/{sid}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    client.wait_substate(p, &sid, "InStore").await;
    let (status, offers) = json(
        server
            .admin(Method::GET, "admin/v1/offers")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(offers["value"][0]["currentSubstate"], "InStore");
}

#[tokio::test]
async fn rejected_and_failed_submissions_say_why_and_can_be_cancelled() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let offer = prepare_offer(&client, "failing-offer").await;
    let p = &offer.product;
    set_policy(&server, p, json!({"mode": "manual"})).await;
    let sid = submit(&client, p, &submission_request(&client, &offer).await).await;
    server
        .until("certification waits", || async {
            match running_step(&client, p, &sid).await {
                Some(step) if step == "Certification" => Ok(()),
                other => Err(other),
            }
        })
        .await;
    let (status, _) = admin_post(
        &server,
        &format!("admin/v1/submissions/{sid}/reject"),
        json!({"reason": "The template deploys nothing"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let failed = client.wait_substate(p, &sid, "FailedInCertification").await;
    assert_eq!(failed["state"], "InProgress");
    assert_eq!(failed["pendingUpdateInfo"]["status"], "Failed");
    assert_eq!(
        failed["pendingUpdateInfo"]["failureReason"],
        "The template deploys nothing"
    );
    let reports = client
        .get(&format!("products/{p}/submissions/{sid}/reports"))
        .await;
    assert_eq!(reports["value"][0]["status"], "Failed");
    let workflow = client
        .get(&format!("products/{p}/submissions/{sid}/workflowdetails"))
        .await;
    assert_eq!(workflow["value"][0]["state"], "Failed");

    // A forced automated-validation failure, then a cancel.
    set_policy(&server, p, json!({"outcome": {"status": "CommitFailed", "errors": [{"code": "InvalidParameterValue", "details": "forced"}]}})).await;
    let sid2 = submit(&client, p, &json!({})).await;
    let failed = client.wait_substate(p, &sid2, "Failed").await;
    assert_eq!(failed["areResourcesReady"], false);
    let validations = client
        .get(&format!("products/{p}/submissions/{sid2}/validations"))
        .await;
    assert_eq!(validations["value"][0]["severity"], "Error");
    assert_eq!(validations["value"][0]["message"], "forced");
    // The earlier failed submission was superseded by the new one.
    let listed = client.get(&format!("products/{p}/submissions")).await;
    let ids: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sid2.as_str()]);
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}/submissions/{sid2}"),
            Value::Null,
            StatusCode::NO_CONTENT,
        )
        .await;
    client
        .expect(
            Method::GET,
            &format!("products/{p}/submissions/{sid2}"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        client.get(&format!("products/{p}/submissions")).await,
        json!({"value": []})
    );
}

#[tokio::test]
async fn automated_validation_names_what_a_preview_lacks() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("bare-offer").await;
    // A plan whose configuration references a package never uploaded, and a logo of the
    // wrong size.
    let plan = client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            json!({"friendlyName": "P", "externalID": "p", "subType": "managed-application"}),
            StatusCode::CREATED,
        )
        .await;
    let plan_id = plan["id"].as_str().unwrap();
    let package = client
        .expect(
            Method::POST,
            &format!("products/{p}/packages"),
            json!({"fileName": "app.zip"}),
            StatusCode::CREATED,
        )
        .await;
    let configuration = client
        .only(
            &p,
            "packageConfigurations",
            &client.draft(&p, "Package", Some(plan_id)).await,
        )
        .await;
    client
        .expect(
            Method::PUT,
            &format!("products/{p}/packageConfigurations/{}", configuration["id"].as_str().unwrap()),
            json!({"resourceType": "AzureManagedApplicationPackageConfiguration", "version": "1.0.0", "packageReferences": [{"type": "AzureApplicationPackage", "value": package["id"]}]}),
            StatusCode::OK,
        )
        .await;
    let listing = client
        .only(&p, "listings", &client.draft(&p, "Listing", None).await)
        .await;
    let image = client
        .expect(
            Method::POST,
            &format!(
                "products/{p}/listings/{}/images",
                listing["id"].as_str().unwrap()
            ),
            json!({"fileName": "large.png", "type": "AzureLogoLarge"}),
            StatusCode::CREATED,
        )
        .await;
    let upload = common::put_blob(
        &client.http,
        image["fileSasUri"].as_str().unwrap(),
        storeroom_testkit::fixtures::png(100, 100),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    client
        .expect(
            Method::PUT,
            &format!(
                "products/{p}/listings/{}/images/{}",
                listing["id"].as_str().unwrap(),
                image["id"].as_str().unwrap()
            ),
            json!({"state": "Uploaded"}),
            StatusCode::OK,
        )
        .await;
    let sid = submit(&client, &p, &json!({})).await;
    client.wait_substate(&p, &sid, "Failed").await;
    let validations = client
        .get(&format!("products/{p}/submissions/{sid}/validations"))
        .await;
    let codes: Vec<&str> = validations["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["errorCode"].as_str().unwrap())
        .collect();
    for code in ["InvalidImage", "PackageNotProcessed", "ListingIncomplete"] {
        assert!(codes.contains(&code), "{code} in {validations}");
    }
    let messages = validations.to_string();
    assert!(messages.contains("216x216"), "{messages}");
    let frozen = client
        .get(&format!(
            "products/{p}/listings/{}/images",
            listing["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(frozen["value"][0]["state"], "ProcessFailed");

    // Structural errors are 400s at POST.
    for (request, field) in [
        (
            json!({"targets": [{"type": "Scope", "value": "Live"}]}),
            "Targets",
        ),
        (
            json!({"resources": [{"type": "Pricing", "value": "x"}]}),
            "Resources[0].type",
        ),
        (
            json!({"resources": [{"type": "Listing", "value": "not-an-instance"}]}),
            "Resources",
        ),
        (
            json!({"variantResources": [{"variantID": "nope", "resources": []}]}),
            "VariantResources[0].variantID",
        ),
    ] {
        let body = client
            .expect(
                Method::POST,
                &format!("products/{p}/submissions"),
                request,
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(ich(&body).1["data"][field].is_array(), "{field}: {body}");
    }
}

#[tokio::test]
async fn auto_promote_and_release_times_drive_the_live_workflow() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let offer = prepare_offer(&client, "timed-offer").await;
    let p = &offer.product;
    let now = server.server_now().await;
    let release = (now + chrono::Duration::hours(2)).to_rfc3339();
    let mut request = submission_request(&client, &offer).await;
    request["publishOption"] = json!({"isAutoPromote": true, "releaseTimeInUtc": release});
    let sid = submit(&client, p, &request).await;
    server
        .until("the Publish step waits for the release time", || async {
            match running_step(&client, p, &sid).await {
                Some(step) if step == "Publish" => Ok(()),
                other => Err(other),
            }
        })
        .await;
    let waiting = client.get(&format!("products/{p}/submissions/{sid}")).await;
    assert_eq!(waiting["substate"], "Publishing");
    let (status, _) = json(
        server
            .admin(Method::POST, "admin/v1/clock")
            .json(&json!({"advanceSeconds": 3 * 3600}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Three hours on, the token has expired too: a client signs in again.
    let client = server.partner_client().await;
    client.wait_substate(p, &sid, "InStore").await;

    // A second release supersedes the first once live.
    let sid2 = submit(
        &client,
        p,
        &json!({"publishOption": {"isAutoPromote": true}}),
    )
    .await;
    client.wait_substate(p, &sid2, "InStore").await;
    let listed = client.get(&format!("products/{p}/submissions")).await;
    let ids: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sid2.as_str()]);
    assert_eq!(listed["value"][0]["releaseNumber"], 2);
    // A live offer cannot be deleted; its package is certified and stays.
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}"),
            Value::Null,
            StatusCode::CONFLICT,
        )
        .await;
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}/packages/{}", offer.package),
            Value::Null,
            StatusCode::CONFLICT,
        )
        .await;
}

#[tokio::test]
async fn a_server_killed_mid_workflow_resumes_and_the_offer_goes_live() {
    use crate::crash::{spawn, token_for};
    use storeroom_testkit::app::partner::PARTNER;

    let dir = tempfile::tempdir().unwrap();
    let database = common::test_database().await;
    let database = database.as_ref().map(|db| db.url.as_str());
    let (mut child, base) = spawn(dir.path(), database, "delay=300ms");
    let credentials: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("credentials.json")).unwrap())
            .unwrap();
    let http = reqwest::Client::new();
    let token = token_for(&http, &base, &credentials, PARTNER).await;
    let client = PartnerClient::new(&base, token.clone());
    let offer = prepare_offer(&client, "crash-offer").await;
    let p = &offer.product;
    let sid = submit(&client, p, &submission_request(&client, &offer).await).await;
    common::eventually("the workflow is past automated validation", || async {
        match running_step(&client, p, &sid).await {
            Some(step) if step != "Automated validation" => Ok(()),
            other => Err(other),
        }
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let (mut child, base) = spawn(dir.path(), database, "delay=300ms");
    // Tokens are signed with the key in the database: the old one still works.
    let client = PartnerClient::new(&base, token);
    client.wait_substate(p, &sid, "ReadyToPublish").await;
    client
        .expect(
            Method::POST,
            &format!("products/{p}/submissions/{sid}/promote"),
            Value::Null,
            StatusCode::OK,
        )
        .await;
    let live = client.wait_substate(p, &sid, "InStore").await;
    let workflow = client
        .get(&format!("products/{p}/submissions/{sid}/workflowdetails"))
        .await;
    for environment in workflow["value"].as_array().unwrap() {
        assert_eq!(environment["state"], "Success", "{workflow}");
        for step in environment["workflowSteps"].as_array().unwrap() {
            assert_eq!(
                step["state"], "Success",
                "each step ran once and finished: {workflow}"
            );
        }
    }
    assert_eq!(live["releaseNumber"], 1);
    child.kill().unwrap();
    child.wait().unwrap();
}
