//! Records the API reads on every request (the caller's Azure AD client, an app with one of
//! its submissions), remembered while the database has not changed since they were read.
//!
//! Validity is one number, the backend's [`data version`](super::Backend::data_version):
//! for SQLite, a digest of the WAL-index header that every commit rewrites (see
//! `sqlite/data_version.rs`), which moves when any connection commits, in this process or
//! another (`storeroom admin seed` beside a running server). A read first takes the version, then looks here; an entry is used only
//! when it was stored under the version read now, so a commit that returned before the read
//! began is always seen. A backend without such a number (PostgreSQL, whose other instances
//! write without telling this one) answers `None`, and nothing is cached.
//!
//! The whole cache is dropped when the version moves (any write), and when it holds more
//! than [`BUDGET`] bytes of documents: simple, and the hot reads of a polling client refill
//! it at once.

use std::collections::HashMap;
use std::sync::Mutex;

use storeroom_domain::accounts::AadClient;
use storeroom_domain::store::AppWithSubmissionDoc;

/// Bytes of documents kept at most (their JSON length, a fair measure of their size).
const BUDGET: usize = 16 << 20;

/// What a cached read answered.
#[derive(Clone)]
pub(crate) enum Cached {
    Client(Option<AadClient>),
    AppWithSubmission(Option<AppWithSubmissionDoc>),
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Client(String),
    AppWithSubmission(String, String),
}

#[derive(Default)]
struct Entries {
    /// The data version every entry was read under.
    version: u64,
    map: HashMap<Key, Cached>,
    bytes: usize,
}

#[derive(Default)]
pub(crate) struct ReadCache {
    entries: Mutex<Entries>,
}

impl ReadCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What `key` read under `version`, if it was read under that version.
    pub(crate) fn get(&self, version: u64, key: &Key) -> Option<Cached> {
        let mut entries = self.entries();
        if entries.version != version {
            *entries = Entries {
                version,
                ..Entries::default()
            };
            return None;
        }
        entries.map.get(key).cloned()
    }

    /// Remembers what `key` read after the data version was `version`, `bytes` long. Read
    /// under a version that has since moved on, it is dropped: it may be older than what
    /// the store now holds.
    pub(crate) fn put(&self, version: u64, key: Key, value: Cached, bytes: usize) {
        let mut entries = self.entries();
        if entries.version != version {
            return;
        }
        if entries.bytes.saturating_add(bytes) > BUDGET {
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += bytes;
        entries.map.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::Client("c".into())
    }

    #[test]
    fn an_entry_serves_only_its_version() {
        let cache = ReadCache::default();
        assert!(cache.get(1, &key()).is_none());
        cache.put(1, key(), Cached::Client(None), 10);
        assert!(cache.get(1, &key()).is_some());
        // A write moved the version: the entry is gone, even for a reader of the old one.
        assert!(cache.get(2, &key()).is_none());
        assert!(cache.get(1, &key()).is_none());
    }

    #[test]
    fn a_read_under_an_old_version_is_not_kept() {
        let cache = ReadCache::default();
        assert!(cache.get(2, &key()).is_none());
        cache.put(1, key(), Cached::Client(None), 10);
        assert!(cache.get(2, &key()).is_none());
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let cache = ReadCache::default();
        assert!(cache.get(1, &key()).is_none());
        cache.put(1, key(), Cached::Client(None), BUDGET);
        let other = Key::Client("d".into());
        cache.put(1, other.clone(), Cached::Client(None), 1);
        assert!(cache.get(1, &key()).is_none());
        assert!(cache.get(1, &other).is_some());
    }
}
