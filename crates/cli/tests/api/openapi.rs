//! The OpenAPI document (`GET /openapi.json`) and its page (`GET /docs`): the document is
//! pinned by a snapshot, and it describes exactly the routes the server serves: every
//! route of the router (read from the router itself) has its operations in the document,
//! and every operation of the document is served.

use crate::common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use storeroom_server::openapi::{self, ServedRoute};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head"];

/// `GET path` without a token, which must answer 200 with a `media_type` body.
async fn served(server: &TestServer, path: &str, media_type: &str) -> reqwest::Response {
    let response = server.http.get(server.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with(media_type),
        "{path}: {content_type}"
    );
    response
}

async fn document(server: &TestServer) -> Value {
    served(server, "openapi.json", "application/json")
        .await
        .json()
        .await
        .unwrap()
}

/// The document's operations as (METHOD, path).
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(*method).is_some() {
                out.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Whether a served template (`{id}`, `{*rest}`) matches a documented path.
fn matches(served: &str, documented: &str) -> bool {
    let served: Vec<&str> = served.split('/').collect();
    let documented: Vec<&str> = documented.split('/').collect();
    for (i, segment) in served.iter().enumerate() {
        if segment.starts_with("{*") {
            return documented.len() > i;
        }
        match documented.get(i) {
            None => return false,
            Some(d) if segment.starts_with('{') || segment == d => {}
            Some(_) => return false,
        }
    }
    served.len() == documented.len()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_tagged_by_surface_and_pinned() {
    let server = TestServer::start().await;
    let document = document(&server).await;
    assert_eq!(document["openapi"], "3.1.0");
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "token",
            "devcenter",
            "msi",
            "ingestion",
            "blob",
            "admin",
            "store"
        ]
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["aad"]["scheme"], "bearer");
    assert_eq!(schemes["adminToken"]["scheme"], "bearer");
    assert_eq!(schemes["sas"]["in"], "query");
    // Every operation has a surface, a unique id and at least one response.
    let mut ids = std::collections::BTreeSet::new();
    for (method, path) in operations(&document) {
        let op = &document["paths"][&path][method.to_ascii_lowercase()];
        assert_eq!(
            op["tags"].as_array().map(Vec::len),
            Some(1),
            "{method} {path}"
        );
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}"));
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        assert!(!op["responses"].as_object().unwrap().is_empty());
    }
    insta::assert_json_snapshot!("openapi_document", document);
}

#[tokio::test]
async fn every_route_served_is_documented_and_every_operation_is_served() {
    let server = TestServer::start().await;
    let document = document(&server).await;
    let documented = operations(&document);
    let served: Vec<ServedRoute> = openapi::served();
    // The reader found the routes: every surface is one dispatcher route taking every
    // method (counting routes no longer tells), so look for a few by name.
    let read = |path: &str| {
        served
            .iter()
            .any(|route| route.path == path && route.any_method)
    };
    assert!(
        [
            "/v1.0/my/{*rest}",
            "/submission/{*rest}",
            "/{tenant}/oauth2/{*rest}",
            "/dashboard/{*rest}",
        ]
        .into_iter()
        .all(read),
        "the router's routes were read: {served:?}"
    );

    // Router → document.
    let mut missing = Vec::new();
    for route in &served {
        if openapi::is_undocumented(&route.path) {
            continue;
        }
        if route.any_method {
            missing.push(format!(
                "ANY {}: a dispatcher route; describe its operations and list it in UNDOCUMENTED",
                route.path
            ));
        }
        for method in &route.methods {
            if !documented.contains(&(method.clone(), route.path.clone())) {
                missing.push(format!("{method} {}", route.path));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "served but not in /openapi.json: {missing:#?}"
    );

    // Document → router (or the front door's blob endpoint).
    let mut unserved = Vec::new();
    for (method, path) in &documented {
        let routed = served.iter().any(|route| {
            matches(&route.path, path)
                && (route.methods.contains(method)
                    || (route.any_method && openapi::is_undocumented(&route.path)))
        });
        if routed {
            continue;
        }
        if path.ends_with("/{container}/{blob}") {
            // The front door routes it: a request without a SAS gets the blob endpoint's
            // XML refusal (a HEAD its status alone), not the router's JSON 404.
            let url = server.url(&path.replace("{container}", "c").replace("{blob}", "b")[1..]);
            let response = server
                .http
                .request(method.parse().unwrap(), url)
                .send()
                .await
                .unwrap();
            let xml = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap_or_default().contains("xml"));
            if xml || (method == "HEAD" && response.status() != StatusCode::NOT_FOUND) {
                continue;
            }
            unserved.push(format!("{method} {path}: {}", response.status()));
            continue;
        }
        unserved.push(format!("{method} {path}"));
    }
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:#?}"
    );
}

#[tokio::test]
async fn the_docs_page_is_self_contained() {
    let server = TestServer::start().await;
    let page = served(&server, "docs", "text/html")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("fetch(\"/openapi.json\")"));
    // Nothing is loaded from elsewhere.
    for outside in ["src=\"http", "href=\"http", "@import", "cdn."] {
        assert!(!page.contains(outside), "{outside}");
    }
}
