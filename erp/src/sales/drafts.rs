//! Writing drafts: a new quote, order or invoice, a draft made from another
//! document (an order's invoice, an invoice's credit note), and editing a
//! draft. Every path checks the lines the same way and stores the totals
//! `totals.rs` computes, so what a draft shows is what posting books.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;
use uuid::Uuid;

use super::documents::{self, Document, DocumentLine, Header};
use super::totals::{Line, Rates, Totals};
use super::transitions::{Kind, Status};
use crate::access::{Access, Tx};
use crate::db::Db;
use crate::numbers::{AMOUNT_OR_ZERO, QUANTITY, line_too_large};
use crate::records::{audit_change, required_version};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::values::TaxClass;
use crate::{Error, FieldIssue, Result, SessionUser};

/// At most this many lines per document.
pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Required on create: quote, order or invoice (a credit note is made
    /// from the invoice it credits). On update it may be left out, or must
    /// be the document's.
    #[serde(default)]
    pub kind: Option<Kind>,
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// Where the document is issued; the first emission point of the company when missing.
    #[serde(default)]
    pub emission_point_id: Option<Uuid>,
    /// HNL (default: the company's currency) or USD.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: Option<String>,
    /// Lempiras per dollar; required for USD.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::exchange_rate))]
    pub exchange_rate: Option<Decimal>,
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// Default: issue date + the customer's payment terms.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub notes: String,
    /// Why, for a credit note.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: String,
    #[serde(default)]
    pub lines: Vec<LineInput>,
    /// On update: the version read.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(default)]
    pub product_id: Option<Uuid>,
    /// Default: the product's name.
    #[serde(default)]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity, required = true))]
    pub quantity: Option<Decimal>,
    /// Default: the product's sale price.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub unit_price: Option<Decimal>,
    /// Percent, 0–100.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::percentage))]
    pub discount_pct: Option<Decimal>,
    /// Default: the product's tax class.
    #[serde(default)]
    pub tax_class: Option<TaxClass>,
    /// For an order's invoice: the order line billed; for a credit note:
    /// the invoice line credited. Price, discount and tax class come from it.
    #[serde(default)]
    pub source_line_id: Option<Uuid>,
    /// The unit sold, by its serial number (a vehicle's VIN): quantity 1 of
    /// its product (`product_id` may be left out: it is the unit's). An
    /// order reserves it when confirmed.
    #[serde(default)]
    pub serial: Option<String>,
}

/// A checked line, ready to store.
struct Built {
    product_id: Option<Uuid>,
    description: String,
    line: Line,
    source_line_id: Option<Uuid>,
    /// The unit sold.
    unit: Option<SoldUnit>,
}

