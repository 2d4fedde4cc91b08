//! What every handler can reach.

use std::sync::Arc;

use storeroom_domain::accounts::DevelopmentAccount;
use storeroom_domain::{Clock, Service};

use crate::blob::BlobService;
use crate::ingestion::IngestionState;
use crate::keys::SigningKeys;
use crate::msi::MsiState;

/// Handed to every handler, and so cloned several times a request (axum's `State`, each
/// layer's own copy): one reference count to move, not one per part, whose counters both
/// workers' cores contended for (about 3 % of a polled GET's CPU).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    pub fn new(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct AppParts {
    pub service: Service,
    pub clock: Arc<Clock>,
    pub keys: Arc<SigningKeys>,
    pub blob: Arc<BlobService>,
    pub account: Arc<DevelopmentAccount>,
    /// Base URL clients reach this server at (no trailing slash).
    pub public_url: Arc<str>,
    /// Base URL of the ingestion API's `location` headers.
    pub partner_url: Arc<str>,
    /// The MSI/EXE submission API's service, blob reads and rate limit.
    pub msi: Arc<MsiState>,
    /// The Partner Center ingestion API's service, blob reads and archive limits.
    pub ingestion: Arc<IngestionState>,
    /// Tokens whose signature was verified.
    pub verified: crate::auth::VerifiedTokens,
    /// The request journal, fault rules and snapshots' blob store.
    pub opsstate: Arc<crate::opsstate::OpsState>,
}
