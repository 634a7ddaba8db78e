//! The HTML document around every page, and the stylesheet.

use std::sync::LazyLock;

use axum::extract::Query;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use leptos::prelude::*;
use sha2::{Digest, Sha256};

use crate::i18n::Lang;

/// The islands' bundle version, when there is a bundle (set once, when the
/// router is built).
static ISLANDS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

const STYLESHEET: &str = include_str!("../assets/app.css");

/// The first 12 hex digits of the SHA-256 of `parts`. Assets are linked as
/// `…?v=<fingerprint>`: a new version is a new URL, so the browser may keep
/// each one for a year and still sees an update at once.
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Cache-Control for an asset asked for with `asked` as its version.
pub fn cache_control(asked: Option<&str>, current: &str) -> &'static str {
    if asked == Some(current) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

static STYLESHEET_VERSION: LazyLock<String> =
    LazyLock::new(|| fingerprint(&[STYLESHEET.as_bytes()]));

/// Pages load the islands' bundle from `pkg` when it has one.
pub fn set_islands(pkg: Option<&std::path::Path>) {
    let read = |name: &str| pkg.and_then(|dir| std::fs::read(dir.join(name)).ok());
    if let (Some(js), Some(wasm)) = (read("web_ui.js"), read("web_ui.wasm")) {
        let _ = ISLANDS.set(fingerprint(&[&js, &wasm]));
    }
}

/// The bundle's version, when pages load it.
pub fn islands_version() -> Option<&'static str> {
    ISLANDS.get().map(String::as_str)
}

fn islands_enabled() -> bool {
    islands_version().is_some()
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

/// The script that starts the islands, pointing at this bundle's version
/// (it is small and checked every time; the bundle is kept a year).
pub async fn boot_script() -> impl IntoResponse {
    let version = islands_version().unwrap_or_default();
    let script = include_str!("../assets/boot.js")
        .replace("/pkg/web_ui.js", &format!("/pkg/web_ui.js?v={version}"))
        .replace("/pkg/web_ui.wasm", &format!("/pkg/web_ui.wasm?v={version}"));
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        script,
    )
}

#[derive(serde::Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

/// The bundle's files keep a year under the current version, else no-cache.
pub async fn bundle_cache(
    Query(q): Query<VersionQuery>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let cache = cache_control(q.v.as_deref(), islands_version().unwrap_or_default());
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(cache),
        );
    }
    response
}

/// The stylesheet: immutable for a year under its current version, to be
/// checked every time under any other URL (an old page, a typed address).
pub async fn stylesheet(Query(q): Query<VersionQuery>) -> impl IntoResponse {
    let cache = cache_control(q.v.as_deref(), &STYLESHEET_VERSION);
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        STYLESHEET,
    )
}
