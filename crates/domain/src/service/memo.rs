//! Submissions parsed from their stored documents, shared while a document stays the same.
//!
//! A polling client reads one submission many times a second, and parsing its document and
//! rendering the response were most of such a read's work. The memo keeps, per submission
//! id, the document text last parsed and what was parsed from it, with a slot for the
//! response rendered from it ([`Parsed::rendered`]). A read whose document is the same text
//! reuses both. Validity is the text itself, compared whole: whatever wrote the document
//! (this instance, another sharing PostgreSQL, a snapshot restore), a changed document is
//! parsed afresh, and an unchanged one parses to the same submission.
//!
//! The memo holds at most [`BUDGET`] bytes of document text (the parsed and rendered forms
//! are of the same order); beyond, it starts over, as the store's read cache does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;

use crate::error::DomainResult;

/// Bytes of document text kept at most.
const BUDGET: usize = 8 << 20;

/// A value parsed from one exact document, and its rendering once a reader made one.
pub struct Parsed<T> {
    pub value: T,
    rendered: OnceLock<Bytes>,
}

impl<T> Parsed<T> {
    fn new(value: T) -> Self {
        Self {
            value,
            rendered: OnceLock::new(),
        }
    }

    /// The response body of this exact document, rendered by `render` for the first reader
    /// only. `render` must depend on nothing but the value (and settings fixed for the
    /// process's life), since every later reader of the same document gets its bytes.
    pub fn rendered(&self, render: impl FnOnce(&T) -> Bytes) -> Bytes {
        self.rendered.get_or_init(|| render(&self.value)).clone()
    }
}

/// Reads as the value it holds.
impl<T> std::ops::Deref for Parsed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Parsed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

struct Entry<T> {
    doc: Arc<str>,
    parsed: Arc<Parsed<T>>,
}

struct Entries<T> {
    map: HashMap<String, Entry<T>>,
    bytes: usize,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            bytes: 0,
        }
    }
}

pub struct Memo<T> {
    entries: Mutex<Entries<T>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T> Memo<T> {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries<T>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What `doc`, the stored document of `id`, parses to: the memo's when it parsed this
    /// same text last, else `parse`'s (kept for the next read when it succeeds).
    pub fn parsed(
        &self,
        id: &str,
        doc: Arc<str>,
        parse: impl FnOnce(&str) -> DomainResult<T>,
    ) -> DomainResult<Arc<Parsed<T>>> {
        if let Some(entry) = self.entries().map.get(id)
            && entry.doc == doc
        {
            return Ok(entry.parsed.clone());
        }
        let parsed = Arc::new(Parsed::new(parse(&doc)?));
        let mut entries = self.entries();
        if entries.bytes.saturating_add(doc.len()) > BUDGET {
            *entries = Entries::default();
        }
        entries.bytes += doc.len();
        let entry = Entry {
            doc,
            parsed: parsed.clone(),
        };
        if let Some(old) = entries.map.insert(id.to_string(), entry) {
            entries.bytes -= old.doc.len();
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DomainError;

    fn length(doc: &str) -> DomainResult<usize> {
        Ok(doc.len())
    }

    #[test]
    fn the_same_document_is_parsed_and_rendered_once() {
        let memo = Memo::default();
        let first = memo.parsed("a", "{}".into(), length).unwrap();
        let again = memo
            .parsed("a", "{}".into(), |_| panic!("parsed twice"))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(first.rendered(|n| Bytes::from(n.to_string())), "2");
        assert_eq!(again.rendered(|_| panic!("rendered twice")), "2");
    }

    #[test]
    fn a_changed_document_is_parsed_afresh() {
        let memo = Memo::default();
        let first = memo.parsed("a", "{}".into(), length).unwrap();
        let changed = memo.parsed("a", "{ }".into(), length).unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert_eq!(changed.value, 3);
        // Another id with the same text is its own entry.
        let other = memo.parsed("b", "{}".into(), length).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
    }

    #[test]
    fn a_refusal_is_not_kept() {
        let memo = Memo::<usize>::default();
        let refused = memo.parsed("a", "{}".into(), |_| {
            Err(DomainError::not_found("gone", "submissionId"))
        });
        assert!(refused.is_err());
        assert_eq!(memo.parsed("a", "{}".into(), length).unwrap().value, 2);
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let memo = Memo::default();
        let big = "x".repeat(BUDGET);
        memo.parsed("a", big.into(), length).unwrap();
        memo.parsed("b", "{}".into(), length).unwrap();
        assert_eq!(memo.entries().map.len(), 1);
        assert!(memo.entries().bytes <= BUDGET);
    }
}
