//! Stock locations. Internal ones belong to a warehouse (its main location
//! is made with it; people add a yard, a showroom, a workshop). The four
//! virtual ones per company — suppliers, customers, in transit / customs,
//! losses — are made by the database and cannot be changed or archived.
//! A location is a `Record`: list, form, update, archive and CSV are the
//! generic ones.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::query_builder::Separated;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access::{Access, Tx};
use crate::records::{Constraint, Exported, Record, SortKey};
use crate::roles::Resource;
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result};

/// What a location is for.
pub const KINDS: [&str; 5] = ["internal", "supplier", "customer", "transit", "loss"];

/// A location's kind as the stock ledger reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationKind {
    Internal,
    Supplier,
    Customer,
    Transit,
    Loss,
}

impl LocationKind {
    /// The database's CHECK allows only the five names; anything else reads
    /// as a loss, the side that never holds stock.
    pub fn parse(kind: &str) -> LocationKind {
        match kind {
            "internal" => LocationKind::Internal,
            "supplier" => LocationKind::Supplier,
            "customer" => LocationKind::Customer,
            "transit" => LocationKind::Transit,
            _ => LocationKind::Loss,
        }
    }

    /// Stock held here is the company's and counts on hand and in value:
    /// a warehouse's locations and goods on the road or in customs.
    pub fn is_held(self) -> bool {
        matches!(self, LocationKind::Internal | LocationKind::Transit)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: Uuid,
    /// internal, supplier, customer, transit or loss.
    pub kind: String,
    /// The warehouse of an internal location; null for the virtual ones.
    pub warehouse_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(default)]
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub name_key: String,
}

/// An internal location; the virtual ones are not created or changed.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub warehouse_id: Uuid,
    /// 1–20 letters, digits, `-` or `_`, starting with a letter or digit; stored in capitals.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
    )]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    /// Required on update.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct ValidLocation {
    pub warehouse_id: Uuid,
    pub code: String,
    pub name: String,
}

impl LocationInput {
    pub fn validate(self) -> Result<ValidLocation> {
        let mut c = Checks::new();
        let code = c.text("/code", &self.code, 1, 20).to_uppercase();
        let shape = code
            .chars()
            .enumerate()
            .all(|(i, ch)| ch.is_ascii_alphanumeric() || (i > 0 && matches!(ch, '-' | '_')));
        if !code.is_empty() && !shape {
            c.push(FieldIssue::new(
                "/code",
                "invalid_code",
                "letters, digits, - and _ (not first)",
            ));
        }
        let name = c.text("/name", &self.name, 1, 200);
        c.finish()?;
        Ok(ValidLocation {
            warehouse_id: self.warehouse_id,
            code,
            name,
        })
    }
}

crate::list_query! {
    /// Filters and order of the location list.
    pub struct LocationQuery {
        q: "Text in the code or name (accents and case ignored).",
        sort: "`code` (default), `name` or `created`; prefix `-` for descending.",
        sort_pattern: r"^(-?(code|name|created))?$",
        pub warehouse_id: Option<Uuid>,
        /// internal, supplier, customer, transit or loss.
        #[cfg_attr(feature = "openapi", param(pattern = r"^(internal|supplier|customer|transit|loss)?$"))]
        pub kind: Option<String>,
    }
}

fn code_taken() -> FieldIssue {
    FieldIssue::new(
        "/code",
        "location_code_taken",
        "another location of this company has this code",
    )
}

fn unknown_warehouse() -> FieldIssue {
    FieldIssue::new(
        "/warehouse_id",
        "unknown_warehouse",
        "no such warehouse in this company",
    )
}

fn virtual_fixed() -> FieldIssue {
    FieldIssue::new(
        "/warehouse_id",
        "virtual_location_fixed",
        "the suppliers, customers, transit and losses locations cannot be changed or archived",
    )
}

