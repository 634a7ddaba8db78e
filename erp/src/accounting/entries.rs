//! Writing journal entries. Every entry — automatic (invoice, credit note,
//! payment) or manual — goes through [`write`], which states the line count
//! and total the database checks at commit.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::Result;
use crate::access::Access;

#[derive(Debug, Clone, PartialEq)]
pub struct EntryLine {
    pub account_id: Uuid,
    pub party_id: Option<Uuid>,
    pub debit: Decimal,
    pub credit: Decimal,
    pub memo: String,
}

impl EntryLine {
    /// A line of `amount` on the debit side (the credit side when negative).
    pub fn debit(account_id: Uuid, party_id: Option<Uuid>, amount: Decimal) -> EntryLine {
        let (debit, credit) = if amount.is_sign_negative() {
            (Decimal::ZERO, -amount)
        } else {
            (amount, Decimal::ZERO)
        };
        EntryLine {
            account_id,
            party_id,
            debit,
            credit,
            memo: String::new(),
        }
    }
    pub fn credit(account_id: Uuid, party_id: Option<Uuid>, amount: Decimal) -> EntryLine {
        EntryLine::debit(account_id, party_id, -amount)
    }
}

#[derive(Debug, Clone)]
pub struct NewEntry {
    pub date: NaiveDate,
    pub memo: String,
    /// invoice, credit_note, payment, manual or reversal.
    pub source_kind: &'static str,
    pub source_id: Option<Uuid>,
    pub reverses_id: Option<Uuid>,
    pub lines: Vec<EntryLine>,
}

/// Write `entry` (lines of zero are left out) and return its id and number.
/// Balance is checked by the database when the transaction commits.
pub async fn write(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    entry: &NewEntry,
) -> Result<(Uuid, i32)> {
    let lines: Vec<&EntryLine> = entry
        .lines
        .iter()
        .filter(|l| !(l.debit.is_zero() && l.credit.is_zero()))
        .collect();
    let total: Decimal = lines.iter().map(|l| l.debit).sum();
    let id = Uuid::now_v7();
    let entry_no: i32 = sqlx::query_scalar(
        "INSERT INTO journal_entries (id, company_id, entry_no, entry_date, memo, source_kind,
                                      source_id, reverses_id, line_count, total, created_by)
         VALUES ($1, $2, next_document_no($2, 'journal'), $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING entry_no",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(entry.date)
    .bind(&entry.memo)
    .bind(entry.source_kind)
    .bind(entry.source_id)
    .bind(entry.reverses_id)
    .bind(lines.len() as i32)
    .bind(total)
    .bind(access.user_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO journal_lines (company_id, entry_id, account_id, party_id, debit, credit, memo)
         SELECT $1, $2, a, p, d, c, m
           FROM unnest($3::uuid[], $4::uuid[], $5::numeric[], $6::numeric[], $7::text[]) AS l (a, p, d, c, m)",
    )
    .bind(access.company_id)
    .bind(id)
    .bind(lines.iter().map(|l| l.account_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.party_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.debit).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.credit).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.memo.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok((id, entry_no))
}

/// Book today the mirror of entry `original` (the reversal of a payment or a
/// bill) and return the new entry's id.
pub(crate) async fn write_reversal(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    original: Uuid,
    memo: String,
    source_kind: &'static str,
    source_id: Uuid,
) -> Result<Uuid> {
    let entry = crate::accounting::journal::fetch(&mut *tx, original).await?;
    let today: NaiveDate = sqlx::query_scalar("SELECT hn_today()")
        .fetch_one(&mut *tx)
        .await?;
    let (id, _) = write(
        tx,
        access,
        &NewEntry {
            date: today,
            memo,
            source_kind,
            source_id: Some(source_id),
            reverses_id: Some(original),
            lines: entry.reversing_lines(),
        },
    )
    .await?;
    Ok(id)
}

/// The accounts automatic entries use (`ledger_accounts`), by purpose.
pub async fn mapped_accounts(
    tx: &mut sqlx::PgConnection,
) -> Result<std::collections::HashMap<String, Uuid>> {
    let rows: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT purpose, account_id FROM ledger_accounts")
            .fetch_all(&mut *tx)
            .await?;
    Ok(rows.into_iter().collect())
}
