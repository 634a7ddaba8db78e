//! A party as a `Record`: where it is stored, how it is written, and how its
//! list is filtered and sorted. The operations themselves are the generic
//! ones in `records::crud`.

use sqlx::query_builder::Separated;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{Party, PartyInput, PartyQuery, ValidParty};
use crate::records::{Constraint, Record, SortKey};
use crate::roles::Resource;
use crate::{Error, FieldIssue, Result};

fn rtn_taken() -> FieldIssue {
    FieldIssue::new(
        "/rtn",
        "rtn_taken",
        "another party of this company has this RTN",
    )
}

fn unknown_withholding() -> FieldIssue {
    FieldIssue::new(
        "/withholding",
        "unknown_withholding_code",
        "no such withholding code in this company",
    )
}

impl Record for Party {
    const TABLE: &'static str = "parties";
    const ENTITY: &'static str = "party";
    const NOT_FOUND: &'static str = "party_not_found";
    const RESOURCE: Resource = Resource::Parties;
    const COLUMNS: &'static str = "id, name, rtn, is_customer, is_supplier, email, phone, address, \
        city, payment_terms_days, credit_limit, notes, withholding, contacts, archived_at, version, created_at, \
        updated_at";
    const LIST_EXTRA: &'static str = ", name_key";
    const WRITTEN: &'static str = "name, rtn, is_customer, is_supplier, email, phone, address, \
        city, payment_terms_days, credit_limit, notes, withholding, contacts";
    const CONSTRAINTS: &'static [Constraint] = &[
        ("parties_rtn_key", rtn_taken),
        ("parties_withholding_fkey", unknown_withholding),
    ];
    const SEARCH: Option<&'static str> = Some("parties");
    const SORTS: &'static [SortKey] = &[SortKey::NAME, SortKey::CREATED];
    type Input = PartyInput;
    type Valid = ValidParty;
    type Query = PartyQuery;

    fn validate(input: PartyInput) -> Result<ValidParty> {
        input.validate()
    }

    fn input_version(input: &PartyInput) -> Option<i32> {
        input.version
    }

    fn push_values(p: &ValidParty, values: &mut Separated<'_, Postgres, &'static str>) {
        values
            .push_bind(p.name.clone())
            .push_bind(p.rtn.clone())
            .push_bind(p.is_customer)
            .push_bind(p.is_supplier)
            .push_bind(p.email.clone())
            .push_bind(p.phone.clone())
            .push_bind(p.address.clone())
            .push_bind(p.city.clone())
            .push_bind(p.payment_terms_days)
            .push_bind(p.credit_limit)
            .push_bind(p.notes.clone())
            .push_bind(p.withholding.clone())
            .push_bind(sqlx::types::Json(p.contacts.clone()));
    }

    fn push_filters(query: &PartyQuery, qb: &mut QueryBuilder<Postgres>) -> Result<()> {
        match query.kind.as_deref() {
            None | Some("") => {}
            Some("customer") => {
                qb.push(" AND is_customer");
            }
            Some("supplier") => {
                qb.push(" AND is_supplier");
            }
            Some(_) => {
                return Err(Error::validation(
                    "invalid_kind",
                    "/kind",
                    "kind is customer or supplier",
                ));
            }
        }
        Ok(())
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn sort_value(&self, sort: &str) -> String {
        match sort {
            "created" => self.created_at.to_rfc3339(),
            _ => self.name_key.clone(),
        }
    }
}
