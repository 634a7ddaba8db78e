//! The gate every module passes: who is asking, in which company, with which
//! role, and whether the role allows the action. It opens the tenant
//! transaction only after the check, so a refused call touches nothing.

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::db::{Db, Tenant};
use crate::roles::{Action, Resource, Role};
use crate::{Error, ErrorKind, Result, SessionUser};

pub type Tx = Transaction<'static, Postgres>;

/// The code of the refusal while a company requires two-step verification
/// the user has not set up; pages send the user to set it up.
pub const TOTP_REQUIRED: &str = "totp_required_by_company";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub role: Role,
}

/// The user's role in the company the transaction is scoped to, refused
/// while the company requires two-step verification the user has not set
/// up (then nothing of the company is open).
async fn role_in_company(tx: &mut Tx, user_id: Uuid, company_id: Uuid) -> Result<Role> {
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT m.role, c.require_totp AND u.totp_enabled_at IS NULL
           FROM memberships m
           JOIN companies c ON c.id = m.company_id
           JOIN users u ON u.id = m.user_id
          WHERE m.user_id = $1 AND m.company_id = $2 AND m.active",
    )
    .bind(user_id)
    .bind(company_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (role, needs_totp) = row.ok_or_else(|| Error::not_found("company_not_found"))?;
    if needs_totp {
        return Err(Error::new(
            ErrorKind::Forbidden,
            TOTP_REQUIRED,
            "this company requires two-step verification: set it up first",
        ));
    }
    role.parse()
}

impl Access {
    /// Check `resource`/`action` for the session's active company and open a
    /// transaction scoped to that company.
    pub async fn begin(
        db: &Db,
        user: &SessionUser,
        resource: Resource,
        action: Action,
    ) -> Result<(Access, Tx)> {
        let company_id = user.company_id.ok_or_else(|| {
            Error::new(ErrorKind::Forbidden, "no_company", "choose a company first")
        })?;
        let mut tx = db
            .tenant(&Tenant::in_company(user.user_id, company_id))
            .await?;
        // This request's session check read the role a moment ago (an
        // active member, nothing required of them): no second asking.
        let role = match user.checked_role {
            Some(role) => role,
            None => role_in_company(&mut tx, user.user_id, company_id).await?,
        };
        let access = Access {
            user_id: user.user_id,
            company_id,
            role,
        };
        access.require(resource, action)?;
        Ok((access, tx))
    }

    /// The companies a consolidated report covers: the ids in `text`
    /// (comma-separated, one to 50), or the user's active company when
    /// there is no text. Whether the user may see them is `begin_many`'s
    /// to judge.
    pub fn chosen_companies(user: &SessionUser, text: Option<&str>) -> Result<Vec<Uuid>> {
        match text.filter(|c| !c.trim().is_empty()) {
            Some(text) => parse_companies(text),
            None => Ok(vec![user.company_id.ok_or_else(|| {
                Error::new(ErrorKind::Forbidden, "no_company", "choose a company first")
            })?]),
        }
    }

    /// The transaction of a report that may consolidate: the companies in
    /// `text` (see `chosen_companies`), or the active company alone — then
    /// by `begin`, which reuses the role this request's session check read.
    pub async fn begin_chosen(
        db: &Db,
        user: &SessionUser,
        text: Option<&str>,
        resource: Resource,
        action: Action,
    ) -> Result<(Vec<Uuid>, Tx)> {
        let companies = Access::chosen_companies(user, text)?;
        if companies.len() == 1 && Some(companies[0]) == user.company_id {
            let (_, tx) = Access::begin(db, user, resource, action).await?;
            return Ok((companies, tx));
        }
        let tx = Access::begin_many(db, user, &companies, resource, action).await?;
        Ok((companies, tx))
    }

    /// Several companies in one transaction (consolidated reports): the
    /// user must hold `resource`/`action` in every one of them, and the
    /// transaction sees exactly those companies.
    pub async fn begin_many(
        db: &Db,
        user: &SessionUser,
        companies: &[Uuid],
        resource: Resource,
        action: Action,
    ) -> Result<Tx> {
        let mut tx = db
            .tenant(&Tenant {
                user_id: Some(user.user_id),
                company_ids: companies.to_vec(),
            })
            .await?;
        let rows: Vec<(Uuid, String, bool)> = sqlx::query_as(
            "SELECT m.company_id, m.role, c.require_totp AND u.totp_enabled_at IS NULL
               FROM memberships m
               JOIN companies c ON c.id = m.company_id
               JOIN users u ON u.id = m.user_id
              WHERE m.user_id = $1 AND m.company_id = ANY($2) AND m.active",
        )
        .bind(user.user_id)
        .bind(companies)
        .fetch_all(&mut *tx)
        .await?;
        for company in companies {
            let (_, role, needs_totp) = rows
                .iter()
                .find(|(c, _, _)| c == company)
                .ok_or_else(|| Error::not_found("company_not_found"))?;
            if *needs_totp {
                return Err(Error::new(
                    ErrorKind::Forbidden,
                    TOTP_REQUIRED,
                    "a chosen company requires two-step verification: set it up first",
                ));
            }
            role.parse::<Role>()?
                .can(resource, action)
                .then_some(())
                .ok_or_else(Error::forbidden)?;
        }
        Ok(tx)
    }

    pub fn can(&self, resource: Resource, action: Action) -> bool {
        self.role.can(resource, action)
    }

    pub fn require(&self, resource: Resource, action: Action) -> Result<()> {
        if self.can(resource, action) {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }
}

/// Company ids separated by commas, sorted and without repeats.
fn parse_companies(text: &str) -> Result<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| {
                Error::validation(
                    "invalid_company",
                    "/companies",
                    format!("{s:?} is not a company id"),
                )
            })
        })
        .collect::<Result<_>>()?;
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 50 {
        return Err(Error::validation(
            "invalid_company",
            "/companies",
            "one to 50 company ids",
        ));
    }
    Ok(ids)
}
