//! [`JournalStore`]: the request journal, over any [`Backend`].
//!
//! Entries are numbered in order and carry the bytes of every entry before them
//! (`bytes_before`), so both bounds trim one range of ids, the oldest: by count below the
//! newest id less the bound (ids have no gaps: entries are only ever removed oldest first,
//! or all), by size below the oldest entry whose running total is within the bound of the
//! newest. The id is the only index: each index was paid for by every entry written and
//! trimmed, several times a millisecond under load.
//!
//! Bodies of [`SHARED_BODY`] bytes or more are stored once in `journal_bodies`, named by
//! their SHA-256, and entries refer to them: a polled resource answers the same body
//! thousands of times a second, and the journal then writes each such body once per flush
//! instead of once per request. A body row records the newest entry that refers to it, and
//! goes once every entry up to that one is trimmed. Entries stored before this scheme keep
//! their bodies in their document, and read back the same.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use storeroom_domain::opsstate::{Appended, ByContent, JournalBounds, JournalEntry, JournalStore};
use storeroom_domain::store::StoreResult;

use super::store::{millis, required};
use super::{Arg, Backend, RowAccess, SqlStore, from_doc, to_doc};
use crate::blobs::hex;

/// Bodies this long or longer are stored once and shared by the entries that carry them;
/// shorter ones stay in their entry's document (cheaper than a row of their own).
const SHARED_BODY: usize = 256;

/// An entry's columns and its bodies, newest first (`$1`: before this id, `$2`: status or
/// -1, `$3`: client id or NULL, `$4`: how many).
const PAGE: &str = "SELECT j.id, j.doc, q.body, r.body FROM journal j
     LEFT JOIN journal_bodies q ON q.hash = j.request_body_ref
     LEFT JOIN journal_bodies r ON r.hash = j.response_body_ref
     WHERE j.id < $1 AND ($2 < 0 OR j.status = $2) AND ($3 IS NULL OR j.client_id = $3)
     ORDER BY j.id DESC LIMIT $4";

