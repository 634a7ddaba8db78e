//! Sales documents as stored and shown: the header with its totals, the
//! lines, and reading them back. Writing drafts is in `drafts.rs`, moving
//! them on in `moves.rs` and `posting.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::transitions::{Kind, Status};
use crate::access::Access;
use crate::db::Db;
use crate::paging::{self, Cursor, Page};
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentLine {
    pub id: Uuid,
    pub position: i32,
    pub product_id: Option<Uuid>,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub unit_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub discount_pct: Decimal,
    pub tax_class: String,
    /// quantity × price, in cents.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub gross: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub discount: Decimal,
    /// gross − discount: what the line adds to its tax class's subtotal.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub net: Decimal,
    /// The order line this invoice line bills, or the invoice line this credit note line credits.
    pub source_line_id: Option<Uuid>,
    /// The unit sold (a vehicle), and its serial number (VIN).
    pub serial_id: Option<Uuid>,
    pub serial: Option<String>,
    /// What the invoice prints about that unit besides its VIN (empty or
    /// absent when unknown or when the line sells no unit).
    pub engine_no: Option<String>,
    pub colour: Option<String>,
    pub model_year: Option<i32>,
}

impl DocumentLine {
    /// The numbers in their columns' scales (quantity and price 4 places,
    /// percent and amounts 2), whether computed or read: sqlx gives a
    /// stored zero back without its scale.
    pub(crate) fn in_column_scales(mut self) -> DocumentLine {
        for (value, places) in [
            (&mut self.quantity, 4),
            (&mut self.unit_price, 4),
            (&mut self.discount_pct, 2),
            (&mut self.gross, 2),
            (&mut self.discount, 2),
            (&mut self.net, 2),
        ] {
            value.rescale(places);
        }
        self
    }
}

/// The amounts a Honduran invoice prints, in the document's currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amounts {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub discount: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exempt: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exonerated: Decimal,
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
    pub total: Decimal,
}

impl Amounts {
    /// Each amount with exactly two decimals. The database gives a stored
    /// zero back as "0" (sqlx drops the scale of a zero numeric) and Rust
    /// arithmetic may give "15" for 15.00: a client sees "0.00" and "15.00"
    /// either way, whether the document was read or answered from memory.
    fn two_places(mut self) -> Amounts {
        for value in [
            &mut self.discount,
            &mut self.exempt,
            &mut self.exonerated,
            &mut self.taxed15,
            &mut self.taxed18,
            &mut self.isv15,
            &mut self.isv18,
            &mut self.total,
        ] {
            value.rescale(2);
        }
        self
    }
}

impl From<super::totals::Totals> for Amounts {
    fn from(t: super::totals::Totals) -> Amounts {
        Amounts {
            discount: t.discount,
            exempt: t.exempt,
            exonerated: t.exonerated,
            taxed15: t.taxed15,
            taxed18: t.taxed18,
            isv15: t.isv15,
            isv18: t.isv18,
            total: t.total,
        }
        .two_places()
    }
}

/// The authorization a posted document printed, fixed at posting.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fiscal {
    /// "001-001-01-00000001".
    pub number: String,
    pub cai: String,
    pub range_first: String,
    pub range_last: String,
    pub deadline: NaiveDate,
    pub buyer_name: String,
    /// None for "Consumidor Final".
    pub buyer_rtn: Option<String>,
    /// Issuer as it was that day: legal_name, trade_name, rtn, address,
    /// branch_name, branch_address, phone, email.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub issuer: serde_json::Value,
    pub journal_entry_id: Uuid,
    pub posted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: Uuid,
    pub kind: Kind,
    pub status: Status,
    /// The running number of its kind; "COT-00012", "PED-00012", "FAC-BORRADOR-00012".
    pub reference: String,
    pub party_id: Uuid,
    pub party_name: String,
    pub emission_point_id: Uuid,
    pub source_id: Option<Uuid>,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1"))]
    #[serde(serialize_with = "crate::decimal_out::rate")]
    pub exchange_rate: Decimal,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub notes: String,
    pub reason: String,
    pub amounts: Amounts,
    pub lines: Vec<DocumentLine>,
    /// Present once posted.
    pub fiscal: Option<Fiscal>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The reference users speak of before there is a fiscal number.
