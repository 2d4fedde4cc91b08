//! [`BlobStore`] on S3 or Azure Blob through the `object_store` crate.
//!
//! Several storeroom instances may share one bucket, so everything about a blob lives in the
//! bucket (layout in `layout`): content in immutable data objects, state in a `meta.json`
//! sidecar next to it, staged blocks as objects of their own. A commit writes the new data
//! object first, then replaces the sidecar with a conditional write (If-Match on the ETag
//! it read, If-None-Match when there was none): the sidecar is the commit point, and a
//! commit that lost a race to another instance reads the new state, asks its check again
//! and retries. Within one instance commits of a blob also take a lock, so they do not
//! race each other needlessly.
//!
//! A crash between the data object and the sidecar leaves an unreferenced data object
//! behind (never a half-written blob); unfinished multipart uploads are aborted when their
//! request fails, and expire at the service otherwise (S3 lifecycle rules, Azure's
//! uncommitted-block collection).

mod assemble;
mod layout;
mod meta;
mod reader;
#[cfg(test)]
mod tests;
mod upload;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, ObjectMeta, ObjectStore};
use tokio::sync::{Mutex, MutexGuard};

use super::etag::EtagClock;
use super::model::{
    BlobMeta, BlobProperties, BlockListItem, BlockListing, CommitError, CommittedBlock,
    MAX_COMMITTED_BLOCKS, StageBlockError, UncommittedBlock, hex, unhex,
};
use super::{
    BlobStore, ByteStream, Check, Content, OpenedBlob, Pending, ReadAt, Received, Rejection,
    Upload, UploadTarget, foreign_content,
};
use layout::BlobDir;
use meta::{MetaWriter, Stored, Written};
use reader::RangedObject;
use upload::{ObjectUpload, ObjectWriter};

pub use upload::PendingObject;

/// Commits of different blobs rarely share a stripe; the same blob always does.
const LOCK_STRIPES: usize = 64;
/// Conditional writes lost to other instances before a commit gives up (a 500 the client
/// retries).
const COMMIT_ATTEMPTS: usize = 8;

/// Blobs in a bucket or container.
#[derive(Debug)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    description: String,
    locks: Vec<Mutex<()>>,
    etags: EtagClock,
    meta: MetaWriter,
}

/// What a commit makes the blob's new state from.
struct NewContent<'a> {
    container: &'a str,
    blob: &'a str,
    size: u64,
    properties: BlobProperties,
    committed_blocks: Vec<CommittedBlock>,
    data_file: String,
    now: DateTime<Utc>,
}

impl ObjectBlobStore {
    /// `store` is already scoped to the bucket and prefix; `description` names it in logs.
    pub fn new(store: Arc<dyn ObjectStore>, description: impl Into<String>) -> Self {
        Self {
            store,
            description: description.into(),
            locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            etags: EtagClock::default(),
            meta: MetaWriter::default(),
        }
    }

