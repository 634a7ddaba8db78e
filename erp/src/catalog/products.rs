//! Products: SKU, price, cost, ISV class, unit, tracking. A vehicle is always
//! tracked by serial number (its VIN).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::query_builder::Separated;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::numbers::{AMOUNT_OR_ZERO, MONEY_OR_ZERO};
use crate::records::{Constraint, Record, SortKey};
use crate::roles::Resource;
use crate::validate::Checks;
use crate::values::{Sku, TaxClass};
use crate::{Error, FieldIssue, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    pub unit: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "45999.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub sale_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "38000.0000"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub cost: Decimal,
    /// isv15, isv18, exempt or exonerated.
    pub tax_class: String,
    /// none or serial.
    pub tracking: String,
    pub is_vehicle: bool,
    pub active: bool,
    pub description: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(default)]
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub name_key: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// 1 to 40 letters, digits, `.`, `_`, `/` or `-`, starting with a letter or digit.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
    )]
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[serde(default)]
    pub category_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::text::<20>))]
    pub unit: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::money_or_zero))]
    pub sale_price: Decimal,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount_or_zero))]
    pub cost: Decimal,
    /// isv15 (default), isv18, exempt or exonerated.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(isv15|isv18|exempt|exonerated)?$")
    )]
    pub tax_class: Option<String>,
    /// none (default) or serial; vehicles are always serial.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(none|serial)?$"))]
    pub tracking: Option<String>,
    #[serde(default)]
    pub is_vehicle: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: String,
    /// Required on update.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct ValidProduct {
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    pub unit: String,
    pub sale_price: Decimal,
    pub cost: Decimal,
    pub tax_class: TaxClass,
    pub tracking: &'static str,
    pub is_vehicle: bool,
    pub active: bool,
    pub description: String,
}

impl ProductInput {
    pub fn validate(self) -> Result<ValidProduct> {
        let mut c = Checks::new();
        let sku = c.take(Sku::parse("/sku", &self.sku));
        let name = c.text("/name", &self.name, 1, 200);
        let unit = c.text("/unit", self.unit.as_deref().unwrap_or("unidad"), 1, 20);
        c.amount("/sale_price", self.sale_price, MONEY_OR_ZERO);
        c.amount("/cost", self.cost, AMOUNT_OR_ZERO);
        let tax_class = match self.tax_class.as_deref() {
            None | Some("") => Some(TaxClass::Isv15),
            Some(text) => c.take(text.parse::<TaxClass>().map_err(|()| {
                FieldIssue::new(
                    "/tax_class",
                    "unknown_tax_class",
                    "isv15, isv18, exempt or exonerated",
                )
            })),
        };
        let tracking = match (self.tracking.as_deref(), self.is_vehicle) {
            (_, true) | (Some("serial"), _) => "serial",
            (None | Some("") | Some("none"), false) => "none",
            (Some(_), false) => {
                c.push(FieldIssue::new(
                    "/tracking",
                    "unknown_tracking",
                    "none or serial",
                ));
                "none"
            }
        };
        if self.is_vehicle && self.tracking.as_deref() == Some("none") {
            c.push(FieldIssue::new(
                "/tracking",
                "vehicle_needs_serial",
                "a vehicle is tracked by its VIN (tracking serial)",
            ));
        }
        let description = c.text("/description", &self.description, 0, 2000);
        c.finish()?;
        Ok(ValidProduct {
            sku: sku.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            name,
            category_id: self.category_id,
            unit,
            sale_price: self.sale_price,
            cost: self.cost,
            tax_class: tax_class.unwrap_or(TaxClass::Isv15),
            tracking,
            is_vehicle: self.is_vehicle,
            active: self.active,
            description,
        })
    }
}

crate::list_query! {
    /// Filters and order of the product list.
    pub struct ProductQuery {
        q: "Text in the name or SKU (accents and case ignored).",
        sort: "`name` (default), `sku` or `created`; prefix `-` for descending.",
        sort_pattern: r"^(-?(name|sku|created))?$",
        pub category_id: Option<Uuid>,
        /// isv15, isv18, exempt or exonerated.
        #[cfg_attr(feature = "openapi", param(pattern = r"^(isv15|isv18|exempt|exonerated)?$"))]
        pub tax_class: Option<String>,
        /// Only vehicles (true) or only other products (false).
        pub vehicle: Option<bool>,
    }
}

