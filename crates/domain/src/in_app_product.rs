//! Add-ons (in-app products, devcenter §2.3): products sold inside an app, created through
//! the API (unlike apps, which are reserved in Partner Center), each with its own submissions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storeroom_wire::devcenter::{AddOnListing, InAppProductSubmissionContent, ProductType};

use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::product::{ProductRef, Slots};
use crate::submission::Submission;

/// Partner Center's limits on add-ons.
pub const MAX_PRODUCT_ID_CHARS: usize = 100;
pub const MAX_KEYWORDS: usize = 10;
pub const MAX_TAG_CHARS: usize = 3000;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InAppProduct {
    /// Store ID.
    pub id: String,
    pub seller_id: String,
    /// The developer's own id for the add-on, unique in the seller account.
    pub product_id: String,
    pub product_type: ProductType,
    /// Store IDs of the apps it belongs to; the API supports exactly one.
    pub application_ids: Vec<String>,
    #[serde(flatten)]
    pub slots: Slots,
    pub created_at: DateTime<Utc>,
}

impl InAppProduct {
    pub fn product(&self) -> ProductRef {
        ProductRef::InAppProduct(self.id.clone())
    }

    /// The app whose settings (pipeline policy) apply to the add-on.
    pub fn application_id(&self) -> Option<&str> {
        self.application_ids.first().map(String::as_str)
    }
}

/// A request to create an add-on, as clients send it. Every field is optional here so that
/// a missing one is refused by [`NewInAppProduct::validate`] with its own name as target.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NewInAppProduct {
    pub application_ids: Vec<String>,
    pub product_id: Option<String>,
    pub product_type: Option<String>,
}

/// A well-formed creation request: one app, a product id and a documented product type.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNewInAppProduct {
    pub application_id: String,
    pub product_id: String,
    pub product_type: ProductType,
}

impl NewInAppProduct {
    pub fn validate(self) -> DomainResult<ValidNewInAppProduct> {
        let application_id = match self.application_ids.as_slice() {
            [] => {
                return Err(DomainError::invalid(
                    "applicationIds is required: name the Store ID of the app the add-on belongs to",
                    "applicationIds",
                ));
            }
            [one] if !one.trim().is_empty() => one.trim().to_string(),
            [_] => {
                return Err(DomainError::invalid(
                    "applicationIds[0] must be the Store ID of an app",
                    "applicationIds",
                ));
            }
            _ => {
                return Err(DomainError::invalid(
                    "applicationIds must contain exactly one app: an add-on belongs to a single app",
                    "applicationIds",
                ));
            }
        };
        let product_id = self.product_id.as_deref().map(str::trim).unwrap_or("");
        if product_id.is_empty() {
            return Err(DomainError::invalid(
                "productId is required: choose the id your app uses for this add-on",
                "productId",
            ));
        }
        if product_id.chars().count() > MAX_PRODUCT_ID_CHARS {
            return Err(DomainError::invalid(
                format!("productId must be at most {MAX_PRODUCT_ID_CHARS} characters"),
                "productId",
            ));
        }
        let product_type = match self.product_type.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(DomainError::invalid(
                    "productType is required: Durable or Consumable",
                    "productType",
                ));
            }
            Some(text) => ProductType::ALL
                .iter()
                .copied()
                .find(|t| t.as_str().eq_ignore_ascii_case(text))
                .ok_or_else(|| {
                    DomainError::invalid(
                        format!(
                            "'{text}' is not a supported productType: use Durable or Consumable"
                        ),
                        "productType",
                    )
                })?,
        };
        Ok(ValidNewInAppProduct {
            application_id,
            product_id: product_id.to_string(),
            product_type,
        })
    }
}

/// Creates an add-on of `app` (which must be the seller's) unless the seller already has one
/// with the same product id (compared case-insensitively, as Windows matches them).
/// A duplicate is a conflict with the account's state, hence 409 `InvalidState`.
pub fn create(
    seller_id: &str,
    request: ValidNewInAppProduct,
    app: Option<&Application>,
    same_product_id: Option<&InAppProduct>,
    now: DateTime<Utc>,
) -> DomainResult<InAppProduct> {
    let Some(app) = app.filter(|a| a.seller_id == seller_id) else {
        return Err(DomainError::invalid(
            format!(
                "applicationIds names no app of this account: '{}'",
                request.application_id
            ),
            "applicationIds",
        ));
    };
    if let Some(existing) = same_product_id {
        return Err(DomainError::invalid_state(
            format!(
                "An add-on with productId '{}' already exists in this account ({})",
                existing.product_id, existing.id
            ),
            "productId",
        ));
    }
    Ok(InAppProduct {
        id: ids::store_id(),
        seller_id: seller_id.to_string(),
        product_id: request.product_id,
        product_type: request.product_type,
        application_ids: vec![app.id.clone()],
        slots: Slots::default(),
        created_at: now,
    })
}

