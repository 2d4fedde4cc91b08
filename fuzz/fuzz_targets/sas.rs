//! The SAS parser and verifier: a query string checked as a blob request's SAS.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // "container/blob?query", or the whole input as the query.
    let (path, query) = text.split_once('?').unwrap_or(("ingestion/blob", text));
    let (container, blob) = path.split_once('/').unwrap_or((path, "blob"));
    let now = Utc.with_ymd_and_hms(2026, 7, 9, 12, 0, 0).unwrap();
    let _ = storeroom_server::blob::fuzz_sas(b"fuzzing key", query, container, blob, now);
});
