//! The chart of accounts and the ISV tax codes. The chart is one list in
//! code order, indented by level; an account opens in its own form (with
//! delete, refused while anything uses it). Tax codes are edited in place.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::accounting::accounts::{self, Account, AccountInput};
use erp::accounting::taxes::{self, TaxCode, TaxCodeInput};
use erp::roles::{Action, Resource};
use erp::values::parse_amount;
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{
    Issues, Kind, archive_outcome, checkbox, field, refusal, refused_form, select, summary,
};
use super::{PageRole, csrf_field, module_page, role_allows};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

const KINDS: [&str; 5] = ["asset", "liability", "equity", "income", "expense"];

fn kind_choices(lang: Lang) -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| ((*k).to_owned(), lang.t(&format!("account-kind-{k}"))))
        .collect()
}

/// "" (none) and every account, for parent and tax-account selects.
fn account_choices(lang: Lang, chart: &[Account], except: Option<Uuid>) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), lang.t("account-none"))];
    out.extend(
        chart
            .iter()
            .filter(|a| Some(a.id) != except)
            .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name))),
    );
    out
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let (chart, codes) = match tokio::try_join!(
        accounts::list(&erp.db, &user),
        taxes::list(&erp.db, &user)
    ) {
        Ok(x) => x,
        Err(e) if e.kind == ErrorKind::Forbidden => {
            let content = view! { <h1>{lang.t("accounts-title")}</h1><p class="alert">{lang.t("record-forbidden")}</p> };
            return module_page(
                &erp,
                &v,
                &user,
                "nav-accounting",
                lang.t("accounts-title"),
                content,
            )
            .await;
        }
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(&erp, &user).await;
    let can_create = role.can(Resource::Accounts, Action::Create);
    let can_update = role.can(Resource::Accounts, Action::Update);
    let rows = chart
        .iter()
        .map(|a| {
            // The code's length is its level in the Honduran chart (1, 2, 4, 6…).
            let depth = match a.code.len() {
                0..=1 => 0,
                2 => 1,
                3..=4 => 2,
                _ => 3,
            };
            let class = format!("level-{depth}{}", if a.active { "" } else { " inactive" });
            view! {
                <tr class=class>
                    <td><a href=format!("/accounts/{}", a.id)>{a.code.clone()}</a></td>
                    <td>{a.name.clone()}</td>
                    <td>{lang.t(&format!("account-kind-{}", a.kind))}</td>
                    <td>{a.postable.then(|| lang.t("value-yes"))}</td>
                </tr>
            }
        })
        .collect_view();
    let mapping = erp::accounting::mapping::list(&erp.db, &user)
        .await
        .unwrap_or_default();
    let tax_rows = codes
        .iter()
        .map(|t| tax_row(lang, &v.csrf, t, &chart, can_update))
        .collect_view();
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("accounts-title")}</h1>
            {can_create.then(|| view! { <a class="button" href="/accounts/new" id="new-account">{lang.t("accounts-new")}</a> })}
            <a href="/journal" id="journal-link">{lang.t("journal-title")}</a>
        </div>
        <table id="accounts">
            <thead><tr>
                <th>{lang.t("field-label-code")}</th><th>{lang.t("field-label-name")}</th>
                <th>{lang.t("field-label-kind")}</th><th>{lang.t("field-label-postable")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h2 id="taxes">{lang.t("taxes-title")}</h2>
        <table id="tax-codes">
            <thead><tr>
                <th>{lang.t("field-label-tax-class")}</th><th>{lang.t("field-label-name")}</th>
                <th>{lang.t("field-label-rate")}</th><th>{lang.t("field-label-account-id")}</th><th></th>
            </tr></thead>
            <tbody>{tax_rows}</tbody>
        </table>
        {super::ledger_accounts::section(lang, &v.csrf, &mapping, &chart, can_update)}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-accounting",
        lang.t("accounts-title"),
        content,
    )
    .await
}

fn tax_row(
    lang: Lang,
    csrf: &str,
    t: &TaxCode,
    chart: &[Account],
    editable: bool,
) -> impl IntoView + use<> {
    let form_id = format!("tax-{}", t.tax_class);
    let rate = format!(
        "{}",
        (t.rate * rust_decimal::Decimal::from(100)).normalize()
    );
    let current = t.account_id.map(|a| a.to_string()).unwrap_or_default();
    let options = account_choices(lang, chart, None)
        .into_iter()
        .map(|(value, label)| {
            let selected = value == current;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <tr>
            <td>{lang.t(&format!("tax-{}", t.tax_class))}</td>
            <td><input form=form_id.clone() name="name" value=t.name.clone() disabled=!editable aria-label=lang.t("field-label-name")/></td>
            <td><input form=form_id.clone() name="rate" value=rate inputmode="decimal" size="5" disabled=!editable aria-label=lang.t("field-label-rate")/>" %"</td>
            <td><select form=form_id.clone() name="account_id" disabled=!editable aria-label=lang.t("field-label-account-id")>{options}</select></td>
            <td>{editable.then(|| view! {
                <form method="post" action=format!("/tax-codes/{}", t.id) id=form_id.clone() class="inline">
                    {csrf_field(csrf)}
                    <input type="hidden" name="version" value=t.version.to_string()/>
                    <button type="submit" class="link">{lang.t("record-save")}</button>
                </form>
            })}</td>
        </tr>
    }
}

#[derive(Deserialize)]
pub struct TaxForm {
    csrf: String,
    name: String,
    rate: String,
    #[serde(default)]
    account_id: String,
    version: i32,
}

pub async fn save_tax(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<TaxForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    // Typed as a percentage ("15"), stored as a fraction (0.15).
    let Some(percent) = parse_amount(&form.rate) else {
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            super::fields::issue_text(v.lang, "not_a_number", ""),
        )
            .into_response();
    };
    let input = TaxCodeInput {
        name: form.name,
        rate: percent / rust_decimal::Decimal::from(100),
        account_id: form.account_id.parse().ok(),
        version: form.version,
    };
    let result = taxes::update(&erp.db, &user, id, input).await;
    if let Err(e) = &result
        && e.kind == ErrorKind::Validation
    {
        let text = e
            .fields
            .iter()
            .map(|i| super::fields::issue_text(v.lang, i.code, &i.message))
            .collect::<Vec<_>>()
            .join(" ");
        return (axum::http::StatusCode::UNPROCESSABLE_ENTITY, text).into_response();
    }
    archive_outcome(v, result, "/accounts#taxes").await
}

