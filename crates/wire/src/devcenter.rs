//! The devcenter API v1.0 JSON resources (seeds 000, 002, 004; notes/devcenter-api.md §3).
//!
//! These types are both what storeroom stores and what it emits: field names and order follow
//! the documented examples. They are read with [`crate::lenient`], so every struct carries
//! `#[serde(default)]` where the API treats a field as optional. Fields the API calls
//! read-only are still deserialized; the domain restores the server's values after merging.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dates;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }
        }

        impl Default for $name {
            fn default() -> Self { $name::$default }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// `status` of every kind of submission.
    SubmissionStatus {
        None, Canceled, PendingCommit, CommitStarted, CommitFailed, PendingPublication,
        Publishing, Published, PublishFailed, PreProcessing, PreProcessingFailed,
        Certification, CertificationFailed, Release, ReleaseFailed,
    } default PendingCommit
);

string_enum!(
    /// `statusDetails.*[].code` and the `code` of error bodies.
    StatusCode {
        None, InvalidArchive, MissingFiles, PackageValidationFailed, InvalidParameterValue,
        InvalidOperation, InvalidState, ResourceNotFound, ServiceError, ListingOptOutWarning,
        ListingOptInWarning, UpdateOnlyWarning, Other, PackageValidationWarning,
        SalesUnsupportedWarning,
    } default None
);

string_enum!(FileStatus { None, PendingUpload, Uploaded, PendingDelete } default None);
string_enum!(Visibility { Hidden, Public, Private, NotSet } default Public);
string_enum!(PublishMode { Immediate, Manual, SpecificDate } default Immediate);
string_enum!(
    TrialPeriod { NoFreeTrial, OneDay, TrialNeverExpires, SevenDays, FifteenDays, ThirtyDays }
    default NoFreeTrial
);
string_enum!(
    HardwarePreference { Touch, Keyboard, Mouse, Camera, NfcHce, Nfc, BluetoothLE, Telephony }
    default Touch
);
string_enum!(EnterpriseLicensing { None, Online, OnlineAndOffline } default Online);
string_enum!(DirectXVersion { None, DirectX93, DirectX100 } default None);
string_enum!(SystemRam { None, Memory2GB } default None);
string_enum!(KinectData { NotSet, Unknown, Enabled, Disabled } default NotSet);
string_enum!(
    RolloutStatus {
        PackageRolloutNotStarted, PackageRolloutInProgress, PackageRolloutComplete,
        PackageRolloutStopped,
    } default PackageRolloutNotStarted
);
string_enum!(
    PlatformOverrideKey { Unknown, Windows80, Windows81, WindowsPhone71, WindowsPhone80, WindowsPhone81 }
    default Unknown
);
string_enum!(
    GameGenre {
        Games_ActionAndAdventure, Games_CardAndBoard, Games_Casino, Games_Educational,
        Games_FamilyAndKids, Games_Fighting, Games_Music, Games_Platformer,
        Games_PuzzleAndTrivia, Games_RacingAndFlying, Games_RolePlaying, Games_Shooter,
        Games_Simulation, Games_Sports, Games_Strategy, Games_Word,
    } default Games_ActionAndAdventure
);
string_enum!(
    ImageType {
        Screenshot, MobileScreenshot, XboxScreenshot, SurfaceHubScreenshot, HoloLensScreenshot,
        StoreLogo9x16, StoreLogoSquare, Icon, PromotionalArt16x9, PromotionalArtwork2400X1200,
        XboxBrandedKeyArt, XboxTitledHeroArt, XboxFeaturedPromotionalArt, SquareIcon358X358,
        BackgroundImage1000X800, PromotionalArtwork414X180, PromotionalArtwork846X468,
        PromotionalArtwork558X756, PromotionalArtwork414X468, PromotionalArtwork558X558,
        WideIcon358X173, Unknown,
    } default Screenshot
);

/// A reference to a submission from its parent resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionRef {
    pub id: String,
    pub resource_location: String,
}

/// The Application resource (`GET applications/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub primary_name: String,
    pub package_family_name: String,
    pub package_identity_name: String,
    pub publisher_name: String,
    #[serde(with = "dates::seven")]
    pub first_published_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_published_application_submission: Option<SubmissionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_application_submission: Option<SubmissionRef>,
    pub has_advanced_listing_permission: bool,
}

/// The paged list envelope of every list endpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    #[serde(rename = "@nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    pub value: Vec<T>,
    #[serde(rename = "totalCount")]
    pub total_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Pricing {
    pub trial_period: TrialPeriod,
    pub market_specific_pricings: BTreeMap<String, String>,
    /// Deprecated: always empty on GET, ignored on PUT.
    #[serde(skip_deserializing)]
    pub sales: Vec<serde_json::Value>,
    pub price_id: String,
    pub is_advanced_pricing_model: bool,
}

