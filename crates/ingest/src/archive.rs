//! ZIP mechanics for inspecting uploads in bounded memory, without extracting anything.
//!
//! Two ways in, picked per archive:
//! - [`SeekZip`]: an archive whose bytes lie contiguous in a file (the uploaded ZIP, or a
//!   package *stored* uncompressed inside it, as packages are inside a bundle) is opened
//!   through a [`Window`] on that file; only its central directory and the entries asked
//!   for are read.
//! - [`StreamZip`]: an archive that is itself deflated inside its parent is read forward
//!   through its local headers while it is being inflated. Entries with data descriptors
//!   (bit 3, which makeappx writes) carry no sizes up front: a deflated one ends where its
//!   deflate stream ends, a stored one where a signed data descriptor matching the bytes
//!   before it appears. A stored entry whose descriptor cannot be found that way fails
//!   with [`Fault::Unstreamable`], and the caller spills that one nested archive to a
//!   temporary file and opens it as a [`SeekZip`] instead.
//!
//! Every byte an inflater produces is charged to the [`Budget`] as it is produced, so a
//! lying header cannot make the server work past the limits.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use flate2::{Decompress, FlushDecompress, Status};
use storeroom_domain::submission::status_detail;
use storeroom_storage::blobs::ReadAt;
use storeroom_wire::devcenter::{StatusCode, StatusDetail};
use zip::CompressionMethod;

use crate::inspect::{InspectionRequest, inspect_submission};
use crate::limits::{ArchiveLimits, Budget, check_entry_name};

/// Normalizes a path the way the Store matches `fileName` against archive entries: either
/// slash, no leading `./` or `/`, case-insensitive (Windows paths).
pub fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix('/')) {
        path = rest;
    }
    path.to_lowercase()
}

/// Checks that `archive` is a readable, safe ZIP within `limits` holding every file in
/// `required`. Returns the status details of the failure otherwise.
pub fn check_files(
    archive: Option<impl ReadAt>,
    required: &[String],
    limits: &ArchiveLimits,
) -> Result<(), Vec<StatusDetail>> {
    if required.is_empty() {
        return Ok(());
    }
    let Some(archive) = archive else {
        return Err(vec![status_detail(
            StatusCode::MissingFiles,
            format!(
                "No archive was uploaded to the submission's fileUploadUrl, but the submission lists files to upload: {}",
                required.join(", ")
            ),
        )]);
    };
    let request = InspectionRequest {
        other_files: required.to_vec(),
        ..InspectionRequest::default()
    };
    inspect_submission(archive, &request, limits)
        .map(|_| ())
        .map_err(|findings| findings.into_iter().map(StatusDetail::from).collect())
}

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The archive is corrupt, truncated or unsafe.
    Archive(String),
    /// A limit was reached: nothing more of this submission should be read.
    Limit(String),
    /// A package's content is wrong (manifest, bundle layout).
    Package(String),
    /// A stored entry's end cannot be found while streaming; re-read from a seekable copy.
    Unstreamable(String),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (Self::Archive(message)
        | Self::Limit(message)
        | Self::Package(message)
        | Self::Unstreamable(message)) = self;
        f.write_str(message)
    }
}

impl std::error::Error for Fault {}

impl From<Fault> for io::Error {
    fn from(fault: Fault) -> Self {
        io::Error::other(fault)
    }
}

/// Recovers the [`Fault`] a reader raised, or describes an I/O failure of `label`.
pub(crate) fn fault_of(err: io::Error, label: &str) -> Fault {
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Fault>())
    {
        Some(fault) => fault.clone(),
        None => Fault::Archive(format!("{label} could not be read: {err}")),
    }
}

/// A range of the archive's content (a file, or an object read by ranged GETs) read through
/// its own position, so that several windows can be open on one archive at once.
#[derive(Clone, Copy)]
pub(crate) struct Window<'f> {
    file: &'f dyn ReadAt,
    start: u64,
    len: u64,
    pos: u64,
}

impl<'f> Window<'f> {
    pub(crate) fn whole(file: &'f dyn ReadAt) -> io::Result<Self> {
        Ok(Self {
            file,
            start: 0,
            len: file.size()?,
            pos: 0,
        })
    }

    /// The part of this window at `offset` of `len` bytes, if it lies inside.
    pub(crate) fn sub(&self, offset: u64, len: u64) -> Option<Self> {
        let end = offset.checked_add(len)?;
        (end <= self.len).then_some(Self {
            file: self.file,
            start: self.start + offset,
            len,
            pos: 0,
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut window = *self;
        window.pos = offset;
        window.read_exact(buf)
    }
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let read = self.file.read_at(&mut buf[..want], self.start + self.pos)?;
        self.pos += read as u64;
        Ok(read)
    }
}

impl Seek for Window<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(pos) => Some(pos),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        self.pos = pos.ok_or_else(|| io::Error::other("seek before the start of a window"))?;
        Ok(self.pos)
    }
}

/// A buffered reader that can guarantee a minimum number of bytes ahead, to look at a
/// header or descriptor before deciding whether it belongs to the data.
pub(crate) struct Lookahead<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    eof: bool,
}

const LOOKAHEAD_BYTES: usize = 64 << 10;