impl Record for Location {
    const TABLE: &'static str = "stock_locations";
    const ENTITY: &'static str = "stock_location";
    const NOT_FOUND: &'static str = "location_not_found";
    const RESOURCE: Resource = Resource::Stock;
    const COLUMNS: &'static str =
        "id, kind, warehouse_id, code, name, archived_at, version, created_at, updated_at";
    const LIST_EXTRA: &'static str = ", name_key";
    const WRITTEN: &'static str = "warehouse_id, code, name";
    const CONSTRAINTS: &'static [Constraint] = &[
        ("stock_locations_company_id_code_key", code_taken),
        (
            "stock_locations_company_id_warehouse_id_fkey",
            unknown_warehouse,
        ),
        ("stock_locations_internal_in_a_warehouse", virtual_fixed),
        ("stock_locations_virtual_kept", virtual_fixed),
    ];
    const SORTS: &'static [SortKey] = &[
        SortKey {
            name: "code",
            sql: "code",
            cast: "text",
        },
        SortKey::NAME,
        SortKey::CREATED,
    ];
    type Input = LocationInput;
    type Valid = ValidLocation;
    type Query = LocationQuery;

    fn validate(input: LocationInput) -> Result<ValidLocation> {
        input.validate()
    }

    fn input_version(input: &LocationInput) -> Option<i32> {
        input.version
    }

    fn push_values(l: &ValidLocation, values: &mut Separated<'_, Postgres, &'static str>) {
        values
            .push_bind(l.warehouse_id)
            .push_bind(l.code.clone())
            .push_bind(l.name.clone());
    }

    fn push_filters(query: &LocationQuery, qb: &mut QueryBuilder<Postgres>) -> Result<()> {
        if let Some(warehouse) = query.warehouse_id {
            qb.push(" AND warehouse_id = ").push_bind(warehouse);
        }
        if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
            if !KINDS.contains(&kind) {
                return Err(Error::validation(
                    "invalid_kind",
                    "/kind",
                    "kind is internal, supplier, customer, transit or loss",
                ));
            }
            qb.push(" AND kind = ").push_bind(kind.to_owned());
        }
        // A company has a handful of locations: a plain filter, no index.
        if let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            qb.push(" AND search_norm(code || ' ' || name) LIKE '%' || search_norm(")
                .push_bind(escaped)
                .push(") || '%'");
        }
        Ok(())
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn sort_value(&self, sort: &str) -> String {
        match sort {
            "name" => self.name_key.clone(),
            "created" => self.created_at.to_rfc3339(),
            _ => self.code.clone(),
        }
    }
}

/// Warehouse codes by id, for the CSV.
pub struct WarehouseCodes(std::collections::HashMap<Uuid, String>);

impl Exported for Location {
    const FILE: &'static str = "locations";
    const CSV_COLUMNS: &'static [(&'static str, &'static [&'static str])] = &[
        ("code", &["código"]),
        ("name", &["nombre"]),
        ("kind", &["tipo"]),
        ("warehouse", &["bodega"]),
    ];
    type Lookup = WarehouseCodes;

    async fn lookup(tx: &mut Tx, access: &Access) -> Result<WarehouseCodes> {
        let rows: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, code FROM warehouses WHERE company_id = $1")
                .bind(access.company_id)
                .fetch_all(&mut **tx)
                .await?;
        Ok(WarehouseCodes(rows.into_iter().collect()))
    }

    fn csv_row(&self, warehouses: &WarehouseCodes) -> Vec<String> {
        vec![
            self.code.clone(),
            self.name.clone(),
            self.kind.clone(),
            self.warehouse_id
                .and_then(|w| warehouses.0.get(&w).cloned())
                .unwrap_or_default(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_capitals_and_bad_ones_are_named() {
        let input = |code: &str| LocationInput {
            warehouse_id: Uuid::nil(),
            code: code.into(),
            name: "Patio".into(),
            version: None,
        };
        assert_eq!(
            input("patio-1").validate().ok().map(|l| l.code),
            Some("PATIO-1".to_owned())
        );
        let codes = |code: &str| -> Vec<(String, &str)> {
            input(code)
                .validate()
                .err()
                .map(|e| e.fields.into_iter().map(|f| (f.pointer, f.code)).collect())
                .unwrap_or_default()
        };
        assert_eq!(codes("-x"), [("/code".to_owned(), "invalid_code")]);
        assert_eq!(codes("patio 1"), [("/code".to_owned(), "invalid_code")]);
        assert_eq!(codes(""), [("/code".to_owned(), "required")]);
    }
}
