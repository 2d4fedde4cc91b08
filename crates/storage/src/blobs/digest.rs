//! MD5 of a body computed beside its upload, not in its way.
//!
//! Every received body is hashed for `Content-MD5`. MD5 runs at about 830 MiB/s on one core,
//! slower than the disk or the network can take a body, so hashing on the thread that writes
//! halves the upload rate. The chunks (reference-counted `Bytes`, not copies) go to a thread
//! of their own instead, through a short bounded queue: memory stays bounded, and a writer
//! only waits for the hasher when the hasher is the slower of the two.

use std::io;

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::{mpsc, oneshot};

/// Chunks in flight to the hasher: a few request-body chunks (tens of KiB to a few MiB each).
const QUEUE_CHUNKS: usize = 16;

/// An MD5 being computed on its own thread from the chunks it is given. Usable from a
/// blocking thread (`*_blocking`) and from async code alike.
#[derive(Debug)]
pub struct PipelinedMd5 {
    chunks: mpsc::Sender<Bytes>,
    digest: oneshot::Receiver<[u8; 16]>,
}

impl PipelinedMd5 {
    pub fn new() -> io::Result<Self> {
        let (chunks, mut queue) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
        let (done, digest) = oneshot::channel();
        std::thread::Builder::new()
            .name("storeroom-md5".into())
            .spawn(move || {
                let mut md5 = Md5::new();
                // Ends when the sender is dropped: at `finish`, or when the upload is
                // abandoned.
                while let Some(chunk) = queue.blocking_recv() {
                    md5.update(&chunk);
                }
                let _ = done.send(md5.finalize().into());
            })?;
        Ok(Self { chunks, digest })
    }

    /// Hands the next chunk to the hasher from a blocking thread; waits only while the
    /// queue is full.
    pub fn update_blocking(&self, chunk: Bytes) -> io::Result<()> {
        self.chunks.blocking_send(chunk).map_err(|_| stopped())
    }

    /// Hands the next chunk to the hasher; waits only while the queue is full.
    pub async fn update(&self, chunk: Bytes) -> io::Result<()> {
        self.chunks.send(chunk).await.map_err(|_| stopped())
    }

    /// The MD5 of every chunk given, from a blocking thread.
    pub fn finish_blocking(self) -> io::Result<[u8; 16]> {
        let Self { chunks, digest } = self;
        drop(chunks);
        digest.blocking_recv().map_err(|_| stopped())
    }

    /// The MD5 of every chunk given.
    pub async fn finish(self) -> io::Result<[u8; 16]> {
        let Self { chunks, digest } = self;
        drop(chunks);
        digest.await.map_err(|_| stopped())
    }
}

fn stopped() -> io::Error {
    io::Error::other("the MD5 thread stopped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_md5_of_the_chunks_in_order() {
        let md5 = PipelinedMd5::new().unwrap();
        for part in ["The quick brown fox ", "jumps over ", "the lazy dog"] {
            md5.update_blocking(Bytes::from_static(part.as_bytes()))
                .unwrap();
        }
        let expected: [u8; 16] = Md5::digest(b"The quick brown fox jumps over the lazy dog").into();
        assert_eq!(md5.finish_blocking().unwrap(), expected);
        let empty: [u8; 16] = Md5::digest(b"").into();
        assert_eq!(
            PipelinedMd5::new().unwrap().finish_blocking().unwrap(),
            empty
        );
    }

    #[tokio::test]
    async fn many_chunks_pass_through_the_bounded_queue() {
        let md5 = PipelinedMd5::new().unwrap();
        let mut whole = Md5::new();
        for i in 0..1000u32 {
            let chunk = Bytes::from(i.to_le_bytes().repeat(64));
            whole.update(&chunk);
            md5.update(chunk).await.unwrap();
        }
        let expected: [u8; 16] = whole.finalize().into();
        assert_eq!(md5.finish().await.unwrap(), expected);
    }
}
