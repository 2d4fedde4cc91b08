//! What Partner Center's dashboard does to an app that the API then has to live with:
//! features the submission API does not support, and submissions started in the dashboard.
//! These produce, on demand, the refusals real clients must survive (seed 000).

use super::submissions;
use super::{Service, app_not_found};
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::store::{SubmissionAccess, Transaction};
use crate::submission::{self, Submission};
use storeroom_wire::devcenter::SubmissionStatus;

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

/// Fields Partner Center's submission pages change, as the dashboard edits them. `None`
/// leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardEdit {
    /// The listing (language) `title`, `description` and `release_notes` belong to.
    pub language: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub release_notes: Option<String>,
    pub notes_for_certification: Option<String>,
}

impl Service {
    /// "Edit in Partner Center": changes fields of a pending submission in the dashboard.
    /// From then on it is the dashboard's, like one started there: the API may read it but
    /// not change, commit or delete it (409 `InvalidOperation`, seed 000).
    pub async fn edit_dashboard_submission(
        &self,
        app_id: &str,
        submission_id: &str,
        edit: DashboardEdit,
    ) -> DomainResult<Submission> {
        let mut tx = self.store.begin().await?;
        let app = any_app(tx.as_mut(), app_id).await?;
        let mut submission: Submission =
            submissions::submission_of(tx.as_mut(), &app.product(), &app.seller_id, submission_id)
                .await?;
        ensure_dashboard_editable(&submission)?;
        let content = &mut submission.content;
        if let Some(notes) = edit.notes_for_certification {
            content.notes_for_certification = notes;
        }
        let listed =
            edit.title.is_some() || edit.description.is_some() || edit.release_notes.is_some();
        if listed {
            let Some(listing) = content.listings.get_mut(&edit.language) else {
                return Err(DomainError::invalid(
                    format!("The submission has no '{}' listing", edit.language),
                    "language",
                ));
            };
            let base = &mut listing.base_listing;
            if let Some(title) = edit.title {
                if title.trim().is_empty() {
                    return Err(DomainError::invalid("title must not be empty", "title"));
                }
                base.title = title;
            }
            if let Some(description) = edit.description {
                base.description = description;
            }
            if let Some(notes) = edit.release_notes {
                base.release_notes = notes;
            }
        }
        submission.created_via_api = false;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }
}

/// Whether the dashboard may edit a submission: while it is pending and not in the pipeline
/// (whoever made it).
pub fn ensure_dashboard_editable<C>(submission: &Submission<C>) -> DomainResult<()> {
    match submission.status {
        SubmissionStatus::PendingCommit | SubmissionStatus::CommitFailed => Ok(()),
        status => Err(DomainError::invalid_state(
            format!("Submission in its current state ({status}) cannot be edited"),
            "submissionId",
        )),
    }
}

/// Any seller's app (the admin API acts for every seller), or 404.
async fn any_app(tx: &mut dyn Transaction, app_id: &str) -> DomainResult<Application> {
    tx.application(app_id)
        .await?
        .ok_or_else(|| app_not_found(app_id))
}
