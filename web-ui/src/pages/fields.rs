//! Form pieces shared by the edit pages: a labelled input with its inline
//! error, read back from the domain's field issues (JSON pointers) and shown
//! in the visitor's language.

use erp::{Error, ErrorKind, FieldIssue};
use leptos::prelude::*;

use crate::i18n::Lang;

/// The field problems of a refused save, by pointer ("/rtn").
#[derive(Default, Clone)]
pub struct Issues(pub Vec<FieldIssue>);

impl Issues {
    pub fn push(&mut self, issue: FieldIssue) {
        self.0.push(issue);
    }

    pub fn message(&self, lang: Lang, name: &str) -> Option<String> {
        let pointer = format!("/{name}");
        self.0
            .iter()
            .find(|i| i.pointer == pointer)
            .map(|i| issue_text(lang, i.code, &i.message))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The translated message of a field problem's `code`; a code without a
/// translation still says something useful: the domain's own `message`.
pub fn issue_text(lang: Lang, code: &str, message: &str) -> String {
    erp::messages::for_code(lang.language(), code).unwrap_or_else(|| message.to_owned())
}

/// The label of a field or CSV column (`credit_limit`), or the name itself.
pub fn label_text(lang: Lang, name: &str) -> String {
    lang.t_opt(&format!("field-label-{}", name.replace('_', "-")))
        .unwrap_or_else(|| name.to_owned())
}

#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Email,
    /// A new password (never echoed back into the page).
    Password,
    Amount,
    Number,
    Area,
}

/// `<label>` + input + error line; the input is `aria-invalid` and described
/// by the error when there is one, and autofocused if it is the first.
pub fn field(
    lang: Lang,
    issues: &Issues,
    name: &'static str,
    value: String,
    kind: Kind,
    required: bool,
) -> impl IntoView + use<> {
    let label = lang.t(&format!("field-label-{}", name.replace('_', "-")));
    let error = issues.message(lang, name);
    let first_bad = issues
        .0
        .first()
        .is_some_and(|i| i.pointer.trim_start_matches('/') == name);
    let invalid = error.is_some().then_some("true");
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let described = error.is_some().then(|| err_id.clone());
    let input = match kind {
        Kind::Area => view! {
            <textarea id=id.clone() name=name aria-invalid=invalid aria-describedby=described.clone() autofocus=first_bad rows="3">{value}</textarea>
        }
        .into_any(),
        _ => {
            let (ty, mode) = match kind {
                Kind::Email => ("email", None),
                Kind::Password => ("password", None),
                Kind::Amount => ("text", Some("decimal")),
                Kind::Number => ("text", Some("numeric")),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() name=name type=ty inputmode=mode value=value required=required
                       aria-invalid=invalid aria-describedby=described autofocus=first_bad/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}{required.then_some(" *")}</label>
            {input}
            {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
        </div>
    }
}

/// A checkbox (absent from the posted form when unchecked).
pub fn checkbox(lang: Lang, name: &'static str, checked: bool) -> impl IntoView + use<> {
    let id = format!("f-{name}");
    view! {
        <div class="field check">
            <input type="checkbox" id=id.clone() name=name value="on" checked=checked/>
            <label for=id>{lang.t(&format!("field-label-{}", name.replace('_', "-")))}</label>
        </div>
    }
}

/// A `<select>` of (value, label) choices.
pub fn select(
    lang: Lang,
    issues: &Issues,
    name: &'static str,
    current: &str,
    choices: Vec<(String, String)>,
) -> impl IntoView + use<> {
    let id = format!("f-{name}");
    let error = issues.message(lang, name);
    let options = choices
        .into_iter()
        .map(|(v, l)| {
            let selected = v == current;
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    let error_id = format!("f-{name}-error");
    let described = error.is_some().then(|| error_id.clone());
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t(&format!("field-label-{}", name.replace('_', "-")))}</label>
            <select id=id name=name aria-invalid=error.is_some().then_some("true") aria-describedby=described>{options}</select>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

/// The banner above a form that was refused.
pub fn summary(lang: Lang, issues: &Issues) -> impl IntoView + use<> {
    (!issues.is_empty())
        .then(|| view! { <p class="alert" role="alert">{lang.t("form-has-errors")}</p> })
}

/// How a refused save comes back to its form: field problems beside the
/// fields, a banner for a stale version or a forbidden role; anything else
/// is not the form's business (None).
pub fn refusal(lang: Lang, e: &Error, issues: &mut Issues) -> Option<Option<String>> {
    match e.kind {
        ErrorKind::Validation => {
            // The domain checks fields in form order; numbers the form could
            // not even parse are usually further down.
            issues.0.splice(0..0, e.fields.iter().cloned());
            Some(None)
        }
        ErrorKind::Conflict => Some(Some(lang.t("record-stale"))),
        ErrorKind::Forbidden => Some(Some(lang.t("record-forbidden"))),
        _ => None,
    }
}

/// A form shown again because its save was refused answers 422, so tools
/// (and tests) see the refusal without reading the page.
pub fn refused_form(mut page: axum::response::Response) -> axum::response::Response {
    if page.status() == axum::http::StatusCode::OK {
        *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    page
}

/// The "archive" button under a record's form.
pub fn archive_form(lang: Lang, csrf: &str, action: String, version: i32) -> impl IntoView + use<> {
    view! {
        <form method="post" action=action class="secondary">
            {super::csrf_field(csrf)}
            <input type="hidden" name="version" value=version.to_string()/>
            <button type="submit" class="link danger">{lang.t("record-archive")}</button>
        </form>
    }
}

/// The answer to an archive form: back to the list, or why not.
pub async fn archive_outcome<T>(
    v: crate::request::Visitor,
    result: erp::Result<T>,
    list: &str,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Redirect};
    match result {
        Ok(_) => Redirect::to(list).into_response(),
        Err(e) if e.kind == ErrorKind::Forbidden => {
            (StatusCode::FORBIDDEN, v.lang.t("record-forbidden")).into_response()
        }
        Err(e) if e.kind == ErrorKind::Conflict => {
            (StatusCode::CONFLICT, v.lang.t("record-stale")).into_response()
        }
        Err(e) if e.kind == ErrorKind::NotFound => super::not_found(v).await,
        Err(e) => crate::request::unavailable(e),
    }
}
