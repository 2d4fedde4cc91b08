//! The field rules of seed 001, one function per module. Each checks a whole module record,
//! puts table values into their canonical spelling, and reports every problem with the
//! module as `target` and the field's path in the message.

use std::collections::HashSet;

use storeroom_wire::msi::{Availability, Listing, Package, Properties};

use super::error::Problem;
use super::formats::{chars, is_email, is_url};
use super::tables::{self, canonical, one_of};

/// Limits of the listing fields ("Character limit = N").
pub const DESCRIPTION_MAX: usize = 10_000;
pub const WHATS_NEW_MAX: usize = 1_500;
pub const SHORT_DESCRIPTION_MAX: usize = 1_000;
pub const LICENSE_TERMS_MAX: usize = 10_000;
pub const COPYRIGHT_MAX: usize = 200;
pub const DEVELOPED_BY_MAX: usize = 255;
pub const CONTACT_INFO_MAX: usize = 200;
pub const FEATURES_MAX: usize = 20;
pub const FEATURE_CHARS: usize = 200;
pub const SEARCH_TERMS_MAX: usize = 7;
pub const SEARCH_TERM_CHARS: usize = 30;
pub const SEARCH_WORDS_MAX: usize = 21;
pub const REQUIREMENT_ITEMS_MAX: usize = 11;
pub const REQUIREMENT_CHARS: usize = 200;
pub const CERTIFICATION_NOTES_MAX: usize = 2_000;
pub const SYSTEM_REQUIREMENT_CHARS: usize = 200;

/// Collects the problems of one module.
struct Checker {
    target: &'static str,
    /// Path of the record in messages: `availability`, `listings[en-us]`, `packages[0]`.
    path: String,
    problems: Vec<Problem>,
}

impl Checker {
    fn new(target: &'static str, path: impl Into<String>) -> Self {
        Self {
            target,
            path: path.into(),
            problems: Vec::new(),
        }
    }

    fn fail(&mut self, field: &str, message: impl std::fmt::Display) {
        self.problems.push(Problem::bad_request(
            self.target,
            format!("{}.{field} {message}", self.path),
        ));
    }

    fn required(&mut self, field: &str, value: &str) -> bool {
        let present = !value.trim().is_empty();
        if !present {
            self.fail(field, "is required");
        }
        present
    }

    fn max_chars(&mut self, field: &str, value: &str, limit: usize) {
        let count = chars(value);
        if count > limit {
            self.fail(
                field,
                format!("is {count} characters long; the limit is {limit}"),
            );
        }
    }

    /// Replaces `value` by its table spelling, or reports it. Empty values are left to
    /// `required`.
    fn in_table(&mut self, field: &str, value: &mut String, table: &[&'static str]) -> bool {
        if value.trim().is_empty() {
            return false;
        }
        match canonical(table, value) {
            Some(found) => {
                *value = found.to_string();
                true
            }
            None => {
                let message = if table.len() > 12 {
                    format!("'{value}' is not in the seed's table of allowed values")
                } else {
                    format!("'{value}' is not one of {}", one_of(table))
                };
                self.fail(field, message);
                false
            }
        }
    }

    fn url(&mut self, field: &str, value: &str) {
        if !value.trim().is_empty() && !is_url(value) {
            self.fail(
                field,
                format!("'{value}' is not a valid URL (absolute http or https)"),
            );
        }
    }

    fn finish(self) -> Vec<Problem> {
        self.problems
    }
}

/// Canonical spelling of a listing language code, if the seed's table has it.
pub fn language(code: &str) -> Option<&'static str> {
    canonical(tables::LANGUAGES, code)
}

