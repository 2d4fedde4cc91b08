//! The OpenAPI 3.1 document of every surface, served at `GET /openapi.json`, with a page
//! to browse it at `GET /docs` (both without a token).
//!
//! One source of truth for the route list: the routed surfaces are declared with
//! `utoipa_axum`'s `routes!()` on `#[utoipa::path]` handlers, so each module's `routes()`
//! builds the router and its part of the document together. The surfaces dispatched by hand
//! describe their operations from their own dispatch tables: the ingestion API from
//! [`crate::ingestion::operation`] (its router has one catch-all route), the blob endpoint
//! from its operation table (the front door routes it before the router). [`complete`] then
//! adds what every operation of a surface shares (tag, security scheme, the surface's error
//! responses), so handlers declare only what is theirs.
//!
//! `served` reads the router's real route list, which the coverage test holds against the
//! document.

mod common;
pub mod examples;
pub mod schemas;
mod served;
mod viewer;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder};

pub use common::Surface;
pub use served::{ServedRoute, served_routes};

use crate::state::AppState;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/openapi.json";
/// Where the page that shows it is served.
pub const VIEWER_PATH: &str = "/docs";

/// Paths the router serves that the document leaves out, and why (docs/openapi.md). A
/// path ending in `/` stands for every path under it.
pub const UNDOCUMENTED: &[(&str, &str)] = &[
    (DOCUMENT_PATH, "the document itself"),
    (VIEWER_PATH, "the page that shows the document"),
    (
        "/bench/ping",
        "bench/run's ceiling, routed only with STOREROOM_BENCH_PING=1",
    ),
    (
        crate::msi::ROOT,
        "the MSI/EXE API's root: no operation, its 404 envelope",
    ),
    (
        crate::msi::ROUTE,
        "the MSI/EXE API's dispatcher: its operations are documented one by one from the \
         handlers' declarations, and msi::operation decodes exactly those",
    ),
    (
        crate::aad::TENANT,
        "the token endpoint's and OpenID discovery's dispatcher, one route per AAD path word: \
         its operations are documented one by one from the handlers' declarations, and \
         aad::operation decodes exactly those",
    ),
    (
        crate::devcenter::ROUTE,
        "the devcenter API's dispatcher: its operations are documented one by one from the \
         handlers' declarations, and devcenter::operation decodes exactly those",
    ),
    (
        crate::admin::ROUTE,
        "the admin API's dispatcher: its operations are documented one by one from the \
         handlers' declarations, and admin::operation decodes exactly those",
    ),
    (
        crate::public::REPORTS,
        "the certification reports' dispatcher: its operation is documented from the \
         handler's declaration, and public::operation decodes exactly that",
    ),
    (
        crate::public::STORE,
        "the store front's dispatcher: its operation is documented from the handler's \
         declaration, and public::operation decodes exactly that",
    ),
    (
        "/v1.0/ingestion",
        "the ingestion API's root: no operation, its 404 body",
    ),
    (
        "/v1.0/ingestion/{*rest}",
        "the ingestion API's dispatcher: its operations are documented one by one from \
         ingestion::operation",
    ),
    (
        "/dashboard",
        "the dashboard's entry: a redirect to its products page",
    ),
    ("/dashboard/", "the dashboard's pages and their data"),
    ("/metrics", "Prometheus text, for the scraper"),
    ("/healthz", "the orchestrator's liveness probe"),
    ("/readyz", "the orchestrator's readiness probe"),
];

/// Whether `path` (an axum template) is one of [`UNDOCUMENTED`].
pub fn is_undocumented(path: &str) -> bool {
    UNDOCUMENTED.iter().any(|(excluded, _)| {
        *excluded == path || (excluded.ends_with('/') && path.starts_with(excluded))
    })
}

/// The whole document: the routed surfaces' part (`routed`, from the router's
/// declarations), the blob endpoint's operations under account `blob_account`, and what
/// every operation of a surface shares.
pub fn complete(mut document: OpenApi, blob_account: &str) -> OpenApi {
    document.info = InfoBuilder::new()
        .title("storeroom")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "A self-hosted reimplementation of Microsoft's Store submission backends: the \
             Azure AD token endpoint, the devcenter API v1.0, the MSI/EXE submission API, \
             the Azure Blob endpoint behind upload URLs, the Partner Center ingestion API, \
             and storeroom's own admin API. Operations are tagged by surface.",
        ))
        .license(Some(LicenseBuilder::new().name("MIT").build()))
        .build();
    crate::blob::describe::add_paths(&mut document, blob_account);
    common::complete_operations(&mut document);
    document.tags = Some(
        Surface::ALL
            .iter()
            .map(|surface| {
                TagBuilder::new()
                    .name(surface.tag())
                    .description(Some(surface.description()))
                    .build()
            })
            .collect(),
    );
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        common::AAD_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An Azure AD access token from the token endpoint \
                     (client credentials of a client in credentials.json)",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        common::ADMIN_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The admin token (adminToken in credentials.json)"))
                .build(),
        ),
    );
    components.add_security_scheme(
        common::SAS_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            "sig",
            "A service SAS: the query of an upload URL the API handed out \
             (sv, sr, sig, se, sp); sig signs the others",
        ))),
    );
    document
}

/// The document of a server whose blob account is `blob_account`, without starting one
/// (`storeroom openapi`).
pub fn document(blob_account: &str) -> OpenApi {
    complete(crate::api_routes().into_openapi(), blob_account)
}

/// The routes the API router serves (before the front door's own endpoints and the blob
/// endpoint), read from the router.
pub fn served() -> Vec<ServedRoute> {
    let (router, _) = crate::api_routes().split_for_parts();
    served_routes(&router)
}

/// `GET /openapi.json` and `GET /docs` for `document`, rendered once.
pub fn routes(document: &OpenApi) -> Router<AppState> {
    let json = document
        .to_pretty_json()
        .expect("an OpenAPI document always serializes");
    Router::new()
        .route(
            DOCUMENT_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }),
        )
        .route(
            VIEWER_PATH,
            get(|| async { Html(viewer::PAGE).into_response() }),
        )
}
