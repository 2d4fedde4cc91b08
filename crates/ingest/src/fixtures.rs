//! Real archives built at test time: packages with real-looking manifests, bundles,
//! uploads, submission ZIPs, PNG and JPEG images, and hostile archives.
//!
//! Compiled for this crate's tests and, with the `test-fixtures` feature, for other crates'
//! integration tests:
//!
//! ```ignore
//! use storeroom_ingest::fixtures::{PackageFixture, SubmissionFixture, Payload, png};
//! let package = PackageFixture::new("Contoso.Reader").architecture("x64");
//! let expected = package.expected();
//! let upload = SubmissionFixture::new()
//!     .stored("packages/Reader.msix", Payload::File(package.to_file()?))
//!     .file("images/shot.png", png(1366, 768))
//!     .to_file()?;
//! ```
//!
//! The ZIP writer is this module's own so that it can write what makeappx writes (data
//! descriptors, Zip64 records) and what attackers write (lying sizes, escaping names).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use flate2::write::{DeflateEncoder, ZlibEncoder};
use flate2::{Compress, Compression, FlushCompress, Status};

use crate::manifest::{PackageManifest, TargetDeviceFamily};

/// How a [`ZipBuilder`] lays out its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipStyle {
    /// Sizes and CRC follow each entry's data in a signed data descriptor (flag bit 3)
    /// instead of sitting in its local header.
    pub data_descriptors: bool,
    /// Zip64 extra fields on every entry and a Zip64 end of central directory.
    pub zip64: bool,
    /// Data descriptors open with their optional `PK\x07\x08` signature.
    pub descriptor_signatures: bool,
}

impl ZipStyle {
    /// Sizes in every local header, no Zip64: what most ZIP tools write.
    pub const PLAIN: Self = Self {
        data_descriptors: false,
        zip64: false,
        descriptor_signatures: false,
    };
    /// What makeappx and the Windows packaging API write: data descriptors and Zip64.
    pub const MAKEAPPX: Self = Self {
        data_descriptors: true,
        zip64: true,
        descriptor_signatures: true,
    };
}

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    /// Deflate at a level from 0 (stored blocks, fast) to 9.
    Deflated(u32),
}

/// The content of a file to put in an archive.
#[derive(Debug)]
pub enum Payload {
    Bytes(Vec<u8>),
    Zeros(u64),
    /// Incompressible, reproducible bytes.
    Noise {
        len: u64,
        seed: u64,
    },
    /// The whole file, from its start.
    File(File),
}

impl Payload {
    pub fn len(&self) -> io::Result<u64> {
        Ok(match self {
            Self::Bytes(bytes) => bytes.len() as u64,
            Self::Zeros(len) | Self::Noise { len, .. } => *len,
            Self::File(file) => file.metadata()?.len(),
        })
    }

    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    fn into_reader(self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Self::Bytes(bytes) => Box::new(Cursor::new(bytes)),
            Self::Zeros(len) => Box::new(io::repeat(0).take(len)),
            Self::Noise { len, seed } => Box::new(Noise { state: seed | 1 }.take(len)),
            Self::File(mut file) => {
                file.rewind()?;
                Box::new(file)
            }
        })
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes)
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Self::Bytes(bytes.to_vec())
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Self::Bytes(text.as_bytes().to_vec())
    }
}

impl From<File> for Payload {
    fn from(file: File) -> Self {
        Self::File(file)
    }
}

/// xorshift64*: fast, incompressible enough for deflate, reproducible.
struct Noise {
    state: u64,
}

impl Read for Noise {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        for chunk in out.chunks_mut(8) {
            self.state ^= self.state >> 12;
            self.state ^= self.state << 25;
            self.state ^= self.state >> 27;
            let value = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            chunk.copy_from_slice(&value.to_le_bytes()[..chunk.len()]);
        }
        Ok(out.len())
    }
}

/// What a deflate bomb's headers say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BombHeader {
    /// The true uncompressed size, in the local header and central directory.
    Honest,
    /// An uncompressed size no bigger than the compressed data.
    Lying,
    /// No size up front: a data descriptor after the data, so a streaming reader must
    /// inflate it to find its end.
    Descriptor,
}

/// Where an entry landed in the archive, as a bundle manifest's `Offset` and `Size` need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrySpan {
    pub header_offset: u64,
    pub data_offset: u64,
    pub compressed_size: u64,
    pub size: u64,
}

struct Central {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
    zip64: bool,
}

const U32_MAX: u64 = u32::MAX as u64;

/// A minimal ZIP writer.
pub struct ZipBuilder<W: Write + Seek> {
    out: W,
    style: ZipStyle,
    central: Vec<Central>,
}

struct Counted<W> {
    inner: W,
    hasher: crc32fast::Hasher,
    count: u64,
}

