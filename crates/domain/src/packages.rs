//! Package rules (what PreProcessing checks once manifests are read): the identity is the
//! app's reserved one, versions only go up per architecture and device family, and no two
//! packages of a submission are the same. Also fills each package entry's metadata from its
//! manifest, as the Store shows it after processing.

use std::collections::BTreeSet;

use storeroom_wire::devcenter::{ApplicationPackage, FileStatus, StatusCode, StatusDetail};

use crate::submission::status_detail;

/// What one manifest says (a bundle has one per application package).
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestFacts {
    pub identity_name: String,
    pub publisher: String,
    pub version: String,
    pub architecture: String,
    pub languages: Vec<String>,
    pub capabilities: Vec<String>,
    /// Device family names with their minimum versions.
    pub device_families: Vec<(String, String)>,
}

/// A package file of the submission and its manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedPackage {
    pub file_name: String,
    pub manifests: Vec<ManifestFacts>,
}

/// The identity packages must carry: the app's reserved one.
pub struct ReservedIdentity<'a> {
    pub name: &'a str,
    pub publisher: &'a str,
}

fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

fn families(package: &ApplicationPackage) -> BTreeSet<String> {
    package
        .target_device_families
        .iter()
        .filter_map(|family| family.split_whitespace().next().map(str::to_string))
        .collect()
}

fn fail(details: String) -> StatusDetail {
    status_detail(StatusCode::PackageValidationFailed, details)
}

/// Every package rule the uploaded packages break, each naming the file and the field.
pub fn package_findings(
    identity: &ReservedIdentity<'_>,
    published: &[ApplicationPackage],
    uploaded: &[UploadedPackage],
) -> Vec<StatusDetail> {
    let mut findings = Vec::new();
    let mut seen: Vec<(String, String, String, &str)> = Vec::new();
    for package in uploaded {
        let file = &package.file_name;
        for manifest in &package.manifests {
            if manifest.identity_name != identity.name {
                findings.push(fail(format!(
                    "{file}: Identity Name '{}' does not match the app's reserved package identity name '{}'",
                    manifest.identity_name, identity.name
                )));
            }
            if manifest.publisher != identity.publisher {
                findings.push(fail(format!(
                    "{file}: Identity Publisher '{}' does not match the app's publisher '{}'",
                    manifest.publisher, identity.publisher
                )));
            }
            let new_families: BTreeSet<String> = manifest
                .device_families
                .iter()
                .map(|(name, _)| name.clone())
                .collect();
            for old in published
                .iter()
                .filter(|p| p.architecture.eq_ignore_ascii_case(&manifest.architecture))
            {
                let shared = families(old).intersection(&new_families).next().cloned();
                if let Some(family) = shared
                    && version_key(&manifest.version) <= version_key(&old.version)
                {
                    findings.push(fail(format!(
                        "{file}: Identity Version {} must be higher than {} of the published {} package for {family} ({})",
                        manifest.version, old.version, old.architecture, old.file_name
                    )));
                }
            }
            let key = (
                manifest.identity_name.to_lowercase(),
                manifest.version.clone(),
                manifest.architecture.to_lowercase(),
            );
            if let Some((.., other)) = seen
                .iter()
                .find(|(n, v, a, _)| (n, v, a) == (&key.0, &key.1, &key.2))
            {
                findings.push(fail(format!(
                    "{file}: the package {} {} {} is already in this submission as {other}",
                    manifest.identity_name, manifest.version, manifest.architecture
                )));
            } else {
                seen.push((key.0, key.1, key.2, file));
            }
        }
    }
    findings
}