impl Default for Pricing {
    fn default() -> Self {
        Self {
            trial_period: TrialPeriod::NoFreeTrial,
            market_specific_pricings: BTreeMap::new(),
            sales: Vec::new(),
            price_id: "Free".into(),
            is_advanced_pricing_model: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub file_name: String,
    pub file_status: FileStatus,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub description: String,
    pub image_type: ImageType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct BaseListing {
    pub copyright_and_trademark_info: String,
    pub keywords: Vec<String>,
    pub license_terms: String,
    /// Obsolete: set on the Properties page in Partner Center; ignored on input.
    #[serde(skip_deserializing)]
    pub privacy_policy: String,
    #[serde(skip_deserializing)]
    pub support_contact: String,
    #[serde(skip_deserializing)]
    pub website_url: String,
    pub description: String,
    pub features: Vec<String>,
    pub release_notes: String,
    pub images: Vec<Image>,
    pub recommended_hardware: Vec<String>,
    pub minimum_hardware: Vec<String>,
    pub title: String,
    pub short_description: String,
    pub short_title: String,
    pub sort_title: String,
    pub voice_title: String,
    pub dev_studio: String,
}

/// A platform override: the subset of a base listing from `description` to `title`, only the
/// fields that were sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PlatformListing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_hardware: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_hardware: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Listing {
    pub base_listing: BaseListing,
    pub platform_overrides: BTreeMap<PlatformOverrideKey, PlatformListing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GamingOptions {
    pub genres: Vec<GameGenre>,
    pub is_local_multiplayer: bool,
    pub is_local_cooperative: bool,
    pub is_online_multiplayer: bool,
    pub is_online_cooperative: bool,
    pub local_multiplayer_min_players: u32,
    pub local_multiplayer_max_players: u32,
    pub local_cooperative_min_players: u32,
    pub local_cooperative_max_players: u32,
    pub is_broadcasting_privilege_granted: bool,
    pub is_cross_play_enabled: bool,
    pub kinect_data_for_external: KinectData,
    /// Sent by Microsoft's game-options sample; kept when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_multiplayer_min_players: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_multiplayer_max_players: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_cooperative_min_players: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_cooperative_max_players: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_peripherals: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationPackage {
    pub file_name: String,
    pub file_status: FileStatus,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Documented as required, but Microsoft's Azure DevOps Store task (and the Actions
    /// built from it) add packages with only `fileName` and `fileStatus`, and production
    /// accepts them: missing reads as `None`.
    #[serde(default)]
    pub minimum_direct_x_version: DirectXVersion,
    #[serde(default)]
    pub minimum_system_ram: SystemRam,
    /// Not shown for flight packages nor before a package was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_device_families: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PackageRollout {
    pub is_package_rollout: bool,
    pub package_rollout_percentage: f64,
    pub package_rollout_status: RolloutStatus,
    pub fallback_submission_id: String,
    /// "Always provide the newest packages when customers manually check for updates":
    /// documented in the resource table only, so shown only once a client has set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_seek_enabled: Option<bool>,
}

impl Default for PackageRollout {
    fn default() -> Self {
        Self {
            is_package_rollout: false,
            package_rollout_percentage: 0.0,
            package_rollout_status: RolloutStatus::PackageRolloutNotStarted,
            fallback_submission_id: "0".into(),
            is_seek_enabled: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PackageDeliveryOptions {
    pub package_rollout: PackageRollout,
    pub is_mandatory_update: bool,
    #[serde(with = "dates::seven")]
    pub mandatory_update_effective_date: DateTime<Utc>,
}

impl Default for PackageDeliveryOptions {
    fn default() -> Self {
        Self {
            package_rollout: PackageRollout::default(),
            is_mandatory_update: false,
            mandatory_update_effective_date: dates::sentinel(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrailerImage {
    pub file_name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TrailerAssets {
    pub title: String,
    pub image_list: Vec<TrailerImage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trailer {
    #[serde(default)]
    pub id: String,
    pub video_file_name: String,
    #[serde(default)]
    pub video_file_id: String,
    #[serde(default)]
    pub trailer_assets: BTreeMap<String, TrailerAssets>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusDetail {
    pub code: StatusCode,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificationReport {
    #[serde(with = "dates::seven")]
    pub date: DateTime<Utc>,
    pub report_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct StatusDetails {
    pub errors: Vec<StatusDetail>,
    pub warnings: Vec<StatusDetail>,
    pub certification_reports: Vec<CertificationReport>,
}

/// The editable content of an app submission: everything in the App submission resource
/// except `id`, `status`, `statusDetails`, `fileUploadUrl` and `friendlyName`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AppSubmissionContent {
    pub application_category: String,
    pub pricing: Pricing,
    pub visibility: Visibility,
    pub target_publish_mode: PublishMode,
    #[serde(with = "dates::seconds")]
    pub target_publish_date: DateTime<Utc>,
    pub listings: BTreeMap<String, Listing>,
    pub hardware_preferences: Vec<HardwarePreference>,
    pub automatic_backup_enabled: bool,
    pub can_install_on_removable_media: bool,
    pub is_game_dvr_enabled: bool,
    /// `null` when the app lacks advanced listing permission (documented).
    pub gaming_options: Option<Vec<GamingOptions>>,
    pub has_external_in_app_products: bool,
    pub meet_accessibility_guidelines: bool,
    pub notes_for_certification: String,
    pub application_packages: Vec<ApplicationPackage>,
    pub package_delivery_options: PackageDeliveryOptions,
    pub enterprise_licensing: EnterpriseLicensing,
    pub allow_microsoft_decide_app_availability_to_future_device_families: bool,
    pub allow_target_future_device_families: BTreeMap<String, bool>,
    /// `null` when the app lacks advanced listing permission (documented).
    pub trailers: Option<Vec<Trailer>>,
}

impl Default for AppSubmissionContent {
    fn default() -> Self {
        Self {
            application_category: "NotSet".into(),
            pricing: Pricing::default(),
            visibility: Visibility::Public,
            target_publish_mode: PublishMode::Immediate,
            target_publish_date: dates::sentinel(),
            listings: BTreeMap::new(),
            hardware_preferences: Vec::new(),
            automatic_backup_enabled: false,
            can_install_on_removable_media: true,
            is_game_dvr_enabled: false,
            gaming_options: Some(Vec::new()),
            has_external_in_app_products: false,
            meet_accessibility_guidelines: true,
            notes_for_certification: String::new(),
            application_packages: Vec::new(),
            package_delivery_options: PackageDeliveryOptions::default(),
            enterprise_licensing: EnterpriseLicensing::Online,
            allow_microsoft_decide_app_availability_to_future_device_families: true,
            allow_target_future_device_families: BTreeMap::new(),
            trailers: Some(Vec::new()),
        }
    }
}

/// The editable content of a package flight submission (seed 004).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct FlightSubmissionContent {
    pub flight_packages: Vec<ApplicationPackage>,
    pub package_delivery_options: PackageDeliveryOptions,
    pub target_publish_mode: PublishMode,
    #[serde(with = "dates::seconds")]
    pub target_publish_date: DateTime<Utc>,
    pub notes_for_certification: String,
}

impl Default for FlightSubmissionContent {
    fn default() -> Self {
        Self {
            flight_packages: Vec::new(),
            package_delivery_options: PackageDeliveryOptions::default(),
            target_publish_mode: PublishMode::Immediate,
            target_publish_date: dates::sentinel(),
            notes_for_certification: String::new(),
        }
    }
}

/// The Flight resource.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Flight {
    pub flight_id: String,
    pub friendly_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_published_flight_submission: Option<SubmissionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_flight_submission: Option<SubmissionRef>,
    pub group_ids: Vec<String>,
    pub rank_higher_than: String,
}

/// The Flight submission resource.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlightSubmission<'a> {
    pub id: &'a str,
    pub flight_id: &'a str,
    pub status: SubmissionStatus,
    pub status_details: &'a StatusDetails,
    pub flight_packages: &'a [ApplicationPackage],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_upload_url: Option<String>,
    pub package_delivery_options: &'a PackageDeliveryOptions,
    pub target_publish_mode: PublishMode,
    #[serde(with = "dates::seconds")]
    pub target_publish_date: DateTime<Utc>,
    pub notes_for_certification: &'a str,
}

/// The App submission resource as the API emits it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppSubmission<'a> {
    pub id: &'a str,
    #[serde(flatten)]
    pub content: &'a AppSubmissionContent,
    pub status: SubmissionStatus,
    pub status_details: &'a StatusDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_upload_url: Option<String>,
    pub friendly_name: String,
}

/// `isMinimalResponse=true`: the submission without listings, packages and trailers, which
/// the client then fetches with a GET.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MinimalAppSubmission<'a> {
    pub id: &'a str,
    pub status: SubmissionStatus,
    pub status_details: &'a StatusDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_upload_url: Option<String>,
    pub friendly_name: String,
}

/// `GET …/status`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionStatusResponse<'a> {
    pub status: SubmissionStatus,
    pub status_details: &'a StatusDetails,
}

/// `POST …/commit`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommitResponse {
    pub status: SubmissionStatus,
}

/// The error body of the ingestion API (notes §1.6):
/// `{"code","data":[],"details":[],"message","source":"Ingestion Api","target"}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub data: Vec<String>,
    pub details: Vec<String>,
    pub message: String,
    pub source: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
}

impl ErrorBody {
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        target: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            data: Vec::new(),
            details: Vec::new(),
            message: message.into(),
            source: "Ingestion Api",
            target: target.into(),
        }
    }
}

/// The API gateway's 401 body, as clients see it for a missing, invalid or expired token.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayError {
    pub status_code: u16,
    pub message: String,
}

/// The 401 for a valid token whose application is not registered with a seller account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessDenied {
    pub code: &'static str,
    pub message: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Add-ons (in-app products): the resource (notes §3.4), its submission (§3.10) and their enums.

string_enum!(
    /// `productType` of an add-on. StoreBroker also knows `NotSet` and `Subscription`, but the
    /// API documents only these two.
    ProductType { Durable, Consumable } default Durable
);
string_enum!(
    /// `contentType` of an add-on submission.
    ContentType {
        NotSet, BookDownload, EMagazine, ENewspaper, MusicDownload, MusicStream,
        OnlineDataStorage, VideoDownload, VideoStream, Asp, OnlineDownload,
    } default NotSet
);
string_enum!(
    /// `lifetime` of a durable add-on.
    Lifetime {
        Forever, OneDay, ThreeDays, FiveDays, OneWeek, TwoWeeks, OneMonth, TwoMonths,
        ThreeMonths, SixMonths, OneYear,
    } default Forever
);

/// An add-on listing's icon: a 300×300 PNG inside the uploaded ZIP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnIcon {
    pub file_name: String,
    pub file_status: FileStatus,
}

/// One language's listing of an add-on. The icon is optional in Partner Center, so a listing
/// without one omits the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AddOnListing {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<AddOnIcon>,
    pub title: String,
}

/// An add-on's pricing: [`Pricing`] without `trialPeriod`, which only apps have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct AddOnPricing {
    pub market_specific_pricings: BTreeMap<String, String>,
    /// Deprecated: always empty on GET, ignored on PUT.
    #[serde(skip_deserializing)]
    pub sales: Vec<serde_json::Value>,
    pub price_id: String,
    pub is_advanced_pricing_model: bool,
}

