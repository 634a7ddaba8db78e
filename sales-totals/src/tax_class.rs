//! How a product is taxed by the ISV (impuesto sobre ventas).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaxClass {
    /// The general rate, 15 %.
    Isv15,
    /// Alcohol, tobacco and some services, 18 %.
    Isv18,
    /// Exempt by law.
    Exempt,
    /// Exonerated buyer (diplomatic missions, exonerated regimes).
    Exonerated,
}

impl TaxClass {
    pub const ALL: [TaxClass; 4] = [
        TaxClass::Isv15,
        TaxClass::Isv18,
        TaxClass::Exempt,
        TaxClass::Exonerated,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TaxClass::Isv15 => "isv15",
            TaxClass::Isv18 => "isv18",
            TaxClass::Exempt => "exempt",
            TaxClass::Exonerated => "exonerated",
        }
    }
}

impl FromStr for TaxClass {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        TaxClass::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(())
    }
}
