//! The HTML document around every page, and the stylesheet.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use leptos::prelude::*;

use crate::i18n::Lang;

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
                    <link rel="stylesheet" href="/assets/app.css"/>
                </head>
                <body>{body}</body>
            </html>
        }
        .to_html()
    });
    Html(format!("<!DOCTYPE html>{html}"))
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
