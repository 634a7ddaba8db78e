//! Failed-login limits per client address and per account, counted in Redis so
//! every API/web process shares them.

use fred::prelude::*;

use crate::kv::Kv;
use crate::{Error, ErrorKind, Result};

/// Window over which failures count.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account in a window.
pub const MAX_PER_ACCOUNT: i64 = 5;
/// Failures allowed per client address in a window (an office shares one IP).
pub const MAX_PER_IP: i64 = 30;

fn keys(ip: &str, email: &str) -> [(String, i64); 2] {
    [
        (format!("erp:login-fail:ip:{ip}"), MAX_PER_IP),
        (
            format!("erp:login-fail:acct:{}", email.to_lowercase()),
            MAX_PER_ACCOUNT,
        ),
    ]
}

/// Refuse before checking the password when either counter is exhausted.
pub async fn check(kv: &Kv, ip: &str, email: &str) -> Result<()> {
    for (key, max) in keys(ip, email) {
        let count: Option<i64> = kv.pool.get(&key).await?;
        if count.unwrap_or(0) >= max {
            let ttl: i64 = kv.pool.ttl(&key).await?;
            return Err(Error::new(
                ErrorKind::RateLimited {
                    retry_after_secs: ttl.max(1) as u64,
                },
                "too_many_login_attempts",
                "too many failed login attempts; try again later",
            ));
        }
    }
    Ok(())
}

pub async fn record_failure(kv: &Kv, ip: &str, email: &str) -> Result<()> {
    for (key, _) in keys(ip, email) {
        let count: i64 = kv.pool.incr(&key).await?;
        if count == 1 {
            let _: bool = kv.pool.expire(&key, WINDOW_SECS, None).await?;
        }
    }
    Ok(())
}

/// A successful login clears the account's counter (not the address's).
pub async fn clear_account(kv: &Kv, email: &str) -> Result<()> {
    let _: i64 = kv
        .pool
        .del(format!("erp:login-fail:acct:{}", email.to_lowercase()))
        .await?;
    Ok(())
}
