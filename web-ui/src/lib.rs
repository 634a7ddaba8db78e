//! The browser UI: Leptos components rendered on the server, plain HTML forms
//! (so every page works with JavaScript disabled), Spanish (es-HN) first.
//!
//! The router expects a tower-sessions layer around it and
//! `ConnectInfo<SocketAddr>` from the server, like the API's.

mod csrf;
mod document;
mod form;
mod i18n;
mod pages;
mod request;

pub use i18n::Lang;

use axum::Router;
use axum::routing::{get, post};
use erp::Erp;

pub fn router(erp: Erp) -> Router {
    Router::new()
        .route("/", get(pages::home::show))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/company", post(pages::home::switch_company))
        .route("/lang", post(pages::language::change))
        .route(
            "/exports",
            get(pages::exports::show).post(pages::exports::request),
        )
        .route("/exports/{id}/download", get(pages::exports::download))
        .route("/assets/app.css", get(document::stylesheet))
        .fallback(pages::not_found)
        .with_state(erp)
}
