//! The devcenter API's one route: every request under `/v1.0/my/` is authenticated once,
//! decoded once ([`operation::decode`]) and handed to its handler from one `match`.
//!
//! The answers are the ones axum's per-handler routes gave: an unknown path or method is
//! refused before the token is read (the front door's 404 and 405, with axum's `Allow`),
//! then the caller is authenticated, then the path's ids, the query and the body are read,
//! in that order, with the same extractors' refusals.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::operation::{self, Miss, Op};
use super::post_body::SubmissionPost;
use super::{flights, in_app_products};
use crate::auth::DevCenterCaller;
use crate::errors::ApiError;
use crate::ops::{Operation, UNMATCHED};
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
    let decoded = operation::decode(request.method(), request.uri().path());
    let (template, decoded) = match decoded {
        Ok(op) => (op.template(), Ok(op)),
        Err(Miss::NotFound) => {
            let response = crate::front::not_found(request.uri().clone()).await;
            return labelled(response, UNMATCHED);
        }
        Err(Miss::MethodNotAllowed { template, allow }) => {
            let mut response = crate::front::method_not_allowed(request).await;
            if let Ok(allow) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            return labelled(response, template);
        }
        Err(Miss::UnreadableId { template, name }) => (template, Err(name)),
    };
    let (mut parts, body) = request.into_parts();
    let response = match DevCenterCaller::from_request_parts(&mut parts, &state).await {
        Err(refusal) => refusal,
        Ok(caller) => match decoded {
            // axum's `Path` refusal, in its words.
            Err(name) => (
                StatusCode::BAD_REQUEST,
                format!("Invalid URL: Invalid UTF-8 in `{name}`"),
            )
                .into_response(),
            Ok(op) => {
                let request = Request::from_parts(parts, body);
                execute(&state, &caller, request, op)
                    .await
                    .unwrap_or_else(IntoResponse::into_response)
            }
        },
    };
    labelled(response, template)
}

/// The request metrics' `operation`: the route template, as when each operation had its
/// own axum route (the Prometheus series keep their names).
fn labelled(mut response: Response, template: &str) -> Response {
    response
        .extensions_mut()
        .insert(Operation(template.to_string()));
    response
}

/// What an extractor refused before the handler ran, answered as axum answered it.
enum Refusal {
    Query(QueryRejection),
    Post(ApiError),
}

impl From<QueryRejection> for Refusal {
    fn from(rejection: QueryRejection) -> Self {
        Self::Query(rejection)
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Post(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Query(rejection) => rejection.into_response(),
            Self::Post(error) => error.into_response(),
        }
    }
}

/// The query string as a map, as axum's `Query` read it.
fn query(request: &Request) -> Result<HashMap<String, String>, QueryRejection> {
    Query::try_from_uri(request.uri()).map(|Query(query)| query)
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
    use std::collections::BTreeSet;

    use axum::http::Method;

    use super::*;

    /// `template` with an id in each variable.
    fn sample(template: &str) -> String {
        template
            .replace("{app_id}", "9NBLGGH4R315")
            .replace("{flight_id}", "f-1")
            .replace("{submission_id}", "1152921504621243540")
            .replace("{iap_id}", "9P1")
    }

    #[test]
    fn the_document_describes_exactly_the_operations_decoded() {
        let document = routes().into_openapi();
        let mut documented = BTreeSet::new();
        for (template, item) in &document.paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
                (Method::HEAD, &item.head),
            ];
            for (method, described) in operations {
                let Some(described) = described else { continue };
                let path = sample(template);
                let op = operation::decode(&method, &path)
                    .unwrap_or_else(|miss| panic!("{method} {path}: {miss:?}"));
                assert_eq!(op.template(), template, "{method} {path}");
                // The variant is named as the documented operation.
                let variant = format!("{op:?}");
                let variant = variant.split('(').next().unwrap_or_default();
                let id = described.operation_id.as_deref().unwrap_or_default();
                assert!(
                    variant.eq_ignore_ascii_case(id) && variant[1..] == id[1..],
                    "{method} {template}: {variant} is documented as {id}"
                );
                documented.insert((method.to_string(), template.clone()));
            }
        }
        let decoded: BTreeSet<(String, String)> = operation::served()
            .map(|(template, method)| (method.to_string(), template.to_string()))
            .collect();
        assert_eq!(documented, decoded);
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path() {
        let prefix = ROUTE.trim_end_matches("{*rest}");
        for template in routes().into_openapi().paths.paths.keys() {
            assert!(template.starts_with(prefix), "{template}");
        }
    }
}
