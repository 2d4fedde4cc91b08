//! The blob endpoint over real HTTP: a minimal axum app that hands every request to
//! `BlobService::route`/`handle`, driven with reqwest, raw TCP and (when its venv exists)
//! the Python `azure-storage-blob` SDK.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use reqwest::Method;
use sha2::Sha256;
use storeroom_domain::Clock;
use storeroom_server::blob::{BlobEndpoint, BlobLimits, BlobService};
use storeroom_storage::LocalBlobStore;
use storeroom_storage::blobs::FileBlobStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "productingestionbin1";
const KEY: &[u8] = b"storeroom-test-key-0123456789abcdef";
const BOM: &[u8] = b"\xef\xbb\xbf";

struct Harness {
    addr: SocketAddr,
    service: Arc<BlobService>,
    clock: Arc<Clock>,
    store: Arc<LocalBlobStore>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Self {
        Self::start_with(BlobLimits::default()).await
    }

    async fn start_with(limits: BlobLimits) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(LocalBlobStore::open(dir.path().join("blobs")).expect("store"));
        let clock = Arc::new(Clock::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let service = Arc::new(
            BlobService::new(
                Arc::new(FileBlobStore::new(store.clone())),
                clock.clone(),
                KEY.to_vec(),
                BlobEndpoint {
                    account: ACCOUNT.to_owned(),
                    public_base: format!("http://{addr}/{ACCOUNT}"),
                },
            )
            .with_limits(limits),
        );
        let routed = service.clone();
        let app = Router::new().fallback(move |request: Request| {
            let service = routed.clone();
            async move {
                match service.route(request.method(), request.uri(), request.headers()) {
                    Some(address) => service.handle(address, request).await,
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            service,
            clock,
            store,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    fn url(&self, blob: &str, permissions: &str) -> String {
        self.service.sas_url(
            "ingestion",
            blob,
            permissions,
            Utc::now() + Duration::hours(24),
        )
    }

    async fn put(&self, url: &str, body: Vec<u8>) -> reqwest::Response {
        self.client
            .put(url)
            .header("x-ms-blob-type", "BlockBlob")
            .body(body)
            .send()
            .await
            .expect("PUT")
    }

    async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.expect("GET")
    }

    fn stored(&self, blob: &str) -> Option<Vec<u8>> {
        let mut file = self
            .store
            .open_committed("ingestion", blob)
            .expect("open")?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).expect("read");
        Some(bytes)
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Status, error code header and body of an error response.
async fn error_of(response: reqwest::Response) -> (StatusCode, String, Vec<u8>) {
    let status = response.status();
    let code = header(&response, "x-ms-error-code").to_owned();
    let body = response.bytes().await.expect("body").to_vec();
    (status, code, body)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

fn md5_b64(bytes: &[u8]) -> String {
    BASE64.encode(Md5::digest(bytes))
}

/// Replaces one query parameter's raw (already encoded) value.
fn with_param(url: &str, name: &str, raw_value: &str) -> String {
    let (base, query) = url.split_once('?').expect("query");
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={raw_value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

#[tokio::test]
async fn put_blob_then_get_blob_round_trip() {
    let h = Harness::start().await;
    let data = pseudo_random(100_000, 1);
    let response = h.put(&h.url("round-trip", "rcw"), data.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(
        header(&response, "etag").starts_with("\"0x8"),
        "{response:?}"
    );
    assert!(header(&response, "last-modified").ends_with(" GMT"));
    assert_eq!(header(&response, "content-md5"), md5_b64(&data));
    assert_eq!(header(&response, "x-ms-request-server-encrypted"), "true");
    assert!(!header(&response, "x-ms-request-id").is_empty());
    // No x-ms-version header on the request: the SAS version is echoed.
    assert_eq!(header(&response, "x-ms-version"), "2021-08-06");
    assert_eq!(
        header(&response, "server"),
        "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
    );
    assert!(!header(&response, "date").is_empty());
    assert_eq!(header(&response, "content-length"), "0");

    let response = h
        .client
        .get(h.url("round-trip", "r"))
        .header("x-ms-version", "2023-11-03")
        .header("x-ms-client-request-id", "client-42")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ms-version"), "2023-11-03");
    assert_eq!(header(&response, "x-ms-client-request-id"), "client-42");
    assert_eq!(
        header(&response, "content-type"),
        "application/octet-stream"
    );
    assert_eq!(header(&response, "content-md5"), md5_b64(&data));
    assert_eq!(header(&response, "x-ms-blob-type"), "BlockBlob");
    assert_eq!(response.bytes().await.expect("body").to_vec(), data);
    assert_eq!(h.stored("round-trip"), Some(data));

    // Last upload wins, content type kept from the request.
    let response = h
        .client
        .put(h.url("round-trip", "rcw"))
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-type", "application/zip")
        .body("second")
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = h.get(&h.url("round-trip", "r")).await;
    assert_eq!(header(&response, "content-type"), "application/zip");
    assert_eq!(response.text().await.expect("body"), "second");
}

#[tokio::test]
async fn byte_count_mismatch_is_refused() {
    let h = Harness::start().await;
    let url = h.url("short", "rcw");
    let path_and_query = url.split_once(&h.addr.to_string()).expect("host").1;
    let mut stream = tokio::net::TcpStream::connect(h.addr)
        .await
        .expect("connect");
    let request = format!(
        "PUT {path_and_query} HTTP/1.1\r\nHost: {}\r\nx-ms-blob-type: BlockBlob\r\n\
         Content-Length: 10\r\n\r\n12345",
        h.addr
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.shutdown().await.expect("shutdown");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = text(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("x-ms-error-code: InvalidOperation"),
        "{answer}"
    );
    assert!(answer.contains("The size of the request body 5 mismatches the content-length 10"));
    assert_eq!(h.stored("short"), None);
}

/// Sends one raw HTTP/1.1 request and returns the whole answer.
async fn raw_request(h: &Harness, head: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(h.addr)
        .await
        .expect("connect");
    let request = format!("{head}Host: {}\r\nConnection: close\r\n\r\n{body}", h.addr);
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    text(&answer)
}

#[tokio::test]
async fn chunked_put_blob_is_streamed_to_its_end() {
    // Streaming clients send chunked bodies (client-behaviours §11.7); they are accepted.
    let h = Harness::start().await;
    let url = h.url("chunked", "rcw");
    let path_and_query = url.split_once(&h.addr.to_string()).expect("host").1;
    let answer = raw_request(
        &h,
        &format!(
            "PUT {path_and_query} HTTP/1.1\r\nx-ms-blob-type: BlockBlob\r\nTransfer-Encoding: chunked\r\n"
        ),
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert_eq!(h.stored("chunked").as_deref(), Some(&b"hello world"[..]));
}

#[tokio::test]
async fn put_blob_without_any_length_is_411() {
    let h = Harness::start().await;
    let url = h.url("lengthless", "rcw");
    let path_and_query = url.split_once(&h.addr.to_string()).expect("host").1;
    let answer = raw_request(
        &h,
        &format!("PUT {path_and_query} HTTP/1.1\r\nx-ms-blob-type: BlockBlob\r\n"),
        "",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(
        answer.contains("x-ms-error-code: MissingContentLengthHeader"),
        "{answer}"
    );
}

#[tokio::test]
async fn put_blob_requires_the_blob_type() {
    let h = Harness::start().await;
    let response = h
        .client
        .put(h.url("typeless", "rcw"))
        .body("data")
        .send()
        .await
        .expect("PUT");
    let (status, code, body) = error_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code, "MissingRequiredHeader");
    assert!(text(&body).contains("<HeaderName>x-ms-blob-type</HeaderName>"));

    let response = h
        .client
        .put(h.url("typeless", "rcw"))
        .header("x-ms-blob-type", "PageBlob")
        .body("data")
        .send()
        .await
        .expect("PUT");
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidHeaderValue")
    );
}

async fn put_block(h: &Harness, blob: &str, id: &str, data: &[u8]) -> reqwest::Response {
    let url = format!(
        "{}&comp=block&blockid={}",
        h.url(blob, "rcw"),
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    );
    h.client
        .put(url)
        .body(data.to_vec())
        .send()
        .await
        .expect("Put Block")
}

async fn put_block_list(h: &Harness, blob: &str, xml: &str) -> reqwest::Response {
    h.client
        .put(format!("{}&comp=blocklist", h.url(blob, "rcw")))
        .header("x-ms-blob-content-type", "application/zip")
        .body(xml.to_owned())
        .send()
        .await
        .expect("Put Block List")
}

#[tokio::test]
async fn put_block_list_assembles_blocks_in_order() {
    let h = Harness::start().await;
    let parts = [
        pseudo_random(5000, 2),
        pseudo_random(7000, 3),
        pseudo_random(11, 4),
    ];
    let ids: Vec<String> = (0..3)
        .map(|i| BASE64.encode(format!("block-{i:04}")))
        .collect();
    for (id, part) in ids.iter().zip(&parts) {
        let response = put_block(&h, "blocks", id, part).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(header(&response, "x-ms-request-server-encrypted"), "true");
    }
    // Nothing is visible before the commit.
    assert_eq!(
        h.get(&h.url("blocks", "r")).await.status(),
        StatusCode::NOT_FOUND
    );

    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList><Latest>{}</Latest>\
         <Latest>{}</Latest><Uncommitted>{}</Uncommitted></BlockList>",
        ids[0], ids[1], ids[2]
    );
    let response = put_block_list(&h, "blocks", &xml).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(header(&response, "etag").starts_with("\"0x"));
    assert!(!header(&response, "last-modified").is_empty());

    let expected: Vec<u8> = parts.concat();
    let response = h.get(&h.url("blocks", "r")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "application/zip");
    assert_eq!(response.bytes().await.expect("body").to_vec(), expected);

    let response = h
        .get(&format!(
            "{}&comp=blocklist&blocklisttype=all",
            h.url("blocks", "r")
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ms-blob-content-length"), "12011");
    let body = response.text().await.expect("body");
    assert!(body.contains(&format!(
        "<Block><Name>{}</Name><Size>7000</Size></Block>",
        ids[1]
    )));
    assert!(
        body.contains("<UncommittedBlocks></UncommittedBlocks>"),
        "{body}"
    );

    // Re-committing a committed block, reordered.
    let xml = format!(
        "<BlockList><Committed>{}</Committed><Latest>{}</Latest></BlockList>",
        ids[2], ids[0]
    );
    assert_eq!(
        put_block_list(&h, "blocks", &xml).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        h.stored("blocks"),
        Some([parts[2].clone(), parts[0].clone()].concat())
    );
}

#[tokio::test]
async fn block_ids_are_validated() {
    let h = Harness::start().await;
    let (status, code, body) = error_of(put_block(&h, "ids", "not base64!", b"x").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidQueryParameterValue")
    );
    assert!(text(&body).contains("<QueryParameterName>blockid</QueryParameterName>"));

    let long = BASE64.encode([7u8; 65]);
    let (status, code, _) = error_of(put_block(&h, "ids", &long, b"x").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "OutOfRangeInput")
    );

    assert_eq!(
        put_block(&h, "ids", &BASE64.encode("aaaa"), b"x")
            .await
            .status(),
        StatusCode::CREATED
    );
    let (status, code, _) =
        error_of(put_block(&h, "ids", &BASE64.encode("bbbbbb"), b"x").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidBlobOrBlock")
    );
}

#[tokio::test]
async fn unknown_block_ids_make_an_invalid_block_list() {
    let h = Harness::start().await;
    let id = BASE64.encode("known");
    assert_eq!(
        put_block(&h, "unknown", &id, b"data").await.status(),
        StatusCode::CREATED
    );
    let xml = format!(
        "<BlockList><Latest>{id}</Latest><Latest>{}</Latest></BlockList>",
        BASE64.encode("ghost")
    );
    let (status, code, body) = error_of(put_block_list(&h, "unknown", &xml).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidBlockList")
    );
    assert!(body.starts_with(BOM));
    // A committed-only reference to a block that is merely staged is also invalid.
    let xml = format!("<BlockList><Committed>{id}</Committed></BlockList>");
    let (_, code, _) = error_of(put_block_list(&h, "unknown", &xml).await).await;
    assert_eq!(code, "InvalidBlockList");
    assert_eq!(h.stored("unknown"), None);
}

#[tokio::test]
async fn malformed_block_list_xml_is_rejected() {
    let h = Harness::start().await;
    let id = BASE64.encode("known");
    put_block(&h, "malformed", &id, b"data").await;
    let xml = format!("<BlockList><Latest>{id}</Latest>");
    let (status, code, body) = error_of(put_block_list(&h, "malformed", &xml).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidXmlDocument")
    );
    assert!(text(&body).contains("<Code>InvalidXmlDocument</Code>"));
}

#[tokio::test]
async fn range_reads_return_partial_content() {
    let h = Harness::start().await;
    let data = pseudo_random(1000, 5);
    h.put(&h.url("ranged", "rcw"), data.clone()).await;
    let response = h
        .client
        .get(h.url("ranged", "r"))
        .header("range", "bytes=10-19")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, "content-range"), "bytes 10-19/1000");
    assert_eq!(header(&response, "content-length"), "10");
    assert_eq!(response.bytes().await.expect("body").to_vec(), data[10..20]);

    let response = h
        .client
        .get(h.url("ranged", "r"))
        .header("x-ms-range", "bytes=990-")
        .header("x-ms-range-get-content-md5", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, "content-md5"), md5_b64(&data[990..]));
    assert_eq!(response.bytes().await.expect("body").to_vec(), data[990..]);

    let response = h
        .client
        .get(h.url("ranged", "r"))
        .header("range", "bytes=1000-")
        .send()
        .await
        .expect("GET");
    assert_eq!(error_of(response).await.1, "InvalidRange");
}

#[tokio::test]
async fn head_before_upload_is_blob_not_found_without_body() {
    let h = Harness::start().await;
    let response = h
        .client
        .head(h.url("probe", "rwl"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&response, "x-ms-error-code"), "BlobNotFound");
    assert!(!header(&response, "x-ms-request-id").is_empty());
    assert!(response.bytes().await.expect("body").is_empty());

    h.put(&h.url("probe", "rwl"), vec![1; 321]).await;
    let response = h
        .client
        .head(h.url("probe", "rwl"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-length"), "321");
    assert_eq!(header(&response, "x-ms-access-tier"), "Hot");
    assert!(response.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn wrong_signature_is_authentication_failed_xml() {
    let h = Harness::start().await;
    let url = with_param(
        &h.url("forged", "rcw"),
        "sig",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D",
    );
    let (status, code, body) = error_of(h.put(&url, b"x".to_vec()).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code, "AuthenticationFailed");
    assert!(body.starts_with(BOM), "{body:?}");
    let body = text(&body[BOM.len()..]);
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request."), "{body}");
    assert!(body.contains("\nRequestId:"), "{body}");
    assert!(
        body.contains(
            "<AuthenticationErrorDetail>Signature did not match. String to sign used was rcw\n\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("\n/blob/productingestionbin1/ingestion/forged\n"),
        "{body}"
    );

    // No SAS at all.
    let bare = h.url("forged", "rcw");
    let bare = bare.split_once('?').expect("query").0;
    let (status, code, _) = error_of(h.put(bare, b"x".to_vec()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "NoAuthenticationInformation")
    );
}

#[tokio::test]
async fn expired_sas_is_refused_by_the_injected_clock() {
    let h = Harness::start().await;
    let url = h
        .service
        .sas_url("ingestion", "late", "rcw", Utc::now() + Duration::hours(1));
    assert_eq!(
        h.put(&url, b"early".to_vec()).await.status(),
        StatusCode::CREATED
    );
    h.clock.advance(Duration::hours(2)).unwrap();
    let (status, code, body) = error_of(h.put(&url, b"late".to_vec()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "AuthenticationFailed")
    );
    assert!(
        text(&body)
            .contains("Signature not valid in the specified time frame: Start [] - Expiry [")
    );
    assert_eq!(h.stored("late"), Some(b"early".to_vec()));
}

#[tokio::test]
async fn permissions_are_enforced_per_operation() {
    let h = Harness::start().await;
    let (status, code, _) = error_of(h.put(&h.url("perm", "r"), b"x".to_vec()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch")
    );
    assert_eq!(h.stored("perm"), None);

    // Create-only may create, not overwrite.
    assert_eq!(
        h.put(&h.url("perm", "c"), b"one".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let (_, code, _) = error_of(h.put(&h.url("perm", "c"), b"two".to_vec()).await).await;
    assert_eq!(code, "AuthorizationPermissionMismatch");
    // The seeds' rwl works for everything but delete.
    assert_eq!(
        h.put(&h.url("perm", "rwl"), b"two".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let (_, code, _) = error_of(h.get(&h.url("perm", "w")).await).await;
    assert_eq!(code, "AuthorizationPermissionMismatch");
    let response = h
        .client
        .delete(h.url("perm", "rwl"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(
        error_of(response).await.1,
        "AuthorizationPermissionMismatch"
    );

    let response = h
        .client
        .delete(h.url("perm", "d"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(h.stored("perm"), None);
    let response = h
        .client
        .delete(h.url("perm", "d"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(error_of(response).await.1, "BlobNotFound");
}

#[tokio::test]
async fn if_none_match_star_refuses_existing_blobs() {
    let h = Harness::start().await;
    let put = || {
        h.client
            .put(h.url("once", "rcw"))
            .header("x-ms-blob-type", "BlockBlob")
            .header("if-none-match", "*")
            .body("first")
    };
    assert_eq!(
        put().send().await.expect("PUT").status(),
        StatusCode::CREATED
    );
    let (status, code, _) = error_of(put().send().await.expect("PUT")).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "BlobAlreadyExists")
    );
    assert_eq!(h.stored("once"), Some(b"first".to_vec()));
}

#[tokio::test]
async fn signature_with_plus_survives_the_samples_replacement() {
    let h = Harness::start().await;
    // Find a blob whose signature has a '+', then hand it out unencoded as the Python sample
    // would receive it from a careless server, and apply the sample's replace("+", "%2B").
    let (blob, url, raw_sig) = (0..500)
        .find_map(|i| {
            let blob = format!("plus-{i}");
            let url = h.url(&blob, "rcw");
            let encoded = url.split("sig=").nth(1)?.split('&').next()?.to_owned();
            let raw = percent_encoding::percent_decode_str(&encoded)
                .decode_utf8()
                .ok()?
                .into_owned();
            raw.contains('+').then_some((blob, url, raw))
        })
        .expect("some signature contains '+'");

    let careless = with_param(
        &url,
        "sig",
        &raw_sig.replace('/', "%2F").replace('=', "%3D"),
    );
    let (status, code, _) = error_of(h.put(&careless, b"x".to_vec()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "AuthenticationFailed")
    );

    let replaced = careless.replace('+', "%2B");
    assert_eq!(
        h.put(&replaced, b"ok".to_vec()).await.status(),
        StatusCode::CREATED
    );
    // Our own URLs contain no '+', so the replacement leaves them intact.
    assert!(!url.contains('+'));
    assert_eq!(
        h.put(&url.replace('+', "%2B"), b"ok2".to_vec())
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(h.stored(&blob), Some(b"ok2".to_vec()));
}

#[tokio::test]
async fn production_host_style_requests_are_routed() {
    let h = Harness::start().await;
    let host = format!("{ACCOUNT}.blob.core.windows.net");
    let client = reqwest::Client::builder()
        .resolve(&host, h.addr)
        .build()
        .expect("client");
    let url = h.url("host-style", "rcw");
    let query = url.split_once('?').expect("query").1;
    let production = format!(
        "http://{host}:{}/ingestion/host-style?{query}",
        h.addr.port()
    );
    let response = client
        .put(&production)
        .header("x-ms-blob-type", "BlockBlob")
        .body("via dns")
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(h.stored("host-style"), Some(b"via dns".to_vec()));
    let response = client.get(&production).send().await.expect("GET");
    assert_eq!(response.text().await.expect("body"), "via dns");

    // Other hosts with a two-segment path are not blob requests.
    let other = format!("http://{}/ingestion/host-style?{query}", h.addr);
    assert_eq!(h.get(&other).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hand_built_2014_02_14_sas_validates() {
    let h = Harness::start().await;
    let expiry = (Utc::now() + Duration::hours(24))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    // The seeds' version: no "/blob" prefix, no sip/spr, response-header fields present.
    let string_to_sign =
        format!("rwl\n\n{expiry}\n/{ACCOUNT}/ingestion/seed-blob\n\n2014-02-14\n\n\n\n\n");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(KEY).expect("key");
    mac.update(string_to_sign.as_bytes());
    let sig = BASE64.encode(mac.finalize().into_bytes());
    let encode = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let url = format!(
        "http://{}/{ACCOUNT}/ingestion/seed-blob?sv=2014-02-14&sr=b&sig={}&se={}&sp=rwl",
        h.addr,
        encode(&sig),
        encode(&expiry)
    );
    let response = h.put(&url, b"seed".to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "x-ms-version"), "2014-02-14");
    assert_eq!(h.get(&url).await.text().await.expect("body"), "seed");
}

#[tokio::test]
async fn unsupported_verbs_and_components() {
    let h = Harness::start().await;
    let response = h
        .client
        .request(Method::POST, h.url("verbs", "rcw"))
        .send()
        .await
        .expect("POST");
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "UnsupportedHttpVerb")
    );
    let response = h
        .client
        .put(format!("{}&comp=appendblock", h.url("verbs", "rcw")))
        .body("x")
        .send()
        .await
        .expect("PUT");
    assert_eq!(error_of(response).await.1, "UnsupportedQueryParameter");
}

/// A large upload streams to disk: the process's peak memory barely moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_put_blob_streams_in_bounded_memory() {
    const MIB: usize = 1024 * 1024;
    let total_mib: usize = std::env::var("STOREROOM_TEST_LARGE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let h = Harness::start().await;
    let chunk = bytes::Bytes::from(pseudo_random(MIB, 9));
    let baseline = memory_kib("VmRSS");
    let stream =
        futures::stream::iter((0..total_mib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let response = h
        .client
        .put(h.url("large", "rcw"))
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-length", (total_mib * MIB).to_string())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), StatusCode::CREATED);
    let peak = memory_kib("VmHWM");
    let size = h
        .store
        .open_committed("ingestion", "large")
        .expect("open")
        .expect("stored")
        .metadata()
        .expect("metadata")
        .len();
    assert_eq!(size, (total_mib * MIB) as u64);
    if let (Some(baseline), Some(peak)) = (baseline, peak) {
        let grown_mib = peak.saturating_sub(baseline) / 1024;
        println!("{total_mib} MiB upload: peak memory grew by {grown_mib} MiB");
        assert!(grown_mib < 48, "peak memory grew by {grown_mib} MiB");
    }
}

fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The Python SDK uploads a 3 MiB file in blocks and a small one in a single put.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_uploads_blocks_and_single_put() {
    let root = workspace_root();
    let python = std::env::var_os("STOREROOM_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    if !python.exists() {
        println!(
            "SKIPPED: python azure-storage-blob venv not found (run scripts/setup-test-env.sh)"
        );
        return;
    }
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let big = pseudo_random(3 * 1024 * 1024 + 12_345, 11);
    let small = pseudo_random(40_000, 12);
    std::fs::write(dir.path().join("big.zip"), &big).expect("write");
    std::fs::write(dir.path().join("small.zip"), &small).expect("write");
    let output = tokio::process::Command::new(&python)
        .arg(root.join("tests/python/upload_sdk.py"))
        .arg(h.url("sdk-big", "rcwd"))
        .arg(dir.path().join("big.zip"))
        .arg(h.url("sdk-small", "rcwd"))
        .arg(dir.path().join("small.zip"))
        .output()
        .await
        .expect("run python");
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    println!("{stdout}");
    assert_eq!(h.stored("sdk-big"), Some(big));
    assert_eq!(h.stored("sdk-small"), Some(small));
    let listing = h
        .store
        .block_list("ingestion", "sdk-big")
        .expect("block list");
    assert_eq!(
        listing.committed.len(),
        13,
        "3 MiB + 12 KiB in 256 KiB blocks"
    );
}

/// Clients that send the whole body before reading (requests, reqwest) must still see the
/// service's error, not a connection reset, when a large upload is refused up front.
#[tokio::test]
async fn refused_large_upload_still_gets_the_error() {
    let h = Harness::start().await;
    let url = with_param(&h.url("refused", "rcw"), "sig", "AAAA");
    let response = h.put(&url, vec![0; 64 * 1024 * 1024]).await;
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "AuthenticationFailed")
    );
}

#[tokio::test]
async fn content_md5_is_verified() {
    let h = Harness::start().await;
    let response = h
        .client
        .put(h.url("md5", "rcw"))
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-md5", md5_b64(b"something else"))
        .body("payload")
        .send()
        .await
        .expect("PUT");
    let (status, code, body) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "Md5Mismatch")
    );
    assert!(text(&body).contains(&format!(
        "<ServerCalculatedMd5>{}</ServerCalculatedMd5>",
        md5_b64(b"payload")
    )));
    assert_eq!(h.stored("md5"), None);

    let response = h
        .client
        .put(h.url("md5", "rcw"))
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-md5", md5_b64(b"payload"))
        .body("payload")
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_reading() {
    let h = Harness::start_with(BlobLimits {
        max_put_blob: 1000,
        max_put_block: 100,
        ..BlobLimits::default()
    })
    .await;
    let (status, code, body) = error_of(h.put(&h.url("big", "rcw"), vec![0; 1001]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "RequestBodyTooLarge")
    );
    assert!(text(&body).contains("<MaxLimit>1000</MaxLimit>"));
    let id = BASE64.encode("block");
    let (_, code, _) = error_of(put_block(&h, "big", &id, &[0; 101]).await).await;
    assert_eq!(code, "RequestBodyTooLarge");
    assert_eq!(
        h.put(&h.url("big", "rcw"), vec![0; 1000]).await.status(),
        StatusCode::CREATED
    );
}
