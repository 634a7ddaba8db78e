//! Customers and suppliers: what their pages show (list columns and
//! filters, the form with its contacts table, attachments under it). The
//! pages themselves are the record pages (`records.rs`). Plain HTML forms:
//! everything works without JavaScript.

use erp::parties::{Contact, Party, PartyInput, PartyQuery};
use erp::values::{format_lempiras, parse_amount};
use erp::{Erp, FieldIssue, SessionUser};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::fields::{Issues, Kind, checkbox, field, select};
use super::list::{ListLinks, sort_header};
use super::records::RecordPages;
use crate::form::Rows;
use crate::i18n::Lang;
use crate::request::Visitor;

fn kind_label(lang: Lang, p: &Party) -> String {
    match (p.is_customer, p.is_supplier) {
        (true, true) => lang.t("party-both"),
        (false, true) => lang.t("party-supplier"),
        _ => lang.t("party-customer"),
    }
}

#[derive(Deserialize, Default)]
pub struct PartyForm {
    csrf: String,
    name: String,
    #[serde(default)]
    rtn: String,
    is_customer: Option<String>,
    is_supplier: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    payment_terms_days: String,
    #[serde(default)]
    credit_limit: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    withholding: String,
    version: Option<i32>,
    /// Filled from the repeated contact_* fields (one per table row).
    #[serde(skip)]
    contacts: Vec<Contact>,
}

impl PartyForm {
    fn of(p: &Party) -> PartyForm {
        PartyForm {
            name: p.name.clone(),
            rtn: p.rtn.clone().unwrap_or_default(),
            is_customer: p.is_customer.then(|| "on".into()),
            is_supplier: p.is_supplier.then(|| "on".into()),
            email: p.email.clone(),
            phone: p.phone.clone(),
            address: p.address.clone(),
            city: p.city.clone(),
            payment_terms_days: p.payment_terms_days.to_string(),
            credit_limit: p.credit_limit.to_string(),
            notes: p.notes.clone(),
            withholding: p.withholding.clone().unwrap_or_default(),
            version: Some(p.version),
            contacts: p.contacts.0.clone(),
            ..PartyForm::default()
        }
    }

    /// The contact rows of the posted form; rows left empty are dropped.
    fn with_rows(mut self, rows: &Rows) -> PartyForm {
        let [names, roles, phones, emails] = [
            "contact_name",
            "contact_role",
            "contact_phone",
            "contact_email",
        ]
        .map(|f| rows.all(f));
        let cell = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        self.contacts = (0..names
            .len()
            .max(emails.len())
            .max(phones.len())
            .max(roles.len()))
            .map(|i| Contact {
                name: cell(&names, i),
                role: cell(&roles, i),
                phone: cell(&phones, i),
                email: cell(&emails, i),
            })
            .filter(|c| {
                [&c.name, &c.role, &c.phone, &c.email]
                    .iter()
                    .any(|t| !t.trim().is_empty())
            })
            .collect();
        self
    }

