//! What every kind of record does the same way. `Record` (in `record`) is
//! what a resource says about itself; `crud` and `export` are the list,
//! read, create, versioned update, archive and CSV written once over it.
//! Below are the pieces those (and the documents that are not plain
//! records) share: the keyset part of a list query, the version an update
//! must carry, turning a unique violation into a field error, and the audit
//! entry with before and after.

pub mod crud;
pub mod export;
mod record;

pub use export::Exported;
pub use record::{ListQuery, Record, SortKey};

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

/// Rows whose text contains what a user typed (accents and case ignored;
/// `%` and `_` typed are literal, not wildcards).
pub enum TextMatch {
    /// Nothing typed: no filter.
    Any,
    /// Few rows match: exactly these ids (found through the trigram index).
    Ids(Vec<Uuid>),
    /// Many rows match: filter while walking the sort index, where matches
    /// are dense enough to fill a page quickly. Holds the escaped text.
    Dense(String),
}

/// At most this many ids come back from the index; more means "dense".
const MATCH_CAP: i32 = 1000;

/// Find the rows of `kind` (`parties`, `products`, `serials`) in `company_id`
/// containing `text`. Row-level security keeps LIKE off the indexes (see
/// migration 06), so the index part runs in `text_match_ids`, which checks
/// the company against the session itself.
pub async fn text_match(
    tx: &mut sqlx::PgConnection,
    kind: &str,
    company_id: Uuid,
    text: Option<&str>,
) -> Result<TextMatch> {
    let Some(q) = text.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(TextMatch::Any);
    };
    // Stored text never holds NUL (PostgreSQL cannot), so nothing matches
    // it; and sent to the database it would be refused as a server error.
    if q.contains('\0') {
        return Ok(TextMatch::Ids(Vec::new()));
    }
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT text_match_ids($1, $2, '%' || search_norm($3) || '%', $4)")
            .bind(kind)
            .bind(company_id)
            .bind(&escaped)
            .bind(MATCH_CAP)
            .fetch_all(&mut *tx)
            .await?;
    // Plan the statement that follows for its actual parameters: how many
    // rows the filter keeps decides between walking the sort index and
    // sorting the matches, which a generic prepared plan cannot know. And
    // PostgreSQL guesses a handful of rows for any '%word%' and would fetch
    // them all and sort; when we know there are over a thousand, walking the
    // sort index and stopping at the page's end is the better plan
    // (measured: 57 ms instead of 246 ms for a word in 10 % of 100k names).
    // The setting lasts the transaction, so every text match sets it for the
    // statement that follows (the search box runs three in a row; a stale
    // "off" made an empty id list walk a whole index).
    let dense = ids.len() >= MATCH_CAP as usize;
    sqlx::query(
        "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),
                set_config('enable_sort', $1, true)",
    )
    .bind(if dense { "off" } else { "on" })
    .execute(&mut *tx)
    .await?;
    if !dense {
        return Ok(TextMatch::Ids(ids));
    }
    Ok(TextMatch::Dense(escaped))
}

/// Append the condition of `m`: on `id_column` for a few ids, on the
/// `search_norm`-ed `text_column` otherwise.
pub fn push_text_match(
    qb: &mut QueryBuilder<Postgres>,
    id_column: &str,
    text_column: &str,
    m: &TextMatch,
) {
    match m {
        TextMatch::Any => {}
        TextMatch::Ids(ids) => {
            qb.push(format_args!(" AND {id_column} = ANY("));
            qb.push_bind(ids.clone());
            qb.push(")");
        }
        TextMatch::Dense(escaped) => {
            qb.push(format_args!(" AND {text_column} LIKE '%' || search_norm("));
            qb.push_bind(escaped.clone());
            qb.push(") || '%'");
        }
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

/// A constraint's name and the field issue its violation means.
pub type Constraint = (&'static str, fn() -> FieldIssue);

/// A unique or foreign-key violation named `constraint` becomes `issue`;
/// anything else stays what it was.
pub fn violation(e: sqlx::Error, rules: &[Constraint]) -> Error {
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

#[cfg(test)]
mod sort_pattern_tests {
    use super::{ListQuery, Record};

    /// The document's pattern for `sort` names every sort key of the list,
    /// each alone and with `-`.
    fn names_every_sort<R: Record>() {
        let pattern = <R::Query as ListQuery>::SORT_PATTERN;
        let inner = pattern
            .strip_prefix("^(-?(")
            .and_then(|p| p.strip_suffix("))?$"))
            .unwrap_or_else(|| panic!("{pattern}: ^(-?(a|b))?$"));
        let mut allowed: Vec<&str> = inner.split('|').collect();
        let mut keys: Vec<&str> = R::SORTS.iter().map(|s| s.name).collect();
        allowed.sort();
        keys.sort();
        assert_eq!(allowed, keys, "{pattern}");
    }

    #[test]
    fn every_list_documents_exactly_its_sorts() {
        names_every_sort::<crate::parties::Party>();
        names_every_sort::<crate::catalog::products::Product>();
        names_every_sort::<crate::stock::locations::Location>();
    }
}
