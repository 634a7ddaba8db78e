//! Recording a customer payment: its allocation to posted invoices of that
//! customer (never more than each still owes, nor in all more than the
//! payment), and the journal entry (cash, bank or card clearing against the
//! receivable) in the same transaction. Reversal books the opposite entry.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::accounting::entries::{self, EntryLine, NewEntry};
use crate::accounting::reversal::{self, Reversible};
use crate::db::Db;
use crate::numbers::MONEY;
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::sales::totals::cents;
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

pub const METHODS: [&str; 3] = ["cash", "transfer", "card"];

#[cfg(feature = "openapi")]
fn method_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&METHODS)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub document_id: Uuid,
    /// The invoice's fiscal number.
    pub fiscal_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: Uuid,
    /// "REC-00012".
    pub reference_no: String,
    pub party_id: Uuid,
    pub party_name: String,
    /// cash, transfer or card.
    pub method: String,
    pub payment_date: NaiveDate,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::rate")]
    pub exchange_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
    /// What is not allocated to an invoice (the customer's credit).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub unallocated: Decimal,
    /// The bank or card reference the customer gave.
    pub reference: String,
    pub notes: String,
    pub journal_entry_id: Uuid,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_entry_id: Option<Uuid>,
    pub version: i32,
    #[sqlx(skip)]
    pub allocations: Vec<Allocation>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    pub document_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::money))]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// cash, transfer or card.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = method_schema, required = true))]
    pub method: String,
    /// Default: today.
    #[serde(default)]
    pub payment_date: Option<NaiveDate>,
    /// HNL (default) or USD; invoices allocated must be in the same currency.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::exchange_rate))]
    pub exchange_rate: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::money, required = true))]
    pub amount: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub notes: String,
    #[serde(default)]
    pub allocations: Vec<AllocationInput>,
}

