//! Product categories: one page with the list (rename, archive, restore in
//! place) and a form to add one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::catalog::categories::{self, Category, CategoryInput};
use erp::roles::{Action, Resource};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, Kind, archive_outcome, field, refusal, refused_form, summary};
use super::{PageRole, csrf_field, module_page};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

fn row(
    lang: Lang,
    csrf: &str,
    c: &Category,
    can_update: bool,
    can_archive: bool,
) -> impl IntoView + use<> {
    let action = format!("/categories/{}", c.id);
    let archived = c.archived_at.is_some();
    let name_cell = if can_update && !archived {
        view! {
            <form method="post" action=action.clone() class="inline">
                {csrf_field(csrf)}
                <input type="hidden" name="version" value=c.version.to_string()/>
                <input type="text" name="name" value=c.name.clone() aria-label=lang.t("field-label-name") required/>
                <button type="submit" class="link">{lang.t("record-save")}</button>
            </form>
        }
        .into_any()
    } else {
        view! { <span>{c.name.clone()}</span> }.into_any()
    };
    let toggle = can_archive.then(|| {
        let (label, value) = if archived {
            ("record-restore", "false")
        } else {
            ("record-archive", "true")
        };
        view! {
            <form method="post" action=action class="inline">
                {csrf_field(csrf)}
                <input type="hidden" name="version" value=c.version.to_string()/>
                <input type="hidden" name="name" value=c.name.clone()/>
                <input type="hidden" name="archived" value=value/>
                <button type="submit" class="link">{lang.t(label)}</button>
            </form>
        }
    });
    let class = if archived { "inactive" } else { "" };
    view! {
        <tr class=class>
            <td>{name_cell}</td>
            <td>{archived.then(|| lang.t("record-archived-short"))}</td>
            <td>{toggle}</td>
        </tr>
    }
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    render(&erp, &v, &user, String::new(), Issues::default(), None).await
}

async fn render(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    typed: String,
    issues: Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let list = match categories::list(&erp.db, user).await {
        Ok(l) => l,
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let can_create = role.can(Resource::Catalog, Action::Create);
    let can_update = role.can(Resource::Catalog, Action::Update);
    let can_archive = role.can(Resource::Catalog, Action::Archive);
    let table = if list.is_empty() {
        view! { <p class="empty">{lang.t("categories-empty")}</p> }.into_any()
    } else {
        let rows = list
            .iter()
            .map(|c| row(lang, &v.csrf, c, can_update, can_archive))
            .collect_view();
        view! { <table id="categories"><tbody>{rows}</tbody></table> }.into_any()
    };
    let add = can_create.then(|| {
        view! {
            <h2>{lang.t("categories-add")}</h2>
            {summary(lang, &issues)}
            <form method="post" action="/categories" class="record" novalidate>
                {csrf_field(&v.csrf)}
                {field(lang, &issues, "name", typed, Kind::Text, true)}
                <button type="submit" id="add-category">{lang.t("categories-add-button")}</button>
            </form>
        }
    });
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("categories-title")}</h1>
            <a href="/products">{lang.t("nav-products")}</a>
        </div>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {table}
        {add}
    };
    module_page(
        erp,
        v,
        user,
        "nav-products",
        lang.t("categories-title"),
        content,
    )
    .await
}

#[derive(Deserialize)]
pub struct CategoryForm {
    csrf: String,
    #[serde(default)]
    name: String,
    version: Option<i32>,
    archived: Option<bool>,
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    Form(form): Form<CategoryForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = CategoryInput {
        name: form.name.clone(),
        version: None,
        archived: None,
    };
    match categories::create(&erp.db, &user, input).await {
        Ok(_) => Redirect::to("/categories").into_response(),
        Err(e) => {
            let mut issues = Issues::default();
            match refusal(v.lang, &e, &mut issues) {
                Some(banner) => {
                    refused_form(render(&erp, &v, &user, form.name, issues, banner).await)
                }
                None => unavailable(e),
            }
        }
    }
}

pub async fn update(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<CategoryForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = CategoryInput {
        name: form.name,
        version: form.version,
        archived: form.archived,
    };
    let result = categories::update(&erp.db, &user, id, input).await;
    if let Err(e) = &result
        && e.kind == ErrorKind::Validation
    {
        let banner = e
            .fields
            .first()
            .map(|i| super::fields::issue_text(v.lang, i.code, &i.message));
        return refused_form(
            render(&erp, &v, &user, String::new(), Issues::default(), banner).await,
        );
    }
    archive_outcome(v, result, "/categories").await
}
