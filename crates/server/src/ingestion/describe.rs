//! The ingestion API's operations in the OpenAPI document. Its router has one catch-all
//! route and [`operation::decode`] picks the operation, so the description is this table of
//! the paths `decode` serves; the unit tests hold the two together (every row decodes to
//! the operation it names, and every operation the decoder yields has a row).

use axum::http::Method;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::openapi::{ContentBuilder, OpenApi, Required, ResponseBuilder};

use super::PREFIX;
use super::operation::Op;

/// One operation: method, path below [`PREFIX`] (OpenAPI template), summary.
type Row = (Method, &'static str, &'static str);

const P: &str = "products/{productId}";

/// Every operation `decode` serves, one row per method and path shape.
fn rows() -> Vec<(Method, String, &'static str)> {
    use Method as M;
    let table: &[Row] = &[
        (M::GET, "products", "The seller's offers"),
        (M::POST, "products", "Creates an offer"),
        (M::GET, "{P}", "An offer"),
        (M::DELETE, "{P}", "Deletes an offer"),
        (M::GET, "{P}/setup", "The offer's setup"),
        (M::POST, "{P}/setup", "Changes the offer's setup"),
        (
            M::GET,
            "{P}/branches/getByModule(module={module})",
            "The offer's branches of a module",
        ),
        (M::GET, "{P}/variants", "The offer's plans"),
        (M::POST, "{P}/variants", "Creates a plan"),
        (M::GET, "{P}/variants/{variantId}", "A plan"),
        (M::PUT, "{P}/variants/{variantId}", "Replaces a plan"),
        (M::DELETE, "{P}/variants/{variantId}", "Deletes a plan"),
        (
            M::GET,
            "{P}/listings/getByInstanceID(instanceID={instanceId})",
            "The listings of an instance",
        ),
        (
            M::POST,
            "{P}/listings/createWithInstanceID(instanceID={instanceId})",
            "Creates an instance's listing",
        ),
        (M::GET, "{P}/listings/{listingId}", "A listing"),
        (M::PUT, "{P}/listings/{listingId}", "Replaces a listing"),
        (M::DELETE, "{P}/listings/{listingId}", "Deletes a listing"),
        (
            M::GET,
            "{P}/listings/{listingId}/images",
            "A listing's images",
        ),
        (
            M::POST,
            "{P}/listings/{listingId}/images",
            "Adds an image to a listing",
        ),
        (
            M::GET,
            "{P}/listings/{listingId}/images/{imageId}",
            "A listing image",
        ),
        (
            M::PUT,
            "{P}/listings/{listingId}/images/{imageId}",
            "Replaces a listing image",
        ),
        (
            M::DELETE,
            "{P}/listings/{listingId}/images/{imageId}",
            "Deletes a listing image",
        ),
        (
            M::GET,
            "{P}/listings/{listingId}/videos",
            "A listing's videos",
        ),
        (
            M::POST,
            "{P}/listings/{listingId}/videos",
            "Adds a video to a listing",
        ),
        (
            M::GET,
            "{P}/listings/{listingId}/videos/{videoId}",
            "A listing video",
        ),
        (
            M::PUT,
            "{P}/listings/{listingId}/videos/{videoId}",
            "Replaces a listing video",
        ),
        (
            M::DELETE,
            "{P}/listings/{listingId}/videos/{videoId}",
            "Deletes a listing video",
        ),
        (
            M::GET,
            "{P}/listings/{listingId}/assets",
            "A listing's assets",
        ),
        (
            M::POST,
            "{P}/listings/{listingId}/assets",
            "Adds an asset to a listing",
        ),
        (
            M::GET,
            "{P}/listings/{listingId}/assets/{assetId}",
            "A listing asset",
        ),
        (
            M::PUT,
            "{P}/listings/{listingId}/assets/{assetId}",
            "Replaces a listing asset",
        ),
        (
            M::DELETE,
            "{P}/listings/{listingId}/assets/{assetId}",
            "Deletes a listing asset",
        ),
        (M::GET, "{P}/properties", "The offer's draft properties"),
        (M::POST, "{P}/properties", "Creates the offer's properties"),
        (
            M::GET,
            "{P}/properties/getByInstanceID(instanceID={instanceId})",
            "The properties of an instance",
        ),
        (M::GET, "{P}/properties/{propertyId}", "Properties"),
        (M::PUT, "{P}/properties/{propertyId}", "Replaces properties"),
        (
            M::GET,
            "{P}/productavailabilities",
            "The offer's draft availabilities",
        ),
        (
            M::POST,
            "{P}/productavailabilities",
            "Creates the offer's availability",
        ),
        (
            M::GET,
            "{P}/productavailabilities/getByInstanceID(instanceID={instanceId})",
            "The availabilities of an instance",
        ),
        (
            M::GET,
            "{P}/productavailabilities/{availabilityId}",
            "An availability",
        ),
        (
            M::PUT,
            "{P}/productavailabilities/{availabilityId}",
            "Replaces an availability",
        ),
        (
            M::GET,
            "{P}/featureavailabilities/getByInstanceID(instanceID={instanceId})",
            "The feature availabilities of an instance",
        ),
        (
            M::GET,
            "{P}/featureavailabilities/{featureAvailabilityId}",
            "A feature availability",
        ),
        (
            M::PUT,
            "{P}/featureavailabilities/{featureAvailabilityId}",
            "Replaces a feature availability",
        ),
        (
            M::GET,
            "{P}/packageconfigurations/getByInstanceID(instanceID={instanceId})",
            "The package configurations of an instance",
        ),
        (
            M::GET,
            "{P}/packageconfigurations/{packageConfigurationId}",
            "A package configuration",
        ),
        (
            M::PUT,
            "{P}/packageconfigurations/{packageConfigurationId}",
            "Replaces a package configuration",
        ),
        (M::GET, "{P}/packages", "The offer's packages"),
        (
            M::POST,
            "{P}/packages",
            "Creates a package (and its upload URL)",
        ),
        (M::GET, "{P}/packages/{packageId}", "A package"),
        (
            M::PUT,
            "{P}/packages/{packageId}",
            "Updates a package (e.g. Uploaded)",
        ),
        (M::DELETE, "{P}/packages/{packageId}", "Deletes a package"),
        (
            M::GET,
            "{P}/resellerconfiguration",
            "The reseller configuration",
        ),
        (
            M::POST,
            "{P}/resellerconfiguration",
            "Sets the reseller configuration",
        ),
        (M::GET, "{P}/leadconfiguration", "The lead configuration"),
        (
            M::POST,
            "{P}/leadconfiguration",
            "Sets the lead configuration",
        ),
        (
            M::GET,
            "{P}/supplementalcontents/getByInstanceID(instanceID={instanceId})",
            "The supplemental content of an instance",
        ),
        (
            M::GET,
            "{P}/supplementalcontents/{instanceId}",
            "Supplemental content",
        ),
        (
            M::PUT,
            "{P}/supplementalcontents/{instanceId}",
            "Replaces supplemental content",
        ),
        (
            M::POST,
            "{P}/supplementalcontents/{instanceId}/commit",
            "Commits supplemental content",
        ),
        (
            M::GET,
            "{P}/coselllisting/getByInstanceID(instanceID={instanceId})",
            "The co-sell listing of an instance",
        ),
        (
            M::GET,
            "{P}/coselllisting/{instanceId}",
            "The co-sell listing",
        ),
        (
            M::PUT,
            "{P}/coselllisting/{instanceId}",
            "Replaces the co-sell listing",
        ),
        (M::GET, "{P}/cosellassets", "The co-sell assets"),
        (M::POST, "{P}/cosellassets", "Creates a co-sell asset"),
        (
            M::GET,
            "{P}/cosellassets/{cosellAssetId}",
            "A co-sell asset",
        ),
        (
            M::PUT,
            "{P}/cosellassets/{cosellAssetId}",
            "Replaces a co-sell asset",
        ),
        (
            M::DELETE,
            "{P}/cosellassets/{cosellAssetId}",
            "Deletes a co-sell asset",
        ),
        (M::GET, "{P}/submissions", "The offer's submissions"),
        (
            M::POST,
            "{P}/submissions",
            "Submits the offer's draft (preview)",
        ),
        (M::GET, "{P}/submissions/{submissionId}", "A submission"),
        (
            M::DELETE,
            "{P}/submissions/{submissionId}",
            "Cancels a submission",
        ),
        (
            M::POST,
            "{P}/submissions/{submissionId}/promote",
            "Promotes a submission to live",
        ),
        (
            M::GET,
            "{P}/submissions/{submissionId}/reports",
            "A submission's reports",
        ),
        (
            M::GET,
            "{P}/submissions/{submissionId}/validations",
            "A submission's validations",
        ),
        (
            M::GET,
            "{P}/submissions/{submissionId}/workflowdetails",
            "A submission's workflow",
        ),
    ];
    table
        .iter()
        .map(|(method, path, summary)| (method.clone(), path.replace("{P}", P), *summary))
        .collect()
}

