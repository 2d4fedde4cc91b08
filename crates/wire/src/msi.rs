//! The MSI/EXE submission API (`api.store.microsoft.com/submission/v1/`, seed 001).
//!
//! Every response is an [`Envelope`]. The module records ([`Availability`], [`Properties`],
//! [`Listing`], [`Package`]) are what GET returns and what storeroom stores; the `*Patch`
//! types are request bodies, every field optional, so that one type serves the full update
//! (PUT: absent fields take defaults) and the partial one (PATCH: absent fields are kept).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{isSuccess, errors, responseData}`: the shape of every response of this API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    pub is_success: bool,
    pub errors: Vec<ErrorEntry>,
    pub response_data: T,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorEntry {
    pub code: String,
    pub message: String,
    /// The module (`availability`, `properties`, `listings`, `packages`, `listingAssets`,
    /// `submission`) or request part the error is about.
    pub target: String,
}

/// Error codes storeroom sends. Only `badrequest` and `packageuploaderror` appear in the
/// seed; clients compare `packageuploaderror` exactly.
pub mod codes {
    pub const BAD_REQUEST: &str = "badrequest";
    pub const NOT_FOUND: &str = "notfound";
    pub const METHOD_NOT_ALLOWED: &str = "methodnotallowed";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const TOO_MANY_REQUESTS: &str = "toomanyrequests";
    pub const SUBMISSION_IN_PROGRESS: &str = "submissioninprogress";
    /// Ours (admin API): a product id already reserved.
    pub const CONFLICT: &str = "conflict";
    pub const PACKAGE_UPLOAD_ERROR: &str = "packageuploaderror";
    pub const PACKAGES_NOT_COMMITTED: &str = "packagesnotcommitted";
    pub const INCOMPLETE_MODULE: &str = "incompletemodule";
    pub const SUBMISSION_FAILED: &str = "submissionfailed";
    pub const REQUEST_TOO_LARGE: &str = "requestentitytoolarge";
    pub const INTERNAL: &str = "internalservererror";
}

