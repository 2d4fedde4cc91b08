//! MSI/EXE products and their submissions, as stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storeroom_wire::msi::PublishingStatus;

use super::draft::{Draft, seed_draft};
use crate::ids;
use crate::pipeline::PipelinePolicy;

/// The installer URL a reserved product's first package points at.
pub const SEED_PACKAGE_URL: &str = "https://www.contoso.com/downloads/1.0/setup.msi";

/// An MSI/EXE product reserved in "Partner Center" (the admin API): its one draft, where its
/// package processing is, and the submission it has in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MsiProduct {
    /// A GUID, lower case: the `{productId}` of the API.
    pub id: String,
    pub seller_id: String,
    pub name: String,
    pub draft: Draft,
    pub packages: PackagesState,
    /// Bumped by every package commit, so that a processing result for an older commit is
    /// recognised and dropped.
    pub packages_generation: u64,
    /// Upload slots handed out by listing-asset create and not committed yet.
    #[serde(default)]
    pub pending_assets: Vec<PendingAsset>,
    pub ongoing_submission_id: Option<String>,
    pub last_published_submission_id: Option<String>,
    pub submission_count: u32,
    /// This product's own pipeline policy, overriding the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelinePolicy>,
    pub created_at: DateTime<Utc>,
}

/// Where the draft's packages are between update and readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum PackagesState {
    /// Processed: the package module is ready.
    Ready,
    /// Changed by PUT/PATCH and not committed yet.
    Modified,
    /// Committed; the worker is checking the installers.
    Processing,
    /// Processing failed; commit again after fixing the packages.
    Failed { message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssetKind {
    Screenshot,
    Logo,
}

impl AssetKind {
    /// The name of this kind in `listingAssets` (`screenshots`, `storeLogos`).
    pub fn field(self) -> &'static str {
        match self {
            AssetKind::Screenshot => "screenshots",
            AssetKind::Logo => "storeLogos",
        }
    }
}

/// An upload slot: the image goes to `blob` in one of the two asset containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAsset {
    pub id: String,
    pub language: String,
    pub kind: AssetKind,
    pub created_at: DateTime<Utc>,
}

/// A submission of an MSI/EXE product: a snapshot of the draft moving through the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MsiSubmission {
    pub id: String,
    pub product_id: String,
    pub seller_id: String,
    pub status: PublishingStatus,
    /// The pipeline step it waits in while INPROGRESS (a [`crate::pipeline::Step`] name).
    pub step: Option<String>,
    pub snapshot: Draft,
    /// Why it failed, when it did.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Status reads since the pipeline last moved (for `pollsPerStep` policies).
    #[serde(default)]
    pub status_reads: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MsiSubmission {
    pub fn in_flight(&self) -> bool {
        self.status == PublishingStatus::InProgress
    }
}

impl MsiProduct {
    /// A new product with a complete draft and the published submission it was made from,
    /// as a product looks after its first submission in Partner Center.
    pub fn reserve(seller_id: &str, name: &str, now: DateTime<Utc>) -> (MsiProduct, MsiSubmission) {
        Self::reserve_with_id(seller_id, name, ids::guid(), now)
    }

    /// [`MsiProduct::reserve`] under a product id of the caller's (a real product's).
    pub fn reserve_with_id(
        seller_id: &str,
        name: &str,
        product_id: String,
        now: DateTime<Utc>,
    ) -> (MsiProduct, MsiSubmission) {
        let draft = seed_draft(SEED_PACKAGE_URL);
        let published = MsiSubmission {
            id: ids::numeric_id(),
            product_id: product_id.clone(),
            seller_id: seller_id.to_string(),
            status: PublishingStatus::Published,
            step: None,
            snapshot: draft.clone(),
            errors: Vec::new(),
            status_reads: 0,
            created_at: now,
            updated_at: now,
        };
        let product = MsiProduct {
            id: product_id,
            seller_id: seller_id.to_string(),
            name: name.to_string(),
            draft,
            packages: PackagesState::Ready,
            packages_generation: 0,
            pending_assets: Vec::new(),
            ongoing_submission_id: None,
            last_published_submission_id: Some(published.id.clone()),
            submission_count: 1,
            pipeline: None,
            created_at: now,
        };
        (product, published)
    }
}

/// The module-status URL of a product.
pub fn status_url(product_id: &str) -> String {
    format!("/submission/v1/product/{product_id}/status")
}

/// The status URL of one submission.
pub fn submission_status_url(product_id: &str, submission_id: &str) -> String {
    format!("/submission/v1/product/{product_id}/submission/{submission_id}/status")
}
