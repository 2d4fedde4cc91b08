//! Dashboard sessions: what signing in to `/dashboard/` with the admin token opens. The
//! browser holds a random token in a cookie; the store keeps only its SHA-256 (a copy of the
//! database opens no session), the session's CSRF token and its expiry.
//!
//! Expiry is by the wall clock, not the server's [`crate::Clock`]: the dashboard moves that
//! clock forward by days, which must not sign its own user out.

use chrono::{DateTime, Duration, Utc};
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use crate::accounts::digest;

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSession {
    /// SHA-256 (hex) of the cookie's token.
    pub token_sha256: String,
    /// The token every form of the session carries in a hidden field.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl DashboardSession {
    /// A new session from `now`, and the token its cookie holds.
    pub fn generate(now: DateTime<Utc>) -> (Self, String) {
        let token = Alphanumeric.sample_string(&mut rand::rng(), 48);
        let session = Self {
            token_sha256: token_sha256(&token),
            csrf_token: Alphanumeric.sample_string(&mut rand::rng(), 48),
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
        };
        (session, token)
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The key a session is stored under.
pub fn token_sha256(token: &str) -> String {
    digest(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_keeps_only_its_tokens_digest_and_expires() {
        let now = Utc::now();
        let (session, token) = DashboardSession::generate(now);
        assert_ne!(session.token_sha256, token);
        assert_eq!(session.token_sha256, token_sha256(&token));
        assert_ne!(session.csrf_token, token);
        assert!(session.is_live(now));
        assert!(!session.is_live(now + Duration::hours(SESSION_HOURS)));
    }
}
