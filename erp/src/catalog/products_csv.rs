//! Products as CSV rows: the export's columns, and reading and writing one
//! imported row. The SKU says which product a row is, so importing the same
//! file twice changes nothing. Categories are named, not numbered; a row
//! naming a category the company does not have is refused.

use std::collections::HashMap;

use uuid::Uuid;

use super::products::{Product, ProductInput, ValidProduct};
use crate::access::{Access, Tx};
use crate::csv_io::{Row, flag_text, fold};
use crate::imports::Outcome;
use crate::records::{Exported, Record, crud};
use crate::{FieldIssue, Result};

pub const COLUMNS: &[(&str, &[&str])] = &[
    ("sku", &["código", "codigo"]),
    ("name", &["nombre", "descripción corta"]),
    ("category", &["categoría"]),
    ("unit", &["unidad"]),
    ("sale_price", &["precio", "precio de venta"]),
    ("cost", &["costo"]),
    ("tax_class", &["impuesto", "clase de impuesto"]),
    ("tracking", &["seguimiento", "control"]),
    ("is_vehicle", &["vehículo", "es vehículo"]),
    ("active", &["activo"]),
    ("description", &["descripción"]),
];

/// The company's categories by folded name, and back by id.
pub struct Categories {
    by_name: HashMap<String, Uuid>,
    by_id: HashMap<Uuid, String>,
}

impl Categories {
    pub async fn load(tx: &mut Tx, access: &Access) -> Result<Categories> {
        let rows: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, name FROM product_categories WHERE company_id = $1")
                .bind(access.company_id)
                .fetch_all(&mut **tx)
                .await?;
        Ok(Categories {
            by_name: rows.iter().map(|(id, name)| (fold(name), *id)).collect(),
            by_id: rows.into_iter().collect(),
        })
    }

    fn find(&self, name: &str) -> Option<Uuid> {
        self.by_name.get(&fold(name)).copied()
    }
}

/// "ISV 15%", "15", "exento", "exonerado" as people write them.
fn tax_class_code(text: &str) -> String {
    let t: String = fold(text)
        .chars()
        .filter(|c| !matches!(c, ' ' | '%'))
        .collect();
    match t.as_str() {
        "15" | "isv15" => "isv15",
        "18" | "isv18" => "isv18",
        "exento" | "exempt" => "exempt",
        "exonerado" | "exonerated" => "exonerated",
        _ => text,
    }
    .to_owned()
}

fn tracking_code(text: &str) -> String {
    match fold(text).as_str() {
        "ninguno" | "none" => "none",
        "serie" | "serial" | "vin" | "numero de serie" => "serial",
        _ => text,
    }
    .to_owned()
}

/// The checked product of one row, or every problem of the row.
pub fn parse(
    row: &Row,
    categories: &Categories,
) -> std::result::Result<ValidProduct, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let category = row.get("category");
    let category_id = if category.is_empty() {
        None
    } else {
        let found = categories.find(category);
        if found.is_none() {
            issues.push(FieldIssue::new(
                "/category",
                "unknown_category",
                "no such category in this company",
            ));
        }
        found
    };
    let input = ProductInput {
        sku: row.get("sku").to_uppercase(),
        name: row.get("name").to_owned(),
        category_id,
        unit: Some(row.get("unit"))
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        sale_price: row.amount("sale_price", &mut issues),
        cost: row.amount("cost", &mut issues),
        // Empty cells take the defaults (ISV 15 %; serial for a vehicle).
        tax_class: Some(row.get("tax_class"))
            .filter(|t| !t.is_empty())
            .map(tax_class_code),
        tracking: Some(row.get("tracking"))
            .filter(|t| !t.is_empty())
            .map(tracking_code),
        is_vehicle: row.flag("is_vehicle", false, &mut issues),
        active: row.flag("active", true, &mut issues),
        description: row.get("description").to_owned(),
        version: None,
    };
    match input.validate() {
        Ok(valid) if issues.is_empty() => Ok(valid),
        Ok(_) => Err(issues),
        Err(e) => {
            issues.extend(e.fields);
            Err(issues)
        }
    }
}

/// Create the product, or bring the one with the same SKU up to the row.
pub(crate) async fn upsert(tx: &mut Tx, access: &Access, p: ValidProduct) -> Result<Outcome> {
    let existing: Option<Product> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM products WHERE company_id = $1 AND sku = $2 FOR UPDATE",
        Product::COLUMNS
    )))
    .bind(access.company_id)
    .bind(&p.sku)
    .fetch_optional(&mut **tx)
    .await?;
    crud::upsert(tx, access, existing, &p).await
}

impl Exported for Product {
    const FILE: &'static str = "products";
    const CSV_COLUMNS: &'static [(&'static str, &'static [&'static str])] = COLUMNS;
    type Lookup = Categories;

    async fn lookup(tx: &mut Tx, access: &Access) -> Result<Categories> {
        Categories::load(tx, access).await
    }

    fn csv_row(&self, categories: &Categories) -> Vec<String> {
        vec![
            self.sku.clone(),
            self.name.clone(),
            self.category_id
                .and_then(|id| categories.by_id.get(&id).cloned())
                .unwrap_or_default(),
            self.unit.clone(),
            self.sale_price.to_string(),
            self.cost.to_string(),
            self.tax_class.clone(),
            self.tracking.clone(),
            flag_text(self.is_vehicle).to_owned(),
            flag_text(self.active).to_owned(),
            self.description.clone(),
        ]
    }
}
