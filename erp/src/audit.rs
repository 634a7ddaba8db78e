//! The audit trail: written inside the caller's transaction, so a change and
//! its record commit or roll back together.

use serde_json::Value;
use uuid::Uuid;

use crate::Result;

pub struct Entry<'a> {
    pub company_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub detail: Value,
}

pub async fn record(tx: &mut sqlx::PgConnection, entry: Entry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (company_id, user_id, action, entity, entity_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.company_id)
    .bind(entry.user_id)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(entry.detail)
    .execute(tx)
    .await?;
    Ok(())
}

/// One row of the audit trail as the audit page shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub user_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// `{"before": …, "after": …}` for master data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: Value,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// party, product, category, account, tax_code, branch, warehouse, company …
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[cfg_attr(feature = "openapi", param(pattern = r"^(-?[0-9]{1,18})?$"))]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// The company's audit trail, newest first.
pub async fn list(
    db: &crate::Db,
    user: &crate::SessionUser,
    query: AuditQuery,
) -> Result<crate::paging::Page<Record>> {
    use crate::roles::{Action, Resource};
    let limit = crate::paging::limit(query.limit);
    let before: Option<i64> = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(c.parse().map_err(|_| crate::paging::invalid_cursor())?),
    };
    let (access, mut tx) =
        crate::access::Access::begin(db, user, Resource::Audit, Action::Read).await?;
    let rows: Vec<Record> = sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS user_name, a.action, a.entity, a.entity_id, a.detail
           FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
          WHERE a.company_id = $1
            AND ($2::text IS NULL OR a.entity = $2)
            AND ($3::text IS NULL OR a.entity_id = $3)
            AND ($4::bigint IS NULL OR a.id < $4)
          ORDER BY a.id DESC LIMIT $5",
    )
    .bind(access.company_id)
    .bind(query.entity.filter(|e| !e.is_empty()))
    .bind(query.entity_id.filter(|e| !e.is_empty()))
    .bind(before)
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let more = rows.len() as i64 > limit;
    let mut items = rows;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(crate::paging::Page { items, next_cursor })
}
