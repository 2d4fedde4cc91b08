//! The models of the ingestion API (partner-ingestion.md §4), as [`Model`] tables, and the
//! `resourceType` values each route accepts (§2.5).

use super::schema::{Field as F, Initial as I, Kind as K, Model};

pub const FILE_STATES: &[&str] = &[
    "PendingUpload",
    "Uploaded",
    "InProcessing",
    "Processed",
    "ProcessFailed",
];

pub const MODULES: &[&str] = &[
    "Listing",
    "Property",
    "Package",
    "Availability",
    "SupplementalContent",
    "Cosell",
    "ResellerConfiguration",
];

static TYPE_VALUE: Model = Model {
    fields: &[F::new("type", K::Str), F::new("value", K::Str)],
};

static VALIDATION_RESULT: Model = Model {
    fields: &[
        F::new("memberNames", K::Strs),
        F::new("errorMessage", K::Str),
    ],
};

static GOVERNMENT_CERTIFICATION: Model = Model {
    fields: &[
        F::new("validationResults", K::Objs(&VALIDATION_RESULT)),
        F::new("title", K::Str),
        F::new("uri", K::Str),
    ],
};

pub static PRODUCT: Model = Model {
    fields: &[
        F::new("name", K::Str),
        F::new("externalIDs", K::Objs(&TYPE_VALUE)),
        F::new("isModularPublishing", K::Bool).initially(I::Bool(true)),
        F::new("offerMarketingUrlIDentifier", K::Str),
    ],
};

pub static SETUP: Model = Model {
    fields: &[
        F::new("sellingOption", K::Str)
            .one_of(&["ListingOnly", "ListAndSell"])
            .initially(I::Str("ListAndSell")),
        F::new("callToAction", K::Str).one_of(&["free", "free-trial", "contact-me"]),
        F::new("trialUri", K::Str).initially(I::Str("")),
        F::new("enableTestDrive", K::Bool).initially(I::Bool(false)),
        F::new("testDriveType", K::Str),
        F::new("channelStates", K::Objs(&TYPE_VALUE)),
    ],
};

pub static SKU_VARIANT: Model = Model {
    fields: &[
        F::new("state", K::Str)
            .one_of(&["Active", "Inactive"])
            .initially(I::Str("Active")),
        F::new("friendlyName", K::Str),
        F::new("conversionPaths", K::Str).initially(I::Str("*")),
        F::new("leadGenID", K::Str),
        F::new("externalID", K::Str),
        F::new("referenceVariantID", K::Str),
        F::new(
            "certificationsAzureGovernment",
            K::Objs(&GOVERNMENT_CERTIFICATION),
        )
        .alias(&["azureGovernmentCertifications"])
        .initially(I::EmptyList),
        F::new("cloudAvailabilities", K::Strs).initially(I::Strs(&["public-azure"])),
        F::new("subType", K::Str).one_of(&["managed-application", "solution-template"]),
        F::new("extendedProperties", K::Objs(&TYPE_VALUE)).initially(I::EmptyList),
    ],
};

pub static TEST_DRIVE_VARIANT: Model = Model {
    fields: &[
        F::new("state", K::Str)
            .one_of(&["Active", "Inactive"])
            .initially(I::Str("Inactive")),
        F::new("testDriveType", K::Str),
    ],
};

static LISTING_URI: Model = Model {
    fields: &[
        F::new("type", K::Str),
        F::new("subtype", K::Str),
        F::new("displayText", K::Str),
        F::new("uri", K::Str),
    ],
};

static LISTING_CONTACT: Model = Model {
    fields: &[
        F::new("type", K::Str).one_of(&["CustomerSupport", "Engineering", "ChannelManager"]),
        F::new("email", K::Str),
        F::new("name", K::Str),
        F::new("phone", K::Str),
        F::new("uri", K::Str),
    ],
};