/// Copies what the manifests say into the submission's package entries.
pub fn apply_manifests(packages: &mut [ApplicationPackage], uploaded: &[UploadedPackage]) {
    for package in packages
        .iter_mut()
        .filter(|p| p.file_status == FileStatus::PendingUpload)
    {
        let Some(upload) = uploaded.iter().find(|u| u.file_name == package.file_name) else {
            continue;
        };
        let manifests = &upload.manifests;
        let union = |pick: &dyn Fn(&ManifestFacts) -> Vec<String>| -> Vec<String> {
            let mut all: Vec<String> = Vec::new();
            for value in manifests.iter().flat_map(pick) {
                if !all.contains(&value) {
                    all.push(value);
                }
            }
            all
        };
        package.version = manifests
            .first()
            .map(|m| m.version.clone())
            .unwrap_or_default();
        package.architecture = union(&|m| vec![m.architecture.clone()]).join(", ");
        package.languages = union(&|m| m.languages.clone());
        package.capabilities = union(&|m| m.capabilities.clone());
        package.target_device_families = union(&|m| {
            m.device_families
                .iter()
                .map(|(name, min)| format!("{name} min version {min}"))
                .collect()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(name: &str, version: &str, arch: &str) -> ManifestFacts {
        ManifestFacts {
            identity_name: name.into(),
            publisher: "CN=ME".into(),
            version: version.into(),
            architecture: arch.into(),
            languages: vec!["en-US".into()],
            capabilities: vec!["runFullTrust".into()],
            device_families: vec![("Windows.Desktop".into(), "10.0.17763.0".into())],
        }
    }

    fn published(version: &str) -> ApplicationPackage {
        ApplicationPackage {
            file_name: "old.msix".into(),
            file_status: FileStatus::Uploaded,
            id: "1".into(),
            version: version.into(),
            architecture: "x64".into(),
            languages: vec![],
            capabilities: vec![],
            minimum_direct_x_version: Default::default(),
            minimum_system_ram: Default::default(),
            target_device_families: vec!["Windows.Desktop min version 10.0.17763.0".into()],
        }
    }

    const ME: ReservedIdentity<'static> = ReservedIdentity {
        name: "Me.App",
        publisher: "CN=ME",
    };

    #[test]
    fn a_higher_version_of_the_reserved_identity_passes_and_fills_the_entry() {
        let upload = UploadedPackage {
            file_name: "new.msix".into(),
            manifests: vec![manifest("Me.App", "1.1.0.0", "x64")],
        };
        assert_eq!(
            package_findings(&ME, &[published("1.0.0.0")], std::slice::from_ref(&upload)),
            vec![]
        );
        let mut entry = published("");
        entry.file_name = "new.msix".into();
        entry.file_status = FileStatus::PendingUpload;
        entry.target_device_families.clear();
        let mut entries = vec![entry];
        apply_manifests(&mut entries, &[upload]);
        assert_eq!(entries[0].version, "1.1.0.0");
        assert_eq!(
            entries[0].target_device_families,
            ["Windows.Desktop min version 10.0.17763.0"]
        );
    }

    #[test]
    fn each_rule_names_the_file_and_field() {
        let uploads = vec![
            UploadedPackage {
                file_name: "a.msix".into(),
                manifests: vec![manifest("Other.App", "1.0.0.0", "x64")],
            },
            UploadedPackage {
                file_name: "b.msix".into(),
                manifests: vec![manifest("Me.App", "2.0.0.0", "arm64")],
            },
            UploadedPackage {
                file_name: "c.msix".into(),
                manifests: vec![manifest("Me.App", "2.0.0.0", "arm64")],
            },
        ];
        let findings = package_findings(&ME, &[published("1.0.0.0")], &uploads);
        let text: Vec<&str> = findings.iter().map(|f| f.details.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("a.msix: Identity Name 'Other.App'")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t
                    .starts_with("a.msix: Identity Version 1.0.0.0 must be higher than 1.0.0.0")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.starts_with(
                "c.msix: the package Me.App 2.0.0.0 arm64 is already in this submission as b.msix"
            )),
            "{text:?}"
        );
        assert!(
            findings
                .iter()
                .all(|f| f.code == StatusCode::PackageValidationFailed)
        );
    }
}
