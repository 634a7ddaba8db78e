//! Companies and who belongs to them; their settings, branches and warehouses.

pub mod branches;
pub mod members;
pub mod settings;
pub mod warehouses;

use serde::Serialize;
use uuid::Uuid;

use crate::db::{Db, Tenant};
use crate::roles::Role;
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Membership {
    pub company_id: Uuid,
    pub company_name: String,
    pub role: Role,
}

/// The current user with the companies they belong to (the switcher's list).
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub companies: Vec<Membership>,
    /// Notifications not read yet (the top bar shows the count).
    pub unread_notifications: i64,
}

impl Me {
    pub fn role_in(&self, company_id: Uuid) -> Option<Role> {
        self.companies
            .iter()
            .find(|m| m.company_id == company_id)
            .map(|m| m.role)
    }
}

pub async fn me(db: &Db, user_id: Uuid) -> Result<Me> {
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    let user: Option<(String, String, String)> =
        sqlx::query_as("SELECT email, display_name, locale FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (email, display_name, locale) = user.ok_or_else(|| Error::not_found("user_not_found"))?;
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT c.id, c.name, m.role FROM memberships m JOIN companies c ON c.id = m.company_id
          WHERE m.user_id = $1 AND m.active ORDER BY c.name",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    let unread_notifications: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let companies = rows
        .into_iter()
        .map(|(company_id, company_name, role)| {
            Ok(Membership {
                company_id,
                company_name,
                role: role.parse()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Me {
        user_id,
        email,
        display_name,
        locale,
        companies,
        unread_notifications,
    })
}

/// The caller's role in a company, or NotFound when not a member (a company
/// one cannot see does not exist, as far as the caller knows).
pub async fn role_in(db: &Db, user_id: Uuid, company_id: Uuid) -> Result<Role> {
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM memberships WHERE user_id = $1 AND company_id = $2 AND active",
    )
    .bind(user_id)
    .bind(company_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    role.ok_or_else(|| Error::not_found("company_not_found"))?
        .parse()
}

/// Users and roles of the tenant's companies, for the export.
pub async fn users_and_roles(
    tx: &mut sqlx::PgConnection,
) -> Result<Vec<(String, String, String, String, bool)>> {
    Ok(sqlx::query_as(
        "SELECT c.name, u.display_name, u.email, m.role, u.active AND m.active
           FROM memberships m
           JOIN users u ON u.id = m.user_id
           JOIN companies c ON c.id = m.company_id
          WHERE m.company_id = ANY (app_company_ids())
          ORDER BY c.name, lower(u.email)",
    )
    .fetch_all(tx)
    .await?)
}

/// The user's own language preference ("es-HN" or "en").
pub async fn set_locale(db: &Db, user_id: Uuid, locale: &str) -> Result<()> {
    if !matches!(locale, "es-HN" | "en") {
        return Err(Error::validation(
            "unknown_locale",
            "locale",
            "the language must be es-HN or en",
        ));
    }
    let mut tx = db.tenant(&Tenant::user(user_id)).await?;
    sqlx::query("UPDATE users SET locale = $2 WHERE id = $1")
        .bind(user_id)
        .bind(locale)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
