//! Checking credentials.

use serde::Deserialize;
use uuid::Uuid;

use super::{SessionUser, password, rate_limit};
use crate::companies;
use crate::roles::Role;
use crate::{Erp, Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// The authenticator app's code, for accounts with two-step verification.
    #[serde(default)]
    pub totp: Option<String>,
}

/// How far a login got.
#[derive(Debug)]
pub enum Step {
    /// Signed in.
    Done(SessionUser),
    /// The password was right; the account also needs the app's code
    /// ([`login_with_code`] with the same e-mail).
    NeedsCode,
}

fn refused() -> Error {
    Error::unauthenticated("invalid_credentials", "wrong e-mail or password")
}

/// Verify credentials for a client at `ip`, honouring the failure limits.
/// With the code in `creds` (or no two-step verification) the login is done
/// and the session payload returned (first company selected).
pub async fn login(erp: &Erp, ip: &str, creds: &Credentials) -> Result<Step> {
    let email = creds.email.trim();
    if email.is_empty() || email.len() > 254 {
        return Err(Error::validation(
            "invalid_email",
            "email",
            "enter the e-mail address of your account",
        ));
    }
    rate_limit::check(&erp.kv, ip, email).await?;

    let row = lookup(erp, email).await?;
    let verified = match &row {
        Some((_, hash, active, _)) => password::verify(&creds.password, hash) && *active,
        None => {
            password::verify(&creds.password, password::decoy_hash());
            false
        }
    };
    let Some((user_id, _, _, secret)) = row.filter(|_| verified) else {
        rate_limit::record_failure(&erp.kv, ip, email).await?;
        return Err(refused());
    };
    match (
        secret,
        creds.totp.as_deref().filter(|c| !c.trim().is_empty()),
    ) {
        (None, _) => {}
        (Some(_), None) => return Ok(Step::NeedsCode),
        (Some(secret), Some(code)) => check_code(erp, ip, user_id, email, &secret, code).await?,
    }
    rate_limit::clear_account(&erp.kv, email).await?;
    Ok(Step::Done(session_for(erp, user_id).await?))
}

/// The second step of a login whose password was verified (the caller keeps
/// that fact, e.g. in its session): the app's code for `email`.
pub async fn login_with_code(erp: &Erp, ip: &str, email: &str, code: &str) -> Result<SessionUser> {
    rate_limit::check(&erp.kv, ip, email).await?;
    let Some((user_id, _, true, Some(secret))) = lookup(erp, email).await? else {
        return Err(refused());
    };
    check_code(erp, ip, user_id, email, &secret, code).await?;
    rate_limit::clear_account(&erp.kv, email).await?;
    session_for(erp, user_id).await
}

type Account = (Uuid, String, bool, Option<String>);

async fn lookup(erp: &Erp, email: &str) -> Result<Option<Account>> {
    Ok(
        sqlx::query_as("SELECT user_id, password_hash, active, totp_secret FROM auth_lookup($1)")
            .bind(email)
            .fetch_optional(erp.db.pool())
            .await?,
    )
}

/// A wrong code counts as a failed login (it guards the same door); so does
/// a right code used a second time (someone may have watched it).
async fn check_code(
    erp: &Erp,
    ip: &str,
    user_id: Uuid,
    email: &str,
    secret: &str,
    code: &str,
) -> Result<()> {
    if let Some(step) = super::totp::matching_step(secret, code) {
        let fresh: bool = sqlx::query_scalar("SELECT totp_use_step($1, $2)")
            .bind(user_id)
            .bind(step as i64)
            .fetch_one(erp.db.pool())
            .await?;
        if fresh {
            return Ok(());
        }
    }
    rate_limit::record_failure(&erp.kv, ip, email).await?;
    Err(Error::unauthenticated(
        "totp_invalid",
        "the verification code is not right (or was used already)",
    ))
}

async fn session_for(erp: &Erp, user_id: Uuid) -> Result<SessionUser> {
    let me = companies::me(&erp.db, user_id).await?;
    Ok(SessionUser::new(
        user_id,
        me.companies.first().map(|c| c.company_id),
        me.locale,
    ))
}

/// Re-check that a session's user still exists and is active (sessions
/// outlive deactivation otherwise): the user, with the role the check found
/// in the active company, or None.
pub async fn still_active(erp: &Erp, user: SessionUser) -> Result<Option<SessionUser>> {
    let check = check_session(erp, &user).await?;
    Ok(check.active.then(|| user.checked(&check)))
}

/// What a live session may do right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCheck {
    /// The user exists and is active.
    pub active: bool,
    /// The active company requires two-step verification the user has not
    /// set up: only the page that sets it up is open.
    pub must_enrol: bool,
    /// The role in the active company, when the user is an active member.
    pub role: Option<Role>,
}

pub async fn check_session(erp: &Erp, user: &SessionUser) -> Result<SessionCheck> {
    // One round trip, outside any transaction (see migrations 14 and 16).
    let row: Option<(Option<bool>, Option<bool>, Option<String>)> =
        sqlx::query_as("SELECT active, must_enrol, member_role FROM session_state($1, $2)")
            .bind(user.user_id)
            .bind(user.company_id)
            .fetch_optional(erp.db.pool())
            .await?;
    let Some((Some(active), must_enrol, role)) = row else {
        return Ok(SessionCheck {
            active: false,
            must_enrol: false,
            role: None,
        });
    };
    Ok(SessionCheck {
        active,
        must_enrol: must_enrol.unwrap_or(false),
        role: role.map(|r| r.parse()).transpose()?,
    })
}
