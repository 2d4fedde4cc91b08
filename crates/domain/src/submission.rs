//! Submissions (of apps, flights and add-ons) and the rules of their lifecycle, as pure
//! functions over records.
//!
//! ```text
//! PendingCommit ─commit→ CommitStarted → PreProcessing → Certification → Release
//!      ↑  │                   │                                              │
//!      │  └─(PUT, delete)     └→ CommitFailed (PUT, commit again, delete)    ↓
//!      │                                                       Publishing → Published
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storeroom_wire::devcenter::{
    AppSubmissionContent, ApplicationPackage, BaseListing, FileStatus, Listing, PackageRollout,
    RolloutStatus, StatusCode, StatusDetail, StatusDetails, SubmissionStatus,
};

use crate::application::Application;
use crate::content::SubmissionContent;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::product::{ProductRef, Slots};

/// The real service's warning on submissions that carry `pricing.sales`.
pub fn sales_unsupported() -> StatusDetail {
    StatusDetail {
        code: StatusCode::SalesUnsupportedWarning,
        details: "The sales resource is no longer supported. To view or edit the sales data for this submission, use the Dev Center dashboard.".into(),
    }
}

/// Whether a PUT body carries a non-empty `pricing.sales` (keys in any case).
pub fn body_has_sales(body: &serde_json::Value) -> bool {
    let member = |value: &serde_json::Value, name: &str| {
        value.as_object().and_then(|members| {
            members
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
        })
    };
    member(body, "pricing")
        .and_then(|pricing| member(&pricing, "sales"))
        .and_then(|sales| sales.as_array().map(|sales| !sales.is_empty()))
        .unwrap_or(false)
}

/// Blob container that holds submission uploads, as in production URLs.
pub const UPLOAD_CONTAINER: &str = "ingestion";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission<C = AppSubmissionContent> {
    pub id: String,
    pub seller_id: String,
    pub product: ProductRef,
    /// N of "Submission N".
    pub number: u32,
    pub status: SubmissionStatus,
    pub status_details: StatusDetails,
    /// Only submissions created through the API may be changed through it.
    pub created_via_api: bool,
    /// Blob (in [`UPLOAD_CONTAINER`]) behind `fileUploadUrl`; None for dashboard-made ones.
    pub upload_blob: Option<String>,
    pub content: C,
    /// Status reads since the pipeline last moved (for `pollsPerStep` policies).
    #[serde(default)]
    pub status_reads: u32,
    /// The pipeline step pending while `status` still shows an earlier state (the policy
    /// skips the step's own state); None when `status` is the pending step's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_step: Option<String>,
    /// A PUT gave `pricing.sales`: the resource is no longer supported, so every commit
    /// carries `SalesUnsupportedWarning`, as the real service's do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uses_sales: bool,
    /// What the pipeline checked so far, for the certification report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::report::Check>,
    /// The statuses it took and when (the newest [`TIMELINE_MAX`]), for the dashboard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<StatusChange>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A submission took `status` at `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: SubmissionStatus,
    pub at: DateTime<Utc>,
}

/// How many status changes a submission remembers.
pub const TIMELINE_MAX: usize = 64;

impl<C> Submission<C> {
    /// Moves it to `status` at `at`, remembering the change in its timeline.
    pub fn set_status(&mut self, status: SubmissionStatus, at: DateTime<Utc>) {
        self.status = status;
        if self.timeline.last().map(|change| change.status) != Some(status) {
            self.timeline.push(StatusChange { status, at });
            if self.timeline.len() > TIMELINE_MAX {
                self.timeline.remove(0);
            }
        }
    }

    pub fn friendly_name(&self) -> String {
        format!("Submission {}", self.number)
    }

    /// Submissions that still count as the product's pending one.
    pub fn is_pending(&self) -> bool {
        !matches!(
            self.status,
            SubmissionStatus::Published | SubmissionStatus::Canceled
        )
    }

    /// Between commit and a final state nothing but the pipeline may touch it.
    pub fn is_in_flight(&self) -> bool {
        matches!(
            self.status,
            SubmissionStatus::CommitStarted
                | SubmissionStatus::PreProcessing
                | SubmissionStatus::Certification
                | SubmissionStatus::Release
                | SubmissionStatus::PendingPublication
                | SubmissionStatus::Publishing
        )
    }

    fn ensure_created_via_api(&self) -> DomainResult<()> {
        if self.created_via_api {
            Ok(())
        } else {
            Err(DomainError::invalid_operation(
                "Ingestion API can only update, delete, and commit submissions that are created through the API. Please delete the current in-progress submission and create one using the API",
                "applicationSubmission",
            ))
        }
    }

