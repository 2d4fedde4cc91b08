//! Corrupt, encrypted, ambiguous and truncated uploads fail as `InvalidArchive` naming the
//! entry, over HTTP: CRCs of the uploaded entries and of every file inside a package are
//! checked, encrypted entries and duplicate names refused, and a ZIP without its end of
//! central directory record is invalid rather than "missing files".
//!
//! The hostile bytes are made here by editing plain ZIPs (sizes and CRCs in the local
//! headers, no data descriptors) where the entry names are found.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use storeroom_testkit::fixtures::{self, PackageFixture, Payload, SubmissionFixture, ZipStyle};

use crate::common::{TestServer, put_blob};

const PACKAGE: &str = "Hostile_2.0.0.0_x64.msix";
const LOCAL_HEADER: usize = 30;
const CENTRAL_HEADER: usize = 46;

/// Offsets of `name`'s local header and central directory record in a plain ZIP whose
/// data does not contain the name.
fn headers_of(zip: &[u8], name: &str) -> (usize, usize) {
    let name = name.as_bytes();
    let local = find(zip, name).expect("name in local header") - LOCAL_HEADER;
    let central = rfind(zip, name).expect("name in central record") - CENTRAL_HEADER;
    assert_eq!(&zip[local..local + 4], b"PK\x03\x04");
    assert_eq!(&zip[central..central + 4], b"PK\x01\x02");
    (local, central)
}

fn find(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).position(|w| w == needle)
}

fn rfind(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).rposition(|w| w == needle)
}

/// The entry's CRC changed in both its headers, so they agree with each other and not
/// with the data.
fn wrong_crc(mut zip: Vec<u8>, name: &str) -> Vec<u8> {
    let (local, central) = headers_of(&zip, name);
    zip[local + 14] ^= 0xff;
    zip[central + 16] ^= 0xff;
    zip
}

/// The entry's "encrypted" flag (bit 0) set in both its headers.
fn encrypted(mut zip: Vec<u8>, name: &str) -> Vec<u8> {
    let (local, central) = headers_of(&zip, name);
    zip[local + 6] |= 1;
    zip[central + 8] |= 1;
    zip
}

/// `other`'s name replaced by `name` (same length) in both its headers.
fn renamed(mut zip: Vec<u8>, other: &str, name: &str) -> Vec<u8> {
    assert_eq!(other.len(), name.len());
    let (local, central) = headers_of(&zip, other);
    for at in [local + LOCAL_HEADER, central + CENTRAL_HEADER] {
        zip[at..at + name.len()].copy_from_slice(name.as_bytes());
    }
    zip
}

/// The end of central directory record (22 bytes, no comment) cut off.
fn without_end_record(mut zip: Vec<u8>) -> Vec<u8> {
    let end = zip.len() - 22;
    assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
    zip.truncate(end);
    zip
}

struct Hostile {
    server: TestServer,
    token: String,
    app_id: String,
}

impl Hostile {
    async fn start() -> Self {
        let server = TestServer::start().await;
        let token = server.token().await;
        let app = server.reserve_app("Hostile").await;
        Self {
            token,
            app_id: app["id"].as_str().unwrap().to_string(),
            server,
        }
    }

    /// A real package of the app, plain ZIP, with a deflated payload file.
    async fn package(&self) -> Vec<u8> {
        let (identity, publisher) = self.server.identity(&self.app_id).await;
        PackageFixture::new(&identity)
            .publisher(&publisher)
            .version("2.0.0.0")
            .style(ZipStyle::PLAIN)
            .file_with(
                "Payload/data.bin",
                Payload::Noise {
                    len: 64 << 10,
                    seed: 5,
                },
                fixtures::Method::Deflated(6),
            )
            .to_bytes()
    }

    async fn upload(&self, package: Vec<u8>, method: fixtures::Method) -> Vec<u8> {
        SubmissionFixture::new()
            .file_with(PACKAGE, package, method)
            .to_bytes()
    }

    /// Commits a submission adding `PACKAGE` with `zip` uploaded; returns the final status.
    async fn commit(&self, zip: Vec<u8>) -> Value {
        let (id, upload, path) = self
            .server
            .submission_adding(&self.token, &self.app_id, PACKAGE)
            .await;
        assert!(
            put_blob(&self.server.http, &upload, zip)
                .await
                .status()
                .is_success()
        );
        let status = self
            .server
            .commit_and_wait(&self.token, &self.app_id, &id)
            .await;
        // Each case gets a fresh pending submission: a failed one is deleted (a published
        // one is no longer pending).
        if status["status"] == "Published" {
            return status;
        }
        let deleted = self
            .server
            .dc(Method::DELETE, &path, &self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        status
    }

    async fn assert_invalid(&self, case: &str, zip: Vec<u8>, entry: &str) {
        let status = self.commit(zip).await;
        let error = &status["statusDetails"]["errors"][0];
        assert!(
            status["status"].as_str().unwrap().ends_with("Failed"),
            "{case}: {status}"
        );
        assert_eq!(error["code"], "InvalidArchive", "{case}: {status}");
        let details = error["details"].as_str().unwrap();
        assert!(details.contains(&format!("'{entry}'")), "{case}: {details}");
    }
}

#[tokio::test]
async fn corrupt_entries_fail_their_crc_stored_or_deflated() {
    let h = Hostile::start().await;
    let package = h.package().await;
    for method in [fixtures::Method::Stored, fixtures::Method::Deflated(6)] {
        let case = format!("{method:?}");
        // The package entry of the uploaded ZIP.
        let zip = wrong_crc(h.upload(package.clone(), method).await, PACKAGE);
        h.assert_invalid(&format!("package CRC, {case}"), zip, PACKAGE)
            .await;
        // A payload file inside the package.
        let inner = wrong_crc(package.clone(), "Payload/data.bin");
        let zip = h.upload(inner, method).await;
        h.assert_invalid(&format!("payload CRC, {case}"), zip, "Payload/data.bin")
            .await;
    }
    // The intact package still publishes.
    let status = h
        .commit(h.upload(package, fixtures::Method::Stored).await)
        .await;
    assert_eq!(status["status"], "Published", "{status}");
}

#[tokio::test]
async fn encrypted_duplicate_and_endless_archives_are_invalid() {
    let h = Hostile::start().await;
    let package = h.package().await;
    let zip = encrypted(
        h.upload(package.clone(), fixtures::Method::Stored).await,
        PACKAGE,
    );
    h.assert_invalid("encrypted package entry", zip, PACKAGE)
        .await;
    let inner = encrypted(package.clone(), "Payload/data.bin");
    let zip = h.upload(inner, fixtures::Method::Deflated(6)).await;
    h.assert_invalid("encrypted payload", zip, "Payload/data.bin")
        .await;

    let twin = PACKAGE.replace(".msix", ".msiy");
    let two = SubmissionFixture::new()
        .stored(PACKAGE, package.clone())
        .stored(&twin, package.clone())
        .to_bytes();
    h.assert_invalid("duplicate names", renamed(two, &twin, PACKAGE), PACKAGE)
        .await;

    let zip = without_end_record(h.upload(package, fixtures::Method::Stored).await);
    let status = h.commit(zip).await;
    assert_eq!(
        status["statusDetails"]["errors"][0]["code"], "InvalidArchive",
        "{status}"
    );
}
