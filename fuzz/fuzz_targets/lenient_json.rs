//! The lenient JSON reader, into the request types the devcenter API reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storeroom_wire::devcenter::{
    AppSubmissionContent, FlightSubmissionContent, InAppProductSubmissionContent,
};
use storeroom_wire::lenient::from_slice;

fuzz_target!(|data: &[u8]| {
    let _ = from_slice::<serde_json::Value>(data);
    let _ = from_slice::<AppSubmissionContent>(data);
    let _ = from_slice::<FlightSubmissionContent>(data);
    let _ = from_slice::<InAppProductSubmissionContent>(data);
});
