//! `/packages`: the draft's installers, and their commit.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use storeroom_domain::msi::product::status_url;
use storeroom_wire::msi::{PackagePatch, PackagesResponse, PackagesUpdate, PollingResponse, codes};

use super::auth::MsiCaller;
use super::envelope::{MsiFailure, MsiResponse, success};
use super::input::json;
use crate::state::AppState;

/// This module's part of the API's document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_all, put, commit, get_one, patch))]
pub(super) struct Described;

fn polling(product_id: &str) -> PollingResponse {
    PollingResponse {
        polling_url: status_url(product_id),
        ongoing_submission_id: String::new(),
    }
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/packages", operation_id = "msiGetPackages",
    summary = "The draft's packages",
    responses((status = 200, description = "The packages", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PackagesResponse>)))]
pub async fn get_all(state: &AppState, caller: &MsiCaller, product_id: &str) -> MsiResponse {
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    Ok(success(PackagesResponse {
        packages: product.draft.packages,
    }))
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/packages/{package_id}", operation_id = "msiGetPackage",
    summary = "One package of the draft",
    responses((status = 200, description = "The package", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PackagesResponse>)))]
pub async fn get_one(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    package_id: &str,
) -> MsiResponse {
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    let package = product
        .draft
        .packages
        .into_iter()
        .find(|p| p.package_id == package_id)
        .ok_or_else(|| {
            MsiFailure::new(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                format!("Package {package_id} is not in the draft"),
                "packages",
            )
        })?;
    // One package comes back in a list, as the seed's samples read `packages[0]`.
    Ok(success(PackagesResponse {
        packages: vec![package],
    }))
}

#[utoipa::path(put, path = "/submission/v1/product/{product_id}/packages", operation_id = "msiPutPackages",
    summary = "Replaces the draft's packages",
    request_body(content = storeroom_wire::msi::PackagesUpdate),
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn put(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    let update: PackagesUpdate = json(body)?;
    let packages = update.packages.ok_or_else(|| {
        MsiFailure::bad_request(
            "packages is required: the full update replaces every package",
            "packages",
        )
    })?;
    let product = state
        .msi
        .service
        .replace_packages(&caller.seller_id, product_id, packages)
        .await?;
    Ok(success(polling(&product.id)))
}

#[utoipa::path(patch, path = "/submission/v1/product/{product_id}/packages/{package_id}", operation_id = "msiPatchPackage",
    summary = "Updates one package of the draft",
    request_body(content = storeroom_wire::msi::PackagePatch),
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn patch(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    package_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    let patch: PackagePatch = json(body)?;
    let product = state
        .msi
        .service
        .patch_package(&caller.seller_id, product_id, package_id, patch)
        .await?;
    Ok(success(polling(&product.id)))
}

#[utoipa::path(post, path = "/submission/v1/product/{product_id}/packages/commit", operation_id = "msiCommitPackages",
    summary = "Commits the package changes: the packages are checked",
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn commit(state: &AppState, caller: &MsiCaller, product_id: &str) -> MsiResponse {
    let product = state
        .msi
        .service
        .commit_packages(&caller.seller_id, product_id)
        .await?;
    Ok(success(polling(&product.id)))
}
