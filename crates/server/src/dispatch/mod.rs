//! The surfaces that route their own paths (the devcenter, admin, MSI/EXE and AAD APIs, the
//! public report and store front pages, the dashboard) have one catch-all route each:
//! [`serve`] decodes the operation once ([`table::decode`]), checks the caller once, and
//! hands both to the surface's one `match` over its operations.
//!
//! The answers are the ones axum's per-handler routes gave: an unknown path or method is
//! refused before the token is read (for the APIs, the front door's 404 and 405, with
//! axum's `Allow`; a surface may answer them its own way, [`Misses`]), then the caller is
//! checked, then the path's ids, the query and the body are read, in that order, with the
//! same extractors' refusals.

pub mod table;

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;
use crate::ops::{Operation, UNMATCHED};
use crate::state::AppState;
use table::{Miss, Route};

/// Answers `request` with the operation of `routes` it names, run by `run` for the caller
/// `Caller` authenticates; an API surface's misses ([`Api`]).
pub async fn serve<Op, Caller, Run, Fut>(
    state: AppState,
    request: Request,
    routes: &'static [Route<Op>],
    run: Run,
) -> Response
where
    Caller: FromRequestParts<AppState>,
    Caller::Rejection: IntoResponse,
    Run: FnOnce(AppState, Caller, Request, Op) -> Fut,
    Fut: Future<Output = Result<Response, Refusal>>,
{
    serve_as::<Api, _, _, _, _>(state, request, routes, run).await
}

/// [`serve`] for a surface that answers what its table names no operation for in its own
/// way (`Surface`'s [`Misses`]).
pub async fn serve_as<Surface, Op, Caller, Run, Fut>(
    state: AppState,
    request: Request,
    routes: &'static [Route<Op>],
    run: Run,
) -> Response
where
    Surface: Misses,
    Caller: FromRequestParts<AppState>,
    Caller::Rejection: IntoResponse,
    Run: FnOnce(AppState, Caller, Request, Op) -> Fut,
    Fut: Future<Output = Result<Response, Refusal>>,
{
    let (template, decoded) = match table::decode(routes, request.method(), request.uri().path()) {
        Ok((template, op)) => (template, Ok(op)),
        Err(Miss::NotFound) => {
            let label = Surface::unmatched(&request);
            let response = Surface::not_found(&state, request).await;
            return labelled(response, &label);
        }
        Err(Miss::MethodNotAllowed { template, allow }) => {
            let mut response = Surface::method_not_allowed(&state, request).await;
            if let Ok(allow) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            return labelled(response, template);
        }
        Err(Miss::UnreadableId { template, name }) => {
            (template, Err(Unreadable { template, name }))
        }
    };
    let (mut parts, body) = request.into_parts();
    let response = match Caller::from_request_parts(&mut parts, &state).await {
        Err(refusal) => refusal.into_response(),
        Ok(caller) => {
            let request = Request::from_parts(parts, body);
            match decoded {
                Err(unreadable) => Surface::unreadable_id(&state, request, unreadable).await,
                Ok(op) => run(state, caller, request, op)
                    .await
                    .unwrap_or_else(IntoResponse::into_response),
            }
        }
    };
    labelled(response, template)
}

/// How a surface answers a request its table names no operation for, or whose ids it
/// cannot read: as its routes answered before they were one dispatcher. Each answer is, by
/// default, the APIs' ([`Api`]): the front door's 404 and 405 (the surface's error body is
/// given on the way out), labelled as unmatched, and axum's `Path` refusal.
pub trait Misses {
    /// The request metrics' `operation` of a path no template matches.
    fn unmatched(_request: &Request) -> String {
        UNMATCHED.to_string()
    }

    /// A path no template matches.
    fn not_found(_state: &AppState, request: Request) -> impl Future<Output = Response> + Send {
        crate::front::not_found(request.uri().clone())
    }

