//! Snapshots (insta) of one representative response of each surface, so that a change to
//! any field shows in review. Ids, times, tokens and URLs differ between runs: they are
//! redacted. Update with `INSTA_UPDATE=always cargo test -p storeroom --test api snapshots`
//! and review the `.snap` files.

use crate::common;

use common::msi::MsiClient;
use common::{TestApp, json};
use insta::assert_json_snapshot;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Redacts what changes between runs in a blob service error: its request id and time, and
/// in the string to sign it echoes, the request time and the blob's name.
fn stable_blob_error(xml: &str) -> String {
    xml.split('\n')
        .map(|line| {
            let is_time = line.len() == 20 && line.ends_with('Z') && line.contains('T');
            if line.starts_with("RequestId:") {
                "RequestId:[id]".to_string()
            } else if let Some(rest) = line.strip_prefix("Time:") {
                let tail = rest.find('<').map_or("", |at| &rest[at..]);
                format!("Time:[time]{tail}")
            } else if is_time {
                "[time]".to_string()
            } else if line.starts_with("/blob/") {
                let container = line.rfind('/').map_or(line, |at| &line[..=at]);
                format!("{container}[blob]")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A new submission of the app (a copy of its published one).
async fn new_submission(f: &TestApp) -> Value {
    let (status, created) = f
        .call(
            Method::POST,
            &format!("applications/{}/submissions", f.app_id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

#[tokio::test]
async fn app_submission_get() {
    let f = TestApp::builder().app("Snapshot App").start().await;
    let created = new_submission(&f).await;
    let path = format!(
        "applications/{}/submissions/{}",
        f.app_id,
        created["id"].as_str().unwrap()
    );
    let (status, submission) = f.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_json_snapshot!(submission, {
        ".id" => "[id]",
        ".fileUploadUrl" => "[url]",
        ".friendlyName" => "[name]",
        ".applicationPackages[].id" => "[id]",
        ".applicationPackages[].fileName" => "[file name]",
    });
}

#[tokio::test]
async fn flight_submission_get() {
    let f = TestApp::builder().app("Snapshot Flights").start().await;
    let (status, flight) = f
        .call(
            Method::POST,
            &format!("applications/{}/flights", f.app_id),
            Some(json!({"friendlyName": "Insiders", "groupIds": [0]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{flight}");
    let path = format!(
        "applications/{}/flights/{}/submissions/{}",
        f.app_id,
        flight["flightId"].as_str().unwrap(),
        flight["pendingFlightSubmission"]["id"].as_str().unwrap()
    );
    let (status, submission) = f.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{submission}");
    assert_json_snapshot!(submission, {
        ".id" => "[id]",
        ".flightId" => "[id]",
        ".fileUploadUrl" => "[url]",
        ".flightPackages[].id" => "[id]",
        ".flightPackages[].fileName" => "[file name]",
    });
}

#[tokio::test]
async fn add_on_get() {
    let f = TestApp::builder().app("Snapshot Add-ons").start().await;
    let (status, created) = f
        .call(
            Method::POST,
            "inappproducts",
            Some(json!({"applicationIds": [f.app_id], "productId": "GoldPack", "productType": "Durable"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, add_on) = f
        .call(
            Method::GET,
            &format!("inappproducts/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_json_snapshot!(add_on, {
        ".id" => "[id]",
        ".applications.value[].id" => "[id]",
        ".applications.value[].resourceLocation" => "[location]",
    });
}

#[tokio::test]
async fn aad_token_error() {
    let f = TestApp::builder().app("Snapshot AAD").start().await;
    let response = f
        .server
        .http
        .post(
            f.server
                .url(&format!("{}/oauth2/token", f.server.cred("tenantId"))),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &f.server.cred("clientId")),
            ("client_secret", "not the secret"),
            ("resource", common::DEVCENTER),
        ])
        .send()
        .await
        .unwrap();
    let (status, error) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_json_snapshot!(error, {
        ".error_description" => "[description with trace and correlation ids and time]",
        ".trace_id" => "[id]",
        ".correlation_id" => "[id]",
        ".timestamp" => "[time]",
    });
}

#[tokio::test]
async fn msi_envelope() {
    let f = TestApp::builder().app("Snapshot MSI").start().await;
    let product = f.server.reserve_win32("Snapshot Installer").await;
    let client: MsiClient = f.server.msi_client().await;
    let (status, packages) = client.call(Method::GET, &product, "packages", None).await;
    assert_eq!(status, StatusCode::OK, "{packages}");
    assert_json_snapshot!(packages, {
        ".responseData.packages[].packageId" => "[id]",
    });
}

#[tokio::test]
async fn blob_xml_error() {
    let f = TestApp::builder().app("Snapshot Blob").start().await;
    let created = new_submission(&f).await;
    let url = created["fileUploadUrl"].as_str().unwrap();
    // A signature that does not match: the blob service's 403 in its XML form.
    let tampered = url.replace("sig=", "sig=AAAA");
    let response = f
        .server
        .http
        .put(&tampered)
        .header("x-ms-blob-type", "BlockBlob")
        .body("zip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    insta::assert_snapshot!(stable_blob_error(&response.text().await.unwrap()));
}

#[tokio::test]
async fn admin_reservation() {
    let f = TestApp::builder().app("Snapshot Admin").start().await;
    let reserved: Value = f.server.reserve_app("Reserved For Snapshot").await;
    assert_json_snapshot!(reserved, {
        ".id" => "[id]",
        ".packageIdentityName" => "[identity]",
        ".publisherName" => "[publisher]",
        ".packageFamilyName" => "[family]",
        ".sellerId" => "[id]",
        ".firstPublishedDate" => "[time]",
        ".lastPublishedApplicationSubmission.id" => "[id]",
        ".lastPublishedApplicationSubmission.resourceLocation" => "[location]",
    });
}

#[tokio::test]
async fn ingestion_submission_and_error() {
    let server = common::TestServer::start().await;
    let client = server.partner_client().await;
    let product = client.create_offer("snapshot-offer").await;
    let created = client
        .expect(
            Method::POST,
            &format!("products/{product}/submissions"),
            json!({"publishOption": {"isAutoPromote": false}}),
            StatusCode::CREATED,
        )
        .await;
    assert_json_snapshot!("ingestion_submission", created, {
        ".id" => "[id]",
        ".resources[].value" => "[instance]",
        ".pendingUpdateInfo.href" => "[href]",
        ".variantResources" => "[plans]",
    });
    let error = client
        .expect(
            Method::GET,
            "products/unknown-product",
            Value::Null,
            StatusCode::NOT_FOUND,
        )
        .await;
    // The ICH string with its GUIDs redacted.
    let text = error.as_str().unwrap();
    let (head, inner) = text.split_once(". ").unwrap();
    let mut inner: Value = serde_json::from_str(inner).unwrap();
    inner["correlationId"] = json!("[guid]");
    inner["operationId"] = json!("[hex]");
    assert_json_snapshot!("ingestion_error", json!({"prefix": head, "object": inner}));
}
