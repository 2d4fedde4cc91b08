//! The store front: what a customer's Store would install of a product right now.

use storeroom_wire::devcenter::{
    AppSubmissionContent, ApplicationPackage, FlightSubmissionContent,
};

use super::Service;
use crate::delivery;
use crate::error::{DomainError, DomainResult};
use crate::flight;
use crate::store::SubmissionReads;
use crate::submission::Submission;

/// What the customer gets.
#[derive(Debug, Clone)]
pub struct Offer {
    pub product_id: String,
    pub submission_id: String,
    /// Set when a flight's packages are offered.
    pub flight_id: Option<String>,
    pub version: Option<String>,
    pub packages: Vec<ApplicationPackage>,
    pub listing_language: String,
    /// The listing as the product's submission resource shows it.
    pub listing: serde_json::Value,
}

fn unavailable(message: String) -> DomainError {
    DomainError::not_found(message, "productId")
}

impl Service {
    /// The offer for `user_id` in `market`: flights first (highest rank first) for members
    /// of their groups, then the app's gradual rollout; 404 where the app is not offered.
    pub async fn store_offer(
        &self,
        store_id: &str,
        user_id: &str,
        market: &str,
        language: Option<&str>,
    ) -> DomainResult<Offer> {
        let store = self.store.as_ref();
        let Some(app) = store.application(store_id).await? else {
            return self.add_on_offer(store_id, market, language).await;
        };
        let published_id = app
            .slots
            .last_published_submission_id
            .clone()
            .ok_or_else(|| unavailable(format!("Product {store_id} has not been published")))?;
        let published: Submission<AppSubmissionContent> =
            store.submission(&published_id).await?.ok_or_else(|| {
                DomainError::Storage(format!("published submission {published_id} is missing"))
            })?;
        if !delivery::available_in(&published.content, market) {
            return Err(unavailable(format!(
                "Product {store_id} is not available in market {market}"
            )));
        }
        let (listing_language, listing) =
            delivery::listing_for(&published.content.listings, language)
                .map(|(lang, listing)| {
                    let listing = serde_json::to_value(&listing.base_listing).unwrap_or_default();
                    (lang.to_string(), listing)
                })
                .unwrap_or_default();
        let offer = |submission_id: String,
                     flight_id: Option<String>,
                     packages: Vec<ApplicationPackage>| Offer {
            product_id: store_id.to_string(),
            submission_id,
            flight_id,
            version: delivery::highest_version(&packages),
            packages,
            listing_language: listing_language.clone(),
            listing: listing.clone(),
        };

        let groups = store.flight_groups().await?;
        let member_of: Vec<&str> = groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == user_id))
            .map(|g| g.id.as_str())
            .collect();
        let mut flights = store.flights(&app.id).await?;
        flight::by_rank(&mut flights);
        for candidate in flights
            .iter()
            .filter(|f| f.group_ids.iter().any(|g| member_of.contains(&g.as_str())))
        {
            let Some(flight_published) = candidate.slots.last_published_submission_id.as_deref()
            else {
                continue;
            };
            let Some(submission) = store
                .submission::<FlightSubmissionContent>(flight_published)
                .await?
            else {
                continue;
            };
            let Some(chosen) = delivery::choose(
                &submission.content.package_delivery_options.package_rollout,
                &submission.id,
                user_id,
            ) else {
                continue;
            };
            let chosen = if chosen == submission.id {
                submission
            } else {
                match store.submission::<FlightSubmissionContent>(chosen).await? {
                    Some(fallback) => fallback,
                    None => continue,
                }
            };
            return Ok(offer(
                chosen.id,
                Some(candidate.id.clone()),
                chosen.content.flight_packages,
            ));
        }

        let rollout = &published.content.package_delivery_options.package_rollout;
        let chosen = delivery::choose(rollout, &published.id, user_id)
            .unwrap_or(&published.id)
            .to_string();
        if chosen == published.id {
            return Ok(offer(
                published.id.clone(),
                None,
                published.content.application_packages.clone(),
            ));
        }
        let fallback: Submission<AppSubmissionContent> =
            store.submission(&chosen).await?.ok_or_else(|| {
                DomainError::Storage(format!("fallback submission {chosen} is missing"))
            })?;
        Ok(offer(
            fallback.id,
            None,
            fallback.content.application_packages,
        ))
    }

    /// Add-ons are offered by their Store ID the same way: their last published submission,
    /// where its visibility and pricing allow.
    async fn add_on_offer(
        &self,
        store_id: &str,
        market: &str,
        language: Option<&str>,
    ) -> DomainResult<Offer> {
        let (_, published) = self
            .published_in_app_product(store_id)
            .await
            .map_err(|_| unavailable(format!("Product {store_id} not found")))?;
        let content = &published.content;
        let pricing = &content.pricing;
        if !delivery::offered(
            content.visibility,
            &pricing.price_id,
            &pricing.market_specific_pricings,
            market,
        ) {
            return Err(unavailable(format!(
                "Product {store_id} is not available in market {market}"
            )));
        }
        let (listing_language, listing) = delivery::listing_for(&content.listings, language)
            .map(|(lang, listing)| {
                (
                    lang.to_string(),
                    serde_json::to_value(listing).unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        Ok(Offer {
            product_id: store_id.to_string(),
            submission_id: published.id,
            flight_id: None,
            version: None,
            packages: Vec::new(),
            listing_language,
            listing,
        })
    }
}
