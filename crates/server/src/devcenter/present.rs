//! The devcenter API's resources as the wire shows them, from the domain's records:
//! presentation lives with the surface, not in the domain.

use storeroom_domain::application::Application;
use storeroom_domain::flight::{Flight, NON_FLIGHTED};
use storeroom_domain::in_app_product::InAppProduct;
use storeroom_wire::dates;
use storeroom_wire::devcenter as wire;

/// The Application resource (absent submissions are left out, never `null`).
pub fn application(app: &Application) -> wire::Application {
    let product = app.product();
    let reference = |id: &Option<String>| app.slots.reference(&product, id);
    wire::Application {
        id: app.id.clone(),
        primary_name: app.primary_name.clone(),
        package_family_name: app.package_family_name.clone(),
        package_identity_name: app.package_identity_name.clone(),
        publisher_name: app.publisher_name.clone(),
        first_published_date: app.first_published_date.unwrap_or_else(dates::sentinel),
        last_published_application_submission: reference(&app.slots.last_published_submission_id),
        pending_application_submission: reference(&app.slots.pending_submission_id),
        has_advanced_listing_permission: app.has_advanced_listing_permission,
    }
}

/// The Flight resource; `below` is the friendly name of the flight ranked just below.
pub fn flight(flight: &Flight, below: Option<&str>) -> wire::Flight {
    let product = flight.product();
    wire::Flight {
        flight_id: flight.id.clone(),
        friendly_name: flight.friendly_name.clone(),
        last_published_flight_submission: flight
            .slots
            .reference(&product, &flight.slots.last_published_submission_id),
        pending_flight_submission: flight
            .slots
            .reference(&product, &flight.slots.pending_submission_id),
        group_ids: flight.group_ids.clone(),
        rank_higher_than: below.unwrap_or(NON_FLIGHTED).to_string(),
    }
}

/// The in-app product (add-on) resource.
pub fn in_app_product(add_on: &InAppProduct) -> wire::InAppProduct {
    let product = add_on.product();
    let applications: Vec<wire::ApplicationRef> = add_on
        .application_ids
        .iter()
        .map(|id| wire::ApplicationRef {
            id: id.clone(),
            resource_location: format!("applications/{id}"),
        })
        .collect();
    wire::InAppProduct {
        applications: wire::AddOnApplications {
            total_count: applications.len() as u64,
            value: applications,
        },
        id: add_on.id.clone(),
        product_id: add_on.product_id.clone(),
        product_type: add_on.product_type,
        pending_in_app_product_submission: add_on
            .slots
            .reference(&product, &add_on.slots.pending_submission_id),
        last_published_in_app_product_submission: add_on
            .slots
            .reference(&product, &add_on.slots.last_published_submission_id),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use storeroom_domain::accounts::Seller;

    use super::*;

    #[test]
    fn absent_references_stay_absent() {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "Contoso Ltd".into(),
            publisher_name: "CN=ABC".into(),
        };
        let app = Application::reserve(&seller, "Contoso Reader", true, Utc::now());
        let wire = application(&app);
        assert!(wire.pending_application_submission.is_none());
        assert_eq!(wire.first_published_date, dates::sentinel());
        let out = serde_json::to_value(&wire).unwrap();
        assert!(out.get("pendingApplicationSubmission").is_none(), "{out}");
    }
}
