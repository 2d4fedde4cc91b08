//! The MSI/EXE submission API (`/submission/v1/product/{productId}/…`, seed 001), its admin
//! routes and its worker.
//!
//! Modules, one job each: `auth` (token, seller header, rate limit), `input` (path, query and
//! JSON bodies), `envelope` (every response's shape), `metadata`, `packages`, `assets` and
//! `submission` (the routes), `probe` (what package processing checks), `worker` (the jobs
//! of the `msi` queue), `throttle` (rate limits) and `admin` (ours, under `/admin/v1/msi/`).
//! Handlers translate between the wire and [`MsiService`]; the rules live in the domain.

pub mod admin;
mod assets;
mod auth;
pub(crate) mod envelope;
mod input;
mod metadata;
mod packages;
mod probe;
mod submission;
pub mod throttle;
pub mod worker;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use storeroom_domain::msi::MsiService;
use storeroom_storage::blobs::BlobStore;
use storeroom_wire::msi::codes;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

pub use probe::PackageProbe;

use crate::state::AppState;
use envelope::MsiFailure;

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

/// Routes whose unsupported methods answer 405 in the envelope.
fn route((schemas, paths, methods): UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    (schemas, paths, methods.fallback(method_not_allowed))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(route(routes!(
            metadata::get_all,
            metadata::put,
            metadata::patch
        )))
        .routes(route(routes!(metadata::get_module)))
        .routes(route(routes!(packages::get_all, packages::put)))
        .routes(route(routes!(packages::commit)))
        .routes(route(routes!(packages::get_one, packages::patch)))
        .routes(route(routes!(assets::get)))
        .routes(route(routes!(assets::create)))
        .routes(route(routes!(assets::commit)))
        .routes(route(routes!(submission::module_status)))
        .routes(route(routes!(submission::submit)))
        .routes(route(routes!(submission::submission_status)))
        // Not operations: any other path of the API answers the envelope's 404.
        .route("/submission", any(not_found))
        .route("/submission/{*rest}", any(not_found))
        .merge(admin::routes())
        .layer(map_response(correlation_id))
}

/// Every response of this API carries the request's `X-Correlation-ID`.
async fn correlation_id(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&crate::correlation::id()) {
        response.headers_mut().insert("X-Correlation-ID", value);
    }
    response
}

async fn not_found(request: Request) -> Response {
    MsiFailure::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("No resource is served at '{}'", request.uri().path()),
        "request",
    )
    .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    MsiFailure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        format!(
            "{} is not supported on '{}'",
            request.method(),
            request.uri().path()
        ),
        "request",
    )
    .into_response()
}
