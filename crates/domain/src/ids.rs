//! Identifier formats of the real service (notes/devcenter-api.md §1.4).

use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};

/// Store IDs: 12 upper-case alphanumerics starting with 9, like `9NBLGGH4R315`.
pub fn store_id() -> String {
    const ALPHABET: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let rest: String = (0..11)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("9{rest}")
}

/// Submission, package, image and trailer IDs: 19-digit numeric strings starting near
/// 2^60, like `1152921504621243540`.
pub fn numeric_id() -> String {
    let base: u64 = 1 << 60;
    (base + rand::rng().random_range(0..(1u64 << 62))).to_string()
}

/// GUIDs (tenants, clients, flights, blob names, every request's correlation id): version 4,
/// from the thread's cryptographic generator (`uuid`'s `new_v4` asks the kernel for its 16
/// bytes each time, a system call per request).
pub fn guid() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

/// Client secrets: URL-safe characters only, because some clients put the secret into the
/// token form without URL-encoding it.
pub fn client_secret() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

/// Bearer token for the admin API.
pub fn admin_token() -> String {
    format!(
        "sr_admin_{}",
        Alphanumeric.sample_string(&mut rand::rng(), 40)
    )
}

/// Seller (Partner Center account) IDs are numeric.
pub fn seller_id() -> String {
    rand::rng()
        .random_range(10_000_000u32..99_999_999)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let store = store_id();
        assert_eq!(store.len(), 12);
        assert!(
            store
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        let numeric = numeric_id();
        assert_eq!(numeric.len(), 19, "{numeric}");
        assert!(numeric.chars().all(|c| c.is_ascii_digit()));
        assert!(client_secret().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(seller_id().len(), 8);
    }

    #[test]
    fn guids_are_random_version_4_uuids() {
        let (a, b) = (guid(), guid());
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a, parsed.hyphenated().to_string(), "lower-case, hyphenated");
    }
}
