//! [`OpsStore`]: fault rules and snapshots, over any [`Backend`].
//!
//! Snapshots are row copies: each catalogue and account table has a `snapshot_<table>`
//! twin (migration 0015) holding the rows of every snapshot under its name, so saving and
//! restoring are a few `INSERT … SELECT` statements in one transaction, the same SQL on
//! both backends, and never leave the database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use storeroom_domain::opsstate::{FaultRule, FaultSet, OpsStore, OpsTransaction, SnapshotInfo};
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

/// What a reset removes beside the catalogue (the journal is cleared on its own:
/// [`storeroom_domain::opsstate::JournalStore`]).
const OPERATIONS: &[&str] = &["DELETE FROM faults", "DELETE FROM fault_zombies"];

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
            .write(
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
