//! Request bodies: streamed into the blob store in bounded memory (uploads may be
//! gigabytes), or read into memory under a cap (block-list XML).

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use storeroom_storage::blobs::{Received, UploadTarget};

use super::call::Call;
use super::error::BlobError;

/// The declared body length, or None for a chunked body. Azure itself wants a length, but
/// clients that stream uploads (chunked transfer encoding) are among the ones storeroom must
/// serve unchanged (notes/client-behaviours.md §11.7), so a chunked body is read to its end
/// under the operation's size limit. A request with neither header is still 411.
pub(crate) fn content_length(headers: &HeaderMap) -> Result<Option<u64>, BlobError> {
    if headers.contains_key(TRANSFER_ENCODING) {
        // HTTP/1.1 ignores Content-Length when Transfer-Encoding is present.
        return Ok(None);
    }
    let Some(value) = headers.get(CONTENT_LENGTH) else {
        return Err(BlobError::missing_content_length());
    };
    let text = value.to_str().unwrap_or_default();
    text.trim()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| BlobError::invalid_header("Content-Length", text))
}

/// Refuses a declared length over `limit` before any of the body is read.
pub(crate) fn check_declared(length: Option<u64>, limit: u64) -> Result<(), BlobError> {
    match length {
        Some(length) if length > limit => Err(BlobError::body_too_large(limit)),
        _ => Ok(()),
    }
}

/// Streams the body into the store for `target` of the addressed blob, computing its MD5
/// on the way, and insists on exactly `expected` bytes (a chunked body: at most `limit`).
/// The store takes each chunk before the next is read, so memory stays bounded by what it
/// buffers; a failed upload is dropped, which discards what it received.
pub(crate) async fn receive(
    call: &Call<'_>,
    target: UploadTarget<'_>,
    body: Body,
    expected: Option<u64>,
    limit: u64,
) -> Result<Received, BlobError> {
    let mut upload = call
        .store()
        .start_upload(call.container(), call.blob(), target)
        .await
        .map_err(|error| io_failure(&error))?;
    let mut received = 0u64;
    let mut body_failed = false;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // The client stopped short of Content-Length (hyper enforces the framing).
            body_failed = true;
            break;
        };
        received += chunk.len() as u64;
        if received > expected.unwrap_or(limit) {
            break;
        }
        upload
            .write(chunk)
            .await
            .map_err(|error| io_failure(&error))?;
    }
    drop(stream);

    match expected {
        Some(expected) if body_failed || received != expected => {
            return Err(BlobError::length_mismatch(received, expected));
        }
        None if received > limit => return Err(BlobError::body_too_large(limit)),
        None if body_failed => return Err(BlobError::invalid_blob_or_block()),
        _ => {}
    }
    let received = upload.finish().await.map_err(|error| io_failure(&error))?;
    call.service.uploaded.increment(received.len());
    Ok(received)
}

/// Reads a small body whole; anything over `cap` is refused before it is read.
pub(crate) async fn read_small(
    body: Body,
    expected: Option<u64>,
    cap: u64,
) -> Result<Bytes, BlobError> {
    check_declared(expected, cap)?;
    let chunked = expected.is_none();
    let expected = expected.unwrap_or(cap);
    let mut buffer = BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(BlobError::length_mismatch(buffer.len() as u64, expected));
        };
        if (buffer.len() + chunk.len()) as u64 > expected {
            if chunked {
                return Err(BlobError::body_too_large(cap));
            }
            return Err(BlobError::length_mismatch(
                (buffer.len() + chunk.len()) as u64,
                expected,
            ));
        }
        buffer.extend_from_slice(&chunk);
    }
    if !chunked && buffer.len() as u64 != expected {
        return Err(BlobError::length_mismatch(buffer.len() as u64, expected));
    }
    Ok(buffer.freeze())
}

/// Storage trouble (disk or object store) is ours, not the client's: a retryable 500,
/// logged for the operator.
pub(crate) fn io_failure(error: &std::io::Error) -> BlobError {
    tracing::error!(%error, "blob store IO failed");
    BlobError::internal()
}
