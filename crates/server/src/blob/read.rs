//! Reads: Get Blob (with ranges), Get Blob Properties (HEAD), Get Block List.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE,
    CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED, RANGE,
};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::StreamExt;
use md5::{Digest, Md5};
use storeroom_storage::blobs::{BlobMeta, ByteStream};

use super::body::io_failure;
use super::call::{Call, empty, set, set_static};
use super::context::http_date;
use super::error::BlobError;
use super::sas::SasGrant;
use super::xml::render_block_list;

/// Azure computes a range MD5 only for ranges up to 4 MiB.
const MAX_RANGE_MD5: u64 = 4 * 1024 * 1024;
/// Opens of a blob that a concurrent commit keeps replacing before a GET gives up.
const OPEN_ATTEMPTS: usize = 8;

/// GET and HEAD of a blob.
pub(crate) async fn get_blob(call: &Call<'_>, head: bool) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.read)?;
    let range_md5 = call
        .header("x-ms-range-get-content-md5")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let Opened {
        meta,
        range,
        length,
        content,
    } = open(call, head, range_md5).await?;
    let status = match range {
        Some(_) => StatusCode::PARTIAL_CONTENT,
        None => StatusCode::OK,
    };

    let mut response = empty(status);
    let headers = response.headers_mut();
    blob_headers(headers, &meta, call.grant, head);
    set(headers, CONTENT_LENGTH, &length.to_string());
    let stored_md5 = meta.properties.content_md5.as_deref();
    match range {
        None => {
            if let Some(md5) = stored_md5 {
                set(headers, HeaderName::from_static("content-md5"), md5);
            }
        }
        Some((start, end)) => {
            set(
                headers,
                CONTENT_RANGE,
                &format!("bytes {start}-{end}/{}", meta.size),
            );
            if let Some(md5) = stored_md5 {
                set(
                    headers,
                    HeaderName::from_static("x-ms-blob-content-md5"),
                    md5,
                );
            }
        }
    }
    let Some(mut content) = content else {
        return Ok(response);
    };
    if range_md5 {
        // Bounded by MAX_RANGE_MD5, so holding the range in memory is fine.
        let mut bytes = Vec::new();
        while let Some(chunk) = content.next().await {
            bytes.extend_from_slice(&chunk.map_err(|error| io_failure(&error))?);
        }
        let md5 = BASE64.encode(Md5::digest(&bytes));
        set(
            response.headers_mut(),
            HeaderName::from_static("content-md5"),
            &md5,
        );
        *response.body_mut() = Body::from(bytes);
        return Ok(response);
    }
    *response.body_mut() = Body::from_stream(content);
    Ok(response)
}

/// A blob opened for a GET or HEAD: its state, the range asked for, and (for GET) the
/// content of that range.
struct Opened {
    meta: BlobMeta,
    range: Option<(u64, u64)>,
    length: u64,
    content: Option<ByteStream>,
}