pub static LISTING: Model = Model {
    fields: &[
        F::new("title", K::Str),
        F::new("description", K::Str),
        F::new("shortDescription", K::Str),
        F::new("summary", K::Str),
        F::new("publisherName", K::Str),
        F::new("productDisplayName", K::Str),
        F::new("accessInformation", K::Str),
        F::new("listingUris", K::Objs(&LISTING_URI)).initially(I::EmptyList),
        F::new("listingContacts", K::Objs(&LISTING_CONTACT)).initially(I::EmptyList),
        F::new("gettingStartedInstructions", K::Str).initially(I::Str("")),
        F::new("languageCode", K::Str).initially(I::Str("en-us")),
        F::new("keywords", K::Strs).initially(I::EmptyList),
        F::new("allowOnlyManagedDiskDeployments", K::Bool),
        F::new("compatibleProducts", K::Strs),
    ],
};

pub const IMAGE_TYPES: &[&str] = &[
    "AzureLogoLarge",
    "AzureLogoMedium",
    "AzureLogoSmall",
    "AzureLogoWide",
    "AzureLogoHero",
    "AzureScreenshot",
];

pub static IMAGE: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("type", K::Str).one_of(IMAGE_TYPES),
        F::new("fileSasUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
        F::new("description", K::Str),
        F::new("order", K::Int).initially(I::Int(0)),
    ],
};

static THUMBNAIL: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("title", K::Str),
        F::new("description", K::Str),
        F::new("fileSasUri", K::Str),
        F::new("publisherDefinedSasUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
    ],
};

pub static VIDEO: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("fileSasUri", K::Str),
        F::new("streamingUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
        F::new("thumbnail", K::Obj(&THUMBNAIL)),
    ],
};

pub static ASSET: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("type", K::Str),
        F::new("fileSasUri", K::Str),
        F::new("publisherDefinedSasUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
        F::new("description", K::Str),
        F::new("friendlyName", K::Str),
    ],
};

static TENANT: Model = Model {
    fields: &[F::new("ID", K::Str), F::new("description", K::Str)],
};

static CUSTOM_AMENDMENT: Model = Model {
    fields: &[
        F::new("name", K::Str),
        F::new("terms", K::Str),
        F::new("tenants", K::Objs(&TENANT)),
    ],
};

pub static PROPERTY: Model = Model {
    fields: &[
        F::new("industries", K::NonEmptyStrs).initially(I::EmptyList),
        F::new("categories", K::NonEmptyStrs).initially(I::EmptyList),
        F::new("additionalCategories", K::NonEmptyStrs),
        F::new("leveledCategories", K::Any),
        F::new("hideKeys", K::NonEmptyStrs),
        F::new("productTags", K::NonEmptyStrs),
        F::new("submissionVersion", K::Str),
        F::new("appVersion", K::Str),
        F::new("useEnterpriseContract", K::Bool).initially(I::Bool(false)),
        F::new("termsOfUse", K::Str).initially(I::Str("")),
        F::new("globalAmendmentTerms", K::Str),
        F::new("marketingOnlyChange", K::Bool),
        F::new("customAmendments", K::Objs(&CUSTOM_AMENDMENT)),
    ],
};

static AUDIENCE_GROUP: Model = Model {
    fields: &[F::new("type", K::Str), F::new("values", K::Any)],
};

static AUDIENCE_MEMBER: Model = Model {
    fields: &[F::new("ID", K::Str), F::new("description", K::Str)],
};

pub static PRODUCT_AVAILABILITY: Model = Model {
    fields: &[
        F::new("visibility", K::Str)
            .one_of(&["Public", "Private"])
            .initially(I::Str("Public")),
        F::new("enterpriseLicensing", K::Str).initially(I::Str("Online")),
        F::new("audiences", K::Objs(&AUDIENCE_GROUP)).initially(I::EmptyList),
        F::new("emailAudiences", K::Objs(&AUDIENCE_MEMBER)).initially(I::EmptyList),
        F::new("subscriptionAudiences", K::Objs(&AUDIENCE_MEMBER)).initially(I::EmptyList),
        F::new("hideKeyAudience", K::Str),
    ],
};

static MARKET_STATE: Model = Model {
    fields: &[
        F::new("marketCode", K::Str),
        F::new("state", K::Str).one_of(&["Disabled", "Enabled", "StopSelling", "Terminated"]),
    ],
};

