//! PUT of an app submission: merge what the client sent over the current content, keep the
//! server's own fields, and reject what the real service rejects (notes §4.3).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use storeroom_wire::devcenter::{
    AddOnIcon, AppSubmissionContent, ApplicationPackage, FileStatus, FlightSubmissionContent,
    Image, InAppProductSubmissionContent, PackageRollout, Trailer,
};
use storeroom_wire::lenient;
use storeroom_wire::overlay::overlay;

use crate::Leniency;
use crate::add_on_input;
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::in_app_product;
use crate::rules::MAX_KEYWORD_CHARS;
use crate::submission::Submission;

/// Top-level categories of the Store; `applicationCategory` is one of them, optionally
/// followed by `_<Subcategory>`, or `NotSet`.
const CATEGORIES: &[&str] = &[
    "BooksAndReference",
    "Business",
    "DeveloperTools",
    "Education",
    "Entertainment",
    "FoodAndDining",
    "GovernmentAndPolitics",
    "HealthAndFitness",
    "KidsAndFamily",
    "Lifestyle",
    "Medical",
    "MultimediaDesign",
    "Music",
    "NavigationAndMaps",
    "NewsAndWeather",
    "PersonalFinance",
    "Personalization",
    "PhotoAndVideo",
    "Productivity",
    "Security",
    "Shopping",
    "Social",
    "Sports",
    "Travel",
    "UtilitiesAndTools",
    "Games",
];

/// Applies a PUT body to `submission`. Fields the body leaves out keep their value;
/// read-only fields in the body are ignored.
pub fn apply_update(
    app: &Application,
    submission: &mut Submission,
    body: Value,
) -> DomainResult<()> {
    submission.ensure_editable()?;
    // `sales` is ignored (always empty on GET) but earns every later commit a warning.
    let sales = crate::submission::body_has_sales(&body);
    let current = &submission.content;
    let mut next: AppSubmissionContent = merged_content(current, body, "applicationSubmission")?;

    // Server-owned values survive whatever the client echoed back.
    next.pricing.is_advanced_pricing_model = current.pricing.is_advanced_pricing_model;
    next.pricing.sales.clear();
    settle_rollout(
        &mut next.package_delivery_options.package_rollout,
        &current.package_delivery_options.package_rollout,
    )?;
    if !app.has_advanced_listing_permission {
        next.gaming_options = current.gaming_options.clone();
        next.trailers = current.trailers.clone();
    }

    validate_category(&next.application_category)?;
    validate_pricing(
        &next.pricing.price_id,
        &next.pricing.market_specific_pricings,
        next.pricing.is_advanced_pricing_model,
    )?;
    validate_listing_keys(&next.listings)?;
    next.application_packages =
        merge_packages(&current.application_packages, next.application_packages)?;
    for (language, listing) in next.listings.iter_mut() {
        let previous = current
            .listings
            .get(language)
            .map(|l| l.base_listing.images.as_slice())
            .unwrap_or_default();
        merge_images(
            previous,
            &mut listing.base_listing.images,
            &format!("listings.{language}.baseListing.images"),
        )?;
        for (platform, overrides) in listing.platform_overrides.iter_mut() {
            if let Some(images) = overrides.images.as_mut() {
                let previous = current
                    .listings
                    .get(language)
                    .and_then(|l| l.platform_overrides.get(platform))
                    .and_then(|p| p.images.as_deref())
                    .unwrap_or_default();
                merge_images(
                    previous,
                    images,
                    &format!("listings.{language}.platformOverrides.{platform}.images"),
                )?;
            }
        }
    }
    if let Some(trailers) = next.trailers.as_mut() {
        assign_trailer_ids(current.trailers.as_deref().unwrap_or_default(), trailers)?;
    }
    submission.content = next;
    submission.uses_sales |= sales;
    Ok(())
}

