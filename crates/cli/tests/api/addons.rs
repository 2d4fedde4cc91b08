//! Add-ons (in-app products) and add-on submissions over HTTP.

use crate::common;

use common::{TestApp, call_as, put_blob, zip_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::fixtures::png;

async fn fixture() -> TestApp {
    TestApp::builder().app("Add-on host").start().await
}

/// This module's requests, on the kit's app.
trait AddOns {
    async fn create_add_on(&self, product_id: &str) -> Value;

    /// Creates an add-on and its first submission; returns the add-on path and submission.
    async fn add_on_with_submission(&self, product_id: &str) -> (String, Value);
}

impl AddOns for TestApp {
    async fn create_add_on(&self, product_id: &str) -> Value {
        let (status, add_on) = self
            .call(
                Method::POST,
                "inappproducts",
                Some(json!({"applicationIds": [self.app_id], "productId": product_id, "productType": "Durable"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{add_on}");
        add_on
    }

    /// Creates an add-on and its first submission; returns the add-on path and submission.
    async fn add_on_with_submission(&self, product_id: &str) -> (String, Value) {
        let add_on = self.create_add_on(product_id).await;
        let base = format!("inappproducts/{}", add_on["id"].as_str().unwrap());
        let (status, submission) = self
            .call(Method::POST, &format!("{base}/submissions"), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{submission}");
        (base, submission)
    }
}

/// `body` with the `contentType` real clients set on an add-on PUT (the service refuses the
/// draft default `NotSet`), unless it names one.
fn with_content_type(mut body: Value) -> Value {
    if let Value::Object(members) = &mut body {
        members
            .entry("contentType")
            .or_insert_with(|| json!("OnlineDataStorage"));
    }
    body
}

/// The 400/409 of a rejected call, with the field it names.
fn rejection(result: (StatusCode, Value)) -> (StatusCode, String, String) {
    let (status, body) = result;
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
        body["target"].as_str().unwrap_or_default().to_string(),
    )
}

fn invalid(target: &str) -> (StatusCode, String, String) {
    (
        StatusCode::BAD_REQUEST,
        "InvalidParameterValue".into(),
        target.into(),
    )
}

fn conflict(target: &str) -> (StatusCode, String, String) {
    (StatusCode::CONFLICT, "InvalidState".into(), target.into())
}

fn listing_with_icon(icon: &str, status: &str) -> Value {
    json!({"en": {"title": "Gold pack", "description": "1000 gold coins",
                  "icon": {"fileName": icon, "fileStatus": status}}})
}

#[tokio::test]
async fn python_sample_creates_reads_and_deletes_an_add_on() {
    let f = fixture().await;
    // The sample sends its JSON with a lower-case content type header and reads ["id"].
    let (status, add_on) = f
        .call(
            Method::POST,
            "inappproducts/",
            Some(json!({"applicationIds": [f.app_id], "productId": "SampleAddOn", "productType": "Consumable"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{add_on}");
    let id = add_on["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 12, "Store IDs: {id}");
    assert_eq!(
        add_on,
        json!({
            "applications": {"value": [{"id": f.app_id, "resourceLocation": format!("applications/{}", f.app_id)}],
                             "totalCount": 1},
            "id": id, "productId": "SampleAddOn", "productType": "Consumable"
        }),
        "no submission references on a new add-on"
    );
    let (status, fetched) = f
        .call(Method::GET, &format!("InAppProducts/{id}"), None)
        .await;
    assert_eq!((status, &fetched), (StatusCode::OK, &add_on));

    let (status, _) = f
        .call(Method::DELETE, &format!("inappproducts/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = f
        .call(Method::GET, &format!("inappproducts/{id}"), None)
        .await;
    assert_eq!(
        rejection((status, body)),
        (
            StatusCode::NOT_FOUND,
            "ResourceNotFound".into(),
            "inAppProductId".into()
        )
    );
    let (status, _) = f
        .call(Method::DELETE, &format!("inappproducts/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Deleted product ids may be used again.
    f.create_add_on("SampleAddOn").await;
}

#[tokio::test]
async fn creation_rules_name_the_field() {
    let f = fixture().await;
    f.create_add_on("Gold").await;
    let create = |body: Value| f.call(Method::POST, "inappproducts", Some(body));
    let app = f.app_id.clone();
    assert_eq!(
        rejection(create(json!({"productId": "A", "productType": "Durable"})).await),
        invalid("applicationIds")
    );
    assert_eq!(
        rejection(
            create(
                json!({"applicationIds": [app, app], "productId": "A", "productType": "Durable"})
            )
            .await
        ),
        invalid("applicationIds")
    );
    assert_eq!(
        rejection(
            create(json!({"applicationIds": ["9ZZZZZZZZZZZ"], "productId": "A", "productType": "Durable"}))
                .await
        ),
        invalid("applicationIds")
    );
    assert_eq!(
        rejection(create(json!({"applicationIds": [app], "productType": "Durable"})).await),
        invalid("productId")
    );
    assert_eq!(
        rejection(
            create(json!({"applicationIds": [app], "productId": "x".repeat(101), "productType": "Durable"}))
                .await
        ),
        invalid("productId")
    );
    for product_type in [json!(null), json!("Subscription"), json!("NotSet")] {
        assert_eq!(
            rejection(
                create(
                    json!({"applicationIds": [app], "productId": "A", "productType": product_type})
                )
                .await
            ),
            invalid("productType")
        );
    }
    assert_eq!(
        rejection(
            create(json!({"applicationIds": [app], "productId": 7, "productType": "Durable"}))
                .await
        ),
        invalid("productId")
    );
    let response = f
        .server
        .dc(Method::POST, "inappproducts", &f.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // productId is unique in the account, whatever its case: 409 InvalidState.
    let (status, body) =
        create(json!({"ApplicationIds": [app], "ProductId": "GOLD", "ProductType": "durable"}))
            .await;
    assert_eq!(rejection((status, body.clone())), conflict("productId"));
    assert!(
        body["message"].as_str().unwrap().contains("'Gold'"),
        "{body}"
    );
    // Lenient input: PascalCase keys and lower-case enum values are accepted.
    let (status, created) = create(
        json!({"ApplicationIds": [app], "ProductId": "Silver", "ProductType": "consumable"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["productType"], "Consumable");
}

#[tokio::test]
async fn add_ons_page_with_next_links() {
    let f = fixture().await;
    let (status, body) = f.call(Method::GET, "inappproducts", None).await;
    assert_eq!(
        rejection((status, body)),
        (
            StatusCode::NOT_FOUND,
            "ResourceNotFound".into(),
            "inAppProducts".into()
        ),
        "no add-ons at all"
    );
    let mut ids = Vec::new();
    for n in 0..26 {
        ids.push(
            f.create_add_on(&format!("Pack{n:02}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let other_app = f.server.reserve_app("Without add-ons").await;
    let other_app = other_app["id"].as_str().unwrap();

    // Without parameters: every add-on, one page.
    let (status, all) = f.call(Method::GET, "inappproducts", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["totalCount"], 26);
    assert_eq!(all["value"].as_array().unwrap().len(), 26);
    assert!(all.get("@nextLink").is_none(), "{}", all["@nextLink"]);

    // Paged: follow @nextLink relative to /v1.0/my/.
    let mut seen = Vec::new();
    let mut next = Some("inappproducts/?top=10".to_string());
    let mut links = Vec::new();
    while let Some(path) = next {
        let (status, page) = f.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["totalCount"], 26);
        seen.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
        next = page
            .get("@nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
        links.extend(next.clone());
    }
    assert_eq!(seen, ids, "oldest first, each once");
    assert_eq!(
        links,
        [
            "inappproducts?skip=10&top=10",
            "inappproducts?skip=20&top=10"
        ]
    );
    let (status, past_end) = f
        .call(Method::GET, "inappproducts?skip=30&top=10", None)
        .await;
    assert_eq!(
        (
            status,
            past_end["value"].clone(),
            past_end["totalCount"].clone()
        ),
        (StatusCode::OK, json!([]), json!(26))
    );
    assert_eq!(
        rejection(f.call(Method::GET, "inappproducts?top=0", None).await),
        invalid("top")
    );
    assert_eq!(
        rejection(f.call(Method::GET, "inappproducts?skip=-1", None).await),
        invalid("skip")
    );

    // Per app: `{inAppProductId}` items, 10 per page by default.
    let list = format!("applications/{}/listinappproducts", f.app_id);
    let (status, first) = f.call(Method::GET, &list, None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["totalCount"], 26);
    assert_eq!(first["value"][0], json!({"inAppProductId": ids[0]}));
    assert_eq!(first["value"].as_array().unwrap().len(), 10);
    assert_eq!(first["@nextLink"], format!("{list}?skip=10&top=10"));
    let mut seen = Vec::new();
    let mut next = Some(format!("{list}/?top=7"));
    while let Some(path) = next {
        let (_, page) = f.call(Method::GET, &path, None).await;
        seen.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["inAppProductId"].as_str().unwrap().to_string()),
        );
        next = page
            .get("@nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    assert_eq!(seen, ids);
    assert_eq!(
        rejection(
            f.call(
                Method::GET,
                &format!("applications/{other_app}/listinappproducts"),
                None
            )
            .await
        ),
        (
            StatusCode::NOT_FOUND,
            "ResourceNotFound".into(),
            "inAppProducts".into()
        ),
        "an app without add-ons"
    );
    assert_eq!(
        f.call(
            Method::GET,
            "applications/9ZZZZZZZZZZZ/listinappproducts",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn other_sellers_see_none_of_them() {
    let f = fixture().await;
    let add_on = f.create_add_on("Private").await;
    let id = add_on["id"].as_str().unwrap();
    let other = f.server.create_seller("Fabrikam").await;
    let other_token = &f.server.token_of(&other, common::DEVCENTER).await;
    for (method, path) in [
        (Method::GET, format!("inappproducts/{id}")),
        (Method::DELETE, format!("inappproducts/{id}")),
        (Method::POST, format!("inappproducts/{id}/submissions")),
        (Method::GET, "inappproducts".to_string()),
    ] {
        assert_eq!(
            call_as(&f.server, other_token, method.clone(), &path, None)
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{method} {path}"
        );
    }
    // Their own add-on may reuse the product id, but not on our app.
    assert_eq!(
        rejection(
            call_as(
                &f.server,
                other_token,
                Method::POST,
                "inappproducts",
                Some(json!({"applicationIds": [f.app_id], "productId": "Private", "productType": "Durable"})),
            )
            .await
        ),
        invalid("applicationIds")
    );
    let (status, _) = call_as(
        &f.server,
        &f.token,
        Method::GET,
        &format!("inappproducts/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn first_submission_starts_from_defaults_and_put_rules() {
    let f = fixture().await;
    let (base, created) = f.add_on_with_submission("Gold").await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 19);
    assert!(
        created["fileUploadUrl"]
            .as_str()
            .unwrap()
            .contains("/ingestion/")
    );
    let mut defaults = created.clone();
    for key in ["id", "fileUploadUrl"] {
        defaults.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(
        defaults,
        json!({
            "contentType": "NotSet", "keywords": [], "lifetime": "Forever", "listings": {},
            "pricing": {"marketSpecificPricings": {}, "sales": [], "priceId": "Free", "isAdvancedPricingModel": true},
            "targetPublishMode": "Immediate", "targetPublishDate": "1601-01-01T00:00:00Z",
            "tag": "", "visibility": "Public", "status": "PendingCommit",
            "statusDetails": {"errors": [], "warnings": [], "certificationReports": []},
            "friendlyName": "Submission 1"
        })
    );
    let (_, add_on) = f.call(Method::GET, &base, None).await;
    assert_eq!(
        add_on["pendingInAppProductSubmission"],
        json!({"id": id, "resourceLocation": format!("{base}/submissions/{id}")})
    );
    assert!(add_on.get("lastPublishedInAppProductSubmission").is_none());

    // One pending submission at a time.
    assert_eq!(
        rejection(
            f.call(Method::POST, &format!("{base}/submissions"), None)
                .await
        ),
        conflict("submission")
    );

    let path = format!("{base}/submissions/{id}");
    let put = |body: Value| f.call(Method::PUT, &path, Some(with_content_type(body)));
    // Nothing to publish yet: no listing.
    let (status, body) = put(json!({"tag": "no listings"})).await;
    assert_eq!(rejection((status, body.clone())), invalid("listings"));
    assert_eq!(body["message"], "The size of Listings must be 1 or more");
    assert_eq!(
        rejection(put(json!({"listings": {}})).await),
        invalid("listings")
    );
    assert_eq!(
        rejection(f.call(Method::POST, &format!("{path}/commit"), None).await),
        invalid("listings"),
        "committing the untouched first submission"
    );
    let listing = json!({"en": {"title": "Gold", "description": "Shiny"}});
    for (body, target) in [
        (
            json!({"listings": listing, "pricing": {"priceId": "Base"}}),
            "pricing",
        ),
        (
            json!({"listings": listing, "pricing": {"priceId": "Tier5"}}),
            "pricing",
        ),
        (
            json!({"listings": listing, "pricing": {"priceId": "Free", "marketSpecificPricings": {"USA": "Tier1012"}}}),
            "pricing",
        ),
        (
            json!({"listings": listing, "keywords": (0..11).map(|n| format!("k{n}")).collect::<Vec<_>>()}),
            "keywords",
        ),
        (
            json!({"listings": listing, "keywords": ["x".repeat(31)]}),
            "keywords[0]",
        ),
        (json!({"listings": listing, "tag": "x".repeat(3001)}), "tag"),
        (
            json!({"listings": listing, "contentType": "Cartoon"}),
            "contentType",
        ),
        (
            json!({"listings": listing, "lifetime": "TenYears"}),
            "lifetime",
        ),
        (
            json!({"listings": listing, "visibility": "Everyone"}),
            "visibility",
        ),
        (
            json!({"listings": listing, "targetPublishMode": "Later"}),
            "targetPublishMode",
        ),
        (
            json!({"listings": {"en": {"description": "no title"}}}),
            "listings.en.title",
        ),
        (
            json!({"listings": {"en": {"title": "x".repeat(101)}}}),
            "listings.en.title",
        ),
        (
            json!({"listings": {"en": {"title": "T", "description": "x".repeat(201)}}}),
            "listings.en.description",
        ),
        (json!({"listings": {"en us": {"title": "T"}}}), "listings"),
        (
            json!({"listings": listing_with_icon("icon.jpg", "PendingUpload")}),
            "listings.en.icon.fileName",
        ),
        (
            json!({"listings": listing_with_icon("icon.png", "Uploaded")}),
            "listings.en.icon.fileStatus",
        ),
    ] {
        assert_eq!(
            rejection(put(body.clone()).await),
            invalid(target),
            "{body}"
        );
    }
    assert_eq!(
        f.call(Method::PUT, &path, None).await.0,
        StatusCode::BAD_REQUEST,
        "an empty body"
    );

    // A good PUT: PascalCase keys accepted, read-only fields ignored.
    let (status, updated) = put(json!({
        "Listings": {"en": {"Title": "Gold", "Description": "Shiny"}, "ru": {"title": "Золото"}},
        "contentType": "OnlineDataStorage", "keywords": ["gold", "coins"], "lifetime": "SixMonths",
        "pricing": {"priceId": "Tier1012", "marketSpecificPricings": {"RU": "NotAvailable"},
                    "sales": [{"name": "old"}], "isAdvancedPricingModel": false},
        "targetPublishMode": "Manual", "targetPublishDate": "", "tag": "{\"sku\": 1}",
        "visibility": "Hidden", "friendlyName": "Mine"
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["status"], "PendingCommit");
    assert_eq!(updated["friendlyName"], "Submission 1");
    assert_eq!(updated["fileUploadUrl"], created["fileUploadUrl"]);
    assert_eq!(
        updated["listings"]["ru"],
        json!({"description": "", "title": "Золото"})
    );
    assert_eq!(updated["lifetime"], "SixMonths");
    assert_eq!(updated["visibility"], "Hidden");
    assert_eq!(updated["targetPublishMode"], "Manual");
    assert_eq!(
        updated["pricing"],
        json!({"marketSpecificPricings": {"RU": "NotAvailable"}, "sales": [], "priceId": "Tier1012",
               "isAdvancedPricingModel": true})
    );
    let (_, fetched) = f.call(Method::GET, &path, None).await;
    assert_eq!(fetched, updated);
    let (status, status_body) = f.call(Method::GET, &format!("{path}/status"), None).await;
    assert_eq!(
        (status, status_body),
        (
            StatusCode::OK,
            json!({"status": "PendingCommit", "statusDetails": {"errors": [], "warnings": [], "certificationReports": []}})
        )
    );
    // Fields left out keep their value.
    let (_, kept) = put(json!({"tag": "v2"})).await;
    assert_eq!(
        (kept["tag"].clone(), kept["lifetime"].clone()),
        (json!("v2"), json!("SixMonths"))
    );

    // Wrong parents: unknown ids 404, another product's submission 409.
    let (other_base, other_submission) = f.add_on_with_submission("Silver").await;
    let other_id = other_submission["id"].as_str().unwrap();
    assert_eq!(
        rejection(
            f.call(Method::GET, &format!("{base}/submissions/{other_id}"), None)
                .await
        ),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(
            f.call(
                Method::PUT,
                &format!("{other_base}/submissions/{id}"),
                Some(json!({"tag": "x"}))
            )
            .await
        ),
        conflict("submissionId")
    );
    let (_, app) = f
        .call(Method::GET, &format!("applications/{}", f.app_id), None)
        .await;
    let app_submission = app["lastPublishedApplicationSubmission"]["id"]
        .as_str()
        .unwrap();
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::GET, "/status"),
        (Method::POST, "/commit"),
        (Method::DELETE, ""),
    ] {
        assert_eq!(
            f.call(
                method.clone(),
                &format!("{base}/submissions/{app_submission}{suffix}"),
                None
            )
            .await
            .0,
            StatusCode::CONFLICT,
            "{method} app submission{suffix} under an add-on"
        );
        assert_eq!(
            rejection(
                f.call(
                    method.clone(),
                    &format!("{base}/submissions/1152921504606846976{suffix}"),
                    None
                )
                .await
            ),
            (
                StatusCode::NOT_FOUND,
                "ResourceNotFound".into(),
                "submissionId".into()
            ),
            "{method} unknown submission{suffix}"
        );
    }
    assert_eq!(
        f.call(
            Method::GET,
            &format!("applications/{}/submissions/{id}", f.app_id),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "an add-on submission under an app"
    );
    assert_eq!(
        f.call(Method::POST, "inappproducts/9ZZZZZZZZZZZ/submissions", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Delete the pending submission: the add-on loses its reference, a new one can start.
    let (status, _) = f.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, add_on) = f.call(Method::GET, &base, None).await;
    assert!(
        add_on.get("pendingInAppProductSubmission").is_none(),
        "{add_on}"
    );
    assert_eq!(
        f.call(Method::GET, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, again) = f
        .call(
            Method::POST,
            &format!("{base}/submissions?isMinimalResponse=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["friendlyName"], "Submission 2");
    assert!(again.get("listings").is_none(), "minimal response: {again}");
    assert!(again["fileUploadUrl"].is_string());

    // Deleting an add-on takes its pending submission with it.
    let again_id = again["id"].as_str().unwrap();
    let (status, _) = f.call(Method::DELETE, &base, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        f.call(Method::GET, &format!("{base}/submissions/{again_id}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn add_on_submission_through_upload_to_published() {
    let f = fixture().await;
    // The add-on follows its app's pipeline policy: here certification waits for approval.
    f.set_pipeline(json!({"mode": "manual"})).await;
    let (base, created) = f.add_on_with_submission("Gold").await;
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("{base}/submissions/{id}");
    let icon = "Monetization\\en\\icon.png";
    let (status, updated) = f
        .call(
            Method::PUT,
            &path,
            Some(json!({"listings": listing_with_icon(icon, "PendingUpload"), "pricing": {"priceId": "Tier1012"},
                        "contentType": "BookDownload", "keywords": ["gold"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let upload = put_blob(
        &f.server.http,
        updated["fileUploadUrl"].as_str().unwrap(),
        zip_of(&[("Monetization/en/icon.png", png(300, 300))]),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);

    let (status, committed) = f.call(Method::POST, &format!("{path}/Commit"), None).await;
    assert_eq!(
        (status, committed),
        (StatusCode::ACCEPTED, json!({"status": "CommitStarted"}))
    );
    f.wait_for(&format!("{path}/status"), &["Certification"])
        .await;

    // In flight: every change is a conflict.
    assert_eq!(
        rejection(
            f.call(Method::PUT, &path, Some(json!({"tag": "late"})))
                .await
        ),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::POST, &format!("{path}/commit"), None).await),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::DELETE, &path, None).await),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::DELETE, &base, None).await),
        conflict("inAppProductId")
    );
    assert_eq!(
        rejection(
            f.call(Method::POST, &format!("{base}/submissions"), None)
                .await
        ),
        conflict("submission")
    );

    let approved = f
        .server
        .admin(Method::POST, &format!("admin/v1/submissions/{id}/approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::OK);
    let done = f
        .wait_for(
            &format!("{path}/status"),
            &["Published", "CommitFailed", "PublishFailed"],
        )
        .await;
    assert_eq!(done["status"], "Published", "{done}");
    assert_eq!(
        done["statusDetails"]["certificationReports"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (_, add_on) = f.call(Method::GET, &base, None).await;
    assert_eq!(
        add_on["lastPublishedInAppProductSubmission"],
        json!({"id": id, "resourceLocation": path})
    );
    assert!(
        add_on.get("pendingInAppProductSubmission").is_none(),
        "{add_on}"
    );
    let (_, published) = f.call(Method::GET, &path, None).await;
    assert_eq!(
        published["listings"]["en"]["icon"]["fileStatus"],
        "Uploaded"
    );

    // Published: the submission is final, and neither it nor the add-on can be deleted.
    assert_eq!(
        rejection(
            f.call(Method::PUT, &path, Some(json!({"tag": "late"})))
                .await
        ),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::POST, &format!("{path}/commit"), None).await),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::DELETE, &path, None).await),
        conflict("submissionId")
    );
    assert_eq!(
        rejection(f.call(Method::DELETE, &base, None).await),
        conflict("inAppProductId")
    );

    // The next submission is a copy of the published one.
    let (status, next) = f
        .call(Method::POST, &format!("{base}/submissions"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{next}");
    assert_ne!(next["id"], published["id"]);
    assert_ne!(next["fileUploadUrl"], published["fileUploadUrl"]);
    assert_eq!(next["friendlyName"], "Submission 2");
    assert_eq!(next["status"], "PendingCommit");
    for key in [
        "listings",
        "pricing",
        "contentType",
        "keywords",
        "lifetime",
        "tag",
        "visibility",
    ] {
        assert_eq!(next[key], published[key], "{key}");
    }
    // Its icon is already uploaded: re-sending it as Uploaded is fine, a new one is not.
    let next_path = format!("{base}/submissions/{}", next["id"].as_str().unwrap());
    let (status, _) = f
        .call(
            Method::PUT,
            &next_path,
            Some(json!({"listings": listing_with_icon(icon, "Uploaded")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, add_on) = f.call(Method::GET, &base, None).await;
    assert_eq!(add_on["pendingInAppProductSubmission"]["id"], next["id"]);
    assert_eq!(
        add_on["lastPublishedInAppProductSubmission"]["id"],
        id.as_str()
    );
}

#[tokio::test]
async fn a_missing_icon_fails_the_commit_and_can_be_fixed() {
    let f = fixture().await;
    let (base, created) = f.add_on_with_submission("Gold").await;
    let path = format!("{base}/submissions/{}", created["id"].as_str().unwrap());
    let (status, _) = f
        .call(
            Method::PUT,
            &path,
            Some(
                json!({"listings": listing_with_icon("icon.png", "PendingUpload"),
                        "contentType": "OnlineDataStorage"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = f.call(Method::POST, &format!("{path}/commit"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = f
        .wait_for(&format!("{path}/status"), &["CommitFailed", "Published"])
        .await;
    assert_eq!(failed["status"], "CommitFailed", "{failed}");
    assert_eq!(failed["statusDetails"]["errors"][0]["code"], "MissingFiles");

    // After a failed commit the client fixes the submission and commits again.
    let (status, fixed) = f
        .call(
            Method::PUT,
            &path,
            Some(json!({"listings": {"en": {"title": "Gold"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fixed}");
    let (status, _) = f.call(Method::POST, &format!("{path}/commit"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let done = f
        .wait_for(&format!("{path}/status"), &["CommitFailed", "Published"])
        .await;
    assert_eq!(done["status"], "Published", "{done}");
    let (_, published) = f.call(Method::GET, &path, None).await;
    assert!(
        published["listings"]["en"].get("icon").is_none(),
        "{published}"
    );
}

#[tokio::test]
async fn an_icon_of_the_wrong_size_fails_preprocessing() {
    let f = fixture().await;
    let (base, created) = f.add_on_with_submission("Gold").await;
    let path = format!("{base}/submissions/{}", created["id"].as_str().unwrap());
    let (status, _) = f
        .call(
            Method::PUT,
            &path,
            Some(
                json!({"listings": listing_with_icon("icon.png", "PendingUpload"),
                        "contentType": "OnlineDataStorage"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    put_blob(
        &f.server.http,
        created["fileUploadUrl"].as_str().unwrap(),
        zip_of(&[("icon.png", png(200, 120))]),
    )
    .await;
    let (status, _) = f.call(Method::POST, &format!("{path}/commit"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = f
        .wait_for(
            &format!("{path}/status"),
            &["CommitFailed", "PreProcessingFailed", "Published"],
        )
        .await;
    assert_ne!(failed["status"], "Published", "{failed}");
    let details = failed["statusDetails"]["errors"].to_string();
    assert!(details.contains("300x300"), "{failed}");
}

#[tokio::test]
async fn test_png_is_well_formed() {
    let bytes = png(300, 300);
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[16..24], &[0, 0, 1, 44, 0, 0, 1, 44]);
    // IEND's CRC is a known constant.
    assert_eq!(&bytes[bytes.len() - 4..], &[0xAE, 0x42, 0x60, 0x82]);
}
