//! Schemas of request shapes that the handlers read by hand (a form, a JSON object read
//! leniently), for the document only.

#![allow(dead_code)]

use utoipa::ToSchema;

/// The client credentials grant's form (v1 names `resource`, v2 `scope`).
#[derive(ToSchema)]
pub struct TokenRequest {
    /// `client_credentials`
    grant_type: String,
    client_id: String,
    client_secret: String,
    /// v1: the API's App ID URI, e.g. `https://manage.devcenter.microsoft.com`
    resource: Option<String>,
    /// v2: `{App ID URI}/.default`
    scope: Option<String>,
}
