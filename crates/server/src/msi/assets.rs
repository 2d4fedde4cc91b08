//! `/listings/assets`: listing images, their upload slots (SAS URLs on storeroom's blob
//! endpoint) and their commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use chrono::Duration;
use storeroom_domain::media::ImageFacts;
use storeroom_domain::msi::assets::{
    PRIMARY_CONTAINER, SECONDARY_CONTAINER, UploadedImage, slots_to_read,
};
use storeroom_domain::msi::draft::Asset;
use storeroom_domain::msi::product::{AssetKind, PendingAsset, status_url};
use storeroom_ingest::images::{ImageFormat, read_image_info};
use storeroom_storage::blobs::{BlobStore, ReadAtCursor};
use storeroom_wire::msi::{
    CommitAssetsRequest, CreateAssetsRequest, CreateAssetsResponse, CreatedAssets, ImageSize,
    LanguageAssets, ListingAsset, ListingAssetsResponse, PollingResponse, UploadSlot,
};

use super::auth::MsiCaller;
use super::envelope::{MsiFailure, MsiResponse, success};
use super::input::{json, languages_filter, selected};
use crate::state::AppState;

/// This module's part of the API's document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get, create, commit))]
pub(super) struct Described;

/// Upload URLs are short-lived, as the seed says; read URLs of committed images last a day.
const UPLOAD_URL_HOURS: i64 = 1;
const READ_URL_HOURS: i64 = 24;

fn read_url(state: &AppState, asset: &Asset) -> ListingAsset {
    let expiry = state.clock.now() + Duration::hours(READ_URL_HOURS);
    ListingAsset {
        id: asset.id.clone(),
        asset_url: state
            .blob
            .sas_url(&asset.container, &asset.blob, "r", expiry),
        image_size: ImageSize {
            width: asset.width,
            height: asset.height,
        },
    }
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/listings/assets", operation_id = "msiGetListingAssets",
    summary = "The listing assets (screenshots, logos) of the draft",
    params(("languages" = Option<String>, Query)),
    responses((status = 200, description = "The assets", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::ListingAssetsResponse>)))]
pub async fn get(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    query: Option<&str>,
) -> MsiResponse {
    let filter = languages_filter(query)?;
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    let listing_assets = product
        .draft
        .listings
        .iter()
        .filter(|entry| selected(&filter, &entry.listing.language))
        .map(|entry| LanguageAssets {
            language: entry.listing.language.clone(),
            store_logos: entry
                .store_logos
                .iter()
                .map(|a| read_url(state, a))
                .collect(),
            screenshots: entry
                .screenshots
                .iter()
                .map(|a| read_url(state, a))
                .collect(),
        })
        .collect();
    Ok(success(ListingAssetsResponse { listing_assets }))
}

fn upload_slot(state: &AppState, slot: &PendingAsset) -> UploadSlot {
    let expiry = state.clock.now() + Duration::hours(UPLOAD_URL_HOURS);
    let url = |container: &str| state.blob.sas_url(container, &slot.id, "rcw", expiry);
    UploadSlot {
        id: slot.id.clone(),
        primary_asset_upload_url: url(PRIMARY_CONTAINER),
        secondary_asset_upload_url: url(SECONDARY_CONTAINER),
        http_method: "PUT".into(),
        http_headers: BTreeMap::from([("x-ms-blob-type".to_string(), "BlockBlob".to_string())]),
    }
}

#[utoipa::path(post, path = "/submission/v1/product/{product_id}/listings/assets/create", operation_id = "msiCreateListingAssets",
    summary = "Creates upload slots for listing assets",
    request_body(content = storeroom_wire::msi::CreateAssetsRequest),
    responses((status = 200, description = "The upload slots", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::CreateAssetsResponse>)))]
pub async fn create(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    let request: CreateAssetsRequest = json(body)?;
    let slots = state
        .msi
        .service
        .create_assets(
            &caller.seller_id,
            product_id,
            request.language.as_deref(),
            request.create_asset_request.as_ref(),
        )
        .await?;
    let of = |kind: AssetKind| -> Vec<UploadSlot> {
        slots
            .iter()
            .filter(|slot| slot.kind == kind)
            .map(|slot| upload_slot(state, slot))
            .collect()
    };
    let language = slots
        .first()
        .map(|slot| slot.language.clone())
        .or(request.language)
        .unwrap_or_default();
    Ok(success(CreateAssetsResponse {
        listing_assets: CreatedAssets {
            language,
            store_logos: of(AssetKind::Logo),
            screenshots: of(AssetKind::Screenshot),
        },
    }))
}

#[utoipa::path(put, path = "/submission/v1/product/{product_id}/listings/assets/commit", operation_id = "msiCommitListingAssets",
    summary = "Commits uploaded listing assets",
    request_body(content = storeroom_wire::msi::CommitAssetsRequest),
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn commit(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    let request: CommitAssetsRequest = json(body)?;
    let assets = request.listing_assets.ok_or_else(|| {
        MsiFailure::bad_request(
            "listingAssets is required: {language, storeLogos, screenshots}",
            "listingAssets",
        )
    })?;
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    let uploads = read_uploads(state.msi.blobs.clone(), slots_to_read(&product, &assets)).await?;
    let product = state
        .msi
        .service
        .commit_assets(&caller.seller_id, product_id, assets, &uploads)
        .await?;
    Ok(success(PollingResponse {
        polling_url: status_url(&product.id),
        ongoing_submission_id: String::new(),
    }))
}

/// What each slot's blob holds: the image header read from whichever upload URL was used
/// (primary first), or why there is no image.
async fn read_uploads(
    blobs: Arc<dyn BlobStore>,
    slots: Vec<String>,
) -> Result<HashMap<String, Result<UploadedImage, String>>, MsiFailure> {
    let mut found = HashMap::with_capacity(slots.len());
    for id in slots {
        let upload = read_upload(&*blobs, &id).await?;
        found.insert(id, upload);
    }
    Ok(found)
}

async fn read_upload(
    blobs: &dyn BlobStore,
    id: &str,
) -> Result<Result<UploadedImage, String>, MsiFailure> {
    for container in [PRIMARY_CONTAINER, SECONDARY_CONTAINER] {
        let content = match blobs.open_read_at(container, id).await {
            Ok(content) => content,
            Err(err) => return Ok(Err(format!("could not be read: {err}"))),
        };
        let Some(content) = content else { continue };
        // Reading may block (a file, or ranged GETs of an object).
        let name = id.to_owned();
        let info = tokio::task::spawn_blocking(move || {
            read_image_info(&name, &mut ReadAtCursor::new(content))
        })
        .await
        .map_err(|_| MsiFailure::internal())?;
        return Ok(info
            .map(|info| UploadedImage {
                container: container.to_string(),
                facts: ImageFacts {
                    is_png: info.format == ImageFormat::Png,
                    width: info.width,
                    height: info.height,
                },
            })
            .map_err(|reason| format!("is not a readable image: it {reason}")));
    }
    Ok(Err(
        "was not uploaded: PUT the PNG to its primaryAssetUploadUrl first".into(),
    ))
}
