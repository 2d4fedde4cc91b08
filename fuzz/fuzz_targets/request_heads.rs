//! The request-head guard in front of hyper: whatever a client sends, hyper is handed the
//! client's own bytes, or, once a head is refused, a single stand-in request; never more.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The stand-in request is at most this long (its mark is 32 hex digits).
const STAND_IN_MAX: usize = 160;

fuzz_target!(|data: &[u8]| {
    let read = storeroom_server::listen::heads::fuzz_request_heads(data);
    assert!(read.len() <= data.len() + STAND_IN_MAX, "{} from {}", read.len(), data.len());
    assert!(
        read.windows(19).filter(|w| w == b"x-storeroom-refused").count() <= 1
            || data.windows(19).any(|w| w.eq_ignore_ascii_case(b"x-storeroom-refused")),
        "more than one stand-in"
    );
});
