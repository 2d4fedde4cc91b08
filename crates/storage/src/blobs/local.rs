//! Local, file-backed block-blob store (`--blobs file://DIR`, the default), behind the
//! [`BlobStore`](super::BlobStore) trait through [`FileBlobStore`](super::FileBlobStore).
//!
//! Layout under the root directory:
//!
//! ```text
//! tmp/                          bodies being received; anything left here at start-up is crash debris
//! b/<sha256(container, blob)>/  one directory per blob (names hashed: blob names may hold any
//!                               character and be longer than a file name may be)
//!     meta.json                 committed state; atomically replacing it is the commit point
//!     data-<uuid>               committed content, named by meta.json
//!     blocks/<hex(block id)>    staged, uncommitted blocks
//! ```
//!
//! Content is never rewritten in place: a new upload lands in a new `data-*` file (fsynced),
//! then `meta.json` is replaced through a fsynced temporary file and a rename, then the
//! directory is fsynced. A crash at any point leaves either the old or the new blob, never a
//! mix. Readers take no lock: they read `meta.json`, then open the data file it names, and
//! retry if a concurrent commit removed that file in between.
//!
//! Every method does blocking file IO; async callers run them on a blocking thread (as
//! `FileBlobStore` does).

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::digest::PipelinedMd5;
use super::etag::EtagClock;
use super::model::{
    BlobMeta, BlobProperties, BlockListItem, BlockListing, BlockSource, CommitError,
    CommittedBlock, MAX_COMMITTED_BLOCKS, StageBlockError, UncommittedBlock, blob_key, hex, unhex,
};

const META_FILE: &str = "meta.json";
const BLOCKS_DIR: &str = "blocks";
const DATA_PREFIX: &str = "data-";
const TEMP_SUFFIX: &str = ".tmp";
/// Commits of different blobs rarely share a stripe; the same blob always does.
const LOCK_STRIPES: usize = 64;
/// Readers retry when a concurrent commit swaps the data file between their two reads.
const OPEN_RETRIES: usize = 8;

/// The on-disk blob store. Cheap to share behind an `Arc`; all state is on disk except the
/// commit locks and the ETag counter.
#[derive(Debug)]
pub struct LocalBlobStore {
    root: PathBuf,
    locks: Vec<Mutex<()>>,
    etags: EtagClock,
}

/// A body being received into a temporary file. Dropping it removes the file.
#[derive(Debug)]
pub struct StagingFile {
    file: File,
    path: TempPath,
    md5: PipelinedMd5,
    len: u64,
}

impl StagingFile {
    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write_chunk(Bytes::copy_from_slice(data))
    }

    /// Writes a chunk of the body; its MD5 is computed on another thread meanwhile.
    pub fn write_chunk(&mut self, chunk: Bytes) -> io::Result<()> {
        self.md5.update_blocking(chunk.clone())?;
        self.file.write_all(&chunk)?;
        self.len += chunk.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the content durable before it can be committed: a commit must never publish a
    /// file whose bytes could still be lost.
    pub fn finish(self) -> io::Result<StagedContent> {
        let StagingFile {
            file,
            path,
            md5,
            len,
        } = self;
        file.sync_all()?;
        Ok(StagedContent {
            path,
            len,
            md5: md5.finish_blocking()?,
        })
    }
}

/// A fully received, fsynced body, ready to commit as a blob or a block. Dropping it removes
/// the file.
#[derive(Debug)]
pub struct StagedContent {
    path: TempPath,
    len: u64,
    md5: [u8; 16],
}

impl StagedContent {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn md5(&self) -> [u8; 16] {
        self.md5
    }
}

