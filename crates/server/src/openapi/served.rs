//! The routes an axum router serves, read from the router itself, so that the coverage test
//! compares the OpenAPI document with what is really routed (a route added with a plain
//! `.route()` and no description shows up here all the same).
//!
//! axum has no route listing; its `Debug` output names every path and, per path, which
//! methods have a handler (`get: BoxedHandler`/`Route`, else `None`) and the method fallback
//! (`any(…)` sets only that). The format is axum 0.8's and is pinned by the unit test below.

use std::collections::BTreeSet;

/// The methods axum's `MethodRouter` prints, in its order.
const METHODS: &[&str] = &[
    "get", "head", "delete", "options", "patch", "post", "put", "trace", "connect",
];

/// One path of a router.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServedRoute {
    /// axum's template, e.g. `/v1.0/my/applications/{app_id}`.
    pub path: String,
    /// Upper-case methods with a handler of their own.
    pub methods: BTreeSet<String>,
    /// Whether any other method reaches a handler too (`any(…)`, a dispatcher).
    pub any_method: bool,
}

/// The routes of `router` (any state type).
pub fn served_routes(router: &impl std::fmt::Debug) -> Vec<ServedRoute> {
    parse(&format!("{router:?}"))
}

fn parse(debug: &str) -> Vec<ServedRoute> {
    // Only the path router: `Router { path_router: PathRouter { routes: {…}, node: Node {
    // paths: {…} } }, fallback_router: …`.
    let path_router = debug
        .split_once("fallback_router:")
        .map_or(debug, |(before, _)| before);
    let (routes, node) = path_router
        .split_once("node: Node { paths: {")
        .unwrap_or((path_router, ""));
    let mut found = Vec::new();
    for entry in node.split("RouteId(").skip(1) {
        let Some((id, rest)) = entry.split_once("): \"") else {
            continue;
        };
        let Some((path, _)) = rest.split_once('"') else {
            continue;
        };
        let Some(endpoint) = endpoint_of(routes, id) else {
            continue;
        };
        let field = |name: &str| {
            endpoint
                .split_once(&format!(" {name}: "))
                .map(|(_, value)| value.split([',', ' ', '}']).next().unwrap_or_default())
                .unwrap_or("None")
        };
        let methods: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| field(m) != "None")
            .map(|m| m.to_ascii_uppercase())
            .collect();
        // A fallback set by `.fallback(handler)` is a boxed handler; axum's own is
        // `Default(…)`. With no method of its own, such a route takes every method.
        let any_method = methods.is_empty()
            && (field("fallback") == "BoxedHandler" || endpoint.starts_with("Route"));
        found.push(ServedRoute {
            path: path.to_string(),
            methods,
            any_method,
        });
    }
    found.sort();
    found
}

/// The text of route `id`'s endpoint: `MethodRouter(MethodRouter { get: …, … })` or
/// `Route(Route)` (a service).
fn endpoint_of<'a>(routes: &'a str, id: &str) -> Option<&'a str> {
    let start = routes.find(&format!("RouteId({id}): "))?;
    let rest = &routes[start..];
    let rest = &rest[rest.find(": ")? + 2..];
    let end = rest.find("RouteId(").unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::{any, get, post};

    use super::*;

    async fn ok() {}

    #[test]
    fn reads_paths_methods_and_dispatchers() {
        let router: Router = Router::new()
            .route("/a/{id}", get(ok).post(ok))
            .route("/b", post(ok).fallback(ok))
            .route("/c/{*rest}", any(ok))
            .layer(axum::middleware::from_fn(
                |r: axum::extract::Request, n: axum::middleware::Next| n.run(r),
            ))
            .fallback(ok);
        let routes = served_routes(&router);
        let summary: Vec<(String, Vec<String>, bool)> = routes
            .into_iter()
            .map(|r| (r.path, r.methods.into_iter().collect(), r.any_method))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/a/{id}".into(), vec!["GET".into(), "POST".into()], false),
                ("/b".into(), vec!["POST".into()], false),
                ("/c/{*rest}".into(), vec![], true),
            ]
        );
    }
}
