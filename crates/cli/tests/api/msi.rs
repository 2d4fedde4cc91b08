//! The MSI/EXE submission API (seed 001) over HTTP: products, auth, every endpoint, the
//! envelope on every response, package processing, listing assets, submission to PUBLISHED
//! and FAILED, in-flight refusals, throttling and the byte-count quirk.

use crate::common;

use std::time::Duration;

use common::msi::{STORE, png};
use common::{DEVCENTER, TestServer, eventually, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn listing_update(description: &str) -> Value {
    json!({"listings": {"language": "en-us", "description": description,
                        "additionalLicenseTerms": "Terms"}})
}

async fn set_policy(server: &TestServer, product: &str, policy: Value) {
    let (status, body) = json(
        server
            .admin(
                Method::PUT,
                &format!("admin/v1/msi/products/{product}/pipeline"),
            )
            .json(&policy)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn reserved_products_start_ready_and_every_read_endpoint_answers() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Contoso Installer").await;
    assert_eq!(product.len(), 36, "productId is a GUID: {product}");
    let client = server.msi_client().await;

    let status = client.get(&product, "status").await;
    assert_eq!(status["responseData"]["isReady"], true, "{status}");
    assert_eq!(status["responseData"]["ongoingSubmissionId"], "");
    assert_eq!(status["errors"], json!([]));

    let all = client.get(&product, "metadata").await;
    let data = &all["responseData"];
    assert_eq!(data["availability"]["markets"], json!(["US"]));
    assert!(data["properties"]["productDeclarations"]["dependsOnDriversOrNT"].is_boolean());
    assert_eq!(data["listings"][0]["language"], "en-us");
    assert!(data.get("listingLanguages").is_none());

    let with_list = client
        .get(&product, "metadata?includelanguagelist=true")
        .await;
    assert_eq!(
        with_list["responseData"]["listingLanguages"],
        json!([{"language": "en-us", "isComplete": true}])
    );
    let listings = client
        .get(&product, "metadata/listings?languages=EN-US,fr-fr")
        .await;
    assert_eq!(
        listings["responseData"]["listings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(listings["responseData"].get("availability").is_none());
    let none = client
        .get(&product, "metadata/listings?languages=de-de")
        .await;
    assert_eq!(none["responseData"]["listings"], json!([]));
    for module in ["availability", "properties"] {
        let one = client.get(&product, &format!("metadata/{module}")).await;
        assert!(one["responseData"][module].is_object(), "{one}");
        assert_eq!(one["responseData"].as_object().unwrap().len(), 1);
    }
    let (status, body) = client
        .call(Method::GET, &product, "metadata/pricing", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["isSuccess"], false);

    let packages = client.get(&product, "packages").await;
    let package = &packages["responseData"]["packages"][0];
    let id = package["packageId"].as_str().unwrap();
    assert_eq!(package["architectures"], json!(["X64"]));
    let one = client.get(&product, &format!("packages/{id}")).await;
    assert_eq!(one["responseData"]["packages"][0]["packageId"], id);
    let (status, body) = client
        .call(Method::GET, &product, "packages/1234", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errors"][0]["target"], "packages");

    let assets = client.get(&product, "listings/assets").await;
    assert_eq!(
        assets["responseData"]["listingAssets"],
        json!([{"language": "en-us", "storeLogos": [], "screenshots": []}])
    );

    // The admin API lists it; an unknown type is refused.
    let (status, list) = json(
        server
            .admin(Method::GET, "admin/v1/msi/products")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["value"][0]["productId"], product.as_str());
    let (status, body) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": "X", "type": "appx"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("win32"));
}

#[tokio::test]
async fn tokens_and_the_seller_header_are_checked() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Auth").await;
    let url = server.url(&format!("submission/v1/product/{product}/status"));
    let seller = server.cred("sellerId");

    // No token, or a token for another API: the gateway's 401.
    for token in [None, Some(server.token_for(DEVCENTER).await)] {
        let mut request = server.http.get(&url).header("X-Seller-Account-Id", &seller);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["statusCode"], 401, "{body}");
        assert!(body["message"].as_str().unwrap().contains("APIM"));
    }
    // v1 tokens (resource=) work as v2 ones do.
    let v1 = server.token_for(STORE).await;
    let response = server
        .http
        .get(&url)
        .bearer_auth(&v1)
        .header("X-Seller-Account-Id", &seller)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (status, body) = json(server.http.get(&url).bearer_auth(&v1).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["target"], "X-Seller-Account-Id", "{body}");
    let (status, body) = json(
        server
            .http
            .get(&url)
            .bearer_auth(&v1)
            .header("X-Seller-Account-Id", "12345")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["isSuccess"], false);

    // Another seller's product is not found.
    let (status, other) = json(
        server
            .admin(Method::POST, "admin/v1/sellers")
            .json(&json!({"name": "Fabrikam"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, reserved) = json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&json!({"name": "Theirs", "type": "win32", "sellerId": other["sellerId"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let client = server.msi_client().await;
    let (status, body) = client
        .call(
            Method::GET,
            reserved["productId"].as_str().unwrap(),
            "metadata",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errors"][0]["target"], "product");
}

#[tokio::test]
async fn unknown_routes_methods_and_malformed_bodies_answer_in_the_envelope() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Envelope").await;
    let client = server.msi_client().await;

    let (status, body) = client
        .call(Method::GET, &product, "nothing/here", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["isSuccess"], false);
    assert_eq!(body["errors"][0]["code"], "notfound");
    let (status, body) = client
        .call(Method::DELETE, &product, "packages", None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["errors"][0]["code"], "methodnotallowed");

    let response = client
        .request(Method::PUT, &product, "metadata")
        .header("Content-Type", "application/json")
        .body("{\"listings\": ")
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("x-correlation-id"));
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["isSuccess"], false);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    let (status, body) = client
        .call(
            Method::PUT,
            &product,
            "metadata",
            Some(json!({"availability": {"markets": "US"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["target"], "availability", "{body}");
    let (status, body) = client
        .call(Method::PUT, &product, "metadata", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Path literals in any case, with a trailing slash, and keys in any case.
    let response = server
        .http
        .put(server.url(&format!("Submission/V1/Product/{}/Metadata/", product.to_uppercase())))
        .bearer_auth(&client.token)
        .header("X-Seller-Account-Id", &client.seller)
        .json(&json!({"Listings": {"LANGUAGE": "en-us", "Description": "Cased", "additionallicenseterms": "T"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listings = client.get(&product, "Metadata/Listings").await;
    assert_eq!(
        listings["responseData"]["listings"][0]["description"],
        "Cased"
    );
}

#[tokio::test]
async fn metadata_full_and_partial_updates_and_listing_languages() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Metadata").await;
    let client = server.msi_client().await;

    // Full update: absent fields take defaults.
    let reply = client
        .ok(Method::PUT, &product, "metadata", listing_update("Full"))
        .await;
    assert_eq!(
        reply["responseData"]["pollingUrl"],
        format!("/submission/v1/product/{product}/status")
    );
    assert_eq!(reply["responseData"]["ongoingSubmissionId"], "");
    let listing = &client.get(&product, "metadata/listings").await["responseData"]["listings"][0];
    assert_eq!(listing["description"], "Full");
    assert_eq!(listing["searchTerms"], json!([]));
    // Partial update: only the fields sent change.
    client
        .ok(Method::PATCH, &product, "metadata", json!({"listings": {"language": "en-us", "whatsNew": "Fixes"}, "availability": {"pricing": "FREEMIUM"}}))
        .await;
    let data = client.get(&product, "metadata").await["responseData"].clone();
    assert_eq!(data["listings"][0]["description"], "Full");
    assert_eq!(data["listings"][0]["whatsNew"], "Fixes");
    assert_eq!(data["availability"]["pricing"], "FREEMIUM");
    assert_eq!(data["availability"]["markets"], json!(["US"]));

    // A language added without content is incomplete: not ready, and submit refuses.
    client
        .ok(
            Method::PUT,
            &product,
            "metadata",
            json!({"listingsToAdd": ["fr-fr"], "listingsToRemove": ["en-gb"]}),
        )
        .await;
    let languages = client
        .get(&product, "metadata?includeLanguageList=TRUE")
        .await;
    assert_eq!(
        languages["responseData"]["listingLanguages"],
        json!([{"language": "en-us", "isComplete": true}, {"language": "fr-fr", "isComplete": false}])
    );
    let status = client.get(&product, "status").await;
    assert_eq!(status["responseData"]["isReady"], false);
    assert_eq!(status["errors"][0]["target"], "listings", "{status}");
    assert_eq!(status["errors"][0]["code"], "incompletemodule");
    client
        .rejected(
            Method::POST,
            &product,
            "submit",
            Value::Null,
            "listings",
            "listings[fr-fr].description",
        )
        .await;

    let mut french = listing_update("Description en français");
    french["listings"]["language"] = json!("fr-fr");
    client.ok(Method::PUT, &product, "metadata", french).await;
    assert_eq!(
        client.get(&product, "status").await["responseData"]["isReady"],
        true
    );
    client
        .ok(
            Method::PATCH,
            &product,
            "metadata",
            json!({"listingsToRemove": ["fr-fr"]}),
        )
        .await;
    let listings = client.get(&product, "metadata/listings").await;
    assert_eq!(
        listings["responseData"]["listings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    client
        .rejected(
            Method::PATCH,
            &product,
            "metadata",
            json!({"listingsToRemove": ["en-us"]}),
            "listings",
            "at least one",
        )
        .await;
}

#[tokio::test]
async fn packages_are_replaced_patched_committed_and_processed() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Packages").await;
    let client = server.msi_client().await;
    let before =
        client.get(&product, "packages").await["responseData"]["packages"][0]["packageId"].clone();

    let mut packages = client.get(&product, "packages").await["responseData"]["packages"].clone();
    packages[0]["installerParameters"] = json!("/s /r new-args");
    client
        .ok(
            Method::PUT,
            &product,
            "packages",
            json!({"packages": packages}),
        )
        .await;
    let after = client.get(&product, "packages").await;
    let id = after["responseData"]["packages"][0]["packageId"].clone();
    assert_ne!(id, before, "a full update regenerates package ids");
    // The id the full update replaced still reaches its successor (the seed's C# sample
    // PATCHes with it); an id never seen is 404.
    let (status, _) = client
        .call(
            Method::PATCH,
            &product,
            &format!("packages/{}", before.as_str().unwrap()),
            Some(json!({"installerParameters": "/x"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let patched = client.get(&product, "packages").await;
    assert_eq!(
        patched["responseData"]["packages"][0]["installerParameters"],
        "/x"
    );
    let (status, _) = client
        .call(
            Method::PATCH,
            &product,
            "packages/1152921504606846976",
            Some(json!({"installerParameters": "/x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Uncommitted changes keep the module from being ready.
    let status = client.get(&product, "status").await;
    assert_eq!(status["responseData"]["isReady"], false);
    assert_eq!(status["errors"][0]["code"], "packagesnotcommitted");
    client
        .rejected(
            Method::POST,
            &product,
            "submit",
            Value::Null,
            "packages",
            "not committed",
        )
        .await;

    client
        .ok(
            Method::PATCH,
            &product,
            &format!("packages/{}", id.as_str().unwrap()),
            json!({"installerParameters": "/s /r /t new-args", "packageId": "ignored"}),
        )
        .await;
    let one = client
        .get(&product, &format!("packages/{}", id.as_str().unwrap()))
        .await;
    assert_eq!(
        one["responseData"]["packages"][0]["installerParameters"],
        "/s /r /t new-args"
    );
    let status = client.commit_packages_and_wait(&product).await;
    assert_eq!(status["responseData"]["isReady"], true, "{status}");

    // An installer URL that is not https fails processing: packageuploaderror.
    client
        .ok(
            Method::PATCH,
            &product,
            &format!("packages/{}", id.as_str().unwrap()),
            json!({"packageUrl": "http://www.contoso.com/setup.msi"}),
        )
        .await;
    let status = client.commit_packages_and_wait(&product).await;
    assert_eq!(status["responseData"]["isReady"], false);
    assert_eq!(
        status["errors"][0]["code"], "packageuploaderror",
        "{status}"
    );
    assert_eq!(status["errors"][0]["target"], "packages");
    client
        .rejected(
            Method::POST,
            &product,
            "submit",
            Value::Null,
            "packages",
            "https",
        )
        .await;
}

#[tokio::test]
async fn verify_package_urls_fetches_each_installer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |config| config.verify_package_urls = true).await;
    let product = server.reserve_win32("Verified").await;
    let client = server.msi_client().await;
    let id = client.get(&product, "packages").await["responseData"]["packages"][0]["packageId"]
        .as_str()
        .unwrap()
        .to_string();
    // A URL this server answers (its OpenID document) is reachable; a missing one is not.
    let reachable = server.url(&format!(
        "{}/.well-known/openid-configuration",
        server.cred("tenantId")
    ));
    for (url, ready) in [(reachable, true), (server.url("no/such/setup.msi"), false)] {
        client
            .ok(
                Method::PATCH,
                &product,
                &format!("packages/{id}"),
                json!({"packageUrl": url}),
            )
            .await;
        let status = client.commit_packages_and_wait(&product).await;
        assert_eq!(status["responseData"]["isReady"], ready, "{url}: {status}");
        if !ready {
            assert_eq!(status["errors"][0]["code"], "packageuploaderror");
            assert!(
                status["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("could not be downloaded")
            );
        }
    }
}

#[tokio::test]
async fn listing_assets_are_created_uploaded_and_committed() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Assets").await;
    let client = server.msi_client().await;

    let created = client
        .ok(
            Method::POST,
            &product,
            "listings/assets/create",
            json!({"language": "en-us", "createAssetRequest": {"Screenshot": 2, "Logo": 1}}),
        )
        .await;
    let assets = &created["responseData"]["listingAssets"];
    assert_eq!(assets["language"], "en-us");
    let shots = assets["screenshots"].as_array().unwrap().clone();
    let logo = assets["storeLogos"][0].clone();
    assert_eq!(shots.len(), 2);
    for slot in shots.iter().chain([&logo]) {
        assert_eq!(slot["httpMethod"], "PUT");
        assert_eq!(slot["httpHeaders"]["x-ms-blob-type"], "BlockBlob");
        for url in ["primaryAssetUploadUrl", "secondaryAssetUploadUrl"] {
            assert!(
                slot[url]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{}/productingestionbin1/", server.base)),
                "{slot}"
            );
        }
    }
    let url = |slot: &Value, which: &str| slot[which].as_str().unwrap().to_string();
    let id = |slot: &Value| slot["id"].as_str().unwrap().to_string();
    let screenshot = png(1920, 1080);
    for (slot, body, which) in [
        (&shots[0], screenshot.clone(), "primaryAssetUploadUrl"),
        (&shots[1], png(640, 480), "primaryAssetUploadUrl"),
        (&logo, png(300, 300), "secondaryAssetUploadUrl"),
    ] {
        let response = put_blob(&server.http, &url(slot, which), body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    // A screenshot of a size Partner Center refuses, an id never created, a slot never
    // uploaded: each refused, naming it.
    let commit = |shot_ids: Vec<String>, logos: Option<Vec<String>>| {
        let refs = |ids: Vec<String>| -> Vec<Value> {
            ids.into_iter()
                .map(|id| json!({"id": id, "assetUrl": "https://example.com/x"}))
                .collect()
        };
        let mut request =
            json!({"listingAssets": {"language": "en-us", "screenshots": refs(shot_ids)}});
        if let Some(logos) = logos {
            request["listingAssets"]["storeLogos"] = json!(refs(logos));
        }
        request
    };
    client
        .rejected(
            Method::PUT,
            &product,
            "listings/assets/commit",
            commit(vec![id(&shots[1])], None),
            "listingAssets",
            "640x480",
        )
        .await;
    client
        .rejected(
            Method::PUT,
            &product,
            "listings/assets/commit",
            commit(vec!["nope".into()], None),
            "listingAssets",
            "'nope'",
        )
        .await;
    let unused = client
        .ok(
            Method::POST,
            &product,
            "listings/assets/create",
            json!({"language": "en-us", "createAssetRequest": {"Screenshot": 1}}),
        )
        .await;
    let unused_id = id(&unused["responseData"]["listingAssets"]["screenshots"][0]);
    client
        .rejected(
            Method::PUT,
            &product,
            "listings/assets/commit",
            commit(vec![unused_id], None),
            "listingAssets",
            "was not uploaded",
        )
        .await;
    client
        .rejected(Method::PUT, &product, "listings/assets/commit", json!({"listingAssets": {"language": "en-us", "storeLogos": [{"id": id(&logo), "assetUrl": "not a url"}]}}), "listingAssets", "assetUrl")
        .await;

    client
        .ok(
            Method::PUT,
            &product,
            "listings/assets/commit",
            commit(vec![id(&shots[0])], Some(vec![id(&logo)])),
        )
        .await;
    let listed = client
        .get(&product, "listings/assets?languages=en-us")
        .await;
    let entry = &listed["responseData"]["listingAssets"][0];
    assert_eq!(entry["screenshots"][0]["id"], id(&shots[0]).as_str());
    assert_eq!(
        entry["screenshots"][0]["imageSize"],
        json!({"width": 1920, "height": 1080})
    );
    assert_eq!(
        entry["storeLogos"][0]["imageSize"],
        json!({"width": 300, "height": 300})
    );
    let image = server
        .http
        .get(entry["screenshots"][0]["assetUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.bytes().await.unwrap().to_vec(), screenshot);

    // Naming existing ids keeps them; an empty list clears that type only.
    client
        .ok(
            Method::PUT,
            &product,
            "listings/assets/commit",
            json!({"listingAssets": {"language": "en-us", "storeLogos": []}}),
        )
        .await;
    let listed = client.get(&product, "listings/assets").await;
    assert_eq!(
        listed["responseData"]["listingAssets"][0]["storeLogos"],
        json!([])
    );
    assert_eq!(
        listed["responseData"]["listingAssets"][0]["screenshots"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    client
        .ok(
            Method::PUT,
            &product,
            "listings/assets/commit",
            commit(vec![id(&shots[0])], None),
        )
        .await;

    // Create: counts within Screenshot 0-10 and Logo 0-2, asset types and languages known.
    for (request, field) in [
        (
            json!({"language": "en-us", "createAssetRequest": {"Screenshot": 11}}),
            "Screenshot",
        ),
        (
            json!({"language": "en-us", "createAssetRequest": {"Logo": 3}}),
            "Logo",
        ),
        (
            json!({"language": "en-us", "createAssetRequest": {"Trailer": 1}}),
            "Trailer",
        ),
        (
            json!({"language": "de-de", "createAssetRequest": {"Logo": 1}}),
            "de-de",
        ),
        (json!({"language": "en-us"}), "createAssetRequest"),
    ] {
        client
            .rejected(
                Method::POST,
                &product,
                "listings/assets/create",
                request,
                "listingAssets",
                field,
            )
            .await;
    }
}

#[tokio::test]
async fn a_submission_publishes_and_locks_the_draft_while_in_flight() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Publish").await;
    let client = server.msi_client().await;
    // Manual certification holds the submission in flight until the admin decides.
    set_policy(&server, &product, json!({"mode": "manual"})).await;
    client
        .ok(
            Method::PUT,
            &product,
            "metadata",
            listing_update("Version 2"),
        )
        .await;
    let submission = client.submit(&product).await;
    let status = client
        .get(&product, &format!("submission/{submission}/status"))
        .await;
    assert_eq!(
        status["responseData"],
        json!({"publishingStatus": "INPROGRESS", "hasFailed": false})
    );
    let module = client.get(&product, "status").await;
    assert_eq!(
        module["responseData"]["ongoingSubmissionId"],
        submission.as_str()
    );

    let package_id =
        client.get(&product, "packages").await["responseData"]["packages"][0]["packageId"]
            .as_str()
            .unwrap()
            .to_string();
    let writes = [
        (
            Method::PUT,
            "metadata".to_string(),
            listing_update("Blocked"),
        ),
        (
            Method::PATCH,
            "metadata".to_string(),
            listing_update("Blocked"),
        ),
        (Method::PUT, "packages".to_string(), json!({"packages": []})),
        (
            Method::PATCH,
            format!("packages/{package_id}"),
            json!({"installerParameters": "/x"}),
        ),
        (Method::POST, "packages/commit".to_string(), Value::Null),
        (
            Method::POST,
            "listings/assets/create".to_string(),
            json!({"language": "en-us", "createAssetRequest": {"Logo": 1}}),
        ),
        (
            Method::PUT,
            "listings/assets/commit".to_string(),
            json!({"listingAssets": {"language": "en-us", "storeLogos": []}}),
        ),
    ];
    for (method, path, body) in writes {
        let (status, reply) = client
            .call(method.clone(), &product, &path, Some(body))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {reply}");
        assert_eq!(reply["isSuccess"], false);
        assert_eq!(
            reply["responseData"]["ongoingSubmissionId"],
            submission.as_str()
        );
        assert_eq!(
            reply["responseData"]["pollingUrl"],
            format!("/submission/v1/product/{product}/submission/{submission}/status")
        );
    }
    // Submit again: the ongoing submission is named, nothing new is created.
    let again = client
        .ok(Method::POST, &product, "submit", Value::Null)
        .await;
    assert_eq!(again["responseData"]["submissionId"], "");
    assert_eq!(
        again["responseData"]["ongoingSubmissionId"],
        submission.as_str()
    );

    // The worker takes the submission to the manual review step in the background: until it
    // gets there, approving answers 400 (not waiting for a decision), as a reviewer would see.
    let status = eventually("the submission waits for a review", || async {
        let (status, reply) = json(
            server
                .admin(
                    Method::POST,
                    &format!("admin/v1/msi/submissions/{submission}/approve"),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        if status != StatusCode::BAD_REQUEST {
            return Ok(status);
        }
        assert!(reply.to_string().contains("not waiting"), "{reply}");
        Err(reply)
    })
    .await;
    assert_eq!(status, StatusCode::OK);
    let done = client.wait_submission(&product, &submission).await;
    assert_eq!(
        done["responseData"],
        json!({"publishingStatus": "PUBLISHED", "hasFailed": false})
    );
    assert_eq!(done["errors"], json!([]));
    // The draft is writable again.
    client
        .ok(
            Method::PUT,
            &product,
            "metadata",
            listing_update("Version 3"),
        )
        .await;
    let (status, _) = client
        .call(Method::GET, &product, "submission/999/status", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forced_and_manual_failures_end_failed() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Failing").await;
    let client = server.msi_client().await;

    // The pipeline policy's forced outcome.
    set_policy(
        &server,
        &product,
        json!({"outcome": {"status": "CertificationFailed"}, "pollsPerStep": 1}),
    )
    .await;
    let submission = client.submit(&product).await;
    let done = client.wait_submission(&product, &submission).await;
    assert_eq!(
        done["responseData"],
        json!({"publishingStatus": "FAILED", "hasFailed": true})
    );
    assert_eq!(done["errors"][0]["code"], "submissionfailed", "{done}");
    assert_eq!(done["errors"][0]["target"], "submission");

    // A manual rejection, with its reason.
    set_policy(&server, &product, json!({"mode": "manual"})).await;
    let submission = client.submit(&product).await;
    let reject = |reason: &str| {
        server
            .admin(
                Method::POST,
                &format!("admin/v1/msi/submissions/{submission}/reject"),
            )
            .json(&json!({"reason": reason}))
    };
    // Not in Certification yet: the rejection waits for it.
    eventually("the rejection is accepted", || async {
        let (status, body) = json(reject("Crashes on launch").send().await.unwrap()).await;
        if status == StatusCode::OK {
            assert_eq!(body["publishingStatus"], "FAILED");
            Ok(())
        } else {
            Err(body)
        }
    })
    .await;
    let done = client.wait_submission(&product, &submission).await;
    assert_eq!(done["responseData"]["hasFailed"], true);
    assert_eq!(done["errors"][0]["message"], "Crashes on launch");
}

#[tokio::test]
async fn throttled_requests_get_retry_after() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Throttle").await;
    let client = server.msi_client().await;
    let set = |limit: u32| {
        server
            .admin(Method::PUT, "admin/v1/msi/throttle")
            .json(&json!({"requestsPerMinute": limit}))
            .send()
    };
    assert_eq!(set(2).await.unwrap().status(), StatusCode::OK);
    client.get(&product, "status").await;
    client.get(&product, "status").await;
    let response = client
        .request(Method::GET, &product, "status")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let (_, body) = json(response).await;
    assert_eq!(body["errors"][0]["code"], "toomanyrequests");
    assert_eq!(set(0).await.unwrap().status(), StatusCode::OK);
    client.get(&product, "status").await;
}

/// The store-submission Action sends `Content-Length` as the body's length in UTF-16 code
/// units: shorter than its UTF-8 bytes when the body is not ASCII. The server answers a JSON
/// 400, closes that connection, and the next request on a new connection succeeds.
#[tokio::test]
async fn a_content_length_shorter_than_the_body_gets_a_json_400() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Quirk").await;
    let client = server.msi_client().await;
    let body = listing_update("Café déjà vu — ünïcödé").to_string();
    let declared = body.encode_utf16().count();
    assert!(declared < body.len());
    let request = format!(
        "PUT /submission/v1/product/{product}/metadata HTTP/1.1\r\nHost: api.store.microsoft.com\r\n\
         Authorization: Bearer {}\r\nX-Seller-Account-Id: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {declared}\r\n\r\n{body}",
        client.token, client.seller
    );
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the server closes the connection");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(
        reply.to_ascii_lowercase().contains("connection: close"),
        "{reply}"
    );
    let json_start = reply.find("\r\n\r\n").unwrap() + 4;
    let end = reply[json_start..]
        .find("}]")
        .map_or(reply.len(), |i| json_start + i);
    assert!(
        reply[json_start..end].contains("\"isSuccess\":false"),
        "{reply}"
    );

    let listing = client.get(&product, "metadata/listings").await;
    assert_ne!(
        listing["responseData"]["listings"][0]["description"],
        "Café déjà vu — ünïcödé"
    );
    client
        .ok(
            Method::PUT,
            &product,
            "metadata",
            listing_update("Café, next time"),
        )
        .await;
}
