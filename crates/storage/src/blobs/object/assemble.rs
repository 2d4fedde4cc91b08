//! Put Block List on an object store: which byte ranges of which objects make the new
//! content, and streaming them, in order, into the new data object (ranged GETs into a
//! multipart upload, so memory stays bounded whatever the blob's size).

use std::collections::HashMap;
use std::io;

use futures::StreamExt;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore};

use super::layout::BlobDir;
use super::upload::ObjectWriter;
use crate::blobs::model::{BlobMeta, BlockListItem, BlockSource, CommittedBlock};

/// A range of a staged block or of the committed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub source: Path,
    pub offset: u64,
    pub size: u64,
}

#[derive(Debug)]
pub(crate) struct Plan {
    pub pieces: Vec<Piece>,
    /// The new content's block list, with offsets in it.
    pub committed_blocks: Vec<CommittedBlock>,
    pub size: u64,
}

/// Resolves each entry to a staged block (`staged`: id → size) or a block of the current
/// content, as Azure does. Err(id) names the first entry found in neither.
pub(crate) fn plan(
    dir: &BlobDir,
    current: Option<&BlobMeta>,
    staged: &HashMap<Vec<u8>, u64>,
    items: &[BlockListItem],
) -> Result<Plan, Vec<u8>> {
    let committed: HashMap<&[u8], &CommittedBlock> = current
        .map(|m| {
            m.committed_blocks
                .iter()
                .map(|b| (b.id.as_slice(), b))
                .collect()
        })
        .unwrap_or_default();
    let mut plan = Plan {
        pieces: Vec::with_capacity(items.len()),
        committed_blocks: Vec::with_capacity(items.len()),
        size: 0,
    };
    for item in items {
        let staged_size = match item.source {
            BlockSource::Committed => None,
            BlockSource::Uncommitted | BlockSource::Latest => staged.get(&item.id).copied(),
        };
        let piece = match (staged_size, item.source, current) {
            (Some(size), _, _) => Piece {
                source: dir.block(&item.id),
                offset: 0,
                size,
            },
            (None, BlockSource::Committed | BlockSource::Latest, Some(meta)) => {
                let Some(block) = committed.get(item.id.as_slice()) else {
                    return Err(item.id.clone());
                };
                Piece {
                    source: dir.data(&meta.data_file),
                    offset: block.offset,
                    size: block.size,
                }
            }
            _ => return Err(item.id.clone()),
        };
        plan.committed_blocks.push(CommittedBlock {
            id: item.id.clone(),
            offset: plan.size,
            size: piece.size,
        });
        plan.size += piece.size;
        plan.pieces.push(piece);
    }
    Ok(plan)
}

/// Streams the pieces into `writer`; adjacent ranges of one object are read with one GET.
pub(crate) async fn copy(
    store: &dyn ObjectStore,
    pieces: &[Piece],
    writer: &mut ObjectWriter,
) -> io::Result<()> {
    for run in coalesce(pieces) {
        if run.size == 0 {
            continue;
        }
        let range = run.offset..run.offset + run.size;
        let result = store
            .get_opts(&run.source, GetOptions::new().with_range(Some(range)))
            .await?;
        let mut stream = result.into_stream();
        let mut copied = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            copied += chunk.len() as u64;
            writer.write(chunk).await?;
        }
        if copied != run.size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} is shorter than recorded", run.source),
            ));
        }
    }
    Ok(())
}

fn coalesce(pieces: &[Piece]) -> Vec<Piece> {
    let mut runs: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match runs.last_mut() {
            Some(last)
                if last.source == piece.source && last.offset + last.size == piece.offset =>
            {
                last.size += piece.size;
            }
            _ => runs.push(piece.clone()),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest(id: &[u8]) -> BlockListItem {
        BlockListItem {
            source: BlockSource::Latest,
            id: id.to_vec(),
        }
    }

    #[test]
    fn plans_staged_then_committed_and_coalesces_neighbours() {
        let dir = BlobDir::of("c", "b");
        let staged = HashMap::from([(b"01".to_vec(), 3), (b"02".to_vec(), 2)]);
        let twice = plan(
            &dir,
            None,
            &staged,
            &[latest(b"01"), latest(b"02"), latest(b"01")],
        )
        .expect("plan");
        assert_eq!(twice.size, 8);
        assert_eq!(twice.committed_blocks[2].offset, 5);
        let plan = plan(&dir, None, &staged, &[latest(b"01"), latest(b"02")]).expect("plan");

        let meta = BlobMeta {
            container: "c".into(),
            blob: "b".into(),
            size: 5,
            etag: "\"0x8\"".into(),
            created: chrono::Utc::now(),
            last_modified: chrono::Utc::now(),
            properties: Default::default(),
            committed_blocks: plan.committed_blocks.clone(),
            data_file: "data-1".into(),
        };
        let committed = BlockListItem {
            source: BlockSource::Committed,
            id: b"01".to_vec(),
        };
        let again = super::plan(
            &dir,
            Some(&meta),
            &HashMap::new(),
            &[committed, latest(b"02")],
        )
        .expect("plan");
        // Block 01 is at 0..3 and 02 at 3..5 of the committed data: one read.
        assert_eq!(coalesce(&again.pieces).len(), 1);
        assert_eq!(again.size, 5);

        let unknown = BlockListItem {
            source: BlockSource::Uncommitted,
            id: b"01".to_vec(),
        };
        assert_eq!(
            super::plan(&dir, Some(&meta), &HashMap::new(), &[unknown]).map(|_| ()),
            Err(b"01".to_vec())
        );
    }
}