    /// PUT is allowed before commit and after a failed commit.
    pub fn ensure_editable(&self) -> DomainResult<()> {
        self.ensure_created_via_api()?;
        match self.status {
            SubmissionStatus::PendingCommit | SubmissionStatus::CommitFailed => Ok(()),
            status => Err(DomainError::invalid_state(
                format!("Submission in its current state ({status}) cannot be updated"),
                "submissionId",
            )),
        }
    }

    /// Moves the submission into the pipeline.
    pub fn commit(&mut self, now: DateTime<Utc>) -> DomainResult<()> {
        self.ensure_created_via_api()?;
        match self.status {
            SubmissionStatus::PendingCommit | SubmissionStatus::CommitFailed => {
                self.set_status(SubmissionStatus::CommitStarted, now);
                self.status_details = StatusDetails::default();
                self.hidden_step = None;
                if self.uses_sales {
                    self.status_details.warnings.push(sales_unsupported());
                }
                self.checks.clear();
                self.updated_at = now;
                Ok(())
            }
            status => Err(DomainError::invalid_state(
                format!("Submission in its current state ({status}) cannot be committed"),
                "submissionId",
            )),
        }
    }

    /// Deleting is refused while the pipeline owns the submission and once it is published.
    pub fn ensure_deletable(&self) -> DomainResult<()> {
        self.ensure_created_via_api()?;
        self.ensure_at_rest()
    }

    /// Neither in the pipeline nor published: what deleting needs, from the API or the
    /// dashboard alike.
    pub fn ensure_at_rest(&self) -> DomainResult<()> {
        if self.is_in_flight() || self.status == SubmissionStatus::Published {
            return Err(DomainError::invalid_state(
                "Submission in its current state cannot be deleted",
                "submissionId",
            ));
        }
        Ok(())
    }

    /// Records a certification report and lists it in `statusDetails`.
    pub fn add_report(&mut self, report: &crate::report::CertificationReport, url: String) {
        self.status_details.certification_reports.push(
            storeroom_wire::devcenter::CertificationReport {
                date: report.date,
                report_url: url,
            },
        );
    }

    /// Ends the pipeline in a failure state with the given errors.
    pub fn fail(
        &mut self,
        status: SubmissionStatus,
        errors: Vec<StatusDetail>,
        now: DateTime<Utc>,
    ) {
        self.set_status(status, now);
        self.status_details.errors = errors;
        self.hidden_step = None;
        self.updated_at = now;
    }
}

impl<C: SubmissionContent> Submission<C> {
    /// Every file name the uploaded ZIP must contain for this submission: packages, listing
    /// images and new trailers marked for upload.
    pub fn files_to_upload(&self) -> Vec<String> {
        self.content.files_to_upload()
    }
}

