//! Packages and listing media: uploads to the SAS URLs handed out, processing inside the
//! package PUT, and what processing refuses (each failure names the file and the server
//! keeps serving).

use crate::common;

use common::{TestServer, put_blob, zip_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::app::partner::{
    PartnerClient, azure_app_package, ich, main_template, ui_definition,
};
use storeroom_testkit::fixtures::hostile;

/// Creates a package, uploads `bytes` (unless None) and PUTs `Uploaded`; the PUT's answer
/// (with the write SAS the POST handed out as `uploadUrl`).
async fn process(client: &PartnerClient, product: &str, bytes: Option<Vec<u8>>) -> Value {
    let package = client
        .expect(
            Method::POST,
            &format!("products/{product}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
            StatusCode::CREATED,
        )
        .await;
    if let Some(bytes) = bytes {
        let upload = put_blob(&client.http, package["fileSasUri"].as_str().unwrap(), bytes).await;
        assert_eq!(upload.status(), StatusCode::CREATED);
    }
    let mut answer = client
        .expect(
            Method::PUT,
            &format!("products/{product}/packages/{}", package["id"].as_str().unwrap()),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip", "state": "Uploaded"}),
            StatusCode::OK,
        )
        .await;
    answer["uploadUrl"] = package["fileSasUri"].clone();
    answer
}

fn failure_files(package: &Value) -> Vec<String> {
    assert_eq!(package["state"], "ProcessFailed", "{package}");
    package["validationItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            assert_eq!(item["errorCode"], "InvalidPackage");
            assert_eq!(item["severity"], "Error");
            assert!(!item["message"].as_str().unwrap().contains(". "), "{item}");
            format!(
                "{} {}",
                item["resource"].as_str().unwrap(),
                item["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn broken_packages_fail_processing_naming_the_file_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("packages").await;

    let missing = process(
        &client,
        &p,
        Some(zip_of(&[("mainTemplate.json", main_template())])),
    )
    .await;
    let files = failure_files(&missing);
    assert!(
        files.iter().any(|f| f.contains("createUiDefinition.json")),
        "{files:?}"
    );

    let invalid = process(
        &client,
        &p,
        Some(zip_of(&[
            ("mainTemplate.json", b"{ not json".to_vec()),
            ("createUiDefinition.json", ui_definition()),
        ])),
    )
    .await;
    let files = failure_files(&invalid);
    assert!(
        files.iter().any(|f| f.starts_with("mainTemplate.json")),
        "{files:?}"
    );

    let slip = process(&client, &p, Some(hostile::zip_slip())).await;
    let files = failure_files(&slip);
    assert!(
        files
            .iter()
            .any(|f| f.contains("../../Windows/System32/evil.dll")),
        "{files:?}"
    );

    let good = azure_app_package();
    let truncated = process(&client, &p, Some(hostile::truncated(&good, good.len() / 2))).await;
    let files = failure_files(&truncated);
    assert!(files.iter().any(|f| f.starts_with("app.zip")), "{files:?}");

    let nested = process(
        &client,
        &p,
        Some(zip_of(&[
            ("pkg/mainTemplate.json", main_template()),
            ("pkg/createUiDefinition.json", ui_definition()),
        ])),
    )
    .await;
    assert_eq!(
        failure_files(&nested).len(),
        2,
        "files in a folder are not at the root"
    );

    let never = process(&client, &p, None).await;
    assert!(failure_files(&never)[0].contains("No file was uploaded"));

    // Reprocessing: a good file to the failed package's upload URL, then Uploaded again.
    let id = missing["id"].as_str().unwrap();
    let sas = client.get(&format!("products/{p}/packages/{id}")).await["fileSasUri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sas.contains("sp=rl"),
        "past PendingUpload the SAS reads only: {sas}"
    );
    let upload = put_blob(
        &client.http,
        missing["uploadUrl"].as_str().unwrap(),
        azure_app_package(),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let fixed = client
        .expect(
            Method::PUT,
            &format!("products/{p}/packages/{id}"),
            json!({"state": "uploaded"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(fixed["state"], "Processed", "{fixed}");
    let packages = client.get(&format!("products/{p}/packages")).await;
    assert_eq!(packages["value"].as_array().unwrap().len(), 6);

    // The server still answers, and a good package processes.
    let good = process(&client, &p, Some(azure_app_package())).await;
    assert_eq!(good["state"], "Processed");
    assert!(good.get("validationItems").is_none());
    assert_eq!(good["isEmpty"], false);
    let path = format!("products/{p}/packages/{}", good["id"].as_str().unwrap());
    let again = client
        .expect(
            Method::PUT,
            &path,
            json!({"state": "Uploaded"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        again["state"], "Processed",
        "a processed package stays processed"
    );
    let body = client
        .expect(
            Method::PUT,
            &path,
            json!({"state": "Processed"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["State"].is_array());
    client
        .expect(Method::DELETE, &path, Value::Null, StatusCode::NO_CONTENT)
        .await;
    client
        .expect(Method::GET, &path, Value::Null, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test]
async fn media_show_their_upload_url_only_when_expanded() {
    let server = TestServer::start().await;
    let client = server.partner_client().await;
    let p = client.create_offer("media").await;
    let listing = client
        .only(&p, "listings", &client.draft(&p, "Listing", None).await)
        .await;
    let lid = listing["id"].as_str().unwrap();
    for (kind, body) in [
        (
            "images",
            json!({"resourceType": "ListingImage", "fileName": "wide.png", "type": "AzureLogoWide"}),
        ),
        (
            "videos",
            json!({"resourceType": "ListingVideo", "fileName": "intro.mp4", "streamingUri": "https://videos.example/intro"}),
        ),
        (
            "assets",
            json!({"resourceType": "ListingAsset", "fileName": "sheet.pdf", "type": "Document"}),
        ),
    ] {
        let created = client
            .expect(
                Method::POST,
                &format!("products/{p}/listings/{lid}/{kind}"),
                body,
                StatusCode::CREATED,
            )
            .await;
        assert!(
            created["fileSasUri"].as_str().unwrap().contains("sp=rwl"),
            "{created}"
        );
        let id = created["id"].as_str().unwrap();
        let plain = client
            .get(&format!("products/{p}/listings/{lid}/{kind}/{id}"))
            .await;
        assert!(plain.get("fileSasUri").is_none(), "{plain}");
        let expanded = client
            .get(&format!(
                "products/{p}/listings/{lid}/{kind}/{id}?$expand=FileSasUri"
            ))
            .await;
        assert!(expanded["fileSasUri"].is_string());
        let malformed = client
            .get(&format!(
                "products/{p}/listings/{lid}/{kind}?$expand=$expand%3DFileSasUri"
            ))
            .await;
        assert!(malformed["value"][0].get("fileSasUri").is_none());
    }
    // Replacing an image the way clients do: delete by file name, post anew.
    let images = client
        .get(&format!("products/{p}/listings/{lid}/images"))
        .await;
    let id = images["value"][0]["id"].as_str().unwrap();
    let path = format!("products/{p}/listings/{lid}/images/{id}");
    // A DELETE honours If-Match too: a stale ETag is refused and the image stays.
    let stale = client
        .request(Method::DELETE, &path)
        .header("If-Match", "\"00000000-0000-0800-0000-000000000000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    client.get(&path).await;
    let deleted = client
        .request(Method::DELETE, &path)
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        client
            .get(&format!("products/{p}/listings/{lid}/images"))
            .await,
        json!({"value": []})
    );
    let body = client
        .expect(
            Method::POST,
            &format!("products/{p}/listings/{lid}/images"),
            json!({"fileName": "x.png", "type": "AzureLogoHuge"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(ich(&body).1["data"]["Type"].is_array(), "{body}");
    client
        .expect(
            Method::POST,
            &format!("products/{p}/listings/{lid}/images"),
            json!({"type": "AzureLogoSmall"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
}
