//! Two-step verification with time-based one-time codes (RFC 6238: SHA-1,
//! six digits, 30 seconds — what every authenticator app reads from the QR
//! code). Enrolling is two steps: a new secret is shown as a QR code (kept
//! by the caller, not stored), and only a correct code from the app turns
//! verification on, so nobody is locked out by a scan that did not work.

use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::db::{Db, Tenant};
use crate::{Error, ErrorKind, FieldIssue, Result, audit};

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "ERP del Grupo";

/// Codes accepted around now: one 30-second step either side, for phones
/// whose clock drifts.
const SKEW_STEPS: i64 = 1;
const STEP_SECS: u64 = 30;

fn totp(secret_base32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| Error::internal(anyhow::anyhow!("totp secret: {e:?}")))?;
    // Apps label the entry "issuer:account"; a colon inside would break it.
    // Skew 0 here: `matching_step` walks the accepted steps itself, so it
    // knows which one matched.
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_owned()),
        account.replace(':', " "),
    )
    .map_err(|e| Error::internal(anyhow::anyhow!("totp: {e}")))
}

/// A fresh random secret (160 bits, base32).
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// Whether `code` is right now (or one 30-second step either side, for
/// clocks that drift).
pub fn verify(secret_base32: &str, code: &str) -> bool {
    matching_step(secret_base32, code).is_some()
}

/// The 30-second step `code` belongs to, if it is one of the accepted ones.
/// Login records it so the same code cannot sign in twice.
pub fn matching_step(secret_base32: &str, code: &str) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 {
        return None;
    }
    let t = totp(secret_base32, "x").ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let step = now / STEP_SECS;
    (-SKEW_STEPS..=SKEW_STEPS)
        .filter_map(|d| step.checked_add_signed(d))
        .find(|s| t.check(&code, s * STEP_SECS))
}

/// The code of this moment (for tests and the operator's checks).
pub fn current_code(secret_base32: &str) -> Result<String> {
    totp(secret_base32, "x")?
        .generate_current()
        .map_err(|e| Error::internal(anyhow::anyhow!("clock: {e}")))
}

/// What the enrolment page shows: the QR code (SVG), the link it encodes
/// and the secret as text for typing by hand.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

pub fn enrolment(secret_base32: &str, email: &str) -> Result<Enrolment> {
    let url = totp(secret_base32, email)?.get_url();
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| Error::internal(anyhow::anyhow!("qr: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(Enrolment {
        secret: secret_base32.to_owned(),
        otpauth_url: url,
        qr_svg: qr,
    })
}

fn wrong_code() -> Error {
    Error::invalid_fields(vec![FieldIssue::new(
        "/code",
        "totp_invalid",
        "the code is not right; use the current code of the app",
    )])
}

/// Whether the user has verification on.
pub async fn enabled(db: &Db, user_id: Uuid) -> Result<bool> {
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    let on: Option<bool> =
        sqlx::query_scalar("SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(on.unwrap_or(false))
}

/// Turn verification on with the secret shown at enrolment, once the app's
/// code proves the scan worked.
pub async fn enable(db: &Db, user_id: Uuid, secret_base32: &str, code: &str) -> Result<()> {
    if !verify(secret_base32, code) {
        return Err(wrong_code());
    }
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    sqlx::query("UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(secret_base32)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, user_id, "enable").await?;
    tx.commit().await?;
    Ok(())
}

/// Turn verification off (a current code is needed), unless a company of
/// the user requires it.
pub async fn disable(db: &Db, user_id: Uuid, code: &str) -> Result<()> {
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    let secret: Option<String> = sqlx::query_scalar("SELECT own_totp_secret()")
        .fetch_one(&mut *tx)
        .await?;
    let Some(secret) = secret else {
        return Ok(());
    };
    if !verify(&secret, code) {
        return Err(wrong_code());
    }
    let required: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN companies c ON c.id = m.company_id
                         WHERE m.user_id = $1 AND m.active AND c.require_totp)",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if required {
        return Err(Error::new(
            ErrorKind::Conflict,
            "totp_required_by_company",
            "a company you work in requires two-step verification",
        ));
    }
    sqlx::query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, user_id, "disable").await?;
    tx.commit().await?;
    Ok(())
}

async fn record(tx: &mut sqlx::PgConnection, user_id: Uuid, action: &str) -> Result<()> {
    audit::record(
        tx,
        audit::Entry {
            company_id: None,
            user_id: Some(user_id),
            action,
            entity: "totp",
            entity_id: user_id.to_string(),
            detail: serde_json::json!({}),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_current_code_verifies_and_others_do_not() {
        let secret = new_secret();
        let code = current_code(&secret).unwrap_or_default();
        assert!(verify(&secret, &code));
        assert!(verify(&secret, &format!("{} {}", &code[..3], &code[3..])));
        let wrong = format!(
            "{:06}",
            (code.parse::<u32>().unwrap_or(0) + 500_000) % 1_000_000
        );
        assert!(!verify(&secret, &wrong));
        assert!(!verify(&secret, "12345"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / STEP_SECS)
            .unwrap_or_default();
        let step = matching_step(&secret, &code).unwrap_or_default();
        assert!(step == now || step + 1 == now, "the code's own step");
    }

    #[test]
    fn the_qr_code_carries_the_otpauth_link() {
        let e = enrolment(&new_secret(), "ana@demo.hn").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            e.otpauth_url
                .starts_with("otpauth://totp/ERP%20del%20Grupo:ana%40demo.hn?")
        );
        assert!(e.qr_svg.starts_with("<?xml") && e.qr_svg.contains("<svg"));
    }
}
