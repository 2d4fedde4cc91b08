//! The bulk inserts behind `storeroom admin seed`, one transaction per batch:
//!
//! - SQLite: `BEGIN IMMEDIATE`, multi-row `INSERT`s, and the apps' `seq` (their listing
//!   order) numbered once per batch instead of looked up for every row as
//!   [`Transaction::put_application`] does.
//! - PostgreSQL: under the write lock every write transaction takes, one `INSERT … SELECT
//!   FROM UNNEST` of column arrays per table and chunk (the identity `seq` follows the
//!   batch's order).
//!
//! [`Transaction::put_application`]: storeroom_domain::store::Transaction::put_application

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};
use storeroom_domain::application::Application;
use storeroom_domain::seed::{BulkLoad, SeedSubmission};
use storeroom_domain::store::StoreResult;

use crate::sql::{store_error, to_doc};
use crate::{PgStore, SqliteStore};

/// Rows per statement: 5 bound values each stays far below SQLite's 32,766 variables.
const ROWS_PER_STATEMENT: usize = 500;

#[async_trait]
impl BulkLoad for SqliteStore {
    async fn insert_batch(
        &self,
        apps: &[Application],
        submissions: &[SeedSubmission],
    ) -> StoreResult<()> {
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        let first_seq: i64 =
            sqlx::query_scalar("SELECT coalesce(max(seq), 0) + 1 FROM applications")
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
        let mut seq = first_seq;
        for chunk in apps.chunks(ROWS_PER_STATEMENT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for app in chunk {
                rows.push((app, seq, to_doc(app)?));
                seq += 1;
            }
            let mut insert: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO applications (id, seller_id, seq, doc) ");
            insert.push_values(rows, |mut row, (app, seq, doc)| {
                row.push_bind(app.id.clone())
                    .push_bind(app.seller_id.clone())
                    .push_bind(seq)
                    .push_bind(doc);
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        for chunk in submissions.chunks(ROWS_PER_STATEMENT) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO submissions (id, product_id, product_kind, status, doc) ",
            );
            insert.push_values(chunk, |mut row, submission| {
                let header = &submission.header;
                row.push_bind(header.id.clone())
                    .push_bind(header.product.id().to_string())
                    .push_bind(header.product.kind().as_str())
                    .push_bind(header.status.as_str())
                    .push_bind(submission.doc.clone());
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }
}

/// Rows per PostgreSQL statement: the arrays are one parameter each, so this only bounds
/// the size of one message.
const PG_ROWS_PER_STATEMENT: usize = 2_000;

#[async_trait]
impl BulkLoad for PgStore {
    async fn insert_batch(
        &self,
        apps: &[Application],
        submissions: &[SeedSubmission],
    ) -> StoreResult<()> {
        let (mut tx, _gate) = self.begin_locked().await?;
        for chunk in apps.chunks(PG_ROWS_PER_STATEMENT) {
            let mut docs = Vec::with_capacity(chunk.len());
            for app in chunk {
                docs.push(to_doc(app)?);
            }
            sqlx::query(
                "INSERT INTO applications (id, seller_id, doc)
                 SELECT id, seller_id, doc
                 FROM UNNEST($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, seller_id, doc, n)
                 ORDER BY n",
            )
            .bind(chunk.iter().map(|app| app.id.clone()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|app| app.seller_id.clone()).collect::<Vec<_>>())
            .bind(docs)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        for chunk in submissions.chunks(PG_ROWS_PER_STATEMENT) {
            let column = |f: fn(&SeedSubmission) -> String| chunk.iter().map(f).collect::<Vec<_>>();
            sqlx::query(
                "INSERT INTO submissions (id, product_id, product_kind, status, doc)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
            )
            .bind(column(|s| s.header.id.clone()))
            .bind(column(|s| s.header.product.id().to_string()))
            .bind(column(|s| s.header.product.kind().as_str().to_string()))
            .bind(column(|s| s.header.status.as_str().to_string()))
            .bind(column(|s| s.doc.clone()))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// PostgreSQL's advice after a bulk load: `ANALYZE` for the planner's statistics, and
    /// `VACUUM` so the first reads of the new rows do not each rewrite their pages' hint
    /// bits (autovacuum would get there too, later).
    async fn finish(&self) -> StoreResult<()> {
        sqlx::query("VACUUM (ANALYZE) applications, application_counts, submissions")
            .execute(self.pool())
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use storeroom_domain::pipeline::{PipelinePolicy, Policies};
    use storeroom_domain::seed::{SeedPlan, ThroughTransactions};
    use storeroom_domain::store::{Store, SubmissionReads};
    use storeroom_domain::submission::Submission;
    use storeroom_domain::{Clock, Service};

    use super::*;

    fn service(store: Arc<dyn Store>) -> Service {
        Service {
            store,
            clock: Arc::new(Clock::new()),
            policies: Arc::new(Policies::new(PipelinePolicy::default())),
            report_base: "http://localhost/ui/reports".into(),
            leniency: Default::default(),
            parsed: Default::default(),
        }
    }

    /// Seeds through `bulk` (and a little through the generic path), then reads back what
    /// the API reads: pages of apps in order, their published and pending submissions.
    async fn seeded_apps_list_in_order_and_their_submissions_read_back(
        store: Arc<dyn Store>,
        bulk: &dyn BulkLoad,
    ) {
        let service = service(store.clone());
        let account = service.bootstrap().await.unwrap();
        let seller = &account.seller.id;
        // An app reserved before the seed keeps its place in front.
        let before = service
            .reserve_application(seller, "Reserved First", true)
            .await
            .unwrap();
        let plan = SeedPlan {
            apps: 25,
            submissions: 80,
            apps_per_batch: 10,
            pending_every: 4,
        };
        let mut batches = 0;
        let counts = service
            .seed(bulk, seller, &plan, &mut |_| batches += 1)
            .await
            .unwrap();
        assert_eq!((counts.apps, counts.submissions, batches), (25, 80, 3));
        // The generic path writes the same records.
        let generic = ThroughTransactions(store.as_ref());
        let small = SeedPlan {
            apps: 2,
            submissions: 4,
            ..plan
        };
        let counts = service
            .seed(&generic, seller, &small, &mut |_| {})
            .await
            .unwrap();
        assert_eq!((counts.apps, counts.submissions), (2, 4));

        let (page, total) = store.applications(Some(seller), 0, 100).await.unwrap();
        assert_eq!(total, 28);
        assert_eq!(page[0].id, before.id);
        assert_eq!(page[1].primary_name, "Seed App 0000000");
        assert_eq!(page[25].primary_name, "Seed App 0000024");
        let pending = page[1]
            .slots
            .pending_submission_id
            .clone()
            .expect("app 0 has a pending one");
        let submission: Submission = store.submission(&pending).await.unwrap().unwrap();
        assert_eq!(submission.number, 4);
        let published = page[2].slots.last_published_submission_id.clone().unwrap();
        let submission: Submission = store.submission(&published).await.unwrap().unwrap();
        assert_eq!(submission.number, 4);
        assert!(page[2].slots.pending_submission_id.is_none());
    }

    #[tokio::test]
    async fn seeding_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        seeded_apps_list_in_order_and_their_submissions_read_back(Arc::new(store.clone()), &store)
            .await;
    }

    #[tokio::test]
    async fn seeding_postgres() {
        let Some(admin) = crate::conformance::postgres_admin_url("seeding_postgres") else {
            return;
        };
        let db = storeroom_testkit::scratch::ScratchSchema::create(&admin)
            .await
            .unwrap();
        let store = PgStore::connect(&db.url).await.unwrap();
        seeded_apps_list_in_order_and_their_submissions_read_back(Arc::new(store.clone()), &store)
            .await;
    }
}
