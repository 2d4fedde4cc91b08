//! The current draft of an MSI/EXE product and how the update APIs change it.
//!
//! A full update (PUT) rebuilds each module it names from defaults plus the request; a
//! partial one (PATCH) changes only the fields sent. Either way the changed modules must
//! pass every rule before anything is written.

use serde::{Deserialize, Serialize};
use storeroom_wire::msi::{
    Availability, AvailabilityPatch, ErrorDetail, ErrorDetailPatch, ErrorScenarioDetail,
    HardwareRequirement, ListingLanguage, ListingPatch, Package, PackagePatch, ProductDeclarations,
    Properties, PropertiesPatch, SystemFeature, SystemRequirement,
};
use storeroom_wire::msi::{Listing, MetadataUpdate};

use super::error::{MsiError, MsiResult, Problem};
use super::validate::{
    check_availability, check_listing, check_package, check_properties, language,
};
use crate::ids;

/// Everything a submission is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub availability: Availability,
    pub properties: Properties,
    pub listings: Vec<DraftListing>,
    pub packages: Vec<Package>,
    /// Ids the latest full package update replaced, with the id of the package that took
    /// each one's place (same position). Microsoft's C# sample PATCHes a package by the id
    /// it read before its own full update, so such an id still finds its successor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded_package_ids: Vec<(String, String)>,
}

/// One listing language: its text and its images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftListing {
    pub listing: Listing,
    #[serde(default)]
    pub store_logos: Vec<Asset>,
    #[serde(default)]
    pub screenshots: Vec<Asset>,
}

/// A committed listing image, kept in the blob store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: String,
    pub container: String,
    pub blob: String,
    pub width: u32,
    pub height: u32,
}

/// Whether a request replaces modules (PUT) or changes fields of them (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    Full,
    Partial,
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

fn base<T: Clone + Default>(current: &T, mode: UpdateMode) -> T {
    match mode {
        UpdateMode::Full => T::default(),
        UpdateMode::Partial => current.clone(),
    }
}

pub fn merge_availability(target: &mut Availability, patch: AvailabilityPatch) {
    set(&mut target.markets, patch.markets);
    set(&mut target.discoverability, patch.discoverability);
    set(
        &mut target.enable_in_future_markets,
        patch.enable_in_future_markets,
    );
    set(&mut target.pricing, patch.pricing);
    if patch.free_trial.is_some() {
        target.free_trial = patch.free_trial;
    }
}

pub fn merge_properties(target: &mut Properties, patch: PropertiesPatch) {
    set(
        &mut target.is_privacy_policy_required,
        patch.is_privacy_policy_required,
    );
    set(&mut target.privacy_policy_url, patch.privacy_policy_url);
    set(&mut target.website, patch.website);
    set(&mut target.support_contact_info, patch.support_contact_info);
    set(&mut target.certification_notes, patch.certification_notes);
    set(&mut target.category, patch.category);
    set(&mut target.subcategory, patch.subcategory);
    if let Some(declarations) = patch.product_declarations {
        let d: &mut ProductDeclarations = &mut target.product_declarations;
        set(
            &mut d.depends_on_drivers_or_nt,
            declarations.depends_on_drivers_or_nt,
        );
        set(
            &mut d.accessibility_support,
            declarations.accessibility_support,
        );
        set(&mut d.pen_and_ink_support, declarations.pen_and_ink_support);
    }
    if let Some(features) = patch.is_system_feature_required {
        target.is_system_feature_required = features
            .into_iter()
            .map(|f| SystemFeature {
                is_required: f.is_required.unwrap_or_default(),
                is_recommended: f.is_recommended.unwrap_or_default(),
                hardware_item_type: f.hardware_item_type.unwrap_or_default(),
            })
            .collect();
    }
    if let Some(requirements) = patch.system_requirement_details {
        target.system_requirement_details = requirements
            .into_iter()
            .map(|r| SystemRequirement {
                minimum_requirement: r.minimum_requirement.unwrap_or_default(),
                recommended_requirement: r.recommended_requirement.unwrap_or_default(),
                hardware_item_type: r.hardware_item_type.unwrap_or_default(),
            })
            .collect();
    }
}

