//! What a logged-in session holds. Stored by tower-sessions in Redis under
//! [`SessionUser::KEY`]; the API and the web UI read the same value.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Tenant;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: Uuid,
    /// The company the user is working in; switching changes only this.
    pub company_id: Option<Uuid>,
    pub locale: String,
}

impl SessionUser {
    pub const KEY: &'static str = "erp.user";

    /// The tenant for work inside the active company.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            user_id: Some(self.user_id),
            company_ids: self.company_id.into_iter().collect(),
        }
    }
}
