//! What a logged-in session holds. Stored by tower-sessions in Redis under
//! [`SessionUser::KEY`]; the API and the web UI read the same value.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::login::SessionCheck;
use crate::db::Tenant;
use crate::roles::Role;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: Uuid,
    /// The company the user is working in; switching changes only this.
    pub company_id: Option<Uuid>,
    pub locale: String,
    /// The role in `company_id` as this request's session check found it
    /// (see [`crate::auth::login::check_session`]); `Access::begin` takes it
    /// instead of asking again. Never stored with the session, and private
    /// so that a copy for another company cannot carry it along.
    #[serde(skip)]
    pub(crate) checked_role: Option<Role>,
}

impl SessionUser {
    pub const KEY: &'static str = "erp.user";

    pub fn new(user_id: Uuid, company_id: Option<Uuid>, locale: String) -> Self {
        SessionUser {
            user_id,
            company_id,
            locale,
            checked_role: None,
        }
    }

    /// The same user working in another company.
    pub fn in_company(self, company_id: Uuid) -> Self {
        SessionUser::new(self.user_id, Some(company_id), self.locale)
    }

    /// The user as `check` found them: the role is kept for this request
    /// only while nothing stands between the user and the company.
    pub fn checked(self, check: &SessionCheck) -> SessionUser {
        let usable = check.active && !check.must_enrol;
        SessionUser {
            checked_role: check.role.filter(|_| usable),
            ..self
        }
    }

    /// The same user reading another language.
    pub fn with_locale(self, locale: String) -> Self {
        SessionUser { locale, ..self }
    }

    /// The tenant for work inside the active company.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            user_id: Some(self.user_id),
            company_ids: self.company_id.into_iter().collect(),
        }
    }
}
