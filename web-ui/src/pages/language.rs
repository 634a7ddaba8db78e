//! Choosing the language: a cookie for everyone, and the profile for users.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use erp::{Erp, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;

use super::{csrf_field, csrf_rejected};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{LANG_COOKIE, Visitor, unavailable};

#[allow(non_snake_case)]
pub fn LanguageForm(lang: Lang, csrf: &str) -> impl IntoView + use<> {
    let other = match lang {
        Lang::Es => Lang::En,
        Lang::En => Lang::Es,
    };
    let label = match other {
        Lang::Es => "Español",
        Lang::En => "English",
    };
    view! {
        <form method="post" action="/lang" class="lang-form">
            {csrf_field(csrf)}
            <input type="hidden" name="lang" value=other.tag()/>
            <button type="submit" class="link" lang=other.tag()>{label}</button>
        </form>
    }
}

#[derive(Deserialize)]
pub struct LangForm {
    csrf: String,
    lang: String,
}

/// Back to the page the form was on (its path only), or home.
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .map(|u| u.path().to_owned())
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && p != "/lang")
        .unwrap_or_else(|| "/".to_owned())
}

pub async fn change(
    State(erp): State<Erp>,
    v: Visitor,
    headers: HeaderMap,
    Form(form): Form<LangForm>,
) -> Response {
    if !crate::csrf::verify(&v.session, &form.csrf).await {
        return csrf_rejected(&v);
    }
    let lang = Lang::parse(&form.lang).unwrap_or(Lang::DEFAULT);
    if let Some(user) = &v.user {
        if let Err(e) = erp::companies::set_locale(&erp.db, user.user_id, lang.tag()).await {
            return unavailable(e);
        }
        let updated = user.clone().with_locale(lang.tag().to_owned());
        if let Err(e) = v.session.insert(SessionUser::KEY, &updated).await {
            return unavailable(e);
        }
    }
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; Secure; HttpOnly",
        lang.tag()
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&back_to(&headers)),
    )
        .into_response()
}
