//! Dashboard sign-in: sessions opened with the admin token (checked by the server, which
//! holds it), looked up by the cookie's token, closed by signing out.

use chrono::Utc;

use super::Service;
use crate::dashboard_session::{DashboardSession, token_sha256};
use crate::error::DomainResult;

impl Service {
    /// A new dashboard session and the token its cookie holds. Sessions that expired are
    /// removed on the way, so the table holds only the live ones and a few stale.
    pub async fn open_dashboard_session(&self) -> DomainResult<(DashboardSession, String)> {
        let now = Utc::now();
        let (session, token) = DashboardSession::generate(now);
        let mut tx = self.store.begin().await?;
        tx.delete_expired_dashboard_sessions(now).await?;
        tx.insert_dashboard_session(&session).await?;
        tx.commit().await?;
        Ok((session, token))
    }

    /// The live session a cookie's token opens, if any.
    pub async fn dashboard_session(&self, token: &str) -> DomainResult<Option<DashboardSession>> {
        let session = self.store.dashboard_session(&token_sha256(token)).await?;
        Ok(session.filter(|session| session.is_live(Utc::now())))
    }

    /// Signs out: the session is gone for every instance.
    pub async fn close_dashboard_session(&self, token: &str) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        tx.delete_dashboard_session(&token_sha256(token)).await?;
        tx.commit().await?;
        Ok(())
    }
}
