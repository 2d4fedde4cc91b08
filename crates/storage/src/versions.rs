//! Optimistic concurrency on versioned records (devcenter submissions, MSI products and
//! submissions), the same on every backend.
//!
//! A transaction remembers the version of each record it read; writing one back is a
//! compare-and-swap on that version. Both backends also serialize their transactions, so in
//! a single process the swap never fails; it is the guarantee that holds whatever the
//! locking does: a record is never overwritten by a writer that did not see the latest
//! change (the loser gets 409 `InvalidState` and reads again), not even by an older binary or
//! a hand-run script that bumps the version.

use std::collections::HashMap;

use storeroom_domain::store::StoreError;

/// The kinds of versioned records: each table has a `version` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Versioned {
    Submission,
    MsiProduct,
    MsiSubmission,
    Offer,
    OfferSubmission,
}

impl Versioned {
    /// The record changed (or was deleted) since this transaction read it.
    pub(crate) fn conflict(self, id: &str) -> StoreError {
        let (what, target) = match self {
            Self::Submission | Self::MsiSubmission | Self::OfferSubmission => {
                ("Submission", "submissionId")
            }
            Self::Offer => ("Product", "productId"),
            Self::MsiProduct => ("Product", "productId"),
        };
        StoreError::Conflict {
            message: format!(
                "{what} {id} was changed by another request while this one was processed. Get it again and retry."
            ),
            target: target.into(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct ReadVersions(HashMap<(Versioned, String), i64>);

impl ReadVersions {
    /// Records the version a read (or this transaction's own write) saw.
    pub(crate) fn saw(&mut self, kind: Versioned, id: &str, version: i64) {
        self.0.insert((kind, id.to_string()), version);
    }

    /// The version this transaction last saw of `id`, if it read or wrote it.
    pub(crate) fn get(&self, kind: Versioned, id: &str) -> Option<i64> {
        self.0.get(&(kind, id.to_string())).copied()
    }

    pub(crate) fn forget(&mut self, kind: Versioned, id: &str) {
        self.0.remove(&(kind, id.to_string()));
    }
}