/// A unit a line sells, with what the document shows about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SoldUnit {
    id: Uuid,
    serial: String,
    product_id: Uuid,
    engine_no: String,
    colour: String,
    model_year: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct ProductTerms {
    id: Uuid,
    name: String,
    sale_price: Decimal,
    tax_class: String,
    usable: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SourceLine {
    pub(crate) id: Uuid,
    product_id: Option<Uuid>,
    #[sqlx(flatten)]
    unit: SourceUnit,
    description: String,
    pub(crate) quantity: Decimal,
    unit_price: Decimal,
    discount_pct: Decimal,
    tax_class: String,
    /// Already on other drafts or posted documents made from the source.
    pub(crate) used: Decimal,
}

/// The unit a source line sold, when it sold one (all columns null otherwise).
#[derive(sqlx::FromRow)]
pub(crate) struct SourceUnit {
    serial_id: Option<Uuid>,
    serial: Option<String>,
    #[sqlx(rename = "unit_product_id")]
    product_id: Option<Uuid>,
    engine_no: Option<String>,
    colour: Option<String>,
    model_year: Option<i32>,
}

impl SourceUnit {
    fn sold(&self) -> Option<SoldUnit> {
        Some(SoldUnit {
            id: self.serial_id?,
            serial: self.serial.clone()?,
            product_id: self.product_id?,
            engine_no: self.engine_no.clone().unwrap_or_default(),
            colour: self.colour.clone().unwrap_or_default(),
            model_year: self.model_year,
        })
    }
}

/// The kind whose lines a document of `kind` bills or credits line by line.
fn line_source_kind(kind: Kind) -> Option<Kind> {
    match kind {
        Kind::Invoice => Some(Kind::Order),
        Kind::CreditNote => Some(Kind::Invoice),
        Kind::Quote | Kind::Order => None,
    }
}

fn parse_class(s: &str) -> TaxClass {
    TaxClass::from_str(s).unwrap_or(TaxClass::Isv15)
}

/// The document a new one is made from, with its lines when the caller has
/// read them already (so they are not read twice in one move).
pub(crate) struct Source {
    pub id: Uuid,
    pub lines: Option<Vec<SourceLine>>,
}

impl Source {
    pub fn unread(id: Uuid) -> Source {
        Source { id, lines: None }
    }
}

/// The lines of the source document, in order, with how much of each is
/// already taken by other (non-cancelled) documents made from it. From each
/// taking line to its document's status by key (not a join the planner
/// could turn into a scan of all documents).
pub(crate) async fn source_lines(
    tx: &mut sqlx::PgConnection,
    source: Uuid,
    this_doc: Option<Uuid>,
) -> Result<Vec<SourceLine>> {
    let rows: Vec<SourceLine> = sqlx::query_as(
        "SELECT l.id, l.product_id, l.serial_id, s.serial, s.product_id AS unit_product_id,
                s.engine_no, s.colour, s.model_year, l.description, l.quantity, l.unit_price, l.discount_pct, l.tax_class,
                coalesce((SELECT sum(x.quantity) FROM sales_document_lines x
                           WHERE x.source_line_id = l.id AND x.document_id IS DISTINCT FROM $2
                             AND (SELECT xd.status FROM sales_documents xd
                                   WHERE xd.id = x.document_id) IN ('draft', 'posted')), 0) AS used
           FROM sales_document_lines l LEFT JOIN serial_numbers s ON s.id = l.serial_id
          WHERE l.document_id = $1 ORDER BY l.position",
    )
    .bind(source)
    .bind(this_doc)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows)
}

fn money_ok(value: Decimal, places: u32) -> bool {
    !value.is_sign_negative() && value.normalize().scale() <= places
}

