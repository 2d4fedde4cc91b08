//! HTTPS under the production host names, with a local certificate authority.
//!
//! Clients such as StoreBroker, msstore-cli and Microsoft's samples call `https://` hosts that
//! are written into their code. To serve them unchanged, storeroom keeps a CA of its own in
//! the database (so every instance on one database presents certificates from the same CA),
//! writes its certificate to `DIR/ca.pem` for the machine to trust, and answers TLS with one
//! leaf certificate, signed by that CA at start-up, naming every production host it stands in
//! for. A client that reaches storeroom under any other name is refused by its own
//! verification, as it would be by the real hosts.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use storeroom_domain::store::Store;

/// The names every leaf certificate carries: the production hosts storeroom stands in for.
pub const PRODUCTION_NAMES: &[&str] = &[
    "login.microsoftonline.com",
    "login.windows.net",
    "manage.devcenter.microsoft.com",
    "api.store.microsoft.com",
    "api.partner.microsoft.com",
    "*.blob.core.windows.net",
    "localhost",
];

/// The setting the CA is kept under (shared by every instance on one database).
const CA_SETTING: &str = "tls_local_ca";

/// The local certificate authority: its certificate (what clients trust) and key.
#[derive(Clone, Serialize, Deserialize)]
pub struct LocalCa {
    /// Unique per CA, so two storeroom installations are told apart in a trust store.
    pub common_name: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl LocalCa {
    /// The database's CA, created on first use. Instances racing to create it all end up with
    /// the one stored first.
    pub async fn load_or_create(store: &dyn Store) -> anyhow::Result<Self> {
        if let Some(stored) = store.setting(CA_SETTING).await? {
            return Self::parse(&stored);
        }
        let fresh = serde_json::to_string(&Self::generate()?)?;
        let mut tx = store.begin().await?;
        let stored = tx.setting_or_insert(CA_SETTING, &fresh).await?;
        tx.commit().await?;
        Self::parse(&stored)
    }

    fn parse(stored: &str) -> anyhow::Result<Self> {
        serde_json::from_str(stored).context("the stored local CA is unreadable")
    }

    /// A new CA, valid for ten years.
    pub fn generate() -> anyhow::Result<Self> {
        let common_name = format!("storeroom local CA {}", &storeroom_domain::ids::guid()[..8]);
        let key = KeyPair::generate()?;
        let params = ca_params(&common_name);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            common_name,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Writes the CA certificate (public) to `path`, for trust stores and `--cacert`.
    pub fn write_certificate(&self, path: &Path) -> anyhow::Result<()> {
        if std::fs::read_to_string(path).is_ok_and(|existing| existing == self.cert_pem) {
            return Ok(());
        }
        let temp = path.with_extension("pem.tmp");
        std::fs::write(&temp, &self.cert_pem)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// A leaf certificate for `names` (DNS names, wildcards or IP addresses) signed by this
    /// CA, with its new key. Valid for a year from now: a restart signs a fresh one.
    pub fn leaf(
        &self,
        names: &[String],
    ) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let ca_key = KeyPair::from_pem(&self.key_pem).context("the local CA key is unreadable")?;
        // The issuer needs the CA's name and key, both of which are rebuilt exactly.
        let issuer = Issuer::new(ca_params(&self.common_name), ca_key);
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "storeroom");
        params.distinguished_name = dn;
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName(name.as_str().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(365);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer)?;
        let ca_der = CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .context("the local CA certificate is unreadable")?;
        let key_der = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes())
            .context("cannot encode the leaf key")?;
        Ok((vec![cert.der().clone(), ca_der], key_der))
    }
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "storeroom");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // Fixed dates: the CA certificate must be the same whenever its params are rebuilt.
    params.not_before = time::macros::datetime!(2020-01-01 00:00 UTC);
    params.not_after = time::macros::datetime!(2049-12-31 23:59 UTC);
    params
}

/// Every name the leaf certificate carries: the production hosts, the listen address and
/// the names given with `--tls-name`.
pub fn leaf_names(listen: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = PRODUCTION_NAMES.iter().map(|n| n.to_string()).collect();
    let ip = listen.ip();
    if !ip.is_unspecified() {
        names.push(ip.to_string());
    } else {
        names.push("127.0.0.1".into());
    }
    for name in extra {
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The rustls settings for serving `names`: HTTP/2 and HTTP/1.1, TLS 1.2 and 1.3.
pub fn server_config(ca: &LocalCa, names: &[String]) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let (chain, key) = ca.leaf(names)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::ServerCertVerifier;

    #[test]
    fn the_leaf_names_the_production_hosts_and_the_listen_address() {
        let names = leaf_names(
            "127.0.9.1:443".parse().unwrap(),
            &["Store.Example.com".into(), "localhost".into()],
        );
        assert!(names.contains(&"manage.devcenter.microsoft.com".to_string()));
        assert!(names.contains(&"*.blob.core.windows.net".to_string()));
        assert!(names.contains(&"127.0.9.1".to_string()));
        assert!(names.contains(&"store.example.com".to_string()));
        assert_eq!(names.iter().filter(|n| *n == "localhost").count(), 1);
    }

    #[test]
    fn a_ca_signs_leaves_it_verifies() {
        let ca = LocalCa::generate().unwrap();
        let names = leaf_names("127.0.0.1:443".parse().unwrap(), &[]);
        let (chain, _key) = ca.leaf(&names).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca.cert_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        let now = rustls::pki_types::UnixTime::now();
        for name in [
            "manage.devcenter.microsoft.com",
            "productingestionbin1.blob.core.windows.net",
            "127.0.0.1",
        ] {
            let server = rustls::pki_types::ServerName::try_from(name).unwrap();
            verifier
                .verify_server_cert(&chain[0], &chain[1..], &server, &[], now)
                .unwrap_or_else(|err| panic!("{name}: {err}"));
        }
        let other = rustls::pki_types::ServerName::try_from("example.com").unwrap();
        assert!(
            verifier
                .verify_server_cert(&chain[0], &chain[1..], &other, &[], now)
                .is_err()
        );
    }
}
