//! The object-store backend on `object_store`'s in-memory store: the same operations the
//! blob endpoint runs against S3 and Azurite in the integration tests, plus the races
//! between instances that those cannot stage deterministically.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::memory::InMemory;

use super::*;
use crate::blobs::BlockSource;

fn stores() -> (Arc<dyn ObjectStore>, ObjectBlobStore, ObjectBlobStore) {
    let memory: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let a = ObjectBlobStore::new(Arc::clone(&memory), "memory://a");
    let b = ObjectBlobStore::new(Arc::clone(&memory), "memory://b");
    (memory, a, b)
}

fn accept() -> Check {
    Box::new(|_| Ok(()))
}

async fn receive(
    store: &ObjectBlobStore,
    blob: &str,
    target: UploadTarget<'_>,
    data: &[u8],
) -> Received {
    let mut upload = store.start_upload("c", blob, target).await.expect("start");
    for chunk in data.chunks(64 * 1024) {
        upload
            .write(Bytes::copy_from_slice(chunk))
            .await
            .expect("write");
    }
    upload.finish().await.expect("finish")
}

async fn put(store: &ObjectBlobStore, blob: &str, data: &[u8]) -> BlobMeta {
    let content = receive(store, blob, UploadTarget::Blob, data).await;
    store
        .commit_blob(
            "c",
            blob,
            content,
            BlobProperties::default(),
            Utc::now(),
            accept(),
        )
        .await
        .expect("commit")
}

async fn read(store: &ObjectBlobStore, blob: &str, start: u64, len: u64) -> Option<Vec<u8>> {
    let opened = store.open_blob("c", blob).await.expect("open")?;
    let chunks: Vec<Bytes> = opened
        .stream(start, len)
        .await
        .expect("stream")
        .try_collect()
        .await
        .expect("read");
    Some(chunks.concat())
}

