//! `AppxManifest.xml` and `AppxBundleManifest.xml`: the fields the Store copies onto a
//! submission's package entries.
//!
//! Elements are matched on their local names, so `Capability`, `uap:Capability` and
//! `rescap:Capability` are alike whatever prefix a manifest binds to which namespace.
//! Attributes are matched only when unprefixed, as the schemas declare them.

use std::fmt;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// What a package's manifest says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageManifest {
    pub identity_name: String,
    pub publisher: String,
    pub version: String,
    /// As the Store shows it: `x86`, `x64`, `arm`, `arm64`, `x86a64` or `neutral`.
    pub architecture: String,
    pub languages: Vec<String>,
    pub capabilities: Vec<String>,
    pub target_device_families: Vec<TargetDeviceFamily>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDeviceFamily {
    pub name: String,
    pub min_version: String,
}

impl TargetDeviceFamily {
    /// The form of `applicationPackages[].targetDeviceFamilies`:
    /// `Windows.Desktop min version 10.0.17763.0`.
    pub fn display(&self) -> String {
        format!("{} min version {}", self.name, self.min_version)
    }
}

/// What a bundle's manifest says about the packages it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleManifest {
    pub identity_name: String,
    pub publisher: String,
    pub version: String,
    pub packages: Vec<BundlePackage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundlePackageType {
    Application,
    Resource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundlePackage {
    pub package_type: BundlePackageType,
    pub version: String,
    /// `neutral` when the manifest gives none, as for resource packages.
    pub architecture: String,
    /// The package's path inside the bundle.
    pub file_name: String,
    pub resource_id: Option<String>,
    pub languages: Vec<String>,
}

/// Why a manifest was refused: the field (an XPath-like `Identity@Version`) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub field: String,
    pub problem: String,
}

impl ManifestError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for ManifestError {}

/// The architectures a manifest may declare, lower-cased as the Store shows them.
const ARCHITECTURES: [&str; 6] = ["x86", "x64", "arm", "arm64", "x86a64", "neutral"];

