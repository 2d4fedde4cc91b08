//! The MSI/EXE submission API (`/submission/v1/product/{productId}/…`, seed 001), its admin
//! routes and its worker.
//!
//! Modules, one job each: `operation` (the operations, decoded from the method and path),
//! `dispatch` (the one route: 404 and 405 in the envelope, then the caller, then the
//! operation's handler), `auth` (token, seller header, rate limit), `input` (query and JSON
//! bodies), `envelope` (every response's shape, and the one mapping of domain errors to
//! statuses and codes), `metadata`, `packages`, `assets` and `submission` (the handlers),
//! `probe` (what package processing checks), `worker` (the jobs of the `msi` queue),
//! `throttle` (rate limits) and `admin` (ours, under `/admin/v1/msi/`). Handlers translate
//! between the wire and [`MsiService`]; the rules live in the domain.

pub mod admin;
mod assets;
mod auth;
mod dispatch;
pub(crate) mod envelope;
mod input;
mod metadata;
mod operation;
mod packages;
mod probe;
mod submission;
pub mod throttle;
pub mod worker;

use std::sync::Arc;

use storeroom_domain::msi::MsiService;
use storeroom_storage::blobs::BlobStore;
use utoipa_axum::router::OpenApiRouter;

pub use dispatch::{ROOT, ROUTE};
pub use probe::PackageProbe;

use crate::state::AppState;

/// What the MSI/EXE handlers need beyond the shared state.
pub struct MsiState {
    pub service: MsiService,
    /// Where uploaded listing images are read from at asset commit.
    pub blobs: Arc<dyn BlobStore>,
    pub throttle: throttle::Throttle,
}

/// The jobs of the `msi` queue for `state`, checking package URLs as
/// `verify_package_urls` says.
pub fn jobs(state: &MsiState, verify_package_urls: bool) -> worker::MsiJobs {
    worker::MsiJobs {
        service: state.service.clone(),
        probe: PackageProbe::new(verify_package_urls),
    }
}

/// The API's dispatcher route ([`dispatch`]) with its document, and the admin API's MSI/EXE
/// part of the document (`crate::admin` serves those operations).
pub fn routes() -> OpenApiRouter<AppState> {
    dispatch::routes().merge(admin::routes())
}

/// The API's part of the document, from the handlers' own declarations, in the order they
/// were once routed. Each module declares its own (`paths(metadata::put)` would tag the
/// operations with the module's name).
fn described() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    metadata::Described::openapi()
        .merge_from(packages::Described::openapi())
        .merge_from(assets::Described::openapi())
        .merge_from(submission::Described::openapi())
}
