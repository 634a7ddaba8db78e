//! The logged-in caller of an API request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use erp::{Erp, SessionUser};
use tower_sessions::Session;

use crate::problem::Problem;

/// Extracting this fails with 401 problem+json when there is no live session.
pub struct Caller {
    pub user: SessionUser,
    pub session: Session,
}

impl FromRequestParts<Erp> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, erp: &Erp) -> Result<Self, Problem> {
        let session = Session::from_request_parts(parts, erp)
            .await
            .map_err(|(_, msg)| {
                Problem::from(erp::Error::internal(anyhow::anyhow!(
                    "session layer missing: {msg}"
                )))
            })?;
        let user: Option<SessionUser> = session.get(SessionUser::KEY).await.map_err(|e| {
            Problem::from(erp::Error::internal(anyhow::anyhow!("session store: {e}")))
        })?;
        let unauthenticated =
            || Problem::from(erp::Error::unauthenticated("not_logged_in", "log in first"));
        let user = user.ok_or_else(unauthenticated)?;
        let Some(user) = erp::auth::login::still_active(erp, user).await? else {
            let _ = session.flush().await;
            return Err(unauthenticated());
        };
        Ok(Caller { user, session })
    }
}
