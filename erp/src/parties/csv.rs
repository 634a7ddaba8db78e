//! Parties as CSV rows: the export's columns, and reading and writing one
//! imported row. A row is the same party as an existing one when the RTN
//! matches, or — for "Consumidor Final" rows without RTN — when the name
//! does; importing the same file twice therefore changes nothing.

use super::queries::{insert, list_in, replace};
use super::{Party, PartyInput, PartyQuery, ValidParty};
use crate::access::{Access, Tx};
use crate::csv_io::{self, Row, flag_text};
use crate::exports::ExportFile;
use crate::imports::Outcome;
use crate::{Error, FieldIssue, Result};

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
            sqlx::query_as(concat!(
                "SELECT ",
                super::queries::columns!(),
                " FROM parties WHERE company_id = $1 AND rtn = $2 FOR UPDATE"
            ))
            .bind(access.company_id)
            .bind(rtn)
            .fetch_optional(&mut **tx)
            .await?
        }
        None => {
            sqlx::query_as(concat!(
                "SELECT ",
                super::queries::columns!(),
                " FROM parties WHERE company_id = $1 AND rtn IS NULL AND name_key = search_norm($2)
                  ORDER BY id LIMIT 1 FOR UPDATE"
            ))
            .bind(access.company_id)
            .bind(&p.name)
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    let Some(before) = existing else {
        insert(tx, access, &p).await?;
        return Ok(Outcome::Created);
    };
    p.contacts = before.contacts.0.clone();
    if same(&before, &p) {
        return Ok(Outcome::Unchanged);
    }
    replace(tx, access, &before, &p).await?;
    Ok(Outcome::Updated)
}

fn same(party: &Party, p: &ValidParty) -> bool {
    party.name == p.name
        && party.rtn == p.rtn
        && party.is_customer == p.is_customer
        && party.is_supplier == p.is_supplier
        && party.email == p.email
        && party.phone == p.phone
        && party.address == p.address
        && party.city == p.city
        && party.payment_terms_days == p.payment_terms_days
        && party.credit_limit == p.credit_limit
        && party.notes == p.notes
}

fn record(p: &Party) -> [String; 11] {
    [
        p.name.clone(),
        p.rtn.clone().unwrap_or_default(),
        flag_text(p.is_customer).to_owned(),
        flag_text(p.is_supplier).to_owned(),
        p.email.clone(),
        p.phone.clone(),
        p.address.clone(),
        p.city.clone(),
        p.payment_terms_days.to_string(),
        p.credit_limit.to_string(),
        p.notes.clone(),
    ]
}

/// Every party the list shows with `query`'s filters and order, as CSV.
pub async fn export(
    db: &crate::Db,
    user: &crate::SessionUser,
    mut query: PartyQuery,
) -> Result<ExportFile> {
    let (access, mut tx) = Access::begin(
        db,
        user,
        crate::roles::Resource::Parties,
        crate::roles::Action::Read,
    )
    .await?;
    let mut out = csv_io::writer();
    out.write_record(COLUMNS.iter().map(|(name, _)| name))
        .map_err(Error::internal)?;
    query.cursor = None;
    loop {
        let page = list_in(&mut tx, &access, &query, csv_io::EXPORT_PAGE).await?;
        for p in &page.items {
            out.write_record(record(p)).map_err(Error::internal)?;
        }
        match page.next_cursor {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    tx.commit().await?;
    Ok(csv_io::file("parties", csv_io::finish(out)?))
}
