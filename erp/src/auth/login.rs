//! Checking credentials.

use serde::Deserialize;
use uuid::Uuid;

use super::{SessionUser, password, rate_limit};
use crate::companies;
use crate::db::Tenant;
use crate::{Erp, Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// Verify credentials for a client at `ip`, honouring the failure limits.
/// On success returns the session payload (first company selected).
pub async fn login(erp: &Erp, ip: &str, creds: &Credentials) -> Result<SessionUser> {
    let email = creds.email.trim();
    if email.is_empty() || email.len() > 254 {
        return Err(Error::validation(
            "invalid_email",
            "email",
            "enter the e-mail address of your account",
        ));
    }
    rate_limit::check(&erp.kv, ip, email).await?;

    let row: Option<(Uuid, String, bool)> =
        sqlx::query_as("SELECT user_id, password_hash, active FROM auth_lookup($1)")
            .bind(email)
            .fetch_optional(erp.db.pool())
            .await?;
    let verified = match &row {
        Some((_, hash, active)) => password::verify(&creds.password, hash) && *active,
        None => {
            password::verify(&creds.password, password::decoy_hash());
            false
        }
    };
    let Some((user_id, _, _)) = row.filter(|_| verified) else {
        rate_limit::record_failure(&erp.kv, ip, email).await?;
        return Err(Error::unauthenticated(
            "invalid_credentials",
            "wrong e-mail or password",
        ));
    };
    rate_limit::clear_account(&erp.kv, email).await?;

    let me = companies::me(&erp.db, user_id).await?;
    Ok(SessionUser {
        user_id,
        company_id: me.companies.first().map(|c| c.company_id),
        locale: me.locale,
    })
}

/// Re-check that a session's user still exists and is active (sessions
/// outlive deactivation otherwise).
pub async fn still_active(erp: &Erp, user: &SessionUser) -> Result<bool> {
    let mut tx = erp.db.tenant(&Tenant::user(user.user_id)).await?;
    let active: Option<bool> = sqlx::query_scalar("SELECT active FROM users WHERE id = $1")
        .bind(user.user_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(active.unwrap_or(false))
}
