//! The journal as the accountant sees it: entries with their lines, manual
//! entries, and reversing an entry (the only correction there is).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::entries::{self, EntryLine, NewEntry};
use crate::access::Access;
use crate::db::Db;
use crate::numbers::MONEY;
use crate::paging::{self, Cursor, Page};
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalLine {
    pub account_id: Uuid,
    pub account_code: String,
    pub account_name: String,
    pub party_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub debit: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub credit: Decimal,
    pub memo: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalEntry {
    pub id: Uuid,
    pub entry_no: i32,
    pub entry_date: NaiveDate,
    pub memo: String,
    /// invoice, credit_note, payment, manual or reversal.
    pub source_kind: String,
    pub source_id: Option<Uuid>,
    pub reverses_id: Option<Uuid>,
    /// The entry that reversed this one.
    pub reversed_by: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<JournalLine>,
}

macro_rules! entry_select {
    () => {
        "SELECT e.id, e.entry_no, e.entry_date, e.memo, e.source_kind, e.source_id, e.reverses_id,
                (SELECT r.id FROM journal_entries r WHERE r.reverses_id = e.id) AS reversed_by,
                e.total, e.created_at
           FROM journal_entries e"
    };
}

impl JournalEntry {
    /// The lines of the entry that cancels this one: each side swapped.
    pub(crate) fn reversing_lines(&self) -> Vec<EntryLine> {
        self.lines
            .iter()
            .map(|l| EntryLine {
                account_id: l.account_id,
                party_id: l.party_id,
                debit: l.credit,
                credit: l.debit,
                memo: l.memo.clone(),
            })
            .collect()
    }
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<JournalEntry> {
    let mut entry: JournalEntry = sqlx::query_as(concat!(entry_select!(), " WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("entry_not_found"))?;
    entry.lines = sqlx::query_as(
        "SELECT l.account_id, a.code AS account_code, a.name AS account_name, l.party_id, l.debit, l.credit, l.memo
           FROM journal_lines l JOIN accounts a ON a.id = l.account_id
          WHERE l.entry_id = $1 ORDER BY l.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(entry)
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<JournalEntry> {
    let (_, mut tx) = Access::begin(db, user, Resource::Ledger, Action::Read).await?;
    let entry = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(entry)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Newest first, without lines.
pub async fn list(db: &Db, user: &SessionUser, q: JournalQuery) -> Result<Page<JournalEntry>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Ledger, Action::Read).await?;
    let limit = paging::limit(q.limit);
    let cursor = Cursor::read(q.cursor.as_deref())?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(entry_select!(), " WHERE e.company_id = "));
    qb.push_bind(access.company_id);
    if let Some(from) = q.from {
        qb.push(" AND e.entry_date >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND e.entry_date <= ").push_bind(to);
    }
    if let Some(c) = &cursor {
        let no: i32 = c.key.parse().map_err(|_| paging::invalid_cursor())?;
        qb.push(" AND e.entry_no < ").push_bind(no);
    }
    qb.push(" ORDER BY e.entry_no DESC LIMIT ")
        .push_bind(limit + 1);
    let rows: Vec<JournalEntry> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(paging::page(rows, limit, |e| Cursor {
        key: e.entry_no.to_string(),
        id: e.id,
    }))
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ManualLineInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub account_id: Option<Uuid>,
    #[serde(default)]
    pub party_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::money))]
    pub debit: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::money))]
    pub credit: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub memo: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ManualEntryInput {
    /// Default: today.
    #[serde(default)]
    pub entry_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<500>, required = true))]
    pub memo: String,
    /// At least two: the entry's debits and credits.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 2, required = true))]
    pub lines: Vec<ManualLineInput>,
}

