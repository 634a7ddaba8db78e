//! The active company's settings: names, RTN, contact data, currency, the
//! fiscal warning thresholds and whether two-step verification is required.
//! Who may not change them sees them without the save button.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use erp::companies::settings::{self, CompanySettings, CompanySettingsInput};
use erp::roles::{Action, Resource};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, Kind, checkbox, field, refusal, refused_form, select, summary};
use super::{csrf_field, module_page, role_allows};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

#[derive(Deserialize, Default)]
pub struct CompanyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    rtn: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mail_sender: String,
    require_totp: Option<String>,
    #[serde(default)]
    fiscal_warn_remaining: String,
    #[serde(default)]
    fiscal_warn_days: String,
    #[serde(default)]
    version: i32,
}

impl CompanyForm {
    fn of(c: &CompanySettings) -> CompanyForm {
        CompanyForm {
            name: c.name.clone(),
            legal_name: c.legal_name.clone(),
            rtn: c.rtn.clone().unwrap_or_default(),
            currency: c.currency.clone(),
            address: c.address.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            mail_sender: c.mail_sender.clone(),
            require_totp: c.require_totp.then(|| "on".into()),
            fiscal_warn_remaining: c.fiscal_warn_remaining.to_string(),
            fiscal_warn_days: c.fiscal_warn_days.to_string(),
            version: c.version,
            ..CompanyForm::default()
        }
    }

    fn input(&self) -> (CompanySettingsInput, Issues) {
        let mut issues = Issues::default();
        let mut number = |name: &str, text: &str| {
            text.trim().parse::<i32>().unwrap_or_else(|_| {
                issues.push(FieldIssue::new(name, "not_a_number", "not a number"));
                0
            })
        };
        let remaining = number("/fiscal_warn_remaining", &self.fiscal_warn_remaining);
        let days = number("/fiscal_warn_days", &self.fiscal_warn_days);
        let input = CompanySettingsInput {
            name: self.name.clone(),
            legal_name: self.legal_name.clone(),
            rtn: Some(self.rtn.clone()),
            currency: self.currency.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            mail_sender: self.mail_sender.clone(),
            require_totp: self.require_totp.is_some(),
            fiscal_warn_remaining: remaining,
            fiscal_warn_days: days,
            version: self.version,
        };
        (input, issues)
    }
}

fn form_view(
    lang: Lang,
    csrf: &str,
    f: &CompanyForm,
    issues: &Issues,
    editable: bool,
) -> impl IntoView + use<> {
    let currencies = vec![
        ("HNL".to_owned(), "Lempira (HNL)".to_owned()),
        ("USD".to_owned(), "Dólar (USD)".to_owned()),
    ];
    view! {
        {summary(lang, issues)}
        <form method="post" action="/company/settings" class="record" novalidate>
            {csrf_field(csrf)}
            <input type="hidden" name="version" value=f.version.to_string()/>
            <fieldset disabled=!editable>
                {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
                {field(lang, issues, "legal_name", f.legal_name.clone(), Kind::Text, true)}
                {field(lang, issues, "rtn", f.rtn.clone(), Kind::Number, false)}
                {field(lang, issues, "address", f.address.clone(), Kind::Text, false)}
                {field(lang, issues, "phone", f.phone.clone(), Kind::Text, false)}
                {field(lang, issues, "email", f.email.clone(), Kind::Email, false)}
                {field(lang, issues, "mail_sender", f.mail_sender.clone(), Kind::Email, false)}
                {select(lang, issues, "currency", &f.currency, currencies)}
                {field(lang, issues, "fiscal_warn_remaining", f.fiscal_warn_remaining.clone(), Kind::Number, true)}
                {field(lang, issues, "fiscal_warn_days", f.fiscal_warn_days.clone(), Kind::Number, true)}
                {checkbox(lang, "require_totp", f.require_totp.is_some())}
            </fieldset>
            {editable.then(|| view! {
                <div class="actions"><button type="submit" id="save">{lang.t("record-save")}</button></div>
            })}
        </form>
    }
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let company = match settings::get(&erp.db, &user).await {
        Ok(c) => c,
        Err(e) if e.kind == ErrorKind::Forbidden => {
            return (
                axum::http::StatusCode::FORBIDDEN,
                v.lang.t("record-forbidden"),
            )
                .into_response();
        }
        Err(e) => return unavailable(e),
    };
    render(
        &erp,
        &v,
        &user,
        CompanyForm::of(&company),
        Issues::default(),
        None,
    )
    .await
}

async fn render(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    form: CompanyForm,
    issues: Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let editable = role_allows(erp, user, Resource::Company, Action::Update).await;
    let content = view! {
        <h1>{lang.t("company-title")}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {form_view(lang, &v.csrf, &form, &issues, editable)}
    };
    module_page(
        erp,
        v,
        user,
        "nav-company",
        lang.t("company-title"),
        content,
    )
    .await
}

pub async fn save(State(erp): State<Erp>, v: Visitor, Form(form): Form<CompanyForm>) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (input, mut issues) = form.input();
    if issues.is_empty() {
        match settings::update(&erp.db, &user, input).await {
            Ok(_) => return Redirect::to("/company/settings").into_response(),
            Err(e) => match refusal(v.lang, &e, &mut issues) {
                Some(banner) => {
                    return refused_form(render(&erp, &v, &user, form, issues, banner).await);
                }
                None => return unavailable(e),
            },
        }
    }
    refused_form(render(&erp, &v, &user, form, issues, None).await)
}
