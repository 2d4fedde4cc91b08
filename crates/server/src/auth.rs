//! Bearer tokens on the devcenter API and the admin token on the admin API.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};

use crate::aad::{self, Claims, DEVCENTER_RESOURCE};
use crate::clients::{Refusal, authorise};
use crate::errors::{ApiError, account_not_allowed, gateway_unauthorized};
use crate::state::AppState;
use crate::token_memo::TokenMemo;

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// How many verified tokens are remembered.
const VERIFIED_TOKENS: usize = 4096;

/// Tokens whose signature was verified, and their claims (see [`TokenMemo`]): an RSA
/// verification costs more than the rest of a small GET. Claims are still checked against
/// the clock and the route on every use.
pub struct VerifiedTokens(TokenMemo<Arc<Claims>>);

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self(TokenMemo::new(VERIFIED_TOKENS))
    }
}

/// Checks signature, issuer, audience and lifetime (by the server clock) of a token.
pub fn validate(state: &AppState, token: &str, audience: &str) -> Option<Arc<Claims>> {
    let claims = state.verified.0.get_or_learn(token.as_bytes(), || {
        verify_signature(state, token).map(Arc::new)
    })?;
    let now = state.clock.now().timestamp();
    let audience_ok = claims
        .aud
        .trim_end_matches('/')
        .eq_ignore_ascii_case(audience);
    let issuer_ok = aad::is_issuer_of(&claims.iss, &claims.tid);
    (audience_ok && issuer_ok && claims.nbf <= now && now < claims.exp).then_some(claims)
}

/// The claims of a token signed with the server's key (nothing else checked).
fn verify_signature(state: &AppState, token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::RS256);
    // Lifetime is checked below against the server clock, which tests and users can move.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Claims>(token, &state.keys.decoding, &validation)
        .ok()
        .map(|data| data.claims)
}

/// A devcenter caller: a client with a valid token, acting for its seller account.
pub struct DevCenterCaller {
    pub seller_id: String,
}

impl FromRequestParts<AppState> for DevCenterCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = bearer(parts)
            .and_then(|token| validate(state, token, DEVCENTER_RESOURCE))
            .ok_or_else(gateway_unauthorized)?;
        match authorise(state, &claims).await {
            Ok(caller) => Ok(Self {
                seller_id: caller.seller_id,
            }),
            Err(Refusal::UnknownClient) => Err(gateway_unauthorized()),
            Err(Refusal::NoSeller { .. } | Refusal::NotManager { .. }) => {
                Err(account_not_allowed())
            }
            Err(Refusal::Internal) => Err(crate::errors::internal().into_response()),
        }
    }
}

/// A caller of the admin API, holding the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(parts) {
            Some(token)
                if aad::constant_time_eq(
                    token.as_bytes(),
                    state.account.admin_token.as_bytes(),
                ) =>
            {
                Ok(Admin)
            }
            _ => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "The admin API needs 'Authorization: Bearer <adminToken>' (see credentials.json in the data directory)",
                "",
            )),
        }
    }
}
