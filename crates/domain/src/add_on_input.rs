//! What the real service refuses in an add-on submission although its documentation allows
//! it (observed on the live API, notes "client behaviours"): `contentType` values other than
//! six, the draft default `NotSet` included, and PUT bodies echoing server-owned fields. Only
//! add-ons: app and flight submission PUTs are seen to ignore server-owned fields.

use serde_json::{Map, Value};
use storeroom_wire::devcenter::ContentType;

use crate::error::{DomainError, DomainResult};

/// The `contentType` values the real service accepts ("established by probing ~70
/// candidates"); the documented `NotDownloadableContent` and others are refused.
const ACCEPTED_CONTENT_TYPES: &[ContentType] = &[
    ContentType::OnlineDataStorage,
    ContentType::BookDownload,
    ContentType::MusicDownload,
    ContentType::MusicStream,
    ContentType::VideoDownload,
    ContentType::VideoStream,
];

/// Server-owned members of an add-on submission, in the order they are reported.
const SERVER_OWNED: &[&str] = &["id", "status", "statusDetails", "fileUploadUrl"];

/// 400 `InvalidParameterValue` (target `contentType`) unless the service accepts it; checked
/// before pricing, as the real service does.
pub fn ensure_accepted_content_type(content_type: ContentType) -> DomainResult<()> {
    if ACCEPTED_CONTENT_TYPES.contains(&content_type) {
        return Ok(());
    }
    let accepted: Vec<&str> = ACCEPTED_CONTENT_TYPES.iter().map(|c| c.as_str()).collect();
    Err(DomainError::invalid(
        format!(
            "'{content_type}' is not a valid contentType. Use {}.",
            accepted.join(", ")
        ),
        "contentType",
    ))
}

/// 400 naming the first server-owned member a PUT body carries (in any key case; an explicit
/// `null` counts as absent).
pub fn ensure_no_server_owned_fields(body: &Map<String, Value>) -> DomainResult<()> {
    let echoed = SERVER_OWNED.iter().find(|owned| {
        body.iter()
            .any(|(key, value)| key.eq_ignore_ascii_case(owned) && !value.is_null())
    });
    match echoed {
        Some(owned) => Err(DomainError::invalid(
            format!(
                "'{owned}' is set by the service and cannot be part of an in-app product submission update"
            ),
            *owned,
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_six_content_types_are_accepted() {
        assert!(ensure_accepted_content_type(ContentType::OnlineDataStorage).is_ok());
        assert!(ensure_accepted_content_type(ContentType::VideoStream).is_ok());
        for refused in [
            ContentType::NotSet,
            ContentType::EMagazine,
            ContentType::Asp,
        ] {
            match ensure_accepted_content_type(refused) {
                Err(DomainError::Invalid { target, .. }) => assert_eq!(target, "contentType"),
                other => panic!("{refused}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_first_server_owned_member_present_is_named() {
        let body = |value: Value| value.as_object().unwrap().clone();
        assert!(ensure_no_server_owned_fields(&body(json!({"tag": "x", "id": null}))).is_ok());
        match ensure_no_server_owned_fields(&body(
            json!({"FileUploadUrl": "u", "Status": "PendingCommit"}),
        )) {
            Err(DomainError::Invalid { target, .. }) => assert_eq!(target, "status"),
            other => panic!("{other:?}"),
        }
    }
}
