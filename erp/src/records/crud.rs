//! The operations every kind of record has, written once over `Record`:
//! a list with filters, sort and cursor; a read; create; an update that
//! must carry the version it read; archive and restore. Each runs in the
//! caller's company (row-level security), checks the caller's role for
//! `R::RESOURCE`, and writes the audit entry in the same transaction.

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::record::{ListQuery, Record, SortKey};
use super::{
    audit_change, push_keyset, push_status_filter, push_text_match, required_version, text_match,
    violation,
};
use crate::access::{Access, Tx};
use crate::db::Db;
use crate::paging::{self, Cursor, Page, parse_sort};
use crate::roles::Action;
use crate::{Error, Result, SessionUser};

pub async fn list<R: Record>(db: &Db, user: &SessionUser, query: R::Query) -> Result<Page<R>> {
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Read).await?;
    let page = list_in::<R>(&mut tx, &access, &query, paging::limit(query.limit())).await?;
    tx.commit().await?;
    Ok(page)
}

/// One page of the list inside an open transaction; the CSV export walks
/// every page of it with a larger `limit`.
pub async fn list_in<R: Record>(
    tx: &mut Tx,
    access: &Access,
    query: &R::Query,
    limit: i64,
) -> Result<Page<R>> {
    let sorts: Vec<(&str, &SortKey)> = R::SORTS.iter().map(|s| (s.name, s)).collect();
    let (sort, dir) = parse_sort(query.sort(), &sorts, &R::SORTS[0])?;
    let cursor = Cursor::read(query.cursor())?;
    let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
    qb.push(format_args!(
        "{}{} FROM {} WHERE company_id = ",
        R::COLUMNS,
        R::LIST_EXTRA,
        R::TABLE
    ));
    // The company named explicitly lets the planner walk the sort index;
    // row-level security still applies on top.
    qb.push_bind(access.company_id);
    push_status_filter(&mut qb, query.status())?;
    R::push_filters(query, &mut qb)?;
    if let Some(kind) = R::SEARCH {
        let text = text_match(tx, kind, access.company_id, query.text()).await?;
        push_text_match(&mut qb, "id", "search", &text);
    }
    push_keyset(&mut qb, sort.sql, sort.cast, dir, cursor, limit);
    let rows: Vec<R> = qb
        .build_query_as()
        .fetch_all(&mut **tx)
        .await
        .map_err(crate::paging::refused_key)?;
    Ok(paging::page(rows, limit, |r| Cursor {
        key: r.sort_value(sort.name),
        id: r.id(),
    }))
}

pub async fn get<R: Record>(db: &Db, user: &SessionUser, id: Uuid) -> Result<R> {
    let (_, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Read).await?;
    let row = fetch::<R>(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(row)
}

/// One row by id (locked for an update when `for_update`); another
/// company's row is not found, as a missing one.
pub async fn fetch<R: Record>(tx: &mut Tx, id: Uuid, for_update: bool) -> Result<R> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1{lock}",
        R::COLUMNS,
        R::TABLE
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found(R::NOT_FOUND))
}

pub async fn create<R: Record>(db: &Db, user: &SessionUser, input: R::Input) -> Result<R> {
    let valid = R::validate(input)?;
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Create).await?;
    let row = insert::<R>(&mut tx, &access, &valid).await?;
    tx.commit().await?;
    Ok(row)
}

/// Insert one checked record, audited (also what an import does).
pub async fn insert<R: Record>(tx: &mut Tx, access: &Access, valid: &R::Valid) -> Result<R> {
    let mut qb = QueryBuilder::<Postgres>::new("INSERT INTO ");
    qb.push(format_args!(
        "{} (id, company_id, {}) VALUES (",
        R::TABLE,
        R::WRITTEN
    ));
    qb.push_bind(Uuid::now_v7());
    qb.push(", ");
    qb.push_bind(access.company_id);
    qb.push(", ");
    R::push_values(valid, &mut qb.separated(", "));
    qb.push(format_args!(") RETURNING {}", R::COLUMNS));
    let row: R = qb
        .build_query_as()
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| violation(e, R::CONSTRAINTS))?;
    audit_change(tx, access, "create", R::ENTITY, row.id(), None, Some(&row)).await?;
    Ok(row)
}