impl<W> Counted<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: crc32fast::Hasher::new(),
            count: 0,
        }
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(data)?;
        self.hasher.update(&data[..written]);
        self.count += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write + Seek> ZipBuilder<W> {
    pub fn new(out: W, style: ZipStyle) -> Self {
        Self {
            out,
            style,
            central: Vec::new(),
        }
    }

    /// Adds an entry with `data`'s bytes, compressed by `method`.
    pub fn add(
        &mut self,
        name: &str,
        method: Method,
        data: &mut dyn Read,
    ) -> io::Result<EntrySpan> {
        let code = match method {
            Method::Stored => 0,
            Method::Deflated(_) => 8,
        };
        let (zip64, descriptor) = (self.style.zip64, self.style.data_descriptors);
        self.write_entry(name, code, zip64, descriptor, |out| {
            let start = out.stream_position()?;
            let (crc, size) = match method {
                Method::Stored => {
                    let mut counted = Counted::new(&mut *out);
                    io::copy(data, &mut counted)?;
                    (counted.hasher.finalize(), counted.count)
                }
                Method::Deflated(level) => {
                    let mut encoder = DeflateEncoder::new(&mut *out, Compression::new(level));
                    let mut counted = Counted::new(&mut encoder);
                    io::copy(data, &mut counted)?;
                    let sums = (counted.hasher.finalize(), counted.count);
                    encoder.finish()?;
                    sums
                }
            };
            let compressed = out.stream_position()? - start;
            Ok((crc, compressed, size))
        })
    }

    pub fn add_bytes(&mut self, name: &str, method: Method, bytes: &[u8]) -> io::Result<EntrySpan> {
        self.add(name, method, &mut Cursor::new(bytes))
    }

    pub fn add_payload(
        &mut self,
        name: &str,
        method: Method,
        payload: Payload,
    ) -> io::Result<EntrySpan> {
        self.add(name, method, &mut payload.into_reader()?)
    }

    /// Adds already-compressed data with whatever CRC and uncompressed size the headers
    /// should claim, in the local header or (with `descriptor`) a data descriptor.
    pub fn add_raw(
        &mut self,
        name: &str,
        method: u16,
        crc: u32,
        declared_size: u64,
        compressed: &[u8],
        descriptor: bool,
    ) -> io::Result<EntrySpan> {
        let zip64 =
            self.style.zip64 || declared_size >= U32_MAX || compressed.len() as u64 >= U32_MAX;
        self.write_entry(name, method, zip64, descriptor, |out| {
            out.write_all(compressed)?;
            Ok((crc, compressed.len() as u64, declared_size))
        })
    }

    /// Adds a deflate bomb: `mebibytes` MiB of zeros in about a thousandth of that.
    pub fn add_bomb(
        &mut self,
        name: &str,
        mebibytes: u64,
        header: BombHeader,
    ) -> io::Result<EntrySpan> {
        let compressed = deflated_zeros(mebibytes);
        let size = match header {
            BombHeader::Lying => compressed.len() as u64,
            BombHeader::Honest | BombHeader::Descriptor => mebibytes << 20,
        };
        let descriptor = header == BombHeader::Descriptor;
        self.add_raw(
            name,
            8,
            crc_of_zeros(mebibytes),
            size,
            &compressed,
            descriptor,
        )
    }

    fn write_entry(
        &mut self,
        name: &str,
        method: u16,
        zip64: bool,
        descriptor: bool,
        body: impl FnOnce(&mut W) -> io::Result<(u32, u64, u64)>,
    ) -> io::Result<EntrySpan> {
        let out = &mut self.out;
        let offset = out.stream_position()?;
        let flags: u16 =
            if descriptor { 1 << 3 } else { 0 } | if name.is_ascii() { 0 } else { 1 << 11 };
        let placeholder: u32 = if zip64 { u32::MAX } else { 0 };
        let extra: Vec<u8> = if zip64 {
            [&1u16.to_le_bytes()[..], &16u16.to_le_bytes(), &[0; 16]].concat()
        } else {
            Vec::new()
        };
        let mut header = Vec::with_capacity(30 + name.len() + extra.len());
        header.extend_from_slice(b"PK\x03\x04");
        header.extend_from_slice(&(if zip64 { 45u16 } else { 20 }).to_le_bytes());
        header.extend_from_slice(&flags.to_le_bytes());
        header.extend_from_slice(&method.to_le_bytes());
        header.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
        header.extend_from_slice(&0u32.to_le_bytes());
        header.extend_from_slice(&placeholder.to_le_bytes());
        header.extend_from_slice(&placeholder.to_le_bytes());
        header.extend_from_slice(&(name.len() as u16).to_le_bytes());
        header.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        header.extend_from_slice(name.as_bytes());
        header.extend_from_slice(&extra);
        out.write_all(&header)?;
        let data_offset = out.stream_position()?;
        let (crc, compressed, size) = body(out)?;
        if !zip64 && (compressed >= U32_MAX || size >= U32_MAX) {
            return Err(io::Error::other(format!("entry '{name}' needs Zip64")));
        }
        if descriptor {
            if self.style.descriptor_signatures {
                out.write_all(b"PK\x07\x08")?;
            }
            out.write_all(&crc.to_le_bytes())?;
            if zip64 {
                out.write_all(&compressed.to_le_bytes())?;
                out.write_all(&size.to_le_bytes())?;
            } else {
                out.write_all(&(compressed as u32).to_le_bytes())?;
                out.write_all(&(size as u32).to_le_bytes())?;
            }
        } else {
            let end = out.stream_position()?;
            out.seek(SeekFrom::Start(offset + 14))?;
            out.write_all(&crc.to_le_bytes())?;
            if zip64 {
                out.seek(SeekFrom::Start(offset + 30 + name.len() as u64 + 4))?;
                out.write_all(&size.to_le_bytes())?;
                out.write_all(&compressed.to_le_bytes())?;
            } else {
                out.write_all(&(compressed as u32).to_le_bytes())?;
                out.write_all(&(size as u32).to_le_bytes())?;
            }
            out.seek(SeekFrom::Start(end))?;
        }
        self.central.push(Central {
            name: name.as_bytes().to_vec(),
            flags,
            method,
            crc,
            compressed,
            size,
            offset,
            zip64,
        });
        Ok(EntrySpan {
            header_offset: offset,
            data_offset,
            compressed_size: compressed,
            size,
        })
    }

    /// Writes the central directory and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let out = &mut self.out;
        let start = out.stream_position()?;
        for entry in &self.central {
            let large_offset = entry.offset >= U32_MAX;
            let mut extra = Vec::new();
            if entry.zip64 || large_offset {
                let mut fields = Vec::new();
                if entry.zip64 {
                    fields.extend_from_slice(&entry.size.to_le_bytes());
                    fields.extend_from_slice(&entry.compressed.to_le_bytes());
                }
                if large_offset {
                    fields.extend_from_slice(&entry.offset.to_le_bytes());
                }
                extra.extend_from_slice(&1u16.to_le_bytes());
                extra.extend_from_slice(&(fields.len() as u16).to_le_bytes());
                extra.extend_from_slice(&fields);
            }
            let sized = |value: u64| if entry.zip64 { u32::MAX } else { value as u32 };
            let version: u16 = if entry.zip64 || large_offset { 45 } else { 20 };
            out.write_all(b"PK\x01\x02")?;
            out.write_all(&version.to_le_bytes())?;
            out.write_all(&version.to_le_bytes())?;
            out.write_all(&entry.flags.to_le_bytes())?;
            out.write_all(&entry.method.to_le_bytes())?;
            out.write_all(&[0, 0, 0x21, 0])?;
            out.write_all(&entry.crc.to_le_bytes())?;
            out.write_all(&sized(entry.compressed).to_le_bytes())?;
            out.write_all(&sized(entry.size).to_le_bytes())?;
            out.write_all(&(entry.name.len() as u16).to_le_bytes())?;
            out.write_all(&(extra.len() as u16).to_le_bytes())?;
            out.write_all(&[0; 6])?; // comment length, disk, internal attributes
            out.write_all(&0x20u32.to_le_bytes())?; // archive attribute
            let offset = if large_offset {
                u32::MAX
            } else {
                entry.offset as u32
            };
            out.write_all(&offset.to_le_bytes())?;
            out.write_all(&entry.name)?;
            out.write_all(&extra)?;
        }
        let end = out.stream_position()?;
        let count = self.central.len() as u64;
        let size = end - start;
        let needs_zip64 = self.style.zip64
            || self.central.iter().any(|entry| entry.zip64)
            || count >= 0xFFFF
            || start >= U32_MAX
            || size >= U32_MAX;
        if needs_zip64 {
            out.write_all(b"PK\x06\x06")?;
            out.write_all(&44u64.to_le_bytes())?;
            out.write_all(&45u16.to_le_bytes())?;
            out.write_all(&45u16.to_le_bytes())?;
            out.write_all(&[0; 8])?;
            out.write_all(&count.to_le_bytes())?;
            out.write_all(&count.to_le_bytes())?;
            out.write_all(&size.to_le_bytes())?;
            out.write_all(&start.to_le_bytes())?;
            out.write_all(b"PK\x06\x07")?;
            out.write_all(&0u32.to_le_bytes())?;
            out.write_all(&end.to_le_bytes())?;
            out.write_all(&1u32.to_le_bytes())?;
        }
        // With a Zip64 end record, the 32-bit fields are saturated, as APPNOTE 4.4.1.4 says.
        let (count16, size32, start32) = if needs_zip64 {
            (u16::MAX, u32::MAX, u32::MAX)
        } else {
            (count as u16, size as u32, start as u32)
        };
        out.write_all(b"PK\x05\x06")?;
        out.write_all(&[0; 4])?;
        out.write_all(&count16.to_le_bytes())?;
        out.write_all(&count16.to_le_bytes())?;
        out.write_all(&size32.to_le_bytes())?;
        out.write_all(&start32.to_le_bytes())?;
        out.write_all(&0u16.to_le_bytes())?;
        out.flush()?;
        Ok(self.out)
    }
}

