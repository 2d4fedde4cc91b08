//! PNG images for logos and listings, encoded here so no image library is needed.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// A valid RGB PNG of `width` × `height` (a gradient), with correct CRCs and zlib data.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(kind);
        hasher.update(data);
        out.extend_from_slice(&hasher.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &header);
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    let mut row = vec![0u8; 1 + 3 * width as usize];
    for y in 0..height {
        for x in 0..width as usize {
            row[1 + 3 * x] = (x % 256) as u8;
            row[2 + 3 * x] = (y % 256) as u8;
            row[3 + 3 * x] = 128;
        }
        encoder.write_all(&row).expect("writing to memory");
    }
    chunk(
        &mut out,
        b"IDAT",
        &encoder.finish().expect("writing to memory"),
    );
    chunk(&mut out, b"IEND", &[]);
    out
}
