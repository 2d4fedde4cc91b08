//! What Partner Center's dashboard does to an app that the API then has to live with:
//! features the submission API does not support, and submissions started in the dashboard.
//! These produce, on demand, the refusals real clients must survive (seed 000).

use super::submissions;
use super::{Service, app_not_found};
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::store::{SubmissionAccess, Transaction};
use crate::submission::{self, Submission};

impl Service {
    /// Turns on or off the app's use of features the API does not support (mandatory
    /// updates, Store-managed consumables): while on, every app-specific call answers 409.
    pub async fn set_unsupported_features(
        &self,
        app_id: &str,
        on: bool,
    ) -> DomainResult<Application> {
        self.change_application(app_id, |app| app.uses_unsupported_features = on)
            .await
    }

    /// Admin: loads any seller's app, lets `change` edit it and stores it, in one transaction.
    pub(crate) async fn change_application(
        &self,
        app_id: &str,
        change: impl FnOnce(&mut Application) + Send,
    ) -> DomainResult<Application> {
        let mut tx = self.store.begin().await?;
        let mut app = any_app(tx.as_mut(), app_id).await?;
        change(&mut app);
        tx.put_application(&app).await?;
        tx.commit().await?;
        Ok(app)
    }

    /// A pending submission started in the dashboard: a clone of the last published one with
    /// no upload URL, which the API may read but not change, commit or delete.
    pub async fn start_dashboard_submission(&self, app_id: &str) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let mut app = any_app(tx.as_mut(), app_id).await?;
        let Some(published) = submissions::last_published::<_>(tx.as_mut(), &app.slots).await?
        else {
            return Err(DomainError::invalid_state(
                "The application has no published submission to copy",
                "applicationId",
            ));
        };
        let mut created =
            submission::clone_for_new_submission(&mut app, &published, self.clock.now())?;
        created.created_via_api = false;
        created.upload_blob = None;
        tx.put_submission(&created).await?;
        tx.put_application(&app).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Deletes a pending submission in the dashboard, whoever created it: the documented way
    /// out of "can only update, delete, and commit submissions created through the API".
    pub async fn delete_dashboard_submission(
        &self,
        app_id: &str,
        submission_id: &str,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let mut app = any_app(tx.as_mut(), app_id).await?;
        let submission: Submission =
            submissions::submission_of(tx.as_mut(), &app.product(), &app.seller_id, submission_id)
                .await?;
        submission.ensure_at_rest()?;
        if submissions::remove(tx.as_mut(), &mut app.slots, &submission).await? {
            tx.put_application(&app).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Any seller's app (the admin API acts for every seller), or 404.
async fn any_app(tx: &mut dyn Transaction, app_id: &str) -> DomainResult<Application> {
    tx.application(app_id)
        .await?
        .ok_or_else(|| app_not_found(app_id))
}
