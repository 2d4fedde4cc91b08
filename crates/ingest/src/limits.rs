//! What an uploaded archive may cost the server, and the accounting that enforces it.
//!
//! Declared sizes come from the archive itself, so they are checked but never relied on:
//! every byte a decompressor produces is charged to a [`Budget`] as it is produced, and
//! reading stops at the limit whatever the headers said.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

/// Limits applied to the submission ZIP and to every archive nested in it.
///
/// Bytes actually inflated are charged to one budget for the whole submission, at every
/// level: a package deflated inside the submission ZIP is charged once when the ZIP entry is
/// inflated and again for its own deflated files, as the server does that work twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Entries allowed in any one archive (the submission ZIP, or one package in it).
    pub max_entries: u64,
    /// Bytes of uncompressed data allowed: declared by the entries of any one archive, and
    /// actually inflated over the whole submission.
    pub max_total_uncompressed: u64,
    /// Uncompressed-to-compressed ratio allowed for one entry larger than
    /// [`RATIO_GRACE_BYTES`].
    pub max_compression_ratio: u64,
    /// Bytes of one `AppxManifest.xml` or `AppxBundleManifest.xml` read at most.
    pub max_manifest_bytes: u64,
    /// Archives allowed inside the submission ZIP, one inside the other: 3 covers a package
    /// inside a bundle inside an upload.
    pub max_nesting: u32,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            // Large games ship tens of thousands of files; 100k keeps a central directory
            // in memory to roughly 15 MB.
            max_entries: 100_000,
            // The Store takes packages of tens of GB, and streaming a deflated upload inflates
            // its content two or three times.
            max_total_uncompressed: 32 << 30,
            // Real package content rarely compresses past 20:1, while a deflate bomb reaches
            // ~1030:1.
            max_compression_ratio: 100,
            max_manifest_bytes: 1 << 20,
            max_nesting: 3,
        }
    }
}

/// Entries that expand to no more than this are exempt from the ratio rule: small, highly
/// repetitive files (XML, zero-filled resources) are legitimate and cost nothing.
pub const RATIO_GRACE_BYTES: u64 = 1 << 20;

/// A limit was reached; the message says which and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitExceeded(pub(crate) String);

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// What one inspection has spent so far, against its limits.
///
/// A cheap handle: every reader of one inspection holds a clone and charges the same
/// counters. Single-threaded on purpose, as an inspection runs on one blocking thread.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    state: Rc<BudgetState>,
}

#[derive(Debug)]
struct BudgetState {
    limits: ArchiveLimits,
    produced: Cell<u64>,
}

/// A saved state of a [`Budget`], to undo the charges of an attempt that is retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    produced: u64,
}

impl Budget {
    pub(crate) fn new(limits: &ArchiveLimits) -> Self {
        Self {
            state: Rc::new(BudgetState {
                limits: limits.clone(),
                produced: Cell::new(0),
            }),
        }
    }

    pub(crate) fn limits(&self) -> &ArchiveLimits {
        &self.state.limits
    }

    /// Bytes produced by decompression so far.
    #[cfg(test)]
    pub(crate) fn produced(&self) -> u64 {
        self.state.produced.get()
    }

    /// Charges `bytes` that a decompressor has just produced.
    pub(crate) fn produce(&self, bytes: u64) -> Result<(), LimitExceeded> {
        let total = self.state.produced.get().saturating_add(bytes);
        self.state.produced.set(total);
        if total > self.state.limits.max_total_uncompressed {
            return Err(LimitExceeded(format!(
                "the archive expands to more than {} bytes of uncompressed data",
                self.state.limits.max_total_uncompressed
            )));
        }
        Ok(())
    }

    /// Checks the running total of the sizes one archive's entries declare, `entry` being
    /// the last one counted.
    pub(crate) fn check_declared(&self, entry: &str, total: u64) -> Result<(), LimitExceeded> {
        if total > self.state.limits.max_total_uncompressed {
            return Err(LimitExceeded(format!(
                "entry '{entry}' brings the declared uncompressed size past the limit of {} bytes",
                self.state.limits.max_total_uncompressed
            )));
        }
        Ok(())
    }

    /// Checks the ratio of an entry's uncompressed to compressed size, declared or measured.
    pub(crate) fn check_ratio(
        &self,
        entry: &str,
        uncompressed: u64,
        compressed: u64,
    ) -> Result<(), LimitExceeded> {
        if exceeds_ratio(
            uncompressed,
            compressed,
            self.state.limits.max_compression_ratio,
        ) {
            return Err(LimitExceeded(format!(
                "entry '{entry}' expands {uncompressed} bytes from {compressed}, past the compression ratio limit of {}:1",
                self.state.limits.max_compression_ratio
            )));
        }
        Ok(())
    }

    /// Checks the number of entries seen so far in one archive.
    pub(crate) fn check_entries(&self, archive: &str, entries: u64) -> Result<(), LimitExceeded> {
        if entries > self.state.limits.max_entries {
            return Err(LimitExceeded(format!(
                "{archive} has more than {} entries",
                self.state.limits.max_entries
            )));
        }
        Ok(())
    }

