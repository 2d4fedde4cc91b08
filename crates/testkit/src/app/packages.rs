//! Real packages and submission ZIPs for an app reserved on the server: the manifest carries
//! the identity the server reserved for it.

use reqwest::Method;
use serde_json::Value;

use super::TestServer;
use crate::fixtures::{Method as ZipMethod, PackageFixture, Payload, SubmissionFixture, png};

const PACKAGE_EXTENSIONS: &[&str] = &[
    ".msix",
    ".appx",
    ".msixbundle",
    ".appxbundle",
    ".msixupload",
    ".appxupload",
];

/// Version and architecture from a file name like `Contoso_2.0.0.0_x64.msix` (defaults:
/// 2.0.0.0, x64).
fn version_and_arch(name: &str) -> (String, String) {
    let parts: Vec<&str> = name.split(['_', '/', '\\']).collect();
    let version = parts
        .iter()
        .find(|p| p.split('.').count() == 4 && p.split('.').all(|n| n.parse::<u32>().is_ok()))
        .map(|v| v.to_string())
        .unwrap_or_else(|| "2.0.0.0".into());
    let arch = parts
        .iter()
        .map(|p| p.split('.').next().unwrap_or(p).to_ascii_lowercase())
        .find(|p| ["x64", "x86", "arm", "arm64", "neutral"].contains(&p.as_str()))
        .unwrap_or_else(|| "x64".into());
    (version, arch)
}

impl TestServer {
    /// The package identity and publisher reserved for an app.
    pub async fn identity(&self, app_id: &str) -> (String, String) {
        let list: Value = self
            .admin(Method::GET, "admin/v1/applications?top=100")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let app = list["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == app_id)
            .expect("reserved app")
            .clone();
        (
            app["packageIdentityName"].as_str().unwrap().into(),
            app["publisherName"].as_str().unwrap().into(),
        )
    }

    /// A real package of the app (manifest with its identity; version and architecture from
    /// the file name), padded with `payload` bytes of incompressible data.
    async fn package_bytes(&self, app_id: &str, name: &str, payload: u64) -> Vec<u8> {
        let (identity, publisher) = self.identity(app_id).await;
        let (version, arch) = version_and_arch(name);
        let mut package = PackageFixture::new(&identity)
            .publisher(&publisher)
            .version(&version)
            .architecture(&arch);
        if payload > 0 {
            package = package.file_with(
                "Payload/data.bin",
                Payload::Noise {
                    len: payload,
                    seed: 11,
                },
                ZipMethod::Stored,
            );
        }
        package.to_bytes()
    }

    /// A submission ZIP with real packages of the app for package names, real PNGs for
    /// `.png` names and placeholder contents otherwise.
    pub async fn package_zip(&self, app_id: &str, names: &[&str]) -> Vec<u8> {
        let mut zip = SubmissionFixture::new();
        for name in names {
            let lower = name.to_ascii_lowercase();
            let bytes = if PACKAGE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                self.package_bytes(app_id, name, 0).await
            } else if lower.ends_with(".png") {
                png(1920, 1080)
            } else {
                format!("content of {name}").into_bytes()
            };
            zip = zip.file(name, bytes);
        }
        zip.to_bytes()
    }

    /// A submission ZIP over 1 MiB (above the SDK tests' single-put limits), so SDKs must
    /// upload it in blocks: one real package with 3 MiB of incompressible payload.
    pub async fn large_zip(&self, app_id: &str, package: &str) -> Vec<u8> {
        let bytes = self.package_bytes(app_id, package, 3 << 20).await;
        SubmissionFixture::new().stored(package, bytes).to_bytes()
    }
}
