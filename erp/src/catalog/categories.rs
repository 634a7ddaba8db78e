//! Product categories: a name per company, archived rather than deleted.

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
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<100>))]
    pub name: String,
    /// Required on update.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
    /// On update: true archives, false restores.
    #[serde(default)]
    pub archived: Option<bool>,
}

fn name_taken() -> FieldIssue {
    FieldIssue::new("/name", "name_taken", "a category with this name exists")
}

fn checked_name(input: &CategoryInput) -> Result<String> {
    let mut c = Checks::new();
    let name = c.text("/name", &input.name, 1, 100);
    c.finish()?;
    Ok(name)
}

/// Every category of the company, active ones first, by name.
pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<Category>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Read).await?;
    let rows = sqlx::query_as(
        "SELECT id, name, archived_at, version FROM product_categories
          ORDER BY archived_at IS NOT NULL, search_norm(name)",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn create(db: &Db, user: &SessionUser, input: CategoryInput) -> Result<Category> {
    let name = checked_name(&input)?;
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Create).await?;
    let category: Category = sqlx::query_as(
        "INSERT INTO product_categories (id, company_id, name) VALUES ($1, $2, $3)
         RETURNING id, name, archived_at, version",
    )
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(&name)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("product_categories_name_key", name_taken)]))?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "category",
        category.id,
        None,
        Some(&category),
    )
    .await?;
    tx.commit().await?;
    Ok(category)
}

/// Rename, archive or restore (archiving needs the archive permission).
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: CategoryInput,
) -> Result<Category> {
    let version = required_version(input.version)?;
    let name = checked_name(&input)?;
    let action = if input.archived.is_some() {
        Action::Archive
    } else {
        Action::Update
    };
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, action).await?;
    let before: Category = sqlx::query_as(
        "SELECT id, name, archived_at, version FROM product_categories WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("category_not_found"))?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: Category = sqlx::query_as(
        "UPDATE product_categories
            SET name = $2, version = version + 1, updated_at = now(),
                archived_at = CASE WHEN $3 IS NULL THEN archived_at
                                   WHEN $3 THEN coalesce(archived_at, now()) END
          WHERE id = $1 RETURNING id, name, archived_at, version",
    )
    .bind(id)
    .bind(&name)
    .bind(input.archived)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("product_categories_name_key", name_taken)]))?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "category",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
