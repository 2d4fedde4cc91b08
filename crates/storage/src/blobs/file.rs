//! [`BlobStore`] on local disk: the crash-safe [`LocalBlobStore`] with its blocking file IO
//! moved to tokio's blocking pool, and bodies received through a bounded channel.

use std::io::{self, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::io::ReaderStream;

use super::{
    BlobMeta, BlobProperties, BlobStore, BlockListItem, BlockListing, ByteStream, Check,
    CommitError, Content, LocalBlobStore, OpenedBlob, Pending, ReadAt, Received, Rejection,
    StageBlockError, StagingFile, Upload, UploadTarget, foreign_content,
};

/// Chunks in flight between the network and the disk writer. hyper hands over at most a
/// few hundred KiB per chunk, so this bounds an upload's memory to a few MiB.
const CHANNEL_CHUNKS: usize = 4;
const READ_CHUNK: usize = 64 * 1024;

/// The local store as a [`BlobStore`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FileBlobStore {
    store: Arc<LocalBlobStore>,
}

impl FileBlobStore {
    pub fn new(store: Arc<LocalBlobStore>) -> Self {
        Self { store }
    }

    /// Opens (creating if needed) the store under `root`; blocking, as start-up is.
    pub fn open(root: PathBuf) -> io::Result<Self> {
        Ok(Self::new(Arc::new(LocalBlobStore::open(root)?)))
    }

    /// The blocking store underneath.
    pub fn local(&self) -> &Arc<LocalBlobStore> {
        &self.store
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&LocalBlobStore) -> T + Send + 'static,
    ) -> io::Result<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(io::Error::other)
    }
}

#[async_trait]
impl BlobStore for FileBlobStore {
    fn describe(&self) -> String {
        format!("file://{}", self.store.root().display())
    }

    async fn blob_meta(&self, container: &str, blob: &str) -> io::Result<Option<BlobMeta>> {
        let (container, blob) = (container.to_owned(), blob.to_owned());
        self.run(move |store| store.blob_meta(&container, &blob))
            .await?
    }

    async fn list_blobs(&self) -> io::Result<Vec<BlobMeta>> {
        self.run(|store| store.list_blobs()).await?
    }

    async fn open_blob(&self, container: &str, blob: &str) -> io::Result<Option<OpenedBlob>> {
        let (container, blob) = (container.to_owned(), blob.to_owned());
        let opened = self
            .run(move |store| store.open_blob(&container, &blob))
            .await??;
        Ok(opened.map(|(file, meta)| OpenedBlob {
            meta,
            content: Box::new(FileContent(file)),
        }))
    }

    async fn open_read_at(
        &self,
        container: &str,
        blob: &str,
    ) -> io::Result<Option<Box<dyn ReadAt>>> {
        let (container, blob) = (container.to_owned(), blob.to_owned());
        let file = self
            .run(move |store| store.open_committed(&container, &blob))
            .await??;
        Ok(file.map(|file| Box::new(file) as Box<dyn ReadAt>))
    }

    async fn start_upload(
        &self,
        _container: &str,
        _blob: &str,
        _target: UploadTarget<'_>,
    ) -> io::Result<Box<dyn Upload>> {
        let staging = self.run(|store| store.start_staging()).await??;
        let (sender, mut receiver) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
        let writer = tokio::task::spawn_blocking(move || -> io::Result<StagingFile> {
            let mut staging = staging;
            while let Some(chunk) = receiver.blocking_recv() {
                staging.write_chunk(chunk)?;
            }
            Ok(staging)
        });
        Ok(Box::new(FileUpload {
            sender: Some(sender),
            writer: Some(writer),
        }))
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
        let Pending::File(staged) = content.pending else {
            return Err(foreign_content().into());
        };
        let (container, blob) = (container.to_owned(), blob.to_owned());
        self.run(move |store| {
            store.commit_blob(&container, &blob, staged, properties, now, |current| {
                check(current)
            })
        })
        .await?
    }

    async fn stage_block(
        &self,
        container: &str,
        blob: &str,
        id: &[u8],
        content: Received,
    ) -> Result<(), StageBlockError> {
        let Pending::File(staged) = content.pending else {
            return Err(foreign_content().into());
        };
        let (container, blob, id) = (container.to_owned(), blob.to_owned(), id.to_vec());
        self.run(move |store| store.stage_block(&container, &blob, &id, staged))
            .await?
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
        let (container, blob) = (container.to_owned(), blob.to_owned());
        self.run(move |store| {
            store.commit_block_list(&container, &blob, &items, properties, now, |current| {
                check(current)
            })
        })
        .await?
    }

    async fn block_list(&self, container: &str, blob: &str) -> io::Result<BlockListing> {
        let (container, blob) = (container.to_owned(), blob.to_owned());
        self.run(move |store| store.block_list(&container, &blob))
            .await?
    }

    async fn delete(
        &self,
        container: &str,
        blob: &str,
        check: Check,
    ) -> Result<Option<BlobMeta>, CommitError<Rejection>> {
        let (container, blob) = (container.to_owned(), blob.to_owned());
        self.run(move |store| store.delete(&container, &blob, |meta| check(Some(meta))))
            .await?
    }
}

/// An open data file: it keeps its content even if a commit replaces the blob meanwhile.
struct FileContent(std::fs::File);

#[async_trait]
impl Content for FileContent {
    async fn stream(self: Box<Self>, start: u64, len: u64) -> io::Result<ByteStream> {
        let mut file = tokio::fs::File::from_std(self.0);
        file.seek(SeekFrom::Start(start)).await?;
        Ok(ReaderStream::with_capacity(file.take(len), READ_CHUNK).boxed())
    }
}

/// A body on its way to a temporary file: the network side sends chunks, a blocking thread
/// writes them (computing the MD5). Dropping it ends the writer, which removes the file.
struct FileUpload {
    sender: Option<mpsc::Sender<Bytes>>,
    writer: Option<JoinHandle<io::Result<StagingFile>>>,
}

impl FileUpload {
    /// The writer's own result, once it stopped.
    async fn writer_result(&mut self) -> io::Result<StagingFile> {
        self.sender = None;
        match self.writer.take() {
            Some(writer) => writer.await.map_err(io::Error::other)?,
            None => Err(io::Error::other("the upload was already finished")),
        }
    }
}

#[async_trait]
impl Upload for FileUpload {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        let Some(sender) = &self.sender else {
            return Err(io::Error::other("the upload was already finished"));
        };
        if sender.send(chunk).await.is_err() {
            // The writer stopped early: its own error says why.
            self.writer_result().await?;
            return Err(io::Error::other("the upload writer stopped"));
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> io::Result<Received> {
        let staging = self.writer_result().await?;
        let staged = tokio::task::spawn_blocking(move || staging.finish())
            .await
            .map_err(io::Error::other)??;
        Ok(Received {
            len: staged.len(),
            md5: staged.md5(),
            pending: Pending::File(staged),
        })
    }
}
