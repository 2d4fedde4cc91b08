//! What every operation of a surface shares, added to the document in one place: the tag,
//! the security scheme, the path parameters, and the error responses the surface's shared
//! code (auth extractors, error mapping, body limits) can give to any of its operations.

use storeroom_wire::aad::AadError;
use storeroom_wire::devcenter::{AccessDenied, ErrorBody, GatewayError};
use storeroom_wire::msi::ErrorEntry;
use utoipa::PartialSchema;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

pub const AAD_SCHEME: &str = "aad";
pub const ADMIN_SCHEME: &str = "adminToken";
pub const SAS_SCHEME: &str = "sas";

/// A surface of the server: a tag of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Token,
    Devcenter,
    Msi,
    Ingestion,
    Blob,
    Admin,
    Store,
}

impl Surface {
    pub const ALL: &[Surface] = &[
        Surface::Token,
        Surface::Devcenter,
        Surface::Msi,
        Surface::Ingestion,
        Surface::Blob,
        Surface::Admin,
        Surface::Store,
    ];

    pub fn tag(self) -> &'static str {
        match self {
            Surface::Token => "token",
            Surface::Devcenter => "devcenter",
            Surface::Msi => "msi",
            Surface::Ingestion => "ingestion",
            Surface::Blob => "blob",
            Surface::Admin => "admin",
            Surface::Store => "store",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Surface::Token => "Azure AD (Entra ID) token endpoint and OpenID discovery",
            Surface::Devcenter => "Microsoft Store submission API, devcenter v1.0",
            Surface::Msi => "MSI/EXE submission API (/submission/v1/product/…)",
            Surface::Ingestion => {
                "Partner Center ingestion API (/v1.0/ingestion/…); path literals and \
                 function names match in any case"
            }
            Surface::Blob => "Azure Blob endpoint behind the upload URLs the APIs hand out",
            Surface::Admin => "storeroom's own admin API (/admin/v1/…)",
            Surface::Store => "The store front and certification reports (no token)",
        }
    }

    /// The surface a documented path belongs to.
    pub fn of(path: &str, blob_prefix: Option<&str>) -> Surface {
        if path.starts_with("/admin/") {
            Surface::Admin
        } else if path.starts_with("/v1.0/my/") {
            Surface::Devcenter
        } else if path.starts_with("/v1.0/ingestion") {
            Surface::Ingestion
        } else if path.starts_with("/submission/") {
            Surface::Msi
        } else if path.starts_with("/store/") || path.starts_with("/ui/") {
            Surface::Store
        } else if blob_prefix.is_some_and(|prefix| path.starts_with(prefix)) {
            Surface::Blob
        } else {
            Surface::Token
        }
    }

    fn security(self) -> Option<SecurityRequirement> {
        match self {
            Surface::Devcenter | Surface::Msi | Surface::Ingestion => {
                Some(SecurityRequirement::new(AAD_SCHEME, Vec::<String>::new()))
            }
            Surface::Admin => Some(SecurityRequirement::new(ADMIN_SCHEME, Vec::<String>::new())),
            Surface::Blob => Some(SecurityRequirement::new(SAS_SCHEME, Vec::<String>::new())),
            Surface::Token | Surface::Store => None,
        }
    }
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// The error body schemas, by surface, and the responses every operation may give.
fn errors(
    surface: Surface,
    op: &Operation,
    method: &str,
    has_id: bool,
) -> Vec<(u16, String, RefOr<Schema>)> {
    let mut out = Vec::new();
    let body = reference::<ErrorBody>;
    let has_body = matches!(method, "post" | "put" | "patch");
    match surface {
        Surface::Devcenter | Surface::Admin | Surface::Store => {
            out.push((
                400,
                "The request is not valid: the body names the field".into(),
                body(),
            ));
            // Lists answer 404 too when the collection is empty (the documented "No …
            // were found").
            if has_id || (surface == Surface::Devcenter && method == "get") {
                out.push((404, "The resource does not exist".into(), body()));
            }
            if surface == Surface::Devcenter && has_body {
                out.push((
                    415,
                    "The request has a body or a media type other than JSON".into(),
                    body(),
                ));
            }
            // A submission of another app or flight is a 409 too, whatever the method
            // (devcenter-api.md, "wrong-parent cases").
            if method != "get" || (surface == Surface::Devcenter && has_id) {
                out.push((
                    409,
                    "The resource's state does not allow this, or it belongs to another parent"
                        .into(),
                    body(),
                ));
            }
            if has_body {
                out.push((413, "The body is too large".into(), body()));
            }
            match surface {
                Surface::Devcenter => out.push((
                    401,
                    "The token is missing, invalid or expired, or its client acts for no seller"
                        .into(),
                    OneOfBuilder::new()
                        .item(reference::<GatewayError>())
                        .item(reference::<AccessDenied>())
                        .into(),
                )),
                Surface::Admin => {
                    out.push((401, "The admin token is missing or wrong".into(), body()))
                }
                _ => {}
            }
        }
        Surface::Token => {
            out.push((
                400,
                "The request is not valid (AAD error)".into(),
                reference::<AadError>(),
            ));
            if method == "post" {
                out.push((
                    401,
                    "The client credentials are wrong".into(),
                    reference::<AadError>(),
                ));
            }
        }
        Surface::Msi => {
            let failure: RefOr<Schema> = RefOr::Ref(Ref::from_schema_name("MsiFailure"));
            out.push((400, "The request is not valid".into(), failure.clone()));
            out.push((
                401,
                "The token is missing or invalid (the gateway's body), or its client is not a \
                 Manager (the envelope)"
                    .into(),
                OneOfBuilder::new()
                    .item(reference::<GatewayError>())
                    .item(failure.clone())
                    .into(),
            ));
            out.push((
                403,
                "The token's client may not act on this product".into(),
                failure.clone(),
            ));
            out.push((
                404,
                "The product, package or submission does not exist".into(),
                failure.clone(),
            ));
            if method != "get" {
                out.push((
                    409,
                    "A submission in progress holds the draft".into(),
                    failure.clone(),
                ));
            }
            out.push((
                429,
                "Too many requests (Retry-After says when to come back)".into(),
                failure,
            ));
        }
        Surface::Ingestion => {
            let text: RefOr<Schema> = RefOr::Ref(Ref::from_schema_name("IngestionError"));
            let gateway: RefOr<Schema> = reference::<GatewayError>();
            out.push((400, "Request validation failed".into(), text.clone()));
            out.push((
                401,
                "The token is missing or invalid".into(),
                gateway.clone(),
            ));
            out.push((
                403,
                "The token's client may not use this API".into(),
                gateway,
            ));
            out.push((404, "Resource not found".into(), text.clone()));
            if method != "get" {
                out.push((409, "Conflict".into(), text.clone()));
                out.push((412, "Precondition failed (If-Match)".into(), text));
            }
        }
        Surface::Blob => {}
    }
    // An operation's own declaration wins.
    out.retain(|(status, _, _)| !op.responses.responses.contains_key(&status.to_string()));
    out
}