impl<R: Read> Lookahead<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; LOOKAHEAD_BYTES].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
        }
    }

    /// At least `want` bytes ahead, or all that is left before the end.
    pub(crate) fn peek(&mut self, want: usize) -> io::Result<&[u8]> {
        debug_assert!(want <= self.buf.len());
        if self.end - self.pos < want && !self.eof {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            while self.end < want && !self.eof {
                match self.inner.read(&mut self.buf[self.end..]) {
                    Ok(0) => self.eof = true,
                    Ok(read) => self.end += read,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }

    pub(crate) fn skip(&mut self, mut count: u64) -> io::Result<()> {
        while count > 0 {
            let available = self.fill_buf()?.len();
            if available == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let step = available.min(usize::try_from(count).unwrap_or(usize::MAX));
            self.consume(step);
            count -= step as u64;
        }
        Ok(())
    }

    fn take_exact(&mut self, out: &mut [u8]) -> io::Result<()> {
        let ahead = self.peek(out.len())?;
        if ahead.len() < out.len() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        out.copy_from_slice(&ahead[..out.len()]);
        self.consume(out.len());
        Ok(())
    }
}

impl<R: Read> Read for Lookahead<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let ahead = self.fill_buf()?;
        let count = ahead.len().min(out.len());
        out[..count].copy_from_slice(&ahead[..count]);
        self.consume(count);
        Ok(count)
    }
}

impl<R: Read> BufRead for Lookahead<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            self.peek(1)
        } else {
            Ok(&self.buf[self.pos..self.end])
        }
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.end);
    }
}

/// Raw deflate, charged to the budget as it is produced, consuming exactly the compressed
/// bytes so that what follows the stream is left for the caller.
pub(crate) struct Inflate<S> {
    src: S,
    state: Decompress,
    budget: Budget,
    entry: String,
    done: bool,
}

/// Output allowed beyond `max_compression_ratio` times the input consumed so far, so that a
/// legitimate file opening with a long run of zeros is not refused before its ratio evens
/// out, while a bomb is refused after a few MiB of work.
const LIVE_RATIO_SLACK: u64 = 16 << 20;

impl<S: BufRead> Inflate<S> {
    pub(crate) fn new(src: S, budget: Budget, entry: &str) -> Self {
        Self {
            src,
            state: Decompress::new(false),
            budget,
            entry: entry.to_string(),
            done: false,
        }
    }

    pub(crate) fn total_in(&self) -> u64 {
        self.state.total_in()
    }

    fn charge(&self, produced: usize) -> io::Result<()> {
        self.budget
            .produce(produced as u64)
            .map_err(|limit| Fault::Limit(format!("{} while inflating '{}'", limit, self.entry)))?;
        let ratio = self.budget.limits().max_compression_ratio;
        let (input, output) = (self.state.total_in(), self.state.total_out());
        if output > input.saturating_mul(ratio).saturating_add(LIVE_RATIO_SLACK) {
            return Err(Fault::Limit(format!(
                "entry '{}' expands past the compression ratio limit of {ratio}:1 ({output} bytes from {input})",
                self.entry
            ))
            .into());
        }
        Ok(())
    }
}

impl<S: BufRead> Read for Inflate<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        loop {
            let input = self.src.fill_buf()?;
            let at_end = input.is_empty();
            let (before_in, before_out) = (self.state.total_in(), self.state.total_out());
            let status = self
                .state
                .decompress(input, out, FlushDecompress::None)
                .map_err(|err| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("corrupt deflate data in '{}': {err}", self.entry),
                    )
                })?;
            let consumed = (self.state.total_in() - before_in) as usize;
            let produced = (self.state.total_out() - before_out) as usize;
            self.src.consume(consumed);
            if status == Status::StreamEnd {
                self.done = true;
            }
            if produced > 0 {
                self.charge(produced)?;
                return Ok(produced);
            }
            if self.done {
                return Ok(0);
            }
            if at_end {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the compressed data of '{}' ends early", self.entry),
                ));
            }
            if consumed == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("deflate data in '{}' makes no progress", self.entry),
                ));
            }
        }
    }
}

/// Counts and checksums what passes through, and at the end compares it with what the
/// headers declared.
pub(crate) struct Checked<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    count: u64,
    expect: Option<(u64, u32)>,
    entry: String,
}

impl<R: Read> Checked<R> {
    pub(crate) fn new(inner: R, expect: Option<(u64, u32)>, entry: &str) -> Self {
        Self {
            inner,
            hasher: crc32fast::Hasher::new(),
            count: 0,
            expect,
            entry: entry.to_string(),
        }
    }

    fn invalid(&self, problem: String) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("entry '{}' {problem}", self.entry),
        )
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(out)?;
        self.hasher.update(&out[..read]);
        self.count += read as u64;
        if let Some((size, crc)) = self.expect {
            if self.count > size {
                return Err(self.invalid(format!("holds more than the {size} bytes declared")));
            }
            if read == 0 && !out.is_empty() {
                if self.count != size {
                    return Err(self.invalid(format!(
                        "ends after {} of the {size} bytes declared",
                        self.count
                    )));
                }
                let actual = self.hasher.clone().finalize();
                if actual != crc {
                    return Err(self.invalid(format!(
                        "fails its CRC check ({actual:08x}, expected {crc:08x})"
                    )));
                }
            }
        }
        Ok(read)
    }
}

/// One entry of a [`SeekZip`], from its central directory record.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) is_dir: bool,
    method: CompressionMethod,
    compressed: u64,
    size: u64,
    crc: u32,
    encrypted: bool,
}

