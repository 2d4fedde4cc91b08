//! The surfaces that route their own paths (the devcenter, admin, MSI/EXE and AAD APIs, the
//! public report and store front pages) have one catch-all route each: [`serve`] decodes
//! the operation once ([`table::decode`]), checks the caller once, and hands both to the
//! surface's one `match` over its operations.
//!
//! The answers are the ones axum's per-handler routes gave: an unknown path or method is
//! refused before the token is read (the front door's 404 and 405, with axum's `Allow`,
//! unless the surface answers them in its own shape: [`Misses`]), then the caller is
//! checked, then the path's ids, the query and the body are read, in that order, with the
//! same extractors' refusals.

pub mod table;

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;
use crate::ops::{Operation, UNMATCHED};
use crate::state::AppState;
use table::{Miss, Route};

/// How a surface answers a request its table names no operation for, or whose ids it
/// cannot read: the answers its routes gave before they were one dispatcher.
pub struct Misses {
    /// No template matches the path: the answer, and its metrics label.
    pub not_found: fn(&Request) -> (Response, String),
    /// A template matches the path, not with this method ([`serve`] adds `Allow`).
    pub method_not_allowed: fn(&Request) -> Response,
    /// The id `name` of `template` is not UTF-8 once percent-decoded: answered after the
    /// caller is checked, as the extractor that read the ids answered it.
    pub unreadable_id: fn(&AppState, &Parts, Unreadable) -> Response,
}

/// An id of a matched template that is not UTF-8 once percent-decoded.
#[derive(Debug, Clone, Copy)]
pub struct Unreadable {
    pub template: &'static str,
    pub name: &'static str,
}

/// The front door's answers (its JSON 404 and 405, labelled as unmatched or by template)
/// and axum's `Path` refusal, in its words: what the router answered the devcenter and
/// admin APIs' requests with.
pub const FRONT_DOOR: Misses = Misses {
    not_found: |request| {
        let response = crate::front::unknown_path(request.uri());
        (response, UNMATCHED.to_string())
    },
    method_not_allowed: crate::front::unsupported_method,
    unreadable_id: |_, _, unreadable| path_refusal(unreadable),
};

/// axum's `Path` refusal of an id that is not UTF-8, in its words (text, which the front
/// door gives the surface's error shape: `crate::surface`).
pub fn path_refusal(unreadable: Unreadable) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("Invalid URL: Invalid UTF-8 in `{}`", unreadable.name),
    )
        .into_response()
}

/// Answers `request` with the operation of `routes` it names, run by `run` for the caller
/// `Caller` authenticates; what names none is answered as the front door does.
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
    serve_with(&FRONT_DOOR, state, request, routes, run).await
}

/// [`serve`], with the surface's own answers (`misses`) to what names no operation.
pub async fn serve_with<Op, Caller, Run, Fut>(
    misses: &Misses,
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
    let (template, decoded) = match table::decode(routes, request.method(), request.uri().path()) {
        Ok((template, op)) => (template, Ok(op)),
        Err(Miss::NotFound) => {
            let (response, label) = (misses.not_found)(&request);
            return labelled(response, &label);
        }
        Err(Miss::MethodNotAllowed { template, allow }) => {
            let mut response = (misses.method_not_allowed)(&request);
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
        Ok(caller) => match decoded {
            Err(unreadable) => (misses.unreadable_id)(&state, &parts, unreadable),
            Ok(op) => run(state, caller, Request::from_parts(parts, body), op)
                .await
                .unwrap_or_else(IntoResponse::into_response),
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
pub enum Refusal {
    Query(QueryRejection),
    Api(ApiError),
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

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Query(rejection) => rejection.into_response(),
            Self::Api(error) => error.into_response(),
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
