//! The HTML document around every page, and the stylesheet.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use leptos::prelude::*;

use crate::i18n::Lang;

static ISLANDS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether pages load the islands' bundle (set once, when the router is built).
pub fn set_islands_enabled(enabled: bool) {
    let _ = ISLANDS.set(enabled);
}

fn islands_enabled() -> bool {
    ISLANDS.get().copied().unwrap_or(false)
}

/// Render a complete page. `body` is the content of `<body>`.
pub fn page(
    lang: Lang,
    title: String,
    refresh_secs: Option<u32>,
    body: impl IntoView + 'static,
) -> Html<String> {
    let app = lang.t("app-name");
    let full_title = format!("{title} · {app}");
    let html = Owner::new().with(move || {
        view! {
            <html lang=lang.tag()>
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    {refresh_secs.map(|s| view! { <meta http-equiv="refresh" content=s.to_string()/> })}
                    <title>{full_title}</title>
                    // No favicon yet: an empty one saves every page a 404.
                    <link rel="icon" href="data:,"/>
                    <link rel="stylesheet" href="/assets/app.css"/>
                    {islands_enabled().then(|| view! { <script type="module" src="/assets/boot.js"></script> })}
                </head>
                <body>{body}</body>
            </html>
        }
        .to_html()
    });
    Html(format!("<!DOCTYPE html>{html}"))
}

pub async fn boot_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../assets/boot.js"),
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
}