pub fn reference(kind: Kind, doc_no: i32) -> String {
    let prefix = match kind {
        Kind::Quote => "COT",
        Kind::Order => "PED",
        Kind::Invoice => "FAC",
        Kind::CreditNote => "NC",
    };
    format!("{prefix}-{doc_no:05}")
}

#[derive(sqlx::FromRow)]
pub(crate) struct Header {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub doc_no: i32,
    pub party_id: Uuid,
    pub party_name: String,
    pub emission_point_id: Uuid,
    pub source_id: Option<Uuid>,
    pub currency: String,
    pub exchange_rate: Decimal,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub notes: String,
    pub reason: String,
    #[sqlx(flatten)]
    pub amounts: Amounts,
    pub fiscal_number: Option<String>,
    pub cai: Option<String>,
    pub range_first: Option<String>,
    pub range_last: Option<String>,
    pub fiscal_deadline: Option<NaiveDate>,
    pub buyer_name: Option<String>,
    pub buyer_rtn: Option<String>,
    pub issuer: Option<serde_json::Value>,
    pub journal_entry_id: Option<Uuid>,
    pub posted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! header_select {
    () => {
        "SELECT d.id, d.kind, d.status, d.doc_no, d.party_id, p.name AS party_name, d.emission_point_id,
                d.source_id, d.currency::text AS currency, d.exchange_rate, d.issue_date, d.due_date, d.notes, d.reason,
                d.discount, d.exempt, d.exonerated, d.taxed15, d.taxed18, d.isv15, d.isv18, d.total,
                d.fiscal_number, d.cai, d.range_first, d.range_last, d.fiscal_deadline, d.buyer_name,
                d.buyer_rtn, d.issuer, d.journal_entry_id, d.posted_at, d.version, d.created_at, d.updated_at
           FROM sales_documents d JOIN parties p ON p.id = d.party_id"
    };
}

impl Header {
    pub fn kind(&self) -> Result<Kind> {
        self.kind.parse()
    }
    pub fn status(&self) -> Result<Status> {
        self.status.parse()
    }