pub fn check_availability(availability: &mut Availability) -> Vec<Problem> {
    let mut check = Checker::new("availability", "availability");
    if availability.markets.is_empty() {
        check.fail("markets", "is required: name at least one market");
    }
    let mut markets = Vec::new();
    for (i, market) in availability.markets.iter_mut().enumerate() {
        if check.in_table(&format!("markets[{i}]"), market, tables::MARKETS)
            && !markets.contains(market)
        {
            markets.push(market.clone());
        } else if market.trim().is_empty() {
            check.fail(&format!("markets[{i}]"), "must not be empty");
        }
    }
    if check.problems.is_empty() {
        availability.markets = markets;
    }
    if check.required("discoverability", &availability.discoverability) {
        check.in_table(
            "discoverability",
            &mut availability.discoverability,
            tables::DISCOVERABILITY,
        );
    }
    if check.required("pricing", &availability.pricing) {
        check.in_table("pricing", &mut availability.pricing, tables::PRICING);
    }
    let needs_trial = tables::PRICING_WITH_TRIAL.contains(&availability.pricing.as_str());
    match availability.free_trial.as_mut() {
        Some(trial) if !trial.trim().is_empty() => {
            check.in_table("freeTrial", trial, tables::FREE_TRIAL);
        }
        _ if needs_trial => check.fail(
            "freeTrial",
            format!(
                "is required when pricing is {}: use {}",
                availability.pricing,
                one_of(tables::FREE_TRIAL)
            ),
        ),
        _ => availability.free_trial = None,
    }
    check.finish()
}

pub fn check_properties(properties: &mut Properties) -> Vec<Problem> {
    let mut check = Checker::new("properties", "properties");
    if properties.is_privacy_policy_required && properties.privacy_policy_url.trim().is_empty() {
        check.fail(
            "privacyPolicyUrl",
            "is required when isPrivacyPolicyRequired is true",
        );
    }
    check.url("privacyPolicyUrl", &properties.privacy_policy_url);
    check.url("website", &properties.website);
    let contact = properties.support_contact_info.trim();
    if !contact.is_empty() && !is_url(contact) && !is_email(contact) {
        check.fail(
            "supportContactInfo",
            format!("'{contact}' is neither a valid URL nor an email address"),
        );
    }
    check.max_chars(
        "certificationNotes",
        &properties.certification_notes,
        CERTIFICATION_NOTES_MAX,
    );
    check_category(&mut check, properties);
    check_system_features(&mut check, properties);
    check_system_requirements(&mut check, properties);
    check.finish()
}

fn check_category(check: &mut Checker, properties: &mut Properties) {
    if !check.required("category", &properties.category) {
        return;
    }
    let Some((name, subcategories)) = tables::category(&properties.category) else {
        check.fail(
            "category",
            format!(
                "'{}' is not a category of the seed's table",
                properties.category
            ),
        );
        return;
    };
    properties.category = name.to_string();
    let sub = properties.subcategory.trim();
    if subcategories.is_empty() {
        if !sub.is_empty() && !sub.eq_ignore_ascii_case("none") {
            check.fail(
                "subcategory",
                format!("'{sub}' is not allowed: category {name} has no subcategories"),
            );
        } else {
            properties.subcategory = String::new();
        }
    } else if sub.is_empty() {
        check.fail(
            "subcategory",
            format!(
                "is required for category {name}: use {}",
                one_of(subcategories)
            ),
        );
    } else {
        match canonical(subcategories, sub) {
            Some(found) => properties.subcategory = found.to_string(),
            None => check.fail(
                "subcategory",
                format!(
                    "'{sub}' is not a subcategory of {name}: use {}",
                    one_of(subcategories)
                ),
            ),
        }
    }
}

fn check_system_features(check: &mut Checker, properties: &mut Properties) {
    let mut seen = HashSet::new();
    for (i, feature) in properties.is_system_feature_required.iter_mut().enumerate() {
        let field = format!("isSystemFeatureRequired[{i}].hardwareItemType");
        if check.required(&field, &feature.hardware_item_type)
            && check.in_table(
                &field,
                &mut feature.hardware_item_type,
                tables::SYSTEM_FEATURES,
            )
            && !seen.insert(feature.hardware_item_type.clone())
        {
            check.fail(
                &field,
                format!("'{}' is listed twice", feature.hardware_item_type),
            );
        }
    }
}

