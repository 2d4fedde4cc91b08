//! Applications (MSIX apps reserved in Partner Center) and how they are reserved.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storeroom_wire::dates;

use crate::accounts::Seller;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::product::{ProductRef, Slots};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// Store ID.
    pub id: String,
    pub seller_id: String,
    pub primary_name: String,
    pub package_identity_name: String,
    pub publisher_name: String,
    pub package_family_name: String,
    pub has_advanced_listing_permission: bool,
    pub first_published_date: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub slots: Slots,
    /// This product's own pipeline policy, overriding the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<crate::pipeline::PipelinePolicy>,
    pub created_at: DateTime<Utc>,
    /// The publisher's display name, when reserved with a production identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_display_name: Option<String>,
    /// The app uses features the submission API does not support (mandatory updates,
    /// Store-managed consumables): every app-specific API call is refused (409).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uses_unsupported_features: bool,
}

/// An app's real identity, for automation and signed packages that already exist: any part
/// left out is made up as for a new reservation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// The 12-character Store ID.
    pub id: Option<String>,
    pub package_identity_name: Option<String>,
    /// The publisher distinguished name packages are signed with (`CN=…`).
    pub publisher_name: Option<String>,
    pub publisher_display_name: Option<String>,
}

impl Identity {
    /// Checks each given part has the form Partner Center gives it, naming the field.
    fn parsed(self) -> DomainResult<Self> {
        let id = self
            .id
            .map(|id| {
                let id = id.trim().to_ascii_uppercase();
                if id.len() == 12 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
                    Ok(id)
                } else {
                    Err(DomainError::invalid(
                        format!(
                            "'{id}' is not a Store ID: 12 letters and digits such as 9NBLGGH4R315"
                        ),
                        "id",
                    ))
                }
            })
            .transpose()?;
        let package_identity_name = self
            .package_identity_name
            .map(|name| {
                let name = name.trim().to_string();
                let valid = (3..=50).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
                if valid {
                    Ok(name)
                } else {
                    Err(DomainError::invalid(
                        format!(
                            "'{name}' is not a package identity name: 3 to 50 letters, digits, '.' and '-'"
                        ),
                        "packageIdentityName",
                    ))
                }
            })
            .transpose()?;
        let publisher_name = self
            .publisher_name
            .map(|name| {
                let name = name.trim().to_string();
                let valid = name.len() <= 8192
                    && name.split(',').all(|part| {
                        part.split_once('=').is_some_and(|(key, value)| {
                            !key.trim().is_empty() && !value.trim().is_empty()
                        })
                    });
                if valid {
                    Ok(name)
                } else {
                    Err(DomainError::invalid(
                        format!(
                            "'{name}' is not a publisher distinguished name such as CN=Contoso"
                        ),
                        "publisherName",
                    ))
                }
            })
            .transpose()?;
        Ok(Self {
            id,
            package_identity_name,
            publisher_name,
            publisher_display_name: self
                .publisher_display_name
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty()),
        })
    }
}

impl Application {
    /// Reserves a name the way Partner Center does: the package identity comes from the
    /// seller's publisher and the name, and the family name from the identity.
    pub fn reserve(
        seller: &Seller,
        name: &str,
        has_advanced_listing_permission: bool,
        now: DateTime<Utc>,
    ) -> Self {
        Self::build(
            seller,
            name,
            has_advanced_listing_permission,
            Identity::default(),
            now,
        )
    }

    /// Reserves an app under its real identity (Store ID, package identity, publisher),
    /// checked for form; the parts left out are made up as by [`Application::reserve`].
    pub fn reserve_as(
        seller: &Seller,
        name: &str,
        has_advanced_listing_permission: bool,
        identity: Identity,
        now: DateTime<Utc>,
    ) -> DomainResult<Self> {
        Ok(Self::build(
            seller,
            name,
            has_advanced_listing_permission,
            identity.parsed()?,
            now,
        ))
    }

    fn build(
        seller: &Seller,
        name: &str,
        has_advanced_listing_permission: bool,
        identity: Identity,
        now: DateTime<Utc>,
    ) -> Self {
        let package_identity_name = identity.package_identity_name.unwrap_or_else(|| {
            format!(
                "{}{}.{}",
                &seller.id[..5.min(seller.id.len())],
                identity_part(&seller.display_name),
                identity_part(name)
            )
        });
        let publisher_name = identity
            .publisher_name
            .unwrap_or_else(|| seller.publisher_name.clone());
        let package_family_name = package_family_name(&package_identity_name, &publisher_name);
        Self {
            id: identity.id.unwrap_or_else(ids::store_id),
            seller_id: seller.id.clone(),
            primary_name: name.to_string(),
            package_identity_name,
            publisher_name,
            package_family_name,
            has_advanced_listing_permission,
            first_published_date: None,
            slots: Slots::default(),
            pipeline: None,
            created_at: now,
            publisher_display_name: identity.publisher_display_name,
            uses_unsupported_features: false,
        }
    }

    pub fn product(&self) -> ProductRef {
        ProductRef::Application(self.id.clone())
    }

    /// Records the first publication date once.
    pub fn mark_published(&mut self, now: DateTime<Utc>) {
        if self
            .first_published_date
            .is_none_or(|d| dates::is_sentinel(&d))
        {
            self.first_published_date = Some(now);
        }
    }
}

/// Letters and digits of a display name, as package identity names allow.
fn identity_part(name: &str) -> String {
    let part: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if part.is_empty() { "App".into() } else { part }
}

/// `<identity name>_<publisher id>`, where the publisher id is Windows' 13-character hash of
/// the publisher: SHA-256 of its UTF-16LE bytes, first 64 bits, Crockford base32.
pub fn package_family_name(identity_name: &str, publisher: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let utf16: Vec<u8> = publisher
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let digest = Sha256::digest(&utf16);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 64 bits padded with one zero bit to 65 = 13 groups of 5.
    let bits = (u128::from(u64::from_be_bytes(first))) << 1;
    let publisher_id: String = (0..13)
        .rev()
        .map(|group| ALPHABET[((bits >> (group * 5)) & 0x1f) as usize] as char)
        .collect();
    format!("{identity_name}_{publisher_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_name_matches_windows() {
        // Known pair from Windows: Microsoft.WindowsCalculator_8wekyb3d8bbwe.
        assert_eq!(
            package_family_name(
                "Microsoft.WindowsCalculator",
                "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
            ),
            "Microsoft.WindowsCalculator_8wekyb3d8bbwe"
        );
    }

    #[test]
    fn absent_references_stay_absent() {
        let seller = Seller {
            id: "12345678".into(),
            display_name: "Contoso Ltd".into(),
            publisher_name: "CN=ABC".into(),
        };
        let app = Application::reserve(&seller, "Contoso Reader", true, Utc::now());
        assert_eq!(app.package_identity_name, "12345ContosoLtd.ContosoReader");
        assert!(app.slots.pending_submission_id.is_none());
        assert!(
            app.first_published_date
                .is_none_or(|d| dates::is_sentinel(&d))
        );
    }
}
