//! Automated validation, the first step of a submission's Preview workflow (§5.6): what a
//! preview of an offer needs, checked against the instances the submission froze. Listing
//! images are processed here (§5.4): the server probes their blobs first and passes the
//! verdicts in.

use std::collections::HashMap;

use serde_json::Value;

use super::offer::{Offer, TEST_DRIVE};
use super::resource::{Instance, Module, Resource, same_id};
use super::submission::{OfferSubmission, ValidationItem};

/// An image the server must probe: (image id, image type, fileName, blob).
pub type ImageToProbe = (String, String, String, String);

/// Probe verdicts by image id: `Err` holds the rule the image broke.
pub type ImageVerdicts = HashMap<String, Result<(), String>>;

/// The uploaded images of the listings a submission froze.
pub fn images_to_probe(submission: &OfferSubmission) -> Vec<ImageToProbe> {
    submission
        .frozen
        .iter()
        .filter(|i| i.module == Module::Listing)
        .flat_map(|i| &i.resources)
        .filter(|r| r.resource_type == "ListingImage" && r.file_state() == "Uploaded")
        .filter_map(|r| {
            Some((
                r.id.clone(),
                r.str("type").unwrap_or_default().to_string(),
                r.str("fileName").unwrap_or_default().to_string(),
                r.blob.clone()?,
            ))
        })
        .collect()
}

fn frozen<'a>(
    submission: &'a OfferSubmission,
    module: Module,
    variant: Option<&str>,
) -> Option<&'a Instance> {
    submission.frozen.iter().find(|i| {
        i.module == module
            && match (&i.variant_id, variant) {
                (None, None) => true,
                (Some(a), Some(b)) => same_id(a, b),
                _ => false,
            }
    })
}

fn text<'a>(resource: &'a Resource, field: &str) -> &'a str {
    resource.str(field).map(str::trim).unwrap_or_default()
}

/// Runs every check, records image states on the frozen images, and returns the findings.
pub fn validate(
    offer: &Offer,
    submission: &mut OfferSubmission,
    verdicts: &ImageVerdicts,
    strict: bool,
) -> Vec<ValidationItem> {
    let mut items = Vec::new();
    process_images(submission, verdicts, &mut items);
    check_packages(offer, submission, &mut items);
    if offer.resource_type == "AzureApplication" {
        check_required_modules(offer, submission, &mut items);
        check_offer_listing(submission, strict, &mut items);
        if strict {
            check_strict(submission, &mut items);
        }
    }
    items
}

fn process_images(
    submission: &mut OfferSubmission,
    verdicts: &ImageVerdicts,
    items: &mut Vec<ValidationItem>,
) {
    for instance in submission
        .frozen
        .iter_mut()
        .filter(|i| i.module == Module::Listing)
    {
        for image in instance
            .resources
            .iter_mut()
            .filter(|r| r.resource_type == "ListingImage")
        {
            let name = image.str("fileName").unwrap_or_default().to_string();
            match image.file_state() {
                "PendingUpload" => items.push(ValidationItem::error(
                    "ImageNotUploaded",
                    "Listing",
                    format!("Image {name} ({}) was never uploaded: PUT it with state Uploaded after uploading the file", image.id),
                )),
                "Uploaded" => match verdicts.get(&image.id) {
                    Some(Ok(())) => image.set("state", "Processed"),
                    Some(Err(rule)) => {
                        image.set("state", "ProcessFailed");
                        items.push(ValidationItem::error("InvalidImage", "Listing", rule.clone()));
                    }
                    None => {}
                },
                "ProcessFailed" => items.push(ValidationItem::error(
                    "InvalidImage",
                    "Listing",
                    format!("Image {name} failed processing: replace it"),
                )),
                _ => {}
            }
        }
    }
}

