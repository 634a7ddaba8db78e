//! The built-in roles and what each may do. One table, read by the API and
//! the UI alike, so the permission check exists once.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GroupAdmin,
    CompanyAdmin,
    Accountant,
    Sales,
    Warehouse,
    ReadOnly,
}

/// Actions guarded so far; later modules add theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Export the company's users and roles.
    ExportUsers,
    /// Read or change group-wide periodic tasks.
    ManageSchedules,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::GroupAdmin,
        Role::CompanyAdmin,
        Role::Accountant,
        Role::Sales,
        Role::Warehouse,
        Role::ReadOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GroupAdmin => "group_admin",
            Role::CompanyAdmin => "company_admin",
            Role::Accountant => "accountant",
            Role::Sales => "sales",
            Role::Warehouse => "warehouse",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ExportUsers => matches!(self, GroupAdmin | CompanyAdmin),
            ManageSchedules => matches!(self, GroupAdmin),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                crate::Error::validation(
                    "unknown_role",
                    "role",
                    format!(
                        "unknown role {s:?}; expected one of: {}",
                        Role::ALL.map(Role::as_str).join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_export_and_only_group_admins_schedule() {
        let exporters: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ExportUsers))
            .collect();
        assert_eq!(exporters, vec![Role::GroupAdmin, Role::CompanyAdmin]);
        let schedulers: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ManageSchedules))
            .collect();
        assert_eq!(schedulers, vec![Role::GroupAdmin]);
    }
}