/// A raw deflate stream of `mebibytes` MiB of zeros, about a thousandth of that in size:
/// one steady-state block, cut at a sync flush, repeated.
pub fn deflated_zeros(mebibytes: u64) -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let zeros = vec![0u8; MIB];
    let mut compress = Compress::new(Compression::best(), false);
    let first = compress_all(&mut compress, &zeros, FlushCompress::Sync);
    let steady = compress_all(&mut compress, &zeros, FlushCompress::Sync);
    let last = compress_all(&mut compress, &[], FlushCompress::Finish);
    let repeats = usize::try_from(mebibytes.saturating_sub(1)).expect("fits in memory");
    let mut stream = Vec::with_capacity(first.len() + steady.len() * repeats + last.len());
    if mebibytes > 0 {
        stream.extend_from_slice(&first);
    }
    for _ in 0..repeats {
        stream.extend_from_slice(&steady);
    }
    stream.extend_from_slice(&last);
    stream
}

fn compress_all(compress: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut consumed = 0;
    loop {
        out.reserve(64 << 10);
        let before = compress.total_in();
        let status = compress
            .compress_vec(&input[consumed..], &mut out, flush)
            .expect("deflating zeros");
        consumed += (compress.total_in() - before) as usize;
        let flushed = status == Status::StreamEnd || out.len() < out.capacity();
        if consumed == input.len()
            && flushed
            && (flush != FlushCompress::Finish || status == Status::StreamEnd)
        {
            return out;
        }
    }
}

/// The CRC-32 of `mebibytes` MiB of zeros, without hashing them all.
fn crc_of_zeros(mebibytes: u64) -> u32 {
    let mut power = crc32fast::Hasher::new();
    power.update(&vec![0u8; 1 << 20]);
    let mut total = crc32fast::Hasher::new();
    let mut left = mebibytes;
    while left > 0 {
        if left & 1 == 1 {
            total.combine(&power);
        }
        let doubled = power.clone();
        power.combine(&doubled);
        left >>= 1;
    }
    total.finalize()
}