/// An entry's content: a window when it is stored (so an archive in it can be opened
/// seekably too), else a checked, inflating reader.
pub(crate) enum Entry<'a> {
    Stored {
        window: Window<'a>,
        check: Option<(u64, u32)>,
        name: String,
    },
    Reader(Box<dyn Read + 'a>),
}

impl<'a> Entry<'a> {
    pub(crate) fn into_reader(self) -> Box<dyn Read + 'a> {
        match self {
            Self::Stored {
                window,
                check,
                name,
            } => Box::new(Checked::new(window, check, &name)),
            Self::Reader(reader) => reader,
        }
    }
}

/// An archive read through its central directory.
pub(crate) struct SeekZip<'a> {
    zip: zip::ZipArchive<BufReader<Window<'a>>>,
    window: Window<'a>,
    entries: Vec<Meta>,
    budget: Budget,
    label: String,
}

impl<'a> SeekZip<'a> {
    /// Opens the archive in `window`, checking every entry's name and declared sizes.
    /// `label` names the archive in messages.
    pub(crate) fn open(window: Window<'a>, budget: &Budget, label: &str) -> Result<Self, Fault> {
        // The zip crate parses every record the end record announces; refuse an absurd
        // count before it allocates for them.
        if let Some(count) = declared_entry_count(window) {
            budget
                .check_entries(label, count)
                .map_err(|limit| Fault::Limit(limit.0))?;
        }
        // Without this, a ZIP cut before its end record is read through the end record of
        // the last archive stored in it, as if it were that archive.
        if !ends_with_end_record(window) {
            return Err(Fault::Archive(format!(
                "{label} is not a valid ZIP archive: it does not end with an end of central directory record (truncated?)"
            )));
        }
        let zip = open_central_directory(window)
            .map_err(|err| Fault::Archive(format!("{label} is not a valid ZIP archive ({err})")))?;
        budget
            .check_entries(label, zip.len() as u64)
            .map_err(|limit| Fault::Limit(limit.0))?;
        // The zip crate keeps one entry per name, so a second entry of a name is found in
        // the raw central directory.
        if zip.has_duplicate_names() {
            let name = duplicate_in_directory(window, zip.central_directory_start())
                .unwrap_or_else(|| "?".into());
            return Err(Fault::Archive(format!(
                "{label}: entry '{name}' appears twice"
            )));
        }
        let mut entries = Vec::with_capacity(zip.len());
        let mut names = Names::default();
        let mut declared = 0u64;
        for index in 0..zip.len() {
            let data = zip.by_index_data(index).map_err(|err| {
                Fault::Archive(format!("{label} has an unreadable entry #{index} ({err})"))
            })?;
            let name = data
                .name()
                .map_err(|err| {
                    Fault::Archive(format!("{label} has an unreadable entry name ({err})"))
                })?
                .into_owned();
            check_entry_name(&name)
                .map_err(|problem| Fault::Archive(format!("{label}: {problem}")))?;
            names
                .add(&name)
                .map_err(|problem| Fault::Archive(format!("{label}: {problem}")))?;
            if data.encrypted() {
                return Err(Fault::Archive(format!(
                    "{label}: entry '{name}' is encrypted"
                )));
            }
            declared = declared.saturating_add(data.size());
            budget
                .check_declared(&name, declared)
                .and_then(|()| budget.check_ratio(&name, data.size(), data.compressed_size()))
                .map_err(|limit| Fault::Limit(format!("{label}: {limit}")))?;
            entries.push(Meta {
                key: normalize(&name),
                is_dir: data.is_dir(),
                method: data.compression(),
                compressed: data.compressed_size(),
                size: data.size(),
                crc: data.crc32(),
                encrypted: data.encrypted(),
                name,
            });
        }
        Ok(Self {
            zip,
            window,
            entries,
            budget: budget.clone(),
            label: label.to_string(),
        })
    }

    pub(crate) fn entries(&self) -> &[Meta] {
        &self.entries
    }

    /// The first entry whose normalized name is `key`.
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|entry| !entry.is_dir && entry.key == key)
    }

    /// The keys of all file entries, for presence checks.
    pub(crate) fn keys(&self) -> HashSet<&str> {
        self.entries
            .iter()
            .filter(|entry| !entry.is_dir)
            .map(|entry| entry.key.as_str())
            .collect()
    }

    pub(crate) fn open_entry(&mut self, index: usize) -> Result<Entry<'a>, Fault> {
        let meta = &self.entries[index];
        let label = &self.label;
        if meta.encrypted {
            return Err(Fault::Archive(format!(
                "{label}: entry '{}' is encrypted",
                meta.name
            )));
        }
        let start = self
            .zip
            .by_index_raw(index)
            .ok()
            .and_then(|raw| raw.data_start())
            .ok_or_else(|| {
                Fault::Archive(format!(
                    "{label}: the local header of entry '{}' is missing or corrupt",
                    meta.name
                ))
            })?;
        let data = self.window.sub(start, meta.compressed).ok_or_else(|| {
            Fault::Archive(format!(
                "{label}: entry '{}' extends past the end of the archive (truncated?)",
                meta.name
            ))
        })?;
        let check = Some((meta.size, meta.crc));
        match meta.method {
            CompressionMethod::Stored if meta.compressed == meta.size => Ok(Entry::Stored {
                window: data,
                check,
                name: meta.name.clone(),
            }),
            CompressionMethod::Stored => Err(Fault::Archive(format!(
                "{label}: stored entry '{}' declares {} bytes but occupies {}",
                meta.name, meta.size, meta.compressed
            ))),
            CompressionMethod::Deflated => {
                let inflate = Inflate::new(BufReader::new(data), self.budget.clone(), &meta.name);
                Ok(Entry::Reader(Box::new(Checked::new(
                    inflate, check, &meta.name,
                ))))
            }
            other => Err(Fault::Archive(format!(
                "{label}: entry '{}' uses an unsupported compression method ({other})",
                meta.name
            ))),
        }
    }
}

