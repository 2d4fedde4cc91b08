//! Production identities: an existing app's Store ID, package identity and publisher (and an
//! MSI/EXE product's id) reserved as they are, so its automation and signed packages work
//! unchanged; and its last published submission brought along to start from.

use crate::common;

use crate::faithful::create_adding_bare_package;
use common::{TestServer, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn reserve(server: &TestServer, body: Value) -> (StatusCode, Value) {
    json(
        server
            .admin(Method::POST, "admin/v1/applications")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn an_app_is_reserved_under_its_real_identity_once() {
    let server = TestServer::start().await;
    let (status, app) = reserve(
        &server,
        json!({"name": "Contoso Reader", "type": "msix", "id": "9nblggh4r999",
               "packageIdentityName": "Contoso.Reader",
               "publisherName": "CN=Contoso Ltd, O=Contoso Ltd, C=US",
               "publisherDisplayName": "Contoso Ltd"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    assert_eq!(app["id"], "9NBLGGH4R999");
    assert_eq!(app["packageIdentityName"], "Contoso.Reader");
    assert_eq!(app["publisherName"], "CN=Contoso Ltd, O=Contoso Ltd, C=US");
    let family = app["packageFamilyName"].as_str().unwrap();
    assert!(family.starts_with("Contoso.Reader_"), "{family}");
    assert_eq!(family.len(), "Contoso.Reader_".len() + 13);

    let token = server.token().await;
    let (status, read) = json(
        server
            .dc(Method::GET, "applications/9NBLGGH4R999", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["packageIdentityName"], "Contoso.Reader");

    let (status, again) = reserve(
        &server,
        json!({"name": "Another", "type": "msix", "id": "9NBLGGH4R999"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["code"], "InvalidState");
    assert_eq!(again["target"], "id");
    assert!(again["message"].as_str().unwrap().contains("9NBLGGH4R999"));

    for (body, field) in [
        (
            json!({"name": "X", "type": "msix", "id": "9NB-short"}),
            "id",
        ),
        (
            json!({"name": "X", "type": "msix", "packageIdentityName": "a b"}),
            "packageIdentityName",
        ),
        (
            json!({"name": "X", "type": "msix", "publisherName": "Contoso"}),
            "publisherName",
        ),
        (
            json!({"name": "X", "type": "msix", "lastPublishedSubmission": {"applicationPackages": "no"}}),
            "lastPublishedSubmission.applicationPackages",
        ),
    ] {
        let (status, error) = reserve(&server, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert_eq!(error["target"], field, "{error}");
    }
}

/// The app's real last published submission is the one the API clones, and packages built
/// for the real identity publish against it.
#[tokio::test]
async fn an_imported_submission_is_cloned_and_its_identity_signs_new_packages() {
    let server = TestServer::start().await;
    let last = json!({
        "id": "1152921504621243540", "status": "Published",
        "applicationCategory": "BooksAndReference_EReader",
        "listings": {"en-us": {"baseListing": {"title": "Fabrikam Notes",
            "description": "Notes, as published.", "features": ["Sync"],
            "images": [{"fileName": "shot.png", "fileStatus": "Uploaded", "id": "1152921504672272757",
                        "description": "Main", "imageType": "Screenshot"}]}}},
        "applicationPackages": [
            {"fileName": "Fabrikam.Notes_3.1.0.0_x64.msix", "fileStatus": "Uploaded",
             "id": "1152921504620138797", "version": "3.1.0.0", "architecture": "x64",
             "languages": ["en-US"], "capabilities": [], "minimumDirectXVersion": "None",
             "minimumSystemRam": "None", "targetDeviceFamilies": ["Windows.Desktop min version 10.0.17763.0"]},
            {"fileName": "old.msix", "fileStatus": "PendingDelete", "minimumDirectXVersion": "None",
             "minimumSystemRam": "None"}
        ]
    });
    let (status, app) = reserve(
        &server,
        json!({"name": "Fabrikam Notes", "type": "msix", "id": "9PFABRIKAM01",
               "packageIdentityName": "Fabrikam.Notes", "publisherName": "CN=Fabrikam",
               "lastPublishedSubmission": last}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let token = server.token().await;
    let package = "Fabrikam.Notes_3.2.0.0_x64.msix";
    let created = create_adding_bare_package(&server, &token, "9PFABRIKAM01", package).await;
    assert_eq!(created["applicationCategory"], "BooksAndReference_EReader");
    assert_eq!(
        created["listings"]["en-us"]["baseListing"]["description"],
        "Notes, as published."
    );
    let packages = created["applicationPackages"].as_array().unwrap();
    assert_eq!(
        packages.len(),
        2,
        "PendingDelete entries are gone: {packages:?}"
    );
    assert_eq!(packages[0]["version"], "3.1.0.0");
    assert_eq!(packages[0]["fileStatus"], "Uploaded");
    assert_eq!(packages[1]["fileName"], package);
    let id = created["id"].as_str().unwrap();
    let upload = put_blob(
        &server.http,
        created["fileUploadUrl"].as_str().unwrap(),
        server.package_zip("9PFABRIKAM01", &[package]).await,
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let status = server.commit_and_wait(&token, "9PFABRIKAM01", id).await;
    assert_eq!(status["status"], "Published", "{status}");
}

#[tokio::test]
async fn an_msi_product_is_reserved_under_its_real_product_id_once() {
    let server = TestServer::start().await;
    let id = "3FA85F64-5717-4562-B3FC-2C963F66AFA6";
    let (status, product) = reserve(
        &server,
        json!({"name": "Contoso Setup", "type": "win32", "productId": id}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    assert_eq!(product["productId"], id.to_ascii_lowercase());
    let (status, again) = reserve(
        &server,
        json!({"name": "Again", "type": "win32", "productId": id}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["target"], "productId");
    let (status, bad) = reserve(
        &server,
        json!({"name": "Bad", "type": "win32", "productId": "not-a-guid"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["target"], "productId");
}