/// Check every line (all problems at once, each with its pointer) and fill
/// in what comes from the product or from the source line.
async fn build_lines(
    tx: &mut sqlx::PgConnection,
    kind: Kind,
    source: Option<Source>,
    this_doc: Option<Uuid>,
    inputs: &[LineInput],
) -> Result<Vec<Built>> {
    let mut c = Checks::new();
    if inputs.is_empty() {
        c.push(FieldIssue::new(
            "/lines",
            "no_lines",
            "a document needs at least one line",
        ));
    } else if inputs.len() > MAX_LINES {
        c.push(FieldIssue::new(
            "/lines",
            "too_many_lines",
            format!("at most {MAX_LINES} lines"),
        ));
    }
    c.finish()?;
    let linked = line_source_kind(kind).and(source);
    let is_linked = linked.is_some();
    let sources = match linked {
        Some(Source {
            lines: Some(rows), ..
        }) => rows.into_iter().map(|r| (r.id, r)).collect(),
        Some(Source { id, lines: None }) => source_lines(tx, id, this_doc)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect(),
        None => HashMap::new(),
    };
    let serials: Vec<String> = inputs
        .iter()
        .filter_map(|l| l.serial.as_deref())
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let units: Vec<SoldUnit> = if serials.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT id, serial, product_id, engine_no, colour, model_year
               FROM serial_numbers WHERE serial = ANY($1)",
        )
        .bind(&serials)
        .fetch_all(&mut *tx)
        .await?
    };

    // A line that names a unit but no product sells the unit's product.
    let product_of = |input: &LineInput| {
        input.product_id.or_else(|| {
            let serial = input.serial.as_deref()?.trim().to_ascii_uppercase();
            units
                .iter()
                .find(|u| u.serial == serial)
                .map(|u| u.product_id)
        })
    };
    let product_ids: Vec<Uuid> = inputs.iter().filter_map(product_of).collect();
    let products: HashMap<Uuid, ProductTerms> = if product_ids.is_empty() {
        // Lines billed from a source name no product of their own.
        HashMap::new()
    } else {
        sqlx::query_as(
            "SELECT id, name, sale_price, tax_class, active AND archived_at IS NULL AS usable
           FROM products WHERE id = ANY($1)",
        )
        .bind(&product_ids)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|p: ProductTerms| (p.id, p))
        .collect()
    };

    let mut c = Checks::new();
    let mut taken: HashMap<Uuid, Decimal> = HashMap::new();
    let mut built = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        let quantity = match input.quantity {
            Some(q) if QUANTITY.admits(q) => q,
            Some(_) => {
                c.push(FieldIssue::new(
                    &at("quantity"),
                    "invalid_quantity",
                    "more than 0 and below 100,000,000, at most 4 decimals",
                ));
                Decimal::ONE
            }
            None => {
                c.push(FieldIssue::new(
                    &at("quantity"),
                    "required",
                    "this field is required",
                ));
                Decimal::ONE
            }
        };
        if let Some(src_id) = input.source_line_id {
            let Some(src) = sources.get(&src_id) else {
                c.push(FieldIssue::new(
                    &at("source_line_id"),
                    "unknown_source_line",
                    "not a line of the document this one is made from",
                ));
                continue;
            };
            let already = taken.entry(src_id).or_insert(src.used);
            let left = src.quantity - *already;
            if quantity > left {
                c.push(FieldIssue::new(
                    &at("quantity"),
                    "quantity_exceeds_source",
                    format!("at most {} remain on that line", left.normalize()),
                ));
            }
            *already += quantity;
            built.push(Built {
                product_id: src.product_id,
                description: src.description.clone(),
                line: Line {
                    quantity,
                    unit_price: src.unit_price,
                    discount_pct: src.discount_pct,
                    tax_class: parse_class(&src.tax_class),
                },
                source_line_id: Some(src_id),
                unit: src.unit.sold(),
            });
            continue;
        }
        if is_linked {
            c.push(FieldIssue::new(
                &at("source_line_id"),
                "source_line_required",
                "every line of this document bills or credits a line of its source",
            ));
            continue;
        }
        if input.product_id.is_none() && input.serial.is_some() && product_of(input).is_none() {
            // Nothing else about the line can be judged without its unit.
            c.push(FieldIssue::new(
                &at("serial"),
                "unknown_serial",
                "no unit with this serial number",
            ));
            continue;
        }
        let product = match product_of(input) {
            Some(id) => match products.get(&id) {
                Some(p) if p.usable => Some(p),
                Some(_) => {
                    c.push(FieldIssue::new(
                        &at("product_id"),
                        "product_inactive",
                        "this product is archived or inactive",
                    ));
                    None
                }
                None => {
                    c.push(FieldIssue::new(
                        &at("product_id"),
                        "unknown_product",
                        "no such product in this company",
                    ));
                    None
                }
            },
            None => None,
        };
        let description = input
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or_else(|| product.map(|p| p.name.clone()))
            .unwrap_or_default();
        let description = c.text(&at("description"), &description, 1, 300);
        let unit_price = input.unit_price.or(product.map(|p| p.sale_price));
        let unit_price = match unit_price {
            Some(p) if AMOUNT_OR_ZERO.admits(p) => p,
            Some(_) => {
                c.push(FieldIssue::new(
                    &at("unit_price"),
                    "invalid_price",
                    "0 or more and below 1,000,000,000,000, at most 4 decimals",
                ));
                Decimal::ZERO
            }
            None => {
                c.push(FieldIssue::new(
                    &at("unit_price"),
                    "required",
                    "a price (or a product that has one)",
                ));
                Decimal::ZERO
            }
        };
        if let Some(issue) = line_too_large(&at("unit_price"), quantity, unit_price) {
            c.push(issue);
        }
        let discount_pct = input.discount_pct.unwrap_or_default();
        if !money_ok(discount_pct, 2) || discount_pct > Decimal::ONE_HUNDRED {
            c.push(FieldIssue::new(
                &at("discount_pct"),
                "invalid_discount",
                "a percentage from 0 to 100",
            ));
        }
        let tax_class = input
            .tax_class
            .or(product.map(|p| parse_class(&p.tax_class)))
            .unwrap_or(TaxClass::Isv15);
        built.push(Built {
            product_id: product.map(|p| p.id),
            description,
            line: Line {
                quantity,
                unit_price,
                discount_pct,
                tax_class,
            },
            source_line_id: None,
            unit: match (&input.serial, product) {
                (Some(serial), Some(p)) => unit_of(
                    &mut c,
                    &at("serial"),
                    serial,
                    p.id,
                    quantity,
                    &units,
                    &built,
                ),
                // (the product named is unknown: said under its field)
                (Some(_), None) => None,
                (None, _) => None,
            },
        });
    }
    c.finish()?;
    Ok(built)
}

