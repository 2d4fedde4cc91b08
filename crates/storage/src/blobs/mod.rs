//! Blob storage behind the Azure Blob endpoint, the pipeline and the MSI surface: one
//! [`BlobStore`] trait, implemented on local disk ([`FileBlobStore`], `--blobs file://DIR`)
//! and on S3 or Azure Blob through the `object_store` crate ([`ObjectBlobStore`],
//! `--blobs s3://…` / `az://…`).
//!
//! Modules, one job each: `model` (what is kept about a blob), `etag` (Azure-shaped ETags),
//! `local` (the crash-safe on-disk store, blocking), `file` (that store behind the trait),
//! `object` (the object-store backend), `read_at` (positional reads for the pipeline),
//! `location` (the `--blobs` setting and opening the store it names).

mod copy;
mod digest;
mod etag;
mod file;
pub mod local;
mod location;
mod model;
pub mod object;
mod read_at;

use std::any::Any;
use std::fmt;
use std::io;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

pub use copy::{copy_blob, remove_blob, write_blob};
pub use file::FileBlobStore;
pub use local::{LocalBlobStore, StagedContent, StagingFile};
pub use location::{BlobLocation, ObjectLocation, ObjectService, open};
pub(crate) use model::hex;
pub use model::{
    BlobMeta, BlobProperties, BlockListItem, BlockListing, BlockSource, CommitError,
    CommittedBlock, MAX_COMMITTED_BLOCKS, StageBlockError, UncommittedBlock,
};
pub use object::ObjectBlobStore;
pub use read_at::{ReadAt, ReadAtCursor};

/// Content streamed out of a store.
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// The caller's verdict on the committed state, asked under the store's commit lock and
/// again whenever a concurrent commit (of this or another instance) changed that state.
pub type Check = Box<dyn Fn(Option<&BlobMeta>) -> Result<(), Rejection> + Send + Sync>;

/// Why a [`Check`] refused: the caller's own error, carried through the store untouched.
pub struct Rejection(Box<dyn Any + Send>);

impl Rejection {
    pub fn new<E: Send + 'static>(error: E) -> Self {
        Self(Box::new(error))
    }

    /// The caller's error back, or `self` when it is of another type.
    pub fn downcast<E: 'static>(self) -> Result<E, Self> {
        self.0.downcast::<E>().map(|error| *error).map_err(Self)
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rejection")
    }
}

/// What a body is being received for: object stores write it straight to where it will
/// live, so they need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadTarget<'a> {
    /// Put Blob: the blob's new content.
    Blob,
    /// Put Block: a staged block with this id.
    Block(&'a [u8]),
}

/// A body being received, in bounded memory. Dropping it before [`Upload::finish`] discards
/// what was received.
#[async_trait]
pub trait Upload: Send {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()>;

    /// Ends the body. The content is durable but not yet visible: commit it with
    /// [`BlobStore::commit_blob`] or [`BlobStore::stage_block`], or drop it.
    async fn finish(self: Box<Self>) -> io::Result<Received>;
}

/// A fully received body, waiting to be committed. Dropping it discards the content.
#[derive(Debug)]
pub struct Received {
    len: u64,
    md5: [u8; 16],
    pending: Pending,
}

/// Where each store keeps a received body until it is committed.
#[derive(Debug)]
enum Pending {
    File(StagedContent),
    Object(object::PendingObject),
}

impl Received {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// MD5 of the whole body.
    pub fn md5(&self) -> [u8; 16] {
        self.md5
    }
}

/// A blob opened for reading: its metadata, and content that stays readable as it was
/// when opened (stores never rewrite content in place).
pub struct OpenedBlob {
    pub meta: BlobMeta,
    content: Box<dyn Content>,
}

impl fmt::Debug for OpenedBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedBlob")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

impl OpenedBlob {
    /// `len` bytes from `start`, streamed. NotFound when a concurrent commit replaced and
    /// removed the content since it was opened: open the blob again.
    pub async fn stream(self, start: u64, len: u64) -> io::Result<ByteStream> {
        self.content.stream(start, len).await
    }
}

#[async_trait]
trait Content: Send + Sync {
    async fn stream(self: Box<Self>, start: u64, len: u64) -> io::Result<ByteStream>;
}

/// The operations of the blob endpoint, the pipeline and the MSI surface on one store.
/// Commits are atomic: readers see the old blob or the new one, never a mix.
#[async_trait]
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Where the blobs are, for logs: `file:///…`, `s3://bucket/prefix`, `az://…`.
    fn describe(&self) -> String;

    /// The committed metadata of a blob, or None when it has no committed content.
    async fn blob_meta(&self, container: &str, blob: &str) -> io::Result<Option<BlobMeta>>;

    /// The committed metadata of every blob (resets and snapshots walk the whole store; an
    /// emulator's store holds few blobs).
    async fn list_blobs(&self) -> io::Result<Vec<BlobMeta>>;

    /// Get Blob: the committed content and its metadata, read consistently with each other.
    async fn open_blob(&self, container: &str, blob: &str) -> io::Result<Option<OpenedBlob>>;

    /// The committed content for positional reads on a blocking thread (the pipeline's
    /// archive inspection, image headers).
    async fn open_read_at(
        &self,
        container: &str,
        blob: &str,
    ) -> io::Result<Option<Box<dyn ReadAt>>>;

    /// Starts receiving a body for `target` of the blob.
    async fn start_upload(
        &self,
        container: &str,
        blob: &str,
        target: UploadTarget<'_>,
    ) -> io::Result<Box<dyn Upload>>;

    /// Put Blob: makes `content` the blob's content, replacing any previous content and
    /// discarding staged blocks.
    async fn commit_blob(
        &self,
        container: &str,
        blob: &str,
        content: Received,
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: Check,
    ) -> Result<BlobMeta, CommitError<Rejection>>;

    /// Put Block: stages `content` under `id`, replacing a staged block of the same id.
    async fn stage_block(
        &self,
        container: &str,
        blob: &str,
        id: &[u8],
        content: Received,
    ) -> Result<(), StageBlockError>;

    /// Put Block List: the listed blocks, in order, become the content; staged blocks are
    /// discarded.
    async fn commit_block_list(
        &self,
        container: &str,
        blob: &str,
        items: Vec<BlockListItem>,
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: Check,
    ) -> Result<BlobMeta, CommitError<Rejection>>;

    /// Get Block List. `blob` is None when nothing was committed yet.
    async fn block_list(&self, container: &str, blob: &str) -> io::Result<BlockListing>;

    /// Delete Blob: removes the committed content and staged blocks. Ok(None) when there
    /// was no committed content (staged blocks are then left alone, as Azure does).
    async fn delete(
        &self,
        container: &str,
        blob: &str,
        check: Check,
    ) -> Result<Option<BlobMeta>, CommitError<Rejection>>;
}

/// A received body handed to a store that did not receive it: a programming error.
fn foreign_content() -> io::Error {
    io::Error::other("content received by another blob store")
}