static LOCALIZED_DATE_TIME: Model = Model {
    fields: &[
        F::new("localizePerMarket", K::Bool),
        F::new("dateTimeInUtc", K::Str),
    ],
};

static DATE_TIME_RANGE: Model = Model {
    fields: &[
        F::new("startAt", K::Obj(&LOCALIZED_DATE_TIME)),
        F::new("endAt", K::Obj(&LOCALIZED_DATE_TIME)),
    ],
};

static TRIAL: Model = Model {
    fields: &[
        F::new("type", K::Str).one_of(&["NoTrial", "TimedAccess", "TimedUsage", "Unlimited"]),
        F::new("durationType", K::Str).one_of(&["Minute", "Days", "Months"]),
        F::new("duration", K::Int),
        F::new("dateTimeRange", K::Obj(&DATE_TIME_RANGE)),
    ],
};

static PRICE: Model = Model {
    fields: &[
        F::new("priceTierID", K::Str),
        F::new("openPrice", K::Num),
        F::new("currencyCode", K::Str),
    ],
};

static CADENCE: Model = Model {
    fields: &[
        F::new("type", K::Str).one_of(&["Month", "Year"]),
        F::new("value", K::Int),
    ],
};

static PRICING_UNIT: Model = Model {
    fields: &[
        F::new("name", K::Str).one_of(&["sharedcore", "transactions"]),
        F::new("unitType", K::Str),
        F::new("isUnlimitedUnit", K::Bool),
        F::new("lowerUnit", K::Int),
        F::new("upperUnit", K::Int),
    ],
};

static PRICE_SCHEDULE: Model = Model {
    fields: &[
        F::new("retailPrice", K::Obj(&PRICE)),
        F::new("pricingModel", K::Str).one_of(&["Flat", "Recurring", "Usage"]),
        F::new("priceCadence", K::Obj(&CADENCE)),
        F::new("pricingUnits", K::Objs(&PRICING_UNIT)),
        F::new("dateTimeRange", K::Obj(&DATE_TIME_RANGE)),
    ],
};

static SCHEDULE_INFO: Model = Model {
    fields: &[
        F::new("isBaseSchedule", K::Bool),
        F::new("marketCodes", K::Strs),
        F::new("friendlyName", K::Str),
        F::new("schedules", K::Objs(&PRICE_SCHEDULE)),
    ],
};

static INCLUDED_QUANTITY: Model = Model {
    fields: &[
        F::new("recurringUnit", K::Str),
        F::new("isInfinite", K::Bool),
        F::new("quantity", K::Num),
    ],
};

static CUSTOM_METER: Model = Model {
    fields: &[
        F::new("isEnabled", K::Bool),
        F::new("ID", K::Str),
        F::new("uniqueID", K::Str),
        F::new("displayName", K::Str),
        F::new("unitOfMeasure", K::Str),
        F::new("priceInUsd", K::Num),
        F::new("includedBaseQuantities", K::Objs(&INCLUDED_QUANTITY)),
    ],
};

/// The feature-availability members shown only when `$expand` names them.
pub const EXPANDABLE_AVAILABILITY: &[(&str, &str)] = &[
    ("MarketStates", "marketStates"),
    ("PriceSchedules", "priceSchedules"),
    ("Trial", "trial"),
];

pub static FEATURE_AVAILABILITY: Model = Model {
    fields: &[
        F::new("visibility", K::Str)
            .one_of(&["Public", "Private"])
            .initially(I::Str("Public")),
        F::new("marketStates", K::Objs(&MARKET_STATE)),
        F::new("properties", K::Objs(&TYPE_VALUE)),
        F::new("trial", K::Obj(&TRIAL)),
        F::new("tenantAudiences", K::Objs(&AUDIENCE_MEMBER)),
        F::new("subscriptionAudiences", K::Objs(&AUDIENCE_MEMBER)),
        F::new("priceSchedules", K::Objs(&SCHEDULE_INFO)).initially(I::EmptyList),
        F::new("customMeters", K::Objs(&CUSTOM_METER)),
        F::new("isHidden", K::Bool),
    ],
};

