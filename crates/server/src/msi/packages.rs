//! `/packages`: the draft's installers, and their commit.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use storeroom_domain::msi::product::status_url;
use storeroom_wire::msi::{PackagePatch, PackagesResponse, PackagesUpdate, PollingResponse, codes};

use super::auth::MsiCaller;
use super::envelope::{MsiFailure, MsiResponse, success};
use super::input::{Ids, json};
use crate::state::AppState;

fn polling(product_id: &str) -> PollingResponse {
    PollingResponse {
        polling_url: status_url(product_id),
        ongoing_submission_id: String::new(),
    }
}

pub async fn get_all(State(state): State<AppState>, caller: MsiCaller, ids: Ids) -> MsiResponse {
    let product = state
        .msi
        .service
        .product(&caller.seller_id, &ids.product_id)
        .await?;
    Ok(success(PackagesResponse {
        packages: product.draft.packages,
    }))
}

pub async fn get_one(State(state): State<AppState>, caller: MsiCaller, ids: Ids) -> MsiResponse {
    let product = state
        .msi
        .service
        .product(&caller.seller_id, &ids.product_id)
        .await?;
    let package = product
        .draft
        .packages
        .into_iter()
        .find(|p| p.package_id == ids.other)
        .ok_or_else(|| {
            MsiFailure::new(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                format!("Package {} is not in the draft", ids.other),
                "packages",
            )
        })?;
    // One package comes back in a list, as the seed's samples read `packages[0]`.
    Ok(success(PackagesResponse {
        packages: vec![package],
    }))
}

pub async fn put(
    State(state): State<AppState>,
    caller: MsiCaller,
    ids: Ids,
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
        .replace_packages(&caller.seller_id, &ids.product_id, packages)
        .await?;
    Ok(success(polling(&product.id)))
}

pub async fn patch(
    State(state): State<AppState>,
    caller: MsiCaller,
    ids: Ids,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    let patch: PackagePatch = json(body)?;
    let product = state
        .msi
        .service
        .patch_package(&caller.seller_id, &ids.product_id, &ids.other, patch)
        .await?;
    Ok(success(polling(&product.id)))
}

pub async fn commit(State(state): State<AppState>, caller: MsiCaller, ids: Ids) -> MsiResponse {
    let product = state
        .msi
        .service
        .commit_packages(&caller.seller_id, &ids.product_id)
        .await?;
    Ok(success(polling(&product.id)))
}
