//! The AppxManifest.xml and AppxBundleManifest.xml parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storeroom_ingest::manifest::{parse_bundle_manifest, parse_package_manifest};

fuzz_target!(|data: &[u8]| {
    let _ = parse_package_manifest(data);
    let _ = parse_bundle_manifest(data);
});