/// Replaces the top-level fields the body names (matched case-insensitively); `null` keeps
/// the current value.
/// PUT of a flight submission: `flightPackages`, `packageDeliveryOptions`,
/// `targetPublishMode`, `targetPublishDate` and `notesForCertification`, with the same package
/// rules as apps. A top-level `id` (seen in a documentation example) is ignored.
pub fn apply_flight_update(
    submission: &mut Submission<FlightSubmissionContent>,
    body: Value,
) -> DomainResult<()> {
    submission.ensure_editable()?;
    let current = &submission.content;
    let mut next: FlightSubmissionContent = merged_content(current, body, "flightSubmission")?;
    settle_rollout(
        &mut next.package_delivery_options.package_rollout,
        &current.package_delivery_options.package_rollout,
    )?;
    next.flight_packages = merge_packages(&current.flight_packages, next.flight_packages)?;
    submission.content = next;
    Ok(())
}

/// PUT of an add-on submission: `contentType`, `keywords`, `lifetime`, `listings`, `pricing`,
/// `targetPublishMode`, `targetPublishDate`, `tag` and `visibility`, with Partner Center's
/// limits. Listings replace the current ones as a whole and must not be empty.
pub fn apply_in_app_product_update(
    submission: &mut Submission<InAppProductSubmissionContent>,
    body: Value,
    leniency: Leniency,
) -> DomainResult<()> {
    submission.ensure_editable()?;
    if leniency.is_strict()
        && let Value::Object(members) = &body
    {
        add_on_input::ensure_no_server_owned_fields(members)?;
    }
    let sales = crate::submission::body_has_sales(&body);
    let current = &submission.content;
    let mut next: InAppProductSubmissionContent =
        merged_content(current, body, "inAppProductSubmission")?;
    next.pricing.is_advanced_pricing_model = current.pricing.is_advanced_pricing_model;
    next.pricing.sales.clear();
    if leniency.is_strict() {
        add_on_input::ensure_accepted_content_type(next.content_type)?;
    }
    validate_pricing(
        &next.pricing.price_id,
        &next.pricing.market_specific_pricings,
        next.pricing.is_advanced_pricing_model,
    )?;
    in_app_product::ensure_has_listing(&next.listings)?;
    validate_listing_keys(&next.listings)?;
    if next.keywords.len() > in_app_product::MAX_KEYWORDS {
        return Err(DomainError::invalid(
            format!(
                "keywords may hold at most {} keywords, not {}",
                in_app_product::MAX_KEYWORDS,
                next.keywords.len()
            ),
            "keywords",
        ));
    }
    for (index, keyword) in next.keywords.iter().enumerate() {
        if keyword.chars().count() > MAX_KEYWORD_CHARS {
            return Err(DomainError::invalid(
                format!("keywords[{index}] must be at most {MAX_KEYWORD_CHARS} characters"),
                format!("keywords[{index}]"),
            ));
        }
    }
    if next.tag.chars().count() > in_app_product::MAX_TAG_CHARS {
        return Err(DomainError::invalid(
            format!(
                "tag (custom developer data) must be at most {} characters",
                in_app_product::MAX_TAG_CHARS
            ),
            "tag",
        ));
    }
    for (language, listing) in next.listings.iter_mut() {
        let at = |field: &str| format!("listings.{language}.{field}");
        if listing.title.trim().is_empty() {
            return Err(DomainError::invalid(
                format!(
                    "{} is required: every add-on listing needs a title",
                    at("title")
                ),
                at("title"),
            ));
        }
        for (field, text, limit) in [
            ("title", &listing.title, in_app_product::MAX_TITLE_CHARS),
            (
                "description",
                &listing.description,
                in_app_product::MAX_DESCRIPTION_CHARS,
            ),
        ] {
            if text.chars().count() > limit {
                return Err(DomainError::invalid(
                    format!("{} must be at most {limit} characters", at(field)),
                    at(field),
                ));
            }
        }
        let previous = current.listings.get(language).and_then(|l| l.icon.as_ref());
        if let Some(icon) = listing.icon.as_ref() {
            check_icon(previous, icon, &at("icon"))?;
        }
    }
    submission.content = next;
    submission.uses_sales |= sales;
    Ok(())
}