    /// Checks the depth of an archive about to be opened (the submission ZIP is depth 0).
    pub(crate) fn check_depth(&self, archive: &str, depth: u32) -> Result<(), LimitExceeded> {
        if depth > self.state.limits.max_nesting {
            return Err(LimitExceeded(format!(
                "{archive} is nested {depth} archives deep, past the limit of {}",
                self.state.limits.max_nesting
            )));
        }
        Ok(())
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            produced: self.state.produced.get(),
        }
    }

    pub(crate) fn reset_to(&self, mark: Mark) {
        self.state.produced.set(mark.produced);
    }
}

/// The ratio rule itself, shared by the header check and the live check while inflating.
pub(crate) fn exceeds_ratio(uncompressed: u64, compressed: u64, max_ratio: u64) -> bool {
    uncompressed > RATIO_GRACE_BYTES && uncompressed > compressed.max(1).saturating_mul(max_ratio)
}

/// Rejects entry names that would escape an extraction directory: `..` segments, absolute
/// paths (either slash) and drive letters. Nothing is extracted here, but the Store refuses
/// such archives and a client that extracts them would be exposed.
pub fn check_entry_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an entry has an empty name".into());
    }
    if name.contains('\0') {
        return Err(format!(
            "entry '{}' has a NUL byte in its name",
            name.escape_default()
        ));
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Err(format!("entry '{name}' has an absolute path"));
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(format!("entry '{name}' names a drive"));
    }
    if name.split(['/', '\\']).any(|segment| segment == "..") {
        return Err(format!("entry '{name}' has a '..' segment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_inside_the_archive_pass() {
        for name in [
            "AppxManifest.xml",
            "Assets/Logo.png",
            "Assets\\Logo.png",
            "a/b..c/d",
            "..hidden",
            "[Content_Types].xml",
            "dir/",
        ] {
            assert_eq!(check_entry_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn escaping_entry_names_fail() {
        for (name, why) in [
            ("../evil.dll", "'..'"),
            ("a/../../evil", "'..'"),
            ("a\\..\\..\\evil", "'..'"),
            ("..", "'..'"),
            ("/etc/passwd", "absolute"),
            ("\\Windows\\evil", "absolute"),
            ("C:/Windows/evil.dll", "drive"),
            ("c:evil", "drive"),
            ("", "empty"),
            ("a\0b", "NUL"),
        ] {
            let err = check_entry_name(name).unwrap_err();
            assert!(err.contains(why), "{name}: {err}");
        }
    }

    #[test]
    fn production_stops_at_the_limit() {
        let limits = ArchiveLimits {
            max_total_uncompressed: 100,
            ..ArchiveLimits::default()
        };
        let budget = Budget::new(&limits);
        assert!(budget.produce(60).is_ok());
        assert!(budget.produce(40).is_ok());
        assert!(budget.produce(1).is_err());
        assert_eq!(budget.produced(), 101);
    }

    #[test]
    fn declared_totals_are_checked_against_the_limit() {
        let limits = ArchiveLimits {
            max_total_uncompressed: 100,
            ..ArchiveLimits::default()
        };
        let budget = Budget::new(&limits);
        assert!(budget.check_declared("a", 100).is_ok());
        let err = budget.check_declared("b", 101).unwrap_err();
        assert!(err.0.contains("'b'"), "{err}");
    }

    #[test]
    fn a_mark_undoes_later_charges() {
        let limits = ArchiveLimits {
            max_total_uncompressed: 100,
            ..ArchiveLimits::default()
        };
        let budget = Budget::new(&limits);
        budget.produce(60).unwrap();
        let mark = budget.mark();
        budget.produce(40).unwrap();
        budget.reset_to(mark);
        assert_eq!(budget.produced(), 60);
        assert!(budget.produce(40).is_ok());
    }

    #[test]
    fn ratio_applies_past_the_grace_size() {
        let limits = ArchiveLimits::default();
        let budget = Budget::new(&limits);
        assert!(budget.check_ratio("small", RATIO_GRACE_BYTES, 1).is_ok());
        assert!(budget.check_ratio("fair", 100 << 20, 1 << 20).is_ok());
        let err = budget.check_ratio("bomb", 101 << 20, 1 << 20).unwrap_err();
        assert!(err.0.contains("'bomb'") && err.0.contains("100:1"), "{err}");
        assert!(budget.check_ratio("empty", 2 << 20, 0).is_err());
    }

    #[test]
    fn entries_and_depth_are_bounded() {
        let limits = ArchiveLimits {
            max_entries: 3,
            max_nesting: 2,
            ..ArchiveLimits::default()
        };
        let budget = Budget::new(&limits);
        assert!(budget.check_entries("x", 3).is_ok());
        assert!(budget.check_entries("x", 4).is_err());
        assert!(budget.check_depth("x", 2).is_ok());
        assert!(budget.check_depth("x", 3).is_err());
    }
}
