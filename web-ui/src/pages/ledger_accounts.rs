//! The section of the accounting page that says which account each
//! automatic entry uses (receivable, cash, bank, card, revenue per tax
//! class, sales returns), with a form per purpose for the accountant.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::accounting::accounts::Account;
use erp::accounting::mapping::{LedgerAccount, LedgerAccountInput};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;

use super::csrf_field;
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{Visitor, unavailable};

pub fn section(
    lang: Lang,
    csrf: &str,
    mapping: &[LedgerAccount],
    chart: &[Account],
    can_update: bool,
) -> impl IntoView + use<> {
    let rows = mapping
        .iter()
        .map(|m| {
            let form_id = format!("mapping-{}", m.purpose);
            let choice = if can_update {
                let options = chart
                    .iter()
                    .filter(|a| a.postable && a.active)
                    .map(|a| {
                        let selected = a.id == m.account_id;
                        view! { <option value=a.id.to_string() selected=selected>{format!("{} {}", a.code, a.name)}</option> }
                    })
                    .collect_view();
                view! {
                    <select name="account_id" form=form_id.clone() aria-label=lang.t(&format!("mapping-{}", m.purpose.replace('_', "-")))>{options}</select>
                    <form method="post" action=format!("/accounts/mapping/{}", m.purpose) id=form_id class="inline">
                        {csrf_field(csrf)}
                        <input type="hidden" name="version" value=m.version.to_string()/>
                        <button type="submit" class="secondary">{lang.t("record-save")}</button>
                    </form>
                }
                .into_any()
            } else {
                view! { {format!("{} {}", m.account_code, m.account_name)} }.into_any()
            };
            view! { <tr><td>{lang.t(&format!("mapping-{}", m.purpose.replace('_', "-")))}</td><td>{choice}</td></tr> }
        })
        .collect_view();
    view! {
        <h2 id="mapping">{lang.t("mapping-title")}</h2>
        <table id="ledger-accounts"><tbody>{rows}</tbody></table>
    }
}

#[derive(Deserialize)]
pub struct MappingForm {
    csrf: String,
    account_id: uuid::Uuid,
    version: i32,
}

pub async fn save(
    State(erp): State<Erp>,
    v: Visitor,
    Path(purpose): Path<String>,
    Form(f): Form<MappingForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = LedgerAccountInput {
        account_id: f.account_id,
        version: Some(f.version),
    };
    match erp::accounting::mapping::update(&erp.db, &user, &purpose, input).await {
        Ok(_)
        | Err(erp::Error {
            kind: ErrorKind::Validation | ErrorKind::Conflict | ErrorKind::Forbidden,
            ..
        }) => Redirect::to("/accounts#mapping").into_response(),
        Err(e) if e.kind == ErrorKind::NotFound => super::not_found(v).await,
        Err(e) => unavailable(e),
    }
}