/// The operation's id, its success status, and whether it takes a JSON body; exhaustive,
/// so a new operation must be described here.
fn shape(op: &Op) -> (&'static str, u16, bool) {
    match op {
        Op::ListProducts => ("ingestionListProducts", 200, false),
        Op::CreateProduct => ("ingestionCreateProduct", 201, true),
        Op::GetProduct(..) => ("ingestionGetProduct", 200, false),
        Op::DeleteProduct(..) => ("ingestionDeleteProduct", 204, false),
        Op::GetSetup(..) => ("ingestionGetSetup", 200, false),
        Op::PostSetup(..) => ("ingestionPostSetup", 200, true),
        Op::Branches(..) => ("ingestionBranches", 200, false),
        Op::ListVariants(..) => ("ingestionListVariants", 200, false),
        Op::CreateVariant(..) => ("ingestionCreateVariant", 201, true),
        Op::GetVariant(..) => ("ingestionGetVariant", 200, false),
        Op::PutVariant(..) => ("ingestionPutVariant", 200, true),
        Op::DeleteVariant(..) => ("ingestionDeleteVariant", 204, false),
        Op::InstanceResources(..) => ("ingestionInstanceResources", 200, false),
        Op::CreateListing(..) => ("ingestionCreateListing", 201, true),
        Op::DraftResources(..) => ("ingestionDraftResources", 200, false),
        Op::CreateOfferResource(..) => ("ingestionCreateOfferResource", 201, true),
        Op::GetResource(..) => ("ingestionGetResource", 200, false),
        Op::PutResource(..) => ("ingestionPutResource", 200, true),
        Op::DeleteListing(..) => ("ingestionDeleteListing", 204, false),
        Op::ListMedia(..) => ("ingestionListMedia", 200, false),
        Op::CreateMedium(..) => ("ingestionCreateMedium", 201, true),
        Op::GetMedium(..) => ("ingestionGetMedium", 200, false),
        Op::PutMedium(..) => ("ingestionPutMedium", 200, true),
        Op::DeleteMedium(..) => ("ingestionDeleteMedium", 204, false),
        Op::ListPackages(..) => ("ingestionListPackages", 200, false),
        Op::CreatePackage(..) => ("ingestionCreatePackage", 201, true),
        Op::GetPackage(..) => ("ingestionGetPackage", 200, false),
        Op::PutPackage(..) => ("ingestionPutPackage", 200, true),
        Op::DeletePackage(..) => ("ingestionDeletePackage", 204, false),
        Op::GetReseller(..) => ("ingestionGetReseller", 200, false),
        Op::PostReseller(..) => ("ingestionPostReseller", 200, true),
        Op::GetLead(..) => ("ingestionGetLead", 200, false),
        Op::PostLead(..) => ("ingestionPostLead", 200, true),
        Op::GetInstanceResource(..) => ("ingestionGetInstanceResource", 200, false),
        Op::PutInstanceResource(..) => ("ingestionPutInstanceResource", 200, true),
        Op::CommitSupplemental(..) => ("ingestionCommitSupplemental", 200, false),
        Op::ListCosellAssets(..) => ("ingestionListCosellAssets", 200, false),
        Op::CreateCosellAsset(..) => ("ingestionCreateCosellAsset", 201, true),
        Op::GetCosellAsset(..) => ("ingestionGetCosellAsset", 200, false),
        Op::PutCosellAsset(..) => ("ingestionPutCosellAsset", 200, true),
        Op::DeleteCosellAsset(..) => ("ingestionDeleteCosellAsset", 204, false),
        Op::ListSubmissions(..) => ("ingestionListSubmissions", 200, false),
        Op::CreateSubmission(..) => ("ingestionCreateSubmission", 201, true),
        Op::GetSubmission(..) => ("ingestionGetSubmission", 200, false),
        Op::CancelSubmission(..) => ("ingestionCancelSubmission", 204, false),
        Op::Promote(..) => ("ingestionPromote", 200, false),
        Op::Reports(..) => ("ingestionReports", 200, false),
        Op::Validations(..) => ("ingestionValidations", 200, false),
        Op::WorkflowDetails(..) => ("ingestionWorkflowDetails", 200, false),
    }
}

