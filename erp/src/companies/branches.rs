//! Branches (SAR establishments, three-digit code) with their emission
//! points, and the warehouses that belong to a branch.

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
pub struct Branch {
    pub id: Uuid,
    /// SAR establishment code, three digits ("001").
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    /// Emission point codes of this branch, e.g. ["001", "002"].
    #[sqlx(default)]
    pub emission_points: Vec<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BranchInput {
    /// SAR establishment code, three digits ("001").
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{3}$"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub phone: String,
    /// Emission point codes; missing ones are added (never removed: numbers were issued from them).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = emission_points_schema))]
    pub emission_points: Vec<String>,
    /// On update: true archives, false restores.
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

/// A SAR code of an establishment or emission point.
#[cfg(feature = "openapi")]
const SAR_CODE: &str = "^[0-9]{3}$";

#[cfg(feature = "openapi")]
fn emission_points_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(SAR_CODE)),
        )
        .build()
}

fn three_digits(c: &mut Checks, pointer: &str, code: &str) -> String {
    let code = code.trim().to_owned();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        c.push(FieldIssue::new(
            pointer,
            "invalid_sar_code",
            "three digits, e.g. 001",
        ));
    }
    code
}

fn code_taken() -> FieldIssue {
    FieldIssue::new("/code", "branch_code_taken", "another branch has this code")
}

macro_rules! select {
    () => {
        "SELECT b.id, b.code, b.name, b.address, b.phone, b.archived_at, b.version,
                coalesce((SELECT array_agg(e.code ORDER BY e.code) FROM emission_points e
                           WHERE e.branch_id = b.id), '{}') AS emission_points
           FROM branches b"
    };
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<Branch>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Branches, Action::Read).await?;
    let rows = sqlx::query_as(concat!(select!(), " ORDER BY b.code"))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows)
}

fn checked(input: &BranchInput) -> Result<(String, String, String, String, Vec<String>)> {
    let mut c = Checks::new();
    let code = three_digits(&mut c, "/code", &input.code);
    let name = c.text("/name", &input.name, 1, 200);
    let address = c.text("/address", &input.address, 0, 500);
    let phone = c.text("/phone", &input.phone, 0, 50);
    let points = input
        .emission_points
        .iter()
        .enumerate()
        .map(|(i, p)| three_digits(&mut c, &format!("/emission_points/{i}"), p))
        .collect();
    c.finish()?;
    Ok((code, name, address, phone, points))
}

async fn add_points(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    branch: Uuid,
    points: &[String],
) -> Result<()> {
    for code in points {
        sqlx::query(
            "INSERT INTO emission_points (id, company_id, branch_id, code, name)
             VALUES ($1, $2, $3, $4, 'Punto de emisión ' || $4) ON CONFLICT (branch_id, code) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(access.company_id)
        .bind(branch)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Branch> {
    sqlx::query_as(concat!(select!(), " WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await?
        .ok_or_else(|| Error::not_found("branch_not_found"))
}

pub async fn create(db: &Db, user: &SessionUser, input: BranchInput) -> Result<Branch> {
    let (code, name, address, phone, points) = checked(&input)?;
    let (access, mut tx) = Access::begin(db, user, Resource::Branches, Action::Create).await?;
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO branches (id, company_id, code, name, address, phone) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(access.company_id)
        .bind(&code)
        .bind(&name)
        .bind(&address)
        .bind(&phone)
        .execute(&mut *tx)
        .await
        .map_err(|e| violation(e, &[("branches_company_id_code_key", code_taken)]))?;
    add_points(&mut tx, &access, id, &points).await?;
    let branch = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "branch",
        id,
        None,
        Some(&branch),
    )
    .await?;
    tx.commit().await?;
    Ok(branch)
}

pub async fn update(db: &Db, user: &SessionUser, id: Uuid, input: BranchInput) -> Result<Branch> {
    let version = required_version(input.version)?;
    let (code, name, address, phone, points) = checked(&input)?;
    let action = if input.archived.is_some() {
        Action::Archive
    } else {
        Action::Update
    };
    let (access, mut tx) = Access::begin(db, user, Resource::Branches, action).await?;
    sqlx::query("SELECT 1 FROM branches WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let before = fetch(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    sqlx::query(
        "UPDATE branches SET code = $2, name = $3, address = $4, phone = $5, version = version + 1, updated_at = now(),
                archived_at = CASE WHEN $6 IS NULL THEN archived_at WHEN $6 THEN coalesce(archived_at, now()) END
          WHERE id = $1",
    )
    .bind(id)
    .bind(&code)
    .bind(&name)
    .bind(&address)
    .bind(&phone)
    .bind(input.archived)
    .execute(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("branches_company_id_code_key", code_taken)]))?;
    add_points(&mut tx, &access, id, &points).await?;
    let after = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "branch",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
