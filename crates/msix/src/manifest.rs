//! `AppxManifest.xml`: the package identity the Store checks against the app's reservation,
//! with the properties, dependencies, resources, application and capabilities of a desktop
//! app (or of a resource package).

/// Escapes text for an XML attribute or element.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a package's manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSpec {
    /// `Identity/@Name`: the app's `packageIdentityName`.
    pub name: String,
    /// `Identity/@Publisher`: the app's `publisherName` (`CN=…`).
    pub publisher: String,
    /// Four dot-separated numbers.
    pub version: String,
    /// `ProcessorArchitecture` (`x86`, `x64`, `arm`, `arm64`); None: neutral.
    pub architecture: Option<String>,
    /// A resource package's `ResourceId`; it then has no application and no capabilities.
    pub resource_id: Option<String>,
    pub display_name: String,
    pub publisher_display_name: String,
    pub languages: Vec<String>,
    /// Capability names, each optionally prefixed: `uap:`/`rescap:`/... for that namespace's
    /// `Capability`, `device:` for a `DeviceCapability`.
    pub capabilities: Vec<String>,
    /// `(Name, MinVersion)` of each `TargetDeviceFamily`.
    pub device_families: Vec<(String, String)>,
}

/// The executable and logo paths every generated application manifest names.
pub(crate) const EXECUTABLE: &str = "App.exe";
pub(crate) const LOGO: &str = "Assets/StoreLogo.png";

impl ManifestSpec {
    /// An x64 desktop app with `internetClient` and `runFullTrust`, in en-US, for Windows
    /// 10 1809 and later.
    pub fn desktop_app(name: &str, publisher: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            publisher: publisher.to_string(),
            version: version.to_string(),
            architecture: Some("x64".to_string()),
            resource_id: None,
            display_name: "Contoso App".to_string(),
            publisher_display_name: "Contoso".to_string(),
            languages: vec!["en-US".to_string()],
            capabilities: vec![
                "internetClient".to_string(),
                "rescap:runFullTrust".to_string(),
            ],
            device_families: vec![("Windows.Desktop".to_string(), "10.0.17763.0".to_string())],
        }
    }

    pub fn is_resource(&self) -> bool {
        self.resource_id.is_some()
    }

    /// The file name makeappx would give the package: `Name_Version_Qualifier.msix`.
    pub fn file_name(&self) -> String {
        let qualifier = match (&self.resource_id, &self.architecture) {
            (Some(resource), _) => resource.clone(),
            (None, Some(architecture)) => architecture.clone(),
            (None, None) => "neutral".to_string(),
        };
        format!("{}_{}_{}.msix", self.name, self.version, qualifier)
    }

    pub fn to_xml(&self) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
  xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10"
  xmlns:uap10="http://schemas.microsoft.com/appx/manifest/uap/windows10/10"
  xmlns:rescap="http://schemas.microsoft.com/appx/manifest/foundation/windows10/restrictedcapabilities"
  xmlns:desktop="http://schemas.microsoft.com/appx/manifest/desktop/windows10"
  IgnorableNamespaces="uap uap10 rescap desktop">
"#,
        );
        let architecture = self
            .architecture
            .as_ref()
            .map(|architecture| format!(r#" ProcessorArchitecture="{}""#, xml_escape(architecture)))
            .unwrap_or_default();
        let resource = self
            .resource_id
            .as_ref()
            .map(|id| format!(r#" ResourceId="{}""#, xml_escape(id)))
            .unwrap_or_default();
        xml += &format!(
            "  <Identity Name=\"{}\" Publisher=\"{}\" Version=\"{}\"{architecture}{resource} />\n",
            xml_escape(&self.name),
            xml_escape(&self.publisher),
            xml_escape(&self.version)
        );
        let display_name = xml_escape(&self.display_name);
        let logo = LOGO.replace('/', "\\");
        xml += &format!(
            "  <Properties>\n    <DisplayName>{display_name}</DisplayName>\n    <PublisherDisplayName>{}</PublisherDisplayName>\n    <Logo>{logo}</Logo>\n",
            xml_escape(&self.publisher_display_name)
        );
        if self.is_resource() {
            xml += "    <ResourcePackage>true</ResourcePackage>\n";
        }
        xml += "  </Properties>\n  <Dependencies>\n";
        for (name, min) in &self.device_families {
            xml += &format!(
                "    <TargetDeviceFamily Name=\"{}\" MinVersion=\"{}\" MaxVersionTested=\"10.0.22621.0\" />\n",
                xml_escape(name),
                xml_escape(min)
            );
        }
        xml += "  </Dependencies>\n  <Resources>\n";
        for language in &self.languages {
            xml += &format!("    <Resource Language=\"{}\" />\n", xml_escape(language));
        }
        if !self.is_resource() {
            xml += "    <Resource uap:Scale=\"200\" />\n";
        }
        xml += "  </Resources>\n";
        if !self.is_resource() {
            xml += &format!(
                r#"  <Applications>
    <Application Id="App" Executable="{EXECUTABLE}" EntryPoint="Windows.FullTrustApplication">
      <uap:VisualElements DisplayName="{display_name}" Description="{display_name}" BackgroundColor="transparent" Square150x150Logo="{logo}" Square44x44Logo="{logo}" />
      <Extensions>
        <desktop:Extension Category="windows.startupTask" Executable="{EXECUTABLE}" EntryPoint="Windows.FullTrustApplication">
          <desktop:StartupTask TaskId="ContosoStartup" Enabled="false" DisplayName="{display_name}" />
        </desktop:Extension>
      </Extensions>
    </Application>
  </Applications>
"#
            );
        }
        if !self.capabilities.is_empty() {
            xml += "  <Capabilities>\n";
            for capability in &self.capabilities {
                let line = match capability.split_once(':') {
                    Some(("device", name)) => {
                        format!("<DeviceCapability Name=\"{}\" />", xml_escape(name))
                    }
                    Some((prefix, name)) => {
                        format!("<{prefix}:Capability Name=\"{}\" />", xml_escape(name))
                    }
                    None => format!("<Capability Name=\"{}\" />", xml_escape(capability)),
                };
                xml += &format!("    {line}\n");
            }
            xml += "  </Capabilities>\n";
        }
        xml += "</Package>\n";
        xml
    }
}
