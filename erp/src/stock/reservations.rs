//! Units promised to a sale. Confirming an order reserves the units its
//! lines name (a vehicle by VIN); a unit promised to another document, or
//! not in stock to sell, refuses the confirmation with the VIN and the
//! document named. Cancelling releases them; delivering takes them; a
//! credit note posted before the delivery gives them back.

use uuid::Uuid;

use crate::sales::documents::reference;
use crate::sales::transitions::Kind;
use crate::{Error, Result};

#[derive(sqlx::FromRow)]
struct Promise {
    id: Uuid,
    serial: String,
    status: String,
    reserved_by: Option<Uuid>,
    holder_kind: Option<String>,
    holder_no: Option<i32>,
}

/// Reserve for `owner` the units named on the lines of `doc` (the order
/// itself, or an invoice whose units `owner` — its order — may hold).
pub(crate) async fn reserve(tx: &mut sqlx::PgConnection, doc: Uuid, owner: Uuid) -> Result<()> {
    // Locked in id order: two confirmations naming the same units queue.
    let units: Vec<Promise> = sqlx::query_as(
        "SELECT s.id, s.serial, s.status, s.reserved_by, h.kind AS holder_kind, h.doc_no AS holder_no
           FROM serial_numbers s LEFT JOIN sales_documents h ON h.id = s.reserved_by
          WHERE s.id IN (SELECT serial_id FROM sales_document_lines WHERE document_id = $1)
          ORDER BY s.id FOR UPDATE OF s",
    )
    .bind(doc)
    .fetch_all(&mut *tx)
    .await?;
    for unit in &units {
        match unit.reserved_by {
            Some(holder) if holder == owner || holder == doc => continue,
            Some(_) => {
                let holder = match (unit.holder_kind.as_deref(), unit.holder_no) {
                    (Some(kind), Some(no)) => kind
                        .parse::<Kind>()
                        .map(|k| reference(k, no))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                return Err(Error::conflict(
                    "unit_reserved",
                    format!("{} is reserved for {holder}", unit.serial),
                ));
            }
            None if !matches!(
                unit.status.as_str(),
                "in_transit" | "available" | "returned"
            ) =>
            {
                return Err(Error::conflict(
                    "unit_not_in_stock",
                    format!("{} is not in stock to sell ({})", unit.serial, unit.status),
                ));
            }
            None => {}
        }
    }
    sqlx::query(
        "UPDATE serial_numbers SET reserved_by = $2
          WHERE id = ANY($1) AND reserved_by IS NULL",
    )
    .bind(units.iter().map(|u| u.id).collect::<Vec<_>>())
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Release every unit promised to `owner` that is still in stock.
pub(crate) async fn release(tx: &mut sqlx::PgConnection, owner: Uuid) -> Result<()> {
    sqlx::query("UPDATE serial_numbers SET reserved_by = NULL WHERE reserved_by = $1")
        .bind(owner)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Release the units a posted credit note credits that its invoice (or the
/// invoice's order) still holds: credited before delivery, they are sold
/// no more. A unit already delivered comes back by a return instead.
pub(crate) async fn release_credited(tx: &mut sqlx::PgConnection, note: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE serial_numbers s SET reserved_by = NULL
           FROM sales_documents n JOIN sales_documents i ON i.id = n.source_id
          WHERE n.id = $1
            AND s.id IN (SELECT serial_id FROM sales_document_lines WHERE document_id = $1)
            AND (s.reserved_by = i.id OR s.reserved_by = i.source_id)",
    )
    .bind(note)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
