//! Customers and suppliers: the list (search, filter, sort, pages) and the
//! create/edit form. Plain HTML forms: everything works without JavaScript.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::parties::{Contact, Party, PartyInput, PartyQuery};
use erp::roles::{Action, Resource};
use erp::values::{format_lempiras, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{
    Issues, Kind, archive_form, archive_outcome, checkbox, field, refusal, select, summary,
};
use super::list::{ListLinks, sort_header};
use super::{csrf_field, module_page};
use crate::form::{Form, FormRows, Rows};
use crate::i18n::Lang;
use crate::request::{Visitor, unavailable};

fn kind_label(lang: Lang, p: &Party) -> String {
    match (p.is_customer, p.is_supplier) {
        (true, true) => lang.t("party-both"),
        (false, true) => lang.t("party-supplier"),
        _ => lang.t("party-customer"),
    }
}

pub async fn list(State(erp): State<Erp>, v: Visitor, Query(q): Query<PartyQuery>) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let page = match erp::parties::list(&erp.db, &user, q.clone()).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::Validation => {
            return Redirect::to("/parties").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let can_create = super::role_allows(&erp, &user, Resource::Parties, Action::Create).await;
    let links = ListLinks::new(
        "/parties",
        &[
            ("q", q.q.clone()),
            ("kind", q.kind.clone()),
            ("status", q.status.clone()),
        ],
        q.sort.clone(),
    );
    let rows = page
        .items
        .iter()
        .map(|p| {
            let href = format!("/parties/{}", p.id);
            view! {
                <tr>
                    <td><a href=href>{p.name.clone()}</a></td>
                    <td>{p.rtn.clone().unwrap_or_else(|| lang.t("consumidor-final"))}</td>
                    <td>{kind_label(lang, p)}</td>
                    <td>{p.phone.clone()}</td>
                    <td class="num">{format_lempiras(p.credit_limit)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if page.items.is_empty() {
        view! { <p class="empty">{lang.t(if q.q.is_some() { "list-no-match" } else { "parties-empty" })}</p> }.into_any()
    } else {
        view! {
            <table id="parties">
                <thead><tr>
                    <th>{sort_header(lang, &links, "name", "field-label-name")}</th>
                    <th>"RTN"</th>
                    <th>{lang.t("party-kind")}</th>
                    <th>{lang.t("field-label-phone")}</th>
                    <th class="num">{lang.t("field-label-credit-limit")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let kinds = vec![
        (String::new(), lang.t("party-all")),
        ("customer".to_owned(), lang.t("party-customers")),
        ("supplier".to_owned(), lang.t("party-suppliers")),
    ];
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("parties-title")}</h1>
            {can_create.then(|| view! { <a class="button" href="/parties/new" id="new-party">{lang.t("parties-new")}</a> })}
            {links.transfer_links(lang, can_create.then_some("parties"))}
        </div>
        <form method="get" action="/parties" class="filters" role="search">
            <input type="search" name="q" value=q.q.clone().unwrap_or_default() placeholder=lang.t("parties-search") aria-label=lang.t("parties-search")/>
            {select(lang, &Issues::default(), "kind", q.kind.as_deref().unwrap_or(""), kinds)}
            <button type="submit">{lang.t("list-filter")}</button>
        </form>
        {table}
        {links.pager(lang, page.next_cursor.as_deref(), q.cursor.is_some())}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-parties",
        lang.t("parties-title"),
        content,
    )
    .await
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

fn form_view(
    lang: Lang,
    csrf: &str,
    action: String,
    f: &PartyForm,
    issues: &Issues,
    archived: bool,
) -> impl IntoView + use<> {
    let kind_error = issues
        .0
        .iter()
        .any(|i| i.pointer == "/is_customer")
        .then(|| lang.t("field-customer-or-supplier"));
    view! {
        {summary(lang, issues)}
        <form method="post" action=action class="record" novalidate>
            {csrf_field(csrf)}
            {f.version.map(|v| view! { <input type="hidden" name="version" value=v.to_string()/> })}
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
            {field(lang, issues, "notes", f.notes.clone(), Kind::Area, false)}
            {contacts_view(lang, issues, &f.contacts)}
            {archived.then(|| view! { <p class="alert">{lang.t("record-archived")}</p> })}
            <div class="actions">
                <button type="submit" id="save">{lang.t("record-save")}</button>
                <a href="/parties">{lang.t("record-cancel")}</a>
            </div>
        </form>
    }
}

pub async fn new(State(erp): State<Erp>, v: Visitor) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let f = PartyForm {
        is_customer: Some("on".into()),
        ..PartyForm::default()
    };
    let content = view! { <h1>{v.lang.t("parties-new")}</h1> {form_view(v.lang, &v.csrf, "/parties".into(), &f, &Issues::default(), false)} };
    module_page(
        &erp,
        &v,
        &user,
        "nav-parties",
        v.lang.t("parties-new"),
        content,
    )
    .await
}

pub async fn edit(State(erp): State<Erp>, v: Visitor, Path(id): Path<Uuid>) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let party = match erp::parties::get(&erp.db, &user, id).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let may_archive = super::role_allows(&erp, &user, Resource::Parties, Action::Archive).await;
    let archive = (party.archived_at.is_none() && may_archive).then(|| {
        archive_form(
            lang,
            &v.csrf,
            format!("/parties/{id}/archive"),
            party.version,
        )
    });
    let attachments =
        super::attachments::section(&erp, &v, &user, erp::attachments::OwnerKind::Party, id).await;
    let content = view! {
        <h1>{party.name.clone()}</h1>
        {form_view(lang, &v.csrf, format!("/parties/{id}"), &PartyForm::of(&party), &Issues::default(), party.archived_at.is_some())}
        {attachments}
        {archive}
    };
    module_page(&erp, &v, &user, "nav-parties", party.name.clone(), content).await
}

/// Create (no id) or update; on a refused save the form comes back with the
/// values typed and each problem beside its field.
async fn save(erp: Erp, v: Visitor, id: Option<Uuid>, form: PartyForm) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (input, mut issues) = form.input();
    // A number the form could not even read: nothing is saved (the domain
    // would store zero in its place); its checks still run, so every problem
    // shows at once.
    let result = if !issues.is_empty() {
        input.validate().map(|_| None)
    } else {
        match id {
            None => erp::parties::create(&erp.db, &user, input).await,
            Some(id) => erp::parties::update(&erp.db, &user, id, input).await,
        }
        .map(|p| Some(p.id))
    };
    let lang = v.lang;
    let e = match result {
        Ok(Some(saved)) => {
            return Redirect::to(&format!("/parties/{saved}?saved=1")).into_response();
        }
        Ok(None) => None,
        Err(e) => Some(e),
    };
    let mut banner = None;
    if let Some(e) = e {
        match refusal(lang, &e, &mut issues) {
            Some(b) => banner = b,
            None if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
            None => return unavailable(e),
        }
    }
    let action = id.map_or("/parties".to_owned(), |id| format!("/parties/{id}"));
    let title = lang.t(if id.is_some() {
        "parties-edit"
    } else {
        "parties-new"
    });
    let content = view! {
        <h1>{title.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {form_view(lang, &v.csrf, action, &form, &issues, false)}
    };
    super::fields::refused_form(module_page(&erp, &v, &user, "nav-parties", title, content).await)
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(form, rows): FormRows<PartyForm>,
) -> Response {
    save(erp, v, None, form.with_rows(&rows)).await
}

pub async fn update(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    FormRows(form, rows): FormRows<PartyForm>,
) -> Response {
    save(erp, v, Some(id), form.with_rows(&rows)).await
}

#[derive(Deserialize)]
pub struct VersionForm {
    pub csrf: String,
    pub version: i32,
}

pub async fn archive(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<VersionForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = erp::parties::set_archived(&erp.db, &user, id, form.version, true).await;
    archive_outcome(v, result, "/parties").await
}
