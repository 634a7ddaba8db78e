//! What every list page shares: links that keep the filters while changing
//! the sort or the page, the sortable column header and the pager.

use leptos::prelude::*;

use crate::i18n::Lang;

pub struct ListLinks {
    base: &'static str,
    /// Filters to carry over (empty ones are dropped).
    params: Vec<(&'static str, String)>,
    sort: Option<String>,
    /// What the list is sorted by when the link names no sort.
    default_sort: &'static str,
}

impl ListLinks {
    pub fn new(
        base: &'static str,
        filters: &[(&'static str, Option<String>)],
        sort: Option<String>,
    ) -> ListLinks {
        let params = filters
            .iter()
            .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (*k, v)))
            .collect();
        ListLinks {
            base,
            params,
            sort: sort.filter(|s| !s.is_empty()),
            default_sort: "name",
        }
    }

    /// For lists whose default order is not by name.
    pub fn with_default_sort(mut self, sort: &'static str) -> ListLinks {
        self.default_sort = sort;
        self
    }

    /// "Exportar CSV" and, for who may create, "Importar CSV": the export
    /// carries the list's filters and sort; `import` names the import kind.
    pub fn transfer_links(&self, lang: Lang, import: Option<&str>) -> impl IntoView + use<> {
        let export = self.href(self.sort.as_deref(), None).replacen(
            self.base,
            &format!("{}/export", self.base),
            1,
        );
        let import = import.map(|kind| {
            let href = format!("/imports/{kind}");
            view! { <a href=href id="import-csv">{lang.t("list-import")}</a> }
        });
        view! {
            <span class="transfer">
                <a href=export id="export-csv" download="">{lang.t("list-export")}</a>
                {import}
            </span>
        }
    }

    fn href(&self, sort: Option<&str>, cursor: Option<&str>) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params {
            pairs.append_pair(k, v);
        }
        if let Some(s) = sort {
            pairs.append_pair("sort", s);
        }
        if let Some(c) = cursor {
            pairs.append_pair("cursor", c);
        }
        let query = pairs.finish();
        if query.is_empty() {
            self.base.to_owned()
        } else {
            format!("{}?{query}", self.base)
        }
    }

    /// "Next page" (keeping filters and sort) and "first page" links.
    pub fn pager(
        &self,
        lang: Lang,
        next: Option<&str>,
        on_later_page: bool,
    ) -> impl IntoView + use<> {
        let first = on_later_page.then(|| {
            let href = self.href(self.sort.as_deref(), None);
            view! { <a href=href rel="first">{lang.t("list-first")}</a> }
        });
        let next = next.map(|c| {
            let href = self.href(self.sort.as_deref(), Some(c));
            view! { <a href=href rel="next" id="next-page">{lang.t("list-next")}</a> }
        });
        view! { <nav class="pager" aria-label=lang.t("list-pages")>{first}{next}</nav> }
    }
}

/// A column header that sorts by `field`, flipping direction when it already does.
pub fn sort_header(
    lang: Lang,
    links: &ListLinks,
    field: &str,
    label_key: &str,
) -> impl IntoView + use<> {
    let current = links.sort.as_deref().unwrap_or(links.default_sort);
    let (next, mark) = if current == field {
        (format!("-{field}"), " ▲")
    } else if current.strip_prefix('-') == Some(field) {
        (field.to_owned(), " ▼")
    } else {
        (field.to_owned(), "")
    };
    let href = links.href(Some(&next), None);
    view! { <a href=href class="sort">{lang.t(label_key)}{mark}</a> }
}