/// A temporary file (deleted when dropped) holding what `write` writes, rewound.
pub fn temp_file(write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<File> {
    let mut file = tempfile::tempfile()?;
    write(&mut file)?;
    file.rewind()?;
    Ok(file)
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const DEFAULT_PUBLISHER: &str = "CN=Contoso Software, O=Contoso Corporation, C=US";

enum FixtureFile {
    Data {
        path: String,
        payload: Payload,
        method: Method,
    },
    Bomb {
        path: String,
        mebibytes: u64,
        header: BombHeader,
    },
}

enum ManifestChoice {
    Generated,
    Custom(String),
    Omitted,
}

/// An `.msix`/`.appx` package: payload files, then `AppxManifest.xml`, `AppxBlockMap.xml`
/// and `[Content_Types].xml`, in makeappx's style unless told otherwise.
pub struct PackageFixture {
    name: String,
    publisher: String,
    version: String,
    architecture: Option<String>,
    resource_id: Option<String>,
    languages: Vec<String>,
    capabilities: Vec<String>,
    device_families: Vec<(String, String)>,
    files: Vec<FixtureFile>,
    style: ZipStyle,
    manifest: ManifestChoice,
}

impl PackageFixture {
    /// An x64 desktop app with `internetClient` and `runFullTrust`, in en-US, with an
    /// executable and a logo.
    pub fn new(identity_name: &str) -> Self {
        Self {
            name: identity_name.to_string(),
            publisher: DEFAULT_PUBLISHER.to_string(),
            version: "1.0.0.0".to_string(),
            architecture: Some("x64".to_string()),
            resource_id: None,
            languages: vec!["en-US".to_string()],
            capabilities: vec![
                "internetClient".to_string(),
                "rescap:runFullTrust".to_string(),
            ],
            device_families: vec![("Windows.Desktop".to_string(), "10.0.17763.0".to_string())],
            files: vec![
                FixtureFile::Data {
                    path: "App.exe".to_string(),
                    payload: Payload::Noise { len: 4096, seed: 7 },
                    method: Method::Deflated(6),
                },
                FixtureFile::Data {
                    path: "Assets/StoreLogo.png".to_string(),
                    payload: Payload::Bytes(png(50, 50)),
                    method: Method::Stored,
                },
            ],
            style: ZipStyle::MAKEAPPX,
            manifest: ManifestChoice::Generated,
        }
    }

    pub fn publisher(mut self, publisher: &str) -> Self {
        self.publisher = publisher.to_string();
        self
    }

    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_string();
        self
    }

    /// `ProcessorArchitecture` as written in the manifest (`x86`, `x64`, `arm`, `arm64`).
    pub fn architecture(mut self, architecture: &str) -> Self {
        self.architecture = Some(architecture.to_string());
        self
    }

    /// No `ProcessorArchitecture` attribute: neutral.
    pub fn neutral(mut self) -> Self {
        self.architecture = None;
        self
    }

    pub fn languages(mut self, languages: &[&str]) -> Self {
        self.languages = languages
            .iter()
            .map(|language| language.to_string())
            .collect();
        self
    }

    /// Capability names, each optionally prefixed: `uap:`/`rescap:`/... for that namespace's
    /// `Capability`, `device:` for a `DeviceCapability`.
    pub fn capabilities(mut self, capabilities: &[&str]) -> Self {
        self.capabilities = capabilities.iter().map(|name| name.to_string()).collect();
        self
    }

    /// `(Name, MinVersion)` pairs.
    pub fn device_families(mut self, families: &[(&str, &str)]) -> Self {
        self.device_families = families
            .iter()
            .map(|(name, min)| (name.to_string(), min.to_string()))
            .collect();
        self
    }

    /// Makes this a neutral resource package for `languages`, as a bundle holds.
    pub fn resource(mut self, resource_id: &str, languages: &[&str]) -> Self {
        self.resource_id = Some(resource_id.to_string());
        self.architecture = None;
        self.capabilities.clear();
        self.files = vec![FixtureFile::Data {
            path: "resources.pri".to_string(),
            payload: Payload::Noise { len: 512, seed: 3 },
            method: Method::Deflated(6),
        }];
        self.languages(languages)
    }

    /// Adds a deflated payload file.
    pub fn file(self, path: &str, payload: impl Into<Payload>) -> Self {
        self.file_with(path, payload, Method::Deflated(6))
    }

    pub fn file_with(mut self, path: &str, payload: impl Into<Payload>, method: Method) -> Self {
        self.files.push(FixtureFile::Data {
            path: path.to_string(),
            payload: payload.into(),
            method,
        });
        self
    }

    /// Adds a deflate bomb of `mebibytes` MiB; see [`ZipBuilder::add_bomb`].
    pub fn bomb(mut self, path: &str, mebibytes: u64, header: BombHeader) -> Self {
        self.files.push(FixtureFile::Bomb {
            path: path.to_string(),
            mebibytes,
            header,
        });
        self
    }

    pub fn style(mut self, style: ZipStyle) -> Self {
        self.style = style;
        self
    }

    /// Uses `xml` as `AppxManifest.xml` instead of the generated one.
    pub fn manifest_xml(mut self, xml: &str) -> Self {
        self.manifest = ManifestChoice::Custom(xml.to_string());
        self
    }

    pub fn without_manifest(mut self) -> Self {
        self.manifest = ManifestChoice::Omitted;
        self
    }

    /// The file name makeappx would give the package.
    pub fn file_name(&self) -> String {
        let qualifier = match (&self.resource_id, &self.architecture) {
            (Some(resource), _) => resource.clone(),
            (None, Some(architecture)) => architecture.clone(),
            (None, None) => "neutral".to_string(),
        };
        format!("{}_{}_{}.msix", self.name, self.version, qualifier)
    }

    fn is_resource(&self) -> bool {
        self.resource_id.is_some()
    }

    /// What inspecting the package should report.
    pub fn expected(&self) -> PackageManifest {
        PackageManifest {
            identity_name: self.name.clone(),
            publisher: self.publisher.clone(),
            version: self.version.clone(),
            architecture: self
                .architecture
                .as_deref()
                .unwrap_or("neutral")
                .to_ascii_lowercase(),
            languages: self.languages.clone(),
            capabilities: self
                .capabilities
                .iter()
                .map(|name| {
                    name.rsplit_once(':')
                        .map_or(name.as_str(), |(_, name)| name)
                        .to_string()
                })
                .collect(),
            target_device_families: self
                .device_families
                .iter()
                .map(|(name, min)| TargetDeviceFamily {
                    name: name.clone(),
                    min_version: min.clone(),
                })
                .collect(),
        }
    }

    /// The generated `AppxManifest.xml`.
    pub fn manifest(&self) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
  xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10"
  xmlns:uap10="http://schemas.microsoft.com/appx/manifest/uap/windows10/10"
  xmlns:rescap="http://schemas.microsoft.com/appx/manifest/foundation/windows10/restrictedcapabilities"
  xmlns:desktop="http://schemas.microsoft.com/appx/manifest/desktop/windows10"
  IgnorableNamespaces="uap uap10 rescap desktop">
"#,
        );
        let architecture = self
            .architecture
            .as_ref()
            .map(|architecture| format!(r#" ProcessorArchitecture="{}""#, xml_escape(architecture)))
            .unwrap_or_default();
        let resource = self
            .resource_id
            .as_ref()
            .map(|id| format!(r#" ResourceId="{}""#, xml_escape(id)))
            .unwrap_or_default();
        xml += &format!(
            "  <Identity Name=\"{}\" Publisher=\"{}\" Version=\"{}\"{architecture}{resource} />\n",
            xml_escape(&self.name),
            xml_escape(&self.publisher),
            xml_escape(&self.version)
        );
        xml += "  <Properties>\n    <DisplayName>Contoso App</DisplayName>\n    <PublisherDisplayName>Contoso</PublisherDisplayName>\n    <Logo>Assets\\StoreLogo.png</Logo>\n";
        if self.is_resource() {
            xml += "    <ResourcePackage>true</ResourcePackage>\n";
        }
        xml += "  </Properties>\n  <Dependencies>\n";
        for (name, min) in &self.device_families {
            xml += &format!(
                "    <TargetDeviceFamily Name=\"{}\" MinVersion=\"{}\" MaxVersionTested=\"10.0.22621.0\" />\n",
                xml_escape(name),
                xml_escape(min)
            );
        }
        xml += "  </Dependencies>\n  <Resources>\n";
        for language in &self.languages {
            xml += &format!("    <Resource Language=\"{}\" />\n", xml_escape(language));
        }
        if !self.is_resource() {
            xml += "    <Resource uap:Scale=\"200\" />\n";
        }
        xml += "  </Resources>\n";
        if !self.is_resource() {
            xml += r#"  <Applications>
    <Application Id="App" Executable="App.exe" EntryPoint="Windows.FullTrustApplication">
      <uap:VisualElements DisplayName="Contoso App" Description="Contoso App" BackgroundColor="transparent" Square150x150Logo="Assets\StoreLogo.png" Square44x44Logo="Assets\StoreLogo.png" />
      <Extensions>
        <desktop:Extension Category="windows.startupTask" Executable="App.exe" EntryPoint="Windows.FullTrustApplication">
          <desktop:StartupTask TaskId="ContosoStartup" Enabled="false" DisplayName="Contoso App" />
        </desktop:Extension>
      </Extensions>
    </Application>
  </Applications>
"#;
        }
        if !self.capabilities.is_empty() {
            xml += "  <Capabilities>\n";
            for capability in &self.capabilities {
                let line = match capability.split_once(':') {
                    Some(("device", name)) => {
                        format!("<DeviceCapability Name=\"{}\" />", xml_escape(name))
                    }
                    Some((prefix, name)) => {
                        format!("<{prefix}:Capability Name=\"{}\" />", xml_escape(name))
                    }
                    None => format!("<Capability Name=\"{}\" />", xml_escape(capability)),
                };
                xml += &format!("    {line}\n");
            }
            xml += "  </Capabilities>\n";
        }
        xml += "</Package>\n";
        xml
    }

    /// Writes the package to `out`.
    pub fn write_to<W: Write + Seek>(self, out: W) -> io::Result<W> {
        let manifest = match &self.manifest {
            ManifestChoice::Generated => Some(self.manifest()),
            ManifestChoice::Custom(xml) => Some(xml.clone()),
            ManifestChoice::Omitted => None,
        };
        let mut zip = ZipBuilder::new(out, self.style);
        let mut block_map = Vec::new();
        for file in self.files {
            let (path, span) = match file {
                FixtureFile::Data {
                    path,
                    payload,
                    method,
                } => {
                    let span = zip.add_payload(&path, method, payload)?;
                    (path, span)
                }
                FixtureFile::Bomb {
                    path,
                    mebibytes,
                    header,
                } => {
                    let span = zip.add_bomb(&path, mebibytes, header)?;
                    (path, span)
                }
            };
            block_map.push((path, span));
        }
        if let Some(manifest) = manifest {
            zip.add_bytes("AppxManifest.xml", Method::Deflated(6), manifest.as_bytes())?;
        }
        zip.add_bytes(
            "AppxBlockMap.xml",
            Method::Deflated(6),
            block_map_xml(&block_map).as_bytes(),
        )?;
        let paths: Vec<&str> = block_map.iter().map(|(path, _)| path.as_str()).collect();
        zip.add_bytes(
            "[Content_Types].xml",
            Method::Deflated(6),
            content_types_xml(&paths, "/AppxBlockMap.xml", Some("/AppxManifest.xml")).as_bytes(),
        )?;
        zip.finish()
    }

    pub fn to_bytes(self) -> Vec<u8> {
        self.write_to(Cursor::new(Vec::new()))
            .expect("writing to memory")
            .into_inner()
    }

    /// The package in a rewound temporary file.
    pub fn to_file(self) -> io::Result<File> {
        temp_file(|file| self.write_to(file).map(drop))
    }
}

/// A block map with each file's size and one placeholder hash per 64 KiB block (at most
/// 256 per file: enough to look real, cheap for huge files).
fn block_map_xml(files: &[(String, EntrySpan)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BlockMap xmlns=\"http://schemas.microsoft.com/appx/2010/blockmap\" HashMethod=\"http://www.w3.org/2001/04/xmlenc#sha256\">\n",
    );
    for (path, span) in files {
        let windows_path = path.replace('/', "\\");
        xml += &format!(
            "  <File Name=\"{}\" Size=\"{}\" LfhSize=\"{}\">\n",
            xml_escape(&windows_path),
            span.size,
            span.data_offset - span.header_offset
        );
        for _ in 0..span.size.div_ceil(64 << 10).min(256) {
            xml += "    <Block Hash=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\" />\n";
        }
        xml += "  </File>\n";
    }
    xml += "</BlockMap>\n";
    xml
}

fn content_types_xml(paths: &[&str], block_map: &str, manifest: Option<&str>) -> String {
    let mut extensions: Vec<String> = paths
        .iter()
        .filter_map(|path| Some(path.rsplit_once('.')?.1.to_ascii_lowercase()))
        .collect();
    extensions.sort();
    extensions.dedup();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\n",
    );
    for extension in extensions {
        let content_type = match extension.as_str() {
            "exe" | "dll" => "application/x-msdownload",
            "png" => "image/png",
            "msix" | "appx" => "application/vnd.ms-appx",
            "xml" => "application/vnd.ms-appx.manifest+xml",
            _ => "application/octet-stream",
        };
        xml += &format!(
            "  <Default Extension=\"{}\" ContentType=\"{content_type}\" />\n",
            xml_escape(&extension)
        );
    }
    if let Some(manifest) = manifest {
        xml += &format!(
            "  <Override PartName=\"{manifest}\" ContentType=\"application/vnd.ms-appx.manifest+xml\" />\n"
        );
    }
    xml += &format!(
        "  <Override PartName=\"{block_map}\" ContentType=\"application/vnd.ms-appx.blockmap+xml\" />\n"
    );
    xml += "</Types>\n";
    xml
}

/// An `.msixbundle`: packages stored uncompressed (as makeappx does, so each can be
/// range-read), then `AppxMetadata/AppxBundleManifest.xml` with each package's offset.
pub struct BundleFixture {
    name: String,
    publisher: String,
    version: String,
    packages: Vec<PackageFixture>,
    style: ZipStyle,
    manifest: ManifestChoice,
}

struct BundledPackage {
    file_name: String,
    resource: Option<String>,
    version: String,
    architecture: Option<String>,
    languages: Vec<String>,
    families: Vec<(String, String)>,
}

impl BundleFixture {
    pub fn new(identity_name: &str) -> Self {
        Self {
            name: identity_name.to_string(),
            publisher: DEFAULT_PUBLISHER.to_string(),
            version: "1.0.0.0".to_string(),
            packages: Vec::new(),
            style: ZipStyle::MAKEAPPX,
            manifest: ManifestChoice::Generated,
        }
    }

    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_string();
        self
    }

    pub fn publisher(mut self, publisher: &str) -> Self {
        self.publisher = publisher.to_string();
        self
    }

    /// Adds a package; give it the bundle's identity name, publisher and version unless
    /// testing a mismatch.
    pub fn package(mut self, package: PackageFixture) -> Self {
        self.packages.push(package);
        self
    }

    pub fn style(mut self, style: ZipStyle) -> Self {
        self.style = style;
        self
    }

    pub fn manifest_xml(mut self, xml: &str) -> Self {
        self.manifest = ManifestChoice::Custom(xml.to_string());
        self
    }

    pub fn without_manifest(mut self) -> Self {
        self.manifest = ManifestChoice::Omitted;
        self
    }

    pub fn file_name(&self) -> String {
        let architectures: Vec<&str> = self
            .packages
            .iter()
            .filter(|package| !package.is_resource())
            .map(|package| package.architecture.as_deref().unwrap_or("neutral"))
            .collect();
        format!(
            "{}_{}_{}.msixbundle",
            self.name,
            self.version,
            architectures.join("_")
        )
    }

    /// What inspecting the bundle should report: one manifest per application package,
    /// with the resource packages' languages added.
    pub fn expected(&self) -> Vec<PackageManifest> {
        let resource_languages: Vec<&String> = self
            .packages
            .iter()
            .filter(|package| package.is_resource())
            .flat_map(|package| &package.languages)
            .collect();
        self.packages
            .iter()
            .filter(|package| !package.is_resource())
            .map(|package| {
                let mut manifest = package.expected();
                for language in &resource_languages {
                    if !manifest
                        .languages
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(language))
                    {
                        manifest.languages.push((*language).clone());
                    }
                }
                manifest
            })
            .collect()
    }

    fn bundle_manifest(&self, placed: &[(BundledPackage, EntrySpan)]) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bundle xmlns=\"http://schemas.microsoft.com/appx/2013/bundle\" xmlns:b4=\"http://schemas.microsoft.com/appx/2018/bundle\" SchemaVersion=\"4.0\" IgnorableNamespaces=\"b4\">\n  <Identity Name=\"{}\" Publisher=\"{}\" Version=\"{}\" />\n  <Packages>\n",
            xml_escape(&self.name),
            xml_escape(&self.publisher),
            xml_escape(&self.version)
        );
        for (package, span) in placed {
            let kind = if package.resource.is_some() {
                "resource"
            } else {
                "application"
            };
            let architecture = package
                .architecture
                .as_ref()
                .map(|architecture| format!(" Architecture=\"{}\"", xml_escape(architecture)))
                .unwrap_or_default();
            let resource = package
                .resource
                .as_ref()
                .map(|id| format!(" ResourceId=\"{}\"", xml_escape(id)))
                .unwrap_or_default();
            xml += &format!(
                "    <Package Type=\"{kind}\" Version=\"{}\"{architecture}{resource} FileName=\"{}\" Offset=\"{}\" Size=\"{}\">\n      <Resources>\n",
                xml_escape(&package.version),
                xml_escape(&package.file_name),
                span.data_offset,
                span.size
            );
            for language in &package.languages {
                xml += &format!(
                    "        <Resource Language=\"{}\" />\n",
                    xml_escape(language)
                );
            }
            xml += "      </Resources>\n";
            if package.resource.is_none() {
                xml += "      <b4:Dependencies>\n";
                for (name, min) in &package.families {
                    xml += &format!(
                        "        <b4:TargetDeviceFamily Name=\"{}\" MinVersion=\"{}\" MaxVersionTested=\"10.0.22621.0\" />\n",
                        xml_escape(name),
                        xml_escape(min)
                    );
                }
                xml += "      </b4:Dependencies>\n";
            }
            xml += "    </Package>\n";
        }
        xml += "  </Packages>\n</Bundle>\n";
        xml
    }

    pub fn write_to<W: Write + Seek>(mut self, out: W) -> io::Result<W> {
        let mut zip = ZipBuilder::new(out, self.style);
        let mut placed = Vec::new();
        for package in std::mem::take(&mut self.packages) {
            let info = BundledPackage {
                file_name: package.file_name(),
                resource: package.resource_id.clone(),
                version: package.version.clone(),
                architecture: package.architecture.clone(),
                languages: package.languages.clone(),
                families: package.device_families.clone(),
            };
            let file = package.to_file()?;
            let span = zip.add_payload(&info.file_name, Method::Stored, Payload::File(file))?;
            placed.push((info, span));
        }
        let manifest = match &self.manifest {
            ManifestChoice::Generated => Some(self.bundle_manifest(&placed)),
            ManifestChoice::Custom(xml) => Some(xml.clone()),
            ManifestChoice::Omitted => None,
        };
        let mut entries: Vec<(String, EntrySpan)> = placed
            .iter()
            .map(|(package, span)| (package.file_name.clone(), *span))
            .collect();
        if let Some(manifest) = manifest {
            let span = zip.add_bytes(
                "AppxMetadata/AppxBundleManifest.xml",
                Method::Deflated(6),
                manifest.as_bytes(),
            )?;
            entries.push(("AppxMetadata/AppxBundleManifest.xml".to_string(), span));
        }
        zip.add_bytes(
            "AppxBlockMap.xml",
            Method::Deflated(6),
            block_map_xml(&entries).as_bytes(),
        )?;
        let paths: Vec<&str> = entries.iter().map(|(path, _)| path.as_str()).collect();
        zip.add_bytes(
            "[Content_Types].xml",
            Method::Deflated(6),
            content_types_xml(&paths, "/AppxBlockMap.xml", None).as_bytes(),
        )?;
        zip.finish()
    }

    pub fn to_bytes(self) -> Vec<u8> {
        self.write_to(Cursor::new(Vec::new()))
            .expect("writing to memory")
            .into_inner()
    }

    pub fn to_file(self) -> io::Result<File> {
        temp_file(|file| self.write_to(file).map(drop))
    }
}

