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