pub fn merge_listing(target: &mut Listing, patch: ListingPatch) {
    set(&mut target.description, patch.description);
    set(&mut target.whats_new, patch.whats_new);
    set(&mut target.product_features, patch.product_features);
    set(&mut target.short_description, patch.short_description);
    set(&mut target.search_terms, patch.search_terms);
    set(
        &mut target.additional_license_terms,
        patch.additional_license_terms,
    );
    set(&mut target.copyright, patch.copyright);
    set(&mut target.developed_by, patch.developed_by);
    set(&mut target.sort_title, patch.sort_title);
    set(&mut target.contact_info, patch.contact_info);
    if let Some(requirements) = patch.requirements {
        target.requirements = requirements
            .into_iter()
            .map(|r| HardwareRequirement {
                minimum_hardware: r.minimum_hardware.unwrap_or_default(),
                recommended_hardware: r.recommended_hardware.unwrap_or_default(),
            })
            .collect();
    }
}

pub fn merge_package(target: &mut Package, patch: PackagePatch) {
    set(&mut target.package_url, patch.package_url);
    set(&mut target.languages, patch.languages);
    set(&mut target.architectures, patch.architectures);
    set(&mut target.is_silent_install, patch.is_silent_install);
    set(&mut target.installer_parameters, patch.installer_parameters);
    set(&mut target.generic_doc_url, patch.generic_doc_url);
    set(&mut target.package_type, patch.package_type);
    if let Some(details) = patch.error_details {
        target.error_details = details.into_iter().map(error_detail).collect();
    }
}

fn error_detail(patch: ErrorDetailPatch) -> ErrorDetail {
    ErrorDetail {
        error_scenario: patch.error_scenario.unwrap_or_default(),
        error_scenario_details: patch
            .error_scenario_details
            .unwrap_or_default()
            .into_iter()
            .map(|d| ErrorScenarioDetail {
                error_value: d.error_value.unwrap_or_default(),
                error_url: d.error_url.unwrap_or_default(),
            })
            .collect(),
    }
}

/// A metadata update with its `listings` already read into patches.
#[derive(Debug, Default)]
pub struct MetadataChange {
    pub availability: Option<AvailabilityPatch>,
    pub properties: Option<PropertiesPatch>,
    pub listings: Vec<ListingPatch>,
    pub listings_to_add: Vec<String>,
    pub listings_to_remove: Vec<String>,
}

impl MetadataChange {
    pub fn new(update: MetadataUpdate, listings: Vec<ListingPatch>) -> Self {
        Self {
            availability: update.availability,
            properties: update.properties,
            listings,
            listings_to_add: update.listings_to_add.unwrap_or_default(),
            listings_to_remove: update.listings_to_remove.unwrap_or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.availability.is_none()
            && self.properties.is_none()
            && self.listings.is_empty()
            && self.listings_to_add.is_empty()
            && self.listings_to_remove.is_empty()
    }
}

impl Draft {
    pub fn listing(&self, code: &str) -> Option<&DraftListing> {
        self.listings
            .iter()
            .find(|l| l.listing.language.eq_ignore_ascii_case(code))
    }

    pub fn listing_mut(&mut self, code: &str) -> Option<&mut DraftListing> {
        self.listings
            .iter_mut()
            .find(|l| l.listing.language.eq_ignore_ascii_case(code))
    }