/// The unit a line names by serial number: one of its product, sold one
/// at a time, once per document.
fn unit_of(
    c: &mut Checks,
    pointer: &str,
    serial: &str,
    product: Uuid,
    quantity: Decimal,
    units: &[SoldUnit],
    built: &[Built],
) -> Option<SoldUnit> {
    let serial = serial.trim().to_ascii_uppercase();
    let Some(unit) = units
        .iter()
        .find(|u| u.serial == serial && u.product_id == product)
    else {
        c.push(FieldIssue::new(
            pointer,
            "unknown_serial",
            "no unit of this product with this serial number",
        ));
        return None;
    };
    if quantity != Decimal::ONE {
        c.push(FieldIssue::new(
            pointer,
            "serial_quantity",
            "a line that names a unit sells exactly 1",
        ));
    }
    if built
        .iter()
        .any(|b| b.unit.as_ref().is_some_and(|u| u.id == unit.id))
    {
        c.push(FieldIssue::new(
            pointer,
            "serial_repeated",
            "this unit is on another line",
        ));
    }
    Some(unit.clone())
}

#[derive(sqlx::FromRow)]
struct HeaderContext {
    party_name: Option<String>,
    is_customer: Option<bool>,
    party_active: Option<bool>,
    payment_terms_days: Option<i32>,
    company_currency: String,
    today: NaiveDate,
    point: Option<Uuid>,
    isv15: Option<Decimal>,
    isv18: Option<Decimal>,
}

/// Header values after defaults and checks.
struct HeaderValues {
    party_id: Uuid,
    party_name: String,
    emission_point_id: Uuid,
    currency: String,
    exchange_rate: Decimal,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    notes: String,
    reason: String,
    /// The company's ISV rates, for the totals.
    rates: Rates,
}

