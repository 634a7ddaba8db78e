//! What every master-data module does the same way: the keyset part of a list
//! query, the version an update must carry, turning a unique
//! violation into a field error, and the audit entry with before and after.

use serde::Serialize;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access::Access;
use crate::paging::{Cursor, Direction};
use crate::{Error, FieldIssue, Result, audit};

/// Append `AND (key, id) > (cursor)` (or `<`), the ORDER BY and the LIMIT.
/// `key` is the SQL expression sorted on; `cast` the type its text form is
/// cast back to (`text`, `timestamptz`, `numeric`).
pub fn push_keyset(
    qb: &mut QueryBuilder<Postgres>,
    key: &str,
    cast: &str,
    dir: Direction,
    cursor: Option<Cursor>,
    limit: i64,
) {
    let (cmp, order) = match dir {
        Direction::Asc => (">", "ASC"),
        Direction::Desc => ("<", "DESC"),
    };
    if let Some(c) = cursor {
        qb.push(format_args!(" AND ({key}, id) {cmp} ("));
        qb.push_bind(c.key);
        qb.push(format_args!("::{cast}, "));
        qb.push_bind(c.id);
        qb.push(")");
    }
    qb.push(format_args!(" ORDER BY {key} {order}, id {order} LIMIT "));
    qb.push_bind(limit + 1);
}

/// `AND column LIKE '%text%'` on a `search_norm`-ed column, accents and case
/// ignored; `%` and `_` typed by a user are literal, not wildcards. The
/// trigram index on the column serves it.
pub fn push_text_filter(qb: &mut QueryBuilder<Postgres>, column: &str, text: Option<&str>) {
    if let Some(q) = text.map(str::trim).filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        qb.push(format_args!(" AND {column} LIKE '%' || search_norm("));
        qb.push_bind(escaped);
        qb.push(") || '%'");
    }
}

/// The `status` filter of lists of archivable rows: `active` (default),
/// `archived` or `all`.
pub fn push_status_filter(qb: &mut QueryBuilder<Postgres>, status: Option<&str>) -> Result<()> {
    match status {
        None | Some("") | Some("active") => {
            qb.push(" AND archived_at IS NULL");
        }
        Some("archived") => {
            qb.push(" AND archived_at IS NOT NULL");
        }
        Some("all") => {}
        Some(_) => {
            return Err(Error::validation(
                "invalid_status",
                "/status",
                "status is active, archived or all",
            ));
        }
    }
    Ok(())
}

/// Plan each statement of this transaction for its actual parameters. A text
/// filter's pattern decides between the trigram index (rare text) and the
/// sort index (common text); a generic prepared plan cannot know which, and
/// guessed wrong it scans every row of the company.
pub async fn plan_for_values(tx: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(tx)
        .await?;
    Ok(())
}

/// A unique or foreign-key violation named `constraint` becomes `issue`;
/// anything else stays what it was.
pub fn violation(e: sqlx::Error, rules: &[(&str, fn() -> FieldIssue)]) -> Error {
    if let sqlx::Error::Database(db) = &e
        && let Some(name) = db.constraint()
        && let Some((_, issue)) = rules.iter().find(|(c, _)| *c == name)
    {
        return Error::invalid_fields(vec![issue()]);
    }
    e.into()
}

/// The `version` an update must carry.
pub fn required_version(version: Option<i32>) -> Result<i32> {
    version.ok_or_else(|| {
        Error::validation(
            "required",
            "/version",
            "send the version you read (optimistic concurrency)",
        )
    })
}

/// Record a change with the row before and after (None for create / none after).
pub async fn audit_change<T: Serialize>(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    action: &str,
    entity: &str,
    id: Uuid,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<()> {
    audit::record(
        tx,
        audit::Entry {
            company_id: Some(access.company_id),
            user_id: Some(access.user_id),
            action,
            entity,
            entity_id: id.to_string(),
            detail: serde_json::json!({ "before": before, "after": after }),
        },
    )
    .await
}
