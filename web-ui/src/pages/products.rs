//! Products: the list (search, filters, sort, pages), the create/edit form,
//! and on a tracked product the serial numbers (VINs) with a form to add one.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::catalog::products::{Product, ProductInput, ProductQuery};
use erp::catalog::serials::SerialInput;
use erp::roles::{Action, Resource};
use erp::values::{TaxClass, format_lempiras, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{
    Issues, Kind, archive_form, archive_outcome, checkbox, field, refusal, select, summary,
};
use super::list::{ListLinks, sort_header};
use super::parties::VersionForm;
use super::{csrf_field, module_page, role_allows};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{Visitor, unavailable};

fn tax_choices(lang: Lang, with_all: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = with_all
        .then(|| (String::new(), lang.t("tax-all")))
        .into_iter()
        .collect();
    v.extend(TaxClass::ALL.map(|t| {
        (
            t.as_str().to_owned(),
            lang.t(&format!("tax-{}", t.as_str())),
        )
    }));
    v
}

pub async fn list(State(erp): State<Erp>, v: Visitor, Query(q): Query<ProductQuery>) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let page = match erp::catalog::products::list(&erp.db, &user, q.clone()).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::Validation => {
            return Redirect::to("/products").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let can_create = role_allows(&erp, &user, Resource::Catalog, Action::Create).await;
    let links = ListLinks::new(
        "/products",
        &[
            ("q", q.q.clone()),
            ("tax_class", q.tax_class.clone()),
            ("status", q.status.clone()),
        ],
        q.sort.clone(),
    );
    let rows = page
        .items
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <td>{p.sku.clone()}</td>
                    <td><a href=format!("/products/{}", p.id)>{p.name.clone()}</a>{p.is_vehicle.then(|| view! { <span class="tag">{lang.t("product-vehicle")}</span> })}</td>
                    <td>{lang.t(&format!("tax-{}", p.tax_class))}</td>
                    <td class="num">{format_lempiras(p.sale_price)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if page.items.is_empty() {
        view! { <p class="empty">{lang.t(if q.q.is_some() { "list-no-match" } else { "products-empty" })}</p> }.into_any()
    } else {
        view! {
            <table id="products">
                <thead><tr>
                    <th>{sort_header(lang, &links, "sku", "field-label-sku")}</th>
                    <th>{sort_header(lang, &links, "name", "field-label-name")}</th>
                    <th>{lang.t("field-label-tax-class")}</th>
                    <th class="num">{lang.t("field-label-sale-price")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("products-title")}</h1>
            {can_create.then(|| view! { <a class="button" href="/products/new" id="new-product">{lang.t("products-new")}</a> })}
            {links.transfer_links(lang, can_create.then_some("products"))}
            <a href="/categories" id="categories-link">{lang.t("products-categories")}</a>
        </div>
        <form method="get" action="/products" class="filters" role="search">
            <input type="search" name="q" value=q.q.clone().unwrap_or_default() placeholder=lang.t("products-search") aria-label=lang.t("products-search")/>
            {select(lang, &Issues::default(), "tax_class", q.tax_class.as_deref().unwrap_or(""), tax_choices(lang, true))}
            <button type="submit">{lang.t("list-filter")}</button>
        </form>
        {table}
        {links.pager(lang, page.next_cursor.as_deref(), q.cursor.is_some())}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-products",
        lang.t("products-title"),
        content,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ProductForm {
    csrf: String,
    sku: String,
    name: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    sale_price: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    tax_class: String,
    is_vehicle: Option<String>,
    serial_tracked: Option<String>,
    active: Option<String>,
    #[serde(default)]
    description: String,
    version: Option<i32>,
}

impl ProductForm {
    fn of(p: &Product) -> ProductForm {
        ProductForm {
            sku: p.sku.clone(),
            name: p.name.clone(),
            category_id: p.category_id.map(|c| c.to_string()).unwrap_or_default(),
            unit: p.unit.clone(),
            sale_price: p.sale_price.to_string(),
            cost: p.cost.normalize().to_string(),
            tax_class: p.tax_class.clone(),
            is_vehicle: p.is_vehicle.then(|| "on".into()),
            serial_tracked: (p.tracking == "serial").then(|| "on".into()),
            active: p.active.then(|| "on".into()),
            description: p.description.clone(),
            version: Some(p.version),
            ..ProductForm::default()
        }
    }

    fn input(&self) -> (ProductInput, Issues) {
        let mut issues = Issues::default();
        let mut amount = |name: &str, text: &str| match text.trim() {
            "" => Decimal::ZERO,
            t => parse_amount(t).unwrap_or_else(|| {
                issues.push(FieldIssue::new(name, "not_a_number", "not a number"));
                Decimal::ZERO
            }),
        };
        let sale_price = amount("/sale_price", &self.sale_price);
        let cost = amount("/cost", &self.cost);
        let input = ProductInput {
            sku: self.sku.clone(),
            name: self.name.clone(),
            category_id: self.category_id.parse().ok(),
            unit: Some(self.unit.clone()).filter(|u| !u.trim().is_empty()),
            sale_price,
            cost,
            tax_class: Some(self.tax_class.clone()),
            tracking: Some(
                if self.serial_tracked.is_some() {
                    "serial"
                } else {
                    "none"
                }
                .to_owned(),
            )
            .filter(|_| self.is_vehicle.is_none()),
            is_vehicle: self.is_vehicle.is_some(),
            active: self.active.is_some(),
            description: self.description.clone(),
            version: self.version,
        };
        (input, issues)
    }
}

fn form_view(
    lang: Lang,
    csrf: &str,
    action: String,
    f: &ProductForm,
    issues: &Issues,
    categories: Vec<(String, String)>,
) -> impl IntoView + use<> {
    let mut category_choices = vec![(String::new(), lang.t("category-none"))];
    category_choices.extend(categories);
    view! {
        {summary(lang, issues)}
        <form method="post" action=action class="record" novalidate>
            {csrf_field(csrf)}
            {f.version.map(|v| view! { <input type="hidden" name="version" value=v.to_string()/> })}
            {field(lang, issues, "sku", f.sku.clone(), Kind::Text, true)}
            {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
            {select(lang, issues, "category_id", &f.category_id, category_choices)}
            {field(lang, issues, "unit", if f.unit.is_empty() { "unidad".to_owned() } else { f.unit.clone() }, Kind::Text, false)}
            {field(lang, issues, "sale_price", f.sale_price.clone(), Kind::Amount, true)}
            {field(lang, issues, "cost", f.cost.clone(), Kind::Amount, false)}
            {select(lang, issues, "tax_class", if f.tax_class.is_empty() { "isv15" } else { &f.tax_class }, tax_choices(lang, false))}
            {checkbox(lang, "is_vehicle", f.is_vehicle.is_some())}
            {checkbox(lang, "serial_tracked", f.serial_tracked.is_some() || f.is_vehicle.is_some())}
            {issues.0.iter().find(|i| i.pointer == "/tracking").map(|_| view! { <p class="field-error">{lang.t("field-vehicle-needs-serial")}</p> })}
            {checkbox(lang, "active", f.active.is_some())}
            {field(lang, issues, "description", f.description.clone(), Kind::Area, false)}
            <div class="actions">
                <button type="submit" id="save">{lang.t("record-save")}</button>
                <a href="/products">{lang.t("record-cancel")}</a>
            </div>
        </form>
    }
}

async fn category_choices(erp: &Erp, user: &erp::SessionUser) -> Vec<(String, String)> {
    erp::catalog::categories::list(&erp.db, user)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.archived_at.is_none())
        .map(|c| (c.id.to_string(), c.name))
        .collect()
}

pub async fn new(State(erp): State<Erp>, v: Visitor) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let f = ProductForm {
        active: Some("on".into()),
        ..ProductForm::default()
    };
    let categories = category_choices(&erp, &user).await;
    let content = view! { <h1>{v.lang.t("products-new")}</h1> {form_view(v.lang, &v.csrf, "/products".into(), &f, &Issues::default(), categories)} };
    module_page(
        &erp,
        &v,
        &user,
        "nav-products",
        v.lang.t("products-new"),
        content,
    )
    .await
}

/// The serial numbers of a tracked product and the form that adds one.
fn serials_view(
    lang: Lang,
    csrf: &str,
    p: &Product,
    serials: Vec<String>,
    issues: &Issues,
    typed: &str,
) -> impl IntoView + use<> {
    let items = serials
        .into_iter()
        .map(|s| view! { <li><code>{s}</code></li> })
        .collect_view();
    let label = lang.t(if p.is_vehicle {
        "serial-vin"
    } else {
        "serial-number"
    });
    let error = issues.0.first().map(|i| {
        let key = format!("field-{}", i.code.replace('_', "-"));
        let text = lang.t(&key);
        if text == key { i.message.clone() } else { text }
    });
    view! {
        <section class="serials" id="serials">
            <h2>{lang.t("serials-title")}</h2>
            <ul>{items}</ul>
            <form method="post" action=format!("/products/{}/serials", p.id) class="inline">
                {csrf_field(csrf)}
                <label for="f-serial">{label}</label>
                <input id="f-serial" name="serial" value=typed.to_owned() aria-invalid=error.is_some().then_some("true") autocomplete="off"/>
                <button type="submit" id="add-serial">{lang.t("serials-add")}</button>
                {error.map(|e| view! { <p class="field-error">{e}</p> })}
            </form>
        </section>
    }
}

async fn show(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    id: Uuid,
    serial_issues: Issues,
    typed: &str,
) -> Response {
    let lang = v.lang;
    let product = match erp::catalog::products::get(&erp.db, user, id).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::NotFound => {
            return super::not_found(Visitor {
                session: v.session.clone(),
                lang,
                csrf: v.csrf.clone(),
                user: v.user.clone(),
                must_enrol: v.must_enrol,
            })
            .await;
        }
        Err(e) => return unavailable(e),
    };
    let serials = if product.tracking == "serial" {
        erp::catalog::serials::list(&erp.db, user, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.serial)
            .collect()
    } else {
        vec![]
    };
    let categories = category_choices(erp, user).await;
    let may_archive = role_allows(erp, user, Resource::Catalog, Action::Archive).await;
    let archive = (product.archived_at.is_none() && may_archive).then(|| {
        archive_form(
            lang,
            &v.csrf,
            format!("/products/{id}/archive"),
            product.version,
        )
    });
    let tracked = (product.tracking == "serial")
        .then(|| serials_view(lang, &v.csrf, &product, serials, &serial_issues, typed));
    let attachments =
        super::attachments::section(erp, v, user, erp::attachments::OwnerKind::Product, id).await;
    let content = view! {
        <h1>{product.name.clone()}</h1>
        {product.archived_at.is_some().then(|| view! { <p class="alert">{lang.t("record-archived")}</p> })}
        {form_view(lang, &v.csrf, format!("/products/{id}"), &ProductForm::of(&product), &Issues::default(), categories)}
        {tracked}
        {attachments}
        {archive}
    };
    let title = product.name.clone();
    let page = module_page(erp, v, user, "nav-products", title, content).await;
    if serial_issues.is_empty() {
        page
    } else {
        super::fields::refused_form(page)
    }
}

pub async fn edit(State(erp): State<Erp>, v: Visitor, Path(id): Path<Uuid>) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    show(&erp, &v, &user, id, Issues::default(), "").await
}

async fn save(erp: Erp, v: Visitor, id: Option<Uuid>, form: ProductForm) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let lang = v.lang;
    let (input, mut issues) = form.input();
    // A number the form could not even read: nothing is saved (the domain
    // would store zero in its place); its checks still run, so every problem
    // shows at once.
    let result = if !issues.is_empty() {
        input.validate().map(|_| None)
    } else {
        match id {
            None => erp::catalog::products::create(&erp.db, &user, input).await,
            Some(id) => erp::catalog::products::update(&erp.db, &user, id, input).await,
        }
        .map(|p| Some(p.id))
    };
    let mut banner = None;
    match result {
        Ok(Some(saved)) => return Redirect::to(&format!("/products/{saved}")).into_response(),
        Ok(None) => {}
        Err(e) => match refusal(lang, &e, &mut issues) {
            Some(b) => banner = b,
            None if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
            None => return unavailable(e),
        },
    }
    let action = id.map_or("/products".to_owned(), |id| format!("/products/{id}"));
    let title = lang.t(if id.is_some() {
        "products-edit"
    } else {
        "products-new"
    });
    let categories = category_choices(&erp, &user).await;
    let content = view! {
        <h1>{title.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {form_view(lang, &v.csrf, action, &form, &issues, categories)}
    };
    super::fields::refused_form(module_page(&erp, &v, &user, "nav-products", title, content).await)
}

pub async fn create(State(erp): State<Erp>, v: Visitor, Form(form): Form<ProductForm>) -> Response {
    save(erp, v, None, form).await
}

pub async fn update(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<ProductForm>,
) -> Response {
    save(erp, v, Some(id), form).await
}

#[derive(Deserialize)]
pub struct SerialForm {
    csrf: String,
    serial: String,
}

pub async fn add_serial(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<SerialForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut issues = Issues::default();
    match erp::catalog::serials::add(
        &erp.db,
        &user,
        id,
        SerialInput {
            serial: form.serial.clone(),
        },
    )
    .await
    {
        Ok(_) => return Redirect::to(&format!("/products/{id}#serials")).into_response(),
        Err(e) => match refusal(v.lang, &e, &mut issues) {
            Some(Some(banner)) => issues.push(FieldIssue::new("/serial", "refused", banner)),
            Some(None) => {}
            None => return unavailable(e),
        },
    }
    show(&erp, &v, &user, id, issues, &form.serial).await
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
    let result = erp::catalog::products::set_archived(&erp.db, &user, id, form.version, true).await;
    archive_outcome(v, result, "/products").await
}