/// `template` with every `{name}` replaced by a sample value, as segments.
fn sample(template: &str) -> Vec<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        out.push_str(&format!("x{}", rest[open + 1..close].to_ascii_lowercase()));
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out.split('/').map(str::to_string).collect()
}

/// The operation a row stands for.
fn decode_row(method: &Method, template: &str) -> Option<Op> {
    let segments = sample(template);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    super::operation::decode(method, &segments).ok()
}

/// The document part of the ingestion API.
pub fn document() -> OpenApi {
    let mut paths = Paths::new();
    for (method, template, summary) in rows() {
        let Some(op) = decode_row(&method, &template) else {
            // Held by the unit test; never served undecodable.
            continue;
        };
        let (id, status, body) = shape(&op);
        let json = || {
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new()))
                .build()
        };
        let mut builder = OperationBuilder::new()
            .operation_id(Some(id_for(id, &template)))
            .summary(Some(summary))
            .parameter(
                ParameterBuilder::new()
                    .name("$version")
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some("The API version, 2022-03-01-preview3"))
                    .schema(Some(
                        utoipa::openapi::schema::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String),
                    )),
            );
        builder = if status == 204 {
            builder.response("204", ResponseBuilder::new().description("Done"))
        } else {
            builder.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description("The resource, or a page of resources (value, nextLink)")
                    .content("application/json", json()),
            )
        };
        if body {
            builder = builder.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json())
                    .build(),
            ));
        }
        let http = match method {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            Method::PUT => HttpMethod::Put,
            _ => HttpMethod::Delete,
        };
        let path = format!("{PREFIX}/{template}");
        let item = PathItem::new(http, builder.build());
        match paths.paths.get_mut(&path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(path, item);
            }
        }
    }
    let mut document = OpenApi::default();
    document.paths = paths;
    document
}

