//! The application frame after login: top bar with the user's name, the
//! company switcher and logout; the module navigation on the side.

use erp::companies::Me;
use leptos::prelude::*;

use super::csrf_field;
use crate::i18n::Lang;
use crate::islands::{CompanyChoice, CompanySwitcher, CompanySwitcherProps};
use crate::pages::language::LanguageForm;

/// Navigation entries: (message id, href). Modules without a page yet show
/// as "coming soon" rather than as links that lead nowhere.
const MODULES: [(&str, Option<&str>); 16] = [
    ("nav-home", Some("/")),
    ("nav-parties", Some("/parties")),
    ("nav-products", Some("/products")),
    ("nav-sales", Some("/sales")),
    ("nav-payments", Some("/payments")),
    ("nav-inventory", Some("/inventory")),
    ("nav-purchasing", Some("/purchases")),
    ("nav-employees", None),
    ("nav-accounting", Some("/accounts")),
    ("nav-reports", Some("/reports")),
    ("nav-company", Some("/company/settings")),
    ("nav-branches", Some("/branches")),
    ("nav-users", Some("/users")),
    ("nav-audit", Some("/audit")),
    ("nav-exports", Some("/exports")),
    ("nav-jobs", Some("/jobs")),
];

pub fn shell<C: IntoView + 'static>(
    lang: Lang,
    csrf: &str,
    me: &Me,
    active_company: Option<uuid::Uuid>,
    current: &str,
    content: C,
) -> impl IntoView + use<C> {
    let switcher = (me.companies.len() > 1).then(|| {
        CompanySwitcher(CompanySwitcherProps {
            companies: me
                .companies
                .iter()
                .map(|m| CompanyChoice {
                    id: m.company_id.to_string(),
                    name: m.company_name.clone(),
                })
                .collect(),
            active: active_company.map(|c| c.to_string()).unwrap_or_default(),
            csrf: csrf.to_owned(),
            label: lang.t("company"),
            button: lang.t("company-switch"),
        })
    });
    let single_company = (me.companies.len() == 1).then(|| {
        view! { <span class="company">{me.companies[0].company_name.clone()}</span> }
    });
    let role = active_company
        .and_then(|c| me.role_in(c))
        .map(|r| lang.t(&format!("role-{}", r.as_str())));
    // Pages the role cannot read are left out rather than refused on click.
    let role_of = active_company.and_then(|c| me.role_in(c));
    let readable = |key: &str| {
        let resource = match key {
            "nav-users" => erp::roles::Resource::Users,
            "nav-audit" => erp::roles::Resource::Audit,
            "nav-company" => erp::roles::Resource::Company,
            // The queue and periodic tasks: those who may change schedules.
            "nav-jobs" => {
                return role_of.is_some_and(|r| {
                    r.can(erp::roles::Resource::Schedules, erp::roles::Action::Update)
                });
            }
            _ => return true,
        };
        role_of.is_some_and(|r| r.can(resource, erp::roles::Action::Read))
    };
    let nav = MODULES
        .iter()
        .filter(|(key, _)| readable(key))
        .map(|(key, href)| {
            let label = lang.t(key);
            match href {
                Some(href) => {
                    let class = if *key == current { "current" } else { "" };
                    view! { <li class=class><a href=*href>{label}</a></li> }.into_any()
                }
                None => view! { <li class="soon">{label}<small>{lang.t("nav-soon")}</small></li> }
                    .into_any(),
            }
        })
        .collect_view();
    view! {
        <header class="topbar">
            <span class="brand">{lang.t("app-name")}</span>
            {switcher}
            {single_company}
            <form method="get" action="/search" role="search" class="search">
                <input type="search" name="q" id="search-box" placeholder=lang.t("search-placeholder") aria-label=lang.t("search-title")/>
            </form>
            {(me.unread_notifications > 0).then(|| view! {
                <a href="/notifications" id="notifications" class="notifications">
                    {lang.t("notifications-title")}<span class="badge">{me.unread_notifications}</span>
                </a>
            })}
            <span class="user" id="user-name">{me.display_name.clone()}{role.map(|r| format!(" · {r}"))}</span>
            <a href=crate::request::SECURITY_PAGE id="security-link">{lang.t("security-link")}</a>
            {LanguageForm(lang, csrf)}
            <form method="post" action="/logout">
                {csrf_field(csrf)}
                <button type="submit" class="link">{lang.t("logout")}</button>
            </form>
        </header>
        <div class="layout">
            <nav class="modules" aria-label="Módulos"><ul>{nav}</ul></nav>
            <main>{content}</main>
        </div>
    }
}
