//! Writes: Put Blob, Put Block, Put Block List, Delete Blob.

use axum::body::Body;
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use storeroom_storage::blobs::{StageBlockError, UploadTarget};

use super::body::{check_declared, content_length, io_failure, read_small, receive};
use super::call::{
    Call, PropertySource, blob_properties, check, commit_failure, created, empty, set, set_static,
    transactional_md5, verify_md5, write_allowed,
};
use super::error::BlobError;
use super::sas::SasGrant;
use super::xml::parse_block_list;

/// Azure's cap on a block id, decoded.
const MAX_BLOCK_ID_BYTES: usize = 64;

pub(crate) async fn put_blob(call: &Call<'_>, body: Body) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.create || call.grant.write)?;
    match call.header("x-ms-blob-type") {
        None => return Err(BlobError::missing_header("x-ms-blob-type")),
        Some(kind) if kind.eq_ignore_ascii_case("BlockBlob") => {}
        // Page and append blobs are not something any Store client uploads.
        Some(kind) => return Err(BlobError::invalid_header("x-ms-blob-type", &kind)),
    }
    let length = content_length(call.headers)?;
    let limit = call.service.limits.max_put_blob;
    check_declared(length, limit)?;
    let declared_md5 = transactional_md5(call.headers)?;
    let mut properties = blob_properties(call.headers, PropertySource::PutBlob)?;
    let conditions = call.conditions();
    let grant = call.grant.clone();
    // Refuse before receiving a body that could not be committed anyway.
    write_allowed(&conditions, &grant, call.current().await?.as_ref())?;

    let staged = receive(call, UploadTarget::Blob, body, length, limit).await?;
    verify_md5(declared_md5, staged.md5())?;
    let computed = BASE64.encode(staged.md5());
    properties
        .content_md5
        .get_or_insert_with(|| computed.clone());
    let meta = call
        .store()
        .commit_blob(
            call.container(),
            call.blob(),
            staged,
            properties,
            call.service.clock.now(),
            check(move |current| write_allowed(&conditions, &grant, current)),
        )
        .await
        .map_err(commit_failure)?;
    Ok(created(&meta, Some(&computed)))
}

pub(crate) async fn put_block(call: &Call<'_>, body: Body) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.create || call.grant.write)?;
    let Some(raw_id) = call.query.get("blockid") else {
        return Err(BlobError::missing_query("blockid"));
    };
    let id = BASE64
        .decode(raw_id)
        .ok()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| BlobError::invalid_query("blockid", raw_id, "Not a valid base64 string."))?;
    if id.len() > MAX_BLOCK_ID_BYTES {
        return Err(BlobError::out_of_range_input());
    }
    let length = content_length(call.headers)?;
    let limit = call.service.limits.max_put_block;
    check_declared(length, limit)?;
    let declared_md5 = transactional_md5(call.headers)?;
    // UNCONFIRMED (notes B.3): a create-only SAS may stage blocks of a blob that does not
    // exist yet, since committing them would only create it.
    if !call.grant.write && call.current().await?.is_some() {
        return Err(BlobError::permission_mismatch());
    }

    let staged = receive(call, UploadTarget::Block(&id), body, length, limit).await?;
    verify_md5(declared_md5, staged.md5())?;
    call.store()
        .stage_block(call.container(), call.blob(), &id, staged)
        .await
        .map_err(|error| match error {
            StageBlockError::IdLengthMismatch => BlobError::invalid_blob_or_block(),
            StageBlockError::Io(error) => io_failure(&error),
        })?;
    let mut response = empty(StatusCode::CREATED);
    let headers = response.headers_mut();
    if let Some(md5) = declared_md5 {
        set(
            headers,
            HeaderName::from_static("content-md5"),
            &BASE64.encode(md5),
        );
    }
    set_static(headers, "x-ms-request-server-encrypted", "true");
    Ok(response)
}

pub(crate) async fn put_block_list(call: &Call<'_>, body: Body) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.create || call.grant.write)?;
    let length = content_length(call.headers)?;
    let declared_md5 = transactional_md5(call.headers)?;
    let properties = blob_properties(call.headers, PropertySource::BlockList)?;
    let conditions = call.conditions();
    let grant = call.grant.clone();
    write_allowed(&conditions, &grant, call.current().await?.as_ref())?;

    let xml = read_small(body, length, call.service.limits.max_block_list_body).await?;
    let computed: [u8; 16] = Md5::digest(&xml).into();
    verify_md5(declared_md5, computed)?;
    let items = parse_block_list(&xml)?;
    let meta = call
        .store()
        .commit_block_list(
            call.container(),
            call.blob(),
            items,
            properties,
            call.service.clock.now(),
            check(move |current| write_allowed(&conditions, &grant, current)),
        )
        .await
        .map_err(commit_failure)?;
    Ok(created(&meta, Some(&BASE64.encode(computed))))
}

pub(crate) async fn delete_blob(call: &Call<'_>) -> Result<Response, BlobError> {
    SasGrant::require(call.grant.delete)?;
    let conditions = call.conditions();
    let deleted = call
        .store()
        .delete(
            call.container(),
            call.blob(),
            check(move |current| conditions.check_write(current)),
        )
        .await
        .map_err(commit_failure)?;
    match deleted {
        Some(_) => Ok(empty(StatusCode::ACCEPTED)),
        None => Err(BlobError::blob_not_found()),
    }
}
