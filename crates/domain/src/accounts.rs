//! Tenants, Azure AD applications ("clients") and seller accounts.
//!
//! A client authenticates at the token endpoint of its tenant; the devcenter API then lets it
//! act for the seller account it is associated with, as Partner Center does when an Azure AD
//! application is added to an account with the Manager role.

use serde::{Deserialize, Serialize};

use crate::ids;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// GUID, used in token URLs and the `tid` claim.
    pub id: String,
    /// Verified domain, also accepted in token URLs (`contoso.onmicrosoft.com`).
    pub domain: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Manager,
    Developer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AadClient {
    /// The application (client) ID, a GUID.
    pub client_id: String,
    pub tenant_id: String,
    pub secret: String,
    /// The seller account this application may act for, when associated with one.
    pub seller_id: Option<String>,
    pub role: Role,
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
                secret: ids::client_secret(),
                seller_id: Some(seller_id.clone()),
                role: Role::Manager,
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