pub async fn update<R: Record>(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: R::Input,
) -> Result<R> {
    let version = required_version(R::input_version(&input))?;
    let valid = R::validate(input)?;
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Update).await?;
    let before = fetch::<R>(&mut tx, id, true).await?;
    if before.version() != version {
        return Err(Error::stale_version());
    }
    let after = replace::<R>(&mut tx, &access, &before, &valid).await?;
    tx.commit().await?;
    Ok(after)
}

/// Write `valid` over the locked row `before` (version + 1, audited); the
/// caller has checked the version.
pub async fn replace<R: Record>(
    tx: &mut Tx,
    access: &Access,
    before: &R,
    valid: &R::Valid,
) -> Result<R> {
    write_over(tx, access, before, valid, false)
        .await?
        .ok_or_else(|| Error::not_found(R::NOT_FOUND))
}

/// What an import does with a row: create the record when there is none,
/// leave it alone when it already holds these values, or write them over it.
pub async fn upsert<R: Record>(
    tx: &mut Tx,
    access: &Access,
    existing: Option<R>,
    valid: &R::Valid,
) -> Result<crate::imports::Outcome> {
    use crate::imports::Outcome;
    let Some(before) = existing else {
        insert::<R>(tx, access, valid).await?;
        return Ok(Outcome::Created);
    };
    Ok(match write_over(tx, access, &before, valid, true).await? {
        Some(_) => Outcome::Updated,
        None => Outcome::Unchanged,
    })
}

/// The UPDATE behind `replace` and `upsert`. With `only_if_changed`, a row
/// that already holds every value is not written (None): no new version,
/// no audit entry. The database compares, so numbers compare as numbers.
async fn write_over<R: Record>(
    tx: &mut Tx,
    access: &Access,
    before: &R,
    valid: &R::Valid,
    only_if_changed: bool,
) -> Result<Option<R>> {
    let mut qb = QueryBuilder::<Postgres>::new("UPDATE ");
    qb.push(format_args!("{} SET ({}) = ROW(", R::TABLE, R::WRITTEN));
    R::push_values(valid, &mut qb.separated(", "));
    qb.push("), version = version + 1, updated_at = now() WHERE id = ");
    qb.push_bind(before.id());
    if only_if_changed {
        qb.push(format_args!(
            " AND ROW({}) IS DISTINCT FROM ROW(",
            R::WRITTEN
        ));
        R::push_values(valid, &mut qb.separated(", "));
        qb.push(")");
    }
    qb.push(format_args!(" RETURNING {}", R::COLUMNS));
    let after: Option<R> = qb
        .build_query_as()
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| violation(e, R::CONSTRAINTS))?;
    if let Some(after) = &after {
        audit_change(
            tx,
            access,
            "update",
            R::ENTITY,
            before.id(),
            Some(before),
            Some(after),
        )
        .await?;
    }
    Ok(after)
}

/// Archive (true) or restore (false); `version` must be the one read.
pub async fn set_archived<R: Record>(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<R> {
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Archive).await?;
    let before = fetch::<R>(&mut tx, id, true).await?;
    if before.version() != version {
        return Err(Error::stale_version());
    }
    let sql = format!(
        "UPDATE {} SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING {}",
        R::TABLE,
        R::COLUMNS
    );
    let after: R = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(archived)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| violation(e, R::CONSTRAINTS))?;
    let action = if archived { "archive" } else { "restore" };
    audit_change(
        &mut tx,
        &access,
        action,
        R::ENTITY,
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