    /// A template's path asked with a method it does not take ([`serve_as`] adds axum's
    /// `Allow` header).
    fn method_not_allowed(
        _state: &AppState,
        request: Request,
    ) -> impl Future<Output = Response> + Send {
        crate::front::method_not_allowed(request)
    }

    /// A template's path and method with an id that is not UTF-8 once percent-decoded,
    /// asked by a caller already checked.
    fn unreadable_id(
        _state: &AppState,
        _request: Request,
        unreadable: Unreadable,
    ) -> impl Future<Output = Response> + Send {
        std::future::ready(unreadable_id(unreadable.name))
    }
}

/// An id of a matched template that is not UTF-8 once percent-decoded.
#[derive(Debug, Clone, Copy)]
pub struct Unreadable {
    pub template: &'static str,
    pub name: &'static str,
}

/// The APIs' answers: every default of [`Misses`].
pub struct Api;

impl Misses for Api {}

/// axum's `Path` refusal of an id that is not UTF-8, in its words (text, which the front
/// door gives the surface's error shape: `crate::surface`).
pub fn unreadable_id(name: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("Invalid URL: Invalid UTF-8 in `{name}`"),
    )
        .into_response()
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
pub enum Refusal {
    Query(QueryRejection),
    Api(ApiError),
    /// Already answered by the extractor (the dashboard's session and form checks).
    Answered(Response),
}

impl From<QueryRejection> for Refusal {
    fn from(rejection: QueryRejection) -> Self {
        Self::Query(rejection)
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<Response> for Refusal {
    fn from(response: Response) -> Self {
        Self::Answered(response)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Query(rejection) => rejection.into_response(),
            Self::Api(error) => error.into_response(),
            Self::Answered(response) => response,
        }
    }
}

/// The query string as a map, as axum's `Query` read it.
pub fn query(request: &Request) -> Result<HashMap<String, String>, QueryRejection> {
    Query::try_from_uri(request.uri()).map(|Query(query)| query)
}

/// Tests that hold a surface's decoder and its part of the OpenAPI document together.
#[cfg(test)]
pub mod described {
    use std::collections::BTreeSet;
    use std::fmt::Debug;

    use axum::http::Method;
    use utoipa::openapi::OpenApi;

    use super::table::{self, Route};

    /// Every documented method and path of `document` (`sample` puts ids in a template)
    /// decodes, by that template, to the operation of its `operationId` (the variant of
    /// the same name after `prefix`), and `routes` serve nothing else.
    pub fn exactly<Op: Debug>(
        document: &OpenApi,
        routes: &'static [Route<Op>],
        prefix: &str,
        sample: impl Fn(&str) -> String,
    ) {
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
                let (matched, op) = table::decode(routes, &method, &path)
                    .unwrap_or_else(|miss| panic!("{method} {path}: {miss:?}"));
                assert_eq!(matched, template, "{method} {path}");
                let variant = format!("{op:?}");
                let variant = variant.split('(').next().unwrap_or_default();
                let id = described.operation_id.as_deref().unwrap_or_default();
                let named = id.strip_prefix(prefix).unwrap_or_default();
                assert!(
                    named.eq_ignore_ascii_case(variant) && named[1..] == variant[1..],
                    "{method} {template}: {variant} is documented as {id}"
                );
                documented.insert((method.to_string(), template.clone()));
            }
        }
        let decoded: BTreeSet<(String, String)> = table::served(routes)
            .map(|(template, method)| (method.to_string(), template.to_string()))
            .collect();
        assert_eq!(documented, decoded);
    }

    /// Every documented path of `document` is under one of the dispatcher's `routes`
    /// (`/v1.0/my/{*rest}`), so that the dispatcher is the one to serve it.
    pub fn under(document: &OpenApi, routes: &[&str]) {
        let prefixes: Vec<&str> = routes
            .iter()
            .map(|route| route.trim_end_matches("{*rest}"))
            .collect();
        for template in document.paths.paths.keys() {
            assert!(
                prefixes.iter().any(|prefix| template.starts_with(prefix)),
                "{template}"
            );
        }
    }
}
