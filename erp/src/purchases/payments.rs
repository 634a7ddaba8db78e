//! Paying suppliers: a payment in lempiras or dollars, allocated to bills of
//! that supplier (never more than each still owes), booked in the same
//! transaction: the payable at each bill's own rate against cash or bank
//! at the payment's rate, the difference to exchange differences. What is
//! not allocated stays on the payable as an advance. A wrong payment is
//! reversed, never edited.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::accounting::entries::{self, EntryLine, NewEntry};
use crate::accounting::reversal::{self, Reversible};
use crate::db::Db;
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::sales::totals::cents;
use crate::stock::lines;
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

pub const METHODS: [&str; 3] = ["cash", "transfer", "check"];

#[cfg(feature = "openapi")]
fn method_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&METHODS)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillAllocation {
    pub bill_id: Uuid,
    /// The supplier's number of the bill.
    pub supplier_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierPayment {
    pub id: Uuid,
    /// "PP-00012".
    pub number: String,
    pub party_id: Uuid,
    pub party_name: String,
    /// cash, transfer or check.
    pub method: String,
    pub payment_date: NaiveDate,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::rate")]
    pub exchange_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
    /// What is not allocated to a bill (an advance to the supplier).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub unallocated: Decimal,
    /// The transfer or check number.
    pub reference: String,
    pub notes: String,
    pub journal_entry_id: Uuid,
    pub reversed_at: Option<DateTime<Utc>>,
    pub version: i32,
    #[sqlx(skip)]
    pub allocations: Vec<BillAllocation>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BillAllocationInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub bill_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount, required = true))]
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierPaymentInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// cash, transfer or check.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = method_schema, required = true))]
    pub method: String,
    /// Default: today.
    #[serde(default)]
    pub payment_date: Option<NaiveDate>,
    /// HNL (default) or USD; the bills paid are in the same currency.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::exchange_rate))]
    pub exchange_rate: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount, required = true))]
    pub amount: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub notes: String,
    #[serde(default)]
    pub allocations: Vec<BillAllocationInput>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SupplierPaymentQuery {
    pub party_id: Option<Uuid>,
    /// Only the payments allocated (in part) to this bill.
    pub bill_id: Option<Uuid>,
    /// 1–200, default 50 (newest first).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReversePaymentInput {
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! payment_select {
    () => {
        "SELECT p.id, 'PP-' || lpad(p.doc_no::text, 5, '0') AS number, p.party_id, pa.name AS party_name,
                p.method, p.payment_date, p.currency::text AS currency, p.exchange_rate, p.amount,
                (p.amount - coalesce((SELECT sum(a.amount) FROM supplier_payment_allocations a
                                       WHERE a.payment_id = p.id), 0))::numeric(18, 2) AS unallocated,
                p.reference, p.notes, p.journal_entry_id, p.reversed_at, p.version
           FROM supplier_payments p JOIN parties pa ON pa.id = p.party_id"
    };
}

async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<SupplierPayment> {
    let mut p: SupplierPayment = sqlx::query_as(concat!(payment_select!(), " WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("supplier_payment_not_found"))?;
    with_allocations(tx, std::slice::from_mut(&mut p)).await?;
    Ok(p)
}

/// Fill in the bills each of `payments` was allocated to, in one query.
async fn with_allocations(
    tx: &mut sqlx::PgConnection,
    payments: &mut [SupplierPayment],
) -> Result<()> {
    let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
    let rows: Vec<(Uuid, Uuid, String, Decimal)> = sqlx::query_as(
        "SELECT a.payment_id, a.bill_id, b.supplier_number, a.amount FROM supplier_payment_allocations a
           JOIN supplier_bills b ON b.id = a.bill_id WHERE a.payment_id = ANY($1)
          ORDER BY b.supplier_number",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    for (payment, bill_id, supplier_number, amount) in rows {
        if let Some(p) = payments.iter_mut().find(|p| p.id == payment) {
            p.allocations.push(BillAllocation {
                bill_id,
                supplier_number,
                amount,
            });
        }
    }
    Ok(())
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<SupplierPayment> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let p = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(p)
}

pub async fn list(
    db: &Db,
    user: &SessionUser,
    q: SupplierPaymentQuery,
) -> Result<Vec<SupplierPayment>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let mut rows: Vec<SupplierPayment> = sqlx::query_as(concat!(
        payment_select!(),
        " WHERE p.company_id = $1 AND ($2::uuid IS NULL OR p.party_id = $2)
            AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM supplier_payment_allocations a
                                              WHERE a.payment_id = p.id AND a.bill_id = $4))
          ORDER BY p.payment_date DESC, p.doc_no DESC LIMIT $3"
    ))
    .bind(access.company_id)
    .bind(q.party_id)
    .bind(crate::paging::limit(q.limit))
    .bind(q.bill_id)
    .fetch_all(&mut *tx)
    .await?;
    with_allocations(&mut tx, &mut rows).await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn record(
    db: &Db,
    user: &SessionUser,
    input: SupplierPaymentInput,
) -> Result<SupplierPayment> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Create).await?;
    let mut c = Checks::new();
    if !METHODS.contains(&input.method.as_str()) {
        c.push(FieldIssue::new(
            "/method",
            "invalid_method",
            "cash, transfer or check",
        ));
    }
    let amount = lines::amount(&mut c, "/amount", input.amount, false).unwrap_or_default();
    let reference = c.text("/reference", &input.reference, 0, 100);
    let notes = c.text("/notes", &input.notes, 0, 1000);
    let currency = input
        .currency
        .as_deref()
        .unwrap_or("HNL")
        .trim()
        .to_uppercase();
    let rate = c.exchange_rate(&currency, input.exchange_rate);
    c.in_lempiras("/amount", amount, rate);
    let party = lines::supplier(&mut tx, &mut c, input.party_id).await?;

    // Lock the bills paid, so two payments at once cannot both take what
    // one bill still owes.
    let ids: Vec<Uuid> = input.allocations.iter().filter_map(|a| a.bill_id).collect();
    sqlx::query("SELECT 1 FROM supplier_bills WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let open: Vec<(Uuid, Uuid, String, Decimal, Decimal)> = sqlx::query_as(
        "SELECT id, party_id, currency::text, exchange_rate, open_amount FROM supplier_bill_balances
          WHERE id = ANY($1) AND class <> 'credit_note'",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut allocations = Vec::new();
    for (i, a) in input.allocations.iter().enumerate() {
        let at = format!("/allocations/{i}");
        let share = lines::amount(&mut c, &format!("{at}/amount"), a.amount, false);
        let Some(bill_id) = a.bill_id else {
            c.push(FieldIssue::new(
                &format!("{at}/bill_id"),
                "required",
                "name the bill paid",
            ));
            continue;
        };
        if input.allocations[..i]
            .iter()
            .any(|b| b.bill_id == a.bill_id)
        {
            c.push(FieldIssue::new(
                &format!("{at}/bill_id"),
                "duplicate_bill",
                "this bill is listed twice",
            ));
            continue;
        }
        match open.iter().find(|(id, ..)| *id == bill_id) {
            None => c.push(FieldIssue::new(
                &format!("{at}/bill_id"),
                "unknown_bill",
                "no such bill (or it was reversed)",
            )),
            Some((_, p, ..)) if Some(*p) != party => c.push(FieldIssue::new(
                &format!("{at}/bill_id"),
                "bill_of_another_supplier",
                "this bill is another supplier's",
            )),
            Some((_, _, cur, ..)) if *cur != currency => c.push(FieldIssue::new(
                &format!("{at}/bill_id"),
                "currency_differs",
                "the bill is in another currency",
            )),
            Some((.., owed)) if share.is_some_and(|s| s > *owed) => c.push(FieldIssue::new(
                &format!("{at}/amount"),
                "exceeds_balance",
                format!("the bill owes {owed}"),
            )),
            Some((_, _, _, bill_rate, _)) => {
                if let Some(share) = share {
                    allocations.push((bill_id, share, *bill_rate));
                }
            }
        }
    }
    let allocated: Decimal = allocations.iter().map(|a| a.1).sum();
    if allocated > amount && amount > Decimal::ZERO {
        c.push(FieldIssue::new(
            "/allocations",
            "allocations_exceed_payment",
            "the allocations add up to more than the payment",
        ));
    }
    c.finish()?;
    let party_id = party.expect("checked above");

    let accounts = entries::mapped_accounts(&mut tx).await?;
    let money_purpose = if input.method == "cash" {
        "cash"
    } else {
        "bank"
    };
    let account = |purpose: &str| {
        accounts.get(purpose).copied().ok_or_else(|| {
            Error::conflict(
                "ledger_account_missing",
                format!("no account is set for {purpose}"),
            )
        })
    };
    let date = crate::stock::date_or_today(&mut tx, input.payment_date).await?;
    let doc_no: i32 = sqlx::query_scalar("SELECT next_document_no($1, 'supplier_payment')")
        .bind(access.company_id)
        .fetch_one(&mut *tx)
        .await?;
    // Each bill's payable leaves at the rate it was booked at; the rest of
    // the payment is an advance at today's rate.
    let paid_out = cents(amount * rate);
    let cleared: Decimal = allocations
        .iter()
        .map(|(_, a, r)| cents(a * r))
        .sum::<Decimal>()
        + cents((amount - allocated) * rate);
    let id = Uuid::now_v7();
    let (entry_id, _) = entries::write(
        &mut tx,
        &access,
        &NewEntry {
            date,
            memo: format!("Pago a proveedor PP-{doc_no:05}"),
            source_kind: "supplier_payment",
            source_id: Some(id),
            reverses_id: None,
            lines: vec![
                EntryLine::debit(account("payable")?, Some(party_id), cleared),
                EntryLine::debit(account("exchange_difference")?, None, paid_out - cleared),
                EntryLine::credit(account(money_purpose)?, None, paid_out),
            ],
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO supplier_payments (id, company_id, doc_no, party_id, method, payment_date, currency,
                                        exchange_rate, amount, reference, notes, journal_entry_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(doc_no)
    .bind(party_id)
    .bind(&input.method)
    .bind(date)
    .bind(&currency)
    .bind(rate)
    .bind(amount)
    .bind(&reference)
    .bind(&notes)
    .bind(entry_id)
    .bind(access.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO supplier_payment_allocations (id, company_id, payment_id, bill_id, amount)
         SELECT gen_random_uuid(), $1, $2, b, a FROM unnest($3::uuid[], $4::numeric[]) AS x (b, a)",
    )
    .bind(access.company_id)
    .bind(id)
    .bind(allocations.iter().map(|a| a.0).collect::<Vec<_>>())
    .bind(allocations.iter().map(|a| a.1).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let payment = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "supplier_payment",
        id,
        None,
        Some(&payment),
    )
    .await?;
    tx.commit().await?;
    Ok(payment)
}

/// Reverse a payment: the opposite entry, and its allocations stop counting.
pub async fn reverse(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: ReversePaymentInput,
) -> Result<SupplierPayment> {
    reversal::reverse(db, user, id, input.version).await
}

impl Reversible for SupplierPayment {
    const TABLE: &'static str = "supplier_payments";
    const ENTITY: &'static str = "supplier_payment";
    const NOT_FOUND: &'static str = "supplier_payment_not_found";
    const REVERSED: &'static str = "payment_reversed";
    const SOURCE_KIND: &'static str = "supplier_payment";
    const RESOURCE: Resource = Resource::Purchases;

    async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Self> {
        fetch(tx, id).await
    }
    fn journal_entry_id(&self) -> Uuid {
        self.journal_entry_id
    }
    fn is_reversed(&self) -> bool {
        self.reversed_at.is_some()
    }
    fn reversal_memo(&self) -> String {
        format!("Reversión del pago a proveedor {}", self.number)
    }
}
