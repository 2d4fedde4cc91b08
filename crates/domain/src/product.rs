//! What every product with submissions shares: which product a submission belongs to, and
//! the product's pending and last published submission.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductKind {
    Application,
    Flight,
    InAppProduct,
}

impl ProductKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Application => "Application",
            ProductKind::Flight => "Flight",
            ProductKind::InAppProduct => "InAppProduct",
        }
    }
}

/// The product a submission belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductRef {
    Application(String),
    Flight { app_id: String, flight_id: String },
    InAppProduct(String),
}

impl ProductRef {
    pub fn kind(&self) -> ProductKind {
        match self {
            ProductRef::Application(_) => ProductKind::Application,
            ProductRef::Flight { .. } => ProductKind::Flight,
            ProductRef::InAppProduct(_) => ProductKind::InAppProduct,
        }
    }

    /// The id of the product itself: Store ID of an app or add-on, GUID of a flight.
    pub fn id(&self) -> &str {
        match self {
            ProductRef::Application(id) | ProductRef::InAppProduct(id) => id,
            ProductRef::Flight { flight_id, .. } => flight_id,
        }
    }

    /// The app an app or flight submission belongs to.
    pub fn app_id(&self) -> Option<&str> {
        match self {
            ProductRef::Application(id) => Some(id),
            ProductRef::Flight { app_id, .. } => Some(app_id),
            ProductRef::InAppProduct(_) => None,
        }
    }

    /// `resourceLocation` of one of its submissions, relative to `/v1.0/my/` (flights:
    /// relative to the app, as documented).
    pub fn submission_location(&self, submission_id: &str) -> String {
        match self {
            ProductRef::Application(id) => format!("applications/{id}/submissions/{submission_id}"),
            ProductRef::Flight { flight_id, .. } => {
                format!("flights/{flight_id}/submissions/{submission_id}")
            }
            ProductRef::InAppProduct(id) => {
                format!("inappproducts/{id}/submissions/{submission_id}")
            }
        }
    }
}

/// A product's pending and last published submission, and how many it ever had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Slots {
    pub pending_submission_id: Option<String>,
    pub last_published_submission_id: Option<String>,
    /// How many submissions were ever created, for "Submission N" names.
    pub submission_count: u32,
}

impl Slots {
    pub fn reference(
        &self,
        product: &ProductRef,
        id: &Option<String>,
    ) -> Option<storeroom_wire::devcenter::SubmissionRef> {
        id.as_ref()
            .map(|id| storeroom_wire::devcenter::SubmissionRef {
                id: id.clone(),
                resource_location: product.submission_location(id),
            })
    }
}
