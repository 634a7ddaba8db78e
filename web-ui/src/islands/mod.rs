//! Islands: the parts of a page that come alive when JavaScript runs. Each
//! renders complete HTML on the server first, so the page works without it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One choice of the company switcher (ids as text: the bundle needs no uuid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub id: String,
    pub name: String,
}

/// The company switcher. Without JavaScript it is a form with a button; once
/// hydrated, choosing a company submits the form and the button goes away.
#[island]
pub fn CompanySwitcher(
    companies: Vec<CompanyChoice>,
    active: String,
    csrf: String,
    label: String,
    button: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, so this marks the island as live.
    Effect::new(move |_| hydrated.set(true));
    let submit_on_change = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .and_then(|select| select.form());
        if let Some(form) = form {
            let _ = form.submit();
        }
    };
    let options = companies
        .into_iter()
        .map(|c| {
            let selected = c.id == active;
            view! { <option value=c.id selected=selected>{c.name}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action="/company" class="company-switcher" data-live=move || hydrated.get().to_string()>
            <input type="hidden" name="csrf" value=csrf/>
            <label for="company_id">{label}</label>
            <select id="company_id" name="company_id" on:change=submit_on_change>{options}</select>
            <button type="submit" class:js-hidden=move || hydrated.get()>{button}</button>
        </form>
    }
}

mod file_picker;
mod invoice_lines;

pub use file_picker::{FilePicker, FilePickerProps};

pub use invoice_lines::{
    InvoiceLines, InvoiceLinesProps, LineLabels, LineRow, ProductChoice, UnitChoice,
};
