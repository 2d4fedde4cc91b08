//! Optimistic concurrency on submissions, the same on every backend.
//!
//! A transaction remembers the version of each submission it read; writing one back is a
//! compare-and-swap on that version. Both backends also serialize their transactions, so in
//! a single process the swap never fails; it is the guarantee that holds whatever the
//! locking does: a submission is never overwritten by a writer that did not see the latest
//! change (the loser gets 409 `InvalidState` and reads again), not even by an older binary or
//! a hand-run script that bumps the version.

use std::collections::HashMap;

use storeroom_domain::store::StoreError;

#[derive(Debug, Default)]
pub(crate) struct ReadVersions(HashMap<String, i64>);

impl ReadVersions {
    /// Records the version a read (or this transaction's own write) saw.
    pub(crate) fn saw(&mut self, id: &str, version: i64) {
        self.0.insert(id.to_string(), version);
    }

    /// The version this transaction last saw of `id`, if it read or wrote it.
    pub(crate) fn get(&self, id: &str) -> Option<i64> {
        self.0.get(id).copied()
    }

    pub(crate) fn forget(&mut self, id: &str) {
        self.0.remove(id);
    }
}

/// The submission changed (or was deleted) since this transaction read it.
pub(crate) fn conflict(id: &str) -> StoreError {
    StoreError::Conflict {
        message: format!(
            "Submission {id} was changed by another request while this one was processed. Get it again and retry."
        ),
        target: "submissionId".into(),
    }
}
