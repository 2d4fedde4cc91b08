//! The blob endpoint and a whole submission on an object store, through an in-process
//! server: Put Blob, Get/HEAD/ranges, conditional writes, Put Block + Put Block List, then
//! the upload committed and the submission published (and, when the test virtualenv is
//! there, the Python SDK's block upload).

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use reqwest::{Client, StatusCode};

use super::servers::ObjectServer;
use crate::common::{TestServer, python, repo_root};

/// SAS URLs carry Base64 signatures; some clients leave `+` unescaped, ours escapes it.
fn sas(url: &str) -> String {
    url.replace('+', "%2B")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub async fn endpoint_and_submission(object: &ObjectServer) {
    let dir = tempfile::tempdir().unwrap();
    let location = object.location("flows");
    let server = TestServer::start_with(dir, |config| config.blobs = Some(location)).await;
    let token = server.token().await;
    let app = server.reserve_app("Object Store").await;
    let app_id = app["id"].as_str().unwrap().to_string();
    let package = "ObjectStore_2.0.0.0_x64.msix";
    let (id, url, _) = server.submission_adding(&token, &app_id, package).await;
    let url = sas(&url);
    let http = &server.http;

    single_put_and_reads(http, &url).await;
    let zip = server.package_zip(&app_id, &[package]).await;
    block_upload(http, &url, &zip).await;
    seen_by_another_instance(object, &url, zip.len() as u64).await;
    let status = server.commit_and_wait(&token, &app_id, &id).await;
    assert_eq!(status["status"], "Published", "{status}");

    python_sdk_upload(&server, &token, &app_id).await;
}

async fn single_put_and_reads(http: &Client, url: &str) {
    let body = b"0123456789 storeroom on an object store".to_vec();
    let put = http
        .put(url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("x-ms-blob-content-type", "application/zip")
        .header("x-ms-meta-origin", "test")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let etag = header(&put, "etag");
    let md5 = BASE64.encode(Md5::digest(&body));
    assert_eq!(header(&put, "content-md5"), md5);

    let get = http.get(url).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(header(&get, "etag"), etag);
    assert_eq!(header(&get, "content-md5"), md5);
    assert_eq!(header(&get, "content-type"), "application/zip");
    assert_eq!(header(&get, "x-ms-meta-origin"), "test");
    assert_eq!(get.bytes().await.unwrap(), body);

    let head = http.head(url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, "content-length"), body.len().to_string());
    assert_eq!(header(&head, "etag"), etag);

    let range = http
        .get(url)
        .header("range", "bytes=11-19")
        .send()
        .await
        .unwrap();
    assert_eq!(range.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&range, "content-range"),
        format!("bytes 11-19/{}", body.len())
    );
    assert_eq!(range.bytes().await.unwrap(), body[11..20]);
    let tail = http
        .get(url)
        .header("x-ms-range", "bytes=30-")
        .header("x-ms-range-get-content-md5", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&tail, "content-md5"),
        BASE64.encode(Md5::digest(&body[30..]))
    );
    assert_eq!(tail.bytes().await.unwrap(), body[30..]);

    // Conditions are checked against the state in the bucket.
    let refused = http
        .put(url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("if-none-match", "*")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let stale = http
        .put(url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("if-match", "\"0x8000000000000\"")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let fresh = http
        .get(url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::NOT_MODIFIED);
}

/// The ZIP in three blocks (the middle one staged twice: the last one wins), listed,
/// committed and read back whole.
async fn block_upload(http: &Client, url: &str, zip: &[u8]) {
    let third = zip.len() / 3;
    let parts = [&zip[..third], &zip[third..2 * third], &zip[2 * third..]];
    let ids: Vec<String> = (0..3)
        .map(|i| BASE64.encode(format!("block-{i:03}")))
        .collect();
    let stage = |id: &str, body: Vec<u8>| {
        http.put(format!(
            "{url}&comp=block&blockid={}",
            id.replace('=', "%3D")
        ))
        .body(body)
        .send()
    };
    stage(&ids[1], b"replaced before commit".to_vec())
        .await
        .unwrap();
    for (id, part) in ids.iter().zip(parts) {
        let response = stage(id, part.to_vec()).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let listed = http
        .get(format!("{url}&comp=blocklist&blocklisttype=all"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let listing = listed.text().await.unwrap();
    assert_eq!(listing.matches("<Block>").count(), 3, "{listing}");
    assert!(
        listing.contains("<CommittedBlocks></CommittedBlocks>"),
        "{listing}"
    );

    let xml: String = ids
        .iter()
        .map(|id| format!("<Latest>{id}</Latest>"))
        .collect();
    let committed = http
        .put(format!("{url}&comp=blocklist"))
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>{xml}</BlockList>"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(committed.status(), StatusCode::CREATED);
    let content = http.get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(content.as_ref(), zip);
    let listed = http
        .get(format!("{url}&comp=blocklist&blocklisttype=all"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("<UncommittedBlocks></UncommittedBlocks>"),
        "{listed}"
    );
    assert_eq!(listed.matches("<Block>").count(), 3, "{listed}");
}

/// A second store opened on the same bucket (what another instance does) finds the blob:
/// its state lives in the bucket, not in the server that received it.
async fn seen_by_another_instance(object: &ObjectServer, url: &str, size: u64) {
    let address = reqwest::Url::parse(url).unwrap();
    let segments: Vec<&str> = address.path_segments().unwrap().collect();
    let (container, blob) = (segments[1], segments[2..].join("/"));
    let other = storeroom_storage::blobs::open(&object.location("flows"))
        .await
        .unwrap();
    let meta = other
        .blob_meta(container, &blob)
        .await
        .unwrap()
        .expect("the blob is in the bucket");
    assert_eq!(meta.size, size);
    assert_eq!(meta.committed_blocks.len(), 3);
}

/// Microsoft's Python SDK uploads a 3 MiB ZIP in blocks; the submission publishes.
async fn python_sdk_upload(server: &TestServer, token: &str, app_id: &str) {
    let Some(python) = python() else {
        println!("SKIPPED: the Python SDK part (run scripts/setup-test-env.sh)");
        return;
    };
    // The first submission was published; a new one adds another package version.
    let package = "ObjectStore_3.0.0.0_x64.msix";
    let (id, url, _) = server.submission_adding(token, app_id, package).await;
    let file = server.dir.path().join("sdk-upload.zip");
    std::fs::write(&file, server.large_zip(app_id, package).await).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(repo_root().join("tests/python/upload_sdk.py"))
            .arg(&url)
            .arg(&file)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "SDK upload failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = server.commit_and_wait(token, app_id, &id).await;
    assert_eq!(status["status"], "Published", "{status}");
}