/// Reads the central directory, assuming the archive starts at the window's start.
///
/// zip 9.4's offset detection rejects a valid archive whose Zip64 end record sits beside a
/// 32-bit end record holding real (not saturated) values, once it has two entries or more;
/// with the offset known it reads it. Detection remains the fallback for archives with
/// leading data.
fn open_central_directory(
    window: Window,
) -> zip::result::ZipResult<zip::ZipArchive<BufReader<Window>>> {
    let known = zip::read::Config {
        archive_offset: zip::read::ArchiveOffset::Known(0),
    };
    zip::ZipArchive::with_config(known, BufReader::new(window))
        .or_else(|_| zip::ZipArchive::new(BufReader::new(window)))
}

const LOCAL_HEADER: [u8; 4] = *b"PK\x03\x04";
const CENTRAL_HEADER: [u8; 4] = *b"PK\x01\x02";
const DESCRIPTOR: [u8; 4] = *b"PK\x07\x08";
const END_OF_DIRECTORY: [u8; 4] = *b"PK\x05\x06";
const ZIP64_END_OF_DIRECTORY: [u8; 4] = *b"PK\x06\x06";
const ZIP64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
const DIGITAL_SIGNATURE: [u8; 4] = *b"PK\x05\x05";

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

/// Whether the window ends with an end-of-central-directory record (and its comment).
fn ends_with_end_record(window: Window) -> bool {
    const END_LEN: usize = 22;
    let tail_len = window.len().min((END_LEN + u16::MAX as usize) as u64) as usize;
    let mut tail = vec![0; tail_len];
    if tail_len < END_LEN
        || window
            .read_exact_at(window.len() - tail_len as u64, &mut tail)
            .is_err()
    {
        return false;
    }
    (0..=tail_len - END_LEN).rev().any(|at| {
        tail[at..at + 4] == END_OF_DIRECTORY
            && at + END_LEN + usize::from(u16_at(&tail, at + 20)) == tail_len
    })
}

/// The entry count the end-of-central-directory record announces, when it can be found.
fn declared_entry_count(window: Window) -> Option<u64> {
    const END_LEN: usize = 22;
    let tail_len = window.len().min((END_LEN + u16::MAX as usize) as u64) as usize;
    let mut tail = vec![0; tail_len];
    window
        .read_exact_at(window.len() - tail_len as u64, &mut tail)
        .ok()?;
    let end = (0..=tail_len.checked_sub(END_LEN)?)
        .rev()
        .find(|&at| tail[at..at + 4] == END_OF_DIRECTORY)?;
    let count = u16_at(&tail, end + 10);
    if count != u16::MAX {
        return Some(count.into());
    }
    let locator = end.checked_sub(20)?;
    if tail[locator..locator + 4] != ZIP64_LOCATOR {
        return None;
    }
    let mut record = [0; 56];
    window
        .read_exact_at(u64_at(&tail, locator + 8), &mut record)
        .ok()?;
    (record[..4] == ZIP64_END_OF_DIRECTORY).then(|| u64_at(&record, 32))
}

/// The first name that a second central directory record repeats, reading the records
/// from `start` (names compared exactly, as the zip crate does).
fn duplicate_in_directory(window: Window, start: u64) -> Option<String> {
    let directory = window.sub(start, window.len().checked_sub(start)?)?;
    let mut reader = BufReader::new(directory);
    let mut seen = HashSet::new();
    loop {
        let mut fixed = [0; 46];
        reader.read_exact(&mut fixed).ok()?;
        if fixed[..4] != CENTRAL_HEADER {
            return None;
        }
        let mut name = vec![0; usize::from(u16_at(&fixed, 28))];
        reader.read_exact(&mut name).ok()?;
        let skip = u64::from(u16_at(&fixed, 30)) + u64::from(u16_at(&fixed, 32));
        io::copy(&mut (&mut reader).take(skip), &mut io::sink()).ok()?;
        let name = String::from_utf8_lossy(&name).into_owned();
        if !seen.insert(name.clone()) {
            return Some(name);
        }
    }
}

/// One entry met while streaming, from its local header.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) is_dir: bool,
    method: u16,
    crc: u32,
    /// Absent when a data descriptor follows the data (bit 3).
    sizes: Option<(u64, u64)>,
    zip64: bool,
}

/// An archive read forward through its local headers.
pub(crate) struct StreamZip<'r> {
    src: Lookahead<&'r mut dyn Read>,
    budget: Budget,
    label: String,
    seen: u64,
    declared: u64,
    names: Names,
}

/// The entry names met so far in one archive, to refuse a second entry of the same name:
/// which of the two a reader (or the Store) would take is anyone's guess. Names compare as
/// the Store matches files, with either slash and in any case.
#[derive(Default)]
pub(crate) struct Names(HashSet<String>);