#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    postable: Option<String>,
    active: Option<String>,
    version: Option<i32>,
}

impl AccountForm {
    fn of(a: &Account) -> AccountForm {
        AccountForm {
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind.clone(),
            parent_id: a.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            postable: a.postable.then(|| "on".into()),
            active: a.active.then(|| "on".into()),
            version: Some(a.version),
            ..AccountForm::default()
        }
    }

    fn input(&self) -> AccountInput {
        AccountInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent_id: self.parent_id.parse().ok(),
            postable: self.postable.is_some(),
            active: self.active.is_some(),
            version: self.version,
        }
    }
}

async fn form_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    id: Option<Uuid>,
    f: AccountForm,
    issues: Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let chart = match accounts::list(&erp.db, user).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let action = id.map_or("/accounts".to_owned(), |id| format!("/accounts/{id}"));
    let may_delete =
        id.is_some() && role_allows(erp, user, Resource::Accounts, Action::Archive).await;
    let delete = may_delete.then(|| {
        view! {
            <form method="post" action=format!("{action}/delete") class="secondary">
                {csrf_field(&v.csrf)}
                <input type="hidden" name="version" value=f.version.unwrap_or_default().to_string()/>
                <button type="submit" class="link danger" id="delete-account">{lang.t("accounts-delete")}</button>
            </form>
        }
    });
    let title = lang.t(if id.is_some() {
        "accounts-edit"
    } else {
        "accounts-new"
    });
    let content = view! {
        <h1>{title.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {summary(lang, &issues)}
        <form method="post" action=action.clone() class="record" novalidate>
            {csrf_field(&v.csrf)}
            {f.version.map(|ver| view! { <input type="hidden" name="version" value=ver.to_string()/> })}
            {field(lang, &issues, "code", f.code.clone(), Kind::Number, true)}
            {field(lang, &issues, "name", f.name.clone(), Kind::Text, true)}
            {select(lang, &issues, "kind", &f.kind, kind_choices(lang))}
            {select(lang, &issues, "parent_id", &f.parent_id, account_choices(lang, &chart, id))}
            {checkbox(lang, "postable", f.postable.is_some())}
            {checkbox(lang, "active", f.active.is_some())}
            <div class="actions">
                <button type="submit" id="save">{lang.t("record-save")}</button>
                <a href="/accounts">{lang.t("record-cancel")}</a>
            </div>
        </form>
        {delete}
    };
    module_page(erp, v, user, "nav-accounting", title, content).await
}

pub async fn new(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let f = AccountForm {
        kind: "expense".into(),
        postable: Some("on".into()),
        active: Some("on".into()),
        ..AccountForm::default()
    };
    form_page(&erp, &v, &user, None, f, Issues::default(), None).await
}

pub async fn edit(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let chart = match accounts::list(&erp.db, &user).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    match chart.iter().find(|a| a.id == id) {
        Some(a) => {
            form_page(
                &erp,
                &v,
                &user,
                Some(id),
                AccountForm::of(a),
                Issues::default(),
                None,
            )
            .await
        }
        None => super::not_found(v).await,
    }
}

async fn save(erp: Erp, v: Visitor, id: Option<Uuid>, form: AccountForm) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut issues = Issues::default();
    if !form.parent_id.is_empty() && form.parent_id.parse::<Uuid>().is_err() {
        issues.push(FieldIssue::new(
            "/parent_id",
            "unknown_parent",
            "no such account",
        ));
    }
    let result = if issues.is_empty() {
        match id {
            None => accounts::create(&erp.db, &user, form.input()).await,
            Some(id) => accounts::update(&erp.db, &user, id, form.input()).await,
        }
        .map(Some)
    } else {
        Ok(None)
    };
    let mut banner = None;
    match result {
        Ok(Some(_)) => return Redirect::to("/accounts").into_response(),
        Ok(None) => {}
        Err(e) => match refusal(v.lang, &e, &mut issues) {
            Some(b) => banner = b,
            None if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
            None => return unavailable(e),
        },
    }
    refused_form(form_page(&erp, &v, &user, id, form, issues, banner).await)
}

pub async fn create(State(erp): State<Erp>, v: Visitor, Form(form): Form<AccountForm>) -> Response {
    save(erp, v, None, form).await
}

pub async fn update(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<AccountForm>,
) -> Response {
    save(erp, v, Some(id), form).await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
    version: i32,
}

pub async fn delete(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = accounts::delete(&erp.db, &user, id, form.version).await;
    if let Err(e) = &result
        && e.code == "account_in_use"
    {
        let chart = accounts::list(&erp.db, &user).await.unwrap_or_default();
        if let Some(a) = chart.iter().find(|a| a.id == id) {
            let banner = Some(v.lang.t("accounts-in-use"));
            let page = form_page(
                &erp,
                &v,
                &user,
                Some(id),
                AccountForm::of(a),
                Issues::default(),
                banner,
            );
            return refused_form(page.await);
        }
    }
    archive_outcome(v, result, "/accounts").await
}
