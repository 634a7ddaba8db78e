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

/// What a permission is about; the API and the pages use the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The company's own settings (names, RTN, fiscal settings).
    Company,
    /// Branches, emission points and warehouses.
    Branches,
    /// Users and their memberships (and the users/roles export).
    Users,
    /// Customers and suppliers.
    Parties,
    /// Categories, products and serial numbers (VINs).
    Catalog,
    /// Chart of accounts and tax codes.
    Accounts,
    /// The audit trail.
    Audit,
    /// Group-wide periodic tasks.
    Schedules,
    /// The SAR's authorized number ranges (CAI).
    Fiscal,
    /// Quotes, orders, invoices and credit notes; create/update includes
    /// confirming and posting, archive is cancelling a draft.
    Sales,
    /// Customer payments and their allocation to invoices, customer
    /// statements and aged receivables; archive reverses a payment.
    Payments,
    /// Journal entries and the accounting reports; create is a manual
    /// entry, archive a reversal. Nothing is ever updated.
    Ledger,
    /// Stock locations, stock documents (receipts, transfers, counts),
    /// on hand, valuation and units; create posts a document, update
    /// changes a location, archive reverses a document or archives a
    /// location.
    Stock,
    /// Purchase orders, supplier bills (with their withholding receipts)
    /// and supplier payments; create records, update closes or cancels an
    /// order, archive reverses a bill or a payment.
    Purchases,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    /// Archive (or delete, for what may be deleted).
    Archive,
}

impl Resource {
    pub const ALL: [Resource; 14] = [
        Resource::Company,
        Resource::Branches,
        Resource::Users,
        Resource::Parties,
        Resource::Catalog,
        Resource::Accounts,
        Resource::Audit,
        Resource::Schedules,
        Resource::Fiscal,
        Resource::Sales,
        Resource::Payments,
        Resource::Ledger,
        Resource::Stock,
        Resource::Purchases,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Company => "company",
            Resource::Branches => "branches",
            Resource::Users => "users",
            Resource::Parties => "parties",
            Resource::Catalog => "catalog",
            Resource::Accounts => "accounts",
            Resource::Audit => "audit",
            Resource::Schedules => "schedules",
            Resource::Fiscal => "fiscal",
            Resource::Sales => "sales",
            Resource::Payments => "payments",
            Resource::Ledger => "ledger",
            Resource::Stock => "stock",
            Resource::Purchases => "purchases",
        }
    }
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Archive,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Archive => "archive",
        }
    }
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

    /// The permission matrix, documented in `docs/permissions.md` (a test
    /// keeps the two equal, another checks the API against the document).
    pub fn can(self, resource: Resource, action: Action) -> bool {
        use Action::*;
        use Resource::*;
        use Role::*;
        let admin = matches!(self, GroupAdmin | CompanyAdmin);
        match resource {
            // Tasks ship with the appliance: they are changed, never created or removed.
            Schedules => self == GroupAdmin && matches!(action, Read | Update),
            Users => admin,
            Audit => action == Read && (admin || self == Accountant),
            // Companies are created by the operator (`appliance admin`), never archived.
            Company => action == Read || (admin && action == Update),
            Branches => action == Read || admin,
            Parties => match action {
                Read => true,
                Create | Update => admin || matches!(self, Accountant | Role::Sales),
                Archive => admin || self == Accountant,
            },
            Catalog => match action {
                Read => true,
                Create | Update => admin || self == Warehouse,
                Archive => admin,
            },
            Accounts => action == Read || matches!(self, GroupAdmin | Accountant),
            Fiscal => action == Read || admin || self == Accountant,
            Resource::Sales => action == Read || admin || matches!(self, Accountant | Role::Sales),
            Payments => match action {
                Read => true,
                Create => admin || matches!(self, Accountant | Role::Sales),
                // A payment is never edited: a wrong one is reversed.
                Update => false,
                Archive => admin || self == Accountant,
            },
            Ledger => match action {
                Read => self != Warehouse,
                Create | Archive => matches!(self, GroupAdmin | Accountant),
                Update => false,
            },
            Stock => match action {
                Read => true,
                Create | Update => admin || self == Warehouse,
                Archive => admin || self == Accountant,
            },
            // Buying is the accountant's and the admins'; the warehouse
            // receives against orders (stock) and reads them here.
            Purchases => action == Read || admin || self == Accountant,
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

    /// `docs/permissions.md` says exactly what `Role::can` does.
    #[test]
    fn the_documented_matrix_is_the_code() {
        let doc = include_str!("../../docs/permissions.md");
        let mut checked = 0;
        for line in doc.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (resource, action) = cells[1]
                .trim_matches('`')
                .split_once(' ')
                .unwrap_or_default();
            let resource = Resource::ALL.into_iter().find(|r| r.as_str() == resource);
            let action = Action::ALL.into_iter().find(|a| a.as_str() == action);
            let (Some(resource), Some(action)) = (resource, action) else {
                panic!("unknown row in docs/permissions.md: {line}");
            };
            for (role, cell) in Role::ALL.into_iter().zip(&cells[2..8]) {
                assert_eq!(
                    role.can(resource, action),
                    *cell == "✓",
                    "{role} {} {}",
                    resource.as_str(),
                    action.as_str()
                );
                checked += 1;
            }
        }
        assert_eq!(
            checked,
            Resource::ALL.len() * Action::ALL.len() * Role::ALL.len()
        );
    }
}
