//! Conditional headers (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`): writes fail with 412 (409 BlobAlreadyExists for
//! `If-None-Match: *`, which SDKs send for `overwrite=False`), reads with 412 or 304.

use axum::http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, SubsecRound, Utc};
use storeroom_storage::blobs::BlobMeta;

use super::error::BlobError;

#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    if_match: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<DateTime<Utc>>,
    if_unmodified_since: Option<DateTime<Utc>>,
}

impl Conditions {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        };
        // Unparseable dates are ignored, as HTTP asks.
        let date = |name| {
            text(name).and_then(|v| {
                DateTime::parse_from_rfc2822(&v)
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            })
        };
        Self {
            if_match: text(IF_MATCH),
            if_none_match: text(IF_NONE_MATCH),
            if_modified_since: date(IF_MODIFIED_SINCE),
            if_unmodified_since: date(IF_UNMODIFIED_SINCE),
        }
    }

    pub fn check_write(&self, current: Option<&BlobMeta>) -> Result<(), BlobError> {
        let failed = || BlobError::condition_not_met(StatusCode::PRECONDITION_FAILED);
        let Some(meta) = current else {
            return match self.if_match {
                Some(_) => Err(failed()),
                None => Ok(()),
            };
        };
        if let Some(list) = &self.if_match
            && !etag_listed(list, &meta.etag)
        {
            return Err(failed());
        }
        if let Some(list) = &self.if_none_match {
            if list == "*" {
                return Err(BlobError::blob_already_exists());
            }
            if etag_listed(list, &meta.etag) {
                return Err(failed());
            }
        }
        let modified = meta.last_modified.trunc_subsecs(0);
        if self
            .if_modified_since
            .is_some_and(|since| modified <= since)
            || self
                .if_unmodified_since
                .is_some_and(|since| modified > since)
        {
            return Err(failed());
        }
        Ok(())
    }

    pub fn check_read(&self, meta: &BlobMeta) -> Result<(), BlobError> {
        let modified = meta.last_modified.trunc_subsecs(0);
        if self
            .if_match
            .as_deref()
            .is_some_and(|list| !etag_listed(list, &meta.etag))
            || self
                .if_unmodified_since
                .is_some_and(|since| modified > since)
        {
            return Err(BlobError::condition_not_met(
                StatusCode::PRECONDITION_FAILED,
            ));
        }
        if self
            .if_none_match
            .as_deref()
            .is_some_and(|list| etag_listed(list, &meta.etag))
            || self
                .if_modified_since
                .is_some_and(|since| modified <= since)
        {
            return Err(BlobError::condition_not_met(StatusCode::NOT_MODIFIED));
        }
        Ok(())
    }
}

/// `*`, or a comma-separated list of (possibly weak) quoted ETags.
fn etag_listed(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}
