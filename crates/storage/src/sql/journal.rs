//! [`JournalStore`]: the request journal, over any [`Backend`].
//!
//! Entries are numbered in order and carry the bytes of every entry before them
//! (`bytes_before`), so both bounds trim with an index range: by count below the newest id
//! less the bound (ids have no gaps: entries are only ever removed oldest first, or all),
//! by size below the newest running total less the bound.

use async_trait::async_trait;
use storeroom_domain::opsstate::{Appended, JournalBounds, JournalEntry, JournalStore};
use storeroom_domain::store::StoreResult;

use super::store::{millis, required};
use super::{Arg, Backend, RowAccess, SqlStore, from_doc, to_doc};

fn entry(row: &impl RowAccess) -> StoreResult<JournalEntry> {
    let mut entry: JournalEntry = from_doc(&required(row, 1)?)?;
    entry.id = row.int(0)?.unwrap_or_default();
    Ok(entry)
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
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
        for entry in entries {
            let doc = to_doc(entry)?;
            let size = doc.len() as i64;
            let client = entry.client_id.as_deref().map(str::to_ascii_lowercase);
            id += 1;
            tx.execute(
                "INSERT INTO journal (id, at, client_id, status, size, bytes_before, doc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Arg::Int(id),
                    Arg::Int(millis(entry.time)),
                    Arg::from(client.as_deref()),
                    Arg::Int(i64::from(entry.status)),
                    Arg::Int(size),
                    Arg::Int(total),
                    Arg::Text(&doc),
                ],
            )
            .await?;
            total += size;
            ids.push(id);
        }
        let by_count = tx
            .fetch(
                "DELETE FROM journal WHERE id <= $1 RETURNING id",
                &[Arg::Int(id.saturating_sub(clamp(bounds.max_entries)))],
            )
            .await?;
        let by_size = tx
            .fetch(
                "DELETE FROM journal WHERE bytes_before < $1 RETURNING id",
                &[Arg::Int(total.saturating_sub(clamp(bounds.max_bytes)))],
            )
            .await?;
        tx.finish().await?;
        Ok(Appended {
            ids,
            trimmed: (by_count.len() + by_size.len()) as u64,
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
                "SELECT id, doc FROM journal WHERE id < $1 AND ($2 < 0 OR status = $2)
                 AND ($3 IS NULL OR client_id = $3) ORDER BY id DESC LIMIT $4",
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
        tx.finish().await
    }
}