/// The 141 markets of a new plan's `marketStates`, all `Disabled` (§4.9).
pub const MARKETS: &[&str] = &[
    "AD", "AE", "AF", "AL", "AM", "AO", "AR", "AT", "AU", "AZ", "BA", "BB", "BD", "BE", "BG", "BH",
    "BM", "BN", "BO", "BR", "BW", "BY", "BZ", "CA", "CH", "CI", "CL", "CM", "CO", "CR", "CV", "CW",
    "CY", "CZ", "DE", "DK", "DO", "DZ", "EC", "EE", "EG", "ES", "ET", "FI", "FJ", "FO", "FR", "GB",
    "GE", "GH", "GR", "GT", "HK", "HN", "HR", "HU", "ID", "IE", "IL", "IN", "IQ", "IS", "IT", "JM",
    "JO", "JP", "KE", "KG", "KN", "KR", "KW", "KY", "KZ", "LB", "LI", "LK", "LT", "LU", "LV", "LY",
    "MA", "MC", "MD", "ME", "MK", "MN", "MO", "MT", "MU", "MX", "MY", "NA", "NG", "NI", "NL", "NO",
    "NP", "NZ", "OM", "PA", "PE", "PH", "PK", "PL", "PR", "PS", "PT", "PY", "QA", "RO", "RS", "RU",
    "RW", "SA", "SE", "SG", "SI", "SK", "SN", "SV", "TH", "TJ", "TM", "TN", "TR", "TT", "TW", "TZ",
    "UA", "UG", "US", "UY", "UZ", "VA", "VE", "VI", "VN", "YE", "ZA", "ZM", "ZW",
];

pub static PACKAGE: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("fileSasUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
        F::new("isEmpty", K::Bool),
        F::new("fileSize", K::Int),
        F::new("validationItems", K::Any),
        F::new("publishTargets", K::Any),
        F::new("isCertified", K::Bool),
    ],
};

static ROLE_AUTHORIZATION: Model = Model {
    fields: &[
        F::new("principalID", K::Str).guid(),
        F::new("roleDefinitionID", K::Str).guid(),
    ],
};

static POLICY: Model = Model {
    fields: &[
        F::new("policyName", K::Str),
        F::new("policyDefinitionID", K::Str),
        F::new("policyParameters", K::Str),
        F::new("policySku", K::Any),
    ],
};

pub static OFFER_PACKAGE_CONFIGURATION: Model = Model {
    fields: &[
        F::new("azureActiveDirectoryTenantID", K::Str).guid(),
        F::new("azureActiveDirectoryApplicationID", K::Str).guid(),
    ],
};

pub static MANAGED_APP_CONFIGURATION: Model = Model {
    fields: &[
        F::new("version", K::Str),
        F::new("allowJitAccess", K::Bool),
        F::new("canEnableCustomerActions", K::Bool),
        F::new("allowedCustomerActions", K::Strs),
        F::new("allowedDataActions", K::Strs),
        F::new("deploymentMode", K::Str).one_of(&["Incremental", "Complete"]),
        F::new("publisherManagementMode", K::Str),
        F::new("customerAccessEnableState", K::Str),
        F::new("publicAzureTenantID", K::Str).guid(),
        F::new("publicAzureAuthorizations", K::Objs(&ROLE_AUTHORIZATION)),
        F::new("azureGovernmentTenantID", K::Str),
        F::new(
            "azureGovernmentAuthorizations",
            K::Objs(&ROLE_AUTHORIZATION),
        ),
        F::new("policies", K::Objs(&POLICY)),
        F::new("packageReferences", K::Objs(&TYPE_VALUE)),
    ],
};

pub static SOLUTION_TEMPLATE_CONFIGURATION: Model = Model {
    fields: &[
        F::new("version", K::Str),
        F::new("packageReferences", K::Objs(&TYPE_VALUE)),
    ],
};