/// What an `.msixupload` wraps.
pub enum UploadContent {
    Package(PackageFixture),
    Bundle(BundleFixture),
}

/// An `.msixupload`: a package or bundle (deflated, as Visual Studio writes it) plus an
/// `.msixsym` of symbols.
pub struct UploadFixture {
    content: UploadContent,
    symbols: bool,
    method: Method,
    style: ZipStyle,
}

impl UploadFixture {
    pub fn package(package: PackageFixture) -> Self {
        Self::of(UploadContent::Package(package))
    }

    pub fn bundle(bundle: BundleFixture) -> Self {
        Self::of(UploadContent::Bundle(bundle))
    }

    fn of(content: UploadContent) -> Self {
        Self {
            content,
            symbols: true,
            method: Method::Deflated(6),
            style: ZipStyle::PLAIN,
        }
    }

    pub fn without_symbols(mut self) -> Self {
        self.symbols = false;
        self
    }

    /// How the package or bundle is stored inside the upload.
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    pub fn style(mut self, style: ZipStyle) -> Self {
        self.style = style;
        self
    }

    fn inner_name(&self) -> String {
        match &self.content {
            UploadContent::Package(package) => package.file_name(),
            UploadContent::Bundle(bundle) => bundle.file_name(),
        }
    }

    pub fn file_name(&self) -> String {
        let inner = self.inner_name();
        let stem = inner
            .rsplit_once('.')
            .map_or(inner.as_str(), |(stem, _)| stem);
        format!("{stem}.msixupload")
    }

