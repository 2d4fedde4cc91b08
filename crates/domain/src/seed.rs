//! Bulk loading of realistic records, for measuring storeroom at scale
//! (`storeroom admin seed`, used by `bench/run`).
//!
//! Records are made by the same functions the API uses (reserve an app, its dashboard
//! submission, start a submission, publish it), so a seeded app looks like one that went
//! through that many API submissions: a history of published submissions, the last one the
//! app's published submission, and for some apps a pending one. They are written through
//! [`BulkLoad`], many per transaction.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use storeroom_wire::devcenter::{AppSubmissionContent, FileStatus};

use crate::accounts::Seller;
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::service::Service;
use crate::store::{Store, StoreError, StoreResult, SubmissionHeader};
use crate::submission::{self, Submission};

/// A stored submission: what queries need, and its document.
pub struct SeedSubmission {
    pub header: SubmissionHeader,
    pub doc: String,
}

/// Stores that take many new records in one transaction. Records are new (fresh ids): an
/// implementation may assume no row exists for them.
#[async_trait]
pub trait BulkLoad: Send + Sync {
    /// Writes `apps` and `submissions` in one transaction, apps in the given order (the
    /// order `GET applications` lists them in).
    async fn insert_batch(
        &self,
        apps: &[Application],
        submissions: &[SeedSubmission],
    ) -> StoreResult<()>;

    /// Runs once after the last batch: whatever upkeep a bulk load calls for on this
    /// backend (PostgreSQL: fresh planner statistics and visibility map).
    async fn finish(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// The generic path for any [`Store`]: one transaction per batch through the ordinary
/// [`crate::store::Transaction`] writes. Slower than a backend's own bulk insert (one
/// statement per record), but it works on every backend.
pub struct ThroughTransactions<'a>(pub &'a dyn Store);

#[async_trait]
impl BulkLoad for ThroughTransactions<'_> {
    async fn insert_batch(
        &self,
        apps: &[Application],
        submissions: &[SeedSubmission],
    ) -> StoreResult<()> {
        let mut tx = self.0.begin().await?;
        for app in apps {
            tx.put_application(app).await?;
        }
        for submission in submissions {
            tx.put_submission_doc(&submission.header, &submission.doc)
                .await?;
        }
        tx.commit().await
    }
}

/// How much to seed.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub apps: u64,
    /// Submissions in all, spread evenly over the apps (at least one each: the dashboard
    /// submission every reserved app has).
    pub submissions: u64,
    /// Apps per transaction (with their submissions).
    pub apps_per_batch: usize,
    /// Every Nth app has a pending (uncommitted) submission as its last one; 0 for none.
    pub pending_every: u64,
}