/// Opens the blob, checks the request's conditions and range against it, and starts
/// streaming the range. Content is never rewritten in place, but a concurrent commit may
/// remove what was opened before it is streamed: then the new state is opened instead.
async fn open(call: &Call<'_>, head: bool, range_md5: bool) -> Result<Opened, BlobError> {
    for _ in 0..OPEN_ATTEMPTS {
        let opened = call
            .store()
            .open_blob(call.container(), call.blob())
            .await
            .map_err(|error| io_failure(&error))?
            .ok_or_else(BlobError::blob_not_found)?;
        call.conditions().check_read(&opened.meta)?;
        let range = requested_range(call.headers, opened.meta.size)?;
        let (start, length) = match range {
            Some((start, end)) => (start, end - start + 1),
            None => (0, opened.meta.size),
        };
        if range_md5 && (range.is_none() || length > MAX_RANGE_MD5) {
            return Err(BlobError::out_of_range_input());
        }
        if head {
            return Ok(Opened {
                meta: opened.meta,
                range,
                length,
                content: None,
            });
        }
        let meta = opened.meta.clone();
        match opened.stream(start, length).await {
            Ok(content) => {
                return Ok(Opened {
                    meta,
                    range,
                    length,
                    content: Some(content),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(io_failure(&error)),
        }
    }
    Err(BlobError::internal())
}

pub(crate) async fn get_block_list(call: &Call<'_>) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.read)?;
    let kind = call.query.get("blocklisttype").unwrap_or("committed");
    let (committed, uncommitted) = match kind.to_ascii_lowercase().as_str() {
        "committed" => (true, false),
        "uncommitted" => (false, true),
        "all" => (true, true),
        _ => {
            return Err(BlobError::invalid_query(
                "blocklisttype",
                kind,
                "Must be committed, uncommitted or all.",
            ));
        }
    };
    let listing = call
        .store()
        .block_list(call.container(), call.blob())
        .await
        .map_err(|error| io_failure(&error))?;
    if listing.blob.is_none() && listing.uncommitted.is_empty() {
        return Err(BlobError::blob_not_found());
    }
    let xml = render_block_list(
        committed.then_some(listing.committed.as_slice()),
        uncommitted.then_some(listing.uncommitted.as_slice()),
    );
    let mut response = empty(StatusCode::OK);
    let headers = response.headers_mut();
    set_static(headers, "content-type", "application/xml");
    let size = listing.blob.as_ref().map_or(0, |meta| meta.size);
    set(
        headers,
        HeaderName::from_static("x-ms-blob-content-length"),
        &size.to_string(),
    );
    if let Some(meta) = &listing.blob {
        set(headers, ETAG, &meta.etag);
        set(headers, LAST_MODIFIED, &http_date(meta.last_modified));
    }
    *response.body_mut() = Body::from(xml);
    Ok(response)
}

/// Properties shared by GET and HEAD; SAS `rsc*` overrides win over stored values.
fn blob_headers(headers: &mut HeaderMap, meta: &BlobMeta, grant: &SasGrant, head: bool) {
    let props = &meta.properties;
    set(headers, ETAG, &meta.etag);
    set(headers, LAST_MODIFIED, &http_date(meta.last_modified));
    let content_type = grant
        .content_type
        .as_deref()
        .or(props.content_type.as_deref())
        .unwrap_or("application/octet-stream");
    set(headers, CONTENT_TYPE, content_type);
    let optional = [
        (
            CONTENT_ENCODING,
            &grant.content_encoding,
            &props.content_encoding,
        ),
        (
            CONTENT_LANGUAGE,
            &grant.content_language,
            &props.content_language,
        ),
        (
            CONTENT_DISPOSITION,
            &grant.content_disposition,
            &props.content_disposition,
        ),
        (CACHE_CONTROL, &grant.cache_control, &props.cache_control),
    ];
    for (name, override_value, stored) in optional {
        if let Some(value) = override_value.as_deref().or(stored.as_deref()) {
            set(headers, name, value);
        }
    }
    headers.insert(ACCEPT_RANGES, axum::http::HeaderValue::from_static("bytes"));
    set_static(headers, "x-ms-blob-type", "BlockBlob");
    set(
        headers,
        HeaderName::from_static("x-ms-creation-time"),
        &http_date(meta.created),
    );
    set_static(headers, "x-ms-lease-status", "unlocked");
    set_static(headers, "x-ms-lease-state", "available");
    set_static(headers, "x-ms-server-encrypted", "true");
    for (name, value) in &props.metadata {
        if let Ok(name) = HeaderName::try_from(format!("x-ms-meta-{name}")) {
            set(headers, name, value);
        }
    }
    if head {
        set_static(headers, "x-ms-access-tier", "Hot");
        set_static(headers, "x-ms-access-tier-inferred", "true");
    }
}

/// `x-ms-range` wins over `Range`. A malformed `Range` is ignored (the whole blob is
/// served, as HTTP allows); a malformed `x-ms-range` is an error, as Azure makes it.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>, BlobError> {
    let (name, value, strict) = if let Some(value) = headers.get("x-ms-range") {
        ("x-ms-range", value, true)
    } else if let Some(value) = headers.get(RANGE) {
        ("Range", value, false)
    } else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    let Some((start, end)) = parse_range(text) else {
        return if strict {
            Err(BlobError::invalid_header(name, text))
        } else {
            Ok(None)
        };
    };
    if start >= size {
        return Err(BlobError::invalid_range());
    }
    Ok(Some((start, end.map_or(size - 1, |end| end.min(size - 1)))))
}

/// `bytes=<start>-[<end>]`; suffix ranges and range lists are not offered by Azure.
fn parse_range(text: &str) -> Option<(u64, Option<u64>)> {
    let spec = text.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start = start.trim().parse::<u64>().ok()?;
    let end = match end.trim() {
        "" => None,
        end => Some(end.parse::<u64>().ok()?),
    };
    if end.is_some_and(|end| end < start) {
        return None;
    }
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9"), Some((0, Some(9))));
        assert_eq!(parse_range("bytes=5-"), Some((5, None)));
        assert_eq!(parse_range("bytes=-5"), None);
        assert_eq!(parse_range("bytes=9-3"), None);
        assert_eq!(parse_range("bytes=0-1,4-5"), None);
        let mut headers = HeaderMap::new();
        headers.insert(RANGE, "bytes=2-100".parse().expect("value"));
        assert_eq!(requested_range(&headers, 10).ok().flatten(), Some((2, 9)));
        headers.insert(RANGE, "bytes=10-".parse().expect("value"));
        assert_eq!(
            requested_range(&headers, 10).map_err(|e| e.code),
            Err("InvalidRange")
        );
        headers.insert("x-ms-range", "nonsense".parse().expect("value"));
        assert_eq!(
            requested_range(&headers, 10).map_err(|e| e.code),
            Err("InvalidHeaderValue")
        );
    }
}
