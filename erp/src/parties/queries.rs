//! Reading and writing parties, always inside the caller's company.

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{Party, PartyInput, PartyQuery, ValidParty};
use crate::access::{Access, Tx};
use crate::db::Db;
use crate::paging::{self, Cursor, Page, parse_sort};
use crate::records::{
    audit_change, push_keyset, push_text_match, required_version, text_match, violation,
};
use crate::roles::{Action, Resource};
use crate::{Error, FieldIssue, Result, SessionUser};

macro_rules! columns {
    () => {
        "id, name, rtn, is_customer, is_supplier, email, phone, address, city, payment_terms_days, \
         credit_limit, notes, contacts, archived_at, version, created_at, updated_at"
    };
}
pub(crate) use columns;

#[derive(Clone, Copy)]
enum Sort {
    Name,
    Created,
}

pub async fn list(db: &Db, user: &SessionUser, query: PartyQuery) -> Result<Page<Party>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Parties, Action::Read).await?;
    let page = list_in(&mut tx, &access, &query, paging::limit(query.limit)).await?;
    tx.commit().await?;
    Ok(page)
}

/// One page of the list inside an open transaction; the CSV export walks
/// every page of it with a larger `limit`.
pub(crate) async fn list_in(
    tx: &mut Tx,
    access: &Access,
    query: &PartyQuery,
    limit: i64,
) -> Result<Page<Party>> {
    let (sort, dir) = parse_sort(
        query.sort.as_deref(),
        &[("name", Sort::Name), ("created", Sort::Created)],
        Sort::Name,
    )?;
    let cursor = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        columns!(),
        ", name_key FROM parties WHERE company_id = "
    ));
    // The company named explicitly lets the planner walk the sort index;
    // row-level security still applies on top.
    qb.push_bind(access.company_id);
    crate::records::push_status_filter(&mut qb, query.status.as_deref())?;
    match query.kind.as_deref() {
        None | Some("") => {}
        Some("customer") => {
            qb.push(" AND is_customer");
        }
        Some("supplier") => {
            qb.push(" AND is_supplier");
        }
        Some(_) => {
            return Err(Error::validation(
                "invalid_kind",
                "/kind",
                "kind is customer or supplier",
            ));
        }
    }
    let text = text_match(tx, "parties", access.company_id, query.q.as_deref()).await?;
    push_text_match(&mut qb, "id", "search", &text);
    let (key, cast) = match sort {
        Sort::Name => ("name_key", "text"),
        Sort::Created => ("created_at", "timestamptz"),
    };
    push_keyset(&mut qb, key, cast, dir, cursor, limit);
    let rows: Vec<Party> = qb.build_query_as().fetch_all(&mut **tx).await?;
    Ok(paging::page(rows, limit, |p| Cursor {
        key: match sort {
            Sort::Name => p.name_key.clone(),
            Sort::Created => p.created_at.to_rfc3339(),
        },
        id: p.id,
    }))
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<Party> {
    let (_, mut tx) = Access::begin(db, user, Resource::Parties, Action::Read).await?;
    let party = fetch(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(party)
}

async fn fetch(tx: &mut Tx, id: Uuid, for_update: bool) -> Result<Party> {
    let sql = if for_update {
        concat!(
            "SELECT ",
            columns!(),
            " FROM parties WHERE id = $1 FOR UPDATE"
        )
    } else {
        concat!("SELECT ", columns!(), " FROM parties WHERE id = $1")
    };
    sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found("party_not_found"))
}

fn rtn_taken() -> FieldIssue {
    FieldIssue::new(
        "/rtn",
        "rtn_taken",
        "another party of this company has this RTN",
    )
}

pub async fn create(db: &Db, user: &SessionUser, input: PartyInput) -> Result<Party> {
    let p = input.validate()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Parties, Action::Create).await?;
    let party = insert(&mut tx, &access, &p).await?;
    tx.commit().await?;
    Ok(party)
}

/// Insert one checked party (also used by the CSV import).
pub(crate) async fn insert(tx: &mut Tx, access: &Access, p: &ValidParty) -> Result<Party> {
    let party: Party = sqlx::query_as(concat!(
        "INSERT INTO parties (id, company_id, name, rtn, is_customer, is_supplier, email, phone, address,
                              city, payment_terms_days, credit_limit, notes, contacts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(&p.name)
    .bind(&p.rtn)
    .bind(p.is_customer)
    .bind(p.is_supplier)
    .bind(&p.email)
    .bind(&p.phone)
    .bind(&p.address)
    .bind(&p.city)
    .bind(p.payment_terms_days)
    .bind(p.credit_limit)
    .bind(&p.notes)
    .bind(sqlx::types::Json(&p.contacts))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| violation(e, &[("parties_rtn_key", rtn_taken)]))?;
    audit_change(tx, access, "create", "party", party.id, None, Some(&party)).await?;
    Ok(party)
}

pub async fn update(db: &Db, user: &SessionUser, id: Uuid, input: PartyInput) -> Result<Party> {
    let version = required_version(input.version)?;
    let p = input.validate()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Parties, Action::Update).await?;
    let before = fetch(&mut tx, id, true).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after = replace(&mut tx, &access, &before, &p).await?;
    tx.commit().await?;
    Ok(after)
}

/// Archive (true) or restore (false).
pub async fn set_archived(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<Party> {
    let (access, mut tx) = Access::begin(db, user, Resource::Parties, Action::Archive).await?;
    let before = fetch(&mut tx, id, true).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: Party = sqlx::query_as(concat!(
        "UPDATE parties SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(archived)
    .fetch_one(&mut *tx)
    .await?;
    let action = if archived { "archive" } else { "restore" };
    audit_change(
        &mut tx,
        &access,
        action,
        "party",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Write `p` over the locked row `before` (version + 1, audited); the
/// caller has checked the version. Contacts come from `p`.
pub(crate) async fn replace(
    tx: &mut Tx,
    access: &Access,
    before: &Party,
    p: &ValidParty,
) -> Result<Party> {
    let after: Party = sqlx::query_as(concat!(
        "UPDATE parties SET name = $2, rtn = $3, is_customer = $4, is_supplier = $5, email = $6, phone = $7,
                address = $8, city = $9, payment_terms_days = $10, credit_limit = $11, notes = $12,
                contacts = $13, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(before.id)
    .bind(&p.name)
    .bind(&p.rtn)
    .bind(p.is_customer)
    .bind(p.is_supplier)
    .bind(&p.email)
    .bind(&p.phone)
    .bind(&p.address)
    .bind(&p.city)
    .bind(p.payment_terms_days)
    .bind(p.credit_limit)
    .bind(&p.notes)
    .bind(sqlx::types::Json(&p.contacts))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| violation(e, &[("parties_rtn_key", rtn_taken)]))?;
    audit_change(
        tx,
        access,
        "update",
        "party",
        before.id,
        Some(before),
        Some(&after),
    )
    .await?;
    Ok(after)
}
