//! The upload inspection: the submission ZIP and every archive nested in it, seekable and
//! streamed, with the limits scaled down so that one input costs milliseconds.
#![no_main]

use std::io;

use libfuzzer_sys::fuzz_target;
use storeroom_ingest::{ArchiveLimits, InspectionRequest, inspect_submission};
use storeroom_storage::blobs::ReadAt;

struct Bytes<'a>(&'a [u8]);

impl ReadAt for Bytes<'_> {
    fn size(&self) -> io::Result<u64> {
        Ok(self.0.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let count = buf.len().min(self.0.len() - start);
        buf[..count].copy_from_slice(&self.0[start..start + count]);
        Ok(count)
    }
}

fuzz_target!(|data: &[u8]| {
    // The names the fixtures corpus uses, one of each kind.
    let request = InspectionRequest {
        packages: vec![
            "App.msix".into(),
            "App.msixbundle".into(),
            "App.msixupload".into(),
        ],
        images: vec!["Screenshot.png".into()],
        other_files: vec!["readme.txt".into()],
    };
    let limits = ArchiveLimits {
        max_entries: 1_000,
        max_total_uncompressed: 32 << 20,
        max_compression_ratio: 100,
        max_manifest_bytes: 1 << 20,
        max_nesting: 3,
    };
    let _ = inspect_submission(Bytes(data), &request, &limits);
});
