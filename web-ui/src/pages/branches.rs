//! Branches (SAR establishments) with their emission points, and the
//! warehouses of each branch. One page lists both with a form to add each;
//! a branch opens in its own form; warehouses archive and restore in place.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::companies::branches::{self, Branch, BranchInput};
use erp::companies::warehouses::{self, Warehouse, WarehouseInput};
use erp::roles::{Action, Resource};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, Kind, archive_outcome, field, refusal, refused_form, select, summary};
use super::{PageRole, csrf_field, module_page};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

#[derive(Deserialize, Default, Clone)]
pub struct BranchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    /// Emission point codes separated by commas or spaces ("001, 002").
    #[serde(default)]
    emission_points: String,
    version: Option<i32>,
}

impl BranchForm {
    fn of(b: &Branch) -> BranchForm {
        BranchForm {
            code: b.code.clone(),
            name: b.name.clone(),
            address: b.address.clone(),
            phone: b.phone.clone(),
            emission_points: b.emission_points.join(", "),
            version: Some(b.version),
            ..BranchForm::default()
        }
    }

    fn input(&self) -> BranchInput {
        BranchInput {
            code: self.code.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            emission_points: self
                .emission_points
                .split([',', ' ', ';'])
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            archived: None,
            version: self.version,
        }
    }
}

