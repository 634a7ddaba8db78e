//! The browser UI: Leptos components rendered on the server, plain HTML forms
//! (so every page works with JavaScript disabled), Spanish (es-HN) first.
//! Islands (`islands`) add live behaviour where JavaScript runs; the
//! `hydrate` feature builds them into the WebAssembly bundle.
//!
//! The router expects a tower-sessions layer around it and
//! `ConnectInfo<SocketAddr>` from the server, like the API's.

pub mod islands;

#[cfg(feature = "ssr")]
mod csrf;
#[cfg(feature = "ssr")]
mod document;
#[cfg(feature = "ssr")]
mod form;
#[cfg(feature = "ssr")]
mod i18n;
#[cfg(feature = "ssr")]
mod pages;
#[cfg(feature = "ssr")]
mod request;
#[cfg(feature = "ssr")]
mod router;

#[cfg(feature = "ssr")]
pub use i18n::Lang;
#[cfg(feature = "ssr")]
pub use pages::report_runs::Builder as ReportBuilder;
#[cfg(feature = "ssr")]
pub use router::router;

/// The bundle's entry point: `assets/boot.js` calls it once the module is
/// loaded, then hands each `<leptos-island>` to its exported function.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