impl Names {
    pub(crate) fn add(&mut self, name: &str) -> Result<(), String> {
        if self.0.insert(normalize(name)) {
            Ok(())
        } else {
            Err(format!("entry '{name}' appears twice"))
        }
    }
}

impl<'r> StreamZip<'r> {
    pub(crate) fn new(src: &'r mut dyn Read, budget: &Budget, label: &str) -> Self {
        Self {
            src: Lookahead::new(src),
            budget: budget.clone(),
            label: label.to_string(),
            seen: 0,
            declared: 0,
            names: Names::default(),
        }
    }

    fn corrupt(&self, problem: impl std::fmt::Display) -> Fault {
        Fault::Archive(format!("{}: {problem}", self.label))
    }

    /// The next entry, or `None` once the central directory is reached.
    pub(crate) fn next(&mut self) -> Result<Option<Local>, Fault> {
        let signature: [u8; 4] = match self.src.peek(4).map_err(|err| fault_of(err, &self.label))? {
            ahead if ahead.len() >= 4 => ahead[..4].try_into().expect("four bytes"),
            _ => return Err(self.corrupt("ends before its central directory (truncated?)")),
        };
        match signature {
            LOCAL_HEADER => {}
            CENTRAL_HEADER | END_OF_DIRECTORY | ZIP64_END_OF_DIRECTORY | DIGITAL_SIGNATURE => {
                return Ok(None);
            }
            _ => {
                return Err(self.corrupt(format!(
                    "has no valid local header after {} entries (corrupt or not a ZIP)",
                    self.seen
                )));
            }
        }
        let mut fixed = [0; 30];
        self.src
            .take_exact(&mut fixed)
            .map_err(|_| self.corrupt("ends inside a local header (truncated?)"))?;
        let flags = u16_at(&fixed, 6);
        let mut variable =
            vec![0; usize::from(u16_at(&fixed, 26)) + usize::from(u16_at(&fixed, 28))];
        self.src
            .take_exact(&mut variable)
            .map_err(|_| self.corrupt("ends inside a local header (truncated?)"))?;
        let (raw_name, extra) = variable.split_at(usize::from(u16_at(&fixed, 26)));
        let name = String::from_utf8(raw_name.to_vec())
            .unwrap_or_else(|_| String::from_utf8_lossy(raw_name).into_owned());
        check_entry_name(&name).map_err(|problem| self.corrupt(problem))?;
        if let Err(problem) = self.names.add(&name) {
            return Err(self.corrupt(problem));
        }
        self.seen += 1;
        self.budget
            .check_entries(&self.label, self.seen)
            .map_err(|limit| Fault::Limit(limit.0))?;
        if flags & 1 != 0 {
            return Err(self.corrupt(format!("entry '{name}' is encrypted")));
        }
        let zip64 = zip64_sizes(extra);
        let sizes = (flags & 8 == 0).then(|| {
            let mut compressed = u64::from(u32_at(&fixed, 18));
            let mut size = u64::from(u32_at(&fixed, 22));
            if let Some((zip64_size, zip64_compressed)) = zip64 {
                if size == u64::from(u32::MAX) {
                    size = zip64_size;
                }
                if compressed == u64::from(u32::MAX) {
                    compressed = zip64_compressed;
                }
            }
            (compressed, size)
        });
        if let Some((compressed, size)) = sizes {
            self.declared = self.declared.saturating_add(size);
            self.budget
                .check_declared(&name, self.declared)
                .and_then(|()| self.budget.check_ratio(&name, size, compressed))
                .map_err(|limit| Fault::Limit(format!("{}: {limit}", self.label)))?;
        }
        Ok(Some(Local {
            key: normalize(&name),
            is_dir: name.ends_with('/') || name.ends_with('\\'),
            name,
            method: u16_at(&fixed, 8),
            crc: u32_at(&fixed, 14),
            sizes,
            zip64: zip64.is_some(),
        }))
    }

    /// Hands the entry's content to `use_content`, then reads what it left, checks the CRC
    /// and sizes, and moves past any data descriptor.
    pub(crate) fn read<T>(
        &mut self,
        entry: &Local,
        use_content: impl FnOnce(&mut dyn Read) -> Result<T, Fault>,
    ) -> Result<T, Fault> {
        let budget = self.budget.clone();
        let label = self.label.clone();
        let expect = entry.sizes.map(|(_, size)| (size, entry.crc));
        let limit = entry.sizes.map_or(u64::MAX, |(compressed, _)| compressed);
        let body = match entry.method {
            STORED if entry.sizes.is_some() => Body::Stored((&mut self.src).take(limit), limit),
            STORED => Body::Scan(DescriptorScan::new(&mut self.src)),
            DEFLATED => Body::Deflated(Inflate::new(
                (&mut self.src).take(limit),
                budget,
                &entry.name,
            )),
            method if entry.sizes.is_some() => {
                return Err(Fault::Archive(format!(
                    "{label}: entry '{}' uses an unsupported compression method ({method})",
                    entry.name
                )));
            }
            method => {
                return Err(Fault::Unstreamable(format!(
                    "{label}: entry '{}' uses compression method {method} with a data descriptor",
                    entry.name
                )));
            }
        };
        let mut checked = Checked::new(body, expect, &entry.name);
        let value = use_content(&mut checked)?;
        io::copy(&mut checked, &mut io::sink()).map_err(|err| fault_of(err, &label))?;
        let produced = checked.count;
        let crc = checked.hasher.clone().finalize();
        let consumed = checked.inner.consumed();
        drop(checked);
        match entry.sizes {
            Some((compressed, _)) => self
                .src
                .skip(compressed - consumed.min(compressed))
                .map_err(|_| self.corrupt(format!("entry '{}' is truncated", entry.name)))?,
            None => {
                self.descriptor(entry, consumed, produced, crc)?;
                self.declared = self.declared.saturating_add(produced);
                self.budget
                    .check_declared(&entry.name, self.declared)
                    .and_then(|()| self.budget.check_ratio(&entry.name, produced, consumed))
                    .map_err(|limit| Fault::Limit(format!("{label}: {limit}")))?;
            }
        }
        Ok(value)
    }

