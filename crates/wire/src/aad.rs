//! Azure AD (Entra ID) token endpoint JSON (notes/auth-blob-ingestion.md §A).

use serde::Serialize;

/// v1 (`/oauth2/token`) success body. AAD writes every number as a string here, in this order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenResponseV1 {
    pub token_type: &'static str,
    pub expires_in: String,
    pub ext_expires_in: String,
    pub expires_on: String,
    pub not_before: String,
    pub resource: String,
    pub access_token: String,
}

/// v2 (`/oauth2/v2.0/token`) success body: numbers are numbers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenResponseV2 {
    pub token_type: &'static str,
    pub expires_in: u64,
    pub ext_expires_in: u64,
    pub access_token: String,
}

/// The AAD error body of both token endpoints and of discovery.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AadError {
    pub error: &'static str,
    pub error_description: String,
    pub error_codes: Vec<u32>,
    pub timestamp: String,
    pub trace_id: String,
    pub correlation_id: String,
    pub error_uri: String,
}