    fn into_document(self, lines: Vec<DocumentLine>) -> Result<Document> {
        let kind = self.kind()?;
        let status = self.status()?;
        let fiscal = match (
            self.fiscal_number,
            self.cai,
            self.range_first,
            self.range_last,
            self.fiscal_deadline,
            self.journal_entry_id,
            self.posted_at,
        ) {
            (
                Some(number),
                Some(cai),
                Some(range_first),
                Some(range_last),
                Some(deadline),
                Some(entry),
                Some(at),
            ) => Some(Fiscal {
                number,
                cai,
                range_first,
                range_last,
                deadline,
                buyer_name: self.buyer_name.unwrap_or_default(),
                buyer_rtn: self.buyer_rtn,
                issuer: self.issuer.unwrap_or_default(),
                journal_entry_id: entry,
                posted_at: at,
            }),
            _ => None,
        };
        Ok(Document {
            id: self.id,
            kind,
            status,
            reference: reference(kind, self.doc_no),
            party_id: self.party_id,
            party_name: self.party_name,
            emission_point_id: self.emission_point_id,
            source_id: self.source_id,
            currency: self.currency,
            exchange_rate: self.exchange_rate,
            issue_date: self.issue_date,
            due_date: self.due_date,
            notes: self.notes,
            reason: self.reason,
            amounts: self.amounts.two_places(),
            lines,
            fiscal,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The header of `id`; `lock` takes it FOR UPDATE (every move does).
pub(crate) async fn header(tx: &mut sqlx::PgConnection, id: Uuid, lock: bool) -> Result<Header> {
    let sql = if lock {
        concat!(header_select!(), " WHERE d.id = $1 FOR UPDATE OF d")
    } else {
        concat!(header_select!(), " WHERE d.id = $1")
    };
    sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("document_not_found"))
}

pub(crate) async fn lines(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Vec<DocumentLine>> {
    let rows: Vec<DocumentLine> = sqlx::query_as(
        "SELECT l.id, l.position, l.product_id, l.description, l.quantity, l.unit_price, l.discount_pct,
                l.tax_class, l.gross, l.discount, l.net, l.source_line_id, l.serial_id, s.serial,
                s.engine_no, s.colour, s.model_year
           FROM sales_document_lines l LEFT JOIN serial_numbers s ON s.id = l.serial_id
          WHERE l.document_id = $1 ORDER BY l.position",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(DocumentLine::in_column_scales)
        .collect())
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Document> {
    let h = header(tx, id, false).await?;
    let lines = lines(tx, id).await?;
    h.into_document(lines)
}

/// The whole document with its header locked FOR UPDATE: what a move reads
/// before changing it (and keeps for the audit), in two round trips.
pub(crate) async fn fetch_locked(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<Document> {
    let h = header(tx, id, true).await?;
    let lines = lines(tx, id).await?;
    h.into_document(lines)
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<Document> {
    let (_, mut tx) = Access::begin(db, user, Resource::Sales, Action::Read).await?;
    let doc = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(doc)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// quote, order, invoice or credit_note; all kinds when missing.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^(quote|order|invoice|credit_note)?$")
    )]
    pub kind: Option<String>,
    /// draft, confirmed, done, posted or cancelled.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^(draft|confirmed|done|posted|cancelled)?$")
    )]
    pub status: Option<String>,
    pub party_id: Option<Uuid>,
    /// Its fiscal number or part of it (`00000012`, `001-001-01-00000012`),
    /// or its reference (`FAC-00012`).
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = r"^\s*(([Cc][Oo][Tt]|[Pp][Ee][Dd]|[Ff][Aa][Cc]|[Nn][Cc])-?[0-9]{1,9}|[0-9-]{1,19})?\s*$"
        )
    )]
    pub number: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Newest first (by issue date), without lines.
pub async fn list(db: &Db, user: &SessionUser, q: DocumentQuery) -> Result<Page<Document>> {
    let (access, mut tx) = Access::begin(db, user, Resource::Sales, Action::Read).await?;
    let limit = paging::limit(q.limit);
    let cursor = Cursor::read(q.cursor.as_deref())?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(header_select!(), " WHERE d.company_id = "));
    qb.push_bind(access.company_id);
    if let Some(kind) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let kind: Kind = kind.parse()?;
        qb.push(" AND d.kind = ").push_bind(kind.as_str());
    }
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let status: Status = status.parse().map_err(|_| {
            Error::validation(
                "invalid_status",
                "/status",
                "draft, confirmed, done, posted or cancelled",
            )
        })?;
        qb.push(" AND d.status = ").push_bind(status.as_str());
    }
    if let Some(party) = q.party_id {
        qb.push(" AND d.party_id = ").push_bind(party);
    }
    if let Some(number) = super::numbers::parse("/number", q.number.as_deref().unwrap_or(""))? {
        super::numbers::push(&mut qb, &number);
    }
    if let Some(c) = &cursor {
        let date =
            NaiveDate::parse_from_str(&c.key, "%Y-%m-%d").map_err(|_| paging::invalid_cursor())?;
        qb.push(" AND (d.issue_date, d.id) < (")
            .push_bind(date)
            .push(", ")
            .push_bind(c.id)
            .push(")");
    }
    qb.push(" ORDER BY d.issue_date DESC, d.id DESC LIMIT ")
        .push_bind(limit + 1);
    let headers: Vec<Header> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let docs = headers
        .into_iter()
        .map(|h| h.into_document(vec![]))
        .collect::<Result<Vec<_>>>()?;
    Ok(paging::page(docs, limit, |d| Cursor {
        key: d.issue_date.to_string(),
        id: d.id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_from_totals_print_two_decimals_like_the_columns() {
        let a = Amounts::from(super::super::totals::Totals {
            total: Decimal::new(15, 0),
            isv15: Decimal::new(2575, 3),
            ..Default::default()
        });
        let printed = serde_json::to_value(&a).expect("serializes");
        assert_eq!(printed["exempt"], "0.00");
        assert_eq!(printed["total"], "15.00");
        assert_eq!(printed["isv15"], "2.58");
    }
}
