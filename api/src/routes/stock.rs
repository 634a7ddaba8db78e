//! Inventory: stock locations (the record routes of `records.rs`).

use erp::Erp;
use erp::stock::locations::{Location, LocationInput, LocationQuery};
use utoipa_axum::router::OpenApiRouter;

crate::record_routes!(mod location_routes, "/api/v1/stock-locations", "stock", Location, LocationInput, LocationQuery);

pub fn routes() -> OpenApiRouter<Erp> {
    location_routes::routes()
}
