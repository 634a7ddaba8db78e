//! Products: what their pages show (list columns and filters, the form),
//! and on a tracked product the serial numbers (VINs) with a form to add
//! one. The list, form and archive are the record pages (`records.rs`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::catalog::products::{Product, ProductInput, ProductQuery};
use erp::catalog::serials::SerialInput;
use erp::records::crud;
use erp::values::{TaxClass, format_lempiras, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue, SessionUser};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::csrf_field;
use super::fields::{Issues, Kind, checkbox, field, refusal, select};
use super::list::{ListLinks, sort_header};
use super::records::RecordPages;
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

async fn category_choices(erp: &Erp, user: &erp::SessionUser) -> Vec<(String, String)> {
    erp::catalog::categories::list(&erp.db, user)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.archived_at.is_none())
        .map(|c| (c.id.to_string(), c.name))
        .collect()
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
    let error = issues
        .0
        .first()
        .map(|i| super::fields::issue_text(lang, &i.code, &i.message));
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
    let product = match crud::get::<Product>(&erp.db, &user, id).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let below = sections(&erp, &v, &user, &product, &issues, &form.serial).await;
    super::fields::refused_form(super::records::show(&erp, &v, &user, product, below).await)
}

/// Under a product's form: its serial numbers (when tracked, with the form
/// that adds one) and its attachments.
async fn sections(
    erp: &Erp,
    v: &Visitor,
    user: &SessionUser,
    product: &Product,
    serial_issues: &Issues,
    typed: &str,
) -> AnyView {
    let tracked = if product.tracking == "serial" {
        let serials = erp::catalog::serials::list(&erp.db, user, product.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.serial)
            .collect();
        Some(serials_view(v.lang, &v.csrf, product, serials, serial_issues, typed).into_any())
    } else {
        None
    };
    let attachments = super::attachments::section(
        erp,
        v,
        user,
        erp::attachments::OwnerKind::Product,
        product.id,
    )
    .await
    .into_any();
    view! { {tracked} {attachments} }.into_any()
}

impl RecordPages for Product {
    const BASE: &'static str = "/products";
    const NAV: &'static str = "nav-products";
    const KEY: &'static str = "products";
    const NEW_ID: &'static str = "new-product";
    const IMPORT: Option<&'static str> = Some("products");
    type Form = ProductForm;

    fn filters(q: &ProductQuery) -> Vec<(&'static str, Option<String>)> {
        vec![("tax_class", q.tax_class.clone())]
    }

    fn filter_controls(lang: Lang, q: &ProductQuery) -> AnyView {
        let class = q.tax_class.as_deref().unwrap_or("");
        select(
            lang,
            &Issues::default(),
            "tax_class",
            class,
            tax_choices(lang, true),
        )
        .into_any()
    }

    fn head_links(lang: Lang) -> AnyView {
        view! { <a href="/categories" id="categories-link">{lang.t("products-categories")}</a> }
            .into_any()
    }

    fn header(lang: Lang, links: &ListLinks) -> AnyView {
        view! {
            <tr>
                <th>{sort_header(lang, links, "sku", "field-label-sku")}</th>
                <th>{sort_header(lang, links, "name", "field-label-name")}</th>
                <th>{lang.t("field-label-tax-class")}</th>
                <th class="num">{lang.t("field-label-sale-price")}</th>
            </tr>
        }
        .into_any()
    }

    fn row(&self, lang: Lang) -> AnyView {
        let vehicle = self
            .is_vehicle
            .then(|| view! { <span class="tag">{lang.t("product-vehicle")}</span> });
        view! {
            <tr>
                <td>{self.sku.clone()}</td>
                <td><a href=format!("/products/{}", self.id)>{self.name.clone()}</a>{vehicle}</td>
                <td>{lang.t(&format!("tax-{}", self.tax_class))}</td>
                <td class="num">{format_lempiras(self.sale_price)}</td>
            </tr>
        }
        .into_any()
    }

    fn new_form() -> ProductForm {
        ProductForm {
            active: Some("on".into()),
            ..ProductForm::default()
        }
    }

    fn form_of(&self) -> ProductForm {
        ProductForm::of(self)
    }

    fn csrf(form: &ProductForm) -> &str {
        &form.csrf
    }

    fn input(form: &ProductForm) -> (ProductInput, Issues) {
        form.input()
    }

    async fn fields(
        erp: &Erp,
        user: &SessionUser,
        lang: Lang,
        f: &ProductForm,
        issues: &Issues,
    ) -> AnyView {
        let mut categories = vec![(String::new(), lang.t("category-none"))];
        categories.extend(category_choices(erp, user).await);
        let unit = if f.unit.is_empty() {
            "unidad".to_owned()
        } else {
            f.unit.clone()
        };
        let class = if f.tax_class.is_empty() {
            "isv15"
        } else {
            &f.tax_class
        };
        let needs_serial =
            issues.0.iter().find(|i| i.pointer == "/tracking").map(
                |_| view! { <p class="field-error">{super::fields::issue_text(lang, "vehicle_needs_serial", "")}</p> },
            );
        view! {
            {field(lang, issues, "sku", f.sku.clone(), Kind::Text, true)}
            {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
            {select(lang, issues, "category_id", &f.category_id, categories)}
            {field(lang, issues, "unit", unit, Kind::Text, false)}
            {field(lang, issues, "sale_price", f.sale_price.clone(), Kind::Amount, true)}
            {field(lang, issues, "cost", f.cost.clone(), Kind::Amount, false)}
            {select(lang, issues, "tax_class", class, tax_choices(lang, false))}
            {checkbox(lang, "is_vehicle", f.is_vehicle.is_some())}
            {checkbox(lang, "serial_tracked", f.serial_tracked.is_some() || f.is_vehicle.is_some())}
            {needs_serial}
            {checkbox(lang, "active", f.active.is_some())}
            {field(lang, issues, "description", f.description.clone(), Kind::Area, false)}
        }
        .into_any()
    }

    fn form_version(form: &ProductForm) -> Option<i32> {
        form.version
    }

    fn title(&self) -> String {
        self.name.clone()
    }

    async fn sections(erp: &Erp, v: &Visitor, user: &SessionUser, product: &Product) -> AnyView {
        sections(erp, v, user, product, &Issues::default(), "").await
    }

    fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
}
