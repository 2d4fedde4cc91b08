//! The Partner Center ingestion API (seed 003, partner-ingestion.md): the whole flow a
//! publishing client runs (§6), then each route group and its errors.

mod errors;
mod files;
mod resources;
mod workflow;

use crate::common;

use common::{TestServer, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::partner::{PartnerClient, azure_app_package};
use storeroom_testkit::fixtures::png;

/// An offer ready to submit, as §6 builds it: properties, listing with its large logo,
/// preview audience, reseller, one managed-app plan with listing, markets and a processed
/// package referenced by its technical configuration.
pub struct Offer {
    pub product: String,
    pub plan: String,
    pub package: String,
}

/// The `PUT` of a resource fetched by `getByInstanceID`, with its ETag in `If-Match`.
pub async fn put_with_etag(client: &PartnerClient, path: &str, etag: &str, body: Value) -> Value {
    let response = client
        .request(Method::PUT, path)
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let header = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "PUT {path}: {body}");
    assert_eq!(
        header.as_deref(),
        body["@odata.etag"].as_str(),
        "etag header = body"
    );
    assert_ne!(
        body["@odata.etag"].as_str(),
        Some(etag),
        "a PUT makes a new ETag"
    );
    body
}

/// Builds the offer of §6 steps 2–13.
pub async fn prepare_offer(client: &PartnerClient, offer_id: &str) -> Offer {
    let p = client.create_offer(offer_id).await;
    let setup = client
        .expect(
            Method::POST,
            &format!("products/{p}/setup"),
            json!({"resourceType": "AzureProductSetup", "sellingOption": "ListingOnly", "enableTestDrive": false}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(setup["sellingOption"], "ListingOnly");

    // Properties.
    let instance = client.draft(&p, "Property", None).await;
    let property = client.only(&p, "properties", &instance).await;
    put_with_etag(
        client,
        &format!("products/{p}/properties/{}", property["id"].as_str().unwrap()),
        property["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "AzureProperty", "industries": [], "leveledCategories": {"developer-tools-azure-apps": ["scripts"]}, "appVersion": "1.0.0", "useEnterpriseContract": false, "termsOfUse": "Use it well", "submissionVersion": "1"}),
    )
    .await;

    // Offer listing and its logo.
    let instance = client.draft(&p, "Listing", None).await;
    let listing = client.only(&p, "listings", &instance).await;
    let listing_id = listing["id"].as_str().unwrap().to_string();
    put_with_etag(
        client,
        &format!("products/{p}/listings/{listing_id}"),
        listing["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "AzureListing", "title": "Contoso Offer", "summary": "An offer", "shortDescription": "Short", "description": "<p>Long</p>", "publisherName": "Contoso", "keywords": ["a"], "listingUris": [{"type": "PrivacyUri", "uri": "https://contoso.example/privacy"}], "listingContacts": [{"type": "CustomerSupport", "email": "s@contoso.example"}, {"type": "Engineering", "email": "e@contoso.example"}], "languageCode": "en-us"}),
    )
    .await;
    let image = client
        .expect(
            Method::POST,
            &format!("products/{p}/listings/{listing_id}/images"),
            json!({"resourceType": "ListingImage", "fileName": "large.png", "type": "AzureLogoLarge", "state": "PendingUpload", "order": 0, "id": "client-chosen"}),
            StatusCode::CREATED,
        )
        .await;
    assert_ne!(image["id"], "client-chosen", "the server assigns ids");
    assert_eq!(image["state"], "PendingUpload");
    let upload = put_blob(
        &client.http,
        image["fileSasUri"].as_str().unwrap(),
        png(216, 216),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let uploaded = put_with_etag(
        client,
        &format!("products/{p}/listings/{listing_id}/images/{}", image["id"].as_str().unwrap()),
        image["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "ListingImage", "fileName": "large.png", "type": "AzureLogoLarge", "state": "Uploaded", "order": 0}),
    )
    .await;
    assert_eq!(uploaded["state"], "Uploaded");

    // Preview audience and reseller.
    let instance = client.draft(&p, "Availability", None).await;
    let availability = client.only(&p, "productAvailabilities", &instance).await;
    put_with_etag(
        client,
        &format!("products/{p}/productavailabilities/{}", availability["id"].as_str().unwrap()),
        availability["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "ProductAvailability", "visibility": "Public", "audiences": [{"type": "PreviewMarketplaceGroup", "values": [{"type": "Subscription", "id": "2fa2ba62-2f39-4e7e-a5b4-4a6c2e5a8c6b"}]}]}),
    )
    .await;
    client
        .expect(
            Method::POST,
            &format!("products/{p}/resellerConfiguration"),
            json!({"resourceType": "ResellerConfiguration", "ResellerChannelState": "Enabled", "TenantIds": []}),
            StatusCode::OK,
        )
        .await;

    // A managed-application plan.
    let plan = client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            json!({"resourceType": "AzureSkuVariant", "state": "Active", "friendlyName": "Plan 1", "leadGenID": "lead", "externalID": "plan-1", "cloudAvailabilities": ["public-azure"], "subType": "managed-application"}),
            StatusCode::CREATED,
        )
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_string();
    let instance = client.draft(&p, "Listing", Some(&plan_id)).await;
    let plan_listing = client.only(&p, "listings", &instance).await;
    assert_eq!(
        plan_listing["title"], "Plan 1",
        "a plan listing starts with its name"
    );
    put_with_etag(
        client,
        &format!("products/{p}/listings/{}", plan_listing["id"].as_str().unwrap()),
        plan_listing["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "AzureListing", "title": "Plan 1", "summary": "Plan", "description": "Plan", "shortDescription": "Plan"}),
    )
    .await;
    let instance = client.draft(&p, "Availability", Some(&plan_id)).await;
    let expand = "$expand=MarketStates,Trial,PriceSchedules";
    let features = client
        .get(&format!(
            "products/{p}/featureAvailabilities/getByInstanceID(instanceID={instance})?{expand}"
        ))
        .await["value"][0]
        .clone();
    let mut markets = features["marketStates"].as_array().unwrap().clone();
    assert_eq!(markets.len(), 141);
    markets[23]["state"] = json!("Enabled");
    markets[130]["state"] = json!("Enabled");
    let updated = put_with_etag(
        client,
        &format!("products/{p}/featureavailabilities/{}?{expand}", features["id"].as_str().unwrap()),
        features["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "FeatureAvailability", "visibility": "Public", "marketStates": markets, "priceSchedules": [{"isBaseSchedule": false, "marketCodes": ["US"], "schedules": [{"pricingModel": "Recurring", "retailPrice": {"openPrice": 0, "currencyCode": "USD"}, "priceCadence": {"type": "Month", "value": 1}}]}], "trial": {"type": "NoTrial"}}),
    )
    .await;
    assert_eq!(
        updated["marketStates"][130],
        json!({"marketCode": "US", "state": "Enabled"})
    );

    // The technical package, processed inside its PUT.
    let package = client
        .expect(
            Method::POST,
            &format!("products/{p}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(package["state"], "PendingUpload");
    let sas = package["fileSasUri"].as_str().unwrap();
    assert!(sas.contains("/file/") && sas.contains("sp=rwl"), "{sas}");
    let upload = put_blob(
        &client.http,
        &format!("{sas}&file=C:\\build\\app.zip"),
        azure_app_package(),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let package_id = package["id"].as_str().unwrap().to_string();
    let processed = client
        .expect(
            Method::PUT,
            &format!("products/{p}/packages/{package_id}"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip", "fileSasUri": sas, "state": "Uploaded", "@odata.etag": package["@odata.etag"]}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(processed["state"], "Processed", "{processed}");
    assert!(processed["fileSize"].as_u64().unwrap() > 0);
    assert!(processed["fileSasUri"].as_str().unwrap().contains("sp=rl"));

    // Its technical configuration.
    let instance = client.draft(&p, "Package", Some(&plan_id)).await;
    let configuration = client.only(&p, "packageConfigurations", &instance).await;
    assert_eq!(
        configuration["resourceType"],
        "AzureManagedApplicationPackageConfiguration"
    );
    put_with_etag(
        client,
        &format!("products/{p}/packageconfigurations/{}", configuration["id"].as_str().unwrap()),
        configuration["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "AzureManagedApplicationPackageConfiguration", "version": "1.0.0", "allowJitAccess": false, "canEnableCustomerActions": "true", "allowedCustomerActions": [], "allowedDataActions": [], "deploymentMode": "Incremental", "publicAzureTenantID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "publicAzureAuthorizations": [{"principalID": "9d8f5f3e-1c7b-4b0a-9e0d-6f2b8f4e3a21", "roleDefinitionID": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"}], "azureGovernmentTenantID": "string", "azureGovernmentAuthorizations": [], "policies": [], "packageReferences": [{"type": "AzureApplicationPackage", "value": package_id}]}),
    )
    .await;
    Offer {
        product: p,
        plan: plan_id,
        package: package_id,
    }
}

/// The submission request of §6 step 14, from the current drafts.
pub async fn submission_request(client: &PartnerClient, offer: &Offer) -> Value {
    let p = &offer.product;
    let mut resources = Vec::new();
    for module in ["Availability", "Property", "Package", "Listing"] {
        resources.push(json!({"type": module, "value": client.draft(p, module, None).await}));
    }
    resources
        .push(json!({"type": "ResellerConfiguration", "value": format!("{p}-ResellerInstance")}));
    let mut plan = Vec::new();
    for module in ["Availability", "Package", "Listing"] {
        plan.push(
            json!({"type": module, "value": client.draft(p, module, Some(&offer.plan)).await}),
        );
    }
    json!({
        "resourceType": "SubmissionCreationRequest",
        "targets": [{"type": "Scope", "value": "preview"}],
        "resources": resources,
        "variantResources": [{"variantID": offer.plan, "resources": plan}],
        "publishOption": {"isManualPublish": true, "isAutoPromote": false, "certificationNotes": "none"},
        "extendedProperties": []
    })
}

#[tokio::test]
async fn an_offer_goes_from_draft_to_live_as_a_publishing_client_drives_it() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let filter = "products?%24filter=ExternalIDs%2FAny(i%3Ai%2FType%20eq%20%27AzureOfferId%27%20and%20i%2FValue%20eq%20%27contoso-offer%27)";
    assert_eq!(client.get(filter).await, json!({"value": []}));
    let offer = prepare_offer(&client, "contoso-offer").await;
    let found = client.get(filter).await;
    assert_eq!(found["value"][0]["id"], offer.product.as_str());
    assert!(found.get("nextLink").is_none());

    let request = submission_request(&client, &offer).await;
    let p = &offer.product;
    let response = client
        .request(Method::POST, &format!("products/{p}/submissions"))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    let sid = created["id"].as_str().unwrap().to_string();
    assert_eq!(sid.len(), 19, "{sid}");
    assert!(location.ends_with(&format!("/v1.0/ingestion/products/{p}/submissions/{sid}")));
    assert_eq!(created["state"], "InProgress");
    assert_eq!(created["substate"], "Submitted");
    assert_eq!(
        created["targets"],
        json!([{"type": "Scope", "value": "Preview"}])
    );
    assert_eq!(created["friendlyName"], "Submission 1");
    assert_eq!(created["publishedTimeInUtc"], "1601-01-01T00:00:00Z");
    assert_eq!(
        created["publishOption"]["isManualPublish"], true,
        "POST echoes the publish option"
    );
    let workflow = client
        .get(&format!("products/{p}/submissions/{sid}/workflowdetails"))
        .await;
    assert_eq!(workflow["value"].as_array().unwrap().len(), 2);

    // The submission froze the drafts: branches point at new ones.
    let frozen_listing = request["resources"][3]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(client.draft(p, "Listing", None).await, frozen_listing);

    let ready = client.wait_substate(p, &sid, "ReadyToPublish").await;
    assert_eq!(ready["state"], "Published");
    assert_eq!(ready["areResourcesReady"], true);
    assert!(
        ready.get("publishOption").is_none(),
        "shown only with $expand"
    );
    let expanded = client
        .get(&format!(
            "products/{p}/submissions/{sid}?$expand=PublishOption"
        ))
        .await;
    assert_eq!(expanded["publishOption"]["certificationNotes"], "none");
    let workflow = client
        .get(&format!("products/{p}/submissions/{sid}/workflowdetails"))
        .await;
    assert_eq!(workflow["value"][0]["targetEnvironment"], "Preview");
    assert_eq!(workflow["value"][0]["state"], "Success");
    let steps: Vec<&str> = workflow["value"][0]["workflowSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["Automated validation", "Certification", "Preview Creation"]
    );
    assert_eq!(workflow["value"][1]["state"], "NotStarted");
    assert_eq!(
        client
            .get(&format!("products/{p}/submissions/{sid}/validations"))
            .await,
        json!({"value": []})
    );
    let reports = client
        .get(&format!("products/{p}/submissions/{sid}/reports"))
        .await;
    assert_eq!(reports["value"][0]["status"], "Passed");
    let report = client
        .http
        .get(reports["value"][0]["fileUri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    assert!(
        report
            .text()
            .await
            .unwrap()
            .contains("Certification passed")
    );

    let live = client
        .expect(
            Method::POST,
            &format!("products/{p}/submissions/{sid}/promote"),
            Value::Null,
            StatusCode::OK,
        )
        .await;
    assert_eq!(live["targetEnvironment"], "Live");
    assert_eq!(live["type"], "Push");
    let done = client.wait_substate(p, &sid, "InStore").await;
    assert_eq!(done["state"], "Published");
    assert_ne!(done["publishedTimeInUtc"], "1601-01-01T00:00:00Z");
    assert!(done["publishedTimeInUtc"].as_str().unwrap().ends_with('Z'));
    assert_eq!(done["pendingUpdateInfo"]["updateType"], "Promote");
    assert_eq!(done["pendingUpdateInfo"]["status"], "Completed");

    // The live state reads back: the submission in the list, the frozen listing by its
    // old instance, the package certified.
    let listed = client.get(&format!("products/{p}/submissions")).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    assert_eq!(listed["value"][0]["substate"], "InStore");
    let frozen = client.only(p, "listings", &frozen_listing).await;
    assert_eq!(frozen["title"], "Contoso Offer");
    let images = client
        .get(&format!(
            "products/{p}/listings/{}/images",
            frozen["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        images["value"][0]["state"], "Processed",
        "validation processed the logo"
    );
    let package = client
        .get(&format!("products/{p}/packages/{}", offer.package))
        .await;
    assert_eq!(package["isCertified"], true);
}
