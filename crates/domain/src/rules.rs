//! Content rules a submission must meet at commit (issue: listing and submission rules).
//!
//! Structural problems (wrong types, unknown enum values) never get this far: PUT refuses
//! them with 400. These are the content rules the Store applies when it processes a commit;
//! each failure becomes an `InvalidParameterValue` entry of `statusDetails.errors` whose
//! message names the listing and the field.

use std::collections::HashSet;

use storeroom_wire::devcenter::{
    AppSubmissionContent, BaseListing, FileStatus, ImageType, StatusCode, StatusDetail,
};

use crate::application::Application;
use crate::media::MAX_SCREENSHOTS_PER_TYPE;
use crate::submission::status_detail;

pub const MAX_FEATURES: usize = 20;
pub const MAX_FEATURE_CHARS: usize = 200;
pub const MAX_KEYWORDS: usize = 7;
pub const MAX_KEYWORD_CHARS: usize = 30;
pub const MAX_KEYWORD_WORDS: usize = 21;
pub const MAX_HARDWARE_ITEMS: usize = 11;
pub const MAX_HARDWARE_CHARS: usize = 200;

/// Character limits of the listing's text fields.
const TEXT_LIMITS: &[(&str, usize)] = &[
    ("title", 256),
    ("description", 10_000),
    ("releaseNotes", 1_500),
    ("shortDescription", 1_000),
    ("licenseTerms", 10_000),
    ("copyrightAndTrademarkInfo", 200),
    ("devStudio", 255),
    ("shortTitle", 50),
    ("sortTitle", 255),
    ("voiceTitle", 255),
];

fn text_field<'a>(listing: &'a BaseListing, name: &str) -> &'a str {
    match name {
        "title" => &listing.title,
        "description" => &listing.description,
        "releaseNotes" => &listing.release_notes,
        "shortDescription" => &listing.short_description,
        "licenseTerms" => &listing.license_terms,
        "copyrightAndTrademarkInfo" => &listing.copyright_and_trademark_info,
        "devStudio" => &listing.dev_studio,
        "shortTitle" => &listing.short_title,
        "sortTitle" => &listing.sort_title,
        "voiceTitle" => &listing.voice_title,
        _ => "",
    }
}

/// Every content rule the submission breaks (empty when it may proceed).
pub fn commit_findings(app: &Application, content: &AppSubmissionContent) -> Vec<StatusDetail> {
    let mut findings = Vec::new();
    let mut fail =
        |message: String| findings.push(status_detail(StatusCode::InvalidParameterValue, message));
    if content.listings.is_empty() {
        fail("The size of Listings must be 1 or more: add a listing, such as en-us".into());
    }
    for (language, listing) in &content.listings {
        let base = &listing.base_listing;
        let at = |field: &str| format!("listings.{language}.baseListing.{field}");
        if base.description.trim().is_empty() {
            fail(format!(
                "{} is required: every listing needs a description",
                at("description")
            ));
        }
        if base.title.trim() != app.primary_name {
            fail(format!(
                "{} '{}' is not a name reserved for this app; use '{}'",
                at("title"),
                base.title,
                app.primary_name
            ));
        }
        for (field, limit) in TEXT_LIMITS {
            let length = text_field(base, field).chars().count();
            if length > *limit {
                fail(format!(
                    "{} has {length} characters; the limit is {limit}",
                    at(field)
                ));
            }
        }
        check_list(
            &mut fail,
            &at("features"),
            &base.features,
            MAX_FEATURES,
            MAX_FEATURE_CHARS,
        );
        check_list(
            &mut fail,
            &at("keywords"),
            &base.keywords,
            MAX_KEYWORDS,
            MAX_KEYWORD_CHARS,
        );
        let words: HashSet<String> = base
            .keywords
            .iter()
            .flat_map(|k| k.split_whitespace().map(str::to_lowercase))
            .collect();
        if words.len() > MAX_KEYWORD_WORDS {
            fail(format!(
                "{} use {} unique words; the limit is {MAX_KEYWORD_WORDS} across all keywords",
                at("keywords"),
                words.len()
            ));
        }
        let hardware = base.recommended_hardware.len() + base.minimum_hardware.len();
        if hardware > MAX_HARDWARE_ITEMS {
            fail(format!(
                "{} and minimumHardware list {hardware} items; the limit is {MAX_HARDWARE_ITEMS} in total",
                at("recommendedHardware")
            ));
        }
        for image_type in ImageType::ALL {
            let count = base
                .images
                .iter()
                .filter(|i| {
                    i.image_type == *image_type && i.file_status != FileStatus::PendingDelete
                })
                .count();
            if count > MAX_SCREENSHOTS_PER_TYPE && image_type.as_str().contains("Screenshot") {
                fail(format!(
                    "{} has {count} images of type {image_type}; the limit is {MAX_SCREENSHOTS_PER_TYPE}",
                    at("images")
                ));
            }
        }
        check_list(
            &mut fail,
            &at("recommendedHardware"),
            &base.recommended_hardware,
            usize::MAX,
            MAX_HARDWARE_CHARS,
        );
        check_list(
            &mut fail,
            &at("minimumHardware"),
            &base.minimum_hardware,
            usize::MAX,
            MAX_HARDWARE_CHARS,
        );
    }
    findings
}

fn check_list(
    fail: &mut impl FnMut(String),
    at: &str,
    items: &[String],
    max_items: usize,
    max_chars: usize,
) {
    if items.len() > max_items {
        fail(format!(
            "{at} has {} items; the limit is {max_items}",
            items.len()
        ));
    }
    for (index, item) in items.iter().enumerate() {
        let length = item.chars().count();
        if length > max_chars {
            fail(format!(
                "{at}[{index}] has {length} characters; the limit is {max_chars}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::accounts::Seller;
    use crate::submission::dashboard_submission;

    fn fixture() -> (Application, AppSubmissionContent) {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "C".into(),
            publisher_name: "CN=X".into(),
        };
        let app = Application::reserve(&seller, "Reader", true, Utc::now());
        let content = dashboard_submission(&app, Utc::now()).content;
        (app, content)
    }

    #[test]
    fn the_dashboard_submission_passes() {
        let (app, content) = fixture();
        assert_eq!(commit_findings(&app, &content), vec![]);
    }

    #[test]
    fn each_rule_names_the_listing_and_field() {
        let (app, mut content) = fixture();
        let base = &mut content.listings.get_mut("en-us").unwrap().base_listing;
        base.description.clear();
        base.title = "Someone Else".into();
        base.features = vec!["f".into(); 21];
        base.keywords = vec!["k".repeat(31)];
        base.recommended_hardware = vec!["h".into(); 6];
        base.minimum_hardware = vec!["h".into(); 6];
        base.release_notes = "n".repeat(1_501);
        let findings = commit_findings(&app, &content);
        let text: Vec<&str> = findings.iter().map(|f| f.details.as_str()).collect();
        for expected in [
            "listings.en-us.baseListing.description is required",
            "listings.en-us.baseListing.title 'Someone Else'",
            "listings.en-us.baseListing.features has 21 items",
            "listings.en-us.baseListing.keywords[0] has 31 characters",
            "listings.en-us.baseListing.recommendedHardware and minimumHardware list 12 items",
            "listings.en-us.baseListing.releaseNotes has 1501 characters",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(expected)),
                "{expected} not in {text:#?}"
            );
        }
        assert!(
            findings
                .iter()
                .all(|f| f.code == StatusCode::InvalidParameterValue)
        );
    }
}