fn check_system_requirements(check: &mut Checker, properties: &mut Properties) {
    let mut seen = HashSet::new();
    for (i, requirement) in properties.system_requirement_details.iter_mut().enumerate() {
        let field = format!("systemRequirementDetails[{i}]");
        let kind_field = format!("{field}.hardwareItemType");
        if !(check.required(&kind_field, &requirement.hardware_item_type)
            && check.in_table(
                &kind_field,
                &mut requirement.hardware_item_type,
                tables::SYSTEM_REQUIREMENTS,
            ))
        {
            continue;
        }
        let kind = requirement.hardware_item_type.clone();
        if !seen.insert(kind.clone()) {
            check.fail(&kind_field, format!("'{kind}' is listed twice"));
        }
        for (name, value) in [
            ("minimumRequirement", &mut requirement.minimum_requirement),
            (
                "recommendedRequirement",
                &mut requirement.recommended_requirement,
            ),
        ] {
            let value_field = format!("{field}.{name}");
            check.max_chars(&value_field, value, SYSTEM_REQUIREMENT_CHARS);
            // An empty value means "not specified", as the seed's own sample sends.
            if let Some(allowed) = tables::requirement_values(&kind)
                && !value.trim().is_empty()
            {
                match canonical(allowed, value) {
                    Some(found) => *value = found.to_string(),
                    None => check.fail(
                        &value_field,
                        format!(
                            "'{value}' is not allowed for {kind}: use {}",
                            one_of(allowed)
                        ),
                    ),
                }
            }
        }
    }
}

