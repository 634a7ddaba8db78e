//! The gate every module passes: who is asking, in which company, with which
//! role, and whether the role allows the action. It opens the tenant
//! transaction only after the check, so a refused call touches nothing.

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::db::{Db, Tenant};
use crate::roles::{Action, Resource, Role};
use crate::{Error, ErrorKind, Result, SessionUser};

pub type Tx = Transaction<'static, Postgres>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub role: Role,
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
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE user_id = $1 AND company_id = $2 AND active",
        )
        .bind(user.user_id)
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let role: Role = role
            .ok_or_else(|| Error::not_found("company_not_found"))?
            .parse()?;
        let access = Access {
            user_id: user.user_id,
            company_id,
            role,
        };
        access.require(resource, action)?;
        Ok((access, tx))
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
