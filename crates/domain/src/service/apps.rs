//! App submissions (devcenter §2.4) and their gradual rollout (§2.7).

use std::sync::Arc;

use serde_json::Value;

use super::memo::Parsed;
use super::submissions::{self, submission_of};
use super::{Service, owned_app, owned_by, submission_not_found};
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::store::SubmissionAccess;
use crate::submission::{self, Submission};
use crate::update;

impl Service {
    pub async fn application(&self, seller_id: &str, app_id: &str) -> DomainResult<Application> {
        owned_by(self.store.application(app_id).await?, seller_id, app_id)
    }

    pub async fn applications(
        &self,
        seller_id: Option<&str>,
        skip: u64,
        top: u64,
    ) -> DomainResult<(Vec<Application>, u64)> {
        Ok(self.store.applications(seller_id, skip, top).await?)
    }

    /// A seller's apps whose name contains `text`, after place `after`, with their places
    /// (see [`crate::store::Store::search_applications`]).
    pub async fn search_applications(
        &self,
        seller_id: &str,
        text: &str,
        after: i64,
        limit: u64,
    ) -> DomainResult<Vec<(i64, Application)>> {
        Ok(self
            .store
            .search_applications(seller_id, text, after, limit)
            .await?)
    }

    /// A submission of the seller's app, parsed once per stored version ([`super::memo`]):
    /// polling clients read the same one again and again.
    pub async fn submission(
        &self,
        seller_id: &str,
        app_id: &str,
        submission_id: &str,
    ) -> DomainResult<(Arc<Application>, Arc<Parsed<Submission>>)> {
        let (app, doc) = self
            .store
            .application_with_submission_doc(app_id, submission_id)
            .await?
            .unzip();
        let app = owned_by(app, seller_id, app_id)?;
        let doc = doc.flatten().ok_or_else(submission_not_found)?;
        let product = app.product();
        let parsed = self.parsed.parsed(submission_id, doc, |doc| {
            submissions::of_product(doc, &product, seller_id, submission_id)
        })?;
        // The memo's entry was parsed for whoever read it first.
        let read = &parsed.value;
        submissions::belongs(
            &read.seller_id,
            &read.product,
            &product,
            seller_id,
            submission_id,
        )?;
        Ok((app, parsed))
    }

    pub async fn create_submission(
        &self,
        seller_id: &str,
        app_id: &str,
    ) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let mut app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let Some(published) = submissions::last_published::<_>(tx.as_mut(), &app.slots).await?
        else {
            return Err(DomainError::invalid_state(
                "The application has no published submission to copy. Publish a first submission in the dashboard.",
                "applicationId",
            ));
        };
        let created = submission::clone_for_new_submission(&mut app, &published, self.clock.now())?;
        tx.put_submission(&created).await?;
        tx.put_application(&app).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        submission_id: &str,
        body: Value,
    ) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let mut submission: Submission =
            submission_of(tx.as_mut(), &app.product(), seller_id, submission_id).await?;
        update::apply_update(&app, &mut submission, body)?;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn commit_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        submission_id: &str,
    ) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let mut submission: Submission =
            submission_of(tx.as_mut(), &app.product(), seller_id, submission_id).await?;
        let policy = self.policies.for_product(app.pipeline.as_ref());
        submissions::commit(tx.as_mut(), &mut submission, &policy, self.clock.now()).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn delete_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        submission_id: &str,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let mut app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let submission: Submission =
            submission_of(tx.as_mut(), &app.product(), seller_id, submission_id).await?;
        if submissions::delete(tx.as_mut(), &mut app.slots, &submission).await? {
            tx.put_application(&app).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes the gradual rollout of a published submission with `change`
    /// ([`crate::rollout::update_percentage`], [`crate::rollout::halt`],
    /// [`crate::rollout::finalize`]).
    pub async fn change_rollout(
        &self,
        seller_id: &str,
        app_id: &str,
        submission_id: &str,
        change: impl FnOnce(&mut Submission) -> DomainResult<()> + Send,
    ) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let mut submission: Submission =
            submission_of(tx.as_mut(), &app.product(), seller_id, submission_id).await?;
        change(&mut submission)?;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }
}
