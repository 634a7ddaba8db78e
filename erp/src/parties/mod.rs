//! Customers and suppliers. One party may be both. A party without an RTN is
//! "Consumidor Final". Parties are archived, never deleted, so documents that
//! name them keep their meaning.

pub mod csv;
mod record;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::numbers::MONEY_OR_ZERO;
use crate::validate::Checks;
use crate::values::Rtn;
use crate::{FieldIssue, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub id: Uuid,
    pub name: String,
    /// 14 digits; null is "Consumidor Final".
    pub rtn: Option<String>,
    pub is_customer: bool,
    pub is_supplier: bool,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub payment_terms_days: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "15000.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub credit_limit: Decimal,
    pub notes: String,
    /// The withholding code applied to this supplier's bills ("ISR-HON").
    pub withholding: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Contact>))]
    pub contacts: sqlx::types::Json<Vec<Contact>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Send it back with an update; a stale one is a 409.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The name as sorted (lower case, no accents); the list's cursor key.
    #[sqlx(default)]
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub name_key: String,
}

/// A person to talk to at a party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub role: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub phone: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub email: String,
}

/// What a client sends to create or update a party.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    /// 14 digits, dashes and spaces allowed; empty or absent for "Consumidor Final".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::rtn))]
    pub rtn: Option<String>,
    #[serde(default = "yes")]
    pub is_customer: bool,
    #[serde(default)]
    pub is_supplier: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub phone: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub city: String,
    #[serde(default)]
    #[serde(deserialize_with = "crate::whole_number::i32")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub payment_terms_days: i32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::money_or_zero))]
    pub credit_limit: Decimal,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub notes: String,
    /// A withholding code of the company ("ISR-HON"); empty for none.
    #[serde(default)]
    pub withholding: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub contacts: Vec<Contact>,
    /// Required on update: the version that was read.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

fn yes() -> bool {
    true
}

/// A checked input, normalised (trimmed text, RTN digits only).
#[derive(Debug, Clone)]
pub struct ValidParty {
    pub name: String,
    pub rtn: Option<String>,
    pub is_customer: bool,
    pub is_supplier: bool,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub payment_terms_days: i32,
    pub credit_limit: Decimal,
    pub notes: String,
    pub withholding: Option<String>,
    pub contacts: Vec<Contact>,
}

impl PartyInput {
    pub fn validate(self) -> Result<ValidParty> {
        let mut c = Checks::new();
        let name = c.text("/name", &self.name, 1, 200);
        let rtn = match self.rtn.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => c
                .take(Rtn::parse("/rtn", text))
                .map(|r| r.as_str().to_owned()),
        };
        if !self.is_customer && !self.is_supplier {
            c.push(FieldIssue::new(
                "/is_customer",
                "customer_or_supplier",
                "a party is a customer, a supplier, or both",
            ));
        }
        let email = c.email("/email", &self.email);
        let phone = c.text("/phone", &self.phone, 0, 50);
        let address = c.text("/address", &self.address, 0, 500);
        let city = c.text("/city", &self.city, 0, 100);
        let payment_terms_days = c.range("/payment_terms_days", self.payment_terms_days, 0, 365);
        c.amount("/credit_limit", self.credit_limit, MONEY_OR_ZERO);
        let notes = c.text("/notes", &self.notes, 0, 2000);
        let withholding = match self.withholding.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => {
                let code = code.to_ascii_uppercase();
                if !crate::stock::lines::serial_shaped(&code, 20) {
                    c.push(FieldIssue::new(
                        "/withholding",
                        "unknown_withholding_code",
                        "no such withholding code in this company",
                    ));
                }
                Some(code)
            }
        };
        if self.contacts.len() > 20 {
            c.push(FieldIssue::new(
                "/contacts",
                "too_many",
                "at most 20 contacts",
            ));
        }
        let contacts = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, k)| Contact {
                name: c.text(&format!("/contacts/{i}/name"), &k.name, 1, 200),
                role: c.text(&format!("/contacts/{i}/role"), &k.role, 0, 100),
                phone: c.text(&format!("/contacts/{i}/phone"), &k.phone, 0, 50),
                email: c.email(&format!("/contacts/{i}/email"), &k.email),
            })
            .collect();
        c.finish()?;
        Ok(ValidParty {
            name,
            rtn,
            is_customer: self.is_customer,
            is_supplier: self.is_supplier,
            email,
            phone,
            address,
            city,
            payment_terms_days,
            credit_limit: self.credit_limit,
            notes,
            withholding,
            contacts,
        })
    }
}

crate::list_query! {
    /// Filters and order of the party list.
    pub struct PartyQuery {
        q: "Text in the name or RTN (accents and case ignored).",
        sort: "`name` (default) or `created`; prefix `-` for descending.",
        sort_pattern: r"^(-?(name|created))?$",
        /// `customer` or `supplier`.
        #[cfg_attr(feature = "openapi", param(pattern = r"^(customer|supplier)?$"))]
        pub kind: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_bad_fields_are_named() {
        let input = PartyInput {
            name: " ".into(),
            rtn: Some("123".into()),
            is_customer: false,
            credit_limit: Decimal::new(-1, 0),
            contacts: vec![Contact {
                name: "".into(),
                email: "x".into(),
                ..Contact::default()
            }],
            ..PartyInput::default()
        };
        let pointers: Vec<String> = input
            .validate()
            .err()
            .map(|e| e.fields.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default();
        assert_eq!(
            pointers,
            [
                "/name",
                "/rtn",
                "/is_customer",
                "/credit_limit",
                "/contacts/0/name",
                "/contacts/0/email"
            ]
        );
    }

    #[test]
    fn empty_rtn_is_consumidor_final_and_dashes_go() {
        let ok = |rtn: &str| {
            PartyInput {
                name: "Juan".into(),
                rtn: Some(rtn.into()),
                is_customer: true,
                ..PartyInput::default()
            }
            .validate()
            .ok()
            .and_then(|p| p.rtn)
        };
        assert_eq!(ok(""), None);
        assert_eq!(ok("0801-1990-123456"), Some("08011990123456".into()));
    }
}