    /// The domain input, plus the problems of fields that are not even numbers.
    fn input(&self) -> (PartyInput, Issues) {
        let mut issues = Issues::default();
        let days = match self.payment_terms_days.trim() {
            "" => 0,
            t => t.parse().unwrap_or_else(|_| {
                issues.push(FieldIssue::new(
                    "/payment_terms_days",
                    "not_a_number",
                    "not a number",
                ));
                0
            }),
        };
        let credit = match self.credit_limit.trim() {
            "" => Decimal::ZERO,
            t => parse_amount(t).unwrap_or_else(|| {
                issues.push(FieldIssue::new(
                    "/credit_limit",
                    "not_a_number",
                    "not a number",
                ));
                Decimal::ZERO
            }),
        };
        let input = PartyInput {
            name: self.name.clone(),
            rtn: Some(self.rtn.clone()),
            is_customer: self.is_customer.is_some(),
            is_supplier: self.is_supplier.is_some(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            city: self.city.clone(),
            payment_terms_days: days,
            credit_limit: credit,
            notes: self.notes.clone(),
            withholding: Some(self.withholding.clone()),
            contacts: self.contacts.clone(),
            version: self.version,
        };
        (input, issues)
    }
}

/// The contacts table: one row per contact and an empty one to add another
/// (no JavaScript needed: save, and a new empty row appears). Problems are
/// listed under the table with the row they belong to.
fn contacts_view(lang: Lang, issues: &Issues, contacts: &[Contact]) -> impl IntoView + use<> {
    let blank = Contact::default();
    let rows = contacts
        .iter()
        .chain(std::iter::once(&blank))
        .enumerate()
        .map(|(i, c)| {
            let n = (i + 1).to_string();
            let label = |key: &str| format!("{} {n}", lang.t(key));
            view! {
                <tr>
                    <td><input name="contact_name" value=c.name.clone() aria-label=label("field-label-contact-name")/></td>
                    <td><input name="contact_role" value=c.role.clone() aria-label=label("field-label-contact-role")/></td>
                    <td><input name="contact_phone" value=c.phone.clone() aria-label=label("field-label-phone")/></td>
                    <td><input name="contact_email" type="email" value=c.email.clone() aria-label=label("field-label-email")/></td>
                </tr>
            }
        })
        .collect_view();
    let problems = issues
        .0
        .iter()
        .filter_map(|i| {
            let rest = i.pointer.strip_prefix("/contacts/")?;
            let (row, column) = rest.split_once('/').unwrap_or((rest, ""));
            let row = row.parse::<usize>().map(|r| r + 1).unwrap_or(0);
            let text = format!(
                "{} {row}: {} — {}",
                lang.t("party-contact"),
                super::fields::label_text(lang, &format!("contact_{column}")),
                super::fields::issue_text(lang, i.code, &i.message)
            );
            Some(view! { <li>{text}</li> })
        })
        .collect_view();
    view! {
        <fieldset class="contacts">
            <legend>{lang.t("party-contacts")}</legend>
            <table id="contacts">
                <thead><tr>
                    <th>{lang.t("field-label-contact-name")}</th><th>{lang.t("field-label-contact-role")}</th>
                    <th>{lang.t("field-label-phone")}</th><th>{lang.t("field-label-email")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <ul class="field-error">{problems}</ul>
        </fieldset>
    }
}

impl RecordPages for Party {
    const BASE: &'static str = "/parties";
    const NAV: &'static str = "nav-parties";
    const KEY: &'static str = "parties";
    const NEW_ID: &'static str = "new-party";
    const IMPORT: Option<&'static str> = Some("parties");
    type Form = PartyForm;

    fn filters(q: &PartyQuery) -> Vec<(&'static str, Option<String>)> {
        vec![("kind", q.kind.clone())]
    }

    fn filter_controls(lang: Lang, q: &PartyQuery) -> AnyView {
        let kinds = vec![
            (String::new(), lang.t("party-all")),
            ("customer".to_owned(), lang.t("party-customers")),
            ("supplier".to_owned(), lang.t("party-suppliers")),
        ];
        select(
            lang,
            &Issues::default(),
            "kind",
            q.kind.as_deref().unwrap_or(""),
            kinds,
        )
        .into_any()
    }

    fn header(lang: Lang, links: &ListLinks) -> AnyView {
        view! {
            <tr>
                <th>{sort_header(lang, links, "name", "field-label-name")}</th>
                <th>"RTN"</th>
                <th>{lang.t("party-kind")}</th>
                <th>{lang.t("field-label-phone")}</th>
                <th class="num">{lang.t("field-label-credit-limit")}</th>
            </tr>
        }
        .into_any()
    }

    fn row(&self, lang: Lang) -> AnyView {
        let href = format!("/parties/{}", self.id);
        view! {
            <tr>
                <td><a href=href>{self.name.clone()}</a></td>
                <td>{self.rtn.clone().unwrap_or_else(|| lang.t("consumidor-final"))}</td>
                <td>{kind_label(lang, self)}</td>
                <td>{self.phone.clone()}</td>
                <td class="num">{format_lempiras(self.credit_limit)}</td>
            </tr>
        }
        .into_any()
    }

    fn new_form() -> PartyForm {
        PartyForm {
            is_customer: Some("on".into()),
            ..PartyForm::default()
        }
    }

    fn form_of(&self) -> PartyForm {
        PartyForm::of(self)
    }

    fn csrf(form: &PartyForm) -> &str {
        &form.csrf
    }

    fn with_rows(form: PartyForm, rows: &Rows) -> PartyForm {
        form.with_rows(rows)
    }

    fn input(form: &PartyForm) -> (PartyInput, Issues) {
        form.input()
    }

    async fn fields(
        _erp: &Erp,
        _user: &SessionUser,
        lang: Lang,
        f: &PartyForm,
        issues: &Issues,
    ) -> AnyView {
        let kind_error = issues
            .0
            .iter()
            .any(|i| i.pointer == "/is_customer")
            .then(|| super::fields::issue_text(lang, "customer_or_supplier", ""));
        view! {
            {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
            {field(lang, issues, "rtn", f.rtn.clone(), Kind::Number, false)}
            <p class="hint">{lang.t("rtn-hint")}</p>
            <fieldset>
                <legend>{lang.t("party-kind")}</legend>
                {checkbox(lang, "is_customer", f.is_customer.is_some())}
                {checkbox(lang, "is_supplier", f.is_supplier.is_some())}
                {kind_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </fieldset>
            {field(lang, issues, "email", f.email.clone(), Kind::Email, false)}
            {field(lang, issues, "phone", f.phone.clone(), Kind::Text, false)}
            {field(lang, issues, "address", f.address.clone(), Kind::Text, false)}
            {field(lang, issues, "city", f.city.clone(), Kind::Text, false)}
            {field(lang, issues, "payment_terms_days", f.payment_terms_days.clone(), Kind::Number, false)}
            {field(lang, issues, "credit_limit", f.credit_limit.clone(), Kind::Amount, false)}
            {field(lang, issues, "withholding", f.withholding.clone(), Kind::Text, false)}
            <p class="hint">{lang.t("withholding-hint")}</p>
            {field(lang, issues, "notes", f.notes.clone(), Kind::Area, false)}
            {contacts_view(lang, issues, &f.contacts)}
        }
        .into_any()
    }

    fn form_version(form: &PartyForm) -> Option<i32> {
        form.version
    }

    fn title(&self) -> String {
        self.name.clone()
    }

    async fn sections(erp: &Erp, v: &Visitor, user: &SessionUser, party: &Party) -> AnyView {
        super::attachments::section(erp, v, user, erp::attachments::OwnerKind::Party, party.id)
            .await
            .into_any()
    }

    fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
}