/// An add-on may be deleted unless its pending submission is in the pipeline, or it was ever
/// published: Partner Center only removes add-ons that never reached customers (published
/// ones can only be made unavailable).
pub fn ensure_deletable(
    product: &InAppProduct,
    pending: Option<&Submission<InAppProductSubmissionContent>>,
) -> DomainResult<()> {
    if pending.is_some_and(Submission::is_in_flight) {
        return Err(DomainError::invalid_state(
            "The add-on cannot be deleted while its submission is being processed",
            "inAppProductId",
        ));
    }
    if product.slots.last_published_submission_id.is_some() {
        return Err(DomainError::invalid_state(
            "A published add-on cannot be deleted; make it unavailable with a new submission (visibility or priceId NotAvailable) instead",
            "inAppProductId",
        ));
    }
    Ok(())
}

/// Every add-on submission needs a listing, on PUT (the real service's 400) and at commit
/// (the first submission starts without one).
pub fn ensure_has_listing(listings: &BTreeMap<String, AddOnListing>) -> DomainResult<()> {
    if listings.is_empty() {
        return Err(DomainError::invalid(
            "The size of Listings must be 1 or more",
            "listings",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use storeroom_wire::lenient;

    use super::*;
    use crate::accounts::Seller;

    fn app(seller: &str) -> Application {
        let seller = Seller {
            id: seller.into(),
            display_name: "Contoso".into(),
            publisher_name: "CN=X".into(),
        };
        Application::reserve(&seller, "Reader", true, Utc::now())
    }

    fn request(body: serde_json::Value) -> DomainResult<ValidNewInAppProduct> {
        lenient::from_value::<NewInAppProduct>(body)
            .unwrap()
            .validate()
    }

    fn target(err: DomainError) -> String {
        match err {
            DomainError::Invalid { target, .. } | DomainError::Conflict { target, .. } => target,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn requests_need_one_app_a_product_id_and_a_documented_type() {
        let ok = request(
            json!({"applicationIds": ["9APP"], "productId": " Gold ", "productType": "consumable"}),
        )
        .unwrap();
        assert_eq!(ok.product_id, "Gold");
        assert_eq!(ok.product_type, ProductType::Consumable);
        for (body, field) in [
            (
                json!({"productId": "a", "productType": "Durable"}),
                "applicationIds",
            ),
            (
                json!({"applicationIds": ["1", "2"], "productId": "a", "productType": "Durable"}),
                "applicationIds",
            ),
            (
                json!({"applicationIds": ["1"], "productType": "Durable"}),
                "productId",
            ),
            (
                json!({"applicationIds": ["1"], "productId": "a"}),
                "productType",
            ),
            (
                json!({"applicationIds": ["1"], "productId": "a", "productType": "Subscription"}),
                "productType",
            ),
        ] {
            assert_eq!(target(request(body).unwrap_err()), field);
        }
    }

    #[test]
    fn creation_checks_the_app_and_the_product_id() {
        let mine = app("1");
        let valid = request(
            json!({"applicationIds": [mine.id], "productId": "Gold", "productType": "Durable"}),
        )
        .unwrap();
        let created = create("1", valid.clone(), Some(&mine), None, Utc::now()).unwrap();
        assert_eq!(created.application_ids, vec![mine.id.clone()]);
        assert!(created.slots.pending_submission_id.is_none());
        let duplicate = create("1", valid.clone(), Some(&mine), Some(&created), Utc::now());
        assert!(matches!(
            duplicate,
            Err(DomainError::Conflict { ref target, .. }) if target == "productId"
        ));
        let other = app("2");
        assert_eq!(
            target(create("1", valid, Some(&other), None, Utc::now()).unwrap_err()),
            "applicationIds"
        );
    }

    #[test]
    fn published_add_ons_stay() {
        let mine = app("1");
        let valid = request(
            json!({"applicationIds": [mine.id], "productId": "G", "productType": "Durable"}),
        )
        .unwrap();
        let mut product = create("1", valid, Some(&mine), None, Utc::now()).unwrap();
        assert!(ensure_deletable(&product, None).is_ok());
        product.slots.last_published_submission_id = Some("1".into());
        assert!(matches!(
            ensure_deletable(&product, None),
            Err(DomainError::Conflict { .. })
        ));
    }
}
