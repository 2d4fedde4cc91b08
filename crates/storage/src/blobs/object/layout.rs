//! Where a blob's pieces live in the bucket or container (under the configured prefix):
//!
//! ```text
//! b/<sha256(container, blob)>/  one "directory" per blob (names hashed, as on disk: blob
//!                               names may hold any character and be longer than a key may)
//!     meta.json                 committed state; replacing it (conditionally) is the commit
//!     data-<uuid>               committed content, named by meta.json, never rewritten
//!     blocks/<hex(block id)>    staged, uncommitted blocks
//! ```

use object_store::path::Path;
use uuid::Uuid;

use crate::blobs::model::{blob_key, hex};

const DATA_PREFIX: &str = "data-";

/// The keys of one blob.
#[derive(Debug, Clone)]
pub(crate) struct BlobDir {
    key: [u8; 32],
    dir: Path,
}

impl BlobDir {
    pub(crate) fn of(container: &str, blob: &str) -> Self {
        let key = blob_key(container, blob);
        Self {
            key,
            dir: Path::from_iter(["b".to_owned(), hex(&key)]),
        }
    }

    /// A byte of the hashed name, to pick a lock stripe with.
    pub(crate) fn stripe_byte(&self) -> u8 {
        self.key[0]
    }

    pub(crate) fn meta(&self) -> Path {
        self.dir.clone().join("meta.json")
    }

    pub(crate) fn data(&self, name: &str) -> Path {
        self.dir.clone().join(name)
    }

    /// A fresh name for new content: each commit writes its own object, so a reader of the
    /// previous content never sees it change.
    pub(crate) fn new_data_name() -> String {
        format!("{DATA_PREFIX}{}", Uuid::new_v4().simple())
    }

    /// The data name of `path` when it is a data object of this blob.
    pub(crate) fn data_name_of<'p>(&self, path: &'p Path) -> Option<&'p str> {
        let name = path.filename()?;
        (name.starts_with(DATA_PREFIX) && *path == self.data(name)).then_some(name)
    }

    pub(crate) fn blocks(&self) -> Path {
        self.dir.clone().join("blocks")
    }

    pub(crate) fn block(&self, id: &[u8]) -> Path {
        self.blocks().join(hex(id))
    }
}