async fn keys(memory: &Arc<dyn ObjectStore>) -> Vec<String> {
    let mut keys: Vec<String> = memory
        .list(None)
        .map_ok(|object| object.location.to_string())
        .try_collect()
        .await
        .expect("list");
    keys.sort();
    keys
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn put_blob_small_and_multipart_replace_and_read_ranges() {
    let (memory, store, _) = stores();
    assert!(store.blob_meta("c", "x").await.expect("meta").is_none());
    let empty = put(&store, "empty", b"").await;
    assert_eq!(empty.size, 0);
    assert_eq!(read(&store, "empty", 0, 0).await.as_deref(), Some(&b""[..]));
    let first = put(&store, "x", b"hello").await;
    assert_eq!(
        read(&store, "x", 0, 5).await.as_deref(),
        Some(&b"hello"[..])
    );

    // Over one part: a multipart upload, which only appears once committed.
    let big = pattern(upload::PART_SIZE * 2 + 12_345);
    let content = receive(&store, "x", UploadTarget::Blob, &big).await;
    assert_eq!(content.len(), big.len() as u64);
    assert_eq!(
        read(&store, "x", 0, 5).await.as_deref(),
        Some(&b"hello"[..])
    );
    let second = store
        .commit_blob(
            "c",
            "x",
            content,
            BlobProperties::default(),
            Utc::now(),
            accept(),
        )
        .await
        .expect("commit");
    assert_ne!(first.etag, second.etag);
    assert_eq!(second.created, first.created);
    assert_eq!(second.size, big.len() as u64);
    let middle = read(&store, "x", 5_000_000, 100).await.expect("blob");
    assert_eq!(middle, big[5_000_000..5_000_100]);
    // The replaced content is gone: only the sidecars and data objects of both blobs remain.
    assert_eq!(keys(&memory).await.len(), 4);
}

#[tokio::test]
async fn blocks_assemble_in_list_order_and_reuse_committed_ones() {
    let (memory, store, _) = stores();
    let big = pattern(upload::PART_SIZE + 1);
    for (id, data) in [(&b"01"[..], &b"aaa"[..]), (b"02", b"bb"), (b"03", &big[..])] {
        let content = receive(&store, "x", UploadTarget::Block(id), data).await;
        store
            .stage_block("c", "x", id, content)
            .await
            .expect("stage");
    }
    let listing = store.block_list("c", "x").await.expect("list");
    assert!(listing.blob.is_none());
    assert_eq!(listing.uncommitted.len(), 3);
    let mismatched = receive(&store, "x", UploadTarget::Block(b"abc"), b"1").await;
    assert!(matches!(
        store.stage_block("c", "x", b"abc", mismatched).await,
        Err(StageBlockError::IdLengthMismatch)
    ));

    let item = |source, id: &[u8]| BlockListItem {
        source,
        id: id.to_vec(),
    };
    let meta = store
        .commit_block_list(
            "c",
            "x",
            vec![
                item(BlockSource::Latest, b"03"),
                item(BlockSource::Uncommitted, b"01"),
            ],
            BlobProperties::default(),
            Utc::now(),
            accept(),
        )
        .await
        .expect("commit");
    assert_eq!(meta.size, big.len() as u64 + 3);
    let whole = read(&store, "x", 0, meta.size).await.expect("blob");
    assert_eq!(&whole[..big.len()], &big[..]);
    assert_eq!(&whole[big.len()..], b"aaa");
    // Every staged block was discarded, used or not.
    let listing = store.block_list("c", "x").await.expect("list");
    assert!(listing.uncommitted.is_empty());
    assert_eq!(listing.committed.len(), 2);

    let content = receive(&store, "x", UploadTarget::Block(b"04"), b"dd").await;
    store
        .stage_block("c", "x", b"04", content)
        .await
        .expect("stage");
    let meta = store
        .commit_block_list(
            "c",
            "x",
            vec![
                item(BlockSource::Committed, b"01"),
                item(BlockSource::Latest, b"04"),
            ],
            BlobProperties::default(),
            Utc::now(),
            accept(),
        )
        .await
        .expect("commit");
    assert_eq!(
        read(&store, "x", 0, meta.size).await.as_deref(),
        Some(&b"aaadd"[..])
    );
    assert!(matches!(
        store
            .commit_block_list(
                "c",
                "x",
                vec![item(BlockSource::Uncommitted, b"01")],
                BlobProperties::default(),
                Utc::now(),
                accept(),
            )
            .await,
        Err(CommitError::UnknownBlock(_))
    ));

    let deleted = store.delete("c", "x", accept()).await.expect("delete");
    assert!(deleted.is_some());
    assert!(store.open_blob("c", "x").await.expect("open").is_none());
    assert!(keys(&memory).await.is_empty());
}

#[tokio::test]
async fn a_dropped_upload_leaves_nothing_and_the_old_blob_intact() {
    let (memory, store, _) = stores();
    put(&store, "x", b"old").await;
    let before = keys(&memory).await;
    let content = receive(
        &store,
        "x",
        UploadTarget::Blob,
        &pattern(upload::PART_SIZE + 10),
    )
    .await;
    drop(content);
    let refused = receive(&store, "x", UploadTarget::Blob, b"new").await;
    let error = store
        .commit_blob(
            "c",
            "x",
            refused,
            BlobProperties::default(),
            Utc::now(),
            Box::new(|_| Err(Rejection::new("no"))),
        )
        .await
        .expect_err("refused");
    let CommitError::Rejected(rejection) = error else {
        panic!("not a rejection: {error:?}");
    };
    assert_eq!(rejection.downcast::<&str>().ok(), Some("no"));
    assert_eq!(keys(&memory).await, before);
    assert_eq!(read(&store, "x", 0, 3).await.as_deref(), Some(&b"old"[..]));
}

/// Another instance commits between this one's read and its write: the conditional write
/// fails, the state is read again, the check sees the other instance's blob.
#[tokio::test]
async fn a_commit_that_loses_a_race_checks_again() {
    let (_, a, b) = stores();
    let dir = BlobDir::of("c", "x");
    let stale = a.current(&dir).await.expect("read");
    assert!(stale.is_none());
    let winner = put(&b, "x", b"from b").await;

    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let check: Check = Box::new(move |current| {
        record
            .lock()
            .expect("lock")
            .push(current.map(|m| m.etag.clone()));
        Ok(())
    });
    let new = NewContent {
        container: "c",
        blob: "x",
        size: 0,
        properties: BlobProperties::default(),
        committed_blocks: Vec::new(),
        data_file: BlobDir::new_data_name(),
        now: Utc::now(),
    };
    let (meta, replaced) = a.commit(&dir, stale, &check, new).await.expect("commit");
    assert_eq!(*seen.lock().expect("lock"), vec![Some(winner.etag.clone())]);
    assert_eq!(replaced.map(|m| m.etag), Some(winner.etag.clone()));
    assert_ne!(meta.etag, winner.etag);

    // If-None-Match semantics: a check that wants no blob now refuses.
    let stale = None;
    let refuse: Check = Box::new(|current| match current {
        Some(_) => Err(Rejection::new("exists")),
        None => Ok(()),
    });
    let new = NewContent {
        container: "c",
        blob: "x",
        size: 0,
        properties: BlobProperties::default(),
        committed_blocks: Vec::new(),
        data_file: BlobDir::new_data_name(),
        now: Utc::now(),
    };
    assert!(matches!(
        a.commit(&dir, stale, &refuse, new).await,
        Err(CommitError::Rejected(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positional_reads_fetch_ranges() {
    let (_, store, _) = stores();
    let data = pattern(3 * 1024 * 1024 + 17);
    put(&store, "zip", &data).await;
    let reader = store
        .open_read_at("c", "zip")
        .await
        .expect("open")
        .expect("blob");
    let expected = data.clone();
    tokio::task::spawn_blocking(move || {
        assert_eq!(reader.size().expect("size"), expected.len() as u64);
        // The end, the start, then the whole thing sequentially.
        let mut tail = [0u8; 17];
        let read = reader
            .read_at(&mut tail, expected.len() as u64 - 17)
            .expect("read");
        assert_eq!(&tail[..read], &expected[expected.len() - 17..]);
        let mut all = Vec::new();
        let mut buf = vec![0u8; 100_000];
        loop {
            let read = reader.read_at(&mut buf, all.len() as u64).expect("read");
            if read == 0 {
                break;
            }
            all.extend_from_slice(&buf[..read]);
        }
        assert_eq!(all, expected);
    })
    .await
    .expect("blocking");
}
