//! Documents booked once and corrected only by reversal (a customer
//! payment, a supplier bill, a supplier payment): the reversal locks the
//! row, checks the version read, books the mirror of its entry today,
//! marks it reversed and audits before and after — one piece for all.

use serde::Serialize;
use uuid::Uuid;

use super::entries;
use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, required_version};
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

/// What a reversible document says about itself. Its table has
/// `version`, `reversed_at` and `reversal_entry_id`.
pub(crate) trait Reversible: Serialize + Sized {
    const TABLE: &'static str;
    /// The audit's name for it.
    const ENTITY: &'static str;
    const NOT_FOUND: &'static str;
    /// The error code when it was reversed already.
    const REVERSED: &'static str;
    /// The journal's source kind of the reversing entry.
    const SOURCE_KIND: &'static str;
    const RESOURCE: Resource;

    async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Self>;
    fn journal_entry_id(&self) -> Uuid;
    fn is_reversed(&self) -> bool;
    /// The reversing entry's memo.
    fn reversal_memo(&self) -> String;
    /// Refuse when something still counts against it (payments on a bill).
    async fn may_reverse(&self, _tx: &mut sqlx::PgConnection, _id: Uuid) -> Result<()> {
        Ok(())
    }
}

pub(crate) async fn reverse<R: Reversible>(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    version: Option<i32>,
) -> Result<R> {
    let version = required_version(version)?;
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Archive).await?;
    let locked: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {} WHERE id = $1 FOR UPDATE",
        R::TABLE
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if locked.ok_or_else(|| Error::not_found(R::NOT_FOUND))? != version {
        return Err(Error::stale_version());
    }
    let before = R::fetch(&mut tx, id).await?;
    if before.is_reversed() {
        return Err(Error::conflict(R::REVERSED, "this was already reversed"));
    }
    before.may_reverse(&mut tx, id).await?;
    let entry_id = entries::write_reversal(
        &mut tx,
        &access,
        before.journal_entry_id(),
        before.reversal_memo(),
        R::SOURCE_KIND,
        id,
    )
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET reversed_at = now(), reversal_entry_id = $2, version = version + 1 WHERE id = $1",
        R::TABLE
    )))
    .bind(id)
    .bind(entry_id)
    .execute(&mut *tx)
    .await?;
    let after = R::fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "reverse",
        R::ENTITY,
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
