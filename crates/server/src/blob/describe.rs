//! The blob endpoint's operations in the OpenAPI document, from the dispatch table
//! ([`Operation::ALL`], [`Operation::request`]): the front door routes blob requests before
//! the router, by account and `comp`, so no router declaration describes them.
//!
//! OpenAPI has one operation per method and path, and `comp` picks among the blob's: each
//! method's operation lists the `comp` values it takes and names the blob operations it
//! stands for. Only the path-style URL (`/{account}/{container}/{blob}`) is described; the
//! host-style one (`*.blob.core.windows.net`) takes the same operations.

use axum::http::Method;
use utoipa::PartialSchema;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Required, ResponseBuilder};

use super::Operation;

/// The template of every blob's path under `account`.
fn template(account: &str) -> String {
    format!("/{account}/{{container}}/{{blob}}")
}

/// The path prefix of the blob operations in `document`, if described.
pub fn path_prefix(document: &OpenApi) -> Option<String> {
    document
        .paths
        .paths
        .keys()
        .find(|path| path.ends_with("/{container}/{blob}"))
        .map(|path| path.trim_end_matches("{container}/{blob}").to_string())
}

/// What each method's operation answers, besides the errors.
fn successes(method: &Method) -> &'static [(u16, &'static str)] {
    match *method {
        Method::PUT => &[(201, "Created: the blob, block or block list is stored")],
        Method::GET => &[
            (200, "The blob's content, or the block list as XML"),
            (206, "The requested range of the blob"),
            (304, "Not modified (If-None-Match / If-Modified-Since)"),
        ],
        Method::HEAD => &[
            (200, "The blob's properties, in headers"),
            (304, "Not modified"),
        ],
        _ => &[(202, "Accepted: the blob is deleted")],
    }
}

/// The errors of the endpoint, every one an XML `<Error><Code>…` body.
const ERRORS: &[(u16, &str)] = &[
    (
        401,
        "The request carries no SAS (NoAuthenticationInformation)",
    ),
    (
        400,
        "The request is not valid (InvalidQueryParameterValue, InvalidHeaderValue, …)",
    ),
    (
        403,
        "The SAS is missing, wrong, expired or does not allow this (AuthenticationFailed, AuthorizationPermissionMismatch)",
    ),
    (404, "The blob does not exist (BlobNotFound)"),
    (409, "The blob's state does not allow this"),
    (411, "Content-Length is required"),
    (412, "A condition (If-Match, …) failed"),
    (413, "The body or block is too large"),
    (416, "The range cannot be satisfied"),
];

/// Adds the blob operations under `account` to `document`.
pub fn add_paths(document: &mut OpenApi, account: &str) {
    let mut item = PathItem::default();
    let methods = [Method::PUT, Method::GET, Method::HEAD, Method::DELETE];
    for method in methods {
        let ops: Vec<Operation> = Operation::ALL
            .iter()
            .copied()
            .filter(|op| op.request().0 == method)
            .collect();
        let comps: Vec<&str> = ops.iter().filter_map(|op| op.request().1).collect();
        let names: Vec<&str> = ops.iter().map(|op| op.name()).collect();
        let mut builder = OperationBuilder::new()
            .operation_id(Some(format!("blob{}", names.join("Or"))))
            .summary(Some(names.join(", ")))
            .description(Some(
                ops.iter()
                    .map(|op| match op.request().1 {
                        Some(comp) => format!("{}: comp={comp}", op.name()),
                        None => format!("{}: no comp", op.name()),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        let text = |description: &str| {
            ParameterBuilder::new()
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
        };
        if !comps.is_empty() {
            builder = builder.parameter(
                text("Which blob operation; absent for the blob itself")
                    .name("comp")
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(comps.clone())),
                    )),
            );
        }
        if method == Method::PUT {
            builder = builder
                .parameter(
                    text("Put Block: the block's id, Base64")
                        .name("blockid")
                        .schema(Some(String::schema())),
                )
                .request_body(Some(
                    utoipa::openapi::request_body::RequestBodyBuilder::new()
                        .description(Some(
                            "The blob's or block's bytes, or the block list as XML",
                        ))
                        .content(
                            "application/octet-stream",
                            ContentBuilder::new()
                                .schema(Some(
                                    ObjectBuilder::new()
                                        .schema_type(Type::String)
                                        .content_media_type("application/octet-stream"),
                                ))
                                .build(),
                        )
                        .build(),
                ));
        }
        for (status, description) in successes(&method) {
            builder = builder.response(
                status.to_string(),
                ResponseBuilder::new().description(*description),
            );
        }
        for (status, description) in ERRORS {
            let response = ResponseBuilder::new().description(*description);
            // A HEAD's answer has no body: the error code is in x-ms-error-code.
            let response = if method == Method::HEAD {
                response
            } else {
                response.content(
                    "application/xml",
                    ContentBuilder::new().schema(Some(String::schema())).build(),
                )
            };
            builder = builder.response(status.to_string(), response);
        }
        let http = match method {
            Method::PUT => HttpMethod::Put,
            Method::GET => HttpMethod::Get,
            Method::HEAD => HttpMethod::Head,
            _ => HttpMethod::Delete,
        };
        item.merge_operations(PathItem::new(http, builder.build()));
    }
    document.paths.paths.insert(template(account), item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_dispatched_from_its_request() {
        for op in Operation::ALL {
            let (method, comp) = op.request();
            assert_eq!(
                Operation::of(&method, comp).ok(),
                Some(*op),
                "{}",
                op.name()
            );
        }
    }

    #[test]
    fn the_document_names_every_operation() {
        let mut document = OpenApi::default();
        add_paths(&mut document, "acct");
        let text = serde_json::to_string(&document).unwrap();
        for op in Operation::ALL {
            assert!(text.contains(op.name()), "{}", op.name());
        }
        assert_eq!(path_prefix(&document).as_deref(), Some("/acct/"));
    }
}