    /// Reads the data descriptor after an entry and checks it against what was read.
    fn descriptor(
        &mut self,
        entry: &Local,
        consumed: u64,
        produced: u64,
        crc: u32,
    ) -> Result<(), Fault> {
        let ahead = self
            .src
            .peek(24)
            .map_err(|err| fault_of(err, &self.label))?;
        let at = if ahead.starts_with(&DESCRIPTOR) { 4 } else { 0 };
        let small = ahead.len() >= at + 12
            && u64::from(u32_at(ahead, at + 4)) == consumed
            && u64::from(u32_at(ahead, at + 8)) == produced;
        let large = ahead.len() >= at + 20
            && u64_at(ahead, at + 4) == consumed
            && u64_at(ahead, at + 12) == produced;
        let length = match (small, large) {
            (_, true) if entry.zip64 || !small => at + 20,
            (true, _) => at + 12,
            _ => {
                return Err(self.corrupt(format!(
                    "the data descriptor of entry '{}' does not match its data",
                    entry.name
                )));
            }
        };
        if u32_at(ahead, at) != crc {
            return Err(self.corrupt(format!("entry '{}' fails its CRC check", entry.name)));
        }
        self.src.consume(length);
        Ok(())
    }
}

/// The sizes of a Zip64 extended-information field: (uncompressed, compressed), as far
/// as present.
fn zip64_sizes(mut extra: &[u8]) -> Option<(u64, u64)> {
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let data = extra.get(4..4 + len)?;
        if id == 1 {
            let size = data.get(..8).map_or(0, |bytes| u64_at(bytes, 0));
            let compressed = data.get(8..16).map_or(0, |bytes| u64_at(bytes, 0));
            return Some((size, compressed));
        }
        extra = &extra[4 + len..];
    }
    None
}

const STORED: u16 = 0;
const DEFLATED: u16 = 8;

type Ahead<'s, 'r> = &'s mut Lookahead<&'r mut dyn Read>;

/// An entry's data as met in a stream, with the compressed bytes it has consumed.
enum Body<'s, 'r> {
    /// With the declared size the reader counts down from.
    Stored(io::Take<Ahead<'s, 'r>>, u64),
    Deflated(Inflate<io::Take<Ahead<'s, 'r>>>),
    Scan(DescriptorScan<Ahead<'s, 'r>>),
}

impl Body<'_, '_> {
    fn consumed(&self) -> u64 {
        match self {
            Self::Stored(take, declared) => declared - take.limit(),
            Self::Deflated(inflate) => inflate.total_in(),
            Self::Scan(scan) => scan.count,
        }
    }
}

impl Read for Body<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Stored(take, _) => take.read(out),
            Self::Deflated(inflate) => inflate.read(out),
            Self::Scan(scan) => scan.read(out),
        }
    }
}

/// A stored entry with a data descriptor: its data ends where a signed descriptor whose
/// CRC and size match the bytes before it begins. Payload bytes that happen to look like a
/// descriptor signature cannot also match the CRC and size of everything before them.
struct DescriptorScan<S> {
    src: S,
    hasher: crc32fast::Hasher,
    count: u64,
    done: bool,
}

impl<S> DescriptorScan<S> {
    fn new(src: S) -> Self {
        Self {
            src,
            hasher: crc32fast::Hasher::new(),
            count: 0,
            done: false,
        }
    }
}

/// Whether `ahead` opens the signed descriptor of the `count` bytes hashed so far.
fn descriptor_ends(ahead: &[u8], hasher: &crc32fast::Hasher, count: u64) -> bool {
    if !ahead.starts_with(&DESCRIPTOR) || ahead.len() < 16 {
        return false;
    }
    // Either size width: the compressed size is what is checked, and a 32-bit match of a
    // 64-bit field's low half is as good as the CRC makes it.
    u32_at(ahead, 4) == hasher.clone().finalize()
        && (u64::from(u32_at(ahead, 8)) == count
            || (ahead.len() >= 24 && u64_at(ahead, 8) == count))
}

