//! [`OpsStore`]: the request journal, fault rules and snapshots, over any [`Backend`].
//!
//! Snapshots are row copies: each catalogue and account table has a `snapshot_<table>`
//! twin (migration 0015) holding the rows of every snapshot under its name, so saving and
//! restoring are a few `INSERT … SELECT` statements in one transaction, the same SQL on
//! both backends, and never leave the database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use storeroom_domain::opsstate::{
    Appended, FaultRule, FaultSet, JournalBounds, JournalEntry, OpsStore, OpsTransaction,
    SnapshotInfo,
};
use storeroom_domain::store::StoreResult;

use super::store::{millis, required};
use super::transaction::SqlTransaction;
use super::{Arg, Backend, RowAccess, SqlStore, from_doc, to_doc};

/// The setting that changes with every change to the fault rules or zombies.
const FAULT_GENERATION: &str = "fault_generation";

/// `faults.remaining` of a rule without `times`.
const UNLIMITED: i64 = -1;

/// The statements that copy one table into its snapshot twin and back.
struct Copied {
    save: &'static str,
    clear: &'static str,
    restore: &'static str,
    forget: &'static str,
}

/// [`Copied`] for `$table` with `$columns`, restored in `$order` (the order new rows get
/// their listing places in; an app's `position` is numbered again by its trigger).
macro_rules! copied {
    ($table:literal, $columns:literal, $order:literal) => {
        Copied {
            save: concat!(
                "INSERT INTO snapshot_",
                $table,
                " (snapshot, ",
                $columns,
                ") SELECT $1, ",
                $columns,
                " FROM ",
                $table
            ),
            clear: concat!("DELETE FROM ", $table),
            restore: concat!(
                "INSERT INTO ",
                $table,
                " (",
                $columns,
                ") SELECT ",
                $columns,
                " FROM snapshot_",
                $table,
                " WHERE snapshot = $1 ORDER BY ",
                $order
            ),
            forget: concat!("DELETE FROM snapshot_", $table, " WHERE snapshot = $1"),
        }
    };
}

/// Accounts: kept by a reset, saved and restored by snapshots. Parents first.
const ACCOUNTS: &[Copied] = &[
    copied!("tenants", "id, domain, doc", "id"),
    copied!("sellers", "id, doc", "id"),
    copied!("clients", "client_id, tenant_id, doc", "client_id"),
    copied!(
        "client_keys",
        "key_id, client_id, created_at, doc",
        "created_at, key_id"
    ),
];

/// The catalogue: removed by a reset, saved and restored by snapshots. A job's lease is
/// not copied: a restored job is ready for any runner.
const CATALOGUE: &[Copied] = &[
    copied!("applications", "id, seller_id, seq, doc", "seq, id"),
    copied!(
        "submissions",
        "id, product_id, product_kind, status, doc, version",
        "id"
    ),
    copied!(
        "jobs",
        "queue, submission_id, step, run_at, attempts, last_error",
        "run_at"
    ),
    copied!("reports", "id, submission_id, created_at, doc", "id"),
    copied!("flights", "id, app_id, seq, doc", "seq, id"),
    copied!(
        "in_app_products",
        "id, seller_id, product_id, seq, doc",
        "seq, id"
    ),
    copied!("flight_groups", "id, doc", "id"),
    copied!(
        "msi_products",
        "id, seller_id, seq, doc, version",
        "seq, id"
    ),
    copied!(
        "msi_submissions",
        "id, product_id, status, doc, version",
        "id"
    ),
    copied!(
        "ingestion_offers",
        "id, seller_id, position, offer_key, resource_type, doc, version",
        "position, id"
    ),
    copied!(
        "ingestion_submissions",
        "id, product_id, number, doc, version",
        "number, id"
    ),
];

/// The apps' per-seller counts, rebuilt by the trigger as restored apps are inserted.
const CLEAR_APPLICATION_COUNTS: &str = "DELETE FROM application_counts";

/// What a reset removes beside the catalogue.
const OPERATIONS: &[&str] = &[
    "DELETE FROM journal",
    "DELETE FROM faults",
    "DELETE FROM fault_zombies",
];

fn entry(row: &impl RowAccess) -> StoreResult<JournalEntry> {
    let mut entry: JournalEntry = from_doc(&required(row, 1)?)?;
    entry.id = row.int(0)?.unwrap_or_default();
    Ok(entry)
}