// ---------------------------------------------------------------------------------------
// Module records (GET responses, storage)

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    pub markets: Vec<String>,
    pub discoverability: String,
    pub enable_in_future_markets: bool,
    pub pricing: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_trial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Properties {
    pub is_privacy_policy_required: bool,
    pub privacy_policy_url: String,
    pub website: String,
    pub support_contact_info: String,
    pub certification_notes: String,
    pub category: String,
    pub subcategory: String,
    pub product_declarations: ProductDeclarations,
    pub is_system_feature_required: Vec<SystemFeature>,
    pub system_requirement_details: Vec<SystemRequirement>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDeclarations {
    #[serde(rename = "dependsOnDriversOrNT")]
    pub depends_on_drivers_or_nt: bool,
    pub accessibility_support: bool,
    pub pen_and_ink_support: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemFeature {
    pub is_required: bool,
    pub is_recommended: bool,
    pub hardware_item_type: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemRequirement {
    pub minimum_requirement: String,
    pub recommended_requirement: String,
    pub hardware_item_type: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub language: String,
    pub description: String,
    pub whats_new: String,
    pub product_features: Vec<String>,
    pub short_description: String,
    pub search_terms: Vec<String>,
    pub additional_license_terms: String,
    pub copyright: String,
    pub developed_by: String,
    pub sort_title: String,
    pub requirements: Vec<HardwareRequirement>,
    pub contact_info: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardwareRequirement {
    pub minimum_hardware: String,
    pub recommended_hardware: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    pub package_id: String,
    pub package_url: String,
    pub languages: Vec<String>,
    pub architectures: Vec<String>,
    pub is_silent_install: bool,
    pub installer_parameters: String,
    pub generic_doc_url: String,
    pub error_details: Vec<ErrorDetail>,
    pub package_type: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub error_scenario: String,
    pub error_scenario_details: Vec<ErrorScenarioDetail>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorScenarioDetail {
    pub error_value: String,
    pub error_url: String,
}

// ---------------------------------------------------------------------------------------
// Request bodies

/// PUT and PATCH `/metadata`. `listings` is one listing object in the seed; an array of
/// them is accepted too, so it stays a raw value until the handler reads each one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetadataUpdate {
    #[serde(default)]
    pub availability: Option<AvailabilityPatch>,
    #[serde(default)]
    pub properties: Option<PropertiesPatch>,
    #[serde(default)]
    pub listings: Option<Value>,
    #[serde(default)]
    pub listings_to_add: Option<Vec<String>>,
    #[serde(default)]
    pub listings_to_remove: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityPatch {
    pub markets: Option<Vec<String>>,
    pub discoverability: Option<String>,
    pub enable_in_future_markets: Option<bool>,
    pub pricing: Option<String>,
    pub free_trial: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PropertiesPatch {
    pub is_privacy_policy_required: Option<bool>,
    pub privacy_policy_url: Option<String>,
    pub website: Option<String>,
    pub support_contact_info: Option<String>,
    pub certification_notes: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub product_declarations: Option<ProductDeclarationsPatch>,
    pub is_system_feature_required: Option<Vec<SystemFeaturePatch>>,
    pub system_requirement_details: Option<Vec<SystemRequirementPatch>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDeclarationsPatch {
    #[serde(rename = "dependsOnDriversOrNT")]
    pub depends_on_drivers_or_nt: Option<bool>,
    pub accessibility_support: Option<bool>,
    pub pen_and_ink_support: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemFeaturePatch {
    pub is_required: Option<bool>,
    pub is_recommended: Option<bool>,
    pub hardware_item_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemRequirementPatch {
    pub minimum_requirement: Option<String>,
    pub recommended_requirement: Option<String>,
    pub hardware_item_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingPatch {
    pub language: Option<String>,
    pub description: Option<String>,
    pub whats_new: Option<String>,
    pub product_features: Option<Vec<String>>,
    pub short_description: Option<String>,
    pub search_terms: Option<Vec<String>>,
    pub additional_license_terms: Option<String>,
    pub copyright: Option<String>,
    pub developed_by: Option<String>,
    pub sort_title: Option<String>,
    pub requirements: Option<Vec<HardwareRequirementPatch>>,
    pub contact_info: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardwareRequirementPatch {
    pub minimum_hardware: Option<String>,
    pub recommended_hardware: Option<String>,
}

/// PUT `/packages`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackagesUpdate {
    #[serde(default)]
    pub packages: Option<Vec<PackagePatch>>,
}

/// One package in PUT `/packages`, or the body of PATCH `/packages/{packageId}`.
/// `packageId` is read-only and ignored.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackagePatch {
    pub package_url: Option<String>,
    pub languages: Option<Vec<String>>,
    pub architectures: Option<Vec<String>>,
    pub is_silent_install: Option<bool>,
    pub installer_parameters: Option<String>,
    pub generic_doc_url: Option<String>,
    pub error_details: Option<Vec<ErrorDetailPatch>>,
    pub package_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetailPatch {
    pub error_scenario: Option<String>,
    pub error_scenario_details: Option<Vec<ErrorScenarioDetailPatch>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorScenarioDetailPatch {
    pub error_value: Option<String>,
    pub error_url: Option<String>,
}

/// POST `/listings/assets/create`: `createAssetRequest` maps an asset type (`Screenshot`,
/// `Logo`) to how many upload URLs to create.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateAssetsRequest {
    pub language: Option<String>,
    pub create_asset_request: Option<BTreeMap<String, i64>>,
}

/// PUT `/listings/assets/commit`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitAssetsRequest {
    pub listing_assets: Option<CommitAssets>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitAssets {
    pub language: Option<String>,
    /// Absent: the logos stay as they are; present (even empty): they are replaced.
    pub store_logos: Option<Vec<AssetRef>>,
    pub screenshots: Option<Vec<AssetRef>>,
}

/// An asset to keep (an existing id) or to add (an id from create, uploaded).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssetRef {
    pub id: Option<String>,
    pub asset_url: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Response data

/// GET `/metadata` and `/metadata/{module}`: only the modules asked for are present.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetadataResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Properties>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listings: Option<Vec<Listing>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_languages: Option<Vec<ListingLanguage>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingLanguage {
    pub language: String,
    pub is_complete: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackagesResponse {
    pub packages: Vec<Package>,
}

/// What writes return: where to poll, and the submission that blocks them, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PollingResponse {
    pub polling_url: String,
    pub ongoing_submission_id: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleStatus {
    pub is_ready: bool,
    pub ongoing_submission_id: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmitResponse {
    pub submission_id: String,
    pub polling_url: String,
    pub ongoing_submission_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PublishingStatus {
    InProgress,
    Published,
    Failed,
    Unknown,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionStatus {
    pub publishing_status: PublishingStatus,
    pub has_failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImageSize {
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingAsset {
    pub id: String,
    pub asset_url: String,
    pub image_size: ImageSize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LanguageAssets {
    pub language: String,
    pub store_logos: Vec<ListingAsset>,
    pub screenshots: Vec<ListingAsset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingAssetsResponse {
    pub listing_assets: Vec<LanguageAssets>,
}

/// One upload slot of create: PUT the image to either URL with `httpHeaders`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadSlot {
    pub id: String,
    pub primary_asset_upload_url: String,
    pub secondary_asset_upload_url: String,
    pub http_method: String,
    pub http_headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedAssets {
    pub language: String,
    pub store_logos: Vec<UploadSlot>,
    pub screenshots: Vec<UploadSlot>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateAssetsResponse {
    pub listing_assets: CreatedAssets,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_use_the_seed_field_names() {
        let properties = serde_json::to_value(Properties::default()).unwrap();
        assert!(properties["productDeclarations"]["dependsOnDriversOrNT"].is_boolean());
        assert!(properties["isSystemFeatureRequired"].is_array());
        let status = serde_json::to_value(SubmissionStatus {
            publishing_status: PublishingStatus::InProgress,
            has_failed: false,
        })
        .unwrap();
        assert_eq!(status["publishingStatus"], "INPROGRESS");
        let envelope = serde_json::to_value(Envelope {
            is_success: true,
            errors: vec![],
            response_data: ModuleStatus {
                is_ready: true,
                ongoing_submission_id: String::new(),
            },
        })
        .unwrap();
        assert_eq!(envelope["responseData"]["isReady"], true);
        assert_eq!(envelope["isSuccess"], true);
    }

    #[test]
    fn patches_read_case_insensitively() {
        let patch: PackagePatch = crate::lenient::from_slice(
            br#"{"PackageUrl": "https://x/y.exe", "ARCHITECTURES": ["X64"], "isSilentInstall": null}"#,
        )
        .unwrap();
        assert_eq!(patch.package_url.as_deref(), Some("https://x/y.exe"));
        assert_eq!(patch.architectures, Some(vec!["X64".to_string()]));
        assert_eq!(patch.is_silent_install, None);
        let update: MetadataUpdate = crate::lenient::from_slice(
            br#"{"listingsToAdd": ["en-au"], "Properties": {"dependsOnDriversOrNT": true, "productDeclarations": {"dependsondriversornt": true}}}"#,
        )
        .unwrap();
        assert_eq!(update.listings_to_add, Some(vec!["en-au".to_string()]));
        let declarations = update.properties.unwrap().product_declarations.unwrap();
        assert_eq!(declarations.depends_on_drivers_or_nt, Some(true));
    }
}
