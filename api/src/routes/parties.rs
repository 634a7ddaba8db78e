//! Customers and suppliers: the record routes (`records.rs`) over `Party`.

use erp::Erp;
use erp::parties::{Party, PartyInput, PartyQuery};
use utoipa_axum::router::OpenApiRouter;

crate::record_routes!(mod party_routes, "/api/v1/parties", "parties", Party, PartyInput, PartyQuery);

pub fn routes() -> OpenApiRouter<Erp> {
    party_routes::routes()
}