/// A manual entry. Checked here for a clear answer per line; the database
/// checks the balance again at commit.
pub async fn create_manual(
    db: &Db,
    user: &SessionUser,
    input: ManualEntryInput,
) -> Result<JournalEntry> {
    let mut c = Checks::new();
    let memo = c.text("/memo", &input.memo, 1, 500);
    if input.lines.len() < 2 {
        c.push(FieldIssue::new(
            "/lines",
            "too_few_lines",
            "an entry has at least two lines",
        ));
    }
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, l) in input.lines.iter().enumerate() {
        let (debit, credit) = match (
            l.debit.filter(|d| !d.is_zero()),
            l.credit.filter(|d| !d.is_zero()),
        ) {
            (Some(d), None) if MONEY.admits(d) => (d, Decimal::ZERO),
            (None, Some(k)) if MONEY.admits(k) => (Decimal::ZERO, k),
            _ => {
                c.push(FieldIssue::new(
                    &format!("/lines/{i}/debit"),
                    "one_side_amount",
                    "either a debit or a credit, more than 0 and below 1,000,000,000,000 with at most 2 decimals",
                ));
                continue;
            }
        };
        let Some(account_id) = l.account_id else {
            c.push(FieldIssue::new(
                &format!("/lines/{i}/account_id"),
                "required",
                "choose an account",
            ));
            continue;
        };
        let memo = c.text(&format!("/lines/{i}/memo"), &l.memo, 0, 200);
        lines.push(EntryLine {
            account_id,
            party_id: l.party_id,
            debit,
            credit,
            memo,
        });
    }
    let debit: Decimal = lines.iter().map(|l| l.debit).sum();
    let credit: Decimal = lines.iter().map(|l| l.credit).sum();
    if debit != credit {
        c.push(FieldIssue::new(
            "/lines",
            "entry_unbalanced",
            format!("debits {debit} and credits {credit} differ"),
        ));
    }
    c.finish()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Ledger, Action::Create).await?;
    let accounts: Vec<(Uuid, bool)> =
        sqlx::query_as("SELECT id, postable AND active FROM accounts WHERE id = ANY($1)")
            .bind(lines.iter().map(|l| l.account_id).collect::<Vec<_>>())
            .fetch_all(&mut *tx)
            .await?;
    let mut c = Checks::new();
    for (i, l) in lines.iter().enumerate() {
        match accounts.iter().find(|(id, _)| *id == l.account_id) {
            Some((_, true)) => {}
            Some((_, false)) => c.push(FieldIssue::new(
                &format!("/lines/{i}/account_id"),
                "account_not_postable",
                "a header or inactive account takes no entries",
            )),
            None => c.push(FieldIssue::new(
                &format!("/lines/{i}/account_id"),
                "unknown_account",
                "no such account in this company",
            )),
        }
    }
    c.finish()?;
    let today: NaiveDate = sqlx::query_scalar("SELECT hn_today()")
        .fetch_one(&mut *tx)
        .await?;
    let (id, _) = entries::write(
        &mut tx,
        &access,
        &NewEntry {
            date: input.entry_date.unwrap_or(today),
            memo,
            source_kind: "manual",
            source_id: None,
            reverses_id: None,
            lines,
        },
    )
    .await
    .map_err(|e| match e.constraint() {
        // A party of another company: the composite key refuses it.
        Some("journal_lines_company_id_party_id_fkey") => {
            Error::validation("unknown_party", "/lines", "a party is not of this company")
        }
        _ => e,
    })?;
    let entry = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "journal_entry",
        id,
        None,
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReverseInput {
    /// Default: today.
    #[serde(default)]
    pub entry_date: Option<NaiveDate>,
    #[serde(default)]
    pub memo: String,
}

/// Reverse a manual entry with a new entry of the opposite sides. Entries
/// of invoices, credit notes and payments are corrected through those
/// documents (a credit note, a payment reversal), never here.
pub async fn reverse(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: ReverseInput,
) -> Result<JournalEntry> {
    let (access, mut tx) = Access::begin(db, user, Resource::Ledger, Action::Archive).await?;
    let original = fetch(&mut tx, id).await?;
    if original.source_kind != "manual" {
        return Err(Error::conflict(
            "entry_from_document",
            "this entry belongs to a document: correct the document (credit note, payment reversal)",
        ));
    }
    if original.reversed_by.is_some() {
        return Err(Error::conflict(
            "entry_already_reversed",
            "this entry was already reversed",
        ));
    }
    let today: NaiveDate = sqlx::query_scalar("SELECT hn_today()")
        .fetch_one(&mut *tx)
        .await?;
    let memo = match input.memo.trim() {
        "" => format!("Reversión de la partida {}", original.entry_no),
        m => m.to_owned(),
    };
    let lines = original.reversing_lines();
    let (new_id, _) = entries::write(
        &mut tx,
        &access,
        &NewEntry {
            date: input.entry_date.unwrap_or(today),
            memo,
            source_kind: "reversal",
            source_id: None,
            reverses_id: Some(id),
            lines,
        },
    )
    .await
    // Two reversals at once: the unique reverses_id lets one through.
    .map_err(|e| match e.constraint() {
        Some("journal_entries_reverses_id_key") => {
            Error::conflict("entry_already_reversed", "this entry was already reversed")
        }
        _ => e,
    })?;
    let entry = fetch(&mut tx, new_id).await?;
    audit_change(
        &mut tx,
        &access,
        "reverse",
        "journal_entry",
        id,
        Some(&original),
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}
