//! The one search box: parties by name or RTN, products by name or SKU, and
//! vehicles by VIN, accent- and case-insensitive, inside the active company.
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
    /// party, product or serial.
    pub kind: String,
    /// The party's or product's id (for a serial, its product).
    pub id: Uuid,
    pub title: String,
    /// RTN, SKU or VIN: what tells two similar titles apart.
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
    tx.commit().await?;
    Ok(hits)
}
