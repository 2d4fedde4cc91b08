//! Azure Blob endpoint for the SAS upload URLs storeroom hands out (`fileUploadUrl` and
//! friends): the subset of the Blob service REST API that upload clients use (research
//! notes, auth-blob-ingestion.md section B), authorized by service SAS only.
//!
//! Modules, one job each: `routing` (which requests are ours), `sas` (signing and checking
//! SAS), `context` (headers every response carries), `error` (the XML error format), `body`
//! (receiving bodies), `conditions` (conditional headers), `call` (what operations share),
//! `write` and `read` (the operations), `xml` (block-list documents). Blobs are kept by a
//! [`BlobStore`]: local disk or an object store.

mod body;
mod call;
mod conditions;
mod context;
pub(crate) mod describe;
mod error;
mod read;
mod routing;
mod sas;
mod write;
mod xml;

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use storeroom_domain::Clock;
use storeroom_storage::blobs::BlobStore;

pub use routing::BlobAddress;

use call::Call;
use context::{RequestContext, X_MS_VERSION};
use error::BlobError;
use routing::Routes;
use sas::{Query, SasFields, Transport};

/// Characters left alone in query values and path segments: RFC 3986 unreserved only, so
/// that `+`, `/` and `=` in signatures arrive intact whatever a client does to the URL.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where the blob service lives.
#[derive(Debug, Clone)]
pub struct BlobEndpoint {
    /// Storage account name, e.g. "productingestionbin1".
    pub account: String,
    /// Public base URL of the blob service *including* the account for path-style,
    /// e.g. "http://127.0.0.1:8080/productingestionbin1" or "https://productingestionbin1.blob.core.windows.net".
    pub public_base: String,
}

/// Size limits. The defaults are Azure's newest (Put Blob 5000 MiB, Put Block 4000 MiB)
/// whatever version a request names: older versions had 64 MiB limits that would break the
/// raw single-PUT clients, which send no version at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobLimits {
    pub max_put_blob: u64,
    pub max_put_block: u64,
    /// Put Block List XML; 50,000 entries of the longest ids fit in about 6 MiB.
    pub max_block_list_body: u64,
}

impl Default for BlobLimits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        Self {
            max_put_blob: 5000 * MIB,
            max_put_block: 4000 * MIB,
            max_block_list_body: 8 * MIB,
        }
    }
}

/// The blob endpoint: routing, SAS issuing and checking, and the operations.
#[derive(Debug)]
pub struct BlobService {
    store: Arc<dyn BlobStore>,
    clock: Arc<Clock>,
    sas_key: Vec<u8>,
    endpoint: BlobEndpoint,
    routes: Routes,
    limits: BlobLimits,
    /// [`UPLOADED_BYTES`]: bytes received into the store by Put Blob and Put Block.
    uploaded: metrics::Counter,
}

/// Counter: bytes of blob content received and stored (Put Blob and Put Block bodies).
pub const UPLOADED_BYTES: &str = "storeroom_blob_uploaded_bytes_total";

/// What a request asks for, from its method and `comp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    PutBlob,
    PutBlock,
    PutBlockList,
    GetBlob,
    GetProperties,
    GetBlockList,
    DeleteBlob,
}

impl Operation {
    /// Every operation, in the order the OpenAPI document lists them ([`describe`]).
    const ALL: &[Operation] = &[
        Self::PutBlob,
        Self::PutBlock,
        Self::PutBlockList,
        Self::GetBlob,
        Self::GetBlockList,
        Self::GetProperties,
        Self::DeleteBlob,
    ];

    /// The method and `comp` value that name the operation: the inverse of [`Self::of`].
    fn request(self) -> (Method, Option<&'static str>) {
        match self {
            Self::PutBlob => (Method::PUT, None),
            Self::PutBlock => (Method::PUT, Some("block")),
            Self::PutBlockList => (Method::PUT, Some("blocklist")),
            Self::GetBlob => (Method::GET, None),
            Self::GetBlockList => (Method::GET, Some("blocklist")),
            Self::GetProperties => (Method::HEAD, None),
            Self::DeleteBlob => (Method::DELETE, None),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::PutBlob => "PutBlob",
            Self::PutBlock => "PutBlock",
            Self::PutBlockList => "PutBlockList",
            Self::GetBlob => "GetBlob",
            Self::GetProperties => "GetBlobProperties",
            Self::GetBlockList => "GetBlockList",
            Self::DeleteBlob => "DeleteBlob",
        }
    }

    fn of(method: &Method, comp: Option<&str>) -> Result<Self, BlobError> {
        let operation = match (method, comp) {
            (&Method::PUT, None) => Self::PutBlob,
            (&Method::PUT, Some("block")) => Self::PutBlock,
            (&Method::PUT, Some("blocklist")) => Self::PutBlockList,
            (&Method::GET, None) => Self::GetBlob,
            (&Method::GET, Some("blocklist")) => Self::GetBlockList,
            (&Method::HEAD, None) => Self::GetProperties,
            (&Method::DELETE, None) => Self::DeleteBlob,
            (&Method::PUT | &Method::GET | &Method::HEAD | &Method::DELETE, Some(comp)) => {
                return Err(BlobError::unsupported_query("comp", comp));
            }
            _ => return Err(BlobError::unsupported_verb()),
        };
        Ok(operation)
    }
}

