//! The MSI/EXE API's one route: every request under `/submission` is decoded once
//! ([`operation::ROUTES`]), its caller authenticated once ([`MsiCaller`]) and its operation
//! run from one `match` ([`crate::dispatch::serve`] tells the order of checks).
//!
//! What names no operation is answered in the API's envelope ([`Envelope`]), as the API's
//! own routes answered it: an unknown path, a method the path does not serve (with axum's
//! `Allow`), a path id that is not UTF-8 (after the caller is checked).

use axum::body::Bytes;
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use storeroom_wire::msi::codes;
use utoipa_axum::router::OpenApiRouter;

use super::auth::MsiCaller;
use super::envelope::MsiFailure;
use super::operation::{self, Op};
use super::{assets, metadata, packages, submission};
use crate::dispatch::{Misses, Unreadable};
use crate::state::AppState;

/// The API's root, which no operation has: its 404 envelope (listed in
/// `openapi::UNDOCUMENTED`, as [`ROUTE`] is).
pub const ROOT: &str = "/submission";

/// The route of every path under the API. Its prefix is not a template of the front
/// door's ([`crate::canonical`]): a path no operation matches keeps its spelling in the
/// 404, as before.
pub const ROUTE: &str = "/submission/{*rest}";

/// The dispatcher's routes, and the document of the operations it serves.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(super::described())
        .route(ROOT, any(dispatch))
        .route(ROUTE, any(dispatch))
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let response = crate::dispatch::serve_as::<Envelope, _, _, _, _>(
        state,
        request,
        operation::ROUTES,
        |state, caller: MsiCaller, request, op| async move {
            Ok(execute(&state, &caller, request, op).await)
        },
    )
    .await;
    correlation_id(response)
}

/// Every response of this API carries the request's `X-Correlation-ID`.
fn correlation_id(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&crate::correlation::id()) {
        response.headers_mut().insert("X-Correlation-ID", value);
    }
    response
}

/// The envelope's 404 and 405, labelled as the API's routes labelled them (an unknown
/// path by the catch-all template it reached), and the refusal of an id that is not UTF-8.
struct Envelope;

impl Misses for Envelope {
    /// The catch-all route the path reached (`/submission` or `/submission/{*rest}`).
    fn unmatched(request: &Request) -> String {
        request
            .extensions()
            .get::<MatchedPath>()
            .map_or(ROUTE, MatchedPath::as_str)
            .to_string()
    }

    async fn not_found(_: &AppState, request: Request) -> Response {
        not_found(&request)
    }

    // The correlation id before `Allow`, as the route's middleware set it.
    async fn method_not_allowed(_: &AppState, request: Request) -> Response {
        correlation_id(method_not_allowed(&request))
    }

    async fn unreadable_id(_: &AppState, _: Request, _: Unreadable) -> Response {
        MsiFailure::bad_request("The path is not valid UTF-8", "path").into_response()
    }
}

fn not_found(request: &Request) -> Response {
    MsiFailure::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("No resource is served at '{}'", request.uri().path()),
        "request",
    )
    .into_response()
}

fn method_not_allowed(request: &Request) -> Response {
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

/// Runs `op` for `caller`: every operation of the API, each read as its handler reads it.
/// Nothing is refused here: the query is read raw and a body's failure is the handler's.
async fn execute(state: &AppState, caller: &MsiCaller, request: Request, op: Op) -> Response {
    use Op::*;
    let (s, c) = (state, caller);
    let query = request.uri().query().map(str::to_string);
    let query = query.as_deref();
    let body = |request: Request| Bytes::from_request(request, state);
    match op {
        GetMetadata(p) => metadata::get_all(s, c, &p, query).await,
        PutMetadata(p) => metadata::put(s, c, &p, body(request).await).await,
        PatchMetadata(p) => metadata::patch(s, c, &p, body(request).await).await,
        GetMetadataModule(p, m) => metadata::get_module(s, c, &p, &m, query).await,
        GetPackages(p) => packages::get_all(s, c, &p).await,
        PutPackages(p) => packages::put(s, c, &p, body(request).await).await,
        CommitPackages(p) => packages::commit(s, c, &p).await,
        GetPackage(p, k) => packages::get_one(s, c, &p, &k).await,
        PatchPackage(p, k) => packages::patch(s, c, &p, &k, body(request).await).await,
        GetListingAssets(p) => assets::get(s, c, &p, query).await,
        CreateListingAssets(p) => assets::create(s, c, &p, body(request).await).await,
        CommitListingAssets(p) => assets::commit(s, c, &p, body(request).await).await,
        GetModuleStatus(p) => submission::module_status(s, c, &p).await,
        Submit(p) => submission::submit(s, c, &p).await,
        GetSubmissionStatus(p, id) => submission::submission_status(s, c, &p, &id).await,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_exactly_the_operations_decoded() {
        let document = routes().into_openapi();
        crate::dispatch::described::exactly(&document, operation::ROUTES, "msi", |template| {
            template
                .replace("{product_id}", "9P1")
                .replace("{module}", "listings")
                .replace("{package_id}", "k-1")
                .replace("{submission_id}", "1152921504621243540")
        });
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path() {
        crate::dispatch::described::under(&routes().into_openapi(), &[ROUTE]);
    }
}
