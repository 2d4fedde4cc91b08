//! Reading responses and sending uploads, as every test does.

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

use crate::fixtures::SubmissionFixture;

pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"));
    (status, value)
}

/// Uploads bytes to a SAS URL the way Microsoft's Python sample does (one Put Blob).
pub async fn put_blob(http: &Client, url: &str, body: Vec<u8>) -> Response {
    http.put(url.replace('+', "%2B"))
        .header("x-ms-blob-type", "BlockBlob")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A ZIP holding the named files with placeholder contents (no real packages).
pub fn zip_bytes(names: &[&str]) -> Vec<u8> {
    names
        .iter()
        .fold(SubmissionFixture::new(), |zip, name| {
            zip.file(name, format!("content of {name}").as_str())
        })
        .to_bytes()
}

/// A ZIP holding `files` (name, bytes).
pub fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    files
        .iter()
        .fold(SubmissionFixture::new(), |zip, (name, bytes)| {
            zip.file(name, bytes.clone())
        })
        .to_bytes()
}
