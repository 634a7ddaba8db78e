//! The web role's routes.

use std::path::PathBuf;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use erp::Erp;
use tower_http::services::ServeDir;

use crate::{document, pages};

/// `site_dir` holds the islands' bundle (`pkg/web_ui.js`, `pkg/web_ui.wasm`),
/// built by `scripts/build-islands.sh`. Without it every page still works;
/// only the islands stay inert.
pub fn router(erp: Erp, site_dir: Option<PathBuf>) -> Router {
    let pkg = site_dir
        .map(|d| d.join("pkg"))
        .filter(|p| p.join("web_ui.wasm").is_file());
    match &pkg {
        Some(dir) => log::info!("islands bundle served from {}", dir.display()),
        None => log::info!("no islands bundle: pages are served without it"),
    }
    document::set_islands(pkg.as_deref());
    let router = Router::new()
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
        .route("/jobs", get(pages::jobs::show))
        .route("/jobs/dead/{id}/retry", post(pages::jobs::retry))
        .route("/jobs/dead/{id}/discard", post(pages::jobs::discard))
        .route("/products/{id}/serials", post(pages::products::add_serial))
        .route(
            "/attachments",
            post(pages::attachments::upload).layer(DefaultBodyLimit::max(
                // The edge refuses more; the handler counts past the file limit.
                64 * 1024 * 1024,
            )),
        )
        .route("/attachments/{id}", get(pages::attachments::content))
        .route(
            "/attachments/{id}/thumbnail",
            get(pages::attachments::thumbnail),
        )
        .route("/attachments/{id}/delete", post(pages::attachments::remove))
        .route(
            "/imports/{kind}",
            get(pages::imports::show_form)
                .post(pages::imports::upload)
                .layer(DefaultBodyLimit::max(
                    erp::imports::MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/imports/{kind}/{id}", get(pages::imports::show))
        .route("/imports/{kind}/{id}/start", post(pages::imports::start))
        .route("/users", get(pages::users::show).post(pages::users::add))
        .route("/users/{id}/role", post(pages::users::change_role))
        .route("/users/{id}/active", post(pages::users::set_active))
        .route("/audit", get(pages::audit::show))
        .route(
            "/fiscal-ranges",
            get(pages::fiscal::show).post(pages::fiscal::create),
        )
        .route("/fiscal-ranges/{id}/archive", post(pages::fiscal::archive))
        .route(
            "/payments",
            get(pages::payments::list).post(pages::payments::create),
        )
        .route("/payments/new", get(pages::payments::new))
        .route("/payments/{id}/reverse", post(pages::payments::reverse))
        .route(
            "/journal",
            get(pages::journal::show).post(pages::journal::create),
        )
        .route("/journal/{id}/reverse", post(pages::journal::reverse))
        .route(
            "/accounts/mapping/{purpose}",
            post(pages::ledger_accounts::save),
        )
        .route("/reports", get(pages::reports::index))
        .route(
            "/reports/runs",
            get(pages::report_runs::list).post(pages::report_runs::request),
        )
        .route("/reports/runs/{id}", get(pages::report_runs::show))
        .route("/reports/runs/{id}/{ext}", get(pages::report_runs::file))
        .route("/notifications", get(pages::report_runs::notifications))
        .route("/reports/sales-book", get(pages::reports::sales_book))
        .route("/reports/purchase-book", get(pages::reports::purchase_book))
        .route("/reports/{kind}", get(pages::reports::stock_report))
        .route("/reports/trial-balance", get(pages::reports::trial_balance))
        .route(
            "/reports/{kind}/choose",
            get(pages::reports::choose_companies),
        )
        .route(
            "/reports/aged-receivables",
            get(pages::reports::aged_receivables),
        )
        .route("/reports/statement", get(pages::reports::statement))
        .route("/sales", get(pages::sales::list).post(pages::sales::create))
        .route("/sales/new", get(pages::sales::new))
        .route("/sales/{id}", get(pages::sales::show))
        .route("/sales/{id}/pdf", get(pages::sales::pdf))
        .route("/sales/{id}/print", get(pages::sales_print::show))
        .route("/sales/{id}/{move}", post(pages::sales::act))
        .route(
            "/company/settings",
            get(pages::company::show).post(pages::company::save),
        )
        .route(
            "/categories",
            get(pages::categories::show).post(pages::categories::create),
        )
        .route("/categories/{id}", post(pages::categories::update))
        .route(
            "/accounts",
            get(pages::accounts::show).post(pages::accounts::create),
        )
        .route("/accounts/new", get(pages::accounts::new))
        .route(
            "/accounts/{id}",
            get(pages::accounts::edit).post(pages::accounts::update),
        )
        .route("/accounts/{id}/delete", post(pages::accounts::delete))
        .route("/tax-codes/{id}", post(pages::accounts::save_tax))
        .route(
            "/branches",
            get(pages::branches::show).post(pages::branches::create_branch),
        )
        .route(
            "/branches/{id}",
            get(pages::branches::edit).post(pages::branches::update),
        )
        .route("/warehouses", post(pages::branches::create_warehouse))
        .route("/warehouses/{id}", post(pages::branches::update_warehouse))
        .route(
            "/account/security",
            get(pages::security::show).post(pages::security::enable),
        )
        .route("/account/security/disable", post(pages::security::disable))
        .route("/login/code", post(pages::login::submit_code))
        .route("/search", get(pages::search::show))
        .route("/inventory", get(pages::stock::on_hand))
        .route("/inventory/units", get(pages::stock::units))
        .route("/inventory/units/{id}", get(pages::stock::unit))
        .route("/inventory/documents", get(pages::stock::documents))
        .route("/inventory/documents/{id}", get(pages::stock::document))
        .route(
            "/inventory/documents/{id}/guia.pdf",
            get(pages::stock::remission_pdf),
        )
        .route(
            "/inventory/documents/{id}/reverse",
            post(pages::stock::reverse),
        )
        .route("/inventory/valuation", get(pages::stock::valuation))
        .route(
            "/inventory/receipts/new",
            get(pages::stock_forms::new_receipt),
        )
        .route(
            "/inventory/receipts",
            post(pages::stock_forms::create_receipt),
        )
        .route(
            "/inventory/transfers/new",
            get(pages::stock_forms::new_transfer),
        )
        .route(
            "/inventory/transfers",
            post(pages::stock_forms::create_transfer),
        )
        .route(
            "/inventory/landed-costs/new",
            get(pages::landed_cost_form::new),
        )
        .route(
            "/inventory/landed-costs",
            post(pages::landed_cost_form::create),
        )
        .route("/inventory/deliveries", post(pages::stock_forms::deliver))
        .route("/inventory/returns", post(pages::stock_forms::take_back))
        .route("/purchases", get(pages::purchases::orders))
        .route(
            "/purchases/orders/new",
            get(pages::purchase_forms::new_order),
        )
        .route(
            "/purchases/orders",
            post(pages::purchase_forms::create_order),
        )
        .route("/purchases/orders/{id}", get(pages::purchases::order))
        .route(
            "/purchases/orders/{id}/status",
            post(pages::purchases::order_status),
        )
        .route(
            "/purchases/bills",
            get(pages::purchases::bills).post(pages::purchase_forms::create_bill),
        )
        .route("/purchases/bills/new", get(pages::purchase_forms::new_bill))
        .route(
            "/purchases/purchase-receipts/new",
            get(pages::purchase_receipt_form::new),
        )
        .route(
            "/purchases/purchase-receipts",
            post(pages::purchase_receipt_form::create),
        )
        .route("/purchases/bills/{id}", get(pages::purchases::bill))
        .route(
            "/purchases/bills/{id}/boleta.pdf",
            get(pages::purchases::boleta_pdf),
        )
        .route(
            "/purchases/bills/{id}/withholding.pdf",
            get(pages::purchases::withholding_pdf),
        )
        .route(
            "/purchases/bills/{id}/reverse",
            post(pages::purchases::reverse_bill),
        )
        .route(
            "/purchases/bills/{id}/pay",
            post(pages::purchases::pay_bill),
        )
        .route(
            "/purchases/withholdings",
            get(pages::purchases::withholdings),
        )
        .route("/purchases/dmc.xlsx", get(pages::purchases::dmc))
        .route(
            "/purchases/withholdings.csv",
            get(pages::purchases::withholdings_csv),
        )
        .route("/assets/app.css", get(document::stylesheet))
        .route("/assets/boot.js", get(document::boot_script));
    let router = pages::records::routes::<erp::parties::Party>(router);
    let router = pages::records::routes::<erp::catalog::products::Product>(router);
    let router = pages::records::routes::<erp::stock::locations::Location>(router);
    let router = match pkg {
        Some(dir) => router.merge(
            Router::new()
                .nest_service("/pkg", ServeDir::new(dir))
                .layer(axum::middleware::from_fn(document::bundle_cache)),
        ),
        None => router,
    };
    router
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::wrong_method)
        .with_state(erp)
}
