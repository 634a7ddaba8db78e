//! Warehouses: a code and a name, each in one branch of the company.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, required_version, violation};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warehouse {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub code: String,
    pub name: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WarehouseInput {
    pub branch_id: Uuid,
    /// Up to 20 letters, digits, `-` and `_`, starting with a letter or digit.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
    )]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! columns {
    () => {
        "id, branch_id, code, name, archived_at, version"
    };
}

fn code_taken() -> FieldIssue {
    FieldIssue::new(
        "/code",
        "warehouse_code_taken",
        "another warehouse has this code",
    )
}
fn unknown_branch() -> FieldIssue {
    FieldIssue::new(
        "/branch_id",
        "unknown_branch",
        "no such branch in this company",
    )
}
const CONSTRAINTS: [crate::records::Constraint; 2] = [
    ("warehouses_company_id_code_key", code_taken),
    ("warehouses_company_id_branch_id_fkey", unknown_branch),
];

fn checked(input: &WarehouseInput) -> Result<(String, String)> {
    let mut c = Checks::new();
    let code = input.code.trim().to_ascii_uppercase();
    let ok = !code.is_empty()
        && code.len() <= 20
        && code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        && !code.starts_with(['-', '_']);
    if !ok {
        c.push(FieldIssue::new(
            "/code",
            "invalid_warehouse_code",
            "1 to 20 letters, digits, '-' or '_'",
        ));
    }
    let name = c.text("/name", &input.name, 1, 200);
    c.finish()?;
    Ok((code, name))
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<Warehouse>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Branches, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM warehouses ORDER BY code"
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn create(db: &Db, user: &SessionUser, input: WarehouseInput) -> Result<Warehouse> {
    let (code, name) = checked(&input)?;
    let (access, mut tx) = Access::begin(db, user, Resource::Branches, Action::Create).await?;
    let row: Warehouse = sqlx::query_as(concat!(
        "INSERT INTO warehouses (id, company_id, branch_id, code, name) VALUES ($1, $2, $3, $4, $5) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(input.branch_id)
    .bind(&code)
    .bind(&name)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "warehouse",
        row.id,
        None,
        Some(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: WarehouseInput,
) -> Result<Warehouse> {
    let version = required_version(input.version)?;
    let (code, name) = checked(&input)?;
    let action = if input.archived.is_some() {
        Action::Archive
    } else {
        Action::Update
    };
    let (access, mut tx) = Access::begin(db, user, Resource::Branches, action).await?;
    let before: Warehouse = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM warehouses WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("warehouse_not_found"))?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: Warehouse = sqlx::query_as(concat!(
        "UPDATE warehouses SET branch_id = $2, code = $3, name = $4, version = version + 1, updated_at = now(),
                archived_at = CASE WHEN $5 IS NULL THEN archived_at WHEN $5 THEN coalesce(archived_at, now()) END
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(input.branch_id)
    .bind(&code)
    .bind(&name)
    .bind(input.archived)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "warehouse",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