/// Operation ids are unique per document: the variants that serve several kinds of
/// resource (listings and media of each kind, properties, availabilities, …) are told
/// apart by their path's collection.
fn id_for(id: &str, template: &str) -> String {
    let shared = matches!(
        id,
        "ingestionInstanceResources"
            | "ingestionDraftResources"
            | "ingestionCreateOfferResource"
            | "ingestionGetResource"
            | "ingestionPutResource"
            | "ingestionListMedia"
            | "ingestionCreateMedium"
            | "ingestionGetMedium"
            | "ingestionPutMedium"
            | "ingestionDeleteMedium"
            | "ingestionGetInstanceResource"
            | "ingestionPutInstanceResource"
            | "ingestionListCosellAssets"
    );
    if !shared {
        return id.to_string();
    }
    let collection = template
        .split('/')
        .rfind(|s| !s.starts_with('{') && !s.contains('('))
        .unwrap_or_default();
    let mut name = String::from(id);
    let mut chars = collection.chars();
    if let Some(first) = chars.next() {
        name.push(first.to_ascii_uppercase());
        name.push_str(chars.as_str());
    }
    if template.contains("getByInstanceID") {
        name.push_str("ByInstance");
    }
    name
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_row_decodes_to_an_operation() {
        for (method, template, _) in rows() {
            assert!(
                decode_row(&method, &template).is_some(),
                "{method} {template}"
            );
        }
    }

    #[test]
    fn every_operation_has_a_row() {
        let described: BTreeSet<&str> = rows()
            .iter()
            .filter_map(|(m, t, _)| decode_row(m, t))
            .map(|op| shape(&op).0)
            .collect();
        // Every variant of `Op`, through `shape`'s exhaustive match.
        assert_eq!(described.len(), 49, "{described:?}");
    }

    #[test]
    fn operation_ids_are_unique() {
        let document = document();
        let mut ids = BTreeSet::new();
        let mut count = 0;
        for item in document.paths.paths.values() {
            for op in [&item.get, &item.put, &item.post, &item.delete]
                .into_iter()
                .flatten()
            {
                count += 1;
                assert!(
                    ids.insert(op.operation_id.clone().unwrap()),
                    "{:?}",
                    op.operation_id
                );
            }
        }
        assert_eq!(count, rows().len());
    }
}
