//! Positional reads of an object by ranged GETs, for the pipeline's archive inspection.
//!
//! Why ranged reads rather than copying the upload to a local temporary file first: the
//! inspection reads the ZIP's central directory, the manifests and the image headers, a few
//! MiB of uploads that may be gigabytes, and it runs twice per submission (the upload check
//! and PreProcessing). Ranged reads fetch only those parts, need no scratch disk sized for
//! the largest upload on every instance, and keep memory bounded by a small cache.
//!
//! The cache holds a few chunks. A read that continues where a chunk ended (the inspector
//! inflating a package, say) fetches a chunk twice the size of that one, up to a cap, so
//! sequential reads cost few requests; a jump (to another entry) starts small again.

use std::io;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use crate::blobs::ReadAt;

const FIRST_FETCH: u64 = 256 * 1024;
const MAX_FETCH: u64 = 4 * 1024 * 1024;
/// The outer archive, a package inside it and an entry inside that are read in turns.
const CHUNKS: usize = 4;

/// An immutable object (a blob's data object) read by offset.
pub(crate) struct RangedObject {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
    runtime: Handle,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    chunks: Vec<Chunk>,
    clock: u64,
}

struct Chunk {
    start: u64,
    data: Bytes,
    used: u64,
}

impl Chunk {
    fn end(&self) -> u64 {
        self.start + self.data.len() as u64
    }
}

impl RangedObject {
    /// `runtime` runs the requests; reads block on it, so they must come from a thread that
    /// is not one of its workers (`spawn_blocking`).
    pub(crate) fn new(store: Arc<dyn ObjectStore>, path: Path, size: u64, runtime: Handle) -> Self {
        Self {
            store,
            path,
            size,
            runtime,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn fetch(&self, start: u64, end: u64) -> io::Result<Bytes> {
        let bytes = self
            .runtime
            .block_on(self.store.get_range(&self.path, start..end))?;
        if bytes.len() as u64 != end - start {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the object is shorter than its metadata says",
            ));
        }
        Ok(bytes)
    }
}

impl ReadAt for RangedObject {
    fn size(&self) -> io::Result<u64> {
        Ok(self.size)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        if offset >= self.size || buf.is_empty() {
            return Ok(0);
        }
        // The data is immutable, so a poisoned cache is still a correct cache.
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.clock += 1;
        let now = cache.clock;
        let index = match cache
            .chunks
            .iter()
            .position(|c| c.start <= offset && offset < c.end())
        {
            Some(index) => index,
            None => {
                let continues = cache.chunks.iter().position(|c| c.end() == offset);
                let want = continues
                    .map_or(FIRST_FETCH, |i| cache.chunks[i].data.len() as u64 * 2)
                    .max(buf.len() as u64)
                    .clamp(FIRST_FETCH, MAX_FETCH);
                let end = (offset + want).min(self.size);
                let chunk = Chunk {
                    start: offset,
                    data: self.fetch(offset, end)?,
                    used: now,
                };
                let slot = continues.or_else(|| {
                    (cache.chunks.len() >= CHUNKS).then(|| {
                        let oldest = cache.chunks.iter().enumerate().min_by_key(|(_, c)| c.used);
                        oldest.map_or(0, |(i, _)| i)
                    })
                });
                match slot {
                    Some(slot) => {
                        cache.chunks[slot] = chunk;
                        slot
                    }
                    None => {
                        cache.chunks.push(chunk);
                        cache.chunks.len() - 1
                    }
                }
            }
        };
        let chunk = &mut cache.chunks[index];
        chunk.used = now;
        let from = usize::try_from(offset - chunk.start).map_err(io::Error::other)?;
        let count = buf.len().min(chunk.data.len() - from);
        buf[..count].copy_from_slice(&chunk.data[from..from + count]);
        Ok(count)
    }
}