    /// Applies a metadata update: languages added first, then the modules, then languages
    /// removed. Nothing changes unless every touched module passes its rules.
    pub fn update_metadata(&mut self, change: MetadataChange, mode: UpdateMode) -> MsiResult<()> {
        if change.is_empty() {
            return Err(MsiError::invalid(
                "metadata",
                "The request changes nothing: send availability, properties, listings, listingsToAdd or listingsToRemove",
            ));
        }
        let mut next = self.clone();
        let mut problems = Vec::new();
        for code in language_codes(&change.listings_to_add, "listingsToAdd", &mut problems) {
            if next.listing(code).is_none() {
                next.listings.push(DraftListing::empty(code));
            }
        }
        if let Some(patch) = change.availability {
            let mut availability = base(&next.availability, mode);
            merge_availability(&mut availability, patch);
            problems.extend(check_availability(&mut availability));
            next.availability = availability;
        }
        if let Some(patch) = change.properties {
            let mut properties = base(&next.properties, mode);
            merge_properties(&mut properties, patch);
            problems.extend(check_properties(&mut properties));
            next.properties = properties;
        }
        for patch in change.listings {
            if let Err(problem) = next.apply_listing(patch, mode) {
                problems.extend(problem);
            }
        }
        for code in language_codes(
            &change.listings_to_remove,
            "listingsToRemove",
            &mut problems,
        ) {
            next.listings
                .retain(|l| !l.listing.language.eq_ignore_ascii_case(code));
        }
        if next.listings.is_empty() {
            problems.push(Problem::bad_request(
                "listings",
                "listingsToRemove would remove every listing language: a product keeps at least one",
            ));
        }
        MsiError::check(problems)?;
        *self = next;
        Ok(())
    }

