//! The operations of the devcenter and admin APIs, each one transaction over the store.
//!
//! Handlers call these with the caller's seller id; every lookup checks ownership, so a
//! client never sees another seller's products (they are simply not found).

mod apps;
mod certification;
mod clients;
mod dashboard;
mod flights;
mod in_app_products;
pub mod memo;
mod sessions;
mod steps;
mod storefront;
mod submissions;

pub use certification::product_policy;
pub use clients::ClientWithKeys;
pub use dashboard::{DashboardEdit, ensure_dashboard_editable};
pub use flights::{FlightSubmission, RankedFlight};
pub use in_app_products::InAppProductSubmission;
pub use steps::{Effects, StepProduct, StepWork};
pub use storefront::Offer;

use std::sync::Arc;

use crate::accounts::{AadClient, DevelopmentAccount, Role, Seller};
use crate::application::{Application, Identity};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::pipeline::Policies;
use crate::submission;
use storeroom_wire::devcenter::AppSubmissionContent;

#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn crate::store::Store>,
    pub clock: Arc<Clock>,
    pub policies: Arc<Policies>,
    /// Base URL certification reports are served under.
    pub report_base: Arc<str>,
    /// Whether the real service's refusals of requests clients avoid are modelled.
    pub leniency: crate::Leniency,
    /// App submissions as last parsed from their stored documents (see [`memo`]).
    pub parsed: Arc<memo::Memo<submission::Submission>>,
}

pub(crate) fn app_not_found(app_id: &str) -> DomainError {
    DomainError::not_found(format!("Application {app_id} not found"), "applicationId")
}

/// `app` when the seller owns it; otherwise (absent, or another seller's) the same 404, so
/// a caller learns nothing of other sellers' apps.
pub(crate) fn owned_by<A: std::borrow::Borrow<Application>>(
    app: Option<A>,
    seller_id: &str,
    app_id: &str,
) -> DomainResult<A> {
    match app {
        Some(app) if app.borrow().seller_id == seller_id => {
            if app.borrow().uses_unsupported_features {
                return Err(DomainError::invalid_operation(
                    "This application uses features that are not supported by the submission API. To perform this operation, use the Dev Center dashboard.",
                    "applicationId",
                ));
            }
            Ok(app)
        }
        _ => Err(app_not_found(app_id)),
    }
}

/// App `app_id` of seller `seller_id`, read in `tx`.
pub(crate) async fn owned_app(
    tx: &mut dyn crate::store::Transaction,
    seller_id: &str,
    app_id: &str,
) -> DomainResult<Application> {
    owned_by(tx.application(app_id).await?, seller_id, app_id)
}

pub(crate) fn submission_not_found() -> DomainError {
    DomainError::not_found("Submission not found", "submissionId")
}

impl Service {
    /// Creates the development tenant, client, seller and admin token on first start;
    /// later starts get the stored ones back.
    pub async fn bootstrap(&self) -> DomainResult<DevelopmentAccount> {
        let mut tx = self.store.begin().await?;
        let candidate = serde_json::to_string(&DevelopmentAccount::generate())
            .map_err(|e| DomainError::Storage(e.to_string()))?;
        let stored = tx
            .setting_or_insert("development_account", &candidate)
            .await?;
        let account: DevelopmentAccount =
            serde_json::from_str(&stored).map_err(|e| DomainError::Storage(e.to_string()))?;
        if stored == candidate {
            tx.insert_tenant(&account.tenant).await?;
            tx.insert_seller(&account.seller).await?;
            tx.insert_client(&account.client).await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    /// Admin: a new seller account in the development tenant, with its own Azure AD client
    /// (Manager role), for testing what one account may see of another's.
    pub async fn create_seller(&self, display_name: &str) -> DomainResult<(Seller, AadClient)> {
        let display_name = clients::display_name(display_name, "name")?;
        let tenant_id = self.development_tenant_id().await?;
        let seller = Seller {
            id: ids::seller_id(),
            display_name: display_name.to_string(),
            publisher_name: format!("CN={}", ids::guid().to_uppercase()),
        };
        let client = AadClient {
            client_id: ids::guid(),
            tenant_id,
            secret: Some(ids::client_secret()),
            seller_id: Some(seller.id.clone()),
            role: Role::Manager,
            name: display_name.to_string(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_seller(&seller).await?;
        tx.insert_client(&client).await?;
        tx.commit().await?;
        Ok((seller, client))
    }

    /// Admin: reserves an app with one published, dashboard-made submission.
    pub async fn reserve_application(
        &self,
        seller_id: &str,
        name: &str,
        has_advanced_listing_permission: bool,
    ) -> DomainResult<Application> {
        self.reserve_application_as(
            seller_id,
            name,
            has_advanced_listing_permission,
            Identity::default(),
            None,
        )
        .await
    }

    /// Reserves an app, under its real identity where given, with one published submission
    /// so the API can clone it: `published` (the body of the app's last published submission,
    /// as the real API returns it) or a made-up one with one package and an `en-us` listing.
    /// A Store ID already reserved is refused (409 `InvalidState`, target `id`).
    pub async fn reserve_application_as(
        &self,
        seller_id: &str,
        name: &str,
        has_advanced_listing_permission: bool,
        identity: Identity,
        published: Option<AppSubmissionContent>,
    ) -> DomainResult<Application> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 256 {
            return Err(DomainError::invalid(
                "name must be 1 to 256 characters",
                "name",
            ));
        }
        let seller = self.store.seller(seller_id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Seller {seller_id} not found"), "sellerId")
        })?;
        let now = self.clock.now();
        let mut app = Application::reserve_as(
            &seller,
            name,
            has_advanced_listing_permission,
            identity,
            now,
        )?;
        let published = match published {
            Some(content) => submission::imported_submission(&app, content, now),
            None => submission::dashboard_submission(&app, now),
        };
        app.slots.submission_count = 1;
        app.slots.last_published_submission_id = Some(published.id.clone());
        app.first_published_date = Some(now);
        let mut tx = self.store.begin().await?;
        if tx.application(&app.id).await?.is_some() {
            return Err(DomainError::invalid_state(
                format!("Store ID {} is already reserved", app.id),
                "id",
            ));
        }
        tx.put_application(&app).await?;
        crate::store::SubmissionAccess::put_submission(tx.as_mut(), &published).await?;
        tx.commit().await?;
        Ok(app)
    }
}
