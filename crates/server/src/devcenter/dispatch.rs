//! The devcenter API's one route: every request under `/v1.0/my/` is decoded once
//! ([`operation::ROUTES`]), its caller authenticated once ([`DevCenterCaller`]) and its
//! operation run from one `match` ([`crate::dispatch::serve`] tells the order of checks).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::operation::{self, Op};
use super::post_body::SubmissionPost;
use super::{flights, in_app_products};
use crate::auth::DevCenterCaller;
use crate::dispatch::{Refusal, query};
use crate::errors::ApiError;
use crate::state::AppState;

/// The route of every devcenter path (listed in `openapi::UNDOCUMENTED`). Its prefix is not
/// a template of the front door's ([`crate::canonical`]): a path no operation matches keeps
/// its spelling in the 404, as before.
pub const ROUTE: &str = "/v1.0/my/{*rest}";

/// The dispatcher's route, and the document of the operations it serves, from the
/// handlers' own `#[utoipa::path]` declarations (in the order they were once routed).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(flights::Described::openapi())
        .merge(OpenApiRouter::with_openapi(
            in_app_products::Described::openapi(),
        ))
        .merge(OpenApiRouter::with_openapi(super::Described::openapi()))
        .route(ROUTE, any(dispatch))
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    crate::dispatch::serve(
        state,
        request,
        operation::ROUTES,
        |state, caller: DevCenterCaller, request, op| async move {
            execute(&state, &caller, request, op).await
        },
    )
    .await
}

/// The body of a create or commit POST, checked as its extractor checks it.
async fn post(request: Request, state: &AppState) -> Result<SubmissionPost, ApiError> {
    SubmissionPost::from_request(request, state).await
}