fn branch_fields(lang: Lang, issues: &Issues, f: &BranchForm) -> impl IntoView + use<> {
    // The domain names each bad point (/emission_points/1); the form has one
    // field for all of them.
    let issues = Issues(
        issues
            .0
            .iter()
            .cloned()
            .map(|mut i| {
                if i.pointer.starts_with("/emission_points/") {
                    i.pointer = "/emission_points".into();
                }
                i
            })
            .collect(),
    );
    let issues = &issues;
    view! {
        {field(lang, issues, "code", f.code.clone(), Kind::Number, true)}
        {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
        {field(lang, issues, "address", f.address.clone(), Kind::Text, false)}
        {field(lang, issues, "phone", f.phone.clone(), Kind::Text, false)}
        {field(lang, issues, "emission_points", f.emission_points.clone(), Kind::Text, false)}
        <p class="hint">{lang.t("branches-points-hint")}</p>
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct WarehouseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    branch_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    version: Option<i32>,
    archived: Option<bool>,
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    render(&erp, &v, &user, Forms::default()).await
}

/// What the two add-forms show (typed values and problems after a refusal).
#[derive(Default)]
struct Forms {
    branch: BranchForm,
    branch_issues: Issues,
    warehouse: WarehouseForm,
    warehouse_issues: Issues,
    banner: Option<String>,
}

async fn render(erp: &Erp, v: &Visitor, user: &erp::SessionUser, forms: Forms) -> Response {
    let lang = v.lang;
    let (list, stores) = match tokio::try_join!(
        branches::list(&erp.db, user),
        warehouses::list(&erp.db, user)
    ) {
        Ok(x) => x,
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let can_create = role.can(Resource::Branches, Action::Create);
    let can_archive = role.can(Resource::Branches, Action::Archive);
    let branch_rows = list
        .iter()
        .map(|b| {
            let class = if b.archived_at.is_some() {
                "inactive"
            } else {
                ""
            };
            view! {
                <tr class=class>
                    <td><a href=format!("/branches/{}", b.id)>{b.code.clone()}</a></td>
                    <td>{b.name.clone()}</td>
                    <td>{b.address.clone()}</td>
                    <td>{b.emission_points.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    let store_rows = stores
        .iter()
        .map(|w| warehouse_row(lang, &v.csrf, w, &list, can_archive))
        .collect_view();
    let branch_choices: Vec<(String, String)> = list
        .iter()
        .filter(|b| b.archived_at.is_none())
        .map(|b| (b.id.to_string(), format!("{} {}", b.code, b.name)))
        .collect();
    let adds = can_create.then(|| {
        view! {
            <h2>{lang.t("branches-add")}</h2>
            {summary(lang, &forms.branch_issues)}
            <form method="post" action="/branches" class="record" novalidate>
                {csrf_field(&v.csrf)}
                {branch_fields(lang, &forms.branch_issues, &forms.branch)}
                <button type="submit" id="add-branch">{lang.t("branches-add-button")}</button>
            </form>
            <h2>{lang.t("warehouses-add")}</h2>
            {summary(lang, &forms.warehouse_issues)}
            <form method="post" action="/warehouses" class="record" novalidate>
                {csrf_field(&v.csrf)}
                {select(lang, &forms.warehouse_issues, "branch_id", &forms.warehouse.branch_id, branch_choices)}
                {field(lang, &forms.warehouse_issues, "code", forms.warehouse.code.clone(), Kind::Text, true)}
                {field(lang, &forms.warehouse_issues, "name", forms.warehouse.name.clone(), Kind::Text, true)}
                <button type="submit" id="add-warehouse">{lang.t("branches-add-button")}</button>
            </form>
        }
    });
    let content = view! {
        <h1>{lang.t("branches-title")}</h1>
        {forms.banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <table id="branches">
            <thead><tr>
                <th>{lang.t("field-label-code")}</th><th>{lang.t("field-label-name")}</th>
                <th>{lang.t("field-label-address")}</th><th>{lang.t("field-label-emission-points")}</th>
            </tr></thead>
            <tbody>{branch_rows}</tbody>
        </table>
        <h2>{lang.t("warehouses-title")}</h2>
        <table id="warehouses">
            <thead><tr>
                <th>{lang.t("field-label-code")}</th><th>{lang.t("field-label-name")}</th>
                <th>{lang.t("field-label-branch-id")}</th><th></th>
            </tr></thead>
            <tbody>{store_rows}</tbody>
        </table>
        {adds}
    };
    module_page(
        erp,
        v,
        user,
        "nav-branches",
        lang.t("branches-title"),
        content,
    )
    .await
}

fn warehouse_row(
    lang: Lang,
    csrf: &str,
    w: &Warehouse,
    list: &[Branch],
    can_archive: bool,
) -> impl IntoView + use<> {
    let branch = list
        .iter()
        .find(|b| b.id == w.branch_id)
        .map(|b| format!("{} {}", b.code, b.name))
        .unwrap_or_default();
    let archived = w.archived_at.is_some();
    let toggle = can_archive.then(|| {
        let (label, value) = if archived {
            ("record-restore", "false")
        } else {
            ("record-archive", "true")
        };
        view! {
            <form method="post" action=format!("/warehouses/{}", w.id) class="inline">
                {csrf_field(csrf)}
                <input type="hidden" name="version" value=w.version.to_string()/>
                <input type="hidden" name="branch_id" value=w.branch_id.to_string()/>
                <input type="hidden" name="code" value=w.code.clone()/>
                <input type="hidden" name="name" value=w.name.clone()/>
                <input type="hidden" name="archived" value=value/>
                <button type="submit" class="link">{lang.t(label)}</button>
            </form>
        }
    });
    let class = if archived { "inactive" } else { "" };
    view! {
        <tr class=class>
            <td>{w.code.clone()}</td>
            <td>{w.name.clone()}</td>
            <td>{branch}</td>
            <td>{toggle}</td>
        </tr>
    }
}

/// A refused add: the page again, the form that was sent keeping its values
/// and showing its problems (`forms` puts them in the right one).
async fn refused_add(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    e: erp::Error,
    forms: impl FnOnce(Issues, Option<String>) -> Forms,
) -> Response {
    let mut issues = Issues::default();
    match refusal(v.lang, &e, &mut issues) {
        Some(banner) => refused_form(render(erp, v, user, forms(issues, banner)).await),
        None => unavailable(e),
    }
}

pub async fn create_branch(
    State(erp): State<Erp>,
    v: Visitor,
    Form(form): Form<BranchForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match branches::create(&erp.db, &user, form.input()).await {
        Ok(_) => Redirect::to("/branches").into_response(),
        Err(e) => {
            refused_add(&erp, &v, &user, e, |issues, banner| Forms {
                branch: form,
                branch_issues: issues,
                banner,
                ..Forms::default()
            })
            .await
        }
    }
}

pub async fn create_warehouse(
    State(erp): State<Erp>,
    v: Visitor,
    Form(form): Form<WarehouseForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(branch_id) = form.branch_id.parse::<Uuid>() else {
        let mut issues = Issues::default();
        issues.push(FieldIssue::new("/branch_id", "required", "choose a branch"));
        let forms = Forms {
            warehouse: form,
            warehouse_issues: issues,
            ..Forms::default()
        };
        return refused_form(render(&erp, &v, &user, forms).await);
    };
    let input = WarehouseInput {
        branch_id,
        code: form.code.clone(),
        name: form.name.clone(),
        archived: None,
        version: None,
    };
    match warehouses::create(&erp.db, &user, input).await {
        Ok(_) => Redirect::to("/branches").into_response(),
        Err(e) => {
            refused_add(&erp, &v, &user, e, |issues, banner| Forms {
                warehouse: form,
                warehouse_issues: issues,
                banner,
                ..Forms::default()
            })
            .await
        }
    }
}

pub async fn update_warehouse(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<WarehouseForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(branch_id) = form.branch_id.parse::<Uuid>() else {
        return super::not_found(v).await;
    };
    let input = WarehouseInput {
        branch_id,
        code: form.code,
        name: form.name,
        archived: form.archived,
        version: form.version,
    };
    let result = warehouses::update(&erp.db, &user, id, input).await;
    archive_outcome(v, result, "/branches").await
}

async fn branch_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    id: Uuid,
    f: BranchForm,
    issues: Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let content = view! {
        <h1>{lang.t("branches-edit")}" "{f.code.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {summary(lang, &issues)}
        <form method="post" action=format!("/branches/{id}") class="record" novalidate>
            {csrf_field(&v.csrf)}
            {f.version.map(|ver| view! { <input type="hidden" name="version" value=ver.to_string()/> })}
            {branch_fields(lang, &issues, &f)}
            <div class="actions">
                <button type="submit" id="save">{lang.t("record-save")}</button>
                <a href="/branches">{lang.t("record-cancel")}</a>
            </div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-branches",
        lang.t("branches-edit"),
        content,
    )
    .await
}

pub async fn edit(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let list = match branches::list(&erp.db, &user).await {
        Ok(l) => l,
        Err(e) => return unavailable(e),
    };
    match list.iter().find(|b| b.id == id) {
        Some(b) => {
            branch_page(
                &erp,
                &v,
                &user,
                id,
                BranchForm::of(b),
                Issues::default(),
                None,
            )
            .await
        }
        None => super::not_found(v).await,
    }
}

pub async fn update(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<BranchForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match branches::update(&erp.db, &user, id, form.input()).await {
        Ok(_) => Redirect::to("/branches").into_response(),
        Err(e) => {
            let mut issues = Issues::default();
            match refusal(v.lang, &e, &mut issues) {
                Some(banner) => {
                    refused_form(branch_page(&erp, &v, &user, id, form, issues, banner).await)
                }
                None if e.kind == ErrorKind::NotFound => super::not_found(v).await,
                None => unavailable(e),
            }
        }
    }
}