pub fn check_listing(listing: &mut Listing) -> Vec<Problem> {
    let path = format!("listings[{}]", listing.language);
    let mut check = Checker::new("listings", path);
    if check.required("language", &listing.language) {
        check.in_table("language", &mut listing.language, tables::LANGUAGES);
    }
    if check.required("description", &listing.description) {
        check.max_chars("description", &listing.description, DESCRIPTION_MAX);
    }
    check.max_chars("whatsNew", &listing.whats_new, WHATS_NEW_MAX);
    check.max_chars(
        "shortDescription",
        &listing.short_description,
        SHORT_DESCRIPTION_MAX,
    );
    if check.required("additionalLicenseTerms", &listing.additional_license_terms) {
        check.max_chars(
            "additionalLicenseTerms",
            &listing.additional_license_terms,
            LICENSE_TERMS_MAX,
        );
    }
    check.max_chars("copyright", &listing.copyright, COPYRIGHT_MAX);
    check.max_chars("developedBy", &listing.developed_by, DEVELOPED_BY_MAX);
    check.max_chars("contactInfo", &listing.contact_info, CONTACT_INFO_MAX);
    check_list(
        &mut check,
        "productFeatures",
        &listing.product_features,
        FEATURES_MAX,
        FEATURE_CHARS,
    );
    check_list(
        &mut check,
        "searchTerms",
        &listing.search_terms,
        SEARCH_TERMS_MAX,
        SEARCH_TERM_CHARS,
    );
    let words: HashSet<String> = listing
        .search_terms
        .iter()
        .flat_map(|term| term.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    if words.len() > SEARCH_WORDS_MAX {
        check.fail(
            "searchTerms",
            format!(
                "hold {} unique words; the limit is {SEARCH_WORDS_MAX} across all search terms",
                words.len()
            ),
        );
    }
    let mut items = 0;
    for (i, requirement) in listing.requirements.iter().enumerate() {
        for (name, value) in [
            ("minimumHardware", &requirement.minimum_hardware),
            ("recommendedHardware", &requirement.recommended_hardware),
        ] {
            if !value.trim().is_empty() {
                items += 1;
            }
            check.max_chars(
                &format!("requirements[{i}].{name}"),
                value,
                REQUIREMENT_CHARS,
            );
        }
    }
    if items > REQUIREMENT_ITEMS_MAX {
        check.fail(
            "requirements",
            format!(
                "hold {items} items; the limit is {REQUIREMENT_ITEMS_MAX} between minimum and recommended"
            ),
        );
    }
    check.finish()
}

fn check_list(check: &mut Checker, field: &str, items: &[String], max: usize, each: usize) {
    if items.len() > max {
        check.fail(
            field,
            format!("hold {} entries; the limit is {max}", items.len()),
        );
    }
    for (i, item) in items.iter().enumerate() {
        check.max_chars(&format!("{field}[{i}]"), item, each);
    }
}

/// Checks one package; `label` names it in messages (`packages[0]`, `packages[<id>]`).
pub fn check_package(package: &mut Package, label: &str) -> Vec<Problem> {
    let mut check = Checker::new("packages", label);
    if check.required("packageUrl", &package.package_url) {
        check.url("packageUrl", &package.package_url);
    }
    if package.languages.is_empty() {
        check.fail("languages", "is required: name at least one language");
    }
    for (i, code) in package.languages.iter_mut().enumerate() {
        let field = format!("languages[{i}]");
        if check.required(&field, code) {
            check.in_table(&field, code, tables::LANGUAGES);
        }
    }
    match package.architectures.as_mut_slice() {
        [one] => {
            check.in_table("architectures", one, tables::ARCHITECTURES);
            if one.trim().is_empty() {
                check.fail("architectures", "must not be empty");
            }
        }
        other => check.fail(
            "architectures",
            format!(
                "must hold exactly one architecture ({}), not {}",
                one_of(tables::ARCHITECTURES),
                other.len()
            ),
        ),
    }
    if !package.is_silent_install && package.installer_parameters.trim().is_empty() {
        check.fail(
            "installerParameters",
            "is required when isSilentInstall is false",
        );
    }
    if check.required("packageType", &package.package_type) {
        check.in_table(
            "packageType",
            &mut package.package_type,
            tables::PACKAGE_TYPES,
        );
    }
    if package.package_type == "exe" && package.generic_doc_url.trim().is_empty() {
        check.fail("genericDocUrl", "is required when packageType is exe");
    }
    check.url("genericDocUrl", &package.generic_doc_url);
    for (i, detail) in package.error_details.iter_mut().enumerate() {
        let field = format!("errorDetails[{i}].errorScenario");
        if check.required(&field, &detail.error_scenario) {
            check.in_table(&field, &mut detail.error_scenario, tables::ERROR_SCENARIOS);
        }
        for (j, scenario) in detail.error_scenario_details.iter().enumerate() {
            check.url(
                &format!("errorDetails[{i}].errorScenarioDetails[{j}].errorUrl"),
                &scenario.error_url,
            );
        }
    }
    check.finish()
}

#[cfg(test)]
mod tests {
    use storeroom_wire::msi::{HardwareRequirement, SystemRequirement};

    use super::*;
    use crate::msi::draft::seed_draft;

    fn messages(problems: &[Problem]) -> String {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.target, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_seeded_draft_is_valid() {
        let mut draft = seed_draft("https://example.com/setup.msi");
        assert!(check_availability(&mut draft.availability).is_empty());
        assert!(check_properties(&mut draft.properties).is_empty());
        for listing in &mut draft.listings {
            assert!(check_listing(&mut listing.listing).is_empty());
        }
        for package in &mut draft.packages {
            assert!(check_package(package, "packages[0]").is_empty());
        }
    }

    #[test]
    fn availability_rules() {
        let mut availability = seed_draft("https://x.com/a.msi").availability;
        availability.markets = vec!["us".into(), "XX".into()];
        availability.pricing = "paid".into();
        availability.free_trial = None;
        let problems = check_availability(&mut availability);
        let text = messages(&problems);
        assert!(text.contains("availability.markets[1] 'XX'"), "{text}");
        assert!(
            text.contains("availability.freeTrial is required"),
            "{text}"
        );
        assert_eq!(availability.pricing, "PAID");
        assert!(problems.iter().all(|p| p.target == "availability"));
    }

    #[test]
    fn properties_rules() {
        let mut properties = seed_draft("https://x.com/a.msi").properties;
        properties.category = "Education".into();
        properties.subcategory = "Database".into();
        properties.system_requirement_details = vec![SystemRequirement {
            minimum_requirement: "3GB".into(),
            recommended_requirement: "dx11".into(),
            hardware_item_type: "memory".into(),
        }];
        let text = messages(&check_properties(&mut properties));
        assert!(
            text.contains("properties.subcategory 'Database' is not a subcategory of Education"),
            "{text}"
        );
        assert!(
            text.contains("systemRequirementDetails[0].minimumRequirement '3GB'"),
            "{text}"
        );
    }

    #[test]
    fn listing_rules() {
        let mut listing = seed_draft("https://x.com/a.msi").listings[0]
            .listing
            .clone();
        listing.search_terms = (0..7).map(|i| format!("w{i}a w{i}b w{i}c w{i}d")).collect();
        listing.requirements = (0..6)
            .map(|_| HardwareRequirement {
                minimum_hardware: "a".into(),
                recommended_hardware: "b".into(),
            })
            .collect();
        let text = messages(&check_listing(&mut listing));
        assert!(text.contains("28 unique words"), "{text}");
        assert!(text.contains("hold 12 items"), "{text}");
    }
}