fn sku_taken() -> FieldIssue {
    FieldIssue::new(
        "/sku",
        "sku_taken",
        "another product of this company has this SKU",
    )
}

fn unknown_category() -> FieldIssue {
    FieldIssue::new(
        "/category_id",
        "unknown_category",
        "no such category in this company",
    )
}

impl Record for Product {
    const TABLE: &'static str = "products";
    const ENTITY: &'static str = "product";
    const NOT_FOUND: &'static str = "product_not_found";
    const RESOURCE: Resource = Resource::Catalog;
    const COLUMNS: &'static str = "id, sku, name, category_id, unit, sale_price, cost, tax_class, \
        tracking, is_vehicle, active, description, archived_at, version, created_at, updated_at";
    const LIST_EXTRA: &'static str = ", name_key";
    const WRITTEN: &'static str = "sku, name, category_id, unit, sale_price, cost, tax_class, \
        tracking, is_vehicle, active, description";
    const CONSTRAINTS: &'static [Constraint] = &[
        ("products_company_id_sku_key", sku_taken),
        ("products_company_id_category_id_fkey", unknown_category),
    ];
    const SEARCH: Option<&'static str> = Some("products");
    const SORTS: &'static [SortKey] = &[
        SortKey::NAME,
        SortKey {
            name: "sku",
            sql: "sku",
            cast: "text",
        },
        SortKey::CREATED,
    ];
    type Input = ProductInput;
    type Valid = ValidProduct;
    type Query = ProductQuery;

    fn validate(input: ProductInput) -> Result<ValidProduct> {
        input.validate()
    }

    fn input_version(input: &ProductInput) -> Option<i32> {
        input.version
    }

    fn push_values(p: &ValidProduct, values: &mut Separated<'_, Postgres, &'static str>) {
        values
            .push_bind(p.sku.clone())
            .push_bind(p.name.clone())
            .push_bind(p.category_id)
            .push_bind(p.unit.clone())
            .push_bind(p.sale_price)
            .push_bind(p.cost)
            .push_bind(p.tax_class.as_str())
            .push_bind(p.tracking)
            .push_bind(p.is_vehicle)
            .push_bind(p.active)
            .push_bind(p.description.clone());
    }

    fn push_filters(query: &ProductQuery, qb: &mut QueryBuilder<Postgres>) -> Result<()> {
        if let Some(category) = query.category_id {
            qb.push(" AND category_id = ").push_bind(category);
        }
        if let Some(class) = query.tax_class.as_deref().filter(|c| !c.is_empty()) {
            if class.parse::<TaxClass>().is_err() {
                return Err(Error::validation(
                    "unknown_tax_class",
                    "/tax_class",
                    "isv15, isv18, exempt or exonerated",
                ));
            }
            qb.push(" AND tax_class = ").push_bind(class.to_owned());
        }
        if let Some(vehicle) = query.vehicle {
            qb.push(" AND is_vehicle = ").push_bind(vehicle);
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
            "sku" => self.sku.clone(),
            "created" => self.created_at.to_rfc3339(),
            _ => self.name_key.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_are_serial_and_bad_values_are_named() {
        let input = ProductInput {
            sku: "ab 1".into(),
            name: "Moto".into(),
            sale_price: Decimal::new(-5, 0),
            cost: Decimal::new(12345, 5),
            tax_class: Some("isv12".into()),
            tracking: Some("none".into()),
            is_vehicle: true,
            ..ProductInput::default()
        };
        let codes: Vec<(String, &str)> = input
            .validate()
            .err()
            .map(|e| e.fields.into_iter().map(|f| (f.pointer, f.code)).collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            [
                ("/sku".to_owned(), "invalid_sku"),
                ("/sale_price".to_owned(), "negative_amount"),
                ("/cost".to_owned(), "invalid_amount"),
                ("/tax_class".to_owned(), "unknown_tax_class"),
                ("/tracking".to_owned(), "vehicle_needs_serial"),
            ]
        );
        let ok = ProductInput {
            sku: "x-1".into(),
            name: "Moto".into(),
            is_vehicle: true,
            ..ProductInput::default()
        }
        .validate()
        .map(|p| (p.sku, p.tracking, p.tax_class));
        assert_eq!(ok.ok(), Some(("X-1".to_owned(), "serial", TaxClass::Isv15)));
    }
}