/// An add-on icon is a PNG; one the submission does not hold yet (or holds but has not
/// received) must be marked `PendingUpload`.
fn check_icon(previous: Option<&AddOnIcon>, icon: &AddOnIcon, target: &str) -> DomainResult<()> {
    let name = icon.file_name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(
            format!("{target}.fileName must not be empty"),
            format!("{target}.fileName"),
        ));
    }
    if !name.to_ascii_lowercase().ends_with(".png") {
        return Err(DomainError::invalid(
            format!("{target}.fileName must name a .png file (300x300 pixels), not '{name}'"),
            format!("{target}.fileName"),
        ));
    }
    let received = previous.is_some_and(|p| {
        p.file_status != FileStatus::PendingUpload && same_file(&p.file_name, &icon.file_name)
    });
    if icon.file_status != FileStatus::PendingUpload && !received {
        return Err(DomainError::invalid(
            format!(
                "The icon '{name}' is not part of this submission yet; a new icon must have fileStatus PendingUpload"
            ),
            format!("{target}.fileStatus"),
        ));
    }
    Ok(())
}

/// The content a PUT asks for: the body's top-level fields over the current content, read
/// leniently. `what` names the resource in errors about the body as a whole.
fn merged_content<C: Serialize + DeserializeOwned>(
    current: &C,
    body: Value,
    what: &str,
) -> DomainResult<C> {
    let Value::Object(body) = body else {
        return Err(DomainError::invalid(
            format!("The request body must be a JSON object describing the {what}"),
            what,
        ));
    };
    lenient::from_value(overlay(current, body)).map_err(|err| {
        let target = if err.path.is_empty() {
            what.to_string()
        } else {
            err.path.clone()
        };
        DomainError::invalid(
            format!("The value of '{target}' is invalid: {}", err.message),
            target,
        )
    })
}

fn validate_category(category: &str) -> DomainResult<()> {
    let top = category.split('_').next().unwrap_or_default();
    let subcategory_ok = category
        .split_once('_')
        .is_none_or(|(_, sub)| !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric()));
    if category == "NotSet" || (CATEGORIES.contains(&top) && subcategory_ok) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            format!(
                "'{category}' is not a valid applicationCategory. Use a category such as 'Productivity' or 'BooksAndReference_EReader'."
            ),
            "applicationCategory",
        ))
    }
}

/// Whether `tier` names a price tier of the account's pricing model.
pub fn is_valid_tier(tier: &str, advanced: bool) -> bool {
    match tier {
        "NotAvailable" | "Free" => true,
        _ => tier
            .strip_prefix("Tier")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| {
                if advanced {
                    (1012..=1424).contains(&n)
                } else {
                    (2..=96).contains(&n)
                }
            }),
    }
}

/// The price tiers of app and add-on pricing: a base `priceId` and per-market overrides.
fn validate_pricing(
    price_id: &str,
    market_specific_pricings: &BTreeMap<String, String>,
    advanced: bool,
) -> DomainResult<()> {
    if price_id == "Base" {
        return Err(DomainError::invalid(
            "'Base' is not a valid PriceId for base price.",
            "pricing",
        ));
    }
    if !is_valid_tier(price_id, advanced) {
        return Err(DomainError::invalid(
            format!(
                "'{}' is not a valid PriceId for base price. Use Free, NotAvailable or {}.",
                price_id,
                if advanced {
                    "Tier1012-Tier1424"
                } else {
                    "Tier2-Tier96"
                }
            ),
            "pricing",
        ));
    }
    for (market, tier) in market_specific_pricings {
        if market.len() != 2 || !market.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(DomainError::invalid(
                format!(
                    "'{market}' in pricing.marketSpecificPricings is not a two-letter market code"
                ),
                "pricing",
            ));
        }
        if tier != "Base" && !is_valid_tier(tier, advanced) {
            return Err(DomainError::invalid(
                format!("'{tier}' is not a valid PriceId for market {market}."),
                "pricing",
            ));
        }
    }
    Ok(())
}

