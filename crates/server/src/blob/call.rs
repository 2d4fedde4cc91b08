//! One authorized blob request, as the operations see it, plus the header parsing they share.

use axum::body::Body;
use axum::http::header::{ETAG, LAST_MODIFIED};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use storeroom_storage::blobs::{
    BlobMeta, BlobProperties, BlobStore, Check, CommitError, Rejection,
};

use super::BlobService;
use super::body::io_failure;
use super::conditions::Conditions;
use super::context::{header_value, http_date};
use super::error::BlobError;
use super::routing::BlobAddress;
use super::sas::{Query, SasGrant};

pub(crate) struct Call<'a> {
    pub service: &'a BlobService,
    pub address: &'a BlobAddress,
    pub grant: &'a SasGrant,
    pub headers: &'a HeaderMap,
    pub query: &'a Query,
}

impl Call<'_> {
    pub fn store(&self) -> &dyn BlobStore {
        &*self.service.store
    }

    pub fn container(&self) -> &str {
        &self.address.container
    }

    pub fn blob(&self) -> &str {
        &self.address.blob
    }

    /// The committed state now, for checks made before a body is received.
    pub async fn current(&self) -> Result<Option<BlobMeta>, BlobError> {
        self.store()
            .blob_meta(self.container(), self.blob())
            .await
            .map_err(|error| io_failure(&error))
    }

    pub fn conditions(&self) -> Conditions {
        Conditions::from_headers(self.headers)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header_text(self.headers, name)
    }
}

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
}

/// A transactional `Content-MD5`, checked for shape before any body is read.
pub(crate) fn transactional_md5(headers: &HeaderMap) -> Result<Option<[u8; 16]>, BlobError> {
    let Some(text) = header_text(headers, "content-md5") else {
        return Ok(None);
    };
    if headers.contains_key("x-ms-content-crc64") {
        return Err(BlobError::both_crc64_and_md5());
    }
    decode_md5(&text)
        .map(Some)
        .ok_or_else(BlobError::invalid_md5)
}

pub(crate) fn decode_md5(text: &str) -> Option<[u8; 16]> {
    BASE64.decode(text).ok()?.try_into().ok()
}

pub(crate) fn verify_md5(declared: Option<[u8; 16]>, computed: [u8; 16]) -> Result<(), BlobError> {
    match declared {
        Some(declared) if declared != computed => Err(BlobError::md5_mismatch(
            &BASE64.encode(declared),
            &BASE64.encode(computed),
        )),
        _ => Ok(()),
    }
}

/// Which request headers set blob properties: Put Blob also takes the standard entity
/// headers; Put Block List only the `x-ms-blob-*` ones (its own headers describe the XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropertySource {
    PutBlob,
    BlockList,
}

pub(crate) fn blob_properties(
    headers: &HeaderMap,
    source: PropertySource,
) -> Result<BlobProperties, BlobError> {
    let pick = |azure: &str, standard: &str| {
        header_text(headers, azure).or_else(|| {
            (source == PropertySource::PutBlob)
                .then(|| header_text(headers, standard))
                .flatten()
        })
    };
    let content_md5 = match header_text(headers, "x-ms-blob-content-md5") {
        Some(text) => match decode_md5(&text) {
            Some(md5) => Some(BASE64.encode(md5)),
            None => return Err(BlobError::invalid_header("x-ms-blob-content-md5", &text)),
        },
        None => None,
    };
    let metadata = headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix("x-ms-meta-")?;
            Some((
                key.to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect();
    Ok(BlobProperties {
        content_type: pick("x-ms-blob-content-type", "content-type"),
        content_encoding: pick("x-ms-blob-content-encoding", "content-encoding"),
        content_language: pick("x-ms-blob-content-language", "content-language"),
        content_disposition: pick("x-ms-blob-content-disposition", "content-disposition"),
        cache_control: pick("x-ms-blob-cache-control", "cache-control"),
        content_md5,
        metadata,
    })
}

/// Preconditions first (so `overwrite=False` gets 409 BlobAlreadyExists as SDKs expect),
/// then the rule that only `w` may replace existing content.
pub(crate) fn write_allowed(
    conditions: &Conditions,
    grant: &SasGrant,
    current: Option<&BlobMeta>,
) -> Result<(), BlobError> {
    conditions.check_write(current)?;
    if current.is_some() && !grant.write {
        return Err(BlobError::permission_mismatch());
    }
    Ok(())
}

/// A store [`Check`] from a check of ours; its refusal comes back through
/// [`commit_failure`].
pub(crate) fn check(
    verdict: impl Fn(Option<&BlobMeta>) -> Result<(), BlobError> + Send + Sync + 'static,
) -> Check {
    Box::new(move |current| verdict(current).map_err(Rejection::new))
}

pub(crate) fn commit_failure(error: CommitError<Rejection>) -> BlobError {
    match error {
        CommitError::Rejected(rejection) => rejection
            .downcast::<BlobError>()
            .unwrap_or_else(|_| BlobError::internal()),
        CommitError::UnknownBlock(_) => BlobError::invalid_block_list(),
        CommitError::TooManyBlocks => BlobError::block_count_exceeded(),
        CommitError::Io(error) => io_failure(&error),
    }
}

/// 201 for a committed write, with the headers SDKs read back.
pub(crate) fn created(meta: &BlobMeta, content_md5: Option<&str>) -> Response {
    let mut response = empty(StatusCode::CREATED);
    let headers = response.headers_mut();
    set(headers, ETAG, &meta.etag);
    set(headers, LAST_MODIFIED, &http_date(meta.last_modified));
    if let Some(md5) = content_md5 {
        set(headers, HeaderName::from_static("content-md5"), md5);
    }
    set(
        headers,
        HeaderName::from_static("x-ms-request-server-encrypted"),
        "true",
    );
    response
}

pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

pub(crate) fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Some(value) = header_value(value) {
        headers.insert(name, value);
    }
}

pub(crate) fn set_static(headers: &mut HeaderMap, name: &'static str, value: &'static str) {
    headers.insert(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    );
}
