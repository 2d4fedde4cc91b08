//! `AppxBlockMap.xml`: each payload file's size, local file header size and the SHA-256 of
//! each of its 64 KiB blocks, base64-encoded, as Windows verifies them on install.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::xml_escape;

/// The block size of the block map.
pub const BLOCK_SIZE: usize = 64 << 10;

/// One payload file in the block map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMapEntry {
    /// The ZIP entry name (`/`-separated; written with `\` as the block map wants).
    pub name: String,
    /// Uncompressed size.
    pub size: u64,
    /// Size of the entry's local file header in the ZIP.
    pub lfh_size: u64,
    /// One SHA-256 per [`BLOCK_SIZE`] block of the uncompressed data. The entry is taken to
    /// be stored, so blocks carry no compressed `Size`.
    pub hashes: Vec<[u8; 32]>,
}

/// The SHA-256 of each [`BLOCK_SIZE`] block of `data`.
pub fn block_hashes(data: &[u8]) -> Vec<[u8; 32]> {
    data.chunks(BLOCK_SIZE)
        .map(|block| Sha256::digest(block).into())
        .collect()
}

pub fn block_map_xml(files: &[BlockMapEntry]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BlockMap xmlns=\"http://schemas.microsoft.com/appx/2010/blockmap\" HashMethod=\"http://www.w3.org/2001/04/xmlenc#sha256\">\n",
    );
    for file in files {
        xml += &format!(
            "  <File Name=\"{}\" Size=\"{}\" LfhSize=\"{}\">\n",
            xml_escape(&file.name.replace('/', "\\")),
            file.size,
            file.lfh_size
        );
        for hash in &file.hashes {
            xml += &format!("    <Block Hash=\"{}\" />\n", STANDARD.encode(hash));
        }
        xml += "  </File>\n";
    }
    xml += "</BlockMap>\n";
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_cover_every_block_and_the_last_partial_one() {
        let data = vec![7u8; BLOCK_SIZE * 2 + 10];
        let hashes = block_hashes(&data);
        assert_eq!(hashes.len(), 3);
        assert_eq!(hashes[0], hashes[1]);
        assert_eq!(hashes[2], <[u8; 32]>::from(Sha256::digest([7u8; 10])));
        assert!(block_hashes(&[]).is_empty());
    }

    #[test]
    fn names_use_backslashes_and_hashes_base64() {
        let xml = block_map_xml(&[BlockMapEntry {
            name: "Assets/Logo.png".into(),
            size: 3,
            lfh_size: 45,
            hashes: block_hashes(b"abc"),
        }]);
        assert!(xml.contains(r#"<File Name="Assets\Logo.png" Size="3" LfhSize="45">"#));
        // SHA-256("abc"), base64.
        assert!(xml.contains(r#"<Block Hash="ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" />"#));
    }
}