impl BlobService {
    /// `sas_key` is the raw HMAC key (what Azure gets by Base64-decoding an account key).
    pub fn new(
        store: Arc<dyn BlobStore>,
        clock: std::sync::Arc<storeroom_domain::Clock>,
        sas_key: Vec<u8>,
        endpoint: BlobEndpoint,
    ) -> Self {
        let public_base = endpoint.public_base.trim_end_matches('/').to_owned();
        let endpoint = BlobEndpoint {
            account: endpoint.account,
            public_base,
        };
        Self {
            routes: Routes::new(&endpoint.account, &endpoint.public_base),
            store,
            clock,
            sas_key,
            endpoint,
            limits: BlobLimits::default(),
            uploaded: metrics::Counter::noop(),
        }
    }

    /// Counts the bytes uploaded in `recorder` (the server's, rendered at `/metrics`).
    #[must_use]
    pub fn metered(mut self, recorder: &dyn metrics::Recorder) -> Self {
        self.uploaded = metrics::with_local_recorder(recorder, || {
            metrics::describe_counter!(
                UPLOADED_BYTES,
                metrics::Unit::Bytes,
                "Bytes of blob content received and stored (Put Blob and Put Block)"
            );
            metrics::counter!(UPLOADED_BYTES)
        });
        self
    }