impl Default for SeedPlan {
    fn default() -> Self {
        Self {
            apps: 1_000,
            submissions: 10_000,
            apps_per_batch: 1_000,
            pending_every: 10,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedCounts {
    pub apps: u64,
    pub submissions: u64,
}

fn store_failed(err: impl std::fmt::Display) -> StoreError {
    StoreError::failed(err.to_string())
}

/// App number `index` of a seed and its `count` submissions, oldest first, made as the API
/// makes them. Submission N publishes package version 1.0.N.0 a day after N-1.
pub fn app_with_history(
    seller: &Seller,
    index: u64,
    count: u32,
    pending: bool,
    start: DateTime<Utc>,
) -> DomainResult<(Application, Vec<Submission>)> {
    let name = format!("Seed App {index:07}");
    let mut app = Application::reserve(seller, &name, true, start);
    let mut first = submission::dashboard_submission(&app, start);
    enrich_listing(&mut first.content, &name, 1);
    app.slots.submission_count = 1;
    app.slots.last_published_submission_id = Some(first.id.clone());
    app.first_published_date = Some(start);
    let mut submissions = Vec::with_capacity(count.max(1) as usize);
    submissions.push(first);
    for number in 2..=count.max(1) {
        let at = start + Duration::days(i64::from(number - 1));
        let previous = &submissions[submissions.len() - 1];
        let mut next = submission::clone_for_new_submission(&mut app, previous, at)?;
        let package = format!("{}_1.0.{number}.0_x64.msix", app.package_identity_name);
        for old in &mut next.content.application_packages {
            old.file_status = FileStatus::PendingDelete;
        }
        let mut new_package = next.content.application_packages[0].clone();
        new_package.file_name = package;
        new_package.file_status = FileStatus::PendingUpload;
        new_package.id = crate::ids::numeric_id();
        new_package.version = format!("1.0.{number}.0");
        next.content.application_packages.push(new_package);
        enrich_listing(&mut next.content, &name, number);
        let last = number == count;
        if !(last && pending) {
            submission::publish(&mut app.slots, &mut next, at);
        }
        submissions.push(next);
    }
    Ok((app, submissions))
}

/// A listing like a real app's: a description of a few sentences, features, keywords and
/// release notes (the dashboard submission alone has only a title and one line).
fn enrich_listing(content: &mut AppSubmissionContent, name: &str, number: u32) {
    for listing in content.listings.values_mut() {
        let base = &mut listing.base_listing;
        base.description = format!(
            "{name} keeps your documents, notes and reading lists in one place. Sync across \
             your devices, work offline and pick up where you left off. Organize with tags, \
             search everything instantly and share collections with your team."
        );
        base.features = vec![
            "Offline reading and editing".into(),
            "Sync across devices".into(),
            "Full-text search".into(),
            "Shared collections".into(),
        ];
        base.keywords = vec!["reader".into(), "notes".into(), "productivity".into()];
        base.release_notes = format!("Version 1.0.{number}.0: fixes and improvements.");
        base.copyright_and_trademark_info = "© Contoso Ltd.".into();
        base.short_description = "Documents, notes and reading lists.".into();
    }
}

impl Service {
    /// Admin (benchmarks): writes `plan.apps` apps of `seller_id` with `plan.submissions`
    /// submissions between them through `loader`, one transaction per
    /// `plan.apps_per_batch` apps. `progress` hears the running totals after each batch.
    pub async fn seed(
        &self,
        loader: &dyn BulkLoad,
        seller_id: &str,
        plan: &SeedPlan,
        progress: &mut (dyn FnMut(SeedCounts) + Send),
    ) -> DomainResult<SeedCounts> {
        let seller = self.store.seller(seller_id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Seller {seller_id} not found"), "sellerId")
        })?;
        if plan.apps == 0 {
            return Ok(SeedCounts::default());
        }
        let per_app = plan.submissions / plan.apps;
        let extra = plan.submissions % plan.apps;
        // History reaches back from now: the newest submission of every app is today's.
        let span = Duration::days(i64::try_from(per_app + 1).unwrap_or(i64::MAX / 2));
        let start = self.clock.now() - span;
        let batch_size = plan.apps_per_batch.max(1) as u64;
        let mut done = SeedCounts::default();
        let mut index = 0;
        while index < plan.apps {
            let end = (index + batch_size).min(plan.apps);
            let mut apps = Vec::with_capacity((end - index) as usize);
            let mut submissions = Vec::new();
            for i in index..end {
                let count = per_app + u64::from(i < extra);
                let count = u32::try_from(count.max(1)).unwrap_or(u32::MAX);
                let pending = plan.pending_every > 0 && i % plan.pending_every == 0 && count > 1;
                let (app, history) = app_with_history(&seller, i, count, pending, start)?;
                for submission in &history {
                    submissions.push(SeedSubmission {
                        header: SubmissionHeader::from(submission),
                        doc: serde_json::to_string(submission).map_err(store_failed)?,
                    });
                }
                apps.push(app);
            }
            loader.insert_batch(&apps, &submissions).await?;
            done.apps += apps.len() as u64;
            done.submissions += submissions.len() as u64;
            progress(done);
            index = end;
        }
        loader.finish().await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use storeroom_wire::devcenter::SubmissionStatus;

    use super::*;

    #[test]
    fn history_is_published_submissions_then_maybe_a_pending_one() {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "Contoso".into(),
            publisher_name: "CN=Contoso".into(),
        };
        let start = Utc::now() - Duration::days(30);
        let (app, subs) = app_with_history(&seller, 7, 4, true, start).unwrap();
        assert_eq!(subs.len(), 4);
        assert_eq!(app.slots.submission_count, 4);
        assert!(
            subs[..3]
                .iter()
                .all(|s| s.status == SubmissionStatus::Published)
        );
        assert_eq!(subs[3].status, SubmissionStatus::PendingCommit);
        assert_eq!(app.slots.pending_submission_id.as_ref(), Some(&subs[3].id));
        assert_eq!(
            app.slots.last_published_submission_id.as_ref(),
            Some(&subs[2].id)
        );
        // Published submissions keep only their own package.
        assert_eq!(subs[2].content.application_packages.len(), 1);
        assert_eq!(subs[2].content.application_packages[0].version, "1.0.3.0");

        let (app, subs) = app_with_history(&seller, 8, 1, false, start).unwrap();
        assert_eq!(subs.len(), 1);
        assert_eq!(
            app.slots.last_published_submission_id.as_ref(),
            Some(&subs[0].id)
        );
        assert!(app.slots.pending_submission_id.is_none());
    }
}