fn entry(row: &impl RowAccess) -> StoreResult<JournalEntry> {
    let mut entry: JournalEntry = from_doc(&required(row, 1)?)?;
    entry.id = row.int(0)?.unwrap_or_default();
    if let Some(body) = row.text(2)? {
        entry.request_body = Some(body);
    }
    if let Some(body) = row.text(3)? {
        entry.response_body = Some(body);
    }
    Ok(entry)
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The entry as its `doc` keeps it: with the bodies that stay inline only (the shared ones
/// are columns). Built field by field so that a shared body is not copied only to be dropped.
fn document(entry: &JournalEntry, inline_request: bool, inline_response: bool) -> JournalEntry {
    let inline = |body: &Option<String>, keep: bool| body.as_ref().filter(|_| keep).cloned();
    JournalEntry {
        id: entry.id,
        time: entry.time,
        client_id: entry.client_id.clone(),
        method: entry.method.clone(),
        path: entry.path.clone(),
        status: entry.status,
        latency_ms: entry.latency_ms,
        correlation_id: entry.correlation_id.clone(),
        request_body: inline(&entry.request_body, inline_request),
        response_body: inline(&entry.response_body, inline_response),
        fault_id: entry.fault_id.clone(),
    }
}

/// A shared body of the batch: its name and the newest entry of the batch carrying it.
struct SharedBody {
    hash: String,
    last_entry: i64,
}

/// The shared bodies of one batch, in the order they first appear.
#[derive(Default)]
struct SharedBodies<'a> {
    by_text: HashMap<ByContent<&'a str>, usize>,
    bodies: Vec<(&'a str, SharedBody)>,
}

impl<'a> SharedBodies<'a> {
    /// The name `body` is stored under, when it is shared, and the bytes it adds to the
    /// batch (its length the first time the batch carries it, else nothing).
    fn share(&mut self, body: Option<&'a str>, entry: i64) -> (Option<String>, usize) {
        let Some(body) = body.filter(|body| body.len() >= SHARED_BODY) else {
            return (None, 0);
        };
        match self.by_text.entry(ByContent(body)) {
            Entry::Occupied(known) => {
                let shared = &mut self.bodies[*known.get()].1;
                shared.last_entry = entry;
                (Some(shared.hash.clone()), 0)
            }
            Entry::Vacant(new) => {
                new.insert(self.bodies.len());
                let hash = hex(&Sha256::digest(body.as_bytes()));
                self.bodies.push((
                    body,
                    SharedBody {
                        hash: hash.clone(),
                        last_entry: entry,
                    },
                ));
                (Some(hash), body.len())
            }
        }
    }
}

#[async_trait]
impl<B: Backend> JournalStore for SqlStore<B> {
    async fn append_journal(
        &self,
        entries: &[JournalEntry],
        bounds: JournalBounds,
    ) -> StoreResult<Appended> {
        let mut tx = self.transaction().await?;
        let newest = tx
            .fetch(
                "SELECT id, bytes_before + size FROM journal ORDER BY id DESC LIMIT 1",
                &[],
            )
            .await?;
        let (mut id, mut total) = match newest.first() {
            Some(row) => (
                row.int(0)?.unwrap_or_default(),
                row.int(1)?.unwrap_or_default(),
            ),
            None => (0, 0),
        };
        let mut ids = Vec::with_capacity(entries.len());
        let mut shared = SharedBodies::default();
        for entry in entries {
            id += 1;
            let (request_ref, request_bytes) = shared.share(entry.request_body.as_deref(), id);
            let (response_ref, response_bytes) = shared.share(entry.response_body.as_deref(), id);
            let doc = to_doc(&document(
                entry,
                request_ref.is_none(),
                response_ref.is_none(),
            ))?;
            // What the entry adds to the journal: its document, and the bodies it is the
            // first of the batch to carry.
            let size = (doc.len() + request_bytes + response_bytes) as i64;
            let client = entry.client_id.as_deref().map(str::to_ascii_lowercase);
            tx.execute(
                "INSERT INTO journal (id, at, client_id, status, size, bytes_before, doc,
                     request_body_ref, response_body_ref)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    Arg::Int(id),
                    Arg::Int(millis(entry.time)),
                    Arg::from(client.as_deref()),
                    Arg::Int(i64::from(entry.status)),
                    Arg::Int(size),
                    Arg::Int(total),
                    Arg::Text(&doc),
                    Arg::from(request_ref.as_deref()),
                    Arg::from(response_ref.as_deref()),
                ],
            )
            .await?;
            total += size;
            ids.push(id);
        }
        for (body, shared) in &shared.bodies {
            tx.execute(
                "INSERT INTO journal_bodies (hash, body, last_entry) VALUES ($1, $2, $3)
                 ON CONFLICT (hash) DO UPDATE SET last_entry = excluded.last_entry",
                &[
                    Arg::Text(&shared.hash),
                    Arg::Text(body),
                    Arg::Int(shared.last_entry),
                ],
            )
            .await?;
        }
        // The first entry both bounds keep: `bytes_before` rises with `id`, so the size bound
        // keeps every entry from the oldest one the bytes after it fit in. Walking ids from the
        // oldest visits only the entries that go (no index on `bytes_before` to keep up).
        let kept_by_size = tx
            .fetch(
                "SELECT id FROM journal WHERE bytes_before >= $1 ORDER BY id LIMIT 1",
                &[Arg::Int(total.saturating_sub(clamp(bounds.max_bytes)))],
            )
            .await?;
        let kept_by_size = match kept_by_size.first() {
            Some(row) => row.int(0)?.unwrap_or_default(),
            // Not even the newest entry fits: all go.
            None => id + 1,
        };
        let kept_by_count = id.saturating_sub(clamp(bounds.max_entries)) + 1;
        let trimmed = tx
            .fetch(
                "DELETE FROM journal WHERE id < $1 RETURNING id",
                &[Arg::Int(kept_by_count.max(kept_by_size))],
            )
            .await?;
        // Bodies whose every entry is gone (entries go oldest first).
        tx.execute(
            "DELETE FROM journal_bodies
             WHERE last_entry < (SELECT coalesce(min(id), $1) FROM journal)",
            &[Arg::Int(i64::MAX)],
        )
        .await?;
        tx.finish().await?;
        Ok(Appended {
            ids,
            trimmed: trimmed.len() as u64,
        })
    }

    async fn journal_page(
        &self,
        before: Option<i64>,
        status: Option<u16>,
        client_id: Option<&str>,
        count: u32,
    ) -> StoreResult<Vec<JournalEntry>> {
        let client = client_id.map(str::to_ascii_lowercase);
        let rows = self
            .backend
            .fetch(
                PAGE,
                &[
                    Arg::Int(before.unwrap_or(i64::MAX)),
                    Arg::Int(status.map_or(-1, i64::from)),
                    Arg::from(client.as_deref()),
                    Arg::Int(i64::from(count)),
                ],
            )
            .await?;
        rows.iter().map(entry).collect()
    }

    async fn clear_journal(&self) -> StoreResult<()> {
        let mut tx = self.transaction().await?;
        tx.execute("DELETE FROM journal", &[]).await?;
        tx.execute("DELETE FROM journal_bodies", &[]).await?;
        tx.finish().await
    }
}
