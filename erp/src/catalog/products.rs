//! Products: SKU, price, cost, ISV class, unit, tracking. A vehicle is always
//! tracked by serial number (its VIN).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access::{Access, Tx};
use crate::db::Db;
use crate::paging::{self, Cursor, Page, parse_sort};
use crate::records::{
    audit_change, push_keyset, push_text_match, required_version, text_match, violation,
};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::values::{Sku, TaxClass};
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub category_id: Option<Uuid>,
    pub unit: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "45999.00"))]
    pub sale_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "38000.0000"))]
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
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub category_id: Option<Uuid>,
    #[serde(default)]
    pub unit: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "45999.00"))]
    pub sale_price: Decimal,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "38000.00"))]
    pub cost: Decimal,
    /// isv15 (default), isv18, exempt or exonerated.
    #[serde(default)]
    pub tax_class: Option<String>,
    /// none (default) or serial; vehicles are always serial.
    #[serde(default)]
    pub tracking: Option<String>,
    #[serde(default)]
    pub is_vehicle: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub description: String,
    /// Required on update.
    #[serde(default)]
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

fn amount(c: &mut Checks, pointer: &str, value: Decimal, decimals: u32) {
    if value.is_sign_negative() && !value.is_zero() {
        c.push(FieldIssue::new(
            pointer,
            "negative_amount",
            "must not be negative",
        ));
    } else if value.scale() > decimals || value >= Decimal::from(10_i64.pow(14)) {
        c.push(FieldIssue::new(
            pointer,
            "invalid_amount",
            format!("at most 14 digits before and {decimals} after the point"),
        ));
    }
}

impl ProductInput {
    pub fn validate(self) -> Result<ValidProduct> {
        let mut c = Checks::new();
        let sku = c.take(Sku::parse("/sku", &self.sku));
        let name = c.text("/name", &self.name, 1, 200);
        let unit = c.text("/unit", self.unit.as_deref().unwrap_or("unidad"), 1, 20);
        amount(&mut c, "/sale_price", self.sale_price, 2);
        amount(&mut c, "/cost", self.cost, 4);
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

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Text in the name or SKU (accents and case ignored).
    pub q: Option<String>,
    pub category_id: Option<Uuid>,
    pub tax_class: Option<String>,
    /// Only vehicles (true) or only other products (false).
    pub vehicle: Option<bool>,
    /// `active` (default), `archived` or `all`.
    pub status: Option<String>,
    /// `name` (default), `sku` or `created`; prefix `-` for descending.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, sku, name, category_id, unit, sale_price, cost, tax_class, tracking, is_vehicle, active, \
         description, archived_at, version, created_at, updated_at"
    };
}
pub(crate) use columns;

#[derive(Clone, Copy)]
enum Sort {
    Name,
    Sku,
    Created,
}

pub async fn list(db: &Db, user: &SessionUser, query: ProductQuery) -> Result<Page<Product>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Read).await?;
    let page = list_in(&mut tx, &access, &query, paging::limit(query.limit)).await?;
    tx.commit().await?;
    Ok(page)
}