/// Runs `op` for `caller`: every operation of the API, each read as its handler reads it.
async fn execute(
    state: &AppState,
    caller: &DevCenterCaller,
    request: Request,
    op: Op,
) -> Result<Response, Refusal> {
    use crate::devcenter as apps;
    use Op::*;
    use flights as fl;
    use in_app_products as iap;
    let (s, c) = (state, caller);
    // The body of a PUT or of a create that is not a submission: read whole, its failure
    // answered by the handler.
    let bytes = |request: Request| Bytes::from_request(request, state);
    Ok(match op {
        ListApplications => apps::list_applications(s, c, &query(&request)?)
            .await
            .into_response(),
        GetApplication(a) => apps::get_application(s, c, &a).await.into_response(),
        CreateSubmission(a) => {
            let query = query(&request)?;
            let post = post(request, s).await?;
            apps::create_submission(s, c, &a, &query, post)
                .await
                .into_response()
        }
        GetSubmission(a, id) => apps::get_submission(s, c, &a, &id).await.into_response(),
        UpdateSubmission(a, id) => apps::update_submission(s, c, &a, &id, bytes(request).await)
            .await
            .into_response(),
        DeleteSubmission(a, id) => apps::delete_submission(s, c, &a, &id).await.into_response(),
        CommitSubmission(a, id) => {
            let post = post(request, s).await?;
            apps::commit_submission(s, c, &a, &id, post)
                .await
                .into_response()
        }
        GetSubmissionStatus(a, id) => apps::submission_status(s, c, &a, &id).await.into_response(),
        GetPackageRollout(a, id) => apps::get_rollout(s, c, &a, &id).await.into_response(),
        UpdatePackageRolloutPercentage(a, id) => {
            apps::update_rollout(s, c, &a, &id, &query(&request)?)
                .await
                .into_response()
        }
        HaltPackageRollout(a, id) => apps::halt_rollout(s, c, &a, &id).await.into_response(),
        FinalizePackageRollout(a, id) => {
            apps::finalize_rollout(s, c, &a, &id).await.into_response()
        }
        ListFlights(a) => fl::list_flights(s, c, &a, &query(&request)?)
            .await
            .into_response(),
        CreateFlight(a) => fl::create_flight(s, c, &a, bytes(request).await)
            .await
            .into_response(),
        GetFlight(a, f) => fl::get_flight(s, c, &a, &f).await.into_response(),
        DeleteFlight(a, f) => fl::delete_flight(s, c, &a, &f).await.into_response(),
        CreateFlightSubmission(a, f) => {
            let query = query(&request)?;
            let post = post(request, s).await?;
            fl::create_submission(s, c, &a, &f, &query, post)
                .await
                .into_response()
        }
        GetFlightSubmission(a, f, id) => {
            fl::get_submission(s, c, &a, &f, &id).await.into_response()
        }
        UpdateFlightSubmission(a, f, id) => {
            fl::update_submission(s, c, &a, &f, &id, bytes(request).await)
                .await
                .into_response()
        }
        DeleteFlightSubmission(a, f, id) => fl::delete_submission(s, c, &a, &f, &id)
            .await
            .into_response(),
        CommitFlightSubmission(a, f, id) => {
            let post = post(request, s).await?;
            fl::commit_submission(s, c, &a, &f, &id, post)
                .await
                .into_response()
        }
        GetFlightSubmissionStatus(a, f, id) => fl::submission_status(s, c, &a, &f, &id)
            .await
            .into_response(),
        GetFlightPackageRollout(a, f, id) => {
            fl::get_rollout(s, c, &a, &f, &id).await.into_response()
        }
        UpdateFlightPackageRolloutPercentage(a, f, id) => {
            fl::update_rollout(s, c, &a, &f, &id, &query(&request)?)
                .await
                .into_response()
        }
        HaltFlightPackageRollout(a, f, id) => {
            fl::halt_rollout(s, c, &a, &f, &id).await.into_response()
        }
        FinalizeFlightPackageRollout(a, f, id) => fl::finalize_rollout(s, c, &a, &f, &id)
            .await
            .into_response(),
        ListApplicationInAppProducts(a) => {
            iap::list_application_in_app_products(s, c, &a, &query(&request)?)
                .await
                .into_response()
        }
        ListInAppProducts => iap::list_in_app_products(s, c, &query(&request)?)
            .await
            .into_response(),
        CreateInAppProduct => iap::create_in_app_product(s, c, bytes(request).await)
            .await
            .into_response(),
        GetInAppProduct(i) => iap::get_in_app_product(s, c, &i).await.into_response(),
        DeleteInAppProduct(i) => iap::delete_in_app_product(s, c, &i).await.into_response(),
        CreateInAppProductSubmission(i) => {
            let query = query(&request)?;
            let post = post(request, s).await?;
            iap::create_submission(s, c, &i, &query, post)
                .await
                .into_response()
        }
        GetInAppProductSubmission(i, id) => {
            iap::get_submission(s, c, &i, &id).await.into_response()
        }
        UpdateInAppProductSubmission(i, id) => {
            iap::update_submission(s, c, &i, &id, bytes(request).await)
                .await
                .into_response()
        }
        DeleteInAppProductSubmission(i, id) => {
            iap::delete_submission(s, c, &i, &id).await.into_response()
        }
        CommitInAppProductSubmission(i, id) => {
            let post = post(request, s).await?;
            iap::commit_submission(s, c, &i, &id, post)
                .await
                .into_response()
        }
        GetInAppProductSubmissionStatus(i, id) => {
            iap::submission_status(s, c, &i, &id).await.into_response()
        }
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
                .replace("{app_id}", "9NBLGGH4R315")
                .replace("{flight_id}", "f-1")
                .replace("{submission_id}", "1152921504621243540")
                .replace("{iap_id}", "9P1")
        });
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path() {
        let prefix = ROUTE.trim_end_matches("{*rest}");
        for template in routes().into_openapi().paths.paths.keys() {
            assert!(template.starts_with(prefix), "{template}");
        }
    }
}
