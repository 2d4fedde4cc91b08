//! The RSA key that signs access tokens, kept in the store so tokens survive restarts (and,
//! later, so every instance on a shared database signs and verifies with the same key).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

pub struct SigningKeys {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Key id, in the `kid` and `x5t` headers and the JWKS.
    pub kid: String,
    /// Base64url modulus and exponent, for the JWKS.
    pub n: String,
    pub e: String,
}

impl SigningKeys {
    /// A new RSA-2048 private key as PKCS#8 PEM.
    pub fn generate_pem() -> anyhow::Result<String> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let der = pair
            .as_der()
            .map_err(|_| anyhow::anyhow!("RSA key encoding failed"))?;
        let body = STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect();
        Ok(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ))
    }

    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())?;
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)?;
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            anyhow::bail!("the signing key is not an RSA key");
        };
        let decoding = DecodingKey::from_rsa_components(&rsa.n, &rsa.e)?;
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(rsa.n.as_bytes())[..20]);
        Ok(Self {
            encoding,
            decoding,
            kid,
            n: rsa.n,
            e: rsa.e,
        })
    }
}