    pub fn expected(&self) -> Vec<PackageManifest> {
        match &self.content {
            UploadContent::Package(package) => vec![package.expected()],
            UploadContent::Bundle(bundle) => bundle.expected(),
        }
    }

    pub fn write_to<W: Write + Seek>(self, out: W) -> io::Result<W> {
        let inner_name = self.inner_name();
        let inner = match self.content {
            UploadContent::Package(package) => package.to_file()?,
            UploadContent::Bundle(bundle) => bundle.to_file()?,
        };
        let mut zip = ZipBuilder::new(out, self.style);
        zip.add_payload(&inner_name, self.method, Payload::File(inner))?;
        if self.symbols {
            let stem = inner_name
                .rsplit_once('.')
                .map_or(inner_name.as_str(), |(stem, _)| stem);
            let mut symbols = ZipBuilder::new(Cursor::new(Vec::new()), ZipStyle::PLAIN);
            symbols.add(
                "App.pdb",
                Method::Deflated(6),
                &mut Payload::Noise {
                    len: 2048,
                    seed: 11,
                }
                .into_reader()?,
            )?;
            let symbols = symbols.finish()?.into_inner();
            zip.add_bytes(&format!("{stem}.msixsym"), self.method, &symbols)?;
        }
        zip.finish()
    }

