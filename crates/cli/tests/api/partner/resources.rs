//! Products, setup, branches, plans and the resources of instances: real state, ETags,
//! replacement on PUT, paging and filters.

use crate::common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::partner::ich;

#[tokio::test]
async fn a_new_offer_has_its_branches_drafts_and_test_drive_plan() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let response = client
        .request(Method::POST, "products")
        .json(&json!({"ResourceType": "azureapplication", "Name": "Shape", "externalIds": [{"Type": "azureofferid", "Value": "shape-1"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(
        response.headers().get("etag").is_none(),
        "products carry no ETag"
    );
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let p = body["id"].as_str().unwrap().to_string();
    assert_eq!(
        location,
        server.url(&format!("v1.0/ingestion/products/{p}"))
    );
    // Exactly the observed shape, in the observed order.
    assert_eq!(
        text,
        format!(
            r#"{{"resourceType":"AzureApplication","name":"Shape","externalIDs":[{{"type":"AzureOfferId","value":"shape-1"}}],"isModularPublishing":true,"id":"{p}"}}"#
        )
    );
    let setup = client.get(&format!("products/{p}/setup")).await;
    assert_eq!(
        setup,
        json!({"resourceType": "AzureProductSetup", "sellingOption": "ListAndSell", "trialUri": "", "enableTestDrive": false, "channelStates": [{"type": "Reseller", "value": "Disabled"}]})
    );

    for module in ["Listing", "Availability", "Package"] {
        let branches = client
            .get(&format!(
                "products/{p}/branches/getByModule(module='{}')",
                module.to_lowercase()
            ))
            .await;
        let value = branches["value"].as_array().unwrap();
        assert_eq!(
            value.len(),
            2,
            "{module}: offer level and testdrive: {branches}"
        );
        assert!(value[0].get("variantID").is_none(), "offer level first");
        assert_eq!(value[1]["variantID"], "testdrive");
        assert_eq!(value[0]["friendlyName"], "Main");
        assert_eq!(value[0]["module"], module);
    }
    let reseller = client
        .get(&format!(
            "products/{p}/branches/getByModule(module=ResellerConfiguration)"
        ))
        .await;
    assert_eq!(
        reseller["value"][0]["currentDraftInstanceID"],
        format!("{p}-ResellerInstance")
    );
    for module in ["Property", "Cosell"] {
        let branches = client
            .get(&format!(
                "products/{p}/branches/getByModule(module={module})"
            ))
            .await;
        assert_eq!(branches["value"].as_array().unwrap().len(), 1);
    }
    let variants = client.get(&format!("products/{p}/variants")).await;
    let drive = &variants["value"][0];
    assert_eq!(drive["resourceType"], "AzureTestDriveVariant");
    assert_eq!(drive["state"], "Inactive");
    assert_eq!(drive["id"], "testdrive");

    let instance = client.draft(&p, "Listing", None).await;
    let listing = client.only(&p, "listings", &instance).await;
    assert_eq!(listing["title"], "Shape");
    assert_eq!(listing["languageCode"], "en-us");
    assert_eq!(listing["keywords"], json!([]));
    let instance = client.draft(&p, "Package", Some("testdrive")).await;
    let drive_config = client.only(&p, "packageconfigurations", &instance).await;
    assert_eq!(
        drive_config["resourceType"],
        "AzureResourceManagerTestDrivePackageConfiguration"
    );
    let instance = client.draft(&p, "Package", None).await;
    let offer_config = client.only(&p, "packageConfigurations", &instance).await;
    assert_eq!(
        offer_config["resourceType"],
        "AzureApplicationPackageConfiguration"
    );
}

#[tokio::test]
async fn products_page_by_a_hundred_with_a_relative_next_link() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    for n in 0..101 {
        client.create_offer(&format!("offer-{n:03}")).await;
    }
    for first in ["products", "products?$skipToken="] {
        let page = client.get(first).await;
        assert_eq!(page["value"].as_array().unwrap().len(), 100);
        let link = page["nextLink"].as_str().unwrap();
        assert!(
            link.starts_with("v1.0/ingestion/products?$skipToken="),
            "{link}"
        );
        // A client strips "v1.0/ingestion" and appends the rest to its base URL.
        let rest = &link["v1.0/ingestion".len()..];
        let second = client.get(rest).await;
        assert_eq!(second["value"].as_array().unwrap().len(), 1);
        assert_eq!(second["value"][0]["name"], "offer-100");
        assert!(second.get("nextLink").is_none());
    }
    let filtered = client
        .get("products?$filter=ResourceType eq 'AzureApplication'")
        .await;
    assert_eq!(
        filtered["value"].as_array().unwrap().len(),
        101,
        "a filter answers one page"
    );
    assert!(filtered.get("nextLink").is_none());
    let none = client
        .get("products?$filter=resourceType eq 'AzureContainer'")
        .await;
    assert_eq!(none, json!({"value": []}));
    let legacy = client.get("products?externalId=OFFER-007").await;
    assert_eq!(legacy["value"][0]["name"], "offer-007");
}

#[tokio::test]
async fn puts_replace_honour_if_match_and_lose_nothing_when_stale() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("etags").await;
    let instance = client.draft(&p, "Listing", None).await;
    let listing = client.only(&p, "listings", &instance).await;
    let path = format!("products/{p}/listings/{}", listing["id"].as_str().unwrap());
    let etag = listing["@odata.etag"].as_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with("0000\""), "{etag}");

    let first = super::put_with_etag(
        &client,
        &path,
        &etag,
        json!({"resourceType": "AzureListing", "title": "One", "keywords": ["k"], "gettingStartedInstructions": "x", "languageCode": "fr-fr"}),
    )
    .await;
    assert_eq!(first["languageCode"], "en-us", "languageCode survives");
    // A stale If-Match is refused and changes nothing.
    let response = client
        .request(Method::PUT, &path)
        .header("If-Match", &etag)
        .json(&json!({"resourceType": "AzureListing", "title": "Lost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(ich(&body).0, 50412);
    let current = client.get(&path).await;
    assert_eq!(current["title"], "One");
    assert_eq!(current["keywords"], json!(["k"]));

    // `*`, a weak form of the current value and no If-Match all pass; a PUT replaces.
    let current_etag = current["@odata.etag"].as_str().unwrap().to_string();
    let second = super::put_with_etag(
        &client,
        &path,
        &format!("W/{current_etag}"),
        json!({"resourceType": "AzureListing", "title": "Two"}),
    )
    .await;
    assert!(
        second.get("keywords").is_none(),
        "left out means cleared: {second}"
    );
    assert!(second.get("gettingStartedInstructions").is_none());
    super::put_with_etag(&client, &path, "*", json!({"title": "Three"})).await;
    let answer = client
        .expect(
            Method::PUT,
            &path,
            json!({"title": "Four", "listingContacts": [{"type": "Boss"}]}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(
        ich(&answer).1["data"]["ListingContacts[0].type"].is_array(),
        "{answer}"
    );
    let answer = client
        .expect(
            Method::PUT,
            &path,
            json!({"resourceType": "AzureProperty", "title": "Four"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(
        ich(&answer).1["data"]["ResourceType"].is_array(),
        "{answer}"
    );
    let answer = client
        .expect(
            Method::PUT,
            &format!("products/{p}/listings/unknown"),
            json!({"title": "x"}),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(ich(&answer).0, 50404);

    // Properties drop empty strings; the enterprise contract clears the terms of use.
    let instance = client.draft(&p, "Property", None).await;
    let property = client.only(&p, "properties", &instance).await;
    let updated = client
        .expect(
            Method::PUT,
            &format!("products/{p}/properties/{}", property["id"].as_str().unwrap()),
            json!({"resourceType": "AzureProperty", "industries": [""], "categories": ["", "web"], "useEnterpriseContract": "true", "termsOfUse": "mine"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["industries"], json!([]));
    assert_eq!(updated["categories"], json!(["web"]));
    assert_eq!(updated["useEnterpriseContract"], true);
    assert_eq!(updated["termsOfUse"], "");
    let again = client
        .expect(
            Method::POST,
            &format!("products/{p}/properties"),
            json!({"resourceType": "AzureProperty"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(ich(&again).0, 50409);
}

#[tokio::test]
async fn plans_create_their_branches_and_configurations_check_references() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("plans").await;
    let body = json!({"resourceType": "AzureSkuVariant", "friendlyName": "Gold", "externalID": "gold", "subType": "solution-template"});
    let plan = client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            body.clone(),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(plan["state"], "Active");
    assert_eq!(plan["conversionPaths"], "*");
    assert_eq!(plan["cloudAvailabilities"], json!(["public-azure"]));
    assert_eq!(plan["certificationsAzureGovernment"], json!([]));
    let plan_id = plan["id"].as_str().unwrap().to_string();
    client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            body,
            StatusCode::CONFLICT,
        )
        .await;
    let defaulted = client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            json!({"friendlyName": "Silver", "externalID": "silver"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(defaulted["subType"], "solution-template");
    let variants = client.get(&format!("products/{p}/variants")).await;
    let ids: Vec<&str> = variants["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "testdrive",
            plan_id.as_str(),
            defaulted["id"].as_str().unwrap()
        ]
    );

    let instance = client.draft(&p, "Package", Some(&plan_id)).await;
    let configuration = client.only(&p, "packageConfigurations", &instance).await;
    assert_eq!(
        configuration["resourceType"],
        "AzureSolutionTemplatePackageConfiguration"
    );
    let path = format!(
        "products/{p}/packageconfigurations/{}",
        configuration["id"].as_str().unwrap()
    );
    let answer = client
        .expect(Method::PUT, &path, json!({"resourceType": "AzureSolutionTemplatePackageConfiguration", "version": "1.0.0", "packageReferences": [{"type": "AzureApplicationPackage", "value": "00000000-0000-0000-0000-000000000000"}]}), StatusCode::BAD_REQUEST)
        .await;
    assert!(
        ich(&answer).1["data"]["PackageReferences"].is_array(),
        "{answer}"
    );
    let instance = client.draft(&p, "Package", None).await;
    let offer_config = client.only(&p, "packageConfigurations", &instance).await;
    let answer = client
        .expect(
            Method::PUT,
            &format!("products/{p}/packageconfigurations/{}", offer_config["id"].as_str().unwrap()),
            json!({"resourceType": "AzureApplicationPackageConfiguration", "azureActiveDirectoryTenantID": "not-a-guid"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(
        answer.as_str().unwrap().contains("Enter a valid GUID"),
        "{answer}"
    );

    // A PUT keeps the plan's id and subType; a feature availability shows its markets only
    // when expanded.
    let updated = client
        .expect(Method::PUT, &format!("products/{p}/variants/{plan_id}"), json!({"resourceType": "AzureSkuVariant", "friendlyName": "Gold 2", "subType": "managed-application", "state": "inactive"}), StatusCode::OK)
        .await;
    assert_eq!(updated["subType"], "solution-template");
    assert_eq!(updated["externalID"], "gold");
    assert_eq!(updated["state"], "Inactive");
    let instance = client.draft(&p, "Availability", Some(&plan_id)).await;
    let plain = client.only(&p, "featureAvailabilities", &instance).await;
    assert!(plain.get("marketStates").is_none());
    assert_eq!(plain["visibility"], "Public");
    let expanded = client
        .get(&format!(
            "products/{p}/featureavailabilities/{}?$expand=MarketStates",
            plain["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(expanded["marketStates"].as_array().unwrap().len(), 141);
    assert!(expanded.get("trial").is_none());

    // Deleting a plan removes its branches.
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}/variants/{plan_id}"),
            Value::Null,
            StatusCode::NO_CONTENT,
        )
        .await;
    let listings = client
        .get(&format!(
            "products/{p}/branches/getByModule(module=Listing)"
        ))
        .await;
    assert!(
        listings["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["variantID"] != plan_id.as_str())
    );
    client
        .expect(
            Method::GET,
            &format!("products/{p}/variants/{plan_id}"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
}

#[tokio::test]
async fn reseller_lead_cosell_and_supplemental_content_keep_what_they_are_given() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("extras").await;
    let reseller = client
        .expect(
            Method::POST,
            &format!("products/{p}/resellerConfiguration"),
            json!({"resellerChannelState": "partialoptin", "tenantIds": ["t1"]}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        reseller,
        json!({"resourceType": "ResellerConfiguration", "resellerChannelState": "PartialOptIn", "tenantIds": ["t1"]})
    );
    assert_eq!(
        client
            .get(&format!("products/{p}/resellerconfiguration"))
            .await,
        reseller
    );
    let setup = client.get(&format!("products/{p}/setup")).await;
    assert_eq!(
        setup["channelStates"],
        json!([{"type": "Reseller", "value": "Enabled"}])
    );

    client
        .expect(
            Method::GET,
            &format!("products/{p}/leadconfiguration"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
    client
        .expect(Method::POST, &format!("products/{p}/leadconfiguration"), json!({"resourceType": "HttpsEndpointLeadConfiguration", "httpsEndpointUri": "https://leads.example", "contactEmail": "a@b.c"}), StatusCode::OK)
        .await;
    let lead = client.get(&format!("products/{p}/leadConfiguration")).await;
    assert_eq!(lead["resourceType"], "HttpsEndpointLeadConfiguration");
    assert_eq!(lead["httpsEndpointUri"], "https://leads.example");
    client
        .expect(
            Method::POST,
            &format!("products/{p}/leadconfiguration"),
            json!({"resourceType": "CarrierPigeon"}),
            StatusCode::BAD_REQUEST,
        )
        .await;

    let cosell = client.draft(&p, "Cosell", None).await;
    let listing = client
        .expect(Method::PUT, &format!("products/{p}/cosellListing/{cosell}"), json!({"resourceType": "CosellListing", "offerType": "Solution", "offerPlatforms": ["Azure"]}), StatusCode::OK)
        .await;
    assert_eq!(listing["offerType"], "Solution");
    assert_eq!(
        client
            .get(&format!("products/{p}/cosellListing/{cosell}"))
            .await["offerPlatforms"],
        json!(["Azure"])
    );
    let asset = client
        .expect(
            Method::POST,
            &format!("products/{p}/cosellAssets"),
            json!({"resourceType": "CosellAsset", "fileName": "deck.pdf", "type": "Presentation"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(asset["state"], "PendingUpload");
    assert!(asset["fileSasUri"].as_str().unwrap().contains("sp=rwl"));
    let id = asset["id"].as_str().unwrap();
    let assets = client
        .get(&format!(
            "products/{p}/cosellAssets/getByInstanceID(instanceID={cosell})"
        ))
        .await;
    assert_eq!(assets["value"][0]["id"], id);
    client
        .expect(
            Method::PUT,
            &format!("products/{p}/cosellAssets/{id}"),
            json!({"state": "Uploaded"}),
            StatusCode::OK,
        )
        .await;
    client
        .expect(
            Method::DELETE,
            &format!("products/{p}/cosellAssets/{id}"),
            Value::Null,
            StatusCode::NO_CONTENT,
        )
        .await;
    client
        .expect(
            Method::GET,
            &format!("products/{p}/cosellAssets/{id}"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;

    client
        .expect(
            Method::GET,
            &format!("products/{p}/supplementalContents/getByInstanceID(instanceID=nope)"),
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
}

#[tokio::test]
async fn a_virtual_machine_offer_has_supplemental_content_and_plans_without_configurations() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let body = client
        .expect(
            Method::POST,
            "products",
            json!({"resourceType": "AzureThirdPartyVirtualMachine", "name": "VM", "externalIDs": [{"type": "AzureOfferId", "value": "vm-offer"}]}),
            StatusCode::CREATED,
        )
        .await;
    let p = body["id"].as_str().unwrap().to_string();
    let instance = client.draft(&p, "SupplementalContent", None).await;
    let content = client
        .get(&format!("products/{p}/supplementalContents/{instance}"))
        .await;
    let updated = super::put_with_etag(
        &client,
        &format!("products/{p}/supplementalContents/{instance}"),
        content["@odata.etag"].as_str().unwrap(),
        json!({"resourceType": "SupplementalContent", "targetRelease": "2026.12", "supportedEditions": ["Standard"]}),
    )
    .await;
    assert_eq!(updated["targetRelease"], "2026.12");
    let committed = client
        .expect(
            Method::POST,
            &format!("products/{p}/supplementalContents/{instance}/commit"),
            Value::Null,
            StatusCode::OK,
        )
        .await;
    assert_ne!(committed["@odata.etag"], updated["@odata.etag"]);
    let listed = client
        .get(&format!(
            "products/{p}/supplementalcontents/getByInstanceID(instanceID={instance})"
        ))
        .await;
    assert_eq!(listed["value"][0]["supportedEditions"], json!(["Standard"]));

    let plan = client
        .expect(
            Method::POST,
            &format!("products/{p}/variants"),
            json!({"friendlyName": "Small", "externalID": "small"}),
            StatusCode::CREATED,
        )
        .await;
    assert!(plan.get("subType").is_none(), "{plan}");
    let packages = client
        .get(&format!(
            "products/{p}/branches/getByModule(module=Package)"
        ))
        .await;
    assert_eq!(
        packages,
        json!({"value": []}),
        "virtual machines have no technical configuration here"
    );
    let listings = client
        .get(&format!(
            "products/{p}/branches/getByModule(module=Listing)"
        ))
        .await;
    assert_eq!(listings["value"].as_array().unwrap().len(), 2);
    let package = client
        .expect(
            Method::POST,
            &format!("products/{p}/packages"),
            json!({"fileName": "x.zip"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(
        ich(&package).1["data"]["ResourceType"].is_array(),
        "{package}"
    );
}
