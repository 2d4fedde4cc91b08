//! Tenants, Azure AD applications ("clients") and seller accounts.
//!
//! A client authenticates at the token endpoint of its tenant; the devcenter API then lets it
//! act for the seller account it is associated with, as Partner Center does when an Azure AD
//! application is added to an account with the Manager role.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, DomainResult};
use crate::ids;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// GUID, used in token URLs and the `tid` claim.
    pub id: String,
    /// Verified domain, also accepted in token URLs (`contoso.onmicrosoft.com`).
    pub domain: String,
}

/// The Partner Center role of an Azure AD application in a seller account. Only Managers
/// may call the submission APIs (seed 000: "Account settings").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Manager,
    Developer,
}

impl Role {
    /// `manager`/`DEVELOPER`/…: any letter case, as tools type it.
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "manager" => Ok(Self::Manager),
            "developer" => Ok(Self::Developer),
            _ => Err(DomainError::invalid(
                format!("role '{text}' is not supported: use \"Manager\" or \"Developer\""),
                "role",
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Manager => "Manager",
            Self::Developer => "Developer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AadClient {
    /// The application (client) ID, a GUID.
    pub client_id: String,
    pub tenant_id: String,
    /// The secret the client was created with before keys existed (the development client
    /// and `POST /admin/v1/sellers` clients). It never expires and stays in the clear
    /// because `credentials.json` and the seller's creation answer show it; clients made
    /// by `POST /admin/v1/clients` have none, only [`ClientKey`]s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The seller account this application may act for, when associated with one.
    pub seller_id: Option<String>,
    pub role: Role,
    /// The display name given in Partner Center (empty for clients made before names).
    #[serde(default)]
    pub name: String,
}

/// Days a key lives when the request names none: two years, the longest Partner Center
/// offers ("1 year" or "2 years" when adding a key to an Azure AD application).
pub const DEFAULT_KEY_DAYS: i64 = 730;
/// The longest lifetime accepted: ten years, far inside the clock's range.
pub const MAX_KEY_DAYS: i64 = 3650;

/// One secret ("key") of an application. Only its SHA-256 is kept: the secret itself is
/// shown once, when the key is made, as Partner Center does. A hash without salt is
/// enough because secrets are 40 random characters, not passwords.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientKey {
    pub key_id: String,
    pub client_id: String,
    /// The first three characters of the secret, which Partner Center lists.
    pub hint: String,
    pub secret_sha256: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl ClientKey {
    /// A new key of `client_id` living `days` (default [`DEFAULT_KEY_DAYS`]) from `now`,
    /// and its secret.
    pub fn generate(
        client_id: &str,
        days: Option<i64>,
        now: DateTime<Utc>,
    ) -> DomainResult<(Self, String)> {
        let days = days.unwrap_or(DEFAULT_KEY_DAYS);
        let expires_at = (1..=MAX_KEY_DAYS)
            .contains(&days)
            .then(|| Duration::try_days(days))
            .flatten()
            .and_then(|lifetime| now.checked_add_signed(lifetime))
            .ok_or_else(|| {
                DomainError::invalid(
                    format!("expiresInDays must be 1 to {MAX_KEY_DAYS}, not {days}"),
                    "expiresInDays",
                )
            })?;
        let secret = ids::client_secret();
        let key = Self {
            key_id: ids::guid(),
            client_id: client_id.to_string(),
            hint: secret.chars().take(3).collect(),
            secret_sha256: digest(&secret),
            created_at: now,
            expires_at,
        };
        Ok((key, secret))
    }
}

pub(crate) fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a presented secret is to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretCheck {
    Valid,
    /// The secret of a key whose expiry has passed.
    Expired,
    /// No key's secret (deleted keys included: they are gone).
    Wrong,
}

impl AadClient {
    /// Whether `secret` opens this client at `now`, given its `keys`.
    pub fn check_secret(
        &self,
        keys: &[ClientKey],
        secret: &str,
        now: DateTime<Utc>,
    ) -> SecretCheck {
        if let Some(own) = &self.secret
            && constant_time_eq(own.as_bytes(), secret.as_bytes())
        {
            return SecretCheck::Valid;
        }
        let hash = digest(secret);
        match keys
            .iter()
            .find(|key| constant_time_eq(key.secret_sha256.as_bytes(), hash.as_bytes()))
        {
            Some(key) if now < key.expires_at => SecretCheck::Valid,
            Some(_) => SecretCheck::Expired,
            None => SecretCheck::Wrong,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seller {
    pub id: String,
    pub display_name: String,
    /// The publisher identity packages must be signed for, `CN=<GUID>`.
    pub publisher_name: String,
}

/// What the first start of an empty data directory creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevelopmentAccount {
    pub tenant: Tenant,
    pub client: AadClient,
    pub seller: Seller,
    pub admin_token: String,
}

impl DevelopmentAccount {
    pub fn generate() -> Self {
        let tenant_id = ids::guid();
        let seller_id = ids::seller_id();
        Self {
            tenant: Tenant {
                domain: "storeroom.onmicrosoft.com".into(),
                id: tenant_id.clone(),
            },
            client: AadClient {
                client_id: ids::guid(),
                tenant_id,
                secret: Some(ids::client_secret()),
                seller_id: Some(seller_id.clone()),
                role: Role::Manager,
                name: "Storeroom Developer".into(),
            },
            seller: Seller {
                id: seller_id,
                display_name: "Storeroom Developer".into(),
                publisher_name: format!("CN={}", ids::guid().to_uppercase()),
            },
            admin_token: ids::admin_token(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_opens_until_its_expiry_and_the_original_secret_always() {
        let account = DevelopmentAccount::generate();
        let client = account.client;
        let now = Utc::now();
        let (key, secret) = ClientKey::generate(&client.client_id, Some(1), now).unwrap();
        assert_eq!(key.expires_at - now, Duration::days(1));
        assert!(
            !key.secret_sha256.contains(&secret),
            "only the hash is kept"
        );
        let keys = [key.clone()];
        assert_eq!(client.check_secret(&keys, &secret, now), SecretCheck::Valid);
        assert_eq!(
            client.check_secret(&keys, &secret, key.expires_at),
            SecretCheck::Expired
        );
        assert_eq!(client.check_secret(&keys, "nope", now), SecretCheck::Wrong);
        let original = client.secret.clone().unwrap();
        let far = now + Duration::days(36_500);
        assert_eq!(client.check_secret(&[], &original, far), SecretCheck::Valid);
        let keyless = AadClient {
            secret: None,
            ..client
        };
        assert_eq!(keyless.check_secret(&[], "", now), SecretCheck::Wrong);
    }

    #[test]
    fn key_lifetimes_outside_one_day_to_ten_years_are_refused_by_name() {
        let now = Utc::now();
        for days in [0, -1, MAX_KEY_DAYS + 1, i64::MAX, i64::MIN] {
            let err = ClientKey::generate("c", Some(days), now).unwrap_err();
            assert!(
                matches!(&err, DomainError::Invalid { target, .. } if target == "expiresInDays"),
                "{days}: {err:?}"
            );
        }
        let (key, _) = ClientKey::generate("c", None, now).unwrap();
        assert_eq!(key.expires_at - now, Duration::days(DEFAULT_KEY_DAYS));
    }

    #[test]
    fn roles_parse_in_any_case_and_print_canonically() {
        assert_eq!(Role::parse(" MANAGER ").unwrap().name(), "Manager");
        assert_eq!(Role::parse("developer").unwrap().name(), "Developer");
        assert!(matches!(
            Role::parse("Owner"),
            Err(DomainError::Invalid { target, .. }) if target == "role"
        ));
    }
}
