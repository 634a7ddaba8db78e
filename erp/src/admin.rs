//! Operator commands (`appliance admin …`), run with the owner pool: they
//! create the first company and user of an install, before anyone can log in.

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::password;
use crate::roles::Role;
use crate::{Error, ErrorKind, Result};

#[derive(Debug, Clone)]
pub struct NewCompany<'a> {
    pub name: &'a str,
    pub legal_name: &'a str,
    pub rtn: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub id: Uuid,
}

pub fn validate_rtn(rtn: &str) -> Result<()> {
    if rtn.len() == 14 && rtn.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::validation(
            "invalid_rtn",
            "rtn",
            "an RTN has exactly 14 digits",
        ))
    }
}

pub async fn create_company(owner: &PgPool, c: NewCompany<'_>) -> Result<Created> {
    if c.name.trim().is_empty() || c.name.len() > 200 {
        return Err(Error::validation(
            "invalid_company_name",
            "name",
            "a company needs a name (200 characters at most)",
        ));
    }
    if let Some(rtn) = c.rtn {
        validate_rtn(rtn)?;
    }
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO companies (id, name, legal_name, rtn) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(c.name.trim())
        .bind(c.legal_name.trim())
        .bind(c.rtn)
        .execute(owner)
        .await
        .map_err(|e| {
            unique_violation(
                e,
                "company_exists",
                "name",
                "a company with that name exists",
            )
        })?;
    Ok(Created { id })
}

pub async fn company_id_by_name(owner: &PgPool, name: &str) -> Result<Uuid> {
    sqlx::query_scalar("SELECT id FROM companies WHERE lower(name) = lower($1)")
        .bind(name.trim())
        .fetch_optional(owner)
        .await?
        .ok_or_else(|| {
            Error::validation(
                "unknown_company",
                "company",
                format!("no company named {name:?}"),
            )
        })
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub company_id: Uuid,
    pub role: Role,
}

/// Create a user with one membership, or add the membership to an existing user
/// with that e-mail (the password is then left unchanged).
pub async fn create_user(owner: &PgPool, u: NewUser<'_>) -> Result<Created> {
    let email = u.email.trim();
    if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(Error::validation(
            "invalid_email",
            "email",
            format!("{email:?} is not an e-mail address"),
        ));
    }
    let mut tx = owner.begin().await?;
    let existing: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let hash = password::hash(u.password)?;
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(email)
                .bind(u.display_name.trim())
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO memberships (user_id, company_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, company_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(id)
    .bind(u.company_id)
    .bind(u.role.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_log (company_id, user_id, action, entity, entity_id, detail)
         VALUES ($1, NULL, 'create', 'membership', $2, $3)",
    )
    .bind(u.company_id)
    .bind(id.to_string())
    .bind(serde_json::json!({ "email": email, "role": u.role.as_str(), "by": "appliance admin" }))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Created { id })
}

fn unique_violation(e: sqlx::Error, code: &'static str, field: &str, message: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => Error {
            fields: vec![crate::FieldIssue::new(field, code, message)],
            ..Error::new(ErrorKind::Conflict, code, message)
        },
        _ => e.into(),
    }
}

/// Turn off a user's two-step verification (the operator's answer to a lost
/// phone), audited in every company the user belongs to.
pub async fn reset_totp(owner: &PgPool, email: &str) -> Result<()> {
    let mut tx = owner.begin().await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
          WHERE lower(email) = lower($1) RETURNING id",
    )
    .bind(email.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            "user_not_found",
            format!("no user with the e-mail {email}"),
        )
    })?;
    sqlx::query(
        "INSERT INTO audit_log (company_id, user_id, action, entity, entity_id, detail)
         SELECT m.company_id, NULL, 'reset', 'totp', $1, $2 FROM memberships m WHERE m.user_id = $3",
    )
    .bind(id.to_string())
    .bind(serde_json::json!({ "email": email.trim(), "by": "appliance admin" }))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