fn check_packages(offer: &Offer, submission: &OfferSubmission, items: &mut Vec<ValidationItem>) {
    for instance in submission
        .frozen
        .iter()
        .filter(|i| i.module == Module::Package)
    {
        for configuration in &instance.resources {
            let references = configuration.pairs("packageReferences");
            let needs_package = matches!(
                configuration.resource_type.as_str(),
                "AzureManagedApplicationPackageConfiguration"
                    | "AzureSolutionTemplatePackageConfiguration"
            );
            if needs_package && references.is_empty() {
                items.push(ValidationItem::error(
                    "PackageMissing",
                    "Package",
                    format!(
                        "The technical configuration {} of plan {} references no package: add a processed package to packageReferences",
                        configuration.id,
                        instance.variant_id.as_deref().unwrap_or("(offer)")
                    ),
                ));
            }
            for (_, package_id) in references {
                match offer.package(&package_id) {
                    None => items.push(ValidationItem::error(
                        "PackageMissing",
                        "Package",
                        format!(
                            "Package {package_id} referenced by configuration {} does not exist",
                            configuration.id
                        ),
                    )),
                    Some(package) if package.file_state() != "Processed" => {
                        items.push(ValidationItem::error(
                            "PackageNotProcessed",
                            "Package",
                            format!(
                                "Package {} ({}) is {}, not Processed",
                                package.id,
                                text(package, "fileName"),
                                package.file_state()
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

fn check_required_modules(
    offer: &Offer,
    submission: &OfferSubmission,
    items: &mut Vec<ValidationItem>,
) {
    for module in [Module::Listing, Module::Property, Module::Availability] {
        if frozen(submission, module, None).is_none() && !offer.is_live(module, None) {
            items.push(ValidationItem::error(
                "ModuleMissing",
                module.name(),
                format!("The offer's {} module has never been submitted: include its draft instance in resources", module.name()),
            ));
        }
    }
    let plans: Vec<&str> = submission
        .variant_resources
        .iter()
        .map(|v| v.variant_id.as_str())
        .filter(|v| !same_id(v, TEST_DRIVE))
        .collect();
    let live_plan = offer
        .live_modules
        .iter()
        .any(|(_, v)| v.as_deref().is_some_and(|v| !same_id(v, TEST_DRIVE)));
    if plans.is_empty() && !live_plan {
        items.push(ValidationItem::error(
            "PlanMissing",
            "Variant",
            "An Azure Application needs at least one plan in variantResources",
        ));
    }
    for plan in plans {
        for module in [Module::Listing, Module::Availability, Module::Package] {
            if frozen(submission, module, Some(plan)).is_none()
                && !offer.is_live(module, Some(plan))
            {
                items.push(ValidationItem::error(
                    "ModuleMissing",
                    module.name(),
                    format!("Plan {plan}'s {} module has never been submitted: include its draft instance", module.name()),
                ));
            }
        }
    }
}

fn check_offer_listing(
    submission: &OfferSubmission,
    strict: bool,
    items: &mut Vec<ValidationItem>,
) {
    let Some(instance) = frozen(submission, Module::Listing, None) else {
        return;
    };
    let Some(listing) = instance
        .resources
        .iter()
        .find(|r| r.resource_type == "AzureListing")
    else {
        items.push(ValidationItem::error(
            "ListingIncomplete",
            "Listing",
            "The offer has no listing",
        ));
        return;
    };
    for field in ["title", "summary", "description"] {
        if text(listing, field).is_empty() {
            items.push(ValidationItem::error(
                "ListingIncomplete",
                "Listing",
                format!("The offer listing's {field} is Missing"),
            ));
        }
    }
    let has_large_logo = instance.resources.iter().any(|r| {
        r.resource_type == "ListingImage"
            && r.parent.as_deref() == Some(listing.id.as_str())
            && r.str("type") == Some("AzureLogoLarge")
            && r.file_state() != "PendingUpload"
    });
    if !has_large_logo {
        items.push(ValidationItem::error(
            "LogoMissing",
            "Listing",
            "The offer listing has no uploaded AzureLogoLarge image (216x216 PNG)",
        ));
    }
    if strict {
        let uris = listing.fields.get("listingUris").and_then(Value::as_array);
        let privacy = uris.is_some_and(|u| {
            u.iter().any(|u| {
                u.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("PrivacyUri"))
            })
        });
        if !privacy {
            items.push(ValidationItem::error(
                "ListingIncomplete",
                "Listing",
                "The offer listing has no PrivacyUri in listingUris",
            ));
        }
        let contacts = listing
            .fields
            .get("listingContacts")
            .and_then(Value::as_array);
        for kind in ["CustomerSupport", "Engineering"] {
            let present = contacts.is_some_and(|c| {
                c.iter()
                    .any(|c| c.get("type").and_then(Value::as_str) == Some(kind))
            });
            if !present {
                items.push(ValidationItem::error(
                    "ListingIncomplete",
                    "Listing",
                    format!("The offer listing has no {kind} contact"),
                ));
            }
        }
    }
}

fn check_strict(submission: &OfferSubmission, items: &mut Vec<ValidationItem>) {
    if let Some(instance) = frozen(submission, Module::Availability, None)
        && let Some(availability) = instance.resources.first()
    {
        let audience = availability
            .fields
            .get("audiences")
            .and_then(Value::as_array)
            .is_some_and(|groups| {
                groups.iter().any(|g| {
                    g.get("values")
                        .and_then(Value::as_array)
                        .is_some_and(|v| !v.is_empty())
                })
            });
        if !audience {
            items.push(ValidationItem::error(
                "AvailabilityIncomplete",
                "Availability",
                "The preview audience is empty: add at least one Azure subscription id",
            ));
        }
    }
    for plan in &submission.variant_resources {
        let id = plan.variant_id.as_str();
        if let Some(instance) = frozen(submission, Module::Listing, Some(id))
            && instance
                .resources
                .first()
                .is_none_or(|l| text(l, "title").is_empty())
        {
            items.push(ValidationItem::error(
                "ListingIncomplete",
                "Listing",
                format!("Plan {id}'s listing title is Missing"),
            ));
        }
        if let Some(instance) = frozen(submission, Module::Availability, Some(id)) {
            let enabled = instance.resources.first().is_some_and(|a| {
                a.fields
                    .get("marketStates")
                    .and_then(Value::as_array)
                    .is_some_and(|m| {
                        m.iter()
                            .any(|s| s.get("state").and_then(Value::as_str) == Some("Enabled"))
                    })
            });
            if !enabled {
                items.push(ValidationItem::error(
                    "AvailabilityIncomplete",
                    "Availability",
                    format!("Plan {id} has no Enabled market"),
                ));
            }
        }
        if let Some(instance) = frozen(submission, Module::Package, Some(id))
            && let Some(configuration) = instance.resources.first()
        {
            if text(configuration, "version").is_empty() {
                items.push(ValidationItem::error(
                    "PackageIncomplete",
                    "Package",
                    format!("Plan {id}'s technical configuration has no version"),
                ));
            }
            if configuration.resource_type == "AzureManagedApplicationPackageConfiguration"
                && configuration
                    .fields
                    .get("publicAzureAuthorizations")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty)
            {
                items.push(ValidationItem::error(
                    "PackageIncomplete",
                    "Package",
                    format!("Plan {id}'s managed application has no publicAzureAuthorizations"),
                ));
            }
        }
    }
}