impl Default for AddOnPricing {
    fn default() -> Self {
        let Pricing {
            market_specific_pricings,
            sales,
            price_id,
            is_advanced_pricing_model,
            ..
        } = Pricing::default();
        Self {
            market_specific_pricings,
            sales,
            price_id,
            is_advanced_pricing_model,
        }
    }
}

/// The editable content of an add-on submission: everything in the resource except `id`,
/// `status`, `statusDetails`, `fileUploadUrl` and `friendlyName`. The defaults are what the
/// first submission of a new add-on starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct InAppProductSubmissionContent {
    pub content_type: ContentType,
    pub keywords: Vec<String>,
    pub lifetime: Lifetime,
    pub listings: BTreeMap<String, AddOnListing>,
    pub pricing: AddOnPricing,
    pub target_publish_mode: PublishMode,
    #[serde(with = "dates::seconds")]
    pub target_publish_date: DateTime<Utc>,
    pub tag: String,
    pub visibility: Visibility,
}

impl Default for InAppProductSubmissionContent {
    fn default() -> Self {
        Self {
            content_type: ContentType::NotSet,
            keywords: Vec::new(),
            lifetime: Lifetime::Forever,
            listings: BTreeMap::new(),
            pricing: AddOnPricing::default(),
            target_publish_mode: PublishMode::Immediate,
            target_publish_date: dates::sentinel(),
            tag: String::new(),
            visibility: Visibility::Public,
        }
    }
}