async fn header_values(
    tx: &mut sqlx::PgConnection,
    kind: Kind,
    input: &DocumentInput,
) -> Result<HeaderValues> {
    let mut c = Checks::new();
    let notes = c.text("/notes", &input.notes, 0, 2000);
    let reason = c.text("/reason", &input.reason, 0, 500);
    if kind == Kind::CreditNote && reason.is_empty() {
        c.push(FieldIssue::new(
            "/reason",
            "required",
            "say why the invoice is credited",
        ));
    }
    // Everything the header needs from the database, in one round trip.
    let ctx: HeaderContext = sqlx::query_as(
        "SELECT p.name AS party_name, p.is_customer, p.archived_at IS NULL AS party_active, p.payment_terms_days,
                c.currency::text AS company_currency, hn_today() AS today,
                (SELECT e.id FROM emission_points e JOIN branches b ON b.id = e.branch_id
                  WHERE e.archived_at IS NULL AND b.archived_at IS NULL AND ($2::uuid IS NULL OR e.id = $2)
                  ORDER BY b.code, e.code LIMIT 1) AS point,
                (SELECT rate FROM tax_codes WHERE tax_class = 'isv15') AS isv15,
                (SELECT rate FROM tax_codes WHERE tax_class = 'isv18') AS isv18
           FROM companies c LEFT JOIN parties p ON p.id = $1
          WHERE c.id = ANY (app_company_ids()) LIMIT 1",
    )
    .bind(input.party_id)
    .bind(input.emission_point_id)
    .fetch_one(&mut *tx)
    .await?;
    let party = match (ctx.is_customer, ctx.party_active, ctx.payment_terms_days) {
        (Some(c), Some(a), Some(t)) => Some((c, a, t)),
        _ => None,
    };
    let terms = match party {
        Some((true, true, terms)) => terms,
        Some((false, _, _)) => {
            c.push(FieldIssue::new(
                "/party_id",
                "not_a_customer",
                "this party is not a customer",
            ));
            0
        }
        Some((_, false, _)) => {
            c.push(FieldIssue::new(
                "/party_id",
                "party_archived",
                "this customer is archived",
            ));
            0
        }
        None if input.party_id.is_none() => {
            c.push(FieldIssue::new(
                "/party_id",
                "required",
                "choose the customer",
            ));
            0
        }
        None => {
            c.push(FieldIssue::new(
                "/party_id",
                "unknown_party",
                "no such customer in this company",
            ));
            0
        }
    };
    let (company_currency, today) = (ctx.company_currency.clone(), ctx.today);
    let currency = input
        .currency
        .clone()
        .map(|c| c.trim().to_uppercase())
        .unwrap_or(company_currency);
    let exchange_rate = c.exchange_rate(&currency, input.exchange_rate);
    let issue_date = input.issue_date.unwrap_or(today);
    let due_date = input
        .due_date
        .unwrap_or(issue_date + chrono::Days::new(terms.max(0) as u64));
    if due_date < issue_date {
        c.push(FieldIssue::new(
            "/due_date",
            "due_before_issue",
            "the due date comes before the issue date",
        ));
    }
    let point = ctx.point;
    if point.is_none() {
        c.push(FieldIssue::new(
            "/emission_point_id",
            "unknown_emission_point",
            "no such active emission point in this company",
        ));
    }
    c.finish()?;
    Ok(HeaderValues {
        party_id: input.party_id.unwrap_or_default(),
        party_name: ctx.party_name.clone().unwrap_or_default(),
        emission_point_id: point.unwrap_or_default(),
        currency,
        exchange_rate,
        issue_date,
        due_date,
        notes,
        reason,
        rates: Rates {
            isv15: ctx.isv15.unwrap_or(Rates::default().isv15),
            isv18: ctx.isv18.unwrap_or(Rates::default().isv18),
        },
    })
}

