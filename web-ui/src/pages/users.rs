//! The people of the active company: who has access with which role, a form
//! to add someone, and per person a role change and deactivate/reactivate.
//! The domain enforces the rules (own access, group-admin role); the page
//! only leaves out the buttons that would be refused.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::Erp;
use erp::companies::members::{self, Member, MemberUpdate, NewMember};
use erp::roles::{Action, Resource, Role};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, Kind, archive_outcome, field, refusal, refused_form, select, summary};
use super::{PageRole, csrf_field, module_page};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

fn role_choices(lang: Lang, grant_group_admin: bool) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .filter(|r| grant_group_admin || *r != Role::GroupAdmin)
        .map(|r| {
            (
                r.as_str().to_owned(),
                lang.t(&format!("role-{}", r.as_str())),
            )
        })
        .collect()
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    // New people start with the everyday role; the admin picks another.
    let form = AddForm {
        role: Role::Sales.as_str().to_owned(),
        ..AddForm::default()
    };
    render(&erp, &v, &user, form, Issues::default(), None).await
}

async fn render(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    form: AddForm,
    issues: Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let people = match members::list(&erp.db, user).await {
        Ok(p) => p,
        Err(e) if e.kind == erp::ErrorKind::Forbidden => {
            let content = view! { <h1>{lang.t("users-title")}</h1><p class="alert">{lang.t("record-forbidden")}</p> };
            return module_page(erp, v, user, "nav-users", lang.t("users-title"), content).await;
        }
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let can_add = role.can(Resource::Users, Action::Create);
    let can_change = role.can(Resource::Users, Action::Update);
    let can_archive = role.can(Resource::Users, Action::Archive);
    let is_group_admin = role.0 == Some(Role::GroupAdmin);
    let rows = people
        .iter()
        .map(|m| {
            row(
                lang,
                &v.csrf,
                m,
                user.user_id,
                is_group_admin,
                can_change,
                can_archive,
            )
        })
        .collect_view();
    let add = can_add.then(|| {
        view! {
            <h2>{lang.t("users-add")}</h2>
            <p>{lang.t("users-add-intro")}</p>
            {summary(lang, &issues)}
            <form method="post" action="/users" class="record" novalidate>
                {csrf_field(&v.csrf)}
                {field(lang, &issues, "email", form.email.clone(), Kind::Email, true)}
                {field(lang, &issues, "display_name", form.display_name.clone(), Kind::Text, false)}
                {field(lang, &issues, "password", String::new(), Kind::Password, false)}
                {select(lang, &issues, "role", &form.role, role_choices(lang, is_group_admin))}
                <button type="submit" id="add-user">{lang.t("users-add-button")}</button>
            </form>
        }
    });
    let content = view! {
        <h1>{lang.t("users-title")}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <table id="users">
            <thead><tr>
                <th>{lang.t("field-label-display-name")}</th><th>{lang.t("field-label-email")}</th>
                <th>{lang.t("field-label-role")}</th><th>{lang.t("users-col-access")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {add}
    };
    module_page(erp, v, user, "nav-users", lang.t("users-title"), content).await
}

fn row(
    lang: Lang,
    csrf: &str,
    m: &Member,
    me: Uuid,
    is_group_admin: bool,
    can_change: bool,
    can_archive: bool,
) -> impl IntoView + use<> {
    // What the domain would refuse is not offered.
    let touchable = m.user_id != me && (is_group_admin || m.role != Role::GroupAdmin.as_str());
    let role_label = lang.t(&format!("role-{}", m.role));
    let role_cell = if touchable && can_change {
        let choices = role_choices(lang, is_group_admin)
            .into_iter()
            .map(|(value, label)| {
                let selected = value == m.role;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view();
        view! {
            <form method="post" action=format!("/users/{}/role", m.user_id) class="inline">
                {csrf_field(csrf)}
                <input type="hidden" name="version" value=m.version.to_string()/>
                <select name="role" aria-label=lang.t("field-label-role")>{choices}</select>
                <button type="submit" class="link">{lang.t("users-save-role")}</button>
            </form>
        }
        .into_any()
    } else {
        view! { <span>{role_label}</span> }.into_any()
    };
    let state = lang.t(if m.active {
        "users-active"
    } else {
        "users-inactive"
    });
    let toggle = (touchable && can_archive).then(|| {
        let (label, value) = if m.active {
            ("users-deactivate", "false")
        } else {
            ("users-reactivate", "true")
        };
        view! {
            <form method="post" action=format!("/users/{}/active", m.user_id) class="inline">
                {csrf_field(csrf)}
                <input type="hidden" name="version" value=m.version.to_string()/>
                <input type="hidden" name="active" value=value/>
                <button type="submit" class="link">{lang.t(label)}</button>
            </form>
        }
    });
    let class = if m.active { "" } else { "inactive" };
    view! {
        <tr class=class>
            <td>{m.display_name.clone()}</td>
            <td>{m.email.clone()}</td>
            <td>{role_cell}</td>
            <td>{state}" "{toggle}</td>
        </tr>
    }
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

pub async fn add(State(erp): State<Erp>, v: Visitor, Form(form): Form<AddForm>) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = NewMember {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        role: form.role.clone(),
    };
    match members::add(&erp.db, &user, input).await {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => {
            let mut issues = Issues::default();
            match refusal(v.lang, &e, &mut issues) {
                Some(banner) => refused_form(render(&erp, &v, &user, form, issues, banner).await),
                None => unavailable(e),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    csrf: String,
    role: String,
    version: i32,
}

pub async fn change_role(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<RoleForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let update = MemberUpdate {
        role: form.role,
        version: Some(form.version),
    };
    let result = members::update(&erp.db, &user, id, update).await;
    archive_outcome(v, result, "/users").await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    csrf: String,
    version: i32,
    active: bool,
}

pub async fn set_active(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<ActiveForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = members::set_active(&erp.db, &user, id, form.version, form.active).await;
    archive_outcome(v, result, "/users").await
}
