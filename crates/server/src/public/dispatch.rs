//! The pages' one dispatcher: a request under [`REPORTS`] or [`STORE`] is decoded once
//! ([`operation::ROUTES`]) and run from one `match` ([`crate::dispatch::serve`] tells the
//! order of checks), with no caller to check (`()`) and the front door's answers to
//! unknown paths and methods.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::operation::{self, Op};
use crate::dispatch::{Refusal, query};
use crate::state::AppState;
use crate::{reports, storefront};

/// The route of the certification reports (listed in `openapi::UNDOCUMENTED`, as
/// [`STORE`] is). Neither prefix is a template of the front door's
/// ([`crate::canonical`]): a path no operation matches keeps its spelling in the 404, as
/// before.
pub const REPORTS: &str = "/ui/reports/{*rest}";

/// The route of the store front.
pub const STORE: &str = "/store/v1/{*rest}";

/// The dispatcher's routes, and the document of the operations it serves (the reports'
/// first, as they were once routed).
pub fn routes() -> OpenApiRouter<AppState> {
    let document = reports::Described::openapi().merge_from(storefront::Described::openapi());
    OpenApiRouter::with_openapi(document)
        .route(REPORTS, any(dispatch))
        .route(STORE, any(dispatch))
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    crate::dispatch::serve(
        state,
        request,
        operation::ROUTES,
        |state, (), request, op| async move { execute(&state, request, op).await },
    )
    .await
}

/// Runs `op`: each page read as its handler reads it.
async fn execute(state: &AppState, request: Request, op: Op) -> Result<Response, Refusal> {
    use Op::*;
    Ok(match op {
        GetCertificationReport(file) => reports::report(state, &file, request.headers())
            .await
            .into_response(),
        StoreProduct(store_id) => storefront::product(state, &store_id, &query(&request)?)
            .await
            .into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_exactly_the_operations_decoded() {
        let document = routes().into_openapi();
        crate::dispatch::described::exactly(&document, operation::ROUTES, "", |template| {
            template
                .replace("{file}", "r-1.json")
                .replace("{store_id}", "9P1")
        });
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path() {
        crate::dispatch::described::under(&routes().into_openapi(), &[REPORTS, STORE]);
    }
}