/// Insert the lines of `doc` and give them back as a read would (ids made
/// here, numbers in the columns' scales).
async fn store_lines(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    doc: Uuid,
    lines: &[Built],
) -> Result<Vec<DocumentLine>> {
    let stored: Vec<DocumentLine> = lines
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let a = b.line.amounts();
            DocumentLine {
                id: Uuid::now_v7(),
                position: i as i32,
                product_id: b.product_id,
                description: b.description.clone(),
                quantity: b.line.quantity,
                unit_price: b.line.unit_price,
                discount_pct: b.line.discount_pct,
                tax_class: b.line.tax_class.as_str().to_owned(),
                gross: a.gross,
                discount: a.discount,
                net: a.net,
                source_line_id: b.source_line_id,
                serial_id: b.unit.as_ref().map(|u| u.id),
                serial: b.unit.as_ref().map(|u| u.serial.clone()),
                engine_no: b.unit.as_ref().map(|u| u.engine_no.clone()),
                colour: b.unit.as_ref().map(|u| u.colour.clone()),
                model_year: b.unit.as_ref().and_then(|u| u.model_year),
            }
            .in_column_scales()
        })
        .collect();
    sqlx::query(
        "INSERT INTO sales_document_lines (id, company_id, document_id, position, product_id, description,
                    quantity, unit_price, discount_pct, tax_class, gross, discount, net, source_line_id, serial_id)
         SELECT i, $1, $2, n - 1, p, d, q, u, dp, t, g, di, ne, s, su
           FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[],
                       $9::text[], $10::numeric[], $11::numeric[], $12::numeric[], $13::uuid[], $14::uuid[])
                WITH ORDINALITY AS l (i, p, d, q, u, dp, t, g, di, ne, s, su, n)",
    )
    .bind(access.company_id)
    .bind(doc)
    .bind(stored.iter().map(|l| l.id).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.product_id).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.description.clone()).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.quantity).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.unit_price).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.discount_pct).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.tax_class.clone()).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.gross).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.discount).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.net).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.source_line_id).collect::<Vec<_>>())
    .bind(stored.iter().map(|l| l.serial_id).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(stored)
}

async fn store_totals(tx: &mut sqlx::PgConnection, doc: Uuid, totals: &Totals) -> Result<()> {
    sqlx::query(
        "UPDATE sales_documents SET discount = $2, exempt = $3, exonerated = $4, taxed15 = $5, taxed18 = $6,
                isv15 = $7, isv18 = $8, total = $9 WHERE id = $1",
    )
    .bind(doc)
    .bind(totals.discount)
    .bind(totals.exempt)
    .bind(totals.exonerated)
    .bind(totals.taxed15)
    .bind(totals.taxed18)
    .bind(totals.isv15)
    .bind(totals.isv18)
    .bind(totals.total)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The document's totals; refused at `/lines` when the total, in
/// lempiras, reaches what any amount may be (the ledger books it so).
fn totals_of(lines: &[Built], h: &HeaderValues) -> Result<Totals> {
    let totals = Totals::of(
        &lines.iter().map(|b| b.line.clone()).collect::<Vec<_>>(),
        h.rates,
    );
    let mut c = Checks::new();
    c.total_in_lempiras("/lines", totals.total, h.exchange_rate);
    c.finish()?;
    Ok(totals)
}

/// Insert a draft of `kind` (inside the caller's transaction): header,
/// lines and totals. `source` is the document it is made from.
pub(crate) async fn insert(
    tx: &mut Tx,
    access: &Access,
    kind: Kind,
    source: Option<Source>,
    input: &DocumentInput,
) -> Result<Document> {
    let h = header_values(tx, kind, input).await?;
    let source_id = source.as_ref().map(|s| s.id);
    let lines = build_lines(tx, kind, source, None, &input.lines).await?;
    let totals = totals_of(&lines, &h)?;
    let id = Uuid::now_v7();
    let (doc_no, version, created_at, updated_at): (i32, i32, DateTime<Utc>, DateTime<Utc>) =
        sqlx::query_as(
            "INSERT INTO sales_documents (id, company_id, kind, status, doc_no, party_id, emission_point_id, source_id,
                        currency, exchange_rate, issue_date, due_date, notes, reason, created_by,
                        discount, exempt, exonerated, taxed15, taxed18, isv15, isv18, total)
             VALUES ($1, $2, $3, 'draft', next_document_no($2, $3), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     $14, $15, $16, $17, $18, $19, $20, $21)
             RETURNING doc_no, version, created_at, updated_at",
        )
        .bind(id)
        .bind(access.company_id)
        .bind(kind.as_str())
        .bind(h.party_id)
        .bind(h.emission_point_id)
        .bind(source_id)
        .bind(&h.currency)
        .bind(h.exchange_rate)
        .bind(h.issue_date)
        .bind(h.due_date)
        .bind(&h.notes)
        .bind(&h.reason)
        .bind(access.user_id)
        .bind(totals.discount)
        .bind(totals.exempt)
        .bind(totals.exonerated)
        .bind(totals.taxed15)
        .bind(totals.taxed18)
        .bind(totals.isv15)
        .bind(totals.isv18)
        .bind(totals.total)
        .fetch_one(&mut **tx)
        .await?;
    let lines = store_lines(tx, access, id, &lines).await?;
    // What was just written, not read back (the scenario test checks it
    // equals a fresh read).
    let mut exchange_rate = h.exchange_rate;
    exchange_rate.rescale(6);
    let doc = Document {
        id,
        kind,
        status: Status::Draft,
        reference: documents::reference(kind, doc_no),
        party_id: h.party_id,
        party_name: h.party_name,
        emission_point_id: h.emission_point_id,
        source_id,
        currency: h.currency,
        exchange_rate,
        issue_date: h.issue_date,
        due_date: h.due_date,
        notes: h.notes,
        reason: h.reason,
        amounts: totals.into(),
        lines,
        fiscal: None,
        version,
        created_at,
        updated_at,
    };
    audit_change(tx, access, "create", "sales_document", id, None, Some(&doc)).await?;
    Ok(doc)
}