/// Parses an `AppxManifest.xml`.
pub fn parse_package_manifest(xml: &[u8]) -> Result<PackageManifest, ManifestError> {
    let mut identity = None;
    let mut languages = Vec::new();
    let mut capabilities = Vec::new();
    let mut families = Vec::new();
    walk(xml, "Package", |path, element| {
        match path {
            [_, "Identity"] => identity = Some(Identity::read(element, "Identity", true)?),
            [_, "Resources", "Resource"] => {
                // Scale and DXFeatureLevel resources carry no language.
                if let Some(language) = attribute(element, "Language", "Resources/Resource")? {
                    push_unique(&mut languages, language);
                }
            }
            [_, "Capabilities", kind] => {
                let field = format!("Capabilities/{kind}");
                let name = required(element, "Name", &field)?;
                push_unique(&mut capabilities, name);
            }
            [_, "Dependencies", "TargetDeviceFamily"] => {
                let field = "Dependencies/TargetDeviceFamily";
                families.push(TargetDeviceFamily {
                    name: required(element, "Name", field)?,
                    min_version: version(element, "MinVersion", field)?,
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    let identity = identity.ok_or_else(|| ManifestError::new("Identity", "element is missing"))?;
    Ok(PackageManifest {
        identity_name: identity.name,
        publisher: identity.publisher,
        version: identity.version,
        architecture: identity.architecture,
        languages,
        capabilities,
        target_device_families: families,
    })
}

/// Parses an `AppxMetadata/AppxBundleManifest.xml`.
pub fn parse_bundle_manifest(xml: &[u8]) -> Result<BundleManifest, ManifestError> {
    let mut identity = None;
    let mut packages: Vec<BundlePackage> = Vec::new();
    walk(xml, "Bundle", |path, element| {
        match path {
            [_, "Identity"] => identity = Some(Identity::read(element, "Identity", false)?),
            [_, "Packages", "Package"] => packages.push(bundle_package(element)?),
            [_, "Packages", "Package", "Resources", "Resource"] => {
                let field = "Packages/Package/Resources/Resource";
                if let (Some(package), Some(language)) =
                    (packages.last_mut(), attribute(element, "Language", field)?)
                {
                    push_unique(&mut package.languages, language);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let identity = identity.ok_or_else(|| ManifestError::new("Identity", "element is missing"))?;
    Ok(BundleManifest {
        identity_name: identity.name,
        publisher: identity.publisher,
        version: identity.version,
        packages,
    })
}

struct Identity {
    name: String,
    publisher: String,
    version: String,
    architecture: String,
}

impl Identity {
    fn read(element: &BytesStart, field: &str, with_arch: bool) -> Result<Self, ManifestError> {
        let architecture = if with_arch {
            architecture(element, "ProcessorArchitecture", field)?
        } else {
            "neutral".into()
        };
        Ok(Self {
            name: required(element, "Name", field)?,
            publisher: required(element, "Publisher", field)?,
            version: version(element, "Version", field)?,
            architecture,
        })
    }
}

fn bundle_package(element: &BytesStart) -> Result<BundlePackage, ManifestError> {
    let field = "Packages/Package";
    let package_type = match attribute(element, "Type", field)?.as_deref() {
        None | Some("application") => BundlePackageType::Application,
        Some("resource") => BundlePackageType::Resource,
        Some(other) => {
            return Err(ManifestError::new(
                format!("{field}@Type"),
                format!("'{other}' is neither 'application' nor 'resource'"),
            ));
        }
    };
    Ok(BundlePackage {
        package_type,
        version: version(element, "Version", field)?,
        architecture: architecture(element, "Architecture", field)?,
        file_name: required(element, "FileName", field)?,
        resource_id: attribute(element, "ResourceId", field)?,
        languages: Vec::new(),
    })
}

/// Streams the elements of a manifest whose root is `root`, handing each one with the local
/// names of its ancestors and itself.
fn walk(
    xml: &[u8],
    root: &str,
    mut on_element: impl FnMut(&[&str], &BytesStart) -> Result<(), ManifestError>,
) -> Result<(), ManifestError> {
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    let text = std::str::from_utf8(xml).map_err(|err| {
        ManifestError::new(
            "document",
            format!("is not UTF-8 (invalid byte at {})", err.valid_up_to()),
        )
    })?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|err| {
            ManifestError::new(
                "document",
                format!(
                    "is not well-formed XML at byte {}: {err}",
                    reader.error_position()
                ),
            )
        })?;
        let (element, empty) = match event {
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = element.local_name().as_ref().to_string();
        if stack.is_empty() {
            if seen_root || name != root {
                return Err(ManifestError::new(
                    "document",
                    format!("root element is '{name}', expected a single '{root}'"),
                ));
            }
            seen_root = true;
        }
        stack.push(name);
        let path: Vec<&str> = stack.iter().map(String::as_str).collect();
        on_element(&path, &element)?;
        if empty {
            stack.pop();
        }
    }
    if !seen_root {
        return Err(ManifestError::new(
            "document",
            format!("has no '{root}' element"),
        ));
    }
    if let Some(open) = stack.last() {
        return Err(ManifestError::new(
            "document",
            format!("ends before element '{open}' is closed"),
        ));
    }
    Ok(())
}

fn attribute(
    element: &BytesStart,
    name: &str,
    field: &str,
) -> Result<Option<String>, ManifestError> {
    for attr in element.attributes() {
        let attr =
            attr.map_err(|err| ManifestError::new(field, format!("bad attribute: {err}")))?;
        if attr.key.prefix().is_none() && attr.key.local_name().as_ref() == name {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| ManifestError::new(format!("{field}@{name}"), err.to_string()))?;
            return Ok(Some(value.trim().to_string()));
        }
    }
    Ok(None)
}

fn required(element: &BytesStart, name: &str, field: &str) -> Result<String, ManifestError> {
    match attribute(element, name, field)? {
        Some(value) if !value.is_empty() => Ok(value),
        Some(_) => Err(ManifestError::new(format!("{field}@{name}"), "is empty")),
        None => Err(ManifestError::new(format!("{field}@{name}"), "is missing")),
    }
}

/// A four-part version, each part 0..=65535, as package identities require.
fn version(element: &BytesStart, name: &str, field: &str) -> Result<String, ManifestError> {
    let value = required(element, name, field)?;
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() != 4 || parts.iter().any(|part| part.parse::<u16>().is_err()) {
        return Err(ManifestError::new(
            format!("{field}@{name}"),
            format!("'{value}' is not a version of four numbers 0-65535"),
        ));
    }
    Ok(value)
}

fn architecture(element: &BytesStart, name: &str, field: &str) -> Result<String, ManifestError> {
    let Some(value) = attribute(element, name, field)? else {
        return Ok("neutral".into());
    };
    let lower = value.to_ascii_lowercase();
    if ARCHITECTURES.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(ManifestError::new(
            format!("{field}@{name}"),
            format!("'{value}' is not one of {}", ARCHITECTURES.join(", ")),
        ))
    }
}

fn push_unique(values: &mut Vec<String>, value: String) {
    if !values
        .iter()
        .any(|known| known.eq_ignore_ascii_case(&value))
    {
        values.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
  xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10"
  xmlns:uap10="http://schemas.microsoft.com/appx/manifest/uap/windows10/10"
  xmlns:rescap="http://schemas.microsoft.com/appx/manifest/foundation/windows10/restrictedcapabilities"
  xmlns:desktop="http://schemas.microsoft.com/appx/manifest/desktop/windows10"
  IgnorableNamespaces="uap uap10 rescap desktop">
  <Identity Name="Contoso.Reader" Publisher="CN=Contoso &amp; Co" Version="1.2.3.0" ProcessorArchitecture="X64" />
  <Properties><DisplayName>Reader</DisplayName><Logo>Assets\StoreLogo.png</Logo></Properties>
  <Dependencies>
    <TargetDeviceFamily Name="Windows.Desktop" MinVersion="10.0.17763.0" MaxVersionTested="10.0.22621.0" />
    <TargetDeviceFamily Name="Windows.Universal" MinVersion="10.0.10240.0" MaxVersionTested="10.0.22621.0" />
  </Dependencies>
  <Resources><Resource Language="en-US" /><Resource Language="fr-FR" /><Resource uap:Scale="200" /></Resources>
  <Applications><Application Id="App" Executable="Reader.exe" EntryPoint="Windows.FullTrustApplication">
    <uap:VisualElements DisplayName="Reader" Description="d" BackgroundColor="transparent" Square150x150Logo="a.png" Square44x44Logo="b.png" />
  </Application></Applications>
  <Capabilities>
    <Capability Name="internetClient" />
    <uap:Capability Name="picturesLibrary" />
    <rescap:Capability Name="runFullTrust" />
    <DeviceCapability Name="webcam" />
  </Capabilities>
</Package>"#;

    #[test]
    fn reads_identity_languages_capabilities_and_families() {
        let manifest = parse_package_manifest(MANIFEST.as_bytes()).unwrap();
        assert_eq!(manifest.identity_name, "Contoso.Reader");
        assert_eq!(manifest.publisher, "CN=Contoso & Co");
        assert_eq!(manifest.version, "1.2.3.0");
        assert_eq!(manifest.architecture, "x64");
        assert_eq!(manifest.languages, ["en-US", "fr-FR"]);
        assert_eq!(
            manifest.capabilities,
            [
                "internetClient",
                "picturesLibrary",
                "runFullTrust",
                "webcam"
            ]
        );
        let families: Vec<String> = manifest
            .target_device_families
            .iter()
            .map(TargetDeviceFamily::display)
            .collect();
        assert_eq!(
            families,
            [
                "Windows.Desktop min version 10.0.17763.0",
                "Windows.Universal min version 10.0.10240.0"
            ]
        );
    }

    #[test]
    fn absent_architecture_is_neutral_and_a_bom_is_skipped() {
        let xml = format!(
            "\u{feff}{}",
            MANIFEST.replace(r#" ProcessorArchitecture="X64""#, "")
        );
        let manifest = parse_package_manifest(xml.as_bytes()).unwrap();
        assert_eq!(manifest.architecture, "neutral");
    }

    #[test]
    fn any_prefix_binding_is_accepted() {
        let xml = r#"<m:Package xmlns:m="http://schemas.microsoft.com/appx/manifest/foundation/windows10">
            <m:Identity Name="A" Publisher="CN=A" Version="1.0.0.0" ProcessorArchitecture="arm64"/>
            <m:Capabilities><m:Capability Name="internetClient"/></m:Capabilities></m:Package>"#;
        let manifest = parse_package_manifest(xml.as_bytes()).unwrap();
        assert_eq!(manifest.architecture, "arm64");
        assert_eq!(manifest.capabilities, ["internetClient"]);
    }

    fn error_of(xml: &str) -> ManifestError {
        parse_package_manifest(xml.as_bytes()).unwrap_err()
    }

    #[test]
    fn missing_or_bad_fields_are_named() {
        let err = error_of(&MANIFEST.replace(r#" Version="1.2.3.0""#, ""));
        assert_eq!(err.field, "Identity@Version");
        let err = error_of(&MANIFEST.replace(r#"Version="1.2.3.0""#, r#"Version="1.2.3""#));
        assert_eq!(err.field, "Identity@Version");
        let err = error_of(&MANIFEST.replace(r#"Version="1.2.3.0""#, r#"Version="1.2.3.70000""#));
        assert_eq!(err.field, "Identity@Version");
        let err = error_of(&MANIFEST.replace(r#" Publisher="CN=Contoso &amp; Co""#, ""));
        assert_eq!(err.field, "Identity@Publisher");
        let err = error_of(&MANIFEST.replace(
            r#"ProcessorArchitecture="X64""#,
            r#"ProcessorArchitecture="mips""#,
        ));
        assert_eq!(err.field, "Identity@ProcessorArchitecture");
        let err = error_of(&MANIFEST.replace(
            r#"<DeviceCapability Name="webcam" />"#,
            "<DeviceCapability />",
        ));
        assert_eq!(err.field, "Capabilities/DeviceCapability@Name");
        let err = error_of(&MANIFEST.replace(r#" MinVersion="10.0.17763.0""#, ""));
        assert_eq!(err.field, "Dependencies/TargetDeviceFamily@MinVersion");
        let err = error_of(&MANIFEST.replace(
            r#"<Identity Name="Contoso.Reader" Publisher="CN=Contoso &amp; Co" Version="1.2.3.0" ProcessorArchitecture="X64" />"#,
            "",
        ));
        assert_eq!(err.to_string(), "Identity: element is missing");
    }

    #[test]
    fn malformed_xml_is_refused() {
        for xml in [
            "",
            "not xml",
            "<Package><Properties></Package>",
            "<Package>",
            "<Bundle/>",
            "<Package/><Package/>",
        ] {
            let err = error_of(xml);
            assert_eq!(err.field, "document", "{xml}: {err}");
        }
        assert_eq!(error_of("\u{0}\u{ff}").field, "document");
        let invalid_utf8 = parse_package_manifest(b"<Package \xff/>").unwrap_err();
        assert!(invalid_utf8.problem.contains("UTF-8"), "{invalid_utf8}");
    }

    const BUNDLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://schemas.microsoft.com/appx/2013/bundle" xmlns:b4="http://schemas.microsoft.com/appx/2018/bundle" SchemaVersion="4.0">
  <Identity Name="Contoso.Reader" Publisher="CN=Contoso" Version="1.2.3.0" />
  <Packages>
    <Package Type="application" Version="1.2.3.0" Architecture="x64" FileName="Reader_1.2.3.0_x64.msix" Offset="60" Size="1000">
      <Resources><Resource Language="en-US" /></Resources>
      <b4:Dependencies><b4:TargetDeviceFamily Name="Windows.Desktop" MinVersion="10.0.17763.0" MaxVersionTested="10.0.22621.0" /></b4:Dependencies>
    </Package>
    <Package Type="resource" Version="1.2.3.0" ResourceId="split.language-fr" FileName="Reader_1.2.3.0_language-fr.msix" Offset="1100" Size="100">
      <Resources><Resource Language="fr-FR" /><Resource Language="fr-CA" /></Resources>
    </Package>
  </Packages>
</Bundle>"#;

    #[test]
    fn reads_bundle_packages() {
        let bundle = parse_bundle_manifest(BUNDLE.as_bytes()).unwrap();
        assert_eq!(bundle.identity_name, "Contoso.Reader");
        assert_eq!(bundle.version, "1.2.3.0");
        assert_eq!(bundle.packages.len(), 2);
        let app = &bundle.packages[0];
        assert_eq!(app.package_type, BundlePackageType::Application);
        assert_eq!(app.architecture, "x64");
        assert_eq!(app.file_name, "Reader_1.2.3.0_x64.msix");
        assert_eq!(app.languages, ["en-US"]);
        let resource = &bundle.packages[1];
        assert_eq!(resource.package_type, BundlePackageType::Resource);
        assert_eq!(resource.architecture, "neutral");
        assert_eq!(resource.resource_id.as_deref(), Some("split.language-fr"));
        assert_eq!(resource.languages, ["fr-FR", "fr-CA"]);
    }

    #[test]
    fn bad_bundle_fields_are_named() {
        let err = parse_bundle_manifest(
            BUNDLE
                .replace(r#" FileName="Reader_1.2.3.0_x64.msix""#, "")
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.field, "Packages/Package@FileName");
        let err = parse_bundle_manifest(
            BUNDLE
                .replace(r#"Type="resource""#, r#"Type="other""#)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.field, "Packages/Package@Type");
        let err = parse_bundle_manifest(MANIFEST.as_bytes()).unwrap_err();
        assert_eq!(err.field, "document");
    }
}
