//! Listing images and trailer thumbnails: format and dimensions from the first bytes only.

use std::io::Read;

/// Bytes read from the start of an image. PNG dimensions sit in the first 24 bytes; a JPEG's
/// frame header follows its metadata segments, which rarely exceed a few tens of KiB.
pub const IMAGE_HEADER_BYTES: u64 = 256 << 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    /// Another format the header reader recognises (GIF, BMP, WebP).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub file_name: String,
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Reads the header of `file_name` from `data`. The error says why the image is unreadable.
pub fn read_image_info(file_name: &str, data: &mut dyn Read) -> Result<ImageInfo, String> {
    let mut header = Vec::new();
    data.take(IMAGE_HEADER_BYTES)
        .read_to_end(&mut header)
        .map_err(|err| format!("could not be read: {err}"))?;
    image_info(file_name, &header)
}

/// The same, from bytes already in memory.
pub fn image_info(file_name: &str, header: &[u8]) -> Result<ImageInfo, String> {
    let kind = imagesize::image_type(header)
        .map_err(|_| "is not a PNG, JPEG or other recognised image".to_string())?;
    let format = match kind {
        imagesize::ImageType::Png => ImageFormat::Png,
        imagesize::ImageType::Jpeg => ImageFormat::Jpeg,
        _ => ImageFormat::Other,
    };
    let size = imagesize::blob_size(header).map_err(|_| {
        format!("has no readable dimensions in its first {IMAGE_HEADER_BYTES} bytes")
    })?;
    let dimension = |value: usize| u32::try_from(value).ok().filter(|value| *value > 0);
    match (dimension(size.width), dimension(size.height)) {
        (Some(width), Some(height)) => Ok(ImageInfo {
            file_name: file_name.to_string(),
            format,
            width,
            height,
        }),
        _ => Err(format!(
            "has invalid dimensions {}x{}",
            size.width, size.height
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storeroom_testkit::fixtures;

    #[test]
    fn reads_png_dimensions() {
        let png = fixtures::png(1366, 768);
        let info = read_image_info("shot.png", &mut png.as_slice()).unwrap();
        assert_eq!(
            info,
            ImageInfo {
                file_name: "shot.png".into(),
                format: ImageFormat::Png,
                width: 1366,
                height: 768
            }
        );
    }

    #[test]
    fn reads_jpeg_dimensions() {
        let jpeg = fixtures::jpeg(1920, 1080);
        let info = read_image_info("shot.jpg", &mut jpeg.as_slice()).unwrap();
        assert_eq!(info.format, ImageFormat::Jpeg);
        assert_eq!((info.width, info.height), (1920, 1080));
    }

    #[test]
    fn other_formats_are_recognised() {
        let gif = b"GIF89a\x10\x00\x20\x00\x00\x00\x00;";
        let info = image_info("a.gif", gif).unwrap();
        assert_eq!(info.format, ImageFormat::Other);
        assert_eq!((info.width, info.height), (16, 32));
    }

    #[test]
    fn unreadable_images_are_refused() {
        let err = image_info("a.png", b"this is text").unwrap_err();
        assert!(err.contains("not a PNG"), "{err}");
        let png = fixtures::png(10, 10);
        let err = image_info("a.png", &png[..12]).unwrap_err();
        assert!(!err.is_empty());
        let mut zero = png.clone();
        zero[16..20].copy_from_slice(&[0, 0, 0, 0]);
        assert!(image_info("a.png", &zero).is_err());
    }
}