/// A new quote, order or invoice draft.
pub async fn create(db: &Db, user: &SessionUser, input: DocumentInput) -> Result<Document> {
    let kind = match input.kind {
        Some(k @ (Kind::Quote | Kind::Order | Kind::Invoice)) => k,
        Some(Kind::CreditNote) => {
            return Err(Error::validation(
                "credit_note_from_invoice",
                "/kind",
                "a credit note is made from the invoice it credits",
            ));
        }
        None => {
            return Err(Error::validation(
                "required",
                "/kind",
                "quote, order or invoice",
            ));
        }
    };
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Create).await?;
    let doc = insert(&mut tx, &access, kind, None, &input).await?;
    tx.commit().await?;
    Ok(doc)
}

/// Replace a draft's header and lines.
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: DocumentInput,
) -> Result<Document> {
    let version = required_version(input.version)?;
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Update).await?;
    let before_header: Header = documents::header(&mut tx, id, true).await?;
    if before_header.version != version {
        return Err(Error::stale_version());
    }
    let kind = before_header.kind()?;
    if before_header.status()? != Status::Draft {
        return Err(Error::conflict(
            "document_not_draft",
            "only a draft is edited; a posted document is corrected by a credit note",
        ));
    }
    if input.kind.is_some_and(|k| k != kind) {
        return Err(Error::validation(
            "kind_fixed",
            "/kind",
            "the kind of a document does not change",
        ));
    }
    let before = documents::fetch(&mut tx, id).await?;
    let h = header_values(&mut tx, kind, &input).await?;
    let lines = build_lines(
        &mut tx,
        kind,
        before.source_id.map(Source::unread),
        Some(id),
        &input.lines,
    )
    .await?;
    let totals = totals_of(&lines, &h)?;
    sqlx::query("DELETE FROM sales_document_lines WHERE document_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE sales_documents SET party_id = $2, emission_point_id = $3, currency = $4, exchange_rate = $5,
                issue_date = $6, due_date = $7, notes = $8, reason = $9, version = version + 1, updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(h.party_id)
    .bind(h.emission_point_id)
    .bind(&h.currency)
    .bind(h.exchange_rate)
    .bind(h.issue_date)
    .bind(h.due_date)
    .bind(&h.notes)
    .bind(&h.reason)
    .execute(&mut *tx)
    .await?;
    store_lines(&mut tx, &access, id, &lines).await?;
    store_totals(&mut tx, id, &totals).await?;
    let after = documents::fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "sales_document",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
