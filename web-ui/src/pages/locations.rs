//! Stock locations: what their pages show (list columns, the kind filter,
//! the form with its warehouse). The list, form, archive and CSV are the
//! record pages (`records.rs`); the virtual locations are listed but their
//! form refuses changes (the database says why, beside the warehouse).

use erp::stock::locations::{KINDS, Location, LocationInput, LocationQuery};
use erp::{Erp, FieldIssue, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, Kind, field, select};
use super::list::{ListLinks, sort_header};
use super::records::RecordPages;
use crate::i18n::Lang;

#[derive(Deserialize, Default)]
pub struct LocationForm {
    csrf: String,
    #[serde(default)]
    warehouse_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    version: Option<i32>,
}

fn kind_label(lang: Lang, kind: &str) -> String {
    lang.t(&format!("location-kind-{kind}"))
}

async fn warehouses(erp: &Erp, user: &SessionUser) -> Vec<(String, String)> {
    erp::companies::warehouses::list(&erp.db, user)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|w| w.archived_at.is_none())
        .map(|w| (w.id.to_string(), format!("{} — {}", w.code, w.name)))
        .collect()
}

impl RecordPages for Location {
    const BASE: &'static str = "/inventory/locations";
    const NAV: &'static str = "nav-inventory";
    const KEY: &'static str = "locations";
    const NEW_ID: &'static str = "new-location";
    type Form = LocationForm;

    fn filters(q: &LocationQuery) -> Vec<(&'static str, Option<String>)> {
        vec![("kind", q.kind.clone())]
    }

    fn filter_controls(lang: Lang, q: &LocationQuery) -> AnyView {
        let mut kinds = vec![(String::new(), lang.t("location-kind-all"))];
        kinds.extend(KINDS.map(|k| (k.to_owned(), kind_label(lang, k))));
        select(
            lang,
            &Issues::default(),
            "kind",
            q.kind.as_deref().unwrap_or(""),
            kinds,
        )
        .into_any()
    }

    fn header(lang: Lang, links: &ListLinks) -> AnyView {
        view! {
            <tr>
                <th>{sort_header(lang, links, "code", "field-label-code")}</th>
                <th>{sort_header(lang, links, "name", "field-label-name")}</th>
                <th>{lang.t("field-label-kind")}</th>
            </tr>
        }
        .into_any()
    }

    fn row(&self, lang: Lang) -> AnyView {
        let href = format!("{}/{}", Self::BASE, self.id);
        view! {
            <tr>
                <td><code>{self.code.clone()}</code></td>
                <td><a href=href>{self.name.clone()}</a></td>
                <td>{kind_label(lang, &self.kind)}</td>
            </tr>
        }
        .into_any()
    }

    fn new_form() -> LocationForm {
        LocationForm::default()
    }

    fn form_of(&self) -> LocationForm {
        LocationForm {
            warehouse_id: self.warehouse_id.map(|w| w.to_string()).unwrap_or_default(),
            code: self.code.clone(),
            name: self.name.clone(),
            version: Some(self.version),
            ..LocationForm::default()
        }
    }

    fn csrf(form: &LocationForm) -> &str {
        &form.csrf
    }

    fn input(form: &LocationForm) -> (LocationInput, Issues) {
        let mut issues = Issues::default();
        let warehouse_id = match form.warehouse_id.trim() {
            "" => {
                issues.push(FieldIssue::new(
                    "/warehouse_id",
                    "required",
                    "choose a warehouse",
                ));
                Uuid::nil()
            }
            text => text.parse().unwrap_or_else(|_| {
                issues.push(FieldIssue::new(
                    "/warehouse_id",
                    "unknown_warehouse",
                    "no such warehouse",
                ));
                Uuid::nil()
            }),
        };
        let input = LocationInput {
            warehouse_id,
            code: form.code.clone(),
            name: form.name.clone(),
            version: form.version,
        };
        (input, issues)
    }

    async fn fields(
        erp: &Erp,
        user: &SessionUser,
        lang: Lang,
        f: &LocationForm,
        issues: &Issues,
    ) -> AnyView {
        let mut choices = vec![(String::new(), lang.t("location-choose-warehouse"))];
        choices.extend(warehouses(erp, user).await);
        view! {
            {select(lang, issues, "warehouse_id", &f.warehouse_id, choices)}
            {field(lang, issues, "code", f.code.clone(), Kind::Text, true)}
            {field(lang, issues, "name", f.name.clone(), Kind::Text, true)}
        }
        .into_any()
    }

    fn form_version(form: &LocationForm) -> Option<i32> {
        form.version
    }

    fn title(&self) -> String {
        format!("{} — {}", self.code, self.name)
    }

    fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
}