    fn apply_listing(&mut self, patch: ListingPatch, mode: UpdateMode) -> Result<(), Vec<Problem>> {
        let Some(code) = patch.language.as_deref() else {
            return Err(vec![Problem::bad_request(
                "listings",
                "listings.language is required: name the listing language to update",
            )]);
        };
        let Some(code) = language(code) else {
            return Err(vec![Problem::bad_request(
                "listings",
                format!(
                    "listings.language '{code}' is not in the seed's table of listing languages"
                ),
            )]);
        };
        let Some(entry) = self.listing_mut(code) else {
            return Err(vec![Problem::bad_request(
                "listings",
                format!(
                    "listings.language '{code}' is not a listing language of this product: add it with listingsToAdd"
                ),
            )]);
        };
        let mut listing = base(&entry.listing, mode);
        listing.language = entry.listing.language.clone();
        merge_listing(&mut listing, patch);
        let problems = check_listing(&mut listing);
        entry.listing = listing;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Replaces every package; each gets a new id.
    pub fn replace_packages(&mut self, patches: Vec<PackagePatch>) -> MsiResult<()> {
        if patches.is_empty() {
            return Err(MsiError::invalid(
                "packages",
                "packages must hold at least one package",
            ));
        }
        let mut packages = Vec::with_capacity(patches.len());
        let mut problems = Vec::new();
        for (i, patch) in patches.into_iter().enumerate() {
            let mut package = Package::default();
            merge_package(&mut package, patch);
            package.package_id = ids::numeric_id();
            problems.extend(check_package(&mut package, &format!("packages[{i}]")));
            packages.push(package);
        }
        MsiError::check(problems)?;
        self.superseded_package_ids = self
            .packages
            .iter()
            .zip(&packages)
            .map(|(old, new)| (old.package_id.clone(), new.package_id.clone()))
            .collect();
        self.packages = packages;
        Ok(())
    }

    /// Changes the fields sent of one package.
    pub fn patch_package(&mut self, package_id: &str, patch: PackagePatch) -> MsiResult<()> {
        let successor = self
            .superseded_package_ids
            .iter()
            .find(|(old, _)| old == package_id)
            .map(|(_, new)| new.clone());
        let wanted = successor.as_deref().unwrap_or(package_id);
        let Some(current) = self.packages.iter_mut().find(|p| p.package_id == wanted) else {
            return Err(MsiError::not_found(
                "packages",
                format!(
                    "Package {package_id} is not in the draft (package ids change on every full package update: GET packages again)"
                ),
            ));
        };
        let mut package = current.clone();
        merge_package(&mut package, patch);
        MsiError::check(check_package(
            &mut package,
            &format!("packages[{package_id}]"),
        ))?;
        *current = package;
        Ok(())
    }

    /// Every listing language and whether its listing passes the rules.
    pub fn listing_languages(&self) -> Vec<ListingLanguage> {
        self.listings
            .iter()
            .map(|l| ListingLanguage {
                language: l.listing.language.clone(),
                is_complete: check_listing(&mut l.listing.clone()).is_empty(),
            })
            .collect()
    }

    /// What keeps the draft from being submitted, module by module.
    pub fn problems(&self) -> Vec<Problem> {
        let mut draft = self.clone();
        let mut problems = check_availability(&mut draft.availability);
        problems.extend(check_properties(&mut draft.properties));
        for entry in &mut draft.listings {
            problems.extend(check_listing(&mut entry.listing));
        }
        if draft.packages.is_empty() {
            problems.push(Problem::bad_request(
                "packages",
                "packages must hold at least one package",
            ));
        }
        for (i, package) in draft.packages.iter_mut().enumerate() {
            problems.extend(check_package(package, &format!("packages[{i}]")));
        }
        problems
    }
}

/// Canonical codes of a language list, reporting unknown ones.
fn language_codes(codes: &[String], field: &str, problems: &mut Vec<Problem>) -> Vec<&'static str> {
    codes
        .iter()
        .enumerate()
        .filter_map(|(i, code)| {
            let found = language(code);
            if found.is_none() {
                problems.push(Problem::bad_request(
                    "listings",
                    format!(
                        "{field}[{i}] '{code}' is not in the seed's table of listing languages"
                    ),
                ));
            }
            found
        })
        .collect()
}

impl DraftListing {
    pub fn empty(code: &str) -> Self {
        Self {
            listing: Listing {
                language: code.to_string(),
                ..Listing::default()
            },
            store_logos: Vec::new(),
            screenshots: Vec::new(),
        }
    }
}

/// The draft a newly reserved product starts with: complete modules, one `en-us` listing
/// and one package, so that it is ready to submit.
pub fn seed_draft(package_url: &str) -> Draft {
    let feature = |kind: &str| SystemFeature {
        is_required: false,
        is_recommended: false,
        hardware_item_type: kind.to_string(),
    };
    let requirement = |kind: &str, min: &str, rec: &str| SystemRequirement {
        minimum_requirement: min.to_string(),
        recommended_requirement: rec.to_string(),
        hardware_item_type: kind.to_string(),
    };
    Draft {
        availability: Availability {
            markets: vec!["US".into()],
            discoverability: "DISCOVERABLE".into(),
            enable_in_future_markets: true,
            pricing: "FREE".into(),
            free_trial: None,
        },
        properties: Properties {
            is_privacy_policy_required: true,
            privacy_policy_url: "https://www.contoso.com/privacy".into(),
            website: "https://www.contoso.com".into(),
            support_contact_info: "support@contoso.com".into(),
            certification_notes: String::new(),
            category: "Productivity".into(),
            subcategory: String::new(),
            product_declarations: ProductDeclarations::default(),
            is_system_feature_required: ["Touch", "Keyboard", "Mouse"]
                .into_iter()
                .map(feature)
                .collect(),
            system_requirement_details: vec![
                requirement("Memory", "1GB", "4GB"),
                requirement("DirectX", "", ""),
                requirement("Video_Memory", "", ""),
                requirement("Processor", "", ""),
                requirement("Graphics", "", ""),
            ],
        },
        listings: vec![DraftListing {
            listing: Listing {
                language: "en-us".into(),
                description: "An app reserved on storeroom.".into(),
                whats_new: String::new(),
                product_features: vec!["Installs silently".into()],
                short_description: String::new(),
                search_terms: vec!["storeroom".into()],
                additional_license_terms: "Licensed under the terms shipped with the app.".into(),
                copyright: String::new(),
                developed_by: String::new(),
                sort_title: String::new(),
                requirements: Vec::new(),
                contact_info: String::new(),
            },
            store_logos: Vec::new(),
            screenshots: Vec::new(),
        }],
        packages: vec![Package {
            package_id: ids::numeric_id(),
            package_url: package_url.to_string(),
            languages: vec!["en-us".into()],
            architectures: vec!["X64".into()],
            is_silent_install: true,
            installer_parameters: "/quiet".into(),
            generic_doc_url: String::new(),
            error_details: Vec::new(),
            package_type: "msi".into(),
        }],
        superseded_package_ids: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing_patch(value: serde_json::Value) -> ListingPatch {
        storeroom_wire::lenient::from_value(value).unwrap()
    }

    #[test]
    fn full_update_defaults_absent_fields_and_partial_keeps_them() {
        let mut draft = seed_draft("https://x.com/a.msi");
        let change = MetadataChange {
            listings: vec![listing_patch(serde_json::json!({
                "language": "EN-US", "description": "New", "additionalLicenseTerms": "Terms"
            }))],
            ..MetadataChange::default()
        };
        draft.update_metadata(change, UpdateMode::Full).unwrap();
        let listing = &draft.listings[0].listing;
        assert_eq!(listing.description, "New");
        assert!(
            listing.search_terms.is_empty(),
            "absent fields take defaults"
        );

        let change = MetadataChange {
            listings: vec![listing_patch(serde_json::json!({
                "language": "en-us", "whatsNew": "Fixes"
            }))],
            ..MetadataChange::default()
        };
        draft.update_metadata(change, UpdateMode::Partial).unwrap();
        let listing = &draft.listings[0].listing;
        assert_eq!(
            (listing.description.as_str(), listing.whats_new.as_str()),
            ("New", "Fixes")
        );
    }

    #[test]
    fn languages_are_added_and_removed() {
        let mut draft = seed_draft("https://x.com/a.msi");
        let change = MetadataChange {
            listings_to_add: vec!["fr-FR".into()],
            listings_to_remove: vec!["en-gb".into()],
            ..MetadataChange::default()
        };
        draft.update_metadata(change, UpdateMode::Full).unwrap();
        let languages = draft.listing_languages();
        assert_eq!(languages.len(), 2);
        assert_eq!(languages[1].language, "fr-fr");
        assert!(!languages[1].is_complete);
        assert!(draft.problems().iter().any(|p| p.target == "listings"));

        let everything = MetadataChange {
            listings_to_remove: vec!["en-us".into(), "fr-fr".into()],
            ..MetadataChange::default()
        };
        assert!(draft.update_metadata(everything, UpdateMode::Full).is_err());
        assert_eq!(draft.listings.len(), 2, "a refused update changes nothing");
    }

    #[test]
    fn packages_are_replaced_with_new_ids() {
        let mut draft = seed_draft("https://x.com/a.msi");
        let old = draft.packages[0].package_id.clone();
        let patch: PackagePatch = storeroom_wire::lenient::from_value(serde_json::json!({
            "packageUrl": "https://x.com/b.exe", "languages": ["en-us"], "architectures": ["x86"],
            "isSilentInstall": false, "installerParameters": "/S",
            "genericDocUrl": "https://x.com/doc", "packageType": "EXE"
        }))
        .unwrap();
        draft.replace_packages(vec![patch]).unwrap();
        assert_ne!(draft.packages[0].package_id, old);
        assert_eq!(draft.packages[0].architectures, vec!["X86"]);
        assert_eq!(draft.packages[0].package_type, "exe");
        // An id the full update replaced still finds the package that took its place.
        let installer: PackagePatch = storeroom_wire::lenient::from_value(
            serde_json::json!({"installerParameters": "/S /v"}),
        )
        .unwrap();
        draft.patch_package(&old, installer).unwrap();
        assert_eq!(draft.packages[0].installer_parameters, "/S /v");
        assert!(matches!(
            draft.patch_package("1152921504606846976", PackagePatch::default()),
            Err(MsiError::NotFound(_))
        ));
    }
}
