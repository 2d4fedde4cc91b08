//! The store front as a customer sees it: pick a product, a user, a market and a device
//! family, and see which submission's packages and which listing they get under the
//! product's rollouts and flights (the store front API's domain call).

use std::collections::HashMap;

use axum::response::Response;
use maud::{Markup, html};
use storeroom_domain::delivery::{DEVICE_FAMILIES, for_device_family};
use storeroom_domain::service::Offer;

use super::layout::shell;
use super::session::Signed;
use crate::state::AppState;

const PATH: &str = "/dashboard/store";

fn offer_card(offer: &Offer, family: &str) -> Markup {
    let packages = for_device_family(&offer.packages, family);
    let text = |name: &str| {
        offer
            .listing
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    html! {
        section.card #offer aria-labelledby="offer-h" {
            h2 #offer-h { "What they get" }
            dl.fields {
                dt { "Submission" } dd #offer-submission { (offer.submission_id) }
                @if let Some(flight) = &offer.flight_id { dt { "Through flight" } dd { (flight) } }
                dt { "Version" } dd { (offer.version.as_deref().unwrap_or("unknown")) }
                dt { "Listing" } dd { (offer.listing_language) ": " strong #offer-title { (text("title")) } }
                dt { "Description" } dd { (text("description")) }
            }
            h3 { "Packages for " (family) }
            @if packages.is_empty() { p { "None of this submission's packages targets " (family) "." } } @else {
                ul { @for package in packages {
                    li { (package.file_name) " " span.muted { (package.version) " " (package.architecture) " " (package.target_device_families.join(", ")) } }
                } }
            }
        }
    }
}

pub async fn page(signed: Signed, state: AppState, query: HashMap<String, String>) -> Response {
    let field = |name: &str| {
        query
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (store_id, user, market, language) = (
        field("storeId"),
        field("userId"),
        field("market"),
        field("language"),
    );
    let family = Some(field("deviceFamily"))
        .filter(|f| DEVICE_FAMILIES.contains(&f.as_str()))
        .unwrap_or_else(|| DEVICE_FAMILIES[0].to_string());
    let result = if store_id.is_empty() {
        None
    } else {
        let offer = async {
            let market =
                crate::storefront::market_code(if market.is_empty() { "US" } else { &market })?;
            let user = if user.is_empty() {
                "anyone"
            } else {
                user.as_str()
            };
            let language = Some(language.as_str()).filter(|l| !l.is_empty());
            Ok::<_, crate::errors::ApiError>(
                state
                    .service
                    .store_offer(&store_id, user, &market, language)
                    .await?,
            )
        };
        Some(offer.await)
    };
    let body = html! {
        form.inline method="get" action=(PATH) {
            label for="store-id" { "Store ID" }
            input #store-id type="text" name="storeId" value=(store_id) required;
            label for="user-id" { "User" }
            input #user-id type="text" name="userId" value=(user) placeholder="anyone";
            label for="market" { "Market" }
            input #market type="text" name="market" value=(market) placeholder="US" maxlength="2" size="3";
            label for="language" { "Language" }
            input #language type="text" name="language" value=(language) placeholder="en-us" size="6";
            label for="family" { "Device family" }
            select #family name="deviceFamily" {
                @for f in DEVICE_FAMILIES { option value=(f) selected[*f == family] { (f) } }
            }
            button type="submit" { "Show" }
        }
        p.hint { "Users are bucketed into a gradual rollout by their id; flight group members get the flight's packages." }
        @match &result {
            Some(Ok(offer)) => (offer_card(offer, &family)),
            Some(Err(err)) => section.card role="alert" { h2 { "Not offered" } p { (err.body.message) } },
            None => {},
        }
    };
    shell(&signed, PATH, "Store front", body)
}