/// The published submission Partner Center would hold for a newly reserved app: age ratings
/// done, one `en-us` listing and one package, so the API can clone it.
pub fn dashboard_submission(app: &Application, now: DateTime<Utc>) -> Submission {
    let mut content = AppSubmissionContent {
        application_category: "Productivity".into(),
        ..AppSubmissionContent::default()
    };
    content.listings.insert(
        "en-us".into(),
        Listing {
            base_listing: BaseListing {
                title: app.primary_name.clone(),
                description: format!("{} for Windows.", app.primary_name),
                features: vec![],
                ..BaseListing::default()
            },
            platform_overrides: BTreeMap::new(),
        },
    );
    content.application_packages.push(ApplicationPackage {
        file_name: format!("{}_1.0.0.0_x64.msix", app.package_identity_name),
        file_status: FileStatus::Uploaded,
        id: ids::numeric_id(),
        version: "1.0.0.0".into(),
        architecture: "x64".into(),
        languages: vec!["en-US".into()],
        capabilities: vec!["runFullTrust".into()],
        minimum_direct_x_version: Default::default(),
        minimum_system_ram: Default::default(),
        target_device_families: vec!["Windows.Desktop min version 10.0.17763.0".into()],
    });
    content.allow_target_future_device_families = [
        ("Desktop", true),
        ("Mobile", false),
        ("Holographic", false),
        ("Xbox", false),
        ("Team", false),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    published_submission(app, content, now)
}

/// The app's last published submission brought from the real service (its body as the API
/// returns it): every file is taken as already uploaded, files marked for deletion are gone,
/// and files without an id get one, as after a publication.
pub fn imported_submission(
    app: &Application,
    mut content: AppSubmissionContent,
    now: DateTime<Utc>,
) -> Submission {
    content
        .application_packages
        .retain(|package| package.file_status != FileStatus::PendingDelete);
    for package in &mut content.application_packages {
        package.file_status = FileStatus::Uploaded;
        if package.id.is_empty() {
            package.id = ids::numeric_id();
        }
    }
    for listing in content.listings.values_mut() {
        let images = std::iter::once(&mut listing.base_listing.images).chain(
            listing
                .platform_overrides
                .values_mut()
                .filter_map(|o| o.images.as_mut()),
        );
        for images in images {
            images.retain(|image| image.file_status != FileStatus::PendingDelete);
            for image in images.iter_mut() {
                image.file_status = FileStatus::Uploaded;
                if image.id.is_empty() {
                    image.id = ids::numeric_id();
                }
            }
        }
    }
    published_submission(app, content, now)
}

/// Submission 1 of a newly reserved app, published at `now`.
fn published_submission(
    app: &Application,
    mut content: AppSubmissionContent,
    now: DateTime<Utc>,
) -> Submission {
    if !app.has_advanced_listing_permission {
        content.gaming_options = None;
        content.trailers = None;
    }
    Submission {
        id: ids::numeric_id(),
        seller_id: app.seller_id.clone(),
        product: ProductRef::Application(app.id.clone()),
        number: 1,
        status: SubmissionStatus::Published,
        status_details: StatusDetails::default(),
        created_via_api: false,
        upload_blob: None,
        content,
        status_reads: 0,
        hidden_step: None,
        uses_sales: false,
        checks: Vec::new(),
        timeline: vec![StatusChange {
            status: SubmissionStatus::Published,
            at: now,
        }],
        created_at: now,
        updated_at: now,
        published_at: Some(now),
    }
}

/// Refuses a new submission while the published one's gradual rollout is unfinished.
pub fn ensure_no_rollout_in_progress<C: SubmissionContent>(
    published: &Submission<C>,
) -> DomainResult<()> {
    let Some(rollout) = published.content.rollout() else {
        return Ok(());
    };
    if rollout.is_package_rollout
        && matches!(
            rollout.package_rollout_status,
            RolloutStatus::PackageRolloutInProgress | RolloutStatus::PackageRolloutNotStarted
        )
    {
        return Err(DomainError::invalid_state(
            "Create submission failed: the gradual package rollout of the last published submission must be finalized or halted first",
            "submission",
        ));
    }
    Ok(())
}

/// POST submissions: a new pending submission of `product` with `content` (a copy of the
/// last published submission's), a new id, name and upload URL. Rollout settings start over.
pub fn start_submission<C: SubmissionContent>(
    slots: &mut Slots,
    seller_id: &str,
    product: ProductRef,
    mut content: C,
    now: DateTime<Utc>,
) -> DomainResult<Submission<C>> {
    if slots.pending_submission_id.is_some() {
        return Err(DomainError::invalid_state(
            "Create submission failed, status code Conflict, reason phrase Conflict",
            "submission",
        ));
    }
    content.reset_for_new_submission();
    slots.submission_count += 1;
    let submission = Submission {
        id: ids::numeric_id(),
        seller_id: seller_id.to_string(),
        product,
        number: slots.submission_count,
        status: SubmissionStatus::PendingCommit,
        status_details: StatusDetails::default(),
        created_via_api: true,
        upload_blob: Some(ids::guid()),
        content,
        status_reads: 0,
        hidden_step: None,
        uses_sales: false,
        checks: Vec::new(),
        timeline: vec![StatusChange {
            status: SubmissionStatus::PendingCommit,
            at: now,
        }],
        created_at: now,
        updated_at: now,
        published_at: None,
    };
    slots.pending_submission_id = Some(submission.id.clone());
    Ok(submission)
}

/// POST app submissions: a copy of the app's last published submission.
pub fn clone_for_new_submission(
    app: &mut Application,
    published: &Submission,
    now: DateTime<Utc>,
) -> DomainResult<Submission> {
    if app.slots.pending_submission_id.is_some() {
        return Err(DomainError::invalid_state(
            "Create submission failed, status code Conflict, reason phrase Conflict",
            "submission",
        ));
    }
    ensure_no_rollout_in_progress(published)?;
    let seller_id = app.seller_id.clone();
    let product = ProductRef::Application(app.id.clone());
    start_submission(
        &mut app.slots,
        &seller_id,
        product,
        published.content.clone(),
        now,
    )
}

/// Makes `submission` its product's published one: uploaded files become `Uploaded`, deleted
/// ones disappear, the rollout starts when enabled, with the previous submission as fallback.
pub fn publish<C: SubmissionContent>(
    slots: &mut Slots,
    submission: &mut Submission<C>,
    now: DateTime<Utc>,
) {
    submission.content.settle_files();
    let fallback = slots
        .last_published_submission_id
        .clone()
        .unwrap_or_else(|| "0".into());
    if let Some(rollout) = submission.content.rollout_mut() {
        if rollout.is_package_rollout {
            rollout.package_rollout_status = RolloutStatus::PackageRolloutInProgress;
            rollout.fallback_submission_id = fallback;
        } else {
            *rollout = PackageRollout::default();
        }
    }
    submission.set_status(SubmissionStatus::Published, now);
    submission.published_at = Some(now);
    submission.updated_at = now;
    slots.last_published_submission_id = Some(submission.id.clone());
    if slots.pending_submission_id.as_deref() == Some(submission.id.as_str()) {
        slots.pending_submission_id = None;
    }
}

pub fn status_detail(code: StatusCode, details: impl Into<String>) -> StatusDetail {
    StatusDetail {
        code,
        details: details.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Seller;

    fn app_with_published() -> (Application, Submission) {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "Contoso".into(),
            publisher_name: "CN=X".into(),
        };
        let mut app = Application::reserve(&seller, "Reader", true, Utc::now());
        let published = dashboard_submission(&app, Utc::now());
        app.slots.submission_count = 1;
        app.slots.last_published_submission_id = Some(published.id.clone());
        (app, published)
    }

    #[test]
    fn the_timeline_keeps_each_new_status_once_and_only_the_newest() {
        let (mut app, published) = app_with_published();
        let mut new = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap();
        let start = new.created_at;
        assert_eq!(
            new.timeline,
            [StatusChange {
                status: SubmissionStatus::PendingCommit,
                at: start
            }]
        );
        let later = start + chrono::Duration::seconds(5);
        new.commit(later).unwrap();
        new.set_status(SubmissionStatus::CommitStarted, later);
        assert_eq!(new.timeline.len(), 2);
        assert_eq!(
            new.timeline[1],
            StatusChange {
                status: SubmissionStatus::CommitStarted,
                at: later
            }
        );
        for i in 0..TIMELINE_MAX {
            let status = if i % 2 == 0 {
                SubmissionStatus::Certification
            } else {
                SubmissionStatus::Release
            };
            new.set_status(status, later);
        }
        assert_eq!(new.timeline.len(), TIMELINE_MAX);
        assert_eq!(
            new.timeline.last().unwrap().status,
            SubmissionStatus::Release
        );
    }

    #[test]
    fn clone_takes_the_next_name_and_blocks_a_second_one() {
        let (mut app, published) = app_with_published();
        let new = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap();
        assert_eq!(new.friendly_name(), "Submission 2");
        assert_eq!(new.status, SubmissionStatus::PendingCommit);
        assert_eq!(new.content.listings, published.content.listings);
        assert_eq!(
            app.slots.pending_submission_id.as_deref(),
            Some(new.id.as_str())
        );
        let err = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap_err();
        assert!(matches!(err, DomainError::Conflict { .. }));
    }

    #[test]
    fn publish_settles_files_and_starts_rollout() {
        let (mut app, published) = app_with_published();
        let mut new = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap();
        new.content.application_packages[0].file_status = FileStatus::PendingDelete;
        let mut added = published.content.application_packages[0].clone();
        added.file_name = "new.msix".into();
        added.file_status = FileStatus::PendingUpload;
        new.content.application_packages.push(added);
        new.content
            .package_delivery_options
            .package_rollout
            .is_package_rollout = true;
        publish(&mut app.slots, &mut new, Utc::now());
        assert_eq!(new.content.application_packages.len(), 1);
        assert_eq!(
            new.content.application_packages[0].file_status,
            FileStatus::Uploaded
        );
        let rollout = &new.content.package_delivery_options.package_rollout;
        assert_eq!(
            rollout.package_rollout_status,
            RolloutStatus::PackageRolloutInProgress
        );
        assert_eq!(rollout.fallback_submission_id, published.id);
        assert_eq!(app.slots.pending_submission_id, None);
        assert_eq!(
            app.slots.last_published_submission_id.as_deref(),
            Some(new.id.as_str())
        );
    }

    #[test]
    fn in_flight_submissions_cannot_be_deleted_or_recommitted() {
        let (mut app, published) = app_with_published();
        let mut new = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap();
        new.commit(Utc::now()).unwrap();
        assert!(new.ensure_deletable().is_err());
        assert!(new.ensure_editable().is_err());
        assert!(new.commit(Utc::now()).is_err());
        assert!(published.ensure_deletable().is_err());
    }
}
