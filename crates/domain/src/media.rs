//! Image rules of Store listings: the sizes each `imageType` must have (Partner Center's
//! screenshot and image requirements). Only the image header is needed to check them.

use storeroom_wire::devcenter::ImageType;

/// What the pipeline read from an image's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFacts {
    pub is_png: bool,
    pub width: u32,
    pub height: u32,
}

/// The sizes an image type accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeRule {
    /// Landscape or portrait, between these two sizes (long × short side).
    Between { min: (u32, u32), max: (u32, u32) },
    /// Exactly one of these sizes.
    OneOf(&'static [(u32, u32)]),
    /// No size rule (legacy types).
    Any,
}

pub const MAX_SCREENSHOTS_PER_TYPE: usize = 10;

/// The rule for listing images of `image_type`.
pub fn size_rule(image_type: ImageType) -> SizeRule {
    use ImageType::*;
    const SCREENSHOT: SizeRule = SizeRule::Between {
        min: (1366, 768),
        max: (3840, 2160),
    };
    match image_type {
        Screenshot | XboxScreenshot | SurfaceHubScreenshot | HoloLensScreenshot => SCREENSHOT,
        Icon => SizeRule::OneOf(&[(300, 300)]),
        StoreLogo9x16 => SizeRule::OneOf(&[(720, 1080), (1440, 2160)]),
        StoreLogoSquare | XboxFeaturedPromotionalArt => {
            SizeRule::OneOf(&[(1080, 1080), (2160, 2160)])
        }
        PromotionalArt16x9 | XboxTitledHeroArt => SizeRule::OneOf(&[(1920, 1080), (3840, 2160)]),
        XboxBrandedKeyArt => SizeRule::OneOf(&[(584, 800)]),
        SquareIcon358X358 => SizeRule::OneOf(&[(358, 358)]),
        BackgroundImage1000X800 => SizeRule::OneOf(&[(1000, 800)]),
        PromotionalArtwork414X180 => SizeRule::OneOf(&[(414, 180)]),
        PromotionalArtwork2400X1200 => SizeRule::OneOf(&[(2400, 1200)]),
        PromotionalArtwork846X468 => SizeRule::OneOf(&[(846, 468)]),
        PromotionalArtwork558X756 => SizeRule::OneOf(&[(558, 756)]),
        PromotionalArtwork414X468 => SizeRule::OneOf(&[(414, 468)]),
        PromotionalArtwork558X558 => SizeRule::OneOf(&[(558, 558)]),
        WideIcon358X173 => SizeRule::OneOf(&[(358, 173)]),
        MobileScreenshot | Unknown => SizeRule::Any,
    }
}

fn describe(sizes: &[(u32, u32)]) -> String {
    sizes
        .iter()
        .map(|(w, h)| format!("{w}x{h}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Why an image breaks its type's rules, or None when it is fine.
pub fn image_problem(file_name: &str, image_type: ImageType, facts: ImageFacts) -> Option<String> {
    if !facts.is_png {
        return Some(format!(
            "{file_name}: a {image_type} image must be a PNG file"
        ));
    }
    let (w, h) = (facts.width, facts.height);
    match size_rule(image_type) {
        SizeRule::Any => None,
        SizeRule::OneOf(sizes) => (!sizes.contains(&(w, h))).then(|| {
            format!(
                "{file_name}: a {image_type} image must be {} pixels, not {w}x{h}",
                describe(sizes)
            )
        }),
        SizeRule::Between { min, max } => {
            let (long, short) = (w.max(h), w.min(h));
            let fits = long >= min.0 && short >= min.1 && long <= max.0 && short <= max.1;
            (!fits).then(|| {
                format!(
                    "{file_name}: a {image_type} image must be at least {}x{} and at most {}x{} pixels (landscape or portrait), not {w}x{h}",
                    min.0, min.1, max.0, max.1
                )
            })
        }
    }
}

/// What an image of a submission is for, which decides its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageRequirement {
    Listing(ImageType),
    TrailerThumbnail,
    /// Add-on icons: 300×300 PNG.
    AddOnIcon,
}

/// Why an image breaks the rules of what it is for.
pub fn requirement_problem(
    file_name: &str,
    requirement: ImageRequirement,
    facts: ImageFacts,
) -> Option<String> {
    match requirement {
        ImageRequirement::Listing(image_type) => image_problem(file_name, image_type, facts),
        ImageRequirement::TrailerThumbnail => thumbnail_problem(file_name, facts),
        ImageRequirement::AddOnIcon => image_problem(file_name, ImageType::Icon, facts),
    }
}

/// Trailer thumbnails: 1920×1080 PNG.
pub fn thumbnail_problem(file_name: &str, facts: ImageFacts) -> Option<String> {
    if facts.is_png && (facts.width, facts.height) == (1920, 1080) {
        None
    } else {
        Some(format!(
            "{file_name}: a trailer thumbnail must be a 1920x1080 PNG, not a {}x{} {}",
            facts.width,
            facts.height,
            if facts.is_png { "PNG" } else { "non-PNG image" }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> ImageFacts {
        ImageFacts {
            is_png: true,
            width,
            height,
        }
    }

    #[test]
    fn screenshots_between_limits_either_orientation() {
        assert_eq!(
            image_problem("a.png", ImageType::Screenshot, png(1366, 768)),
            None
        );
        assert_eq!(
            image_problem("a.png", ImageType::Screenshot, png(768, 1366)),
            None
        );
        assert_eq!(
            image_problem("a.png", ImageType::Screenshot, png(3840, 2160)),
            None
        );
        assert!(
            image_problem("a.png", ImageType::Screenshot, png(1280, 720))
                .unwrap()
                .contains("a.png")
        );
        assert!(image_problem("a.png", ImageType::Screenshot, png(4000, 2160)).is_some());
        let jpeg = ImageFacts {
            is_png: false,
            width: 1920,
            height: 1080,
        };
        assert!(
            image_problem("a.jpg", ImageType::Screenshot, jpeg)
                .unwrap()
                .contains("PNG")
        );
    }

    #[test]
    fn fixed_sizes() {
        assert_eq!(image_problem("i.png", ImageType::Icon, png(300, 300)), None);
        assert!(
            image_problem("i.png", ImageType::Icon, png(310, 310))
                .unwrap()
                .contains("300x300")
        );
        assert_eq!(
            image_problem("l.png", ImageType::StoreLogo9x16, png(1440, 2160)),
            None
        );
        assert!(image_problem("l.png", ImageType::StoreLogo9x16, png(1080, 1920)).is_some());
        assert_eq!(
            image_problem("k.png", ImageType::XboxBrandedKeyArt, png(584, 800)),
            None
        );
        assert_eq!(
            image_problem("s.png", ImageType::SquareIcon358X358, png(358, 358)),
            None
        );
        assert_eq!(thumbnail_problem("t.png", png(1920, 1080)), None);
        assert!(thumbnail_problem("t.png", png(1280, 720)).is_some());
    }
}
