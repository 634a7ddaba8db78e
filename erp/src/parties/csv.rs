//! Parties as CSV rows: the export's columns, and reading and writing one
//! imported row. A row is the same party as an existing one when the RTN
//! matches, or — for "Consumidor Final" rows without RTN — when the name
//! does; importing the same file twice therefore changes nothing.

use super::{Party, PartyInput, ValidParty};
use crate::access::{Access, Tx};
use crate::csv_io::{Row, flag_text};
use crate::imports::Outcome;
use crate::records::{Exported, Record, crud};
use crate::{FieldIssue, Result};

/// Column names as exported, each with the Spanish names also accepted.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["nombre", "razón social"]),
    ("rtn", &[]),
    ("is_customer", &["cliente", "es cliente"]),
    ("is_supplier", &["proveedor", "es proveedor"]),
    ("email", &["correo", "correo electrónico"]),
    ("phone", &["teléfono"]),
    ("address", &["dirección"]),
    ("city", &["ciudad"]),
    (
        "payment_terms_days",
        &["plazo", "días de crédito", "plazo de pago"],
    ),
    ("credit_limit", &["límite de crédito"]),
    ("notes", &["notas"]),
    ("withholding", &["retención"]),
];

/// The checked party of one row, or every problem of the row.
pub fn parse(row: &Row) -> std::result::Result<ValidParty, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let input = PartyInput {
        name: row.get("name").to_owned(),
        rtn: Some(row.get("rtn").to_owned()),
        is_customer: row.flag("is_customer", true, &mut issues),
        is_supplier: row.flag("is_supplier", false, &mut issues),
        email: row.get("email").to_owned(),
        phone: row.get("phone").to_owned(),
        address: row.get("address").to_owned(),
        city: row.get("city").to_owned(),
        payment_terms_days: row.integer("payment_terms_days", 0, &mut issues),
        credit_limit: row.amount("credit_limit", &mut issues),
        notes: row.get("notes").to_owned(),
        withholding: Some(row.get("withholding").to_owned()),
        contacts: Vec::new(),
        version: None,
    };
    match input.validate() {
        Ok(valid) if issues.is_empty() => Ok(valid),
        Ok(_) => Err(issues),
        Err(e) => {
            issues.extend(e.fields);
            Err(issues)
        }
    }
}

/// Create the party, or bring the existing one up to the row's values.
/// Contacts are not in the file and stay as they are.
pub(crate) async fn upsert(tx: &mut Tx, access: &Access, mut p: ValidParty) -> Result<Outcome> {
    let existing: Option<Party> = match &p.rtn {
        Some(rtn) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM parties WHERE company_id = $1 AND rtn = $2 FOR UPDATE",
                Party::COLUMNS
            )))
            .bind(access.company_id)
            .bind(rtn)
            .fetch_optional(&mut **tx)
            .await?
        }
        None => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM parties WHERE company_id = $1 AND rtn IS NULL
                    AND name_key = search_norm($2) ORDER BY id LIMIT 1 FOR UPDATE",
                Party::COLUMNS
            )))
            .bind(access.company_id)
            .bind(&p.name)
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    if let Some(before) = &existing {
        p.contacts = before.contacts.0.clone();
    }
    crud::upsert(tx, access, existing, &p).await
}

impl Exported for Party {
    const FILE: &'static str = "parties";
    const CSV_COLUMNS: &'static [(&'static str, &'static [&'static str])] = COLUMNS;
    type Lookup = ();

    async fn lookup(_tx: &mut Tx, _access: &Access) -> Result<()> {
        Ok(())
    }

    fn csv_row(&self, _: &()) -> Vec<String> {
        vec![
            self.name.clone(),
            self.rtn.clone().unwrap_or_default(),
            flag_text(self.is_customer).to_owned(),
            flag_text(self.is_supplier).to_owned(),
            self.email.clone(),
            self.phone.clone(),
            self.address.clone(),
            self.city.clone(),
            self.payment_terms_days.to_string(),
            self.credit_limit.to_string(),
            self.notes.clone(),
            self.withholding.clone().unwrap_or_default(),
        ]
    }
}
