//! Moving documents on: a quote accepted becomes an order, an order is
//! confirmed and invoiced (whole or in part), a posted invoice is credited,
//! a draft is cancelled. Posting is in `posting.rs`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::documents::{self, Document};
use super::drafts::{self, DocumentInput, LineInput, Source};
use super::transitions::{self, Kind, Move, Status};
use crate::access::Access;
use crate::db::Db;
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    #[serde(deserialize_with = "crate::whole_number::i32")]
    pub version: i32,
}

/// Which lines of the source to bill or credit, and how much of each.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    pub source_line_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity))]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeriveInput {
    /// Only these lines and quantities; everything not yet billed (or
    /// credited) when missing.
    #[serde(default)]
    pub lines: Option<Vec<PartInput>>,
    /// Why, for a credit note (required there).
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub notes: String,
}

/// Change the status of a locked document after checking the move. The
/// document after is the one before with what the UPDATE returns: the lines
/// and the rest of the header do not change here, so it is not read again.
async fn set_status(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    id: Uuid,
    version: Option<i32>,
    mv: Move,
) -> Result<(Document, Document)> {
    let before = documents::fetch_locked(&mut *tx, id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(Error::stale_version());
    }
    let next: Status = transitions::require(before.kind, before.status, mv)?;
    let (version, updated_at): (i32, DateTime<Utc>) = sqlx::query_as(
        "UPDATE sales_documents SET status = $2, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING version, updated_at",
    )
    .bind(id)
    .bind(next.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let after = Document {
        status: next,
        version,
        updated_at,
        ..before.clone()
    };
    let action = match mv {
        Move::Accept => "accept",
        Move::Confirm => "confirm",
        Move::Cancel => "cancel",
        Move::Post => "post",
        Move::Complete => "complete",
    };
    audit_change(
        &mut *tx,
        access,
        action,
        "sales_document",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok((before, after))
}

pub async fn confirm(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<Document> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Update).await?;
    let (_, after) = set_status(&mut tx, &access, id, Some(version), Move::Confirm).await?;
    if after.lines.iter().any(|l| l.serial_id.is_some()) {
        crate::stock::reservations::reserve(&mut tx, id, id).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Cancel a draft (or a confirmed order nothing was invoiced from).
pub async fn cancel(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<Document> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Archive).await?;
    let billed: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sales_documents WHERE source_id = $1 AND status <> 'cancelled' AND kind = 'invoice')",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if billed {
        return Err(Error::conflict(
            "order_has_invoices",
            "invoices were made from this order; cancel or credit them first",
        ));
    }
    let (_, after) = set_status(&mut tx, &access, id, Some(version), Move::Cancel).await?;
    crate::stock::reservations::release(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// The quote becomes done and an order draft with its lines is returned.
pub async fn accept_quote(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<Document> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Create).await?;
    let (quote, _) = set_status(&mut tx, &access, id, Some(version), Move::Accept).await?;
    let input = DocumentInput {
        kind: Some(Kind::Order),
        party_id: Some(quote.party_id),
        emission_point_id: Some(quote.emission_point_id),
        currency: Some(quote.currency.clone()),
        exchange_rate: Some(quote.exchange_rate),
        notes: quote.notes.clone(),
        lines: quote
            .lines
            .iter()
            .map(|l| LineInput {
                product_id: l.product_id,
                description: Some(l.description.clone()),
                quantity: Some(l.quantity),
                unit_price: Some(l.unit_price),
                discount_pct: Some(l.discount_pct),
                tax_class: l.tax_class.parse().ok(),
                source_line_id: None,
                serial: l.serial.clone(),
            })
            .collect(),
        ..DocumentInput::default()
    };
    let order = drafts::insert(
        &mut tx,
        &access,
        Kind::Order,
        Some(Source::unread(id)),
        &input,
    )
    .await?;
    tx.commit().await?;
    Ok(order)
}

/// A draft of `kind` billing (or crediting) lines of `source`.
async fn derive(
    db: &Db,
    user: &SessionUser,
    source_id: Uuid,
    kind: Kind,
    input: DeriveInput,
) -> Result<Document> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Create).await?;
    // The source stays locked until commit, so two drafts made at once
    // cannot both take the last units of a line.
    let h = documents::header(&mut tx, source_id, true).await?;
    let (want_kind, want_status, nothing_left) = match kind {
        Kind::Invoice => (
            Kind::Order,
            Status::Confirmed,
            "everything on this order is invoiced",
        ),
        _ => (
            Kind::Invoice,
            Status::Posted,
            "everything on this invoice is credited",
        ),
    };
    if h.kind()? != want_kind || h.status()? != want_status {
        return Err(Error::conflict(
            "invalid_source",
            format!(
                "a {} is made from a {} that is {}",
                kind.as_str(),
                want_kind.as_str(),
                want_status.as_str()
            ),
        ));
    }
    // Read once: what is left on each line, for "everything not billed"
    // here and for checking the parts in `drafts::insert`.
    let left = drafts::source_lines(&mut tx, source_id, None).await?;
    let lines: Vec<LineInput> = match input.lines {
        Some(parts) => parts
            .into_iter()
            .map(|p| LineInput {
                source_line_id: Some(p.source_line_id),
                quantity: Some(p.quantity),
                ..LineInput::default()
            })
            .collect(),
        None => left
            .iter()
            .filter(|l| l.quantity > l.used)
            .map(|l| LineInput {
                source_line_id: Some(l.id),
                quantity: Some(l.quantity - l.used),
                ..LineInput::default()
            })
            .collect(),
    };
    if lines.is_empty() {
        return Err(Error::conflict("nothing_left", nothing_left));
    }
    let doc_input = DocumentInput {
        kind: Some(kind),
        party_id: Some(h.party_id),
        emission_point_id: Some(h.emission_point_id),
        currency: Some(h.currency.clone()),
        exchange_rate: Some(h.exchange_rate),
        notes: input.notes,
        reason: input.reason,
        lines,
        ..DocumentInput::default()
    };
    let source = Source {
        id: source_id,
        lines: Some(left),
    };
    let doc = drafts::insert(&mut tx, &access, kind, Some(source), &doc_input).await?;
    tx.commit().await?;
    Ok(doc)
}

/// An invoice draft for a confirmed order (all that is not billed yet, or the given parts).
pub async fn invoice_order(
    db: &Db,
    user: &SessionUser,
    order: Uuid,
    input: DeriveInput,
) -> Result<Document> {
    derive(db, user, order, Kind::Invoice, input).await
}

/// A credit note draft against a posted invoice.
pub async fn credit_invoice(
    db: &Db,
    user: &SessionUser,
    invoice: Uuid,
    input: DeriveInput,
) -> Result<Document> {
    derive(db, user, invoice, Kind::CreditNote, input).await
}