pub static TEST_DRIVE_CONFIGURATION: Model = Model {
    fields: &[
        F::new("azureActiveDirectoryApplicationID", K::Str).guid(),
        F::new("azureActiveDirectoryApplicationKey", K::Str),
        F::new("azureActiveDirectoryTenantID", K::Str).guid(),
        F::new("testDriveDuration", K::Int),
        F::new("regions", K::Strs),
        F::new("hotInstances", K::Int),
        F::new("warmInstances", K::Int),
        F::new("coldInstances", K::Int),
        F::new("azureSubscriptionID", K::Str),
    ],
};

pub static BC_CONFIGURATION: Model = Model {
    fields: &[
        F::new("packageType", K::Str).one_of(&["AddOn", "Connect"]),
        F::new("applicationInstallationUri", K::Str),
        F::new("packageReferences", K::Objs(&TYPE_VALUE)),
    ],
};

/// Dynamics 365 configurations other than Business Central: stored and echoed.
pub static DYNAMICS_CONFIGURATION: Model = Model {
    fields: &[
        F::new("azureActiveDirectoryApplicationID", K::Str),
        F::new("azureActiveDirectoryApplicationKey", K::Str),
        F::new("azureActiveDirectoryTenantID", K::Str),
        F::new("azureActiveDirectoryTenantName", K::Str),
        F::new("testDriveDuration", K::Int),
        F::new("maxConcurrentTestDrives", K::Int),
        F::new("instanceUri", K::Str),
        F::new("instanceWebApiUri", K::Str),
        F::new("roleName", K::Str),
        F::new("trialLegalEntity", K::Str),
        F::new("baseLicenseModel", K::Str).one_of(&["Resource", "User"]),
        F::new("requireS2SOutboundAndCrmSecureStoreAccess", K::Bool),
        F::new("applicationConfigurationUri", K::Str),
        F::new("packageLocationUri", K::Str),
        F::new("packageRegionAvailabilities", K::Any),
        F::new("multiplePackagesInPackageFile", K::Bool),
        F::new("releaseVersion", K::Str),
        F::new("solutionIdentifier", K::Str),
    ],
};

pub static RESELLER: Model = Model {
    fields: &[
        F::new("resellerChannelState", K::Str)
            .one_of(&["Disabled", "PartialOptIn", "OptOut", "Enabled"])
            .initially(I::Str("Disabled")),
        F::new("tenantIds", K::Strs).initially(I::EmptyList),
    ],
};

pub static LEAD: Model = Model {
    fields: &[
        F::new("dailyDigestEmailContacts", K::Strs),
        F::new("contactEmail", K::Str),
        F::new("connectionString", K::Str),
        F::new("containerName", K::Str),
        F::new("uri", K::Str),
        F::new("authentication", K::Str),
        F::new("userName", K::Str),
        F::new("password", K::Str),
        F::new("applicationID", K::Str),
        F::new("applicationKey", K::Str),
        F::new("directoryID", K::Str),
        F::new("httpsEndpointUri", K::Str),
        F::new("serverID", K::Str),
        F::new("munchkinAccountID", K::Str),
        F::new("formID", K::Str),
        F::new("objectIdentifier", K::Str),
    ],
};

pub static COSELL_LISTING: Model = Model {
    fields: &[
        F::new("offerPlatforms", K::Strs),
        F::new("endCustomerSegments", K::Strs),
        F::new("offerType", K::Str),
        F::new("solutionAreas", K::Any),
        F::new("contacts", K::Any),
        F::new("assetReferences", K::Objs(&TYPE_VALUE)),
    ],
};

pub static COSELL_ASSET: Model = Model {
    fields: &[
        F::new("fileName", K::Str),
        F::new("type", K::Str),
        F::new("fileSasUri", K::Str),
        F::new("state", K::Str).one_of(FILE_STATES),
    ],
};

pub static SUPPLEMENTAL_CONTENT: Model = Model {
    fields: &[
        F::new("targetRelease", K::Str),
        F::new("supportedEditions", K::Strs),
        F::new("assets", K::Any),
    ],
};

