//! The pages of a kind of record, written once over `erp::records::Record`:
//! the list (search, filters, sortable columns, pages, CSV links), the
//! create and edit form (every problem beside its field, the values typed
//! kept, 422 on a refusal), archive, and the CSV download. A resource says
//! what differs — its columns, filters and form — by implementing
//! `RecordPages`, and the router mounts these handlers for it.

use std::future::Future;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::records::{Exported, ListQuery, Record, crud, export};
use erp::roles::Action;
use erp::{Erp, ErrorKind, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::fields::{Issues, archive_form, archive_outcome, refusal, refused_form};
use super::list::ListLinks;
use super::{module_page, role_allows};
use crate::form::{Form, FormRows, Rows};
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

/// Everything a record's pages need besides what `Record` says.
pub trait RecordPages: Record<Query: DeserializeOwned + Send + 'static, Input: 'static> {
    /// Where the list is (`/products`); a record is at `BASE/{id}`.
    const BASE: &'static str;
    /// The navigation entry that is marked current.
    const NAV: &'static str;
    /// Prefix of the page texts: `{KEY}-title`, `-new`, `-edit`, `-empty`,
    /// `-search`; also the list table's id.
    const KEY: &'static str;
    /// The id of the "new" button.
    const NEW_ID: &'static str;
    /// The import kind offered beside the export (`/imports/{kind}`).
    const IMPORT: Option<&'static str> = None;
    /// The posted HTML form (text fields as typed, checkboxes as `on`).
    type Form: DeserializeOwned + Send + Sync + 'static;

    /// The list's filters as (parameter, value), kept by sort and page links.
    fn filters(query: &Self::Query) -> Vec<(&'static str, Option<String>)>;
    /// The filter controls beside the search box.
    fn filter_controls(lang: Lang, query: &Self::Query) -> AnyView;
    /// Links in the list's heading besides "new", export and import.
    fn head_links(_lang: Lang) -> AnyView {
        ().into_any()
    }
    /// The header row of the list's table.
    fn header(lang: Lang, links: &ListLinks) -> AnyView;
    /// One row of the list's table.
    fn row(&self, lang: Lang) -> AnyView;

    /// The form of a new record (its defaults).
    fn new_form() -> Self::Form;
    /// The form filled from a stored record.
    fn form_of(&self) -> Self::Form;
    fn csrf(form: &Self::Form) -> &str;
    /// Fold the repeated fields of table rows into the form.
    fn with_rows(form: Self::Form, _rows: &Rows) -> Self::Form {
        form
    }
    /// The domain input, plus the problems of fields the form cannot even
    /// read (a number that is not one).
    fn input(form: &Self::Form) -> (Self::Input, Issues);
    /// The form's fields (without the CSRF field, the version and the
    /// buttons, which `form_page` adds).
    fn fields(
        erp: &Erp,
        user: &SessionUser,
        lang: Lang,
        form: &Self::Form,
        issues: &Issues,
    ) -> impl Future<Output = AnyView> + Send;
    /// The version a form carries (None on a new record).
    fn form_version(form: &Self::Form) -> Option<i32>;

    /// The heading of a stored record.
    fn title(&self) -> String;
    /// What the edit page shows under the form (serial numbers,
    /// attachments …).
    fn sections(
        _erp: &Erp,
        _v: &Visitor,
        _user: &SessionUser,
        _row: &Self,
    ) -> impl Future<Output = AnyView> + Send {
        async { ().into_any() }
    }
    fn archived(&self) -> bool;
}

fn t<R: RecordPages>(lang: Lang, what: &str) -> String {
    lang.t(&format!("{}-{what}", R::KEY))
}

pub async fn list<R: RecordPages>(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<R::Query>,
) -> Response {
    let lang = v.lang;
    let page = match crud::list::<R>(&erp.db, &user, q.clone()).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::Validation => {
            return Redirect::to(R::BASE).into_response();
        }
        Err(e) => return unavailable(e),
    };
    let can_create = role_allows(&erp, &user, R::RESOURCE, Action::Create).await;
    let mut filters = R::filters(&q);
    filters.insert(0, ("q", q.text().map(str::to_owned)));
    filters.push(("status", q.status().map(str::to_owned)));
    let links = ListLinks::new(R::BASE, &filters, q.sort().map(str::to_owned))
        .with_default_sort(R::SORTS[0].name);
    let table = if page.items.is_empty() {
        let empty = if q.text().is_some() {
            lang.t("list-no-match")
        } else {
            t::<R>(lang, "empty")
        };
        view! { <p class="empty">{empty}</p> }.into_any()
    } else {
        let rows = page.items.iter().map(|r| r.row(lang)).collect_view();
        view! {
            <table id=R::KEY>
                <thead>{R::header(lang, &links)}</thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let search = t::<R>(lang, "search");
    let new = can_create.then(|| {
        let href = format!("{}/new", R::BASE);
        view! { <a class="button" href=href id=R::NEW_ID>{t::<R>(lang, "new")}</a> }
    });
    let content = view! {
        <div class="page-head">
            <h1>{t::<R>(lang, "title")}</h1>
            {new}
            {links.transfer_links(lang, R::IMPORT.filter(|_| can_create))}
            {R::head_links(lang)}
        </div>
        <form method="get" action=R::BASE class="filters" role="search">
            <input type="search" name="q" value=q.text().unwrap_or_default().to_owned() placeholder=search.clone() aria-label=search/>
            {R::filter_controls(lang, &q)}
            <button type="submit">{lang.t("list-filter")}</button>
        </form>
        {table}
        {links.pager(lang, page.next_cursor.as_deref(), q.cursor().is_some())}
    };
    module_page(&erp, &v, &user, R::NAV, t::<R>(lang, "title"), content).await
}

/// The form inside the page: problems on top, the record's fields, the
/// version it was read at, save and cancel.
async fn form_view<R: RecordPages>(
    erp: &Erp,
    v: &Visitor,
    user: &SessionUser,
    action: String,
    form: &R::Form,
    issues: &Issues,
) -> AnyView {
    let lang = v.lang;
    let fields = R::fields(erp, user, lang, form, issues).await;
    let version = R::form_version(form)
        .map(|n| view! { <input type="hidden" name="version" value=n.to_string()/> });
    view! {
        {super::fields::summary(lang, issues)}
        <form method="post" action=action class="record" novalidate>
            {super::csrf_field(&v.csrf)}
            {version}
            {fields}
            <div class="actions">
                <button type="submit" id="save">{lang.t("record-save")}</button>
                <a href=R::BASE>{lang.t("record-cancel")}</a>
            </div>
        </form>
    }
    .into_any()
}

pub async fn new<R: RecordPages>(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let title = t::<R>(v.lang, "new");
    let form = form_view::<R>(
        &erp,
        &v,
        &user,
        R::BASE.to_owned(),
        &R::new_form(),
        &Issues::default(),
    )
    .await;
    let content = view! { <h1>{title.clone()}</h1> {form} };
    module_page(&erp, &v, &user, R::NAV, title, content).await
}

pub async fn edit<R: RecordPages>(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let row = match crud::get::<R>(&erp.db, &user, id).await {
        Ok(row) => row,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let below = R::sections(&erp, &v, &user, &row).await;
    show::<R>(&erp, &v, &user, row, below).await
}

/// A stored record: its form, then `below` (its sections), then the
/// archive button for who may archive.
pub async fn show<R: RecordPages>(
    erp: &Erp,
    v: &Visitor,
    user: &SessionUser,
    row: R,
    below: AnyView,
) -> Response {
    let lang = v.lang;
    let id = row.id();
    let may_archive = role_allows(erp, user, R::RESOURCE, Action::Archive).await;
    let archive = (!row.archived() && may_archive).then(|| {
        let action = format!("{}/{id}/archive", R::BASE);
        archive_form(lang, &v.csrf, action, row.version())
    });
    let action = format!("{}/{id}", R::BASE);
    let form = form_view::<R>(erp, v, user, action, &row.form_of(), &Issues::default()).await;
    let content = view! {
        <h1>{row.title()}</h1>
        {row.archived().then(|| view! { <p class="alert">{lang.t("record-archived")}</p> })}
        {form}
        {below}
        {archive}
    };
    module_page(erp, v, user, R::NAV, row.title(), content).await
}

/// Create (no id) or update; on a refused save the form comes back with the
/// values typed and each problem beside its field.
async fn save<R: RecordPages>(erp: Erp, v: Visitor, id: Option<Uuid>, form: R::Form) -> Response {
    let user = match v.posting_user(R::csrf(&form)).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let lang = v.lang;
    let (input, mut issues) = R::input(&form);
    // A number the form could not even read: nothing is saved (the domain
    // would store zero in its place); its checks still run, so every problem
    // shows at once.
    let result = if !issues.is_empty() {
        R::validate(input).map(|_| None)
    } else {
        match id {
            None => crud::create::<R>(&erp.db, &user, input).await,
            Some(id) => crud::update::<R>(&erp.db, &user, id, input).await,
        }
        .map(|row| Some(row.id()))
    };
    let mut banner = None;
    match result {
        Ok(Some(saved)) => {
            return Redirect::to(&format!("{}/{saved}", R::BASE)).into_response();
        }
        Ok(None) => {}
        Err(e) => match refusal(lang, &e, &mut issues) {
            Some(b) => banner = b,
            None if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
            None => return unavailable(e),
        },
    }
    let action = id.map_or(R::BASE.to_owned(), |id| format!("{}/{id}", R::BASE));
    let title = t::<R>(lang, if id.is_some() { "edit" } else { "new" });
    let form = form_view::<R>(&erp, &v, &user, action, &form, &issues).await;
    let content = view! {
        <h1>{title.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {form}
    };
    refused_form(module_page(&erp, &v, &user, R::NAV, title, content).await)
}

pub async fn create<R: RecordPages>(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(form, rows): FormRows<R::Form>,
) -> Response {
    save::<R>(erp, v, None, R::with_rows(form, &rows)).await
}

pub async fn update<R: RecordPages>(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    FormRows(form, rows): FormRows<R::Form>,
) -> Response {
    save::<R>(erp, v, Some(id), R::with_rows(form, &rows)).await
}

/// The body of an archive button: the version that was read.
#[derive(Deserialize)]
pub struct VersionForm {
    pub csrf: String,
    pub version: i32,
}

pub async fn archive<R: RecordPages>(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(form): Form<VersionForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = crud::set_archived::<R>(&erp.db, &user, id, form.version, true).await;
    archive_outcome(v, result, R::BASE).await
}

/// The list as CSV, with the filters and order of the page it was asked
/// from.
pub async fn export<R: RecordPages + Exported>(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<R::Query>,
) -> Response {
    match export::export::<R>(&erp.db, &user, q).await {
        Ok(f) => super::imports::file_response(f),
        Err(e) => super::imports::refused(v, e).await,
    }
}

/// Mount a record's pages: the list and create at `BASE`, the blank form at
/// `BASE/new`, a record and its update at `BASE/{id}`, archive and the CSV.
pub fn routes<R: RecordPages + Exported>(router: axum::Router<Erp>) -> axum::Router<Erp> {
    use axum::routing::{get, post};
    let base = R::BASE;
    router
        .route(base, get(list::<R>).post(create::<R>))
        .route(&format!("{base}/new"), get(new::<R>))
        .route(&format!("{base}/export"), get(export::<R>))
        .route(&format!("{base}/{{id}}"), get(edit::<R>).post(update::<R>))
        .route(&format!("{base}/{{id}}/archive"), post(archive::<R>))
}
