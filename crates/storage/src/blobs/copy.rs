//! Copying and removing whole blobs through any [`BlobStore`]: what snapshots and resets do
//! with the blob store, written once over the trait's own operations.

use std::io;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use super::{BlobMeta, BlobProperties, BlobStore, ByteStream, CommitError, UploadTarget};

fn io_error<E>(error: CommitError<E>) -> io::Error {
    match error {
        CommitError::Io(error) => error,
        _ => io::Error::other("the blob store refused an unconditional write"),
    }
}

/// Copies the committed content and properties of `from` to `container`/`blob`, replacing
/// what is there. Streams: memory stays bounded whatever the blob's size.
pub async fn copy_blob(
    store: &dyn BlobStore,
    from: &BlobMeta,
    container: &str,
    blob: &str,
    now: DateTime<Utc>,
) -> io::Result<()> {
    let Some(opened) = store.open_blob(&from.container, &from.blob).await? else {
        return Ok(());
    };
    let properties = opened.meta.properties.clone();
    let size = opened.meta.size;
    let content = opened.stream(0, size).await?;
    write_blob(store, container, blob, content, properties, now).await
}

/// Makes `content` the committed content of `container`/`blob` with `properties`, whatever
/// was there (Put Blob without conditions), streaming it into the store.
pub async fn write_blob(
    store: &dyn BlobStore,
    container: &str,
    blob: &str,
    mut content: ByteStream,
    properties: BlobProperties,
    now: DateTime<Utc>,
) -> io::Result<()> {
    let mut upload = store
        .start_upload(container, blob, UploadTarget::Blob)
        .await?;
    while let Some(chunk) = content.try_next().await? {
        upload.write(chunk).await?;
    }
    let received = upload.finish().await?;
    store
        .commit_blob(
            container,
            blob,
            received,
            properties,
            now,
            Box::new(|_| Ok(())),
        )
        .await
        .map_err(io_error)?;
    Ok(())
}

/// Removes a blob, whatever its state.
pub async fn remove_blob(store: &dyn BlobStore, container: &str, blob: &str) -> io::Result<()> {
    store
        .delete(container, blob, Box::new(|_| Ok(())))
        .await
        .map_err(io_error)?;
    Ok(())
}
