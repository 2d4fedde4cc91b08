//! The database's data version, read on every cached read (see `sql::read_cache`): a
//! number that moves whenever any connection, of this process or another, commits.
//!
//! The answer is SQLite's own test for "has the database changed?". A connection in WAL
//! mode starting a read compares the WAL-index header in `<db>-shm` with the copy it saw
//! last, and drops its page cache when they differ (`walIndexTryHdr` in `wal.c`); every
//! commit rewrites that header (its change counter, last frame and checksum). Here the
//! header is read from a read-only mapping of the file, as SQLite reads it from its own,
//! and digested. `PRAGMA data_version` asks the same question through a read transaction:
//! two `fcntl` locks on the `-shm` file and a mutex around the one connection that asks. At
//! two cached reads per polled GET, that was a tenth of the server's CPU; a `pread` of the
//! header was still a twentieth (the system call); the mapping's loads are not measurable.
//!
//! The header's layout is SQLite's documented file format (sqlite.org/walformat.html, "The
//! WAL-Index Header"): two copies of a 48-byte header, written second copy first; a reader
//! takes them as valid only when both copies agree and `isInit` is set. Whenever they do not
//! (a commit is writing them at this instant, the file is missing or short), the probe asks
//! the pragma instead.
//!
//! The `-shm` file is read only while the probe's own connection is open. A WAL database
//! deletes its `-shm` file only when its last connection closes, and truncates it only when
//! a connection opens it first; both need an exclusive lock, which any open connection's
//! shared lock refuses. So while the probe is open the file mapped is the one every writer
//! updates, never a deleted copy, and it never shrinks under the mapping.

use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{Ordering, fence};
use std::sync::{Arc, Mutex, RwLock};

use memmap2::{Mmap, MmapOptions};
use rusqlite::{Connection, OpenFlags};

/// Bytes of one copy of the WAL-index header.
const HEADER: usize = 48;
/// The offset of `isInit` in a header copy.
const IS_INIT: usize = 12;

/// Reads the data version of one database file.
pub(super) struct DataVersion {
    path: PathBuf,
    open: RwLock<Option<Arc<Probe>>>,
}

/// A read-only connection that only ever asks `PRAGMA data_version` (it never writes, so
/// every commit moves the number it sees), and the `-shm` file it keeps in place.
struct Probe {
    connection: Mutex<Connection>,
    wal_index: Option<WalIndex>,
}

/// The two copies of the WAL-index header at the start of the `-shm` file, mapped.
struct WalIndex(Mmap);

impl WalIndex {
    /// Maps the header of `file`, when the file is long enough to hold one.
    fn map(file: &File) -> Option<Self> {
        if file.metadata().ok()?.len() < (2 * HEADER) as u64 {
            return None;
        }
        // SAFETY: the mapping is only read, with volatile loads ([`WalIndex::copies`]), as
        // SQLite reads the same bytes through its own shared mapping while other
        // connections write them; and it stays within the file, which holds these bytes
        // now and never shrinks while the probe's connection is open (see the module's
        // documentation).
        let map = unsafe { MmapOptions::new().len(2 * HEADER).map(file) }.ok()?;
        Some(Self(map))
    }

    /// The two copies, the first read first: a writer writes the second first, so copies
    /// read equal were both written by the same commit (SQLite's `walIndexTryHdr`).
    fn copies(&self) -> [u8; 2 * HEADER] {
        let mut copies = [0u8; 2 * HEADER];
        let mapped = self.0.as_ptr();
        for (offset, byte) in copies.iter_mut().enumerate() {
            if offset == HEADER {
                fence(Ordering::Acquire);
            }
            // SAFETY: `offset` < 2 * HEADER, the mapping's length.
            *byte = unsafe { mapped.add(offset).read_volatile() };
        }
        copies
    }
}

