//! The user's own two-step verification: set it up by scanning a QR code
//! and typing the app's code, or turn it off. While a company requires it
//! and it is not set up, this is the one page such a user can open there.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use erp::Erp;
use erp::auth::totp;
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, Kind, field, refusal};
use super::{csrf_field, csrf_rejected, module_page};
use crate::form::Form;
use crate::request::{Visitor, unavailable};

/// Where the secret of an enrolment waits until a code confirms it.
const PENDING: &str = "erp.totp_pending";

pub async fn show(State(erp): State<Erp>, v: Visitor) -> Response {
    render(&erp, &v, Issues::default(), None).await
}

async fn render(erp: &Erp, v: &Visitor, issues: Issues, banner: Option<String>) -> Response {
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let (me, enabled) = match tokio::try_join!(
        erp::companies::me(&erp.db, user.user_id),
        totp::enabled(&erp.db, user.user_id)
    ) {
        Ok(x) => x,
        Err(e) => return unavailable(e),
    };
    let body = if enabled {
        view! {
            <p class="notice" id="totp-on">{lang.t("security-on")}</p>
            <form method="post" action="/account/security/disable" class="record">
                {csrf_field(&v.csrf)}
                {field(lang, &issues, "code", String::new(), Kind::Number, true)}
                <button type="submit" class="secondary" id="totp-disable">{lang.t("security-disable")}</button>
            </form>
        }
        .into_any()
    } else {
        // A new secret per visit until one is confirmed; it lives in the
        // session only, so an abandoned enrolment leaves nothing behind.
        let secret = match v.session.get::<String>(PENDING).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                let s = totp::new_secret();
                if let Err(e) = v.session.insert(PENDING, &s).await {
                    return unavailable(e);
                }
                s
            }
            Err(e) => return unavailable(e),
        };
        let enrolment = match totp::enrolment(&secret, &me.email) {
            Ok(e) => e,
            Err(e) => return unavailable(e),
        };
        let qr = format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(enrolment.qr_svg.as_bytes())
        );
        let must = v
            .must_enrol
            .then(|| view! { <p class="alert" role="alert">{lang.t("security-required")}</p> });
        view! {
            {must}
            <ol class="steps">
                <li>{lang.t("security-step-app")}</li>
                <li>{lang.t("security-step-scan")}
                    <div><img id="totp-qr" src=qr alt=lang.t("security-qr-alt") width="220" height="220"/></div>
                    <p>{lang.t("security-manual")}" "<code id="totp-secret">{enrolment.secret.clone()}</code></p>
                </li>
                <li>{lang.t("security-step-code")}</li>
            </ol>
            <form method="post" action="/account/security" class="record">
                {csrf_field(&v.csrf)}
                {field(lang, &issues, "code", String::new(), Kind::Number, true)}
                <button type="submit" id="totp-enable">{lang.t("security-enable")}</button>
            </form>
        }
        .into_any()
    };
    let content = view! {
        <h1>{lang.t("security-title")}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <p>{lang.t("security-intro")}</p>
        {body}
    };
    module_page(erp, v, &user, "", lang.t("security-title"), content).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

pub async fn enable(State(erp): State<Erp>, v: Visitor, Form(form): Form<CodeForm>) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let secret = match v.session.get::<String>(PENDING).await {
        Ok(Some(s)) => s,
        Ok(None) => return Redirect::to(crate::request::SECURITY_PAGE).into_response(),
        Err(e) => return unavailable(e),
    };
    match totp::enable(&erp.db, user.user_id, &secret, &form.code).await {
        Ok(()) => {
            let _ = v.session.remove::<String>(PENDING).await;
            Redirect::to(crate::request::SECURITY_PAGE).into_response()
        }
        Err(e) => refused(&erp, &v, e).await,
    }
}

pub async fn disable(State(erp): State<Erp>, v: Visitor, Form(form): Form<CodeForm>) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    match totp::disable(&erp.db, user.user_id, &form.code).await {
        Ok(()) => Redirect::to(crate::request::SECURITY_PAGE).into_response(),
        Err(e) => refused(&erp, &v, e).await,
    }
}

async fn refused(erp: &Erp, v: &Visitor, e: erp::Error) -> Response {
    let mut issues = Issues::default();
    if e.code == "totp_required_by_company" {
        return render(erp, v, issues, Some(v.lang.t("security-cannot-disable"))).await;
    }
    match refusal(v.lang, &e, &mut issues) {
        Some(banner) => render(erp, v, issues, banner).await,
        None => unavailable(e),
    }
}
