//! The supplier's bill as the SAR's purchase book needs it, booked when it
//! is recorded: goods received not invoiced (the goods part, which the
//! receipt or landed cost put there), an expense account, non-deductible
//! expenses and the ISV as fiscal credit, against what the supplier is owed
//! and — for a supplier subject to withholding — the withholding payable,
//! with a withholding receipt numbered from the company's own CAI range.
//!
//! A local document (invoice, credit or debit note) carries the supplier's
//! CAI and 16-digit number: the number must fall inside the range printed
//! with that CAI and the document be issued by its deadline. The CAI's
//! range is recorded with the first bill that names it.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cais;
use crate::access::Access;
use crate::accounting::entries::{self, EntryLine, NewEntry};
use crate::accounting::reversal::{self, Reversible};
use crate::db::Db;
use crate::fiscal::{FiscalNumber, Issued, numbering};
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::sales::totals::cents;
use crate::stock::lines;
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

/// invoice, credit and debit note: local documents with the supplier's CAI;
/// fyduca: a Central American invoice; dua: a customs declaration (its
/// duties and import ISV); foreign: a commercial invoice from abroad (the
/// goods of an import; not in the purchase book, the DUA is).
pub const CLASSES: [&str; 6] = [
    "invoice",
    "credit_note",
    "debit_note",
    "fyduca",
    "dua",
    "foreign",
];