    async fn lock(&self, dir: &BlobDir) -> MutexGuard<'_, ()> {
        self.locks[usize::from(dir.stripe_byte()) % self.locks.len()]
            .lock()
            .await
    }

    async fn current(&self, dir: &BlobDir) -> io::Result<Option<Stored>> {
        meta::read(&*self.store, &dir.meta()).await
    }

    /// The staged blocks of a blob, as listed by the service.
    async fn staged_blocks(&self, dir: &BlobDir) -> io::Result<Vec<(Vec<u8>, ObjectMeta)>> {
        let listed: Vec<ObjectMeta> = self.store.list(Some(&dir.blocks())).try_collect().await?;
        Ok(listed
            .into_iter()
            .filter_map(|object| Some((unhex(object.location.filename()?)?, object)))
            .collect())
    }

    /// Writes the new state over `current`, re-reading and re-checking whenever another
    /// commit got there first. Returns the new state and the one it replaced.
    async fn commit(
        &self,
        dir: &BlobDir,
        mut current: Option<Stored>,
        check: &Check,
        new: NewContent<'_>,
    ) -> Result<(BlobMeta, Option<BlobMeta>), CommitError<Rejection>> {
        for _ in 0..COMMIT_ATTEMPTS {
            let previous = current.as_ref().map(|stored| &stored.meta);
            let meta = BlobMeta {
                container: new.container.to_owned(),
                blob: new.blob.to_owned(),
                size: new.size,
                etag: self.etags.next(new.now, previous.map(|m| m.etag.as_str())),
                created: previous.map_or(new.now, |m| m.created),
                last_modified: new.now,
                properties: new.properties.clone(),
                committed_blocks: new.committed_blocks.clone(),
                data_file: new.data_file.clone(),
            };
            let replacing = current.as_ref().map(|stored| &stored.version);
            match self
                .meta
                .write(&*self.store, &dir.meta(), &meta, replacing)
                .await?
            {
                Written::Yes => return Ok((meta, current.map(|stored| stored.meta))),
                Written::Conflict => {
                    current = self.current(dir).await?;
                    check(current.as_ref().map(|stored| &stored.meta))
                        .map_err(CommitError::Rejected)?;
                }
            }
        }
        Err(io::Error::other("the blob kept changing while being committed").into())
    }

    /// Removes objects no state refers to any more. Past a commit point, so failures are
    /// only logged: they leave garbage, never a wrong blob.
    async fn discard(&self, paths: Vec<Path>) {
        if paths.is_empty() {
            return;
        }
        let mut results = self
            .store
            .delete_stream(futures::stream::iter(paths.into_iter().map(Ok)).boxed());
        while let Some(result) = results.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => tracing::warn!(%error, "could not remove an unused blob object"),
            }
        }
    }

    fn data_path(dir: &BlobDir, meta: &BlobMeta) -> Path {
        dir.data(&meta.data_file)
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn blob_meta(&self, container: &str, blob: &str) -> io::Result<Option<BlobMeta>> {
        let dir = BlobDir::of(container, blob);
        Ok(self.current(&dir).await?.map(|stored| stored.meta))
    }

    async fn list_blobs(&self) -> io::Result<Vec<BlobMeta>> {
        let listed: Vec<ObjectMeta> = self
            .store
            .list(Some(&Path::from("b")))
            .try_collect()
            .await?;
        let mut blobs = Vec::new();
        for object in listed {
            if object.location.filename() == Some("meta.json")
                && let Some(stored) = meta::read(&*self.store, &object.location).await?
            {
                blobs.push(stored.meta);
            }
        }
        Ok(blobs)
    }

    async fn open_blob(&self, container: &str, blob: &str) -> io::Result<Option<OpenedBlob>> {
        let dir = BlobDir::of(container, blob);
        let Some(Stored { meta, .. }) = self.current(&dir).await? else {
            return Ok(None);
        };
        let content = ObjectContent {
            store: Arc::clone(&self.store),
            path: Self::data_path(&dir, &meta),
        };
        Ok(Some(OpenedBlob {
            meta,
            content: Box::new(content),
        }))
    }

    async fn open_read_at(
        &self,
        container: &str,
        blob: &str,
    ) -> io::Result<Option<Box<dyn ReadAt>>> {
        let dir = BlobDir::of(container, blob);
        let Some(Stored { meta, .. }) = self.current(&dir).await? else {
            return Ok(None);
        };
        Ok(Some(Box::new(RangedObject::new(
            Arc::clone(&self.store),
            Self::data_path(&dir, &meta),
            meta.size,
            tokio::runtime::Handle::current(),
        ))))
    }

    async fn start_upload(
        &self,
        container: &str,
        blob: &str,
        target: UploadTarget<'_>,
    ) -> io::Result<Box<dyn Upload>> {
        let dir = BlobDir::of(container, blob);
        // Straight to the final key: nothing shows there until the upload is completed at
        // commit, and a failed upload is aborted, leaving any previous object in place.
        let path = match target {
            UploadTarget::Blob => dir.data(&BlobDir::new_data_name()),
            UploadTarget::Block(id) => dir.block(id),
        };
        Ok(Box::new(ObjectUpload::new(Arc::clone(&self.store), path)?))
    }

    async fn commit_blob(
        &self,
        container: &str,
        blob: &str,
        content: Received,
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: Check,
    ) -> Result<BlobMeta, CommitError<Rejection>> {
        let dir = BlobDir::of(container, blob);
        let Received { len, pending, .. } = content;
        let Pending::Object(pending) = pending else {
            return Err(foreign_content().into());
        };
        let Some(data_file) = dir.data_name_of(pending.path()).map(str::to_owned) else {
            return Err(foreign_content().into());
        };
        let _guard = self.lock(&dir).await;
        let current = self.current(&dir).await?;
        check(current.as_ref().map(|stored| &stored.meta)).map_err(CommitError::Rejected)?;
        let staged = self.staged_blocks(&dir).await?;
        pending.complete().await?;
        let new = NewContent {
            container,
            blob,
            size: len,
            properties,
            committed_blocks: Vec::new(),
            data_file: data_file.clone(),
            now,
        };
        match self.commit(&dir, current, &check, new).await {
            Ok((meta, replaced)) => {
                let mut unused: Vec<Path> = staged.into_iter().map(|(_, o)| o.location).collect();
                unused.extend(replaced.map(|old| Self::data_path(&dir, &old)));
                self.discard(unused).await;
                Ok(meta)
            }
            Err(error) => {
                self.discard(vec![dir.data(&data_file)]).await;
                Err(error)
            }
        }
    }

    async fn stage_block(
        &self,
        container: &str,
        blob: &str,
        id: &[u8],
        content: Received,
    ) -> Result<(), StageBlockError> {
        let dir = BlobDir::of(container, blob);
        let Pending::Object(pending) = content.pending else {
            return Err(foreign_content().into());
        };
        if *pending.path() != dir.block(id) {
            return Err(foreign_content().into());
        }
        let _guard = self.lock(&dir).await;
        let id_len = hex(id).len();
        let staged = self.staged_blocks(&dir).await?;
        if staged.iter().any(|(other, _)| other.len() * 2 != id_len) {
            return Err(StageBlockError::IdLengthMismatch);
        }
        pending.complete().await?;
        Ok(())
    }

    async fn commit_block_list(
        &self,
        container: &str,
        blob: &str,
        items: Vec<BlockListItem>,
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: Check,
    ) -> Result<BlobMeta, CommitError<Rejection>> {
        if items.len() > MAX_COMMITTED_BLOCKS {
            return Err(CommitError::TooManyBlocks);
        }
        let dir = BlobDir::of(container, blob);
        // Plan under the lock, copy without it (a large copy must not hold up other blobs
        // of the stripe), then commit under it after checking again.
        let (plan, staged) = {
            let _guard = self.lock(&dir).await;
            let current = self.current(&dir).await?;
            check(current.as_ref().map(|stored| &stored.meta)).map_err(CommitError::Rejected)?;
            let staged = self.staged_blocks(&dir).await?;
            let sizes: HashMap<Vec<u8>, u64> = staged
                .iter()
                .map(|(id, object)| (id.clone(), object.size))
                .collect();
            let plan = assemble::plan(&dir, current.as_ref().map(|s| &s.meta), &sizes, &items)
                .map_err(CommitError::UnknownBlock)?;
            (plan, staged)
        };

        let data_file = BlobDir::new_data_name();
        let mut writer = ObjectWriter::new(Arc::clone(&self.store), dir.data(&data_file));
        assemble::copy(&*self.store, &plan.pieces, &mut writer).await?;
        writer.complete().await?;

        let _guard = self.lock(&dir).await;
        let committed = async {
            let current = self.current(&dir).await?;
            check(current.as_ref().map(|stored| &stored.meta)).map_err(CommitError::Rejected)?;
            let new = NewContent {
                container,
                blob,
                size: plan.size,
                properties,
                committed_blocks: plan.committed_blocks,
                data_file: data_file.clone(),
                now,
            };
            self.commit(&dir, current, &check, new).await
        }
        .await;
        match committed {
            Ok((meta, replaced)) => {
                let mut unused: Vec<Path> = staged.into_iter().map(|(_, o)| o.location).collect();
                unused.extend(replaced.map(|old| Self::data_path(&dir, &old)));
                self.discard(unused).await;
                Ok(meta)
            }
            Err(error) => {
                self.discard(vec![dir.data(&data_file)]).await;
                Err(error)
            }
        }
    }

    async fn block_list(&self, container: &str, blob: &str) -> io::Result<BlockListing> {
        let dir = BlobDir::of(container, blob);
        let meta = self.current(&dir).await?.map(|stored| stored.meta);
        let mut staged = self.staged_blocks(&dir).await?;
        // Upload order is what a client expects to see; modification time approximates it.
        staged.sort_by(|a, b| {
            a.1.last_modified
                .cmp(&b.1.last_modified)
                .then_with(|| a.0.cmp(&b.0))
        });
        Ok(BlockListing {
            committed: meta
                .as_ref()
                .map(|m| m.committed_blocks.clone())
                .unwrap_or_default(),
            blob: meta,
            uncommitted: staged
                .into_iter()
                .map(|(id, object)| UncommittedBlock {
                    id,
                    size: object.size,
                })
                .collect(),
        })
    }

    async fn delete(
        &self,
        container: &str,
        blob: &str,
        check: Check,
    ) -> Result<Option<BlobMeta>, CommitError<Rejection>> {
        let dir = BlobDir::of(container, blob);
        let _guard = self.lock(&dir).await;
        let Some(Stored { meta, .. }) = self.current(&dir).await? else {
            return Ok(None);
        };
        check(Some(&meta)).map_err(CommitError::Rejected)?;
        match object_store::ObjectStoreExt::delete(&*self.store, &dir.meta()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(io::Error::from(error).into()),
        }
        let mut unused: Vec<Path> = self
            .staged_blocks(&dir)
            .await?
            .into_iter()
            .map(|(_, object)| object.location)
            .collect();
        unused.push(Self::data_path(&dir, &meta));
        self.discard(unused).await;
        Ok(Some(meta))
    }
}

/// A committed data object: immutable, so streaming it later still reads what was opened,
/// unless a later commit removed it (NotFound, and the caller opens the blob again).
struct ObjectContent {
    store: Arc<dyn ObjectStore>,
    path: Path,
}

#[async_trait]
impl Content for ObjectContent {
    async fn stream(self: Box<Self>, start: u64, len: u64) -> io::Result<ByteStream> {
        if len == 0 {
            return Ok(futures::stream::empty().boxed());
        }
        let result = self
            .store
            .get_opts(
                &self.path,
                GetOptions::new().with_range(Some(start..start + len)),
            )
            .await?;
        Ok(result.into_stream().map_err(io::Error::from).boxed())
    }
}
