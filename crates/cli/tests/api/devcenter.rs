//! The devcenter API v1.0 over HTTP: authentication, apps, and the app submission lifecycle.

use crate::common;

use common::{TestApp, TestServer, json, put_blob, zip_bytes};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn assert_dc_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["source"], "Ingestion Api", "{body}");
    assert_eq!(body["data"], json!([]), "{body}");
    assert_eq!(body["details"], json!([]), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

async fn fixture() -> TestApp {
    TestApp::builder().app("Contoso Reader").start().await
}

/// This module's requests, on the kit's app.
trait Submissions {
    fn sub_path(&self, submission_id: &str) -> String;

    async fn create(&self) -> Value;

    async fn put(&self, submission_id: &str, body: &Value) -> (StatusCode, Value);

    async fn commit(&self, submission_id: &str) -> (StatusCode, Value);

    async fn get(&self, path: &str) -> (StatusCode, Value);
}

impl Submissions for TestApp {
    fn sub_path(&self, submission_id: &str) -> String {
        format!("applications/{}/submissions/{submission_id}", self.app_id)
    }

    async fn create(&self) -> Value {
        let response = self
            .server
            .dc(
                Method::POST,
                &format!("applications/{}/submissions", self.app_id),
                &self.token,
            )
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn put(&self, submission_id: &str, body: &Value) -> (StatusCode, Value) {
        json(
            self.server
                .dc(Method::PUT, &self.sub_path(submission_id), &self.token)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn commit(&self, submission_id: &str) -> (StatusCode, Value) {
        let path = format!("{}/commit", self.sub_path(submission_id));
        json(
            self.server
                .dc(Method::POST, &path, &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        json(
            self.server
                .dc(Method::GET, path, &self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

fn new_package(name: &str) -> Value {
    json!({"fileName": name, "fileStatus": "PendingUpload", "minimumDirectXVersion": "None", "minimumSystemRam": "None"})
}

#[tokio::test]
async fn requests_without_a_valid_token_get_json_401() {
    let f = fixture().await;
    let path = format!("applications/{}", f.app_id);
    let url = f.server.url(&format!("v1.0/my/{path}"));
    let (status, body) = json(f.server.http.get(&url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"statusCode": 401, "message": "APIM: Unauthorized. Access token is missing or invalid."})
    );
    let (status, _) = json(
        f.server
            .dc(Method::GET, &path, "not.a.jwt")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A token for another audience is not a devcenter token.
    let store_token = f.server.token_for("https://api.store.microsoft.com").await;
    let (status, _) = json(
        f.server
            .dc(Method::GET, &path, &store_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A tampered signature is refused.
    let mut forged = f.token.clone();
    forged.pop();
    forged.push(if f.token.ends_with('A') { 'B' } else { 'A' });
    let (status, _) = json(
        f.server
            .dc(Method::GET, &path, &forged)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sellers_see_only_their_own_apps() {
    let f = fixture().await;
    let other = f.server.create_seller("Fabrikam").await;
    let other_token = &f.server.token_of(&other, common::DEVCENTER).await;
    let (status, body) = json(
        f.server
            .dc(
                Method::GET,
                &format!("applications/{}", f.app_id),
                other_token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, "ResourceNotFound");
    let (status, _) = json(
        f.server
            .dc(Method::GET, "applications", other_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the other seller has no apps"
    );
    let (status, _) = json(
        f.server
            .dc(
                Method::POST,
                &format!("applications/{}/submissions", f.app_id),
                other_token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn applications_page_with_relative_next_links() {
    let f = fixture().await;
    for name in ["Second", "Third"] {
        f.server.reserve_app(name).await;
    }
    let (status, page) = f.get("applications?top=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["value"].as_array().unwrap().len(), 2);
    assert_eq!(page["@nextLink"], "applications?skip=2&top=2");
    let (_, last) = f.get(page["@nextLink"].as_str().unwrap()).await;
    assert_eq!(last["value"].as_array().unwrap().len(), 1);
    assert!(last.get("@nextLink").is_none());
    let (_, default) = f.get("applications/").await;
    assert_eq!(default["value"].as_array().unwrap().len(), 3);
    let (_, beyond) = f.get("applications?skip=10&top=5").await;
    assert_eq!(beyond["value"], json!([]));
    assert_eq!(beyond["totalCount"], 3);
    let (status, body) = f.get("applications?top=lots").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, "InvalidParameterValue");
    assert_eq!(body["target"], "top");

    let app = &page["value"][0];
    for key in [
        "id",
        "primaryName",
        "packageFamilyName",
        "packageIdentityName",
        "publisherName",
        "firstPublishedDate",
        "hasAdvancedListingPermission",
    ] {
        assert!(app.get(key).is_some(), "{key} missing from {app}");
    }
    assert!(
        app.get("pendingApplicationSubmission").is_none(),
        "absent references are omitted: {app}"
    );
    assert_eq!(app["id"].as_str().unwrap().len(), 12);
    let (status, body) = f.get("applications/9ZZZZZZZZZZZ").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, "ResourceNotFound");
}

#[tokio::test]
async fn full_lifecycle_to_published_and_the_next_clone() {
    let f = fixture().await;
    let created = f.create().await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 19);
    assert_eq!(created["status"], "PendingCommit");
    assert_eq!(created["friendlyName"], "Submission 2");
    assert_eq!(
        created["statusDetails"],
        json!({"errors": [], "warnings": [], "certificationReports": []})
    );
    assert_eq!(
        created["listings"]["en-us"]["baseListing"]["title"],
        "Contoso Reader"
    );
    let url = created["fileUploadUrl"].as_str().unwrap().to_string();
    assert!(
        url.contains("sig=") && url.contains("se=") && url.contains("sp="),
        "{url}"
    );

    let (_, app) = f.get(&format!("applications/{}", f.app_id)).await;
    assert_eq!(app["pendingApplicationSubmission"]["id"], id.as_str());
    assert_eq!(
        app["pendingApplicationSubmission"]["resourceLocation"],
        format!("applications/{}/submissions/{id}", f.app_id)
    );

    // Replace the package and add a screenshot, sending PascalCase keys and read-only fields.
    let mut old = created["applicationPackages"][0].clone();
    old["fileStatus"] = json!("PendingDelete");
    let mut listing = created["listings"]["en-us"].clone();
    listing["baseListing"]["images"] = json!([{"FileName": "img\\shot.png", "FileStatus": "PendingUpload", "ImageType": "Screenshot", "Description": "Main"}]);
    let body = json!({
        "id": "ignored", "status": "Published", "fileUploadUrl": "ignored", "friendlyName": "mine",
        "ApplicationCategory": "BooksAndReference_EReader",
        "Pricing": {"PriceId": "Tier1012", "trialPeriod": "SevenDays", "isAdvancedPricingModel": false},
        "listings": {"en-us": listing},
        "applicationPackages": [old, new_package("Contoso_2.0.0.0_x64.msix")],
        "notesForCertification": null,
    });
    let (status, updated) = f.put(&id, &body).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["status"], "PendingCommit");
    assert_eq!(updated["friendlyName"], "Submission 2");
    assert_eq!(updated["applicationCategory"], "BooksAndReference_EReader");
    assert_eq!(updated["pricing"]["priceId"], "Tier1012");
    assert_eq!(
        updated["pricing"]["isAdvancedPricingModel"], true,
        "read-only"
    );
    assert_eq!(updated["fileUploadUrl"], url.as_str());
    let image_id = updated["listings"]["en-us"]["baseListing"]["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(image_id.len(), 19);

    let upload = put_blob(
        &f.server.http,
        &url,
        f.server
            .package_zip(&f.app_id, &["Contoso_2.0.0.0_x64.msix", "img/shot.png"])
            .await,
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);

    let (status, committed) = f.commit(&id).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(committed, json!({"status": "CommitStarted"}));
    let final_status = f
        .server
        .wait_for_final_status(&f.app_id, &id, &f.token)
        .await;
    assert_eq!(final_status["status"], "Published", "{final_status}");

    let (_, published) = f.get(&f.sub_path(&id)).await;
    let packages = published["applicationPackages"].as_array().unwrap();
    assert_eq!(
        packages.len(),
        1,
        "PendingDelete packages are gone: {packages:?}"
    );
    assert_eq!(packages[0]["fileName"], "Contoso_2.0.0.0_x64.msix");
    assert_eq!(packages[0]["fileStatus"], "Uploaded");
    assert_eq!(
        published["listings"]["en-us"]["baseListing"]["images"][0]["fileStatus"],
        "Uploaded"
    );
    let (_, app) = f.get(&format!("applications/{}", f.app_id)).await;
    assert!(app.get("pendingApplicationSubmission").is_none(), "{app}");
    assert_eq!(app["lastPublishedApplicationSubmission"]["id"], id.as_str());

    // The next submission is a clone of this one.
    let next = f.create().await;
    assert_eq!(next["friendlyName"], "Submission 3");
    assert_eq!(next["applicationCategory"], "BooksAndReference_EReader");
    assert_eq!(
        next["applicationPackages"],
        published["applicationPackages"]
    );
    assert_ne!(next["fileUploadUrl"], url.as_str());
}

#[tokio::test]
async fn one_pending_submission_at_a_time() {
    let f = fixture().await;
    let created = f.create().await;
    let response = f
        .server
        .dc(
            Method::POST,
            &format!("applications/{}/submissions", f.app_id),
            &f.token,
        )
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_dc_error(&body, "InvalidState");
    assert_eq!(body["target"], "submission");
    // Deleting the pending one allows a new one.
    let id = created["id"].as_str().unwrap();
    let response = f
        .server
        .dc(Method::DELETE, &f.sub_path(id), &f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.text().await.unwrap().is_empty());
    let (_, app) = f.get(&format!("applications/{}", f.app_id)).await;
    assert!(app.get("pendingApplicationSubmission").is_none());
    let (status, _) = f.get(&f.sub_path(id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    f.create().await;
}

#[tokio::test]
async fn minimal_response_carries_id_and_upload_url() {
    let f = fixture().await;
    let response = f
        .server
        .dc(
            Method::POST,
            &format!(
                "applications/{}/submissions?isMinimalResponse=true",
                f.app_id
            ),
            &f.token,
        )
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        body["id"].is_string() && body["fileUploadUrl"].is_string(),
        "{body}"
    );
    assert!(
        body.get("listings").is_none() && body.get("applicationPackages").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn put_rejects_what_the_service_rejects() {
    let f = fixture().await;
    let created = f.create().await;
    let id = created["id"].as_str().unwrap();
    let existing = created["applicationPackages"][0]["id"].as_str().unwrap();

    let (status, body) = f
        .put(
            id,
            &json!({"applicationPackages": [new_package("other.msix")]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, "InvalidParameterValue");
    assert_eq!(body["target"], "packages");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Please keep all file entries for existing packages."),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains(existing));

    let (status, body) = f.put(id, &json!({"pricing": {"priceId": "Base"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "'Base' is not a valid PriceId for base price."
    );
    assert_eq!(body["target"], "pricing");

    let (status, body) = f.put(id, &json!({"visibility": "Everyone"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["target"], "visibility");
    assert!(
        body["message"].as_str().unwrap().contains("Everyone"),
        "{body}"
    );

    let (status, body) = f
        .put(
            id,
            &json!({"applicationPackages": [{"fileName": "x.msix"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("fileStatus"),
        "{body}"
    );

    let (status, body) = f.put(id, &json!({"targetPublishDate": "someday"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["target"], "targetPublishDate");

    let (status, body) = f
        .put(id, &json!({"hardwarePreferences": ["Touch", "Jetpack"]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["target"], "hardwarePreferences[1]");

    let response = f
        .server
        .dc(Method::PUT, &f.sub_path(id), &f.token)
        .header("content-type", "application/json")
        .body("{\"pricing\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, "InvalidParameterValue");

    // Nothing of the rejected requests was saved.
    let (_, current) = f.get(&f.sub_path(id)).await;
    assert_eq!(current["visibility"], created["visibility"]);
    assert_eq!(
        current["applicationPackages"],
        created["applicationPackages"]
    );
}

#[tokio::test]
async fn missing_files_and_bad_archives_fail_the_commit() {
    let f = fixture().await;
    let created = f.create().await;
    let id = created["id"].as_str().unwrap();
    let mut packages = created["applicationPackages"].clone();
    packages
        .as_array_mut()
        .unwrap()
        .push(new_package("Contoso_2.0.0.0_x64.msix"));
    let (status, _) = f.put(id, &json!({"applicationPackages": packages})).await;
    assert_eq!(status, StatusCode::OK);

    // Nothing uploaded at all.
    f.commit(id).await;
    let status = f
        .server
        .wait_for_final_status(&f.app_id, id, &f.token)
        .await;
    assert_eq!(status["status"], "CommitFailed");
    assert_eq!(
        status["statusDetails"]["errors"][0]["code"], "MissingFiles",
        "{status}"
    );

    // The wrong file in the archive: fixable by uploading again and committing again.
    let url = created["fileUploadUrl"].as_str().unwrap();
    put_blob(&f.server.http, url, zip_bytes(&["something-else.msix"])).await;
    let (status, _) = f.commit(id).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a failed commit may be committed again"
    );
    let status = f
        .server
        .wait_for_final_status(&f.app_id, id, &f.token)
        .await;
    assert_eq!(status["status"], "CommitFailed");
    let details = status["statusDetails"]["errors"][0]["details"]
        .as_str()
        .unwrap();
    assert!(details.contains("Contoso_2.0.0.0_x64.msix"), "{details}");

    put_blob(
        &f.server.http,
        url,
        b"PK\x03\x04 definitely not a zip".to_vec(),
    )
    .await;
    f.commit(id).await;
    let status = f
        .server
        .wait_for_final_status(&f.app_id, id, &f.token)
        .await;
    assert_eq!(
        status["statusDetails"]["errors"][0]["code"], "InvalidArchive",
        "{status}"
    );

    // Last upload wins.
    put_blob(
        &f.server.http,
        url,
        f.server
            .package_zip(&f.app_id, &["Contoso_2.0.0.0_x64.msix"])
            .await,
    )
    .await;
    f.commit(id).await;
    let status = f
        .server
        .wait_for_final_status(&f.app_id, id, &f.token)
        .await;
    assert_eq!(status["status"], "Published", "{status}");
    assert_eq!(status["statusDetails"]["errors"], json!([]));
}

#[tokio::test]
async fn committed_submissions_refuse_changes() {
    // A slow pipeline keeps the submission in flight long enough to try.
    let mut f = TestApp::builder()
        .app("Slow")
        .pipeline(storeroom_server::domain_pipeline::PipelinePolicy::parse("delay=1h").unwrap())
        .start()
        .await;
    let created = f.create().await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(f.commit(id).await.0, StatusCode::ACCEPTED);
    // Every step waits an hour, the first too: the submission stays in flight until the
    // clock moves.
    f.server.settle_pipeline().await;
    let (status, body) = f.put(id, &json!({"notesForCertification": "late"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_dc_error(&body, "InvalidState");
    let (status, body) = json(
        f.server
            .dc(Method::DELETE, &f.sub_path(id), &f.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "Submission in its current state cannot be deleted"
    );
    assert_eq!(body["target"], "submissionId");
    let (status, _) = f.commit(id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Moving the clock moves the pipeline, one delayed step at a time.
    let mut seen = Vec::new();
    for _ in 0..20 {
        f.server.advance_clock(3601).await;
        f.token = f.server.token().await;
        f.server.settle_pipeline().await;
        let status = f.get(&format!("{}/status", f.sub_path(id))).await.1["status"]
            .as_str()
            .unwrap()
            .to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "Published" {
            break;
        }
    }
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Published"),
        "{seen:?}"
    );
    assert!(seen.contains(&"Certification".to_string()), "{seen:?}");
    let (_, app) = f.get(&format!("applications/{}", f.app_id)).await;
    assert_eq!(app["lastPublishedApplicationSubmission"]["id"], id);
}

#[tokio::test]
async fn paths_are_case_insensitive_and_errors_are_json() {
    let f = fixture().await;
    let created = f.create().await;
    let id = created["id"].as_str().unwrap();
    let url = f.server.url(&format!(
        "V1.0/My/Applications/{}/Submissions/{id}/Commit/",
        f.app_id
    ));
    let response = f
        .server
        .http
        .post(&url)
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(response.headers().get("MS-CorrelationId").is_some());
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );

    let (status, body) = f
        .get(&format!(
            "applications/{}/submissions/1152921504606846976",
            f.app_id
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Submission not found");
    assert_eq!(body["target"], "submissionId");

    // A submission of another app is a conflict, not a 404.
    let other = f.server.reserve_app("Other").await;
    let (status, body) = f
        .get(&format!(
            "applications/{}/submissions/{id}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, body) = json(
        f.server
            .http
            .get(f.server.url("v1.0/my/nothing/here"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, "ResourceNotFound");
    let (status, body) = json(
        f.server
            .dc(
                Method::PATCH,
                &format!("applications/{}", f.app_id),
                &f.token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_dc_error(&body, "InvalidOperation");
}

#[tokio::test]
async fn admin_api_needs_the_admin_token() {
    let server = TestServer::start().await;
    let (status, body) = json(
        server
            .http
            .post(server.url("admin/v1/applications"))
            .json(&json!({"name": "X", "type": "msix"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "Unauthorized");
    let (status, body) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": "X", "type": "appx-ish"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["target"], "type");
    let (status, body) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"type": "msix"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("name"), "{body}");
    server.reserve_app("Listed").await;
    let (status, list) = json(
        server
            .admin(Method::GET, "admin/v1/applications")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["value"][0]["primaryName"], "Listed");
}
