//! The one search box: parties by name or RTN, products by name or SKU,
//! vehicles by VIN, accent- and case-insensitive, and sales documents by
//! fiscal number or reference, inside the active company.
//! Each kind answers from its trigram index; the caller sees only the kinds
//! their role may read.

use serde::Serialize;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{push_text_match, text_match};
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    /// party, product, serial or sales_document.
    pub kind: String,
    /// The party's, product's or document's id (for a serial, its product).
    pub id: Uuid,
    pub title: String,
    /// RTN, SKU, VIN or the customer: what tells two similar titles apart.
    pub detail: String,
}

/// At most this many hits of each kind.
pub const PER_KIND: i64 = 10;

pub async fn search(db: &Db, user: &SessionUser, q: &str) -> Result<Vec<Hit>> {
    let q = q.trim();
    if q.chars().count() > 100 {
        return Err(Error::validation(
            "too_long",
            "/q",
            "at most 100 characters",
        ));
    }
    let (access, mut tx) = Access::begin(db, user, Resource::Parties, Action::Read).await?;
    let mut hits = Vec::new();
    if q.is_empty() {
        return Ok(hits);
    }
    if access.can(Resource::Parties, Action::Read) {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT 'party' AS kind, id, name AS title, coalesce(rtn, '') AS detail FROM parties
              WHERE archived_at IS NULL AND company_id = ",
        );
        qb.push_bind(access.company_id);
        let text = text_match(&mut tx, "parties", access.company_id, Some(q)).await?;
        push_text_match(&mut qb, "id", "search", &text);
        qb.push(" ORDER BY name_key, id LIMIT ").push_bind(PER_KIND);
        hits.extend(qb.build_query_as::<Hit>().fetch_all(&mut *tx).await?);
    }
    if access.can(Resource::Catalog, Action::Read) {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT 'product' AS kind, id, name AS title, sku AS detail FROM products
              WHERE archived_at IS NULL AND company_id = ",
        );
        qb.push_bind(access.company_id);
        let text = text_match(&mut tx, "products", access.company_id, Some(q)).await?;
        push_text_match(&mut qb, "id", "search", &text);
        qb.push(" ORDER BY name_key, id LIMIT ").push_bind(PER_KIND);
        hits.extend(qb.build_query_as::<Hit>().fetch_all(&mut *tx).await?);

        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT 'serial' AS kind, p.id, p.name AS title, s.serial AS detail
               FROM serial_numbers s JOIN products p ON p.id = s.product_id WHERE s.company_id = ",
        );
        qb.push_bind(access.company_id);
        let text = text_match(&mut tx, "serials", access.company_id, Some(q)).await?;
        push_text_match(&mut qb, "s.id", "lower(s.serial)", &text);
        qb.push(" ORDER BY s.serial LIMIT ").push_bind(PER_KIND);
        hits.extend(qb.build_query_as::<Hit>().fetch_all(&mut *tx).await?);
    }
    // A text that reads as a document's number finds the documents.
    if access.can(Resource::Sales, Action::Read)
        && let Ok(Some(number)) = crate::sales::numbers::parse("/q", q)
    {
        #[derive(sqlx::FromRow)]
        struct Found {
            id: Uuid,
            kind: String,
            doc_no: i32,
            fiscal_number: Option<String>,
            party_name: String,
        }
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT d.id, d.kind, d.doc_no, d.fiscal_number, p.name AS party_name
               FROM sales_documents d JOIN parties p ON p.id = d.party_id
              WHERE d.company_id = ",
        );
        qb.push_bind(access.company_id);
        crate::sales::numbers::push(&mut qb, &number);
        qb.push(" ORDER BY d.issue_date DESC, d.id DESC LIMIT ")
            .push_bind(PER_KIND);
        for f in qb.build_query_as::<Found>().fetch_all(&mut *tx).await? {
            let title = match f.fiscal_number {
                Some(fiscal) => fiscal,
                None => crate::sales::documents::reference(f.kind.parse()?, f.doc_no),
            };
            hits.push(Hit {
                kind: "sales_document".into(),
                id: f.id,
                title,
                detail: f.party_name,
            });
        }
    }
    tx.commit().await?;
    Ok(hits)
}