fn rule(row: &impl RowAccess) -> StoreResult<FaultRule> {
    let mut rule: FaultRule = from_doc(&required(row, 1)?)?;
    let left = row.int(0)?.unwrap_or(UNLIMITED);
    rule.remaining = (left != UNLIMITED).then(|| u32::try_from(left.max(0)).unwrap_or(u32::MAX));
    Ok(rule)
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl<B: Backend> SqlTransaction<B> {
    async fn bump_fault_generation(&mut self) -> StoreResult<()> {
        use storeroom_domain::store::Transaction;
        self.put_setting(FAULT_GENERATION, &storeroom_domain::ids::guid())
            .await
    }

    async fn run_all(&mut self, statements: &[&'static str], args: &[Arg<'_>]) -> StoreResult<()> {
        for sql in statements {
            self.execute(sql, args).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> OpsStore for SqlStore<B> {
    async fn append_journal(
        &self,
        entries: &[JournalEntry],
        bounds: JournalBounds,
    ) -> StoreResult<Appended> {
        let mut tx = self.transaction().await?;
        let mut ids = Vec::with_capacity(entries.len());
        for entry in entries {
            let doc = to_doc(entry)?;
            let status = i64::from(entry.status);
            let client = entry.client_id.as_deref().map(str::to_ascii_lowercase);
            let inserted = tx
                .fetch(
                    "INSERT INTO journal (id, at, client_id, status, size, doc)
                 VALUES ((SELECT coalesce(max(id), 0) + 1 FROM journal), $1, $2, $3, $4, $5)
                 RETURNING id",
                    &[
                        Arg::Int(millis(entry.time)),
                        Arg::from(client.as_deref()),
                        Arg::Int(status),
                        Arg::Int(doc.len() as i64),
                        Arg::Text(&doc),
                    ],
                )
                .await?;
            ids.push(
                inserted
                    .first()
                    .map(|row| row.int(0))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default(),
            );
        }
        let max_entries = i64::try_from(bounds.max_entries).unwrap_or(i64::MAX);
        let max_bytes = i64::try_from(bounds.max_bytes).unwrap_or(i64::MAX);
        let by_count = tx
            .fetch(
                "DELETE FROM journal WHERE id <= (SELECT id FROM journal ORDER BY id DESC
                 LIMIT 1 OFFSET $1) RETURNING id",
                &[Arg::Int(max_entries)],
            )
            .await?;
        let by_size = tx
            .fetch(
                "DELETE FROM journal WHERE id <= (SELECT max(id) FROM
                 (SELECT id, sum(size) OVER (ORDER BY id DESC) AS total FROM journal) AS sized
                 WHERE total > $1) RETURNING id",
                &[Arg::Int(max_bytes)],
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

    async fn fault_generation(&self) -> StoreResult<Option<String>> {
        use storeroom_domain::store::Store;
        self.setting(FAULT_GENERATION).await
    }

    async fn fault_set(&self) -> StoreResult<FaultSet> {
        let generation = self.fault_generation().await?;
        let rules = self
            .backend
            .fetch(
                "SELECT remaining, doc FROM faults ORDER BY created_at, id",
                &[],
            )
            .await?;
        let zombies = self
            .backend
            .fetch("SELECT submission_id FROM fault_zombies", &[])
            .await?;
        Ok(FaultSet {
            generation,
            rules: rules.iter().map(rule).collect::<StoreResult<_>>()?,
            zombies: zombies
                .iter()
                .map(|row| required(row, 0))
                .collect::<StoreResult<_>>()?,
        })
    }

    async fn insert_fault(&self, rule: &FaultRule) -> StoreResult<()> {
        let mut tx = self.transaction().await?;
        let doc = to_doc(rule)?;
        let remaining = rule.times.map(i64::from);
        tx.execute(
            "INSERT INTO faults (id, created_at, remaining, doc) VALUES ($1, $2, $3, $4)",
            &[
                Arg::Text(&rule.id),
                Arg::Int(millis(rule.created)),
                Arg::Int(remaining.unwrap_or(UNLIMITED)),
                Arg::Text(&doc),
            ],
        )
        .await?;
        tx.bump_fault_generation().await?;
        tx.finish().await
    }

    async fn delete_fault(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.transaction().await?;
        let deleted = tx
            .fetch(
                "DELETE FROM faults WHERE id = $1 RETURNING id",
                &[Arg::Text(id)],
            )
            .await?;
        if deleted.is_empty() {
            return Ok(false);
        }
        tx.bump_fault_generation().await?;
        tx.finish().await?;
        Ok(true)
    }

    async fn take_fault(&self, id: &str) -> StoreResult<bool> {
        // One statement: atomic on both backends, whichever instance runs it.
        let left = self
            .backend
            .fetch(
                "UPDATE faults SET remaining = remaining - 1 WHERE id = $1 AND remaining > 0
                 RETURNING remaining",
                &[Arg::Text(id)],
            )
            .await?;
        let Some(row) = left.first() else {
            return Ok(false);
        };
        if row.int(0)?.unwrap_or_default() <= 0 {
            let mut tx = self.transaction().await?;
            tx.execute(
                "DELETE FROM faults WHERE id = $1 AND remaining <= 0",
                &[Arg::Text(id)],
            )
            .await?;
            tx.bump_fault_generation().await?;
            tx.finish().await?;
        }
        Ok(true)
    }

    async fn add_zombie(&self, submission_id: &str) -> StoreResult<()> {
        let mut tx = self.transaction().await?;
        tx.execute(
            "INSERT INTO fault_zombies (submission_id) VALUES ($1)
             ON CONFLICT (submission_id) DO NOTHING",
            &[Arg::Text(submission_id)],
        )
        .await?;
        tx.bump_fault_generation().await?;
        tx.finish().await
    }

    async fn snapshots(&self) -> StoreResult<Vec<SnapshotInfo>> {
        self.docs("SELECT doc FROM snapshots ORDER BY created_at, name", &[])
            .await
    }

    async fn begin_ops(&self) -> StoreResult<Box<dyn OpsTransaction>> {
        Ok(Box::new(self.transaction().await?))
    }
}

#[async_trait]
impl<B: Backend> OpsTransaction for SqlTransaction<B> {
    async fn save_snapshot(&mut self, info: &SnapshotInfo) -> StoreResult<bool> {
        let doc = to_doc(info)?;
        let inserted = self
            .fetch(
                "INSERT INTO snapshots (name, created_at, doc) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO NOTHING RETURNING name",
                &[
                    Arg::Text(&info.name),
                    Arg::Int(millis(info.created)),
                    Arg::Text(&doc),
                ],
            )
            .await?;
        if inserted.is_empty() {
            return Ok(false);
        }
        let name = [Arg::Text(&info.name)];
        for table in ACCOUNTS.iter().chain(CATALOGUE) {
            self.execute(table.save, &name).await?;
        }
        Ok(true)
    }

    async fn restore_snapshot(&mut self, name: &str) -> StoreResult<Option<SnapshotInfo>> {
        let rows = self
            .fetch(
                "SELECT created_at, doc FROM snapshots WHERE name = $1",
                &[Arg::Text(name)],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let mut info: SnapshotInfo = from_doc(&required(row, 1)?)?;
        info.created = from_millis(row.int(0)?.unwrap_or_default());
        let tables: Vec<&Copied> = ACCOUNTS.iter().chain(CATALOGUE).collect();
        self.execute(CLEAR_APPLICATION_COUNTS, &[]).await?;
        // Children before parents (clients refer to tenants).
        for table in tables.iter().rev() {
            self.execute(table.clear, &[]).await?;
        }
        let name = [Arg::Text(name)];
        for table in &tables {
            self.execute(table.restore, &name).await?;
        }
        self.execute("DELETE FROM fault_zombies", &[]).await?;
        self.bump_fault_generation().await?;
        Ok(Some(info))
    }

    async fn delete_snapshot(&mut self, name: &str) -> StoreResult<bool> {
        let deleted = self
            .fetch(
                "DELETE FROM snapshots WHERE name = $1 RETURNING name",
                &[Arg::Text(name)],
            )
            .await?;
        let name = [Arg::Text(name)];
        for table in ACCOUNTS.iter().chain(CATALOGUE) {
            self.execute(table.forget, &name).await?;
        }
        Ok(!deleted.is_empty())
    }

    async fn reset(&mut self) -> StoreResult<()> {
        self.execute(CLEAR_APPLICATION_COUNTS, &[]).await?;
        for table in CATALOGUE.iter().rev() {
            self.execute(table.clear, &[]).await?;
        }
        self.run_all(OPERATIONS, &[]).await?;
        self.bump_fault_generation().await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.finish().await
    }
}