/// One page of the list inside an open transaction; the CSV export walks
/// every page of it with a larger `limit`.
pub(crate) async fn list_in(
    tx: &mut Tx,
    access: &Access,
    query: &ProductQuery,
    limit: i64,
) -> Result<Page<Product>> {
    let (sort, dir) = parse_sort(
        query.sort.as_deref(),
        &[
            ("name", Sort::Name),
            ("sku", Sort::Sku),
            ("created", Sort::Created),
        ],
        Sort::Name,
    )?;
    let cursor = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        columns!(),
        ", name_key FROM products WHERE company_id = "
    ));
    // The company named explicitly lets the planner walk the sort index;
    // row-level security still applies on top.
    qb.push_bind(access.company_id);
    crate::records::push_status_filter(&mut qb, query.status.as_deref())?;
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
    let text = text_match(tx, "products", access.company_id, query.q.as_deref()).await?;
    push_text_match(&mut qb, "id", "search", &text);
    let (key, cast) = match sort {
        Sort::Name => ("name_key", "text"),
        Sort::Sku => ("sku", "text"),
        Sort::Created => ("created_at", "timestamptz"),
    };
    push_keyset(&mut qb, key, cast, dir, cursor, limit);
    let rows: Vec<Product> = qb.build_query_as().fetch_all(&mut **tx).await?;
    Ok(paging::page(rows, limit, |p| Cursor {
        key: match sort {
            Sort::Name => p.name_key.clone(),
            Sort::Sku => p.sku.clone(),
            Sort::Created => p.created_at.to_rfc3339(),
        },
        id: p.id,
    }))
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<Product> {
    let (_, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Read).await?;
    let product = fetch(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(product)
}

pub(crate) async fn fetch(tx: &mut Tx, id: Uuid, for_update: bool) -> Result<Product> {
    let sql = if for_update {
        concat!(
            "SELECT ",
            columns!(),
            " FROM products WHERE id = $1 FOR UPDATE"
        )
    } else {
        concat!("SELECT ", columns!(), " FROM products WHERE id = $1")
    };
    sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found("product_not_found"))
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

const CONSTRAINTS: [(&str, fn() -> FieldIssue); 2] = [
    ("products_company_id_sku_key", sku_taken),
    ("products_company_id_category_id_fkey", unknown_category),
];

pub async fn create(db: &Db, user: &SessionUser, input: ProductInput) -> Result<Product> {
    let p = input.validate()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Create).await?;
    let product = insert(&mut tx, &access, &p).await?;
    tx.commit().await?;
    Ok(product)
}

/// Insert one checked product (also used by the CSV import).
pub(crate) async fn insert(tx: &mut Tx, access: &Access, p: &ValidProduct) -> Result<Product> {
    let product: Product = sqlx::query_as(concat!(
        "INSERT INTO products (id, company_id, sku, name, category_id, unit, sale_price, cost, tax_class,
                               tracking, is_vehicle, active, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(&p.sku)
    .bind(&p.name)
    .bind(p.category_id)
    .bind(&p.unit)
    .bind(p.sale_price)
    .bind(p.cost)
    .bind(p.tax_class.as_str())
    .bind(p.tracking)
    .bind(p.is_vehicle)
    .bind(p.active)
    .bind(&p.description)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        tx,
        access,
        "create",
        "product",
        product.id,
        None,
        Some(&product),
    )
    .await?;
    Ok(product)
}

pub async fn update(db: &Db, user: &SessionUser, id: Uuid, input: ProductInput) -> Result<Product> {
    let version = required_version(input.version)?;
    let p = input.validate()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Update).await?;
    let before = fetch(&mut tx, id, true).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after = replace(&mut tx, &access, &before, &p).await?;
    tx.commit().await?;
    Ok(after)
}

/// Archive (true) or restore (false).
pub async fn set_archived(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<Product> {
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Archive).await?;
    let before = fetch(&mut tx, id, true).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: Product = sqlx::query_as(concat!(
        "UPDATE products SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(archived)
    .fetch_one(&mut *tx)
    .await?;
    let action = if archived { "archive" } else { "restore" };
    audit_change(
        &mut tx,
        &access,
        action,
        "product",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
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

/// Write `p` over the locked row `before` (version + 1, audited); the
/// caller has checked the version.
pub(crate) async fn replace(
    tx: &mut Tx,
    access: &Access,
    before: &Product,
    p: &ValidProduct,
) -> Result<Product> {
    let after: Product = sqlx::query_as(concat!(
        "UPDATE products SET sku = $2, name = $3, category_id = $4, unit = $5, sale_price = $6, cost = $7,
                tax_class = $8, tracking = $9, is_vehicle = $10, active = $11, description = $12,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(before.id)
    .bind(&p.sku)
    .bind(&p.name)
    .bind(p.category_id)
    .bind(&p.unit)
    .bind(p.sale_price)
    .bind(p.cost)
    .bind(p.tax_class.as_str())
    .bind(p.tracking)
    .bind(p.is_vehicle)
    .bind(p.active)
    .bind(&p.description)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        tx,
        access,
        "update",
        "product",
        before.id,
        Some(before),
        Some(&after),
    )
    .await?;
    Ok(after)
}
