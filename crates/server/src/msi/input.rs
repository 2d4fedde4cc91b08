//! Reading requests of the MSI/EXE API: query filters and JSON bodies, each failure
//! answered in the API's envelope (path ids are decoded with the operation: `operation`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use storeroom_wire::lenient::{self, InputError};
use storeroom_wire::msi::{ListingPatch, codes};

use super::envelope::MsiFailure;

/// A query parameter by name, ignoring the name's case.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.into_owned())
}

/// Most languages a `languages` filter may name.
const LANGUAGE_FILTER_MAX: usize = 200;

/// The `languages` filter: comma-separated codes, or None for every language.
pub fn languages_filter(query: Option<&str>) -> Result<Option<Vec<String>>, MsiFailure> {
    let Some(value) = query_param(query, "languages") else {
        return Ok(None);
    };
    let codes: Vec<String> = value
        .split(',')
        .map(|code| code.trim().to_ascii_lowercase())
        .filter(|code| !code.is_empty())
        .collect();
    if codes.len() > LANGUAGE_FILTER_MAX {
        return Err(MsiFailure::bad_request(
            format!(
                "languages names {} languages; the limit is {LANGUAGE_FILTER_MAX}",
                codes.len()
            ),
            "languages",
        ));
    }
    Ok((!codes.is_empty()).then_some(codes))
}

/// Whether a language passes the filter.
pub fn selected(filter: &Option<Vec<String>>, language: &str) -> bool {
    filter
        .as_ref()
        .is_none_or(|codes| codes.iter().any(|c| c.eq_ignore_ascii_case(language)))
}

/// The JSON body as `T`, read leniently.
pub fn json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, MsiFailure> {
    let bytes = body.map_err(rejected)?;
    lenient::from_slice(&bytes).map_err(invalid_input)
}

fn rejected(rejection: BytesRejection) -> MsiFailure {
    let status = rejection.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        codes::REQUEST_TOO_LARGE
    } else {
        codes::BAD_REQUEST
    };
    let mut failure = MsiFailure::new(status, code, rejection.body_text(), "request");
    failure.close = true;
    failure
}

/// A body that is not the JSON expected. Its first path segment is the module it is about.
/// The connection is closed: a body cut short by a `Content-Length` smaller than its UTF-8
/// length leaves its last bytes unread on the connection.
fn invalid_input(err: InputError) -> MsiFailure {
    let target = err
        .path
        .split(['.', '['])
        .next()
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .unwrap_or("request")
        .to_string();
    let mut failure = MsiFailure::bad_request(err.to_string(), &target);
    failure.close = true;
    failure
}

/// The `listings` of a metadata update: one listing object, or an array of them.
pub fn listing_patches(value: Option<Value>) -> Result<Vec<ListingPatch>, MsiFailure> {
    let read = |value: Value, path: String| {
        lenient::from_value::<ListingPatch>(value).map_err(|err| {
            MsiFailure::bad_request(
                InputError {
                    path: if err.path.is_empty() || err.path == "." {
                        path.clone()
                    } else {
                        format!("{path}.{}", err.path)
                    },
                    message: err.message,
                }
                .to_string(),
                "listings",
            )
        })
    };
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| read(item, format!("listings[{i}]")))
            .collect(),
        Some(item) => Ok(vec![read(item, "listings".into())?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_listings() {
        let filter = languages_filter(Some("languages=en-US,%20fr-fr&x=1")).unwrap();
        assert_eq!(filter, Some(vec!["en-us".into(), "fr-fr".into()]));
        assert!(selected(&filter, "EN-us"));
        assert!(!selected(&filter, "de-de"));
        assert!(selected(&None, "de-de"));
        assert_eq!(
            query_param(Some("IncludeLanguageList=true"), "includelanguagelist").as_deref(),
            Some("true")
        );
        let many = (0..201)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(languages_filter(Some(&format!("languages={many}"))).is_err());

        let one = listing_patches(Some(serde_json::json!({"Language": "en-us"}))).unwrap();
        assert_eq!(one[0].language.as_deref(), Some("en-us"));
        let err = listing_patches(Some(serde_json::json!([{"language": 5}]))).unwrap_err();
        assert_eq!(err.errors[0].target, "listings");
        assert!(err.errors[0].message.contains("listings[0].language"));
    }
}
