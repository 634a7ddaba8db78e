//! Posting a stock document: in one transaction, value each move (a unit at
//! its own cost, anything else at the weighted average), write the document
//! and its moves (the database keeps on-hand, the average and each unit's
//! place from them), and book the journal entry that keeps the inventory
//! accounts equal to the valuation.
//!
//! Every document kind (receipt, transfer, count, delivery, return,
//! landed cost) and every reversal goes through [`post`].

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::locations::LocationKind;
use crate::access::Access;
use crate::accounting::entries::{self, EntryLine, NewEntry};
use crate::{Error, FieldIssue, Result};

/// One move a document asks for. `pointer` names the input line it comes
/// from, so a refusal points at the field.
#[derive(Debug, Clone)]
pub(crate) struct MoveSpec {
    pub pointer: String,
    pub product_id: Uuid,
    pub serial_id: Option<Uuid>,
    pub quantity: Decimal,
    pub from: Uuid,
    pub to: Uuid,
    /// What it is worth when it comes from outside held stock (a purchase
    /// price, a landed cost, a reversal's original value). `None`: at cost.
    pub value: Option<Decimal>,
    /// The invoice or credit note line this carries out.
    pub sales_line_id: Option<Uuid>,
    /// The purchase order line a receipt receives.
    pub purchase_line_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub(crate) struct DocumentSpec {
    pub kind: &'static str,
    pub date: NaiveDate,
    pub party_id: Option<Uuid>,
    pub reference: String,
    pub memo: String,
    pub reverses_id: Option<Uuid>,
    /// The invoice a delivery delivers, the credit note a return takes back.
    pub sales_document_id: Option<Uuid>,
    /// The purchase order a receipt receives against.
    pub purchase_order_id: Option<Uuid>,
    /// The remission guide a transfer on the road carries.
    pub remission: Option<crate::fiscal::Issued>,
    /// What a count found (empty for other kinds).
    pub counted: Vec<CountSpec>,
    /// The costs a landed-cost document spreads, by kind (empty for others).
    pub landed: Vec<(String, Decimal)>,
    pub moves: Vec<MoveSpec>,
}

/// One line of a count: what was expected at the location and what was
/// found (the units by id, for products tracked by unit).
#[derive(Debug, Clone)]
pub(crate) struct CountSpec {
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub expected: Decimal,
    pub counted: Decimal,
    pub found: Vec<Uuid>,
}

/// What posting needs to know of a product.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ProductFacts {
    pub id: Uuid,
    pub is_vehicle: bool,
    pub tracking: String,
    /// The catalog's standard cost: the value of a surplus when none is held.
    pub cost: Decimal,
    pub archived: bool,
}

impl ProductFacts {
    pub fn by_unit(&self) -> bool {
        self.tracking == "serial"
    }
}