    pub fn to_bytes(self) -> Vec<u8> {
        self.write_to(Cursor::new(Vec::new()))
            .expect("writing to memory")
            .into_inner()
    }

    pub fn to_file(self) -> io::Result<File> {
        temp_file(|file| self.write_to(file).map(drop))
    }
}

/// The ZIP a client uploads to a submission's `fileUploadUrl`: files at the paths the
/// submission names.
pub struct SubmissionFixture {
    files: Vec<(String, Payload, Method)>,
    style: ZipStyle,
}

impl Default for SubmissionFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl SubmissionFixture {
    pub fn new() -> Self {
        Self {
            files: Vec::new(),
            style: ZipStyle::PLAIN,
        }
    }

    /// Adds a deflated file, as .NET's `ZipFile` and most tools write them.
    pub fn file(self, path: &str, payload: impl Into<Payload>) -> Self {
        self.file_with(path, payload, Method::Deflated(6))
    }

    /// Adds a file stored uncompressed.
    pub fn stored(self, path: &str, payload: impl Into<Payload>) -> Self {
        self.file_with(path, payload, Method::Stored)
    }

    pub fn file_with(mut self, path: &str, payload: impl Into<Payload>, method: Method) -> Self {
        self.files.push((path.to_string(), payload.into(), method));
        self
    }

    pub fn style(mut self, style: ZipStyle) -> Self {
        self.style = style;
        self
    }

    pub fn write_to<W: Write + Seek>(self, out: W) -> io::Result<W> {
        let mut zip = ZipBuilder::new(out, self.style);
        for (path, payload, method) in self.files {
            zip.add_payload(&path, method, payload)?;
        }
        zip.finish()
    }

    /// Writes the ZIP at `path`.
    pub fn write_to_path(self, path: &Path) -> io::Result<()> {
        self.write_to(File::create(path)?).map(drop)
    }

    pub fn to_bytes(self) -> Vec<u8> {
        self.write_to(Cursor::new(Vec::new()))
            .expect("writing to memory")
            .into_inner()
    }

    pub fn to_file(self) -> io::Result<File> {
        temp_file(|file| self.write_to(file).map(drop))
    }
}