impl DataVersion {
    pub(super) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            open: RwLock::default(),
        }
    }

    /// The current data version; `None` when it cannot be read (nothing is cached then).
    pub(super) fn read(&self) -> Option<u64> {
        let probe = self.probe()?;
        if let Some(version) = probe.wal_index_version() {
            return Some(version);
        }
        match probe.pragma_version() {
            Ok(version) => Some(version),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the database's data version");
                // Opened again on the next read.
                let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
                if open.as_ref().is_some_and(|open| Arc::ptr_eq(open, &probe)) {
                    *open = None;
                }
                None
            }
        }
    }

    /// The open probe, opening it on first use (and again after a failure).
    fn probe(&self) -> Option<Arc<Probe>> {
        if let Some(probe) = &*self.open.read().unwrap_or_else(|p| p.into_inner()) {
            return Some(probe.clone());
        }
        let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
        if let Some(probe) = &*open {
            return Some(probe.clone());
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.path, flags).ok()?;
        let probe = Probe {
            connection: Mutex::new(connection),
            wal_index: None,
        };
        // The first read maps the WAL index (creating `-shm` if no connection had yet).
        probe.pragma_version().ok()?;
        let mut shm = self.path.clone().into_os_string();
        shm.push("-shm");
        let probe = Arc::new(Probe {
            wal_index: File::open(shm).ok().as_ref().and_then(WalIndex::map),
            ..probe
        });
        *open = Some(probe.clone());
        Some(probe)
    }
}

impl Probe {
    /// A digest of the WAL-index header, when both copies agree and it is initialised.
    fn wal_index_version(&self) -> Option<u64> {
        let copies = self.wal_index.as_ref()?.copies();
        let (first, second) = copies.split_at(HEADER);
        if first != second || first[IS_INIT] == 0 {
            return None;
        }
        // Fixed keys: the same header digests the same in every call.
        let mut digest = DefaultHasher::new();
        digest.write(first);
        Some(digest.finish())
    }

    fn pragma_version(&self) -> rusqlite::Result<u64> {
        let connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        let version = connection
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get::<_, i64>(0))?;
        Ok(version as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> (tempfile::TempDir, PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        (dir, path, writer)
    }

    #[test]
    fn every_commit_moves_the_version_and_reads_do_not() {
        let (_dir, path, writer) = database();
        let version = DataVersion::new(&path);
        let probe = version.probe().unwrap();
        assert!(
            probe.wal_index_version().is_some(),
            "read from the WAL index"
        );
        let mut seen = vec![version.read().unwrap()];
        for n in 0..5 {
            writer.execute("INSERT INTO t VALUES (?1)", [n]).unwrap();
            let now = version.read().unwrap();
            assert!(!seen.contains(&now), "commit {n} moved the version");
            let count: i64 = writer
                .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
                .unwrap();
            assert_eq!(count, n + 1);
            assert_eq!(version.read(), Some(now), "a read does not move it");
            seen.push(now);
        }
        // Another connection's commit (as another process's would) moves it too.
        let other = Connection::open(&path).unwrap();
        other.execute("INSERT INTO t VALUES (9)", []).unwrap();
        assert!(!seen.contains(&version.read().unwrap()));
    }

    #[test]
    fn a_header_is_read_only_when_both_copies_agree_and_it_is_initialised() {
        let (dir, path, _writer) = database();
        let read = |copies: &[u8]| {
            let file = dir.path().join("shm");
            std::fs::write(&file, copies).unwrap();
            Probe {
                connection: Mutex::new(Connection::open(&path).unwrap()),
                wal_index: WalIndex::map(&File::open(&file).unwrap()),
            }
            .wal_index_version()
        };
        let mut header = [7u8; HEADER];
        header[IS_INIT] = 1;
        let mut other = header;
        other[20] = 8;
        assert!(read(&[header, header].concat()).is_some());
        assert_ne!(
            read(&[header, header].concat()),
            read(&[other, other].concat())
        );
        assert_eq!(read(&[header, other].concat()), None, "being written");
        assert_eq!(read(&header), None, "short");
        header[IS_INIT] = 0;
        assert_eq!(read(&[header, header].concat()), None, "not initialised");
    }

    #[test]
    fn without_a_wal_index_the_pragma_answers() {
        let (_dir, path, writer) = database();
        let bare = Probe {
            connection: Mutex::new(Connection::open(&path).unwrap()),
            wal_index: None,
        };
        assert_eq!(bare.wal_index_version(), None);
        let before = bare.pragma_version().unwrap();
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_ne!(bare.pragma_version().unwrap(), before);
    }
}