/// Classes that carry the supplier's CAI and a 16-digit number.
fn local(class: &str) -> bool {
    matches!(class, "invoice" | "credit_note" | "debit_note")
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierBill {
    pub id: Uuid,
    pub doc_no: i32,
    /// "FP-00012": our running number.
    pub number: String,
    pub party_id: Uuid,
    pub supplier_name: String,
    pub supplier_rtn: Option<String>,
    /// invoice, credit_note, debit_note, fyduca, dua or foreign.
    pub class: String,
    /// The supplier's number (EEE-PPP-TT-NNNNNNNN), or the FYDUCA or DUA number.
    pub supplier_number: String,
    pub supplier_cai: Option<String>,
    pub issue_date: NaiveDate,
    pub accounting_date: NaiveDate,
    pub source_bill_id: Option<Uuid>,
    pub purchase_order_id: Option<Uuid>,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::rate")]
    pub exchange_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exempt: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exonerated: Decimal,
    pub exoneration_ref: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub taxed15: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub taxed18: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub isv15: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub isv18: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub goods: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub expense: Decimal,
    pub expense_account: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub non_deductible: Decimal,
    /// What is owed for it before withholding.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    pub withholding_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    #[serde(serialize_with = "crate::decimal_out::option_four_places")]
    pub withholding_rate: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub withheld: Decimal,
    /// The withholding receipt's number, from the company's CAI range.
    pub withholding_number: Option<String>,
    pub withholding_cai: Option<String>,
    /// What the supplier is paid in all: total less withheld.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub payable: Decimal,
    /// What is still to pay (0 once paid, or for a credit note).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub open_amount: Decimal,
    pub memo: String,
    pub journal_entry_id: Uuid,
    pub reversed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BillInput {
    /// The supplier.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// invoice (default), credit_note, debit_note, fyduca, dua or foreign.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(invoice|credit_note|debit_note|fyduca|dua|foreign)$")
    )]
    pub class: Option<String>,
    /// EEE-PPP-TT-NNNNNNNN for a local document; the FYDUCA or DUA number otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub supplier_number: String,
    /// The CAI printed on a local document.
    #[serde(default)]
    pub supplier_cai: String,
    /// The first number of the range printed with the CAI (the first bill with a new CAI).
    #[serde(default)]
    pub cai_range_first: String,
    #[serde(default)]
    pub cai_range_last: String,
    /// The CAI's deadline (fecha límite de emisión), printed on the document.
    #[serde(default)]
    pub cai_deadline: Option<NaiveDate>,
    /// Default: today.
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// The day it is booked; default: the issue date.
    #[serde(default)]
    pub accounting_date: Option<NaiveDate>,
    /// The bill a credit or debit note corrects.
    #[serde(default)]
    pub source_bill_id: Option<Uuid>,
    #[serde(default)]
    pub purchase_order_id: Option<Uuid>,
    /// HNL (default) or USD.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::exchange_rate))]
    pub exchange_rate: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub exempt: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub exonerated: Option<Decimal>,
    /// The exoneration's resolution or OCE number; required with an exonerated amount.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 60))]
    pub exoneration_ref: String,
    /// The base taxed at 15 % (for a DUA: the customs value the ISV was charged on).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub taxed15: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub taxed18: Option<Decimal>,
    /// The ISV as printed; default 15 % of its base. May differ by cents.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub isv15: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub isv18: Option<Decimal>,
    /// The part that clears goods received not invoiced (goods, landed costs).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub goods: Option<Decimal>,
    /// The part booked to `expense_account`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub expense: Option<Decimal>,
    /// The code of a postable account ("6112").
    #[serde(default)]
    pub expense_account: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub non_deductible: Option<Decimal>,
    /// A withholding code; default: the supplier's. "" for none.
    #[serde(default)]
    pub withholding: Option<String>,
    /// Where the withholding receipt is issued; default: the first point
    /// with a usable withholding range.
    #[serde(default)]
    pub emission_point_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub memo: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct BillQuery {
    pub party_id: Option<Uuid>,
    /// Only bills still owing something.
    pub open: Option<bool>,
    /// 1–200, default 50 (newest first).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReverseBillInput {
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! bill_select {
    () => {
        "SELECT b.id, b.doc_no, 'FP-' || lpad(b.doc_no::text, 5, '0') AS number, b.party_id,
                b.supplier_name, b.supplier_rtn, b.class, b.supplier_number, coalesce(c.cai, b.own_cai) AS supplier_cai,
                b.issue_date, b.accounting_date, b.source_bill_id, b.purchase_order_id,
                b.currency::text AS currency, b.exchange_rate, b.exempt, b.exonerated, b.exoneration_ref,
                b.taxed15, b.taxed18, b.isv15, b.isv18, b.goods, b.expense, a.code AS expense_account,
                b.non_deductible, b.total, w.code AS withholding_code, b.withholding_rate, b.withheld,
                b.withholding_number, b.withholding_cai, b.total - b.withheld AS payable,
                coalesce(o.open_amount, 0) AS open_amount, b.memo, b.journal_entry_id, b.reversed_at,
                b.version, b.created_at
           FROM supplier_bills b
           LEFT JOIN supplier_cais c ON c.id = b.supplier_cai_id
           LEFT JOIN accounts a ON a.id = b.expense_account_id
           LEFT JOIN withholding_codes w ON w.id = b.withholding_code_id
           LEFT JOIN supplier_bill_balances o ON o.id = b.id"
    };
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<SupplierBill> {
    sqlx::query_as(concat!(bill_select!(), " WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("supplier_bill_not_found"))
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<SupplierBill> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let bill = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(bill)
}

pub async fn list(db: &Db, user: &SessionUser, q: BillQuery) -> Result<Vec<SupplierBill>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        bill_select!(),
        " WHERE b.company_id = $1 AND ($2::uuid IS NULL OR b.party_id = $2)
            AND (NOT coalesce($3, false) OR o.open_amount > 0)
          ORDER BY b.accounting_date DESC, b.doc_no DESC LIMIT $4"
    ))
    .bind(access.company_id)
    .bind(q.party_id)
    .bind(q.open)
    .bind(crate::paging::limit(q.limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// An amount of the bill: absent is 0; otherwise 0 or more, two decimals.
fn part(checks: &mut Checks, pointer: &str, value: Option<Decimal>) -> Decimal {
    match value {
        None => Decimal::ZERO,
        Some(v) => lines::amount(checks, pointer, Some(v), true).unwrap_or_default(),
    }
}

/// The ISV of `base` at `rate` %, or the printed one when it is within a
/// lempira of it (suppliers round per line).
fn isv(
    checks: &mut Checks,
    pointer: &str,
    base: Decimal,
    rate: u32,
    printed: Option<Decimal>,
) -> Decimal {
    let computed = cents(base * Decimal::from(rate) / Decimal::from(100));
    match printed {
        None => computed,
        Some(p) => {
            let p = part(checks, pointer, Some(p));
            if (p - computed).abs() > Decimal::ONE {
                checks.push(FieldIssue::new(
                    pointer,
                    "isv_differs",
                    format!("{rate} % of the base is {computed}"),
                ));
            }
            p
        }
    }
}

/// The supplier as the bill keeps it: name, RTN and withholding code.
#[derive(sqlx::FromRow)]
struct Supplier {
    name: String,
    rtn: Option<String>,
    is_supplier: bool,
    withholding: Option<String>,
}

pub async fn create(db: &Db, user: &SessionUser, input: BillInput) -> Result<SupplierBill> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Create).await?;
    let bill = record_in(&mut tx, &access, input, None).await?;
    tx.commit().await?;
    Ok(bill)
}

/// Check and book `input` inside the caller's transaction. `own` is the
/// number the company itself issued for it (a purchase receipt of a
/// private seller, class `purchase_receipt`), instead of a supplier's.
pub(crate) async fn record_in(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    input: BillInput,
    own: Option<Issued>,
) -> Result<SupplierBill> {
    let mut c = Checks::new();
    let class = match own {
        Some(_) => "purchase_receipt".to_owned(),
        None => input
            .class
            .as_deref()
            .unwrap_or("invoice")
            .trim()
            .to_owned(),
    };
    if own.is_none() && !CLASSES.contains(&class.as_str()) {
        c.push(FieldIssue::new(
            "/class",
            "invalid_class",
            "invoice, credit_note, debit_note, fyduca, dua or foreign",
        ));
    }
    let memo = c.text("/memo", &input.memo, 0, 1000);
    let currency = input
        .currency
        .as_deref()
        .unwrap_or("HNL")
        .trim()
        .to_uppercase();
    let rate = c.exchange_rate(&currency, input.exchange_rate);

    let supplier: Option<Supplier> = match input.party_id {
        Some(id) => sqlx::query_as(
            "SELECT name, rtn, is_supplier, withholding FROM parties WHERE id = $1 AND archived_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?,
        None => None,
    };
    let party_id = input.party_id.unwrap_or_default();
    match &supplier {
        None if input.party_id.is_none() => c.push(FieldIssue::new(
            "/party_id",
            "required",
            "choose the supplier",
        )),
        None => c.push(FieldIssue::new(
            "/party_id",
            "unknown_party",
            "no such supplier in this company",
        )),
        Some(s) if !s.is_supplier => c.push(FieldIssue::new(
            "/party_id",
            "not_a_supplier",
            "this party is not marked as a supplier",
        )),
        Some(s) if local(&class) && s.rtn.is_none() => c.push(FieldIssue::new(
            "/party_id",
            "supplier_rtn_missing",
            "a local supplier's document needs the supplier's RTN: add it to the supplier",
        )),
        Some(_) => {}
    }

    // The document's dates and number.
    let today: NaiveDate = sqlx::query_scalar("SELECT hn_today()")
        .fetch_one(&mut *tx)
        .await?;
    let issue_date = input.issue_date.unwrap_or(today);
    let accounting_date = input.accounting_date.unwrap_or(issue_date);
    if accounting_date < issue_date {
        c.push(FieldIssue::new(
            "/accounting_date",
            "before_issue_date",
            "a document is not booked before it was issued",
        ));
    }
    let number = match &own {
        Some(issued) => issued.number.clone(),
        None => input.supplier_number.trim().to_owned(),
    };
    let mut cai_id = None;
    if local(&class) {
        match number.parse::<FiscalNumber>() {
            Ok(n) => {
                cai_id = cais::check(&mut *tx, &mut c, party_id, &input, &n, issue_date).await?;
            }
            Err(()) => c.push(FieldIssue::new(
                "/supplier_number",
                "invalid_fiscal_number",
                "the supplier's number as printed: 000-000-00-00000000",
            )),
        }
    } else {
        c.text("/supplier_number", &number, 1, 40);
    }
    let number = match number.parse::<FiscalNumber>() {
        Ok(n) if local(&class) => n.to_string(),
        _ => number,
    };

    // Amounts: the bases and their ISV, and the split of what is owed.
    let exempt = part(&mut c, "/exempt", input.exempt);
    let exonerated = part(&mut c, "/exonerated", input.exonerated);
    let exoneration_ref = c.text("/exoneration_ref", &input.exoneration_ref, 0, 60);
    if exonerated > Decimal::ZERO && exoneration_ref.is_empty() {
        c.push(FieldIssue::new(
            "/exoneration_ref",
            "required",
            "an exonerated purchase names its resolution or OCE number",
        ));
    }
    let taxed15 = part(&mut c, "/taxed15", input.taxed15);
    let taxed18 = part(&mut c, "/taxed18", input.taxed18);
    let isv15 = isv(&mut c, "/isv15", taxed15, 15, input.isv15);
    let isv18 = isv(&mut c, "/isv18", taxed18, 18, input.isv18);
    let bases = exempt + exonerated + taxed15 + taxed18;
    let expense_account = input.expense_account.trim();
    let split_given =
        input.goods.is_some() || input.expense.is_some() || input.non_deductible.is_some();
    let (goods, expense, non_deductible) = if split_given {
        (
            part(&mut c, "/goods", input.goods),
            part(&mut c, "/expense", input.expense),
            part(&mut c, "/non_deductible", input.non_deductible),
        )
    } else if !expense_account.is_empty() {
        (Decimal::ZERO, bases, Decimal::ZERO)
    } else {
        (bases, Decimal::ZERO, Decimal::ZERO)
    };
    let split = goods + expense + non_deductible;
    if class == "dua" {
        if split.is_zero() {
            c.push(FieldIssue::new(
                "/goods",
                "required",
                "the duties paid on the declaration (DAI, selectivo, fees) as goods or expense",
            ));
        }
    } else if split != bases {
        c.push(FieldIssue::new(
            "/goods",
            "split_differs",
            format!("goods, expense and non-deductible add up to {split}; the bases to {bases}"),
        ));
    }
    let total = split + isv15 + isv18;
    // A sum: said at the rate of a foreign bill, at the bases of a local one.
    let pointer = if rate == Decimal::ONE {
        "/taxed15"
    } else {
        "/exchange_rate"
    };
    c.total_in_lempiras(pointer, total, rate);
    if total.is_zero() && split == bases {
        c.push(FieldIssue::new(
            "/taxed15",
            "empty_bill",
            "a bill has an amount",
        ));
    }
    let expense_account_id = if expense > Decimal::ZERO {
        expense_account_id(&mut *tx, &mut c, expense_account).await?
    } else {
        None
    };

    // The bill a note corrects; the order it bills.
    let source = match (class.as_str(), input.source_bill_id) {
        ("credit_note" | "debit_note", None) => {
            c.push(FieldIssue::new(
                "/source_bill_id",
                "required",
                "a supplier's note names the bill it corrects",
            ));
            None
        }
        ("credit_note" | "debit_note", Some(id)) => {
            source_bill(&mut *tx, &mut c, id, party_id, &currency, total, &class).await?
        }
        (_, Some(_)) => {
            c.push(FieldIssue::new(
                "/source_bill_id",
                "not_a_note",
                "only a credit or debit note names a bill",
            ));
            None
        }
        _ => None,
    };
    if let Some(order) = input.purchase_order_id {
        let ordered_from: Option<Uuid> =
            sqlx::query_scalar("SELECT party_id FROM purchase_orders WHERE id = $1")
                .bind(order)
                .fetch_optional(&mut *tx)
                .await?;
        if ordered_from != Some(party_id) {
            c.push(FieldIssue::new(
                "/purchase_order_id",
                "unknown_purchase_order",
                "no purchase order of this supplier with this id",
            ));
        }
    }

    // Withholding: the supplier's code unless the bill says otherwise.
    let code = match input.withholding.as_deref().map(str::trim) {
        Some("") => None,
        Some(code) => Some(code.to_ascii_uppercase()),
        None if matches!(class.as_str(), "credit_note" | "dua" | "purchase_receipt") => None,
        None => supplier.as_ref().and_then(|s| s.withholding.clone()),
    };
    let withholding: Option<(Uuid, Decimal)> = match &code {
        None => None,
        Some(code) => {
            let found = sqlx::query_as(
                "SELECT id, rate FROM withholding_codes WHERE code = $1 AND archived_at IS NULL",
            )
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                c.push(FieldIssue::new(
                    "/withholding",
                    "unknown_withholding_code",
                    "no such withholding code in this company",
                ));
            }
            found
        }
    };
    c.finish()?;

    let withheld = withholding
        .map(|(_, r)| cents(split * r / Decimal::from(100)))
        .unwrap_or_default();
    let issued = if withheld > Decimal::ZERO {
        Some(
            numbering::draw_anywhere(
                &mut *tx,
                input.emission_point_id,
                None,
                "withholding",
                "withholding receipts",
            )
            .await?,
        )
    } else {
        None
    };
    let supplier = supplier.expect("checked above");
    let id = Uuid::now_v7();
    let doc_no: i32 = sqlx::query_scalar("SELECT next_document_no($1, 'supplier_bill')")
        .bind(access.company_id)
        .fetch_one(&mut *tx)
        .await?;

    // The entry, in lempiras: each part converted on its own; the payable
    // takes what is left so the entry balances to the cent.
    let accounts = entries::mapped_accounts(&mut *tx).await?;
    let account = |purpose: &str| {
        accounts.get(purpose).copied().ok_or_else(|| {
            Error::conflict(
                "ledger_account_missing",
                format!("no account is set for {purpose}"),
            )
        })
    };
    let sign = if class == "credit_note" {
        -Decimal::ONE
    } else {
        Decimal::ONE
    };
    let hnl = |x: Decimal| sign * cents(x * rate);
    let (goods_h, expense_h, nd_h, isv_h, withheld_h) = (
        hnl(goods),
        hnl(expense),
        hnl(non_deductible),
        hnl(isv15 + isv18),
        hnl(withheld),
    );
    let payable_h = goods_h + expense_h + nd_h + isv_h - withheld_h;
    let mut lines = vec![
        EntryLine::debit(account("goods_received")?, Some(party_id), goods_h),
        EntryLine::debit(account("non_deductible")?, None, nd_h),
        EntryLine::debit(account("isv_credit")?, None, isv_h),
        EntryLine::credit(account("payable")?, Some(party_id), payable_h),
        EntryLine::credit(account("withholding_payable")?, None, withheld_h),
    ];
    if let Some(expense_account) = expense_account_id {
        lines.insert(1, EntryLine::debit(expense_account, None, expense_h));
    }
    let (entry_id, _) = entries::write(
        &mut *tx,
        access,
        &NewEntry {
            date: accounting_date,
            memo: format!(
                "Factura de proveedor FP-{doc_no:05} ({} {number})",
                supplier.name
            ),
            source_kind: "supplier_bill",
            source_id: Some(id),
            reverses_id: None,
            lines,
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO supplier_bills (
             id, company_id, doc_no, party_id, class, supplier_name, supplier_rtn, supplier_cai_id,
             supplier_number, issue_date, accounting_date, source_bill_id, purchase_order_id, currency,
             exchange_rate, exempt, exonerated, exoneration_ref, taxed15, taxed18, isv15, isv18, goods,
             expense, expense_account_id, non_deductible, total, withholding_code_id, withholding_rate,
             withheld, withholding_number, withholding_range_id, withholding_cai, withholding_first,
             withholding_last, withholding_deadline, memo, journal_entry_id, created_by, own_range_id,
             own_cai, own_deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39,
                 $40, $41, $42)",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(doc_no)
    .bind(party_id)
    .bind(&class)
    .bind(&supplier.name)
    .bind(&supplier.rtn)
    .bind(cai_id)
    .bind(&number)
    .bind(issue_date)
    .bind(accounting_date)
    .bind(source)
    .bind(input.purchase_order_id)
    .bind(&currency)
    .bind(rate)
    .bind(exempt)
    .bind(exonerated)
    .bind(&exoneration_ref)
    .bind(taxed15)
    .bind(taxed18)
    .bind(isv15)
    .bind(isv18)
    .bind(goods)
    .bind(expense)
    .bind(expense_account_id)
    .bind(non_deductible)
    .bind(total)
    .bind(withholding.filter(|_| issued.is_some()).map(|w| w.0))
    .bind(withholding.filter(|_| issued.is_some()).map(|w| w.1))
    .bind(withheld)
    .bind(issued.as_ref().map(|i| i.number.clone()))
    .bind(issued.as_ref().map(|i| i.range_id))
    .bind(issued.as_ref().map(|i| i.cai.clone()))
    .bind(issued.as_ref().map(|i| i.range_first.clone()))
    .bind(issued.as_ref().map(|i| i.range_last.clone()))
    .bind(issued.as_ref().map(|i| i.deadline))
    .bind(&memo)
    .bind(entry_id)
    .bind(access.user_id)
    .bind(own.as_ref().map(|o| o.range_id))
    .bind(own.as_ref().map(|o| o.cai.clone()))
    .bind(own.as_ref().map(|o| o.deadline))
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        e if e.constraint() == Some("supplier_bills_once") => Error::validation(
            "bill_entered",
            "/supplier_number",
            "this supplier's document has been entered already",
        ),
        e => e,
    })?;
    let bill = fetch(&mut *tx, id).await?;
    audit_change(
        &mut *tx,
        access,
        "create",
        "supplier_bill",
        id,
        None,
        Some(&bill),
    )
    .await?;
    Ok(bill)
}

/// A postable account of the chart by its code, for the expense part.
async fn expense_account_id(
    tx: &mut sqlx::PgConnection,
    c: &mut Checks,
    code: &str,
) -> Result<Option<Uuid>> {
    if code.is_empty() {
        c.push(FieldIssue::new(
            "/expense_account",
            "required",
            "the account the expense is booked to, e.g. 6112",
        ));
        return Ok(None);
    }
    let found: Option<(Uuid, bool)> =
        sqlx::query_as("SELECT id, postable AND active FROM accounts WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
    match found {
        Some((id, true)) => Ok(Some(id)),
        Some((_, false)) => {
            c.push(FieldIssue::new(
                "/expense_account",
                "account_not_postable",
                "a header or inactive account takes no entries",
            ));
            Ok(None)
        }
        None => {
            c.push(FieldIssue::new(
                "/expense_account",
                "unknown_account",
                "no such account in this company",
            ));
            Ok(None)
        }
    }
}

/// The bill a supplier's note corrects: the same supplier and currency, not
/// reversed, and — for a credit note — still owing at least the note.
async fn source_bill(
    tx: &mut sqlx::PgConnection,
    c: &mut Checks,
    id: Uuid,
    party_id: Uuid,
    currency: &str,
    total: Decimal,
    class: &str,
) -> Result<Option<Uuid>> {
    sqlx::query("SELECT 1 FROM supplier_bills WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let found: Option<(Uuid, String, String, Decimal)> = sqlx::query_as(
        "SELECT party_id, class, currency::text, open_amount FROM supplier_bill_balances WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let problem = match found {
        None => Some((
            "unknown_bill",
            "no such bill (or it was reversed)".to_owned(),
        )),
        Some((p, ..)) if p != party_id => Some((
            "bill_of_another_supplier",
            "this bill is another supplier's".to_owned(),
        )),
        Some((_, k, ..)) if k == "credit_note" => Some((
            "not_a_bill",
            "a note corrects a bill, not a credit note".to_owned(),
        )),
        Some((_, _, cur, _)) if cur != currency => Some((
            "currency_differs",
            "the bill is in another currency".to_owned(),
        )),
        Some((.., open)) if class == "credit_note" && total > open => {
            Some(("exceeds_balance", format!("the bill still owes {open}")))
        }
        Some(_) => None,
    };
    match problem {
        None => Ok(Some(id)),
        Some((code, message)) => {
            c.push(FieldIssue::new("/source_bill_id", code, message));
            Ok(None)
        }
    }
}

/// Reverse a bill: the opposite entry; it stops counting in what the
/// supplier is owed and in the purchase book. Refused while payments or
/// notes count against it.
pub async fn reverse(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: ReverseBillInput,
) -> Result<SupplierBill> {
    reversal::reverse(db, user, id, input.version).await
}

impl Reversible for SupplierBill {
    const TABLE: &'static str = "supplier_bills";
    const ENTITY: &'static str = "supplier_bill";
    const NOT_FOUND: &'static str = "supplier_bill_not_found";
    const REVERSED: &'static str = "bill_reversed";
    const SOURCE_KIND: &'static str = "supplier_bill";
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
        format!("Reversión de la factura de proveedor {}", self.number)
    }
    async fn may_reverse(&self, tx: &mut sqlx::PgConnection, id: Uuid) -> Result<()> {
        let settled: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM supplier_payment_allocations a JOIN supplier_payments p ON p.id = a.payment_id
                             WHERE a.bill_id = $1 AND p.reversed_at IS NULL)
                 OR EXISTS (SELECT 1 FROM supplier_bills n WHERE n.source_bill_id = $1 AND n.reversed_at IS NULL)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if settled {
            return Err(Error::conflict(
                "bill_settled",
                "payments or notes count against this bill: reverse them first",
            ));
        }
        Ok(())
    }
}