macro_rules! select {
    () => {
        "SELECT p.id, 'REC-' || lpad(p.doc_no::text, 5, '0') AS reference_no, p.party_id, pa.name AS party_name,
                p.method, p.payment_date, p.currency::text AS currency, p.exchange_rate, p.amount,
                (p.amount - coalesce((SELECT sum(a.amount) FROM payment_allocations a WHERE a.payment_id = p.id), 0))::numeric(18, 2) AS unallocated,
                p.reference, p.notes, p.journal_entry_id, p.reversed_at, p.reversal_entry_id, p.version
           FROM payments p JOIN parties pa ON pa.id = p.party_id"
    };
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Payment> {
    let mut p: Payment = sqlx::query_as(concat!(select!(), " WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("payment_not_found"))?;
    p.allocations = sqlx::query_as(
        "SELECT a.document_id, d.fiscal_number, a.amount FROM payment_allocations a
           JOIN sales_documents d ON d.id = a.document_id WHERE a.payment_id = $1 ORDER BY d.fiscal_number",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(p)
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<Payment> {
    let (_, mut tx) = Access::begin(db, user, Resource::Payments, Action::Read).await?;
    let p = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(p)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PaymentQuery {
    pub party_id: Option<Uuid>,
    /// 1–200, default 50 (newest first).
    pub limit: Option<i64>,
}

pub async fn list(db: &Db, user: &SessionUser, q: PaymentQuery) -> Result<Vec<Payment>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Payments, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        select!(),
        " WHERE p.company_id = $1 AND ($2::uuid IS NULL OR p.party_id = $2)
          ORDER BY p.payment_date DESC, p.doc_no DESC LIMIT $3"
    ))
    .bind(access.company_id)
    .bind(q.party_id)
    .bind(crate::paging::limit(q.limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn record(db: &Db, user: &SessionUser, input: PaymentInput) -> Result<Payment> {
    let mut c = Checks::new();
    if !METHODS.contains(&input.method.as_str()) {
        c.push(FieldIssue::new(
            "/method",
            "invalid_method",
            "cash, transfer or card",
        ));
    }
    let amount = match input.amount {
        Some(a) if MONEY.admits(a) => a,
        _ => {
            c.push(FieldIssue::new(
                "/amount",
                "invalid_amount",
                "more than 0 and below 1,000,000,000,000, at most 2 decimals",
            ));
            Decimal::ZERO
        }
    };
    let party_id = input.party_id.unwrap_or_else(|| {
        c.push(FieldIssue::new(
            "/party_id",
            "required",
            "choose the customer",
        ));
        Uuid::nil()
    });
    let reference = c.text("/reference", &input.reference, 0, 100);
    let notes = c.text("/notes", &input.notes, 0, 1000);
    let currency = input
        .currency
        .clone()
        .unwrap_or_else(|| "HNL".into())
        .trim()
        .to_uppercase();
    let rate = c.exchange_rate(&currency, input.exchange_rate);
    c.in_lempiras("/amount", amount, rate);
    // Only amounts within bounds are added: two past them could overflow
    // the sum (each is refused below anyway).
    let allocated: Decimal = input
        .allocations
        .iter()
        .map(|a| a.amount)
        .filter(|a| MONEY.admits(*a))
        .sum();
    for (i, a) in input.allocations.iter().enumerate() {
        if !MONEY.admits(a.amount) {
            c.push(FieldIssue::new(
                &format!("/allocations/{i}/amount"),
                "invalid_amount",
                "more than 0 and below 1,000,000,000,000, at most 2 decimals",
            ));
        }
        if input.allocations[..i]
            .iter()
            .any(|b| b.document_id == a.document_id)
        {
            c.push(FieldIssue::new(
                &format!("/allocations/{i}/document_id"),
                "duplicate_invoice",
                "this invoice is listed twice",
            ));
        }
    }
    if allocated > amount && amount > Decimal::ZERO {
        c.push(FieldIssue::new(
            "/allocations",
            "allocations_exceed_payment",
            "the allocations add up to more than the payment",
        ));
    }
    c.finish()?;

    let (access, mut tx) = Access::begin(db, user, Resource::Payments, Action::Create).await?;
    let customer: Option<bool> =
        sqlx::query_scalar("SELECT is_customer FROM parties WHERE id = $1")
            .bind(party_id)
            .fetch_optional(&mut *tx)
            .await?;
    if customer != Some(true) {
        return Err(Error::validation(
            "unknown_party",
            "/party_id",
            "no such customer in this company",
        ));
    }
    // Lock the invoices paid, so two payments at once cannot both take
    // what one invoice still owes.
    let ids: Vec<Uuid> = input.allocations.iter().map(|a| a.document_id).collect();
    sqlx::query("SELECT 1 FROM sales_documents WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let open: Vec<(Uuid, Uuid, String, Decimal)> = sqlx::query_as(
        "SELECT id, party_id, currency::text, open_amount FROM invoice_balances WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut c = Checks::new();
    for (i, a) in input.allocations.iter().enumerate() {
        let at = format!("/allocations/{i}");
        match open.iter().find(|(id, ..)| *id == a.document_id) {
            None => c.push(FieldIssue::new(
                &format!("{at}/document_id"),
                "unknown_invoice",
                "no posted invoice with this id",
            )),
            Some((_, p, ..)) if *p != party_id => c.push(FieldIssue::new(
                &format!("{at}/document_id"),
                "invoice_of_another_customer",
                "this invoice is another customer's",
            )),
            Some((_, _, cur, _)) if *cur != currency => c.push(FieldIssue::new(
                &format!("{at}/document_id"),
                "currency_differs",
                "the invoice is in another currency",
            )),
            Some((.., owed)) if a.amount > *owed => c.push(FieldIssue::new(
                &format!("{at}/amount"),
                "exceeds_balance",
                format!("the invoice owes {owed}"),
            )),
            Some(_) => {}
        }
    }
    c.finish()?;

    let accounts = entries::mapped_accounts(&mut tx).await?;
    let purpose = match input.method.as_str() {
        "cash" => "cash",
        "card" => "card",
        _ => "bank",
    };
    let (Some(&money), Some(&receivable)) = (accounts.get(purpose), accounts.get("receivable"))
    else {
        return Err(Error::conflict(
            "ledger_account_missing",
            format!("no account is set for {purpose} or receivable"),
        ));
    };
    let (today, doc_no): (NaiveDate, i32) =
        sqlx::query_as("SELECT hn_today(), next_document_no($1, 'payment')")
            .bind(access.company_id)
            .fetch_one(&mut *tx)
            .await?;
    let date = input.payment_date.unwrap_or(today);
    let hnl = cents(amount * rate);
    let method_es = match purpose {
        "cash" => "efectivo",
        "card" => "tarjeta",
        _ => "transferencia",
    };
    let id = Uuid::now_v7();
    let (entry_id, _) = entries::write(
        &mut tx,
        &access,
        &NewEntry {
            date,
            memo: format!("Cobro REC-{doc_no:05} ({method_es})"),
            source_kind: "payment",
            source_id: Some(id),
            reverses_id: None,
            lines: vec![
                EntryLine::debit(money, None, hnl),
                EntryLine::credit(receivable, Some(party_id), hnl),
            ],
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO payments (id, company_id, doc_no, party_id, method, payment_date, currency, exchange_rate,
                               amount, reference, notes, journal_entry_id, created_by)
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
        "INSERT INTO payment_allocations (id, company_id, payment_id, document_id, amount)
         SELECT gen_random_uuid(), $1, $2, d, a FROM unnest($3::uuid[], $4::numeric[]) AS x (d, a)",
    )
    .bind(access.company_id)
    .bind(id)
    .bind(&ids)
    .bind(
        input
            .allocations
            .iter()
            .map(|a| a.amount)
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    let payment = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "payment",
        id,
        None,
        Some(&payment),
    )
    .await?;
    tx.commit().await?;
    Ok(payment)
}

/// Reverse a payment: the opposite entry, and its allocations stop counting.
pub async fn reverse(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<Payment> {
    reversal::reverse(db, user, id, Some(version)).await
}

impl Reversible for Payment {
    const TABLE: &'static str = "payments";
    const ENTITY: &'static str = "payment";
    const NOT_FOUND: &'static str = "payment_not_found";
    const REVERSED: &'static str = "payment_reversed";
    const SOURCE_KIND: &'static str = "payment";
    const RESOURCE: Resource = Resource::Payments;

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
        format!("Reversión del cobro {}", self.reference_no)
    }
}
