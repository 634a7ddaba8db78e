//! Inventory: where stock is (locations), the documents that move it
//! (receipts, landed costs, transfers, counts, and their reversals), the move ledger that
//! values it and books it, vehicles by unit, and what is on hand.

pub mod counts;
pub mod deliveries;
pub mod documents;
pub mod landed_costs;
pub(crate) mod ledger;
pub(crate) mod lines;
pub mod locations;
pub mod margins;
pub mod on_hand;
pub mod receipts;
pub mod remission_print;
pub(crate) mod reservations;
pub mod returns;
pub mod transfers;

/// The document's date, or today in Honduras when none is given.
pub(crate) async fn date_or_today(
    tx: &mut sqlx::PgConnection,
    date: Option<chrono::NaiveDate>,
) -> crate::Result<chrono::NaiveDate> {
    match date {
        Some(date) => Ok(date),
        None => Ok(sqlx::query_scalar("SELECT hn_today()")
            .fetch_one(&mut *tx)
            .await?),
    }
}