/// An app an add-on belongs to: `{"id", "resourceLocation": "applications/{id}"}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRef {
    pub id: String,
    pub resource_location: String,
}

/// `applications` of an add-on: a list envelope without paging.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnApplications {
    pub value: Vec<ApplicationRef>,
    pub total_count: u64,
}

/// The Add-on (in-app product) resource.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InAppProduct {
    pub applications: AddOnApplications,
    pub id: String,
    pub product_id: String,
    pub product_type: ProductType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_in_app_product_submission: Option<SubmissionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_published_in_app_product_submission: Option<SubmissionRef>,
}

/// An item of `GET applications/{appId}/listinappproducts`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InAppProductId {
    pub in_app_product_id: String,
}

/// The Add-on submission resource as the API emits it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InAppProductSubmission<'a> {
    pub id: &'a str,
    #[serde(flatten)]
    pub content: &'a InAppProductSubmissionContent,
    pub status: SubmissionStatus,
    pub status_details: &'a StatusDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_upload_url: Option<String>,
    pub friendly_name: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::lenient;

    #[test]
    fn documented_example_round_trips() {
        let example = json!({
          "applicationCategory": "BooksAndReference_EReader",
          "pricing": {"trialPeriod": "FifteenDays", "marketSpecificPricings": {}, "sales": [],
                      "priceId": "Tier2", "isAdvancedPricingModel": true},
          "visibility": "Public", "targetPublishMode": "Manual",
          "targetPublishDate": "1601-01-01T00:00:00Z",
          "listings": {"en-us": {"baseListing": {"title": "Contoso ebook reader", "description": "Description",
              "images": [{"fileName": "contoso.png", "fileStatus": "Uploaded", "id": "1152921504672272757",
                          "description": "Main page", "imageType": "Screenshot"}]},
              "platformOverrides": {"Windows81": {"description": "Ebook reader for Windows 8.1"}}}},
          "hardwarePreferences": ["Touch"],
          "applicationPackages": [{"fileName": "contoso_app.appx", "fileStatus": "Uploaded",
              "id": "1152921504620138797", "version": "1.0.0.0", "architecture": "ARM",
              "languages": ["en-US"], "capabilities": [], "minimumDirectXVersion": "None",
              "minimumSystemRam": "None", "targetDeviceFamilies": ["Windows.Mobile min version 10.0.10240.0"]}],
          "packageDeliveryOptions": {"packageRollout": {"isPackageRollout": false, "packageRolloutPercentage": 0,
              "packageRolloutStatus": "PackageRolloutNotStarted", "fallbackSubmissionId": "0"},
              "isMandatoryUpdate": false, "mandatoryUpdateEffectiveDate": "1601-01-01T00:00:00.0000000Z"},
          "enterpriseLicensing": "Online",
          "allowTargetFutureDeviceFamilies": {"Desktop": false, "Mobile": true},
          "trailers": []
        });
        let content: AppSubmissionContent = lenient::from_value(example).unwrap();
        assert_eq!(content.pricing.price_id, "Tier2");
        assert_eq!(
            content.listings["en-us"].platform_overrides[&PlatformOverrideKey::Windows81]
                .description
                .as_deref(),
            Some("Ebook reader for Windows 8.1")
        );
        let out = serde_json::to_value(&content).unwrap();
        assert_eq!(out["targetPublishDate"], "1601-01-01T00:00:00Z");
        assert_eq!(
            out["packageDeliveryOptions"]["mandatoryUpdateEffectiveDate"],
            "1601-01-01T00:00:00.0000000Z"
        );
        assert_eq!(
            out["listings"]["en-us"]["platformOverrides"],
            json!({"Windows81": {"description": "Ebook reader for Windows 8.1"}})
        );
        assert_eq!(out["pricing"]["sales"], json!([]));
    }

    #[test]
    fn a_package_needs_only_its_file_name_and_status() {
        let content = lenient::from_value::<AppSubmissionContent>(json!({
            "applicationPackages": [{"fileName": "a.msix", "fileStatus": "PendingUpload"}]
        }))
        .unwrap();
        let package = &content.application_packages[0];
        assert_eq!(package.minimum_direct_x_version, DirectXVersion::None);
        assert_eq!(package.minimum_system_ram, SystemRam::None);
        let err = lenient::from_value::<AppSubmissionContent>(json!({
            "applicationPackages": [{"fileName": "a.msix"}]
        }))
        .unwrap_err();
        assert_eq!(err.path, "applicationPackages[0]");
        assert!(err.message.contains("fileStatus"), "{}", err.message);
    }

    #[test]
    fn absent_references_are_omitted() {
        let app = Application {
            id: "9NBLGGH4R315".into(),
            primary_name: "Contoso".into(),
            package_family_name: "p_x".into(),
            package_identity_name: "p".into(),
            publisher_name: "CN=x".into(),
            first_published_date: crate::dates::sentinel(),
            last_published_application_submission: None,
            pending_application_submission: None,
            has_advanced_listing_permission: true,
        };
        let out = serde_json::to_value(&app).unwrap();
        assert!(out.get("pendingApplicationSubmission").is_none());
        assert!(out.get("lastPublishedApplicationSubmission").is_none());
    }
}