/// Keeps the server-owned rollout fields and checks the percentage the client set.
fn settle_rollout(next: &mut PackageRollout, current: &PackageRollout) -> DomainResult<()> {
    next.package_rollout_status = current.package_rollout_status;
    next.fallback_submission_id = current.fallback_submission_id.clone();
    let percentage = next.package_rollout_percentage;
    if !(0.0..=100.0).contains(&percentage) || percentage.is_nan() {
        return Err(DomainError::invalid(
            format!("packageRolloutPercentage must be between 0 and 100, not {percentage}"),
            "packageDeliveryOptions.packageRollout.packageRolloutPercentage",
        ));
    }
    Ok(())
}

fn validate_listing_keys<L>(listings: &BTreeMap<String, L>) -> DomainResult<()> {
    for language in listings.keys() {
        let well_formed = !language.is_empty()
            && language.len() <= 35
            && language
                .split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(DomainError::invalid(
                format!("'{language}' is not a valid listing language code"),
                "listings",
            ));
        }
    }
    Ok(())
}

fn same_file(a: &str, b: &str) -> bool {
    a.replace('\\', "/")
        .eq_ignore_ascii_case(&b.replace('\\', "/"))
}

/// Every package of the current submission must stay in the list (marked `PendingDelete` to
/// remove it); new ones arrive as `PendingUpload`. Package metadata stays the server's.
fn merge_packages(
    current: &[ApplicationPackage],
    sent: Vec<ApplicationPackage>,
) -> DomainResult<Vec<ApplicationPackage>> {
    let mut merged = Vec::with_capacity(sent.len());
    let mut kept: HashSet<String> = HashSet::new();
    let mut names: HashSet<String> = HashSet::new();
    for (index, package) in sent.into_iter().enumerate() {
        let target = format!("applicationPackages[{index}]");
        if package.file_name.trim().is_empty() {
            return Err(DomainError::invalid(
                format!("{target}.fileName must not be empty"),
                target,
            ));
        }
        if !names.insert(package.file_name.replace('\\', "/").to_lowercase()) {
            return Err(DomainError::invalid(
                format!(
                    "The package '{}' is listed more than once",
                    package.file_name
                ),
                "packages",
            ));
        }
        let existing = current.iter().find(|c| {
            (!package.id.is_empty() && c.id == package.id)
                || same_file(&c.file_name, &package.file_name)
        });
        match existing {
            Some(existing) => {
                kept.insert(existing.id.clone());
                let mut package_out = existing.clone();
                package_out.file_status = package.file_status;
                package_out.minimum_direct_x_version = package.minimum_direct_x_version;
                package_out.minimum_system_ram = package.minimum_system_ram;
                if package.file_status == FileStatus::PendingUpload {
                    // A re-upload under the same name: its metadata comes from the new file.
                    package_out.file_name = package.file_name;
                }
                merged.push(package_out);
            }
            None => {
                if package.file_status != FileStatus::PendingUpload {
                    return Err(DomainError::invalid(
                        format!(
                            "The package '{}' is not part of this submission yet; a new package must have fileStatus PendingUpload",
                            package.file_name
                        ),
                        target,
                    ));
                }
                merged.push(ApplicationPackage {
                    id: ids::numeric_id(),
                    version: String::new(),
                    architecture: String::new(),
                    languages: Vec::new(),
                    capabilities: Vec::new(),
                    target_device_families: Vec::new(),
                    ..package
                });
            }
        }
    }
    let missing: Vec<&str> = current
        .iter()
        .filter(|c| c.file_status != FileStatus::PendingUpload && !kept.contains(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(DomainError::invalid(
            format!(
                "Please keep all file entries for existing packages. If you wish to remove a package, mark it as PendingDelete. The following packages are missing in your update: {}",
                missing.join(", ")
            ),
            "packages",
        ));
    }
    Ok(merged)
}

/// Images keep their ids; new ones get one and must be `PendingUpload`.
fn merge_images(previous: &[Image], images: &mut [Image], target: &str) -> DomainResult<()> {
    for (index, image) in images.iter_mut().enumerate() {
        let existing = previous.iter().find(|p| {
            (!image.id.is_empty() && p.id == image.id) || same_file(&p.file_name, &image.file_name)
        });
        match existing {
            Some(existing) if image.file_status != FileStatus::PendingUpload => {
                image.id = existing.id.clone()
            }
            _ if image.file_status == FileStatus::PendingUpload => image.id = ids::numeric_id(),
            _ => {
                return Err(DomainError::invalid(
                    format!(
                        "The image '{}' is not part of this submission yet; a new image must have fileStatus PendingUpload",
                        image.file_name
                    ),
                    format!("{target}[{index}]"),
                ));
            }
        }
    }
    Ok(())
}

/// Trailers the client adds carry no ids yet: the server assigns the trailer, video and
/// thumbnail ids. At most 15 trailers, each with exactly one thumbnail per language.
fn assign_trailer_ids(previous: &[Trailer], trailers: &mut [Trailer]) -> DomainResult<()> {
    if trailers.len() > 15 {
        return Err(DomainError::invalid(
            "At most 15 trailers are allowed",
            "trailers",
        ));
    }
    for (index, trailer) in trailers.iter_mut().enumerate() {
        let existing = previous
            .iter()
            .find(|p| !trailer.id.is_empty() && p.id == trailer.id);
        match existing {
            Some(existing) if same_file(&existing.video_file_name, &trailer.video_file_name) => {
                trailer.video_file_id = existing.video_file_id.clone();
            }
            _ => {
                trailer.id = ids::numeric_id();
                trailer.video_file_id = String::new();
            }
        }
        for (language, assets) in trailer.trailer_assets.iter_mut() {
            if assets.image_list.len() != 1 {
                return Err(DomainError::invalid(
                    format!(
                        "trailers[{index}].trailerAssets.{language}.imageList must contain exactly one image"
                    ),
                    format!("trailers[{index}]"),
                ));
            }
            for image in &mut assets.image_list {
                if image.id.is_empty() {
                    image.id = ids::numeric_id();
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;
    use storeroom_wire::devcenter::{PublishMode, SubmissionStatus};

    use super::*;
    use crate::accounts::Seller;
    use crate::submission::{clone_for_new_submission, dashboard_submission};

    fn pending() -> (Application, Submission) {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "C".into(),
            publisher_name: "CN=X".into(),
        };
        let mut app = Application::reserve(&seller, "Reader", true, Utc::now());
        let published = dashboard_submission(&app, Utc::now());
        app.slots.submission_count = 1;
        app.slots.last_published_submission_id = Some(published.id.clone());
        let pending = clone_for_new_submission(&mut app, &published, Utc::now()).unwrap();
        (app, pending)
    }

    #[test]
    fn body_fields_replace_and_absent_fields_stay() {
        let (app, mut sub) = pending();
        let existing = sub.content.application_packages[0].clone();
        apply_update(&app, &mut sub, json!({
            "TargetPublishMode": "SpecificDate",
            "targetPublishDate": "2030-01-01T00:00:00Z",
            "status": "Published",
            "applicationPackages": [
                {"id": existing.id, "fileName": existing.file_name, "fileStatus": "PendingDelete",
                 "minimumDirectXVersion": "None", "minimumSystemRam": "None", "version": "9.9.9.9"},
                {"fileName": "new.msix", "fileStatus": "PendingUpload", "minimumDirectXVersion": "None", "minimumSystemRam": "None"}
            ]
        })).unwrap();
        assert_eq!(sub.status, SubmissionStatus::PendingCommit);
        assert_eq!(sub.content.target_publish_mode, PublishMode::SpecificDate);
        assert_eq!(
            sub.content.application_packages[0].version,
            existing.version
        );
        assert_eq!(
            sub.content.application_packages[0].file_status,
            FileStatus::PendingDelete
        );
        assert_eq!(sub.content.application_packages[1].id.len(), 19);
        assert_eq!(sub.files_to_upload(), vec!["new.msix".to_string()]);
        assert!(sub.content.listings.contains_key("en-us"));
    }

    #[test]
    fn dropping_an_existing_package_is_refused() {
        let (app, mut sub) = pending();
        let id = sub.content.application_packages[0].id.clone();
        let err = apply_update(&app, &mut sub, json!({"applicationPackages": []})).unwrap_err();
        match err {
            DomainError::Invalid { message, target } => {
                assert_eq!(target, "packages");
                assert!(message.ends_with(&id), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn base_price_and_bad_enums_are_refused() {
        let (app, mut sub) = pending();
        let err =
            apply_update(&app, &mut sub, json!({"pricing": {"priceId": "Base"}})).unwrap_err();
        assert_eq!(
            err,
            DomainError::invalid("'Base' is not a valid PriceId for base price.", "pricing")
        );
        let err = apply_update(&app, &mut sub, json!({"visibility": "Everyone"})).unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { ref target, .. } if target == "visibility"),
            "{err:?}"
        );
        let err =
            apply_update(&app, &mut sub, json!({"applicationCategory": "Cooking"})).unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { ref target, .. } if target == "applicationCategory")
        );
        assert!(
            apply_update(
                &app,
                &mut sub,
                json!({"pricing": {"priceId": "Tier1012"}, "applicationCategory": "Games_Fighting"})
            )
            .is_ok()
        );
    }

    #[test]
    fn read_only_rollout_fields_are_ignored() {
        let (app, mut sub) = pending();
        apply_update(
            &app,
            &mut sub,
            json!({"packageDeliveryOptions": {"packageRollout": {
            "isPackageRollout": true, "packageRolloutPercentage": 25.0,
            "packageRolloutStatus": "PackageRolloutComplete", "fallbackSubmissionId": "42"}}}),
        )
        .unwrap();
        let rollout = &sub.content.package_delivery_options.package_rollout;
        assert!(rollout.is_package_rollout);
        assert_eq!(rollout.package_rollout_percentage, 25.0);
        assert_eq!(rollout.fallback_submission_id, "0");
        let err = apply_update(&app, &mut sub, json!({"packageDeliveryOptions": {"packageRollout": {"packageRolloutPercentage": 101}}})).unwrap_err();
        assert!(matches!(err, DomainError::Invalid { .. }));
    }

    fn add_on_submission() -> Submission<InAppProductSubmissionContent> {
        let mut slots = crate::product::Slots::default();
        crate::submission::start_submission(
            &mut slots,
            "1",
            crate::product::ProductRef::InAppProduct("9ADDON".into()),
            InAppProductSubmissionContent::default(),
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn add_on_icons_upload_once_and_settle_on_publish() {
        use crate::content::SubmissionContent;
        let mut sub = add_on_submission();
        // A client sets a content type the service accepts before anything else.
        sub.content.content_type = storeroom_wire::devcenter::ContentType::OnlineDataStorage;
        let with_icon = |status: &str| json!({"listings": {"en": {"title": "Gold", "icon": {"fileName": "icon.png", "fileStatus": status}}}});
        let err =
            apply_in_app_product_update(&mut sub, json!({"keywords": ["a"]}), Leniency::Strict)
                .unwrap_err();
        assert_eq!(
            err,
            DomainError::invalid("The size of Listings must be 1 or more", "listings")
        );
        apply_in_app_product_update(&mut sub, with_icon("PendingUpload"), Leniency::Strict)
            .unwrap();
        assert_eq!(sub.files_to_upload(), vec!["icon.png".to_string()]);
        // Not received yet: it cannot be declared uploaded.
        let err = apply_in_app_product_update(&mut sub, with_icon("Uploaded"), Leniency::Strict)
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { ref target, .. } if target == "listings.en.icon.fileStatus")
        );
        sub.content.settle_files();
        assert!(sub.files_to_upload().is_empty());
        apply_in_app_product_update(&mut sub, with_icon("Uploaded"), Leniency::Strict).unwrap();
        apply_in_app_product_update(&mut sub, with_icon("PendingDelete"), Leniency::Strict)
            .unwrap();
        sub.content.settle_files();
        assert_eq!(sub.content.listings["en"].icon, None);
        assert!(sub.content.rollout().is_none());
    }
}