/// Adds to every operation of `document` its surface's tag, security and error responses,
/// and a string parameter for each path template variable it does not declare.
pub fn complete_operations(document: &mut OpenApi) {
    let blob_prefix = crate::blob::describe::path_prefix(document);
    let mut shared = std::collections::BTreeMap::new();
    for (path, item) in document.paths.paths.iter_mut() {
        let surface = Surface::of(path, blob_prefix.as_deref());
        // Whole segments (`{app_id}`) and parts of one (`getByInstanceID(instanceID={id})`).
        let variables: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(name, _)| name.to_string())
            .collect();
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
            ("head", &mut item.head),
        ];
        for (method, op) in operations {
            let Some(op) = op.as_mut() else { continue };
            if op.tags.as_ref().is_none_or(Vec::is_empty) {
                op.tags = Some(vec![surface.tag().to_string()]);
            }
            if op.security.is_none()
                && let Some(security) = surface.security()
            {
                op.security = Some(vec![security]);
            }
            let parameters = op.parameters.get_or_insert_with(Vec::new);
            for variable in &variables {
                let declared = parameters.iter().any(|p| match p {
                    RefOr::T(p) => p.name == *variable && p.parameter_in == ParameterIn::Path,
                    RefOr::Ref(_) => false,
                });
                if !declared {
                    parameters.push(RefOr::T(
                        ParameterBuilder::new()
                            .name(variable)
                            .parameter_in(ParameterIn::Path)
                            .required(Required::True)
                            .schema(Some(String::schema()))
                            .build(),
                    ));
                }
            }
            if parameters.is_empty() {
                op.parameters = None;
            }
            for (status, description, schema) in errors(surface, op, method, !variables.is_empty())
            {
                // Shared, so each is written once under components/responses.
                let name = format!("{}{status}", surface.tag());
                op.responses.responses.insert(
                    status.to_string(),
                    RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))),
                );
                shared.entry(name).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/json",
                                ContentBuilder::new().schema(Some(schema)).build(),
                            )
                            .build(),
                    )
                });
            }
        }
    }
    let components = document.components.get_or_insert_with(Default::default);
    components.responses.extend(shared);
    let mut add = |name: &str, schema: RefOr<Schema>| {
        components.schemas.insert(name.to_string(), schema);
    };
    add(ErrorBody::name().as_ref(), ErrorBody::schema());
    add(GatewayError::name().as_ref(), GatewayError::schema());
    add(AccessDenied::name().as_ref(), AccessDenied::schema());
    add(AadError::name().as_ref(), AadError::schema());
    add(ErrorEntry::name().as_ref(), ErrorEntry::schema());
    add(
        "MsiFailure",
        ObjectBuilder::new()
            .property("isSuccess", ObjectBuilder::new().schema_type(Type::Boolean))
            .property(
                "errors",
                utoipa::openapi::schema::ArrayBuilder::new().items(reference::<ErrorEntry>()),
            )
            .property("responseData", ObjectBuilder::new())
            .required("isSuccess")
            .required("errors")
            .description(Some(
                "Every failure of the MSI/EXE API: isSuccess false and the errors",
            ))
            .into(),
    );
    add(
        "IngestionError",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The ingestion API's error: a JSON string, \
                 'ICH5xxxx - Unable to complete request. {…}'",
            ))
            .into(),
    );
}
