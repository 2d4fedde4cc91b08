//! The Partner Center ingestion API's wire formats (partner-ingestion.md): its models as
//! tables ([`schema`], [`models`]), ETags, timestamps and the error body.

pub mod models;
pub mod schema;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// An ETag as the service writes it, quotes included (§2.2): a hex counter that changes on
/// every write, then the write's Unix time in hex.
pub fn etag(counter: u32, at: DateTime<Utc>) -> String {
    let seconds = u32::try_from(at.timestamp().max(0)).unwrap_or(u32::MAX);
    format!("\"{counter:08x}-0000-0800-0000-{seconds:08x}0000\"")
}

/// Whether an `If-Match` value names `current` (`*`, or the value with or without quotes
/// and a `W/` prefix).
pub fn if_match(sent: &str, current: &str) -> bool {
    let bare = |text: &str| {
        let text = text.trim();
        let text = text.strip_prefix("W/").unwrap_or(text);
        text.trim_matches('"').to_string()
    };
    sent.split(',')
        .any(|one| one.trim() == "*" || bare(one) == bare(current))
}

/// Workflow timestamps: seven fractional digits and no zone (`2022-08-04T10:37:37.4038218`).
pub fn workflow_time(at: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}",
        at.format("%Y-%m-%dT%H:%M:%S"),
        at.timestamp_subsec_nanos() / 100
    )
}

/// `publishedTimeInUtc`: seven fractional digits and a `Z`; `1601-01-01T00:00:00Z` until live.
pub fn published_time(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => format!("{}Z", workflow_time(at)),
        None => "1601-01-01T00:00:00Z".into(),
    }
}

/// The text of a service error (§1.6): `ICH<faultCode> - Unable to complete request. <json>`,
/// sent as a JSON string literal. `data` maps PascalCase field names to messages.
pub fn error_text(
    status: u16,
    reason: &str,
    correlation_id: &str,
    operation_id: &str,
    data: &Map<String, Value>,
) -> String {
    let fault = 50_000 + u32::from(status);
    let inner = serde_json::json!({
        "faultCode": fault,
        "reasonPhrase": reason,
        "correlationId": correlation_id,
        "operationId": operation_id,
        "data": data,
    });
    format!("ICH{fault} - Unable to complete request. {inner}")
}

/// A field path in the ASP.NET model-state spelling of `data` keys (`FeatureName`).
pub fn pascal(field: &str) -> String {
    let mut chars = field.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn etags_and_times() {
        let at = Utc.timestamp_opt(0x65a0_3f8d, 0).unwrap();
        assert_eq!(
            etag(0x4800_990d, at),
            "\"4800990d-0000-0800-0000-65a03f8d0000\""
        );
        assert!(if_match("*", "\"a\""));
        assert!(if_match("W/\"a\"", "\"a\""));
        assert!(if_match("a", "\"a\""));
        assert!(!if_match("\"b\"", "\"a\""));
        let at = Utc.with_ymd_and_hms(2022, 8, 4, 10, 37, 37).unwrap();
        assert_eq!(workflow_time(at), "2022-08-04T10:37:37.0000000");
        assert_eq!(published_time(Some(at)), "2022-08-04T10:37:37.0000000Z");
        let text = error_text(400, "Request validation failed.", "c", "o", &Map::new());
        assert!(text.starts_with("ICH50400 - Unable to complete request. {"));
    }
}