/// The product types the API accepts (§2.5), canonical spelling.
pub const PRODUCT_TYPES: &[&str] = &[
    "AzureApplication",
    "AzureDeveloperService",
    "AzureThirdPartyVirtualMachine",
    "AzureContainer",
    "AzureVisualStudioExtension",
    "AzureDynamics365ForCustomerEngagement",
    "AzureDynamics365ForOperations",
    "AzureDynamics365BusinessCentral",
    "SoftwareAsAService",
];

pub const PACKAGE_TYPES: &[&str] = &[
    "AzureApplicationPackage",
    "Dynamics365BusinessCentralAddOnExtensionPackage",
    "Dynamics365BusinessCentralAddOnLibraryExtensionPackage",
    "Dynamics365BusinessCentralAddOnDependencyPackage",
];

pub const LEAD_TYPES: &[&str] = &[
    "AzureBlobLeadConfiguration",
    "AzureTableLeadConfiguration",
    "DynamicsCustomerRelationshipManagementLeadConfiguration",
    "HttpsEndpointLeadConfiguration",
    "MarketoLeadConfiguration",
    "SalesForceLeadConfiguration",
];

/// The model of a package configuration type, canonical spelling first.
pub fn package_configuration_model(resource_type: &str) -> Option<(&'static str, &'static Model)> {
    const TYPES: &[(&str, &Model)] = &[
        (
            "AzureApplicationPackageConfiguration",
            &OFFER_PACKAGE_CONFIGURATION,
        ),
        (
            "AzureManagedApplicationPackageConfiguration",
            &MANAGED_APP_CONFIGURATION,
        ),
        (
            "AzureSolutionTemplatePackageConfiguration",
            &SOLUTION_TEMPLATE_CONFIGURATION,
        ),
        (
            "AzureResourceManagerTestDrivePackageConfiguration",
            &TEST_DRIVE_CONFIGURATION,
        ),
        (
            "Dynamics365BusinessCentralPackageConfiguration",
            &BC_CONFIGURATION,
        ),
        (
            "Dynamics365BusinessCentralTestDrivePackageConfiguration",
            &DYNAMICS_CONFIGURATION,
        ),
        (
            "Dynamics365CustomerEngagementPackageConfiguration",
            &DYNAMICS_CONFIGURATION,
        ),
        (
            "Dynamics365CustomerEngagementTestDrivePackageConfiguration",
            &DYNAMICS_CONFIGURATION,
        ),
        (
            "Dynamics365OperationsPackageConfiguration",
            &DYNAMICS_CONFIGURATION,
        ),
        (
            "Dynamics365OperationsTestDrivePackageConfiguration",
            &DYNAMICS_CONFIGURATION,
        ),
    ];
    TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(resource_type.trim()))
        .map(|(name, model)| (*name, *model))
}

/// The canonical spelling of `value` among `allowed`, ignoring case.
pub fn canonical(allowed: &[&'static str], value: &str) -> Option<&'static str> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .copied()
}

/// The model a resource type's fields are read and written with.
pub fn model_of(resource_type: &str) -> Option<&'static Model> {
    Some(match resource_type {
        "AzureListing" => &LISTING,
        "ListingImage" => &IMAGE,
        "ListingVideo" => &VIDEO,
        "ListingAsset" => &ASSET,
        "AzureProperty" => &PROPERTY,
        "ProductAvailability" => &PRODUCT_AVAILABILITY,
        "FeatureAvailability" => &FEATURE_AVAILABILITY,
        "AzureSkuVariant" => &SKU_VARIANT,
        "AzureTestDriveVariant" => &TEST_DRIVE_VARIANT,
        "ResellerConfiguration" => &RESELLER,
        "CosellListing" => &COSELL_LISTING,
        "CosellAsset" => &COSELL_ASSET,
        "SupplementalContent" => &SUPPLEMENTAL_CONTENT,
        "AzureProductSetup" => &SETUP,
        other if PACKAGE_TYPES.contains(&other) => &PACKAGE,
        other if LEAD_TYPES.contains(&other) => &LEAD,
        other => return package_configuration_model(other).map(|(_, model)| model),
    })
}
