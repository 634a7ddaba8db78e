//! The login page, the login form's POST and logout.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use erp::auth::{Credentials, Step, client_address};
use erp::{Erp, ErrorKind, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;

use super::language::LanguageForm;
use super::{csrf_field, csrf_rejected};
use crate::document::page;
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{Visitor, unavailable};

fn login_page(
    lang: Lang,
    csrf: &str,
    email: &str,
    error: Option<String>,
) -> axum::response::Html<String> {
    let title = lang.t("login-title");
    let body = view! {
        <main class="login">
            <h1>{lang.t("app-name")}</h1>
            {error.map(|e| view! { <p class="alert" role="alert" id="login-error">{e}</p> })}
            <form method="post" action="/login" id="login-form">
                {csrf_field(csrf)}
                <label for="email">{lang.t("login-email")}</label>
                <input id="email" name="email" type="email" autocomplete="username" required=true autofocus=true value=email.to_owned()/>
                <label for="password">{lang.t("login-password")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required=true/>
                <button type="submit">{lang.t("login-submit")}</button>
            </form>
            <div class="lang">{lang.t("language")}": "{LanguageForm(lang, csrf)}</div>
        </main>
    };
    page(lang, title, None, body)
}

pub async fn show(v: Visitor) -> Response {
    if v.user.is_some() {
        return Redirect::to("/").into_response();
    }
    login_page(v.lang, &v.csrf, "", None).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    email: String,
    password: String,
}

pub async fn submit(
    State(erp): State<Erp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    v: Visitor,
    Form(form): Form<LoginForm>,
) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|h| h.to_str().ok());
    let ip = client_address(forwarded, peer.ip());
    let creds = Credentials {
        email: form.email.clone(),
        password: form.password,
        totp: None,
    };
    match erp::auth::login(&erp, &ip, &creds).await {
        Ok(Step::Done(user)) => signed_in(&v, &user).await,
        Ok(Step::NeedsCode) => {
            let pending = Pending {
                email: form.email.trim().to_owned(),
                since: chrono::Utc::now().timestamp(),
            };
            if let Err(e) = v.session.insert(PENDING, &pending).await {
                return unavailable(e);
            }
            code_page(v.lang, &v.csrf, None).into_response()
        }
        Err(e) => refused(&v, &form.email, e),
    }
}

/// A password checked, the app's code still to come (for five minutes).
#[derive(serde::Serialize, Deserialize)]
struct Pending {
    email: String,
    since: i64,
}

const PENDING: &str = "erp.login_pending";
const PENDING_SECS: i64 = 300;

async fn signed_in(v: &Visitor, user: &SessionUser) -> Response {
    // A fresh session id at login: a fixated id becomes worthless.
    if let Err(e) = v.session.cycle_id().await {
        return unavailable(e);
    }
    let _ = v.session.remove::<Pending>(PENDING).await;
    if let Err(e) = v.session.insert(SessionUser::KEY, user).await {
        return unavailable(e);
    }
    Redirect::to("/").into_response()
}

fn code_page(lang: Lang, csrf: &str, error: Option<String>) -> axum::response::Html<String> {
    let title = lang.t("login-code-title");
    let body = view! {
        <main class="login">
            <h1>{lang.t("app-name")}</h1>
            {error.map(|e| view! { <p class="alert" role="alert" id="login-error">{e}</p> })}
            <form method="post" action="/login/code" id="code-form">
                {csrf_field(csrf)}
                <label for="code">{lang.t("login-code")}</label>
                <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                       pattern="[0-9 ]{6,7}" required=true autofocus=true/>
                <button type="submit">{lang.t("login-submit")}</button>
            </form>
            <p><a href="/login">{lang.t("login-code-back")}</a></p>
        </main>
    };
    page(lang, title, None, body)
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

pub async fn submit_code(
    State(erp): State<Erp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    v: Visitor,
    Form(form): Form<CodeForm>,
) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let pending = match v.session.get::<Pending>(PENDING).await {
        Ok(Some(p)) if chrono::Utc::now().timestamp() - p.since <= PENDING_SECS => p,
        Ok(_) => return Redirect::to("/login").into_response(),
        Err(e) => return unavailable(e),
    };
    let forwarded = headers.get("x-forwarded-for").and_then(|h| h.to_str().ok());
    let ip = client_address(forwarded, peer.ip());
    match erp::auth::login_with_code(&erp, &ip, &pending.email, &form.code).await {
        Ok(user) => signed_in(&v, &user).await,
        Err(e) if e.code == "totp_invalid" => (
            StatusCode::UNAUTHORIZED,
            code_page(v.lang, &v.csrf, Some(v.lang.t("login-code-invalid"))),
        )
            .into_response(),
        Err(e) => refused(&v, &pending.email, e),
    }
}

/// A refused login, on the login page.
fn refused(v: &Visitor, email: &str, e: erp::Error) -> Response {
    match e.kind {
        ErrorKind::RateLimited { retry_after_secs } => {
            let minutes = retry_after_secs.div_ceil(60).to_string();
            let msg = v.lang.t_with("login-rate-limited", "minutes", minutes);
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                login_page(v.lang, &v.csrf, email, Some(msg)),
            )
                .into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            res
        }
        ErrorKind::Unauthenticated | ErrorKind::Validation => (
            StatusCode::UNAUTHORIZED,
            login_page(v.lang, &v.csrf, email, Some(v.lang.t("login-invalid"))),
        )
            .into_response(),
        _ => unavailable(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn logout(v: Visitor, Form(form): Form<CsrfOnly>) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    if let Err(e) = v.session.flush().await {
        return unavailable(e);
    }
    Redirect::to("/login").into_response()
}
