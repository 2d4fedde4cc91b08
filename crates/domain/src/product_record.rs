//! Any product's record, for the code that treats them alike (the pipeline's publish step).

use chrono::{DateTime, Utc};

use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::flight::Flight;
use crate::in_app_product::InAppProduct;
use crate::product::{ProductRef, Slots};
use crate::store::Transaction;

pub enum ProductRecord {
    Application(Application),
    Flight(Flight),
    InAppProduct(InAppProduct),
}

impl ProductRecord {
    pub async fn load(tx: &mut dyn Transaction, product: &ProductRef) -> DomainResult<Self> {
        let missing = || {
            DomainError::Storage(format!(
                "{} {} is missing",
                product.kind().as_str(),
                product.id()
            ))
        };
        match product {
            ProductRef::Application(id) => Ok(Self::Application(
                tx.application(id).await?.ok_or_else(missing)?,
            )),
            ProductRef::Flight { flight_id, .. } => Ok(Self::Flight(
                tx.flight(flight_id).await?.ok_or_else(missing)?,
            )),
            ProductRef::InAppProduct(id) => Ok(Self::InAppProduct(
                tx.in_app_product(id).await?.ok_or_else(missing)?,
            )),
        }
    }

    pub fn slots_mut(&mut self) -> &mut Slots {
        match self {
            Self::Application(app) => &mut app.slots,
            Self::Flight(flight) => &mut flight.slots,
            Self::InAppProduct(product) => &mut product.slots,
        }
    }

    /// Records that one of its submissions was just published.
    pub fn mark_published(&mut self, now: DateTime<Utc>) {
        if let Self::Application(app) = self {
            app.mark_published(now);
        }
    }

    pub async fn save(&self, tx: &mut dyn Transaction) -> DomainResult<()> {
        match self {
            Self::Application(app) => tx.put_application(app).await?,
            Self::Flight(flight) => tx.put_flight(flight).await?,
            Self::InAppProduct(product) => tx.put_in_app_product(product).await?,
        }
        Ok(())
    }
}