impl LocalBlobStore {
    /// Opens (creating if needed) a store rooted at `root`, and clears the debris a crash
    /// may have left: unfinished uploads and data files no commit ever pointed at.
    pub fn open(root: std::path::PathBuf) -> std::io::Result<Self> {
        fs::create_dir_all(root.join("tmp"))?;
        fs::create_dir_all(root.join("b"))?;
        for entry in fs::read_dir(root.join("tmp"))? {
            let entry = entry?;
            remove_any(&entry.path())?;
        }
        let store = Self {
            root,
            locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            etags: EtagClock::default(),
        };
        for entry in fs::read_dir(store.root.join("b"))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                store.remove_orphans(&entry.path())?;
            }
        }
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The committed content of a blob for reading, or None when it was never uploaded.
    pub fn open_committed(
        &self,
        container: &str,
        blob: &str,
    ) -> std::io::Result<Option<std::fs::File>> {
        Ok(self.open_blob(container, blob)?.map(|(file, _)| file))
    }

    /// The committed content and its metadata, read consistently with each other.
    pub fn open_blob(&self, container: &str, blob: &str) -> io::Result<Option<(File, BlobMeta)>> {
        let dir = self.blob_dir(container, blob);
        for _ in 0..OPEN_RETRIES {
            let Some(meta) = read_meta(&dir)? else {
                return Ok(None);
            };
            match File::open(dir.join(&meta.data_file)) {
                Ok(file) => return Ok(Some((file, meta))),
                // A commit replaced the content between the two reads; read the new state.
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::other("blob kept changing while being opened"))
    }

    /// The committed metadata of a blob, or None when it has no committed content.
    pub fn blob_meta(&self, container: &str, blob: &str) -> io::Result<Option<BlobMeta>> {
        read_meta(&self.blob_dir(container, blob))
    }

    /// The committed metadata of every blob, in no particular order.
    pub fn list_blobs(&self) -> io::Result<Vec<BlobMeta>> {
        let mut blobs = Vec::new();
        for entry in fs::read_dir(self.root.join("b"))? {
            let entry = entry?;
            if entry.file_type()?.is_dir()
                && let Some(meta) = read_meta(&entry.path())?
            {
                blobs.push(meta);
            }
        }
        Ok(blobs)
    }

    /// A temporary file to receive a body into.
    pub fn start_staging(&self) -> io::Result<StagingFile> {
        let path = self
            .root
            .join("tmp")
            .join(format!("{}{TEMP_SUFFIX}", Uuid::new_v4().simple()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(StagingFile {
            file,
            path: TempPath(Some(path)),
            md5: PipelinedMd5::new()?,
            len: 0,
        })
    }

    /// Put Blob: makes `content` the blob's content, replacing any previous content and
    /// discarding staged blocks. `check` sees the current state under the commit lock.
    pub fn commit_blob<E>(
        &self,
        container: &str,
        blob: &str,
        content: StagedContent,
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: impl FnOnce(Option<&BlobMeta>) -> Result<(), E>,
    ) -> Result<BlobMeta, CommitError<E>> {
        let dir = self.blob_dir(container, blob);
        let _guard = self.lock(container, blob);
        let current = read_meta(&dir)?;
        check(current.as_ref()).map_err(CommitError::Rejected)?;
        let size = content.len;
        let staged_blocks = list_block_files(&dir)?;
        self.install(
            &dir,
            content.path,
            current,
            NewContent {
                container,
                blob,
                size,
                properties,
                committed_blocks: Vec::new(),
                now,
            },
            &staged_blocks,
        )
    }

    /// Put Block: stages `content` under `id`, replacing a staged block of the same id.
    pub fn stage_block(
        &self,
        container: &str,
        blob: &str,
        id: &[u8],
        content: StagedContent,
    ) -> Result<(), StageBlockError> {
        let dir = self.blob_dir(container, blob);
        let blocks = dir.join(BLOCKS_DIR);
        let _guard = self.lock(container, blob);
        if let Some(other) = first_block_name(&blocks)?
            && other.len() != id.len() * 2
        {
            return Err(StageBlockError::IdLengthMismatch);
        }
        let created_dir = !dir.exists();
        fs::create_dir_all(&blocks)?;
        if created_dir {
            sync_dir(&self.root.join("b"))?;
            sync_dir(&dir)?;
        }
        let mut path = content.path;
        fs::rename(path.path(), blocks.join(hex(id)))?;
        path.keep();
        sync_dir(&blocks)?;
        Ok(())
    }

    /// Put Block List: assembles the listed blocks, in order, into the new content. The copy
    /// runs without the commit lock, from files opened under it (open handles keep their
    /// content even if a block is replaced meanwhile); `check` runs before the copy, to
    /// fail fast, and again at the commit, to be correct.
    pub fn commit_block_list<E>(
        &self,
        container: &str,
        blob: &str,
        items: &[BlockListItem],
        properties: BlobProperties,
        now: DateTime<Utc>,
        check: impl Fn(Option<&BlobMeta>) -> Result<(), E>,
    ) -> Result<BlobMeta, CommitError<E>> {
        if items.len() > MAX_COMMITTED_BLOCKS {
            return Err(CommitError::TooManyBlocks);
        }
        let dir = self.blob_dir(container, blob);
        let (plan, staged_blocks) = {
            let _guard = self.lock(container, blob);
            let current = read_meta(&dir)?;
            check(current.as_ref()).map_err(CommitError::Rejected)?;
            (
                plan_block_list(&dir, current.as_ref(), items)?,
                list_block_files(&dir)?,
            )
        };

        let mut staging = self.start_staging()?;
        let mut committed_blocks = Vec::with_capacity(plan.pieces.len());
        let mut offset = 0u64;
        for piece in &plan.pieces {
            let mut source = &plan.files[piece.file];
            source.seek(SeekFrom::Start(piece.offset))?;
            let copied = io::copy(&mut source.take(piece.size), &mut staging.file)?;
            if copied != piece.size {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "a block file is shorter than recorded",
                )
                .into());
            }
            committed_blocks.push(CommittedBlock {
                id: piece.id.clone(),
                offset,
                size: piece.size,
            });
            offset += piece.size;
        }
        // The copy bypassed the hasher: Put Block List stores the MD5 the client declares,
        // never one computed here, so only the length needs to be right.
        staging.len = offset;
        let content = staging.finish()?;

        let _guard = self.lock(container, blob);
        let current = read_meta(&dir)?;
        check(current.as_ref()).map_err(CommitError::Rejected)?;
        self.install(
            &dir,
            content.path,
            current,
            NewContent {
                container,
                blob,
                size: offset,
                properties,
                committed_blocks,
                now,
            },
            &staged_blocks,
        )
    }

    /// Get Block List. `blob` is None when nothing was committed yet.
    pub fn block_list(&self, container: &str, blob: &str) -> io::Result<BlockListing> {
        let dir = self.blob_dir(container, blob);
        let meta = read_meta(&dir)?;
        let mut staged = Vec::new();
        for name in list_block_files(&dir)? {
            let path = dir.join(BLOCKS_DIR).join(&name);
            let Some(id) = unhex(&name) else { continue };
            match fs::metadata(&path) {
                Ok(info) => staged.push((
                    info.modified().ok(),
                    UncommittedBlock {
                        id,
                        size: info.len(),
                    },
                )),
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
        // Upload order is what a client expects to see; modification time approximates it.
        staged.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(BlockListing {
            committed: meta
                .as_ref()
                .map(|m| m.committed_blocks.clone())
                .unwrap_or_default(),
            blob: meta,
            uncommitted: staged.into_iter().map(|(_, block)| block).collect(),
        })
    }

    /// Delete Blob: removes the committed content and staged blocks. Ok(None) when there was
    /// no committed content (staged blocks are then left alone, as Azure does).
    pub fn delete<E>(
        &self,
        container: &str,
        blob: &str,
        check: impl FnOnce(&BlobMeta) -> Result<(), E>,
    ) -> Result<Option<BlobMeta>, CommitError<E>> {
        let dir = self.blob_dir(container, blob);
        let _guard = self.lock(container, blob);
        let Some(meta) = read_meta(&dir)? else {
            return Ok(None);
        };
        check(&meta).map_err(CommitError::Rejected)?;
        fs::remove_file(dir.join(META_FILE))?;
        sync_dir(&dir)?;
        remove_any(&dir.join(&meta.data_file))?;
        remove_any(&dir.join(BLOCKS_DIR))?;
        // Only empty once nothing else raced in; a leftover directory is harmless.
        let _ = fs::remove_dir(&dir);
        Ok(Some(meta))
    }

    fn install<E>(
        &self,
        dir: &Path,
        mut content: TempPath,
        current: Option<BlobMeta>,
        new: NewContent<'_>,
        discard_blocks: &[String],
    ) -> Result<BlobMeta, CommitError<E>> {
        if !dir.exists() {
            fs::create_dir_all(dir)?;
            sync_dir(&self.root.join("b"))?;
        }
        let data_file = format!("{DATA_PREFIX}{}", Uuid::new_v4().simple());
        let data_path = dir.join(&data_file);
        fs::rename(content.path(), &data_path)?;
        content.keep();
        let meta = BlobMeta {
            container: new.container.to_owned(),
            blob: new.blob.to_owned(),
            size: new.size,
            etag: self
                .etags
                .next(new.now, current.as_ref().map(|m| m.etag.as_str())),
            created: current.as_ref().map_or(new.now, |m| m.created),
            last_modified: new.now,
            properties: new.properties,
            committed_blocks: new.committed_blocks,
            data_file,
        };
        if let Err(error) = write_meta(dir, &meta) {
            let _ = fs::remove_file(&data_path);
            return Err(error.into());
        }
        // Past the commit point: failing to clean up must not fail the upload.
        if let Some(old) = current {
            let _ = fs::remove_file(dir.join(old.data_file));
        }
        let blocks = dir.join(BLOCKS_DIR);
        for name in discard_blocks {
            let _ = fs::remove_file(blocks.join(name));
        }
        let _ = fs::remove_dir(&blocks);
        Ok(meta)
    }

    fn remove_orphans(&self, dir: &Path) -> io::Result<()> {
        let live = read_meta(dir).ok().flatten().map(|m| m.data_file);
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let orphan_data = name.starts_with(DATA_PREFIX) && live.as_deref() != Some(&name);
            if orphan_data || name.ends_with(TEMP_SUFFIX) {
                remove_any(&entry.path())?;
            }
        }
        Ok(())
    }

    fn blob_dir(&self, container: &str, blob: &str) -> PathBuf {
        self.root.join("b").join(hex(&blob_key(container, blob)))
    }

    fn lock(&self, container: &str, blob: &str) -> MutexGuard<'_, ()> {
        let stripe = usize::from(blob_key(container, blob)[0]) % self.locks.len();
        // The guarded data is `()`: a panic elsewhere cannot have left it inconsistent.
        self.locks[stripe]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

struct NewContent<'a> {
    container: &'a str,
    blob: &'a str,
    size: u64,
    properties: BlobProperties,
    committed_blocks: Vec<CommittedBlock>,
    now: DateTime<Utc>,
}

/// Open sources and the ranges to copy from them, in block-list order.
struct AssemblyPlan {
    files: Vec<File>,
    pieces: Vec<Piece>,
}

struct Piece {
    id: Vec<u8>,
    file: usize,
    offset: u64,
    size: u64,
}

fn plan_block_list<E>(
    dir: &Path,
    current: Option<&BlobMeta>,
    items: &[BlockListItem],
) -> Result<AssemblyPlan, CommitError<E>> {
    let committed: HashMap<&[u8], &CommittedBlock> = current
        .map(|m| {
            m.committed_blocks
                .iter()
                .map(|b| (b.id.as_slice(), b))
                .collect()
        })
        .unwrap_or_default();
    let mut plan = AssemblyPlan {
        files: Vec::new(),
        pieces: Vec::with_capacity(items.len()),
    };
    let mut committed_file: Option<usize> = None;
    let mut staged_files: HashMap<Vec<u8>, (usize, u64)> = HashMap::new();
    let mut missing_staged: HashSet<Vec<u8>> = HashSet::new();

    for item in items {
        let mut staged = None;
        if item.source != BlockSource::Committed {
            staged = open_staged(
                dir,
                &item.id,
                &mut plan.files,
                &mut staged_files,
                &mut missing_staged,
            )?;
        }
        if let Some((file, size)) = staged {
            plan.pieces.push(Piece {
                id: item.id.clone(),
                file,
                offset: 0,
                size,
            });
            continue;
        }
        let block = match (item.source, committed.get(item.id.as_slice())) {
            (BlockSource::Uncommitted, _) | (_, None) => {
                return Err(CommitError::UnknownBlock(item.id.clone()));
            }
            (_, Some(block)) => *block,
        };
        let file = match committed_file {
            Some(index) => index,
            None => {
                let Some(meta) = current else {
                    return Err(CommitError::UnknownBlock(item.id.clone()));
                };
                plan.files.push(File::open(dir.join(&meta.data_file))?);
                committed_file = Some(plan.files.len() - 1);
                plan.files.len() - 1
            }
        };
        plan.pieces.push(Piece {
            id: item.id.clone(),
            file,
            offset: block.offset,
            size: block.size,
        });
    }
    Ok(plan)
}

/// Opens a staged block once however often the list names it.
fn open_staged(
    dir: &Path,
    id: &[u8],
    files: &mut Vec<File>,
    opened: &mut HashMap<Vec<u8>, (usize, u64)>,
    missing: &mut HashSet<Vec<u8>>,
) -> io::Result<Option<(usize, u64)>> {
    if let Some(found) = opened.get(id) {
        return Ok(Some(*found));
    }
    if missing.contains(id) {
        return Ok(None);
    }
    match File::open(dir.join(BLOCKS_DIR).join(hex(id))) {
        Ok(file) => {
            let size = file.metadata()?.len();
            files.push(file);
            let found = (files.len() - 1, size);
            opened.insert(id.to_vec(), found);
            Ok(Some(found))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            missing.insert(id.to_vec());
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

fn read_meta(dir: &Path) -> io::Result<Option<BlobMeta>> {
    match fs::read(dir.join(META_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

fn write_meta(dir: &Path, meta: &BlobMeta) -> io::Result<()> {
    let mut temp = TempPath(Some(
        dir.join(format!("meta-{}{TEMP_SUFFIX}", Uuid::new_v4().simple())),
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp.path())?;
    file.write_all(&serde_json::to_vec(meta).map_err(io::Error::other)?)?;
    file.sync_all()?;
    fs::rename(temp.path(), dir.join(META_FILE))?;
    temp.keep();
    sync_dir(dir)
}

/// Names of the staged block files (temporary files excluded).
fn list_block_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    match fs::read_dir(dir.join(BLOCKS_DIR)) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if unhex(&name).is_some() {
                    names.push(name);
                }
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    Ok(names)
}

fn first_block_name(blocks: &Path) -> io::Result<Option<String>> {
    match fs::read_dir(blocks) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if unhex(&name).is_some() {
                    return Ok(Some(name));
                }
            }
            Ok(None)
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Renames and creations are only durable once their directory is synced.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn remove_any(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(info) if info.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) => Err(error),
    };
    match result {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// A file removed on drop unless kept, so that no error path leaks temporary files.
#[derive(Debug)]
struct TempPath(Option<PathBuf>);

impl TempPath {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(store: &LocalBlobStore, data: &[u8]) -> StagedContent {
        let mut staging = store.start_staging().expect("staging");
        staging.write_all(data).expect("write");
        staging.finish().expect("finish")
    }

    fn read_all(store: &LocalBlobStore, container: &str, blob: &str) -> Option<Vec<u8>> {
        let mut file = store.open_committed(container, blob).expect("open")?;
        let mut out = Vec::new();
        file.read_to_end(&mut out).expect("read");
        Some(out)
    }

    fn accept(_: Option<&BlobMeta>) -> Result<(), ()> {
        Ok(())
    }

    #[test]
    fn put_blob_replaces_content_and_keeps_creation_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::open(dir.path().to_path_buf()).expect("open");
        assert!(read_all(&store, "c", "a/b").is_none());
        let now = Utc::now();
        let first = store
            .commit_blob(
                "c",
                "a/b",
                stage(&store, b"one"),
                BlobProperties::default(),
                now,
                accept,
            )
            .expect("commit");
        let later = now + chrono::Duration::seconds(5);
        let second = store
            .commit_blob(
                "c",
                "a/b",
                stage(&store, b"second"),
                BlobProperties::default(),
                later,
                accept,
            )
            .expect("commit");
        assert_eq!(
            read_all(&store, "c", "a/b").as_deref(),
            Some(&b"second"[..])
        );
        assert_ne!(first.etag, second.etag);
        assert_eq!(second.created, now);
        assert_eq!(second.size, 6);
        // Only the live data file and the metadata remain.
        let blob_dir = store.blob_dir("c", "a/b");
        assert_eq!(fs::read_dir(blob_dir).expect("dir").count(), 2);
        assert_eq!(
            fs::read_dir(dir.path().join("tmp")).expect("tmp").count(),
            0
        );
    }

    #[test]
    fn block_list_assembles_and_reuses_committed_blocks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::open(dir.path().to_path_buf()).expect("open");
        let now = Utc::now();
        for (id, data) in [(b"01", &b"aaa"[..]), (b"02", b"bb"), (b"03", b"c")] {
            store
                .stage_block("c", "x", id, stage(&store, data))
                .expect("stage");
        }
        let latest = |id: &[u8]| BlockListItem {
            source: BlockSource::Latest,
            id: id.to_vec(),
        };
        let meta = store
            .commit_block_list(
                "c",
                "x",
                &[latest(b"03"), latest(b"01"), latest(b"03")],
                BlobProperties::default(),
                now,
                accept,
            )
            .expect("commit");
        assert_eq!(meta.size, 5);
        assert_eq!(read_all(&store, "c", "x").as_deref(), Some(&b"caaac"[..]));
        // The unused block was discarded.
        assert!(
            store
                .block_list("c", "x")
                .expect("list")
                .uncommitted
                .is_empty()
        );

        store
            .stage_block("c", "x", b"04", stage(&store, b"dd"))
            .expect("stage");
        let items = [
            BlockListItem {
                source: BlockSource::Committed,
                id: b"01".to_vec(),
            },
            BlockListItem {
                source: BlockSource::Uncommitted,
                id: b"04".to_vec(),
            },
        ];
        store
            .commit_block_list("c", "x", &items, BlobProperties::default(), now, accept)
            .expect("commit");
        assert_eq!(read_all(&store, "c", "x").as_deref(), Some(&b"aaadd"[..]));

        let unknown = [BlockListItem {
            source: BlockSource::Uncommitted,
            id: b"01".to_vec(),
        }];
        assert!(matches!(
            store.commit_block_list("c", "x", &unknown, BlobProperties::default(), now, accept),
            Err(CommitError::UnknownBlock(_))
        ));
    }

    #[test]
    fn block_ids_of_one_blob_have_one_length() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::open(dir.path().to_path_buf()).expect("open");
        store
            .stage_block("c", "x", b"ab", stage(&store, b"1"))
            .expect("stage");
        assert!(matches!(
            store.stage_block("c", "x", b"abc", stage(&store, b"1")),
            Err(StageBlockError::IdLengthMismatch)
        ));
        store
            .stage_block("c", "other", b"abc", stage(&store, b"1"))
            .expect("stage");
    }

    #[test]
    fn open_cleans_crash_debris_and_delete_removes_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::open(dir.path().to_path_buf()).expect("open");
        store
            .commit_blob(
                "c",
                "x",
                stage(&store, b"keep"),
                BlobProperties::default(),
                Utc::now(),
                accept,
            )
            .expect("commit");
        let blob_dir = store.blob_dir("c", "x");
        fs::write(blob_dir.join("data-orphan"), b"lost").expect("write");
        fs::write(dir.path().join("tmp").join("x.tmp"), b"partial").expect("write");
        drop(store);

        let store = LocalBlobStore::open(dir.path().to_path_buf()).expect("reopen");
        assert!(!blob_dir.join("data-orphan").exists());
        assert_eq!(
            fs::read_dir(dir.path().join("tmp")).expect("tmp").count(),
            0
        );
        assert_eq!(read_all(&store, "c", "x").as_deref(), Some(&b"keep"[..]));

        let deleted = store
            .delete("c", "x", |_| Ok::<(), ()>(()))
            .expect("delete");
        assert!(deleted.is_some());
        assert!(read_all(&store, "c", "x").is_none());
        assert!(
            store
                .delete("c", "x", |_| Ok::<(), ()>(()))
                .expect("delete")
                .is_none()
        );
    }
}
