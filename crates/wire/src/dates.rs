//! ISO 8601 dates as the devcenter API writes and reads them.
//!
//! Output keeps the two spellings seen in real responses: `1601-01-01T00:00:00Z` (publish
//! dates) and `1601-01-01T00:00:00.0000000Z` (seven fractional digits, delivery options).
//! Input accepts any RFC 3339 time, a time without zone (taken as UTC), a bare date, and the
//! empty string (the "unset" sentinel, as flight samples send it).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The devcenter "unset" date.
pub fn sentinel() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1601, 1, 1, 0, 0, 0)
        .single()
        .expect("valid constant date")
}

pub fn is_sentinel(date: &DateTime<Utc>) -> bool {
    *date == sentinel()
}

/// Parses the date spellings clients send.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(sentinel());
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| Utc.from_utc_datetime(&naive))
}

/// `2016-06-17T18:32:26Z`
pub fn format_seconds(date: &DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2016-06-17T18:32:26.1234567Z`
pub fn format_seven(date: &DateTime<Utc>) -> String {
    // chrono has no seven-digit fraction specifier: .NET's "o" format writes 100 ns ticks.
    format!(
        "{}.{:07}Z",
        date.format("%Y-%m-%dT%H:%M:%S"),
        date.timestamp_subsec_nanos() / 100
    )
}

macro_rules! date_serde {
    ($name:ident, $format:path) => {
        pub mod $name {
            use chrono::{DateTime, Utc};
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(date: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&$format(date))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
                let text = String::deserialize(d)?;
                super::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("'{text}' is not a valid ISO 8601 date"))
                })
            }
        }
    };
}

date_serde!(seconds, super::format_seconds);
date_serde!(seven, super::format_seven);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_spellings() {
        let expected = Utc.with_ymd_and_hms(2026, 5, 1, 12, 30, 0).unwrap();
        for text in [
            "2026-05-01T12:30:00Z",
            "2026-05-01T12:30:00.0000000Z",
            "2026-05-01T14:30:00+02:00",
            "2026-05-01T12:30:00",
            "2026-05-01T12:30",
        ] {
            assert_eq!(parse(text), Some(expected), "{text}");
        }
        assert_eq!(parse(""), Some(sentinel()));
        assert_eq!(
            parse("2026-05-01").unwrap().format("%F").to_string(),
            "2026-05-01"
        );
        assert_eq!(parse("next tuesday"), None);
    }

    #[test]
    fn formats_both_spellings() {
        assert_eq!(format_seconds(&sentinel()), "1601-01-01T00:00:00Z");
        assert_eq!(format_seven(&sentinel()), "1601-01-01T00:00:00.0000000Z");
    }
}
