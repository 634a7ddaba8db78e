//! Posting an invoice or credit note: in one transaction, draw the fiscal
//! number, fix the issuer and buyer as printed, book the journal entry, and
//! make the document final. If any step fails nothing is written and the
//! number goes back to the range.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::accounting;
use super::documents::{self, Amounts, Document, Fiscal};
use super::totals::{Line, Totals};
use super::transitions::{self, Kind, Move};
use crate::access::Access;
use crate::accounting::entries::{self, NewEntry};
use crate::db::Db;
use crate::fiscal::numbering;
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::values::TaxClass;
use crate::{Error, Result, SessionUser};

/// What posting fixes of the issuer (legal and trade name, RTN, head office
/// and branch address, phone, e-mail) and the buyer, with today's date in
/// Honduras: one round trip.
#[derive(sqlx::FromRow)]
struct Parties {
    issuer: serde_json::Value,
    buyer_name: String,
    buyer_rtn: Option<String>,
    today: NaiveDate,
}

async fn parties(
    tx: &mut sqlx::PgConnection,
    emission_point_id: Uuid,
    buyer: Uuid,
) -> Result<Parties> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        crate::issuer_json!(),
        " AS issuer, p.name AS buyer_name, p.rtn AS buyer_rtn, hn_today() AS today
               FROM emission_points e JOIN branches b ON b.id = e.branch_id
               JOIN companies c ON c.id = e.company_id, parties p
              WHERE e.id = $1 AND p.id = $2"
    ))
    .bind(emission_point_id)
    .bind(buyer)
    .fetch_one(&mut *tx)
    .await?)
}

pub async fn post(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<Document> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Update).await?;
    let before = documents::fetch_locked(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let kind = before.kind;
    let status = transitions::require(kind, before.status, Move::Post)?;
    if kind == Kind::Invoice && before.lines.iter().any(|l| l.serial_id.is_some()) {
        // An invoice sells the units it names: its order's promise, or its own.
        let owner = before.source_id.unwrap_or(id);
        crate::stock::reservations::reserve(&mut tx, id, owner).await?;
    }
    if kind == Kind::CreditNote && before.lines.iter().any(|l| l.serial_id.is_some()) {
        crate::stock::reservations::release_credited(&mut tx, id).await?;
    }

    let issued = numbering::draw(&mut tx, before.emission_point_id, kind.as_str()).await?;
    let Parties {
        issuer,
        buyer_name,
        buyer_rtn,
        today,
    } = parties(&mut tx, before.emission_point_id, before.party_id).await?;
    let accounts = accounting::accounts(&mut tx).await?;
    // Totals again at today's rates: what is printed and booked is what the
    // tax codes say on the day of issue.
    let lines: Vec<Line> = before
        .lines
        .iter()
        .map(|l| Line {
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount_pct: l.discount_pct,
            tax_class: l.tax_class.parse().unwrap_or(TaxClass::Isv15),
        })
        .collect();
    let amounts: Amounts = Totals::of(&lines, accounts.rates).into();
    // The fiscal date is the day of issue; the due date keeps its terms.
    let terms = before.due_date - before.issue_date;
    let due_date = today + terms;

    let entry = NewEntry {
        date: today,
        memo: format!(
            "{} {} {}",
            if kind == Kind::CreditNote {
                "Nota de crédito"
            } else {
                "Factura"
            },
            issued.number,
            buyer_name
        ),
        source_kind: kind.as_str(),
        source_id: Some(id),
        reverses_id: None,
        lines: accounting::entry_lines(
            kind,
            &amounts,
            before.exchange_rate,
            before.party_id,
            &accounts,
        )?,
    };
    let (entry_id, _) = entries::write(&mut tx, &access, &entry).await?;

    let (posted_at, version, updated_at): (DateTime<Utc>, i32, DateTime<Utc>) = sqlx::query_as(
        "UPDATE sales_documents
            SET status = $23, fiscal_number = $2, fiscal_range_id = $3, cai = $4, range_first = $5,
                range_last = $6, fiscal_deadline = $7, issuer = $8, buyer_name = $9, buyer_rtn = $10,
                journal_entry_id = $11, posted_at = now(), posted_by = $12, issue_date = $13, due_date = $14,
                discount = $15, exempt = $16, exonerated = $17, taxed15 = $18, taxed18 = $19,
                isv15 = $20, isv18 = $21, total = $22, version = version + 1, updated_at = now()
          WHERE id = $1
         RETURNING posted_at, version, updated_at",
    )
    .bind(id)
    .bind(&issued.number)
    .bind(issued.range_id)
    .bind(&issued.cai)
    .bind(&issued.range_first)
    .bind(&issued.range_last)
    .bind(issued.deadline)
    .bind(&issuer)
    .bind(&buyer_name)
    .bind(&buyer_rtn)
    .bind(entry_id)
    .bind(access.user_id)
    .bind(today)
    .bind(due_date)
    .bind(amounts.discount)
    .bind(amounts.exempt)
    .bind(amounts.exonerated)
    .bind(amounts.taxed15)
    .bind(amounts.taxed18)
    .bind(amounts.isv15)
    .bind(amounts.isv18)
    .bind(amounts.total)
    .bind(status.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if kind == Kind::Invoice
        && let Some(order) = before.source_id
    {
        complete_order_if_billed(&mut tx, order).await?;
    }
    // What was just written, without reading it back (the scenario test
    // checks the answer equals a fresh read).
    let after = Document {
        status,
        issue_date: today,
        due_date,
        amounts,
        fiscal: Some(Fiscal {
            number: issued.number,
            cai: issued.cai,
            range_first: issued.range_first,
            range_last: issued.range_last,
            deadline: issued.deadline,
            buyer_name,
            buyer_rtn,
            issuer,
            journal_entry_id: entry_id,
            posted_at,
        }),
        version,
        updated_at,
        ..before.clone()
    };
    audit_change(
        &mut tx,
        &access,
        "post",
        "sales_document",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// An order whose every line is billed by posted invoices is done. Written
/// to go from the order's lines to what bills them and each biller's status
/// by key, whatever the planner knows: joined, a table without statistics
/// yet (a new company) was scanned whole per line.
async fn complete_order_if_billed(tx: &mut sqlx::PgConnection, order: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE sales_documents SET status = 'done', version = version + 1, updated_at = now()
          WHERE id = $1 AND kind = 'order' AND status = 'confirmed'
            AND NOT EXISTS (
                SELECT 1 FROM sales_document_lines l
                 WHERE l.document_id = $1
                   AND l.quantity > coalesce((SELECT sum(x.quantity) FROM sales_document_lines x
                                              WHERE x.source_line_id = l.id
                                                AND (SELECT xd.status FROM sales_documents xd
                                                      WHERE xd.id = x.document_id) = 'posted'), 0))",
    )
    .bind(order)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
