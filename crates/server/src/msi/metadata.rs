//! `/metadata`: the availability, properties and listings modules of the draft.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use storeroom_domain::msi::draft::{Draft, MetadataChange, UpdateMode};
use storeroom_domain::msi::product::status_url;
use storeroom_wire::msi::{MetadataResponse, MetadataUpdate, PollingResponse, codes};

use super::auth::MsiCaller;
use super::envelope::{MsiFailure, MsiResponse, success};
use super::input::{json, languages_filter, listing_patches, query_param, selected};
use crate::state::AppState;

/// This module's part of the API's document (`super::described`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_all, put, patch, get_module))]
pub(super) struct Described;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Module {
    All,
    Availability,
    Properties,
    Listings,
}

impl Module {
    fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "availability" => Some(Module::Availability),
            "properties" => Some(Module::Properties),
            "listings" => Some(Module::Listings),
            _ => None,
        }
    }
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/metadata", operation_id = "msiGetMetadata",
    summary = "The draft's metadata: availability, properties, listings",
    params(("languages" = Option<String>, Query, description = "Comma-separated listing languages"), ("includeAvailableLanguages" = Option<bool>, Query)),
    responses((status = 200, description = "The metadata", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::MetadataResponse>)))]
pub async fn get_all(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    query: Option<&str>,
) -> MsiResponse {
    read(state, caller, product_id, Module::All, query).await
}

#[utoipa::path(get, path = "/submission/v1/product/{product_id}/metadata/{module}", operation_id = "msiGetMetadataModule",
    summary = "One module of the draft's metadata (availability, properties, listings)",
    params(("languages" = Option<String>, Query), ("includeAvailableLanguages" = Option<bool>, Query)),
    responses((status = 200, description = "The module", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::MetadataResponse>)))]
pub async fn get_module(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    module: &str,
    query: Option<&str>,
) -> MsiResponse {
    let name = module;
    let module = Module::parse(name).ok_or_else(|| {
        MsiFailure::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("Module '{name}' does not exist: use listings, properties or availability"),
            "moduleName",
        )
    })?;
    read(state, caller, product_id, module, query).await
}

async fn read(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    module: Module,
    query: Option<&str>,
) -> MsiResponse {
    let filter = languages_filter(query)?;
    let with_languages = query_param(query, "includelanguagelist")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let product = state
        .msi
        .service
        .product(&caller.seller_id, product_id)
        .await?;
    Ok(success(metadata(
        &product.draft,
        module,
        &filter,
        with_languages,
    )))
}

fn metadata(
    draft: &Draft,
    module: Module,
    filter: &Option<Vec<String>>,
    with_languages: bool,
) -> MetadataResponse {
    let wants = |m: Module| module == Module::All || module == m;
    MetadataResponse {
        availability: wants(Module::Availability).then(|| draft.availability.clone()),
        properties: wants(Module::Properties).then(|| draft.properties.clone()),
        listings: wants(Module::Listings).then(|| {
            draft
                .listings
                .iter()
                .filter(|entry| selected(filter, &entry.listing.language))
                .map(|entry| entry.listing.clone())
                .collect()
        }),
        listing_languages: with_languages.then(|| draft.listing_languages()),
    }
}

#[utoipa::path(put, path = "/submission/v1/product/{product_id}/metadata", operation_id = "msiPutMetadata",
    summary = "Replaces modules of the draft's metadata",
    request_body(content = storeroom_wire::msi::MetadataUpdate),
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn put(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    update(state, caller, product_id, body, UpdateMode::Full).await
}

#[utoipa::path(patch, path = "/submission/v1/product/{product_id}/metadata", operation_id = "msiPatchMetadata",
    summary = "Updates fields of the draft's metadata",
    request_body(content = storeroom_wire::msi::MetadataUpdate),
    responses((status = 200, description = "Where to poll", body = storeroom_wire::msi::Envelope<storeroom_wire::msi::PollingResponse>)))]
pub async fn patch(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> MsiResponse {
    update(state, caller, product_id, body, UpdateMode::Partial).await
}

async fn update(
    state: &AppState,
    caller: &MsiCaller,
    product_id: &str,
    body: Result<Bytes, BytesRejection>,
    mode: UpdateMode,
) -> MsiResponse {
    let mut update: MetadataUpdate = json(body)?;
    let listings = listing_patches(update.listings.take())?;
    let product = state
        .msi
        .service
        .update_metadata(
            &caller.seller_id,
            product_id,
            MetadataChange::new(update, listings),
            mode,
        )
        .await?;
    Ok(success(PollingResponse {
        polling_url: status_url(&product.id),
        ongoing_submission_id: String::new(),
    }))
}
