//! Writing an object in bounded memory: a body small enough for one part is kept and sent
//! with one PUT; a larger one becomes a multipart upload (S3 parts, Azure blocks) with at
//! most a few parts in memory. Nothing is visible under the key until [`ObjectWriter::complete`].

use std::fmt;
use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::blobs::digest::PipelinedMd5;
use crate::blobs::{Pending, Received, Upload};

/// S3's smallest part (all parts but the last must be at least this), so parts are as small
/// as the services allow: memory per upload is about `PART_SIZE * (PARTS_IN_FLIGHT + 1)`.
/// 10,000 parts of this size hold 50 GiB, far over the 5000 MiB Put Blob limit.
pub(crate) const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts being sent at once; more would only add memory on one connection's worth of input.
const PARTS_IN_FLIGHT: usize = 2;

/// An object being written.
#[derive(Debug)]
pub(crate) struct ObjectWriter {
    store: Arc<dyn ObjectStore>,
    path: Path,
    len: u64,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// Under one part so far.
    Buffered {
        chunks: Vec<Bytes>,
        size: usize,
    },
    Streaming(WriteMultipart),
    Done,
}

impl ObjectWriter {
    pub(crate) fn new(store: Arc<dyn ObjectStore>, path: Path) -> Self {
        Self {
            store,
            path,
            len: 0,
            body: Body::Buffered {
                chunks: Vec::new(),
                size: 0,
            },
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        self.len += chunk.len() as u64;
        match &mut self.body {
            Body::Buffered { chunks, size } if *size + chunk.len() <= PART_SIZE => {
                *size += chunk.len();
                chunks.push(chunk);
            }
            Body::Buffered { chunks, .. } => {
                let chunks = std::mem::take(chunks);
                let upload = self.store.put_multipart(&self.path).await?;
                let mut multipart = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
                for buffered in chunks {
                    multipart.put(buffered);
                }
                multipart.put(chunk);
                self.body = Body::Streaming(multipart);
            }
            Body::Streaming(multipart) => {
                // Back-pressure: the network side waits while parts are being sent.
                multipart.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                multipart.put(chunk);
            }
            Body::Done => return Err(io::Error::other("the object was already completed")),
        }
        Ok(())
    }

    /// Makes the object visible under its key, atomically.
    pub(crate) async fn complete(mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.body, Body::Done) {
            Body::Buffered { chunks, .. } => {
                self.store
                    .put(&self.path, PutPayload::from_iter(chunks))
                    .await?;
            }
            Body::Streaming(multipart) => {
                multipart.finish().await?;
            }
            Body::Done => {}
        }
        Ok(())
    }
}

/// An unfinished multipart upload is aborted, so that the service drops its parts.
impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if let Body::Streaming(multipart) = std::mem::replace(&mut self.body, Body::Done)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let path = self.path.clone();
            runtime.spawn(async move {
                if let Err(error) = multipart.abort().await {
                    tracing::warn!(%path, %error, "could not abort a multipart upload");
                }
            });
        }
    }
}

/// A request body on its way into an object.
pub(crate) struct ObjectUpload {
    writer: ObjectWriter,
    md5: PipelinedMd5,
}

impl ObjectUpload {
    pub(crate) fn new(store: Arc<dyn ObjectStore>, path: Path) -> io::Result<Self> {
        Ok(Self {
            writer: ObjectWriter::new(store, path),
            md5: PipelinedMd5::new()?,
        })
    }
}

#[async_trait]
impl Upload for ObjectUpload {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        // Waits only while the hasher's short queue is full (when it is the slower one).
        self.md5.update(chunk.clone()).await?;
        self.writer.write(chunk).await
    }

    async fn finish(self: Box<Self>) -> io::Result<Received> {
        let ObjectUpload { writer, md5 } = *self;
        Ok(Received {
            len: writer.len,
            md5: md5.finish().await?,
            pending: Pending::Object(PendingObject { writer }),
        })
    }
}

/// A received body, written to its final key but not yet completed (so not yet visible).
pub struct PendingObject {
    writer: ObjectWriter,
}

impl fmt::Debug for PendingObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingObject")
            .field("path", &self.writer.path)
            .finish_non_exhaustive()
    }
}

impl PendingObject {
    pub(crate) fn path(&self) -> &Path {
        self.writer.path()
    }

    pub(crate) async fn complete(self) -> io::Result<()> {
        self.writer.complete().await
    }
}
