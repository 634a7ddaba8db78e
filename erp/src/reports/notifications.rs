//! In-app notifications: a line and a link for one person, shown until read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Tenant;
use crate::{Erp, Result};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: Uuid,
    pub message: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Tell `user_id` something, with the transaction that made it true.
pub async fn add(
    tx: &mut sqlx::PgConnection,
    company_id: Uuid,
    user_id: Uuid,
    message: &str,
    link: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, company_id, user_id, message, link) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(company_id)
    .bind(user_id)
    .bind(message)
    .bind(link)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The person's latest notifications, unread first.
pub async fn list(erp: &Erp, user_id: Uuid) -> Result<Vec<Notification>> {
    let mut tx = erp.db.tenant(&Tenant::user(user_id)).await?;
    let rows = sqlx::query_as(
        "SELECT id, message, link, created_at, read_at FROM notifications
          WHERE user_id = $1 ORDER BY read_at IS NOT NULL, created_at DESC LIMIT 30",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Mark every notification of the person that links to `link` as read.
pub async fn read(erp: &Erp, user_id: Uuid, link: &str) -> Result<()> {
    let mut tx = erp.db.tenant(&Tenant::user(user_id)).await?;
    sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND link = $2 AND read_at IS NULL")
        .bind(user_id)
        .bind(link)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
