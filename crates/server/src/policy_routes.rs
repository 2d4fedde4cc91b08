//! The admin operations of a product's own pipeline policy, the same for every kind of product
//! (devcenter apps, MSI/EXE products, Azure Marketplace offers): `GET` the policy in force
//! and whose it is, `PUT` the product's own, `DELETE` it to fall back to the server's.

use std::future::Future;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use storeroom_domain::pipeline::PipelinePolicy;
use utoipa::openapi::OpenApi;

use crate::admin::{effective_policy, policy_from};
use crate::errors::ApiResult;
use crate::state::AppState;

/// A kind of product that may carry its own pipeline policy.
pub(crate) trait PolicyOwner: Send + Sync + 'static {
    /// How `GET` labels a policy of the product's own (`source`).
    const LABEL: &'static str;

    /// The product's own policy (None: the server's applies); 404 for an unknown id.
    fn own_policy(
        state: &AppState,
        id: &str,
    ) -> impl Future<Output = ApiResult<Option<PipelinePolicy>>> + Send;

    fn set_policy(
        state: &AppState,
        id: &str,
        policy: Option<PipelinePolicy>,
    ) -> impl Future<Output = ApiResult<()>> + Send;
}

/// `GET`: the policy in force for product `id` and whose it is.
pub(crate) async fn get<T: PolicyOwner>(state: &AppState, id: &str) -> ApiResult<Response> {
    let own = T::own_policy(state, id).await?;
    Ok(effective_policy(state, own.as_ref(), T::LABEL))
}

/// `PUT`: the product's own policy.
pub(crate) async fn put<T: PolicyOwner>(
    state: &AppState,
    id: &str,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let policy = policy_from(&body?)?;
    T::set_policy(state, id, Some(policy.clone())).await?;
    Ok(Json(policy).into_response())
}

/// `DELETE`: the server's policy applies again.
pub(crate) async fn delete<T: PolicyOwner>(state: &AppState, id: &str) -> ApiResult<Response> {
    T::set_policy(state, id, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The description of the policy operations at `path`: the three operations, named after
/// `kind` (`Application`, `MsiProduct`, `Offer`).
pub(crate) fn described(path: &str, kind: &str) -> OpenApi {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, Paths};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::{ContentBuilder, ResponseBuilder};
    let json = || {
        ContentBuilder::new()
            .schema(Some(utoipa::openapi::schema::ObjectBuilder::new()))
            .build()
    };
    let operation = |id: String, summary: &str, status: &str, description: &str| {
        let response = ResponseBuilder::new().description(description);
        let response = if status == "204" {
            response
        } else {
            response.content("application/json", json())
        };
        OperationBuilder::new()
            .operation_id(Some(id))
            .summary(Some(summary))
            .response(status, response)
    };
    let mut item = PathItem::new(
        HttpMethod::Get,
        operation(
            format!("adminGet{kind}Pipeline"),
            "The pipeline policy in force for the product, and whose it is (source)",
            "200",
            "The policy, with source",
        ),
    );
    item.merge_operations(PathItem::new(
        HttpMethod::Put,
        operation(
            format!("adminPut{kind}Pipeline"),
            "Sets the product's own pipeline policy",
            "200",
            "The policy",
        )
        .request_body(Some(
            RequestBodyBuilder::new()
                .description(Some("A pipeline policy"))
                .content("application/json", json())
                .build(),
        )),
    ));
    item.merge_operations(PathItem::new(
        HttpMethod::Delete,
        operation(
            format!("adminDelete{kind}Pipeline"),
            "Drops the product's own policy: the server's applies",
            "204",
            "Dropped",
        ),
    ));
    let mut paths = Paths::new();
    paths.paths.insert(path.to_string(), item);
    let mut document = OpenApi::default();
    document.paths = paths;
    document
}
