//! Which API callers may act, decided in one place for the devcenter, MSI/EXE and ingestion
//! APIs; each surface answers a refusal in its own documented shape.
//!
//! The caller's client is read from the store on every request, not remembered. An earlier
//! version kept clients in memory on the grounds that a client record never changed; roles
//! and keys now change through the admin API, and instances sharing a PostgreSQL database
//! would each keep their own copy, so a demoted client would go on working on every
//! instance but the one that demoted it. Caching only the immutable part (tenant, seller)
//! would save nothing: the role still has to be read, and that read is the same single
//! primary-key lookup that returns the whole record.

use storeroom_domain::accounts::Role;

use crate::aad::Claims;
use crate::state::AppState;

/// An application allowed to call the submission APIs, and the seller it acts for.
pub struct Authorised {
    pub client_id: String,
    pub seller_id: String,
}

/// Why a caller with a valid token is refused.
pub enum Refusal {
    /// The token's application no longer exists in its tenant: as a bad token.
    UnknownClient,
    /// The application is in no seller account.
    NoSeller { client_id: String },
    /// The application's role in its account is not Manager ("Account is not allowed to
    /// access this api").
    NotManager { client_id: String },
    /// The store failed.
    Internal,
}

/// The message the devcenter API answers a client Partner Center does not let in.
pub const NOT_ALLOWED: &str = "Authorization: Account is not allowed to access this api";

/// Whether the application of a validated token may call the submission APIs now.
pub async fn authorise(state: &AppState, claims: &Claims) -> Result<Authorised, Refusal> {
    let client = state
        .service
        .store
        .client(&claims.appid)
        .await
        .map_err(|_| Refusal::Internal)?
        .filter(|client| client.tenant_id == claims.tid)
        .ok_or(Refusal::UnknownClient)?;
    let Some(seller_id) = client.seller_id else {
        return Err(Refusal::NoSeller {
            client_id: client.client_id,
        });
    };
    if client.role != Role::Manager {
        return Err(Refusal::NotManager {
            client_id: client.client_id,
        });
    }
    Ok(Authorised {
        client_id: client.client_id,
        seller_id,
    })
}
