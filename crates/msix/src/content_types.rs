//! `[Content_Types].xml`: a content type per file extension, and the overrides of the
//! manifest and the block map.

use crate::xml_escape;

/// The content types of a package (or bundle) holding `paths`, whose block map and
/// manifest (when it has one in the package root) are at the given part names.
pub fn content_types_xml(paths: &[&str], block_map: &str, manifest: Option<&str>) -> String {
    let mut extensions: Vec<String> = paths
        .iter()
        .filter_map(|path| Some(path.rsplit_once('.')?.1.to_ascii_lowercase()))
        .collect();
    extensions.sort();
    extensions.dedup();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\n",
    );
    for extension in extensions {
        let content_type = match extension.as_str() {
            "exe" | "dll" => "application/x-msdownload",
            "png" => "image/png",
            "msix" | "appx" => "application/vnd.ms-appx",
            "xml" => "application/vnd.ms-appx.manifest+xml",
            _ => "application/octet-stream",
        };
        xml += &format!(
            "  <Default Extension=\"{}\" ContentType=\"{content_type}\" />\n",
            xml_escape(&extension)
        );
    }
    if let Some(manifest) = manifest {
        xml += &format!(
            "  <Override PartName=\"{manifest}\" ContentType=\"application/vnd.ms-appx.manifest+xml\" />\n"
        );
    }
    xml += &format!(
        "  <Override PartName=\"{block_map}\" ContentType=\"application/vnd.ms-appx.blockmap+xml\" />\n"
    );
    xml += "</Types>\n";
    xml
}
