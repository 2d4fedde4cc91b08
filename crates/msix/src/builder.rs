//! Writes a whole unsigned package with the `zip` crate: payload files stored (so the block
//! map's hashes are of the bytes as they sit in the archive and no block needs a compressed
//! size), then the manifest, the block map and the content types, deflated.

use std::io::{self, Seek, Write};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::block_map::{BlockMapEntry, block_hashes, block_map_xml};
use crate::content_types::content_types_xml;
use crate::manifest::{EXECUTABLE, LOGO, ManifestSpec};
use crate::png::png;

/// Size of a ZIP local file header before the name (no extra field: the `zip` crate writes
/// none for entries under 4 GiB).
const LOCAL_HEADER_FIXED: u64 = 30;

/// An unsigned `.msix` package: the files the manifest names (an executable and a logo)
/// unless it is a resource package, plus any added.
pub struct MsixBuilder {
    manifest: ManifestSpec,
    files: Vec<(String, Vec<u8>)>,
}

/// A DOS "MZ" stub standing in for the app's executable: the Store's ingestion does not run
/// it, and an unsigned package is not installable anyway. It is no Windows program.
pub fn placeholder_executable(display_name: &str) -> Vec<u8> {
    let message = format!(
        "This program cannot be run in DOS mode.\r\n{display_name}: placeholder executable written by storeroom package make.\r\n$"
    );
    let mut exe = vec![0u8; 64];
    exe[..2].copy_from_slice(b"MZ");
    // e_lfanew: no PE header follows.
    exe[60..64].copy_from_slice(&0u32.to_le_bytes());
    exe.extend_from_slice(message.as_bytes());
    exe
}

impl MsixBuilder {
    pub fn new(manifest: ManifestSpec) -> Self {
        let files = if manifest.is_resource() {
            Vec::new()
        } else {
            vec![
                (
                    EXECUTABLE.to_string(),
                    placeholder_executable(&manifest.display_name),
                ),
                (LOGO.to_string(), png(50, 50)),
            ]
        };
        Self { manifest, files }
    }

    /// Adds a payload file (`/`-separated path inside the package).
    pub fn file(mut self, path: &str, bytes: Vec<u8>) -> Self {
        self.files.push((path.to_string(), bytes));
        self
    }

    pub fn manifest(&self) -> &ManifestSpec {
        &self.manifest
    }

    /// The file name makeappx would give the package.
    pub fn file_name(&self) -> String {
        self.manifest.file_name()
    }

    /// Writes the package to `out`.
    pub fn write_to<W: Write + Seek>(self, out: W) -> io::Result<W> {
        let mut zip = ZipWriter::new(out);
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(false);
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let mut entries = Vec::new();
        for (path, bytes) in &self.files {
            zip.start_file(path.as_str(), stored)
                .map_err(io::Error::other)?;
            zip.write_all(bytes)?;
            entries.push(BlockMapEntry {
                name: path.clone(),
                size: bytes.len() as u64,
                lfh_size: LOCAL_HEADER_FIXED + path.len() as u64,
                hashes: block_hashes(bytes),
            });
        }
        let documents = [
            ("AppxManifest.xml", self.manifest.to_xml()),
            ("AppxBlockMap.xml", block_map_xml(&entries)),
            (
                "[Content_Types].xml",
                content_types_xml(
                    &self
                        .files
                        .iter()
                        .map(|(path, _)| path.as_str())
                        .collect::<Vec<_>>(),
                    "/AppxBlockMap.xml",
                    Some("/AppxManifest.xml"),
                ),
            ),
        ];
        for (name, xml) in documents {
            zip.start_file(name, deflated).map_err(io::Error::other)?;
            zip.write_all(xml.as_bytes())?;
        }
        zip.finish().map_err(io::Error::other)
    }

    pub fn to_bytes(self) -> io::Result<Vec<u8>> {
        Ok(self.write_to(io::Cursor::new(Vec::new()))?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    #[test]
    fn the_block_map_matches_the_archive() {
        let spec = ManifestSpec::desktop_app("Contoso.App", "CN=Contoso", "2.0.0.0");
        let big: Vec<u8> = (0..200_000u32).map(|n| (n * 7 % 251) as u8).collect();
        let bytes = MsixBuilder::new(spec)
            .file("Payload/data.bin", big.clone())
            .to_bytes()
            .unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        assert_eq!(
            names,
            [
                "App.exe",
                "Assets/StoreLogo.png",
                "Payload/data.bin",
                "AppxManifest.xml",
                "AppxBlockMap.xml",
                "[Content_Types].xml"
            ]
        );
        let mut block_map = String::new();
        zip.by_name("AppxBlockMap.xml")
            .unwrap()
            .read_to_string(&mut block_map)
            .unwrap();
        for index in 0..3 {
            let entry = zip.by_index(index).unwrap();
            let lfh = entry.data_start().unwrap() - entry.header_start();
            let line = format!(
                "<File Name=\"{}\" Size=\"{}\" LfhSize=\"{lfh}\">",
                entry.name().unwrap().replace('/', "\\"),
                entry.size()
            );
            assert!(block_map.contains(&line), "{line} in {block_map}");
        }
        let expected = block_map_xml(&[BlockMapEntry {
            name: "x".into(),
            size: 0,
            lfh_size: 0,
            hashes: block_hashes(&big),
        }]);
        let big_blocks: Vec<&str> = expected.lines().filter(|l| l.contains("Block ")).collect();
        assert_eq!(big_blocks.len(), 4);
        for block in big_blocks {
            assert!(block_map.contains(block));
        }
        let mut manifest = String::new();
        zip.by_name("AppxManifest.xml")
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        assert!(manifest.contains(
            r#"<Identity Name="Contoso.App" Publisher="CN=Contoso" Version="2.0.0.0" ProcessorArchitecture="x64" />"#
        ));
    }
}