/// A valid RGB PNG of `width` × `height` (a gradient), with correct CRCs and zlib data.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(kind);
        hasher.update(data);
        out.extend_from_slice(&hasher.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &header);
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    let mut row = vec![0u8; 1 + 3 * width as usize];
    for y in 0..height {
        for x in 0..width as usize {
            row[1 + 3 * x] = (x % 256) as u8;
            row[2 + 3 * x] = (y % 256) as u8;
            row[3 + 3 * x] = 128;
        }
        encoder.write_all(&row).expect("writing to memory");
    }
    chunk(
        &mut out,
        b"IDAT",
        &encoder.finish().expect("writing to memory"),
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid baseline grayscale JPEG of `width` × `height`, uniformly mid-grey: every 8×8
/// block is a zero DC difference and an end-of-block, each a one-bit Huffman code.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
    let mut out = vec![0xFF, 0xD8];
    segment(&mut out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let mut quantization = vec![0u8];
    quantization.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &quantization);
    let [w1, w0] = width.to_be_bytes();
    let [h1, h0] = height.to_be_bytes();
    segment(&mut out, 0xC0, &[8, h1, h0, w1, w0, 1, 1, 0x11, 0]);
    let mut one_code = [0u8; 18];
    one_code[1] = 1; // one code of length 1, for symbol 0
    segment(&mut out, 0xC4, &one_code); // DC table 0
    one_code[0] = 0x10;
    segment(&mut out, 0xC4, &one_code); // AC table 0
    segment(&mut out, 0xDA, &[1, 1, 0, 0, 63, 0]);
    let blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
    let bits = 2 * blocks;
    out.extend(std::iter::repeat_n(0u8, (bits / 8) as usize));
    if bits % 8 != 0 {
        out.push(0xFFu8 >> (bits % 8)); // pad with one-bits; never 0xFF, so no stuffing
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Archives an attacker or a broken client would upload. Each also holds `readme.txt`, so
/// a request can list a file that is present.
pub mod hostile {
    use super::*;

    /// A ZIP holding `readme.txt` and an entry called `name`.
    pub fn with_entry_named(name: &str) -> Vec<u8> {
        let mut zip = ZipBuilder::new(Cursor::new(Vec::new()), ZipStyle::PLAIN);
        zip.add_bytes("readme.txt", Method::Deflated(6), b"hello")
            .expect("writing to memory");
        zip.add_bytes(name, Method::Deflated(6), b"payload")
            .expect("writing to memory");
        zip.finish().expect("writing to memory").into_inner()
    }

    /// Zip-slip: an entry that climbs out of the extraction directory.
    pub fn zip_slip() -> Vec<u8> {
        with_entry_named("../../Windows/System32/evil.dll")
    }

    pub fn absolute_path() -> Vec<u8> {
        with_entry_named("/etc/cron.d/evil")
    }

    pub fn absolute_backslash_path() -> Vec<u8> {
        with_entry_named("\\Windows\\System32\\evil.dll")
    }

    pub fn drive_letter() -> Vec<u8> {
        with_entry_named("C:/Windows/System32/evil.dll")
    }

    /// A ZIP whose `bomb.bin` inflates to `mebibytes` MiB of zeros from about a thousandth
    /// of that (10 MB for 10 GiB).
    pub fn zip_bomb(mebibytes: u64, header: BombHeader) -> io::Result<File> {
        temp_file(|file| {
            let mut zip = ZipBuilder::new(file, ZipStyle::PLAIN);
            zip.add_bytes("readme.txt", Method::Deflated(6), b"hello")?;
            zip.add_bomb("bomb.bin", mebibytes, header)?;
            zip.finish().map(drop)
        })
    }

    /// The first `keep` bytes of `archive`.
    pub fn truncated(archive: &[u8], keep: usize) -> Vec<u8> {
        archive[..keep.min(archive.len())].to_vec()
    }

    /// A ZIP of `readme.txt` and `count - 1` empty files.
    pub fn many_entries(count: u64) -> io::Result<File> {
        temp_file(|file| {
            let mut zip = ZipBuilder::new(file, ZipStyle::PLAIN);
            zip.add_bytes("readme.txt", Method::Stored, b"hello")?;
            for index in 1..count {
                zip.add_bytes(&format!("f/{index}"), Method::Stored, b"")?;
            }
            zip.finish().map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_archives_read_back_with_the_zip_crate() {
        for style in [ZipStyle::PLAIN, ZipStyle::MAKEAPPX] {
            let bytes = PackageFixture::new("Contoso.App")
                .file_with(
                    "big.bin",
                    Payload::Noise {
                        len: 200_000,
                        seed: 1,
                    },
                    Method::Stored,
                )
                .style(style)
                .to_bytes();
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            let names: Vec<String> = zip
                .file_names()
                .map(|name| name.unwrap().into_owned())
                .collect();
            assert_eq!(
                names,
                [
                    "App.exe",
                    "Assets/StoreLogo.png",
                    "big.bin",
                    "AppxManifest.xml",
                    "AppxBlockMap.xml",
                    "[Content_Types].xml"
                ]
            );
            for index in 0..zip.len() {
                let mut entry = zip.by_index(index).unwrap();
                io::copy(&mut entry, &mut io::sink()).unwrap();
                assert_eq!(
                    entry.flags().is_using_data_descriptor(),
                    style.data_descriptors
                );
            }
        }
    }

    #[test]
    fn deflated_zeros_inflate_to_zeros() {
        let compressed = deflated_zeros(5);
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(compressed.as_slice())
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len(), 5 << 20);
        assert!(inflated.iter().all(|byte| *byte == 0));
        assert_eq!(crc_of_zeros(5), crc32fast::hash(&inflated));
        assert!(deflated_zeros(1024).len() < 2 << 20);
    }

    #[test]
    fn bundles_record_package_offsets() {
        let bundle = BundleFixture::new("Contoso.App")
            .package(PackageFixture::new("Contoso.App"))
            .to_bytes();
        let mut zip = zip::ZipArchive::new(Cursor::new(&bundle)).unwrap();
        let mut xml = String::new();
        zip.by_name("AppxMetadata/AppxBundleManifest.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let offset: usize = xml
            .split("Offset=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // The offset is that of the package's data: the package's own first local header.
        assert_eq!(&bundle[offset..offset + 4], b"PK\x03\x04");
    }
}
