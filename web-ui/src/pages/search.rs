//! The results page of the search box in the top bar: parties, products and
//! vehicles by VIN, each a link to its record.

use axum::extract::{Query, State};
use axum::response::Response;
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;

use super::module_page;
use crate::request::{SignedIn, unavailable};

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(params): Query<SearchParams>,
) -> Response {
    let lang = v.lang;
    let hits = match erp::search::search(&erp.db, &user, &params.q).await {
        Ok(h) => h,
        Err(e) if e.kind == ErrorKind::Validation => vec![],
        Err(e) => return unavailable(e),
    };
    let results = if params.q.trim().is_empty() {
        None
    } else if hits.is_empty() {
        Some(view! { <p class="empty">{lang.t("list-no-match")}</p> }.into_any())
    } else {
        let items = hits
            .into_iter()
            .map(|h| {
                let href = match h.kind.as_str() {
                    "party" => format!("/parties/{}", h.id),
                    "sales_document" => format!("/sales/{}", h.id),
                    _ => format!("/products/{}", h.id),
                };
                view! {
                    <li class=format!("hit hit-{}", h.kind)>
                        <span class="tag">{lang.t(&format!("search-kind-{}", h.kind))}</span>
                        <a href=href>{h.title}</a>
                        <span class="detail">{h.detail}</span>
                    </li>
                }
            })
            .collect_view();
        Some(view! { <ul class="hits" id="search-results">{items}</ul> }.into_any())
    };
    let content = view! {
        <h1>{lang.t("search-title")}</h1>
        <form method="get" action="/search" role="search" class="filters">
            <input type="search" name="q" value=params.q.clone() aria-label=lang.t("search-title") autofocus=true/>
            <button type="submit">{lang.t("search-go")}</button>
        </form>
        {results}
    };
    module_page(&erp, &v, &user, "", lang.t("search-title"), content).await
}
