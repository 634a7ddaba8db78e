//! The HTML document around every page, and the stylesheet.

use std::sync::LazyLock;

use axum::extract::Query;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use leptos::prelude::*;
use sha2::{Digest, Sha256};

use crate::i18n::Lang;

static ISLANDS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

const STYLESHEET: &str = include_str!("../assets/app.css");

/// The first 12 hex digits of the stylesheet's SHA-256: pages link
/// `/assets/app.css?v=…`, so a new version is a new URL and the browser may
/// keep each one for a year (after an update users see the new look at once).
static STYLESHEET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
});

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
                    <link rel="stylesheet" href=format!("/assets/app.css?v={}", *STYLESHEET_VERSION)/>
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

#[derive(serde::Deserialize)]
pub struct StylesheetQuery {
    v: Option<String>,
}

/// The stylesheet: immutable for a year under its current version, to be
/// checked every time under any other URL (an old page, a typed address).
pub async fn stylesheet(Query(q): Query<StylesheetQuery>) -> impl IntoResponse {
    let cache = if q.v.as_deref() == Some(STYLESHEET_VERSION.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        STYLESHEET,
    )
}