impl<R: Read> Read for DescriptorScan<&mut Lookahead<R>> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let ahead = self.src.peek(24)?;
        if ahead.is_empty() {
            return Err(Fault::Unstreamable(
                "a stored entry with a data descriptor has no signed descriptor to end it".into(),
            )
            .into());
        }
        if descriptor_ends(ahead, &self.hasher, self.count) {
            self.done = true;
            return Ok(0);
        }
        // Pass what lies before the next possible signature, searching only as far as this
        // call can return, and keep a signature split at the end of the region for later.
        let region = &ahead[..ahead.len().min(out.len().saturating_add(3))];
        let until = match memchr::memmem::find(&region[1..], &DESCRIPTOR) {
            Some(found) => 1 + found,
            None if region.len() > 3 => region.len() - 3,
            None => region.len(),
        };
        let count = until.min(out.len());
        out[..count].copy_from_slice(&ahead[..count]);
        self.hasher.update(&out[..count]);
        self.count += count as u64;
        self.src.consume(count);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::io::{Cursor, Seek, Write};

    use super::*;
    use storeroom_testkit::fixtures::{self, Method, ZipBuilder, ZipStyle};

    fn zip_with(names: &[&str]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        {
            let mut writer = zip::ZipWriter::new(&mut file);
            for name in names {
                writer
                    .start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                writer.write_all(b"content").unwrap();
            }
            writer.finish().unwrap();
        }
        file.rewind().unwrap();
        file
    }

    #[test]
    fn finds_files_with_either_separator_and_any_case() {
        let archive = zip_with(&["Packages/App.msix", "img/shot.png"]);
        let required = vec![
            "packages\\app.msix".to_string(),
            "./img/shot.png".to_string(),
        ];
        assert_eq!(
            check_files(Some(archive), &required, &ArchiveLimits::default()),
            Ok(())
        );
    }

    #[test]
    fn reports_each_missing_file() {
        let archive = zip_with(&["a.msix"]);
        let errors = check_files(
            Some(archive),
            &["a.msix".into(), "b.msix".into()],
            &ArchiveLimits::default(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, StatusCode::MissingFiles);
        assert!(errors[0].details.contains("b.msix"));
    }

    #[test]
    fn not_a_zip_is_invalid_archive() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"this is not a zip file at all").unwrap();
        file.rewind().unwrap();
        let errors =
            check_files(Some(file), &["a.msix".into()], &ArchiveLimits::default()).unwrap_err();
        assert_eq!(errors[0].code, StatusCode::InvalidArchive);
        let errors =
            check_files(None::<File>, &["a.msix".into()], &ArchiveLimits::default()).unwrap_err();
        assert_eq!(errors[0].code, StatusCode::MissingFiles);
        assert_eq!(
            check_files(None::<File>, &[], &ArchiveLimits::default()),
            Ok(())
        );
    }

    #[test]
    fn check_files_refuses_unsafe_names() {
        let archive = zip_with(&["a.msix", "../evil.dll"]);
        let errors =
            check_files(Some(archive), &["a.msix".into()], &ArchiveLimits::default()).unwrap_err();
        assert_eq!(errors[0].code, StatusCode::InvalidArchive);
        assert!(errors[0].details.contains("../evil.dll"), "{:?}", errors);
    }

    #[test]
    fn normalize_matches_the_store() {
        assert_eq!(normalize(".\\Packages\\App.MSIX"), "packages/app.msix");
        assert_eq!(normalize("//./a/B.png"), "a/b.png");
    }

    fn temp_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn windows_read_their_own_range() {
        let file = temp_with(b"0123456789");
        let whole = Window::whole(&file).unwrap();
        let mut middle = whole.sub(2, 5).unwrap();
        let mut text = String::new();
        middle.read_to_string(&mut text).unwrap();
        assert_eq!(text, "23456");
        middle.seek(SeekFrom::End(-1)).unwrap();
        let mut last = [0; 4];
        assert_eq!(middle.read(&mut last).unwrap(), 1);
        assert_eq!(&last[..1], b"6");
        assert!(whole.sub(8, 3).is_none());
        assert!(whole.sub(u64::MAX, 2).is_none());
    }

    fn stream_entries(
        bytes: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<Vec<(String, Vec<u8>)>, Fault> {
        let budget = Budget::new(limits);
        let mut source: &[u8] = bytes;
        let mut zip = StreamZip::new(&mut source, &budget, "test.zip");
        let mut out = Vec::new();
        while let Some(entry) = zip.next()? {
            let content = zip.read(&entry, |reader| {
                let mut content = Vec::new();
                reader
                    .read_to_end(&mut content)
                    .map_err(|err| fault_of(err, "test"))?;
                Ok(content)
            })?;
            out.push((entry.name, content));
        }
        Ok(out)
    }

    fn sample(style: ZipStyle) -> Vec<u8> {
        let mut zip = ZipBuilder::new(Cursor::new(Vec::new()), style);
        zip.add_bytes(
            "stored.bin",
            Method::Stored,
            b"stored PK\x07\x08 look-alike",
        )
        .unwrap();
        zip.add_bytes("deflated.txt", Method::Deflated(6), &b"hello ".repeat(1000))
            .unwrap();
        zip.add_bytes("empty", Method::Stored, b"").unwrap();
        zip.add_bytes("empty.z", Method::Deflated(6), b"").unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn streams_entries_with_and_without_data_descriptors() {
        for style in [
            ZipStyle::PLAIN,
            ZipStyle::MAKEAPPX,
            ZipStyle {
                data_descriptors: true,
                zip64: false,
                descriptor_signatures: true,
            },
        ] {
            let entries = stream_entries(&sample(style), &ArchiveLimits::default()).unwrap();
            let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
            assert_eq!(
                names,
                ["stored.bin", "deflated.txt", "empty", "empty.z"],
                "{style:?}"
            );
            assert_eq!(entries[0].1, b"stored PK\x07\x08 look-alike");
            assert_eq!(entries[1].1, b"hello ".repeat(1000));
            assert!(entries[2].1.is_empty() && entries[3].1.is_empty());
        }
    }

    #[test]
    fn seekable_reading_agrees_with_streaming() {
        for style in [ZipStyle::PLAIN, ZipStyle::MAKEAPPX] {
            let file = temp_with(&sample(style));
            let limits = ArchiveLimits::default();
            let budget = Budget::new(&limits);
            let mut zip =
                SeekZip::open(Window::whole(&file).unwrap(), &budget, "test.zip").unwrap();
            let index = zip.position("deflated.txt").unwrap();
            let mut content = Vec::new();
            zip.open_entry(index)
                .unwrap()
                .into_reader()
                .read_to_end(&mut content)
                .unwrap();
            assert_eq!(content, b"hello ".repeat(1000));
            let index = zip.position("stored.bin").unwrap();
            assert!(matches!(
                zip.open_entry(index).unwrap(),
                Entry::Stored { .. }
            ));
        }
    }

    #[test]
    fn stored_entry_without_a_signed_descriptor_is_unstreamable() {
        let mut bytes = sample(ZipStyle::MAKEAPPX);
        // Erase every descriptor signature: the stored entry's end can no longer be found.
        let mut at = 0;
        while let Some(found) = memchr::memmem::find(&bytes[at..], &DESCRIPTOR) {
            bytes[at + found..at + found + 4].copy_from_slice(b"XXXX");
            at += found + 4;
        }
        let err = stream_entries(&bytes, &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, Fault::Unstreamable(_)), "{err:?}");
    }

    #[test]
    fn corrupt_data_is_refused_while_streaming() {
        let good = sample(ZipStyle::MAKEAPPX);
        let truncated = &good[..good.len() / 2];
        let err = stream_entries(truncated, &ArchiveLimits::default()).unwrap_err();
        assert!(
            matches!(err, Fault::Archive(_) | Fault::Unstreamable(_)),
            "{err:?}"
        );
        let mut flipped = sample(ZipStyle::PLAIN);
        let at = memchr::memmem::find(&flipped, b"stored PK").unwrap();
        flipped[at] ^= 0xff;
        let err = stream_entries(&flipped, &ArchiveLimits::default()).unwrap_err();
        assert!(err.to_string().contains("CRC"), "{err}");
        let err = stream_entries(b"garbage!", &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, Fault::Archive(_)), "{err:?}");
    }

    #[test]
    fn a_lying_bomb_costs_no_more_than_the_limit() {
        let limits = ArchiveLimits {
            max_total_uncompressed: 50 << 20,
            max_compression_ratio: u64::MAX / 2,
            ..ArchiveLimits::default()
        };
        let budget = Budget::new(&limits);
        let compressed = fixtures::deflated_zeros(1024);
        let mut inflate = Inflate::new(compressed.as_slice(), budget.clone(), "bomb");
        let err = io::copy(&mut inflate, &mut io::sink()).unwrap_err();
        assert!(matches!(fault_of(err, "x"), Fault::Limit(_)));
        assert!(budget.produced() <= limits.max_total_uncompressed + (64 << 10));
    }

    #[test]
    fn a_bomb_is_stopped_by_the_live_ratio() {
        let limits = ArchiveLimits::default();
        let budget = Budget::new(&limits);
        let compressed = fixtures::deflated_zeros(1024);
        let mut inflate = Inflate::new(compressed.as_slice(), budget.clone(), "bomb");
        let err = io::copy(&mut inflate, &mut io::sink()).unwrap_err();
        let fault = fault_of(err, "x");
        assert!(fault.to_string().contains("ratio"), "{fault}");
        assert!(budget.produced() < 2 * LIVE_RATIO_SLACK);
    }

    #[test]
    fn zip64_end_records_with_real_32_bit_values_open() {
        let mut bytes = sample(ZipStyle::MAKEAPPX);
        let end = bytes.len() - 22;
        assert_eq!(&bytes[end..end + 4], b"PK\x05\x06");
        let locator = end - 20;
        let record = u64_at(&bytes, locator + 8) as usize;
        let (count, size, start) = (
            u64_at(&bytes, record + 32),
            u64_at(&bytes, record + 40),
            u64_at(&bytes, record + 48),
        );
        bytes[end + 8..end + 10].copy_from_slice(&(count as u16).to_le_bytes());
        bytes[end + 10..end + 12].copy_from_slice(&(count as u16).to_le_bytes());
        bytes[end + 12..end + 16].copy_from_slice(&(size as u32).to_le_bytes());
        bytes[end + 16..end + 20].copy_from_slice(&(start as u32).to_le_bytes());
        assert!(
            zip::ZipArchive::new(Cursor::new(&bytes)).is_err(),
            "the zip crate quirk is gone"
        );
        let file = temp_with(&bytes);
        let limits = ArchiveLimits::default();
        let budget = Budget::new(&limits);
        let zip = SeekZip::open(Window::whole(&file).unwrap(), &budget, "test.zip").unwrap();
        assert_eq!(zip.entries().len(), 4);
    }

    #[test]
    fn the_end_record_count_is_read_before_parsing() {
        for style in [ZipStyle::PLAIN, ZipStyle::MAKEAPPX] {
            let file = temp_with(&sample(style));
            assert_eq!(declared_entry_count(Window::whole(&file).unwrap()), Some(4));
        }
        let file = temp_with(b"short");
        assert_eq!(declared_entry_count(Window::whole(&file).unwrap()), None);
    }
}
