//! Unsigned `.msix` packages as makeappx lays them out: the payload files, then
//! `AppxManifest.xml`, `AppxBlockMap.xml` (SHA-256 of every 64 KiB block) and
//! `[Content_Types].xml`.
//!
//! One implementation of these documents for the `storeroom package make` command and for
//! the test kit's fixtures (which add hostile layouts of their own on top).

mod block_map;
mod builder;
mod content_types;
mod manifest;
mod png;

pub use block_map::{BLOCK_SIZE, BlockMapEntry, block_hashes, block_map_xml};
pub use builder::{MsixBuilder, placeholder_executable};
pub use content_types::content_types_xml;
pub use manifest::{ManifestSpec, xml_escape};
pub use png::png;