pub(crate) async fn products(
    tx: &mut sqlx::PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, ProductFacts>> {
    let rows: Vec<ProductFacts> = sqlx::query_as(
        "SELECT id, is_vehicle, tracking, cost, archived_at IS NOT NULL AS archived
           FROM products WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PlaceFacts {
    pub id: Uuid,
    pub kind: String,
    pub archived: bool,
}

impl PlaceFacts {
    pub fn kind(&self) -> LocationKind {
        LocationKind::parse(&self.kind)
    }
}

pub(crate) async fn places(
    tx: &mut sqlx::PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, PlaceFacts>> {
    let rows: Vec<PlaceFacts> = sqlx::query_as(
        "SELECT id, kind, archived_at IS NOT NULL AS archived FROM stock_locations WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// The company's virtual location of `kind`.
pub(crate) async fn virtual_location(tx: &mut sqlx::PgConnection, kind: &str) -> Result<Uuid> {
    Ok(
        sqlx::query_scalar("SELECT id FROM stock_locations WHERE kind = $1")
            .bind(kind)
            .fetch_one(&mut *tx)
            .await?,
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct UnitFacts {
    id: Uuid,
    serial: String,
    location_id: Option<Uuid>,
    cost: Decimal,
}

/// Serialise postings per product: two documents moving the same product
/// take their turn (in product order, so they never wait on each other in
/// a circle), and each reads what the one before it committed.
pub(crate) async fn lock_products(tx: &mut sqlx::PgConnection, ids: &[Uuid]) -> Result<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(k)
           FROM (SELECT DISTINCT hashtextextended(p::text, 7321) AS k
                   FROM unnest($1::uuid[]) p ORDER BY 1) s",
    )
    .bind(ids)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn issue(pointer: &str, field: &str, code: &'static str, message: impl Into<String>) -> FieldIssue {
    FieldIssue::new(&format!("{pointer}/{field}"), code, message)
}

/// Value every move, write the document, its moves and its journal entry;
/// the id of the document written.
pub(crate) async fn post(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    spec: &DocumentSpec,
) -> Result<Uuid> {
    let product_ids: Vec<Uuid> = spec.moves.iter().map(|m| m.product_id).collect();
    lock_products(tx, &product_ids).await?;
    let products = products(tx, &product_ids).await?;
    let place_ids: Vec<Uuid> = spec.moves.iter().flat_map(|m| [m.from, m.to]).collect();
    let places = places(tx, &place_ids).await?;
    let held = |id: &Uuid| places.get(id).is_some_and(|p| p.kind().is_held());

    // What is held now, read after the lock.
    let mut totals: HashMap<Uuid, (Decimal, Decimal)> =
        sqlx::query_as::<_, (Uuid, Decimal, Decimal)>(
            "SELECT product_id, quantity, value FROM stock_values WHERE product_id = ANY($1)",
        )
        .bind(&product_ids)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(p, q, v)| (p, (q, v)))
        .collect();
    let mut on_hand: HashMap<(Uuid, Uuid), Decimal> = sqlx::query_as::<_, (Uuid, Uuid, Decimal)>(
        "SELECT location_id, product_id, quantity FROM stock_on_hand WHERE product_id = ANY($1)",
    )
    .bind(&product_ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(l, p, q)| ((l, p), q))
    .collect();
    let serial_ids: Vec<Uuid> = spec.moves.iter().filter_map(|m| m.serial_id).collect();
    let units: HashMap<Uuid, UnitFacts> = sqlx::query_as::<_, UnitFacts>(
        "SELECT id, serial, location_id, cost FROM serial_numbers WHERE id = ANY($1)",
    )
    .bind(&serial_ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|u| (u.id, u))
    .collect();

    let mut issues = Vec::new();
    let mut values = Vec::with_capacity(spec.moves.len());
    for m in &spec.moves {
        let Some(product) = products.get(&m.product_id) else {
            issues.push(issue(
                &m.pointer,
                "product_id",
                "unknown_product",
                "no such product in this company",
            ));
            values.push(Decimal::ZERO);
            continue;
        };
        let (from_held, to_held) = (held(&m.from), held(&m.to));
        if from_held && m.quantity > Decimal::ZERO {
            let here = on_hand.entry((m.from, m.product_id)).or_default();
            if *here < m.quantity {
                issues.push(issue(
                    &m.pointer,
                    "quantity",
                    "insufficient_stock",
                    format!("only {} on hand where this is taken from", here.normalize()),
                ));
            }
            *here -= m.quantity;
        }
        if to_held {
            *on_hand.entry((m.to, m.product_id)).or_default() += m.quantity;
        }
        let unit = m.serial_id.and_then(|s| units.get(&s));
        if let Some(unit) = unit
            && m.quantity > Decimal::ZERO
            && !places
                .get(&m.from)
                .is_some_and(|p| p.kind() == LocationKind::Supplier)
            && unit.location_id != Some(m.from)
        {
            issues.push(issue(
                &m.pointer,
                "serial",
                "unit_not_here",
                format!("{} is not where this takes it from", unit.serial),
            ));
        }
        let total = totals.entry(m.product_id).or_default();
        let value = match (m.value, unit) {
            (Some(v), _) => v,
            (None, Some(unit)) => unit.cost,
            (None, None) if from_held => {
                if m.quantity >= total.0 {
                    total.1
                } else if total.0.is_zero() {
                    Decimal::ZERO
                } else {
                    (total.1 * m.quantity / total.0).round_dp(2)
                }
            }
            (None, None) => {
                // Coming into held stock at cost: the average held, or the
                // catalog's cost when none is.
                let average = if total.0.is_zero() {
                    product.cost
                } else {
                    total.1 / total.0
                };
                (average * m.quantity).round_dp(2)
            }
        };
        if from_held != to_held {
            let sign = if to_held { Decimal::ONE } else { -Decimal::ONE };
            total.0 += sign * m.quantity;
            total.1 += sign * value;
        }
        values.push(value);
    }
    if !issues.is_empty() {
        return Err(Error::invalid_fields(issues));
    }

    let id = Uuid::now_v7();
    let entry = journal(tx, spec, &products, &places, &values, id).await?;
    let entry_id = match entry {
        Some(entry) => Some(entries::write(tx, access, &entry).await?.0),
        None => None,
    };
    sqlx::query(
        "INSERT INTO stock_documents (id, company_id, kind, doc_no, doc_date, party_id, reference, memo,
                                      reverses_id, journal_entry_id, created_by, sales_document_id,
                                      purchase_order_id, remission_number, remission_range_id, remission_cai,
                                      remission_first, remission_last, remission_deadline)
         VALUES ($1, $2, $3, next_document_no($2, 'stock_' || $3), $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 $13, $14, $15, $16, $17, $18)",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(spec.kind)
    .bind(spec.date)
    .bind(spec.party_id)
    .bind(&spec.reference)
    .bind(&spec.memo)
    .bind(spec.reverses_id)
    .bind(entry_id)
    .bind(access.user_id)
    .bind(spec.sales_document_id)
    .bind(spec.purchase_order_id)
    .bind(spec.remission.as_ref().map(|r| r.number.clone()))
    .bind(spec.remission.as_ref().map(|r| r.range_id))
    .bind(spec.remission.as_ref().map(|r| r.cai.clone()))
    .bind(spec.remission.as_ref().map(|r| r.range_first.clone()))
    .bind(spec.remission.as_ref().map(|r| r.range_last.clone()))
    .bind(spec.remission.as_ref().map(|r| r.deadline))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO stock_moves (company_id, document_id, line_no, move_date, product_id, serial_id,
                                  quantity, from_location_id, to_location_id, value, sales_line_id,
                                  purchase_line_id)
         SELECT $1, $2, n - 1, $3, p, s, q, f, t, v, sl, pl
           FROM unnest($4::uuid[], $5::uuid[], $6::numeric[], $7::uuid[], $8::uuid[], $9::numeric[], $10::uuid[],
                       $11::uuid[])
                WITH ORDINALITY AS m (p, s, q, f, t, v, sl, pl, n)",
    )
    .bind(access.company_id)
    .bind(id)
    .bind(spec.date)
    .bind(spec.moves.iter().map(|m| m.product_id).collect::<Vec<_>>())
    .bind(spec.moves.iter().map(|m| m.serial_id).collect::<Vec<_>>())
    .bind(spec.moves.iter().map(|m| m.quantity).collect::<Vec<_>>())
    .bind(spec.moves.iter().map(|m| m.from).collect::<Vec<_>>())
    .bind(spec.moves.iter().map(|m| m.to).collect::<Vec<_>>())
    .bind(&values)
    .bind(spec.moves.iter().map(|m| m.sales_line_id).collect::<Vec<_>>())
    .bind(spec.moves.iter().map(|m| m.purchase_line_id).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    if !spec.landed.is_empty() {
        sqlx::query(
            "INSERT INTO stock_landed_costs (company_id, document_id, kind, amount)
             SELECT $1, $2, k, a FROM unnest($3::text[], $4::numeric[]) AS x (k, a)",
        )
        .bind(access.company_id)
        .bind(id)
        .bind(
            spec.landed
                .iter()
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>(),
        )
        .bind(spec.landed.iter().map(|(_, a)| *a).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    if !spec.counted.is_empty() {
        sqlx::query(
            "INSERT INTO stock_count_lines (company_id, document_id, location_id, product_id, expected, counted, found)
             SELECT $1, $2, l, p, e, c, coalesce((SELECT array_agg(f::uuid) FROM jsonb_array_elements_text(fs) f), '{}')
               FROM unnest($3::uuid[], $4::uuid[], $5::numeric[], $6::numeric[], $7::jsonb[]) AS x (l, p, e, c, fs)",
        )
        .bind(access.company_id)
        .bind(id)
        .bind(spec.counted.iter().map(|c| c.location_id).collect::<Vec<_>>())
        .bind(spec.counted.iter().map(|c| c.product_id).collect::<Vec<_>>())
        .bind(spec.counted.iter().map(|c| c.expected).collect::<Vec<_>>())
        .bind(spec.counted.iter().map(|c| c.counted).collect::<Vec<_>>())
        .bind(spec.counted.iter().map(|c| serde_json::json!(c.found)).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

/// The ledger purpose of a location's side of a move.
fn purpose(kind: LocationKind, is_vehicle: bool) -> &'static str {
    match (kind, is_vehicle) {
        (LocationKind::Internal, true) => "inventory_vehicles",
        (LocationKind::Internal, false) => "inventory_parts",
        (LocationKind::Transit, _) => "inventory_transit",
        (LocationKind::Supplier, _) => "goods_received",
        (LocationKind::Customer, true) => "cost_vehicles",
        (LocationKind::Customer, false) => "cost_parts",
        (LocationKind::Loss, _) => "stock_adjustment",
    }
}

/// Each move debits where it goes and credits where it comes from; per
/// account (and the supplier on goods received) the net. None when nothing
/// is left (a transfer between two warehouses).
async fn journal(
    tx: &mut sqlx::PgConnection,
    spec: &DocumentSpec,
    products: &HashMap<Uuid, ProductFacts>,
    places: &HashMap<Uuid, PlaceFacts>,
    values: &[Decimal],
    document_id: Uuid,
) -> Result<Option<NewEntry>> {
    let accounts = entries::mapped_accounts(tx).await?;
    let mut net: BTreeMap<(Uuid, Option<Uuid>), Decimal> = BTreeMap::new();
    for (m, value) in spec.moves.iter().zip(values) {
        let is_vehicle = products.get(&m.product_id).is_some_and(|p| p.is_vehicle);
        for (place, sign) in [(m.to, Decimal::ONE), (m.from, -Decimal::ONE)] {
            let kind = places
                .get(&place)
                .map(PlaceFacts::kind)
                .ok_or_else(|| Error::not_found("location_not_found"))?;
            let purpose = purpose(kind, is_vehicle);
            let account = *accounts.get(purpose).ok_or_else(|| {
                Error::internal(anyhow::anyhow!("no ledger account mapped for {purpose}"))
            })?;
            let party = (kind == LocationKind::Supplier)
                .then_some(spec.party_id)
                .flatten();
            *net.entry((account, party)).or_default() += sign * value;
        }
    }
    let lines: Vec<EntryLine> = net
        .into_iter()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|((account, party), amount)| EntryLine::debit(account, party, amount))
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    Ok(Some(NewEntry {
        date: spec.date,
        memo: format!("{} {}", kind_label(spec.kind), spec.reference)
            .trim()
            .to_owned(),
        source_kind: "stock",
        source_id: Some(document_id),
        reverses_id: None,
        lines,
    }))
}

/// How the journal names a stock document (the ledger is read in Spanish).
pub(crate) fn kind_label(kind: &str) -> &'static str {
    match kind {
        "receipt" => "Recepción de mercadería",
        "transfer" => "Traslado entre bodegas",
        "count" => "Conteo de inventario",
        "delivery" => "Entrega a cliente",
        "return" => "Devolución de cliente",
        "landed_cost" => "Costos de importación",
        _ => "Movimiento de inventario",
    }
}
