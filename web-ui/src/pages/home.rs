//! The start page after login, and the company switcher's POST.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use erp::{Erp, ErrorKind, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::csrf_rejected;
use super::shell::shell;
use crate::document::page;
use crate::form::Form;
use crate::request::{SignedIn, Visitor, unavailable};

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let me = match erp::companies::me(&erp.db, user.user_id).await {
        Ok(me) => me,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let company = user
        .company_id
        .and_then(|c| me.companies.iter().find(|m| m.company_id == c));
    let intro = match company {
        Some(c) => lang.t_with("home-intro", "company", c.company_name.clone()),
        None => lang.t("home-no-company"),
    };
    let content = view! {
        <h1 id="welcome">{lang.t_with("home-welcome", "name", me.display_name.clone())}</h1>
        <p>{intro}</p>
    };
    let title = lang.t("nav-home");
    page(
        lang,
        title,
        None,
        shell(lang, &v.csrf, &me, user.company_id, "nav-home", content),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct SwitchForm {
    csrf: String,
    company_id: Uuid,
}

pub async fn switch_company(
    State(erp): State<Erp>,
    v: Visitor,
    Form(form): Form<SwitchForm>,
) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    match erp::companies::role_in(&erp.db, user.user_id, form.company_id).await {
        Ok(_) => {}
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    }
    let updated = user.in_company(form.company_id);
    if let Err(e) = v.session.insert(SessionUser::KEY, &updated).await {
        return unavailable(e);
    }
    Redirect::to("/").into_response()
}