    /// The operation a request to the endpoint asks for (`PutBlock`, `GetBlob`…), as a
    /// metric label: `Unsupported` for a method or `comp` the endpoint does not serve.
    pub fn operation_label(method: &Method, uri: &axum::http::Uri) -> &'static str {
        let query = Query::parse(uri.query());
        Operation::of(method, query.get("comp")).map_or("Unsupported", Operation::name)
    }

    /// Replaces the size limits (tests use small ones to reach RequestBodyTooLarge cheaply).
    #[must_use]
    pub fn with_limits(mut self, limits: BlobLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn endpoint(&self) -> &BlobEndpoint {
        &self.endpoint
    }

    /// Full SAS URL for one blob: "{public_base}/{container}/{blob}?sv=..&sr=b&sig=..&se=..&sp=.."
    /// with every value percent-encoded (sig as %2B/%2F/%3D so clients that replace '+' with '%2B' are harmless).
    pub fn sas_url(
        &self,
        container: &str,
        blob: &str,
        permissions: &str,
        expiry: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let se = sas_time(expiry);
        let fields = SasFields {
            sp: permissions,
            se: &se,
            sv: sas::ISSUED_VERSION,
            sr: "b",
            ..SasFields::default()
        };
        let sts = sas::string_to_sign(&fields, &self.endpoint.account, container, Some(blob));
        let sig = sas::sign(&self.sas_key, &sts);
        let encode = |text: &str| utf8_percent_encode(text, STRICT).to_string();
        let path = blob.split('/').map(encode).collect::<Vec<_>>().join("/");
        format!(
            "{}/{}/{}?sv={}&sr=b&sig={}&se={}&sp={}",
            self.endpoint.public_base,
            encode(container),
            path,
            encode(sas::ISSUED_VERSION),
            encode(&sig),
            encode(&se),
            encode(permissions),
        )
    }

    /// Some(address) when the request is addressed to the blob endpoint (rules in item 7).
    pub fn route(
        &self,
        method: &axum::http::Method,
        uri: &axum::http::Uri,
        headers: &axum::http::HeaderMap,
    ) -> Option<BlobAddress> {
        // Every method is ours once the path is: unsupported ones get the service's 405.
        let _ = method;
        self.routes.route(uri, headers).or_else(|| {
            // Addressed to the endpoint but naming no blob: answered with InvalidUri.
            self.routes.claims(uri, headers).then(|| BlobAddress {
                container: String::new(),
                blob: String::new(),
                valid: false,
            })
        })
    }

    /// The service's error for a request whose head was refused before routing (see
    /// `listen::heads`): `InvalidInput` with the status hyper would have answered.
    pub fn refused(&self, status: axum::http::StatusCode, reason: &str) -> Response {
        let ctx = RequestContext::new(
            &Method::GET,
            &axum::http::HeaderMap::new(),
            self.clock.now(),
        );
        let error = BlobError::new(
            status,
            "InvalidInput",
            format!("One of the request inputs is not valid: {reason}."),
        );
        ctx.finish(ctx.error_response(&error))
    }

    /// The service's error with `status`, `code` and `message`, as it answers a request
    /// with `method` and `headers` (the fault rules' failures).
    pub fn error(
        &self,
        method: &Method,
        headers: &axum::http::HeaderMap,
        status: axum::http::StatusCode,
        code: &'static str,
        message: String,
    ) -> Response {
        let ctx = RequestContext::new(method, headers, self.clock.now());
        ctx.finish(ctx.error_response(&BlobError::new(status, code, message)))
    }

    /// Serves one blob request (consumes the streaming body).
    pub async fn handle(
        &self,
        address: BlobAddress,
        request: axum::extract::Request,
    ) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let mut ctx = RequestContext::new(&parts.method, &parts.headers, self.clock.now());
        // A panic in an operation answers the service's 500 InternalError, its request id
        // in the log line, rather than dropping the connection.
        let served = AssertUnwindSafe(self.serve(&mut ctx, &address, &parts, body))
            .catch_unwind()
            .await;
        let response = match served {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => ctx.error_response(&error),
            Err(panic) => {
                tracing::error!(
                    request_id = %ctx.request_id,
                    path = %parts.uri.path(),
                    panic = %storeroom_domain::panics::message(panic.as_ref()),
                    "blob request handler panicked"
                );
                ctx.error_response(&BlobError::internal())
            }
        };
        ctx.finish(response)
    }

    async fn serve(
        &self,
        ctx: &mut RequestContext,
        address: &BlobAddress,
        parts: &Parts,
        body: Body,
    ) -> Result<Response, BlobError> {
        let query = Query::parse(parts.uri.query());
        if let Some(sv) = query.get("sv") {
            ctx.set_sas_version(sv);
        }
        if let Some(version) = parts.headers.get(&X_MS_VERSION) {
            let text = version.to_str().unwrap_or_default();
            if !is_version(text) {
                return Err(BlobError::invalid_header("x-ms-version", text));
            }
        }
        let operation = Operation::of(&parts.method, query.get("comp"))?;
        if !address.valid {
            return Err(BlobError::invalid_uri());
        }
        let grant = self.authorize(&query, address, parts, ctx.now)?;
        let call = Call {
            service: self,
            address,
            grant: &grant,
            headers: &parts.headers,
            query: &query,
        };
        match operation {
            Operation::PutBlob => write::put_blob(&call, body).await,
            Operation::PutBlock => write::put_block(&call, body).await,
            Operation::PutBlockList => write::put_block_list(&call, body).await,
            Operation::DeleteBlob => write::delete_blob(&call).await,
            Operation::GetBlob => read::get_blob(&call, false).await,
            Operation::GetProperties => read::get_blob(&call, true).await,
            Operation::GetBlockList => read::get_block_list(&call).await,
        }
    }

    /// Without a SAS we answer 401 NoAuthenticationInformation, what Azure sends for
    /// anonymous requests to a private container on current versions (the older 404
    /// ResourceNotFound would read as "the upload URL is wrong"). An Authorization header
    /// (Shared Key, OAuth) is refused as a failed authentication: only SAS is supported.
    fn authorize(
        &self,
        query: &Query,
        address: &BlobAddress,
        parts: &Parts,
        now: DateTime<Utc>,
    ) -> Result<sas::SasGrant, BlobError> {
        if query.get("sig").is_none() && parts.headers.contains_key(AUTHORIZATION) {
            return Err(BlobError::authentication_failed(
                "storeroom's blob endpoint accepts service SAS authorization only.",
            ));
        }
        sas::authorize(
            &self.sas_key,
            &self.endpoint.account,
            query,
            &address.container,
            &address.blob,
            now,
            self.transport(parts),
        )
    }

    /// `spr=https` is only enforced when we can tell the request came over plain HTTP: a
    /// TLS-terminating proxy says so in X-Forwarded-Proto, and an https public base means
    /// the deployment is fronted by TLS.
    fn transport(&self, parts: &Parts) -> Transport {
        let forwarded = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().eq_ignore_ascii_case("https"));
        let https = forwarded
            .unwrap_or_else(|| parts.uri.scheme_str() == Some("https") || self.routes.base_https);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Transport { https, peer }
    }
}

/// Service versions are dates: `2021-08-06`.
fn is_version(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// `2026-07-09T12:51:16Z`: the SAS time format every client parses.
fn sas_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The SAS parser and verifier for the fuzz targets under `fuzz/` (feature `fuzzing`): parses
/// `query` as a request's query string and checks it as a SAS for `container`/`blob` signed
/// with `key`. True when it grants access.
#[cfg(feature = "fuzzing")]
pub fn fuzz_sas(key: &[u8], query: &str, container: &str, blob: &str, now: DateTime<Utc>) -> bool {
    let _ = sas::parse_sas_time(query);
    let query = Query::parse(Some(query));
    let transport = Transport {
        https: false,
        peer: Some(std::net::IpAddr::from([127, 0, 0, 1])),
    };
    sas::authorize(key, "account", &query, container, blob, now, transport).is_ok()
}
