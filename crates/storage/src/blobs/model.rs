//! What both blob stores keep about a blob, and how their operations fail: the types the
//! blob endpoint, the pipeline and the stores share.

use std::io;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Azure refuses to commit more blocks than this in one blob.
pub const MAX_COMMITTED_BLOCKS: usize = 50_000;

/// Properties a client sets on a blob and gets back on reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobProperties {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    /// Base64 MD5 of the whole content: computed by Put Blob, or what the client declared.
    pub content_md5: Option<String>,
    /// `x-ms-meta-*` pairs, names without the prefix, in the order received.
    pub metadata: Vec<(String, String)>,
}

/// A block that is part of the committed content, at `offset` in the data file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedBlock {
    #[serde(with = "base64_bytes")]
    pub id: Vec<u8>,
    pub offset: u64,
    pub size: u64,
}

/// A staged block waiting for a Put Block List.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncommittedBlock {
    pub id: Vec<u8>,
    pub size: u64,
}

/// The committed state of one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobMeta {
    pub container: String,
    pub blob: String,
    pub size: u64,
    /// Quoted, e.g. `"0x8DB704C9D5CCF70"`.
    pub etag: String,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    pub properties: BlobProperties,
    /// Empty for blobs written by Put Blob (Azure lists no blocks for those).
    pub committed_blocks: Vec<CommittedBlock>,
    /// Name of the content (a file or an object) beside the metadata; each commit writes a
    /// new one, so content is never rewritten under a reader.
    pub(crate) data_file: String,
}

/// Which list a Put Block List entry must be found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockSource {
    Committed,
    Uncommitted,
    /// Uncommitted if staged, else committed.
    Latest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockListItem {
    pub source: BlockSource,
    pub id: Vec<u8>,
}

/// Committed and staged blocks of a blob, for Get Block List.
#[derive(Clone, Debug, Default)]
pub struct BlockListing {
    pub blob: Option<BlobMeta>,
    pub committed: Vec<CommittedBlock>,
    pub uncommitted: Vec<UncommittedBlock>,
}

/// Why a commit (or delete) did not happen.
#[derive(Debug)]
pub enum CommitError<E> {
    /// The caller's check refused the current state (preconditions, permissions).
    Rejected(E),
    /// A listed block is not in the list its entry names.
    UnknownBlock(Vec<u8>),
    TooManyBlocks,
    Io(io::Error),
}

impl<E> From<io::Error> for CommitError<E> {
    fn from(error: io::Error) -> Self {
        CommitError::Io(error)
    }
}

#[derive(Debug)]
pub enum StageBlockError {
    /// Azure requires every block id of one blob to have the same length.
    IdLengthMismatch,
    Io(io::Error),
}

impl From<io::Error> for StageBlockError {
    fn from(error: io::Error) -> Self {
        StageBlockError::Io(error)
    }
}

/// Length-prefixed so that no two (container, blob) pairs hash the same input.
pub(crate) fn blob_key(container: &str, blob: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((container.len() as u64).to_le_bytes());
    hasher.update(container.as_bytes());
    hasher.update(blob.as_bytes());
    hasher.finalize().into()
}

/// Lowercase hex: safe in file names on case-insensitive file systems too.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
