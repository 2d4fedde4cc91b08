//! The image probe (format and size from the first bytes), under each name it dispatches on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storeroom_ingest::images::read_image_info;

fuzz_target!(|data: &[u8]| {
    for name in ["a.png", "a.jpg", "a.gif", "a.bmp", "a.webp", "a.bin"] {
        let _ = read_image_info(name, &mut &data[..]);
    }
});
