//! The HTML side without a browser: the login form with its CSRF token, the
//! shell, languages, the company switcher and logout — plain forms, no JS.

use reqwest::{StatusCode, header};

use crate::harness::{ADMIN, App, TestResult, csrf_of};

#[tokio::test(flavor = "multi_thread")]
async fn form_login_needs_the_csrf_token_and_leads_to_the_shell() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;

    // Logged out, the shell sends you to the login page.
    let res = client.get(app.url("/")).send().await?;
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()[header::LOCATION], "/login");

    let page = client.get(app.url("/login")).send().await?.text().await?;
    let csrf = csrf_of(&page).ok_or("no csrf field on the login page")?;

    // A form with fields missing is a Spanish 400 page, not a bare error.
    let incomplete = client
        .post(app.url("/login"))
        .form(&[("email", ADMIN.0)])
        .send()
        .await?;
    assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
    assert!(
        incomplete
            .text()
            .await?
            .contains("El formulario llegó incompleto")
    );

    // A forged form (wrong token) is refused and logs nobody in.
    let forged = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "forged"),
            ("email", ADMIN.0),
            ("password", ADMIN.1),
        ])
        .send()
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        client
            .get(app.url("/"))
            .send()
            .await?
            .status()
            .is_redirection()
    );

    // A wrong password re-shows the form with a Spanish message.
    let wrong = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", ADMIN.0),
            ("password", "nope-nope-nope"),
        ])
        .send()
        .await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text()
            .await?
            .contains("Correo o contraseña incorrectos.")
    );

    let ok = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", ADMIN.0),
            ("password", ADMIN.1),
        ])
        .send()
        .await?;
    assert!(ok.status().is_redirection(), "{}", ok.status());
    assert_eq!(ok.headers()[header::LOCATION], "/");

    let shell = client.get(app.url("/")).send().await?.text().await?;
    assert!(
        shell.contains("Administración del Grupo"),
        "the user's name is in the shell"
    );
    assert!(shell.contains("Bienvenido"));
    for module in [
        "Ventas",
        "Inventario",
        "Compras",
        "Clientes",
        "Empleados",
        "Contabilidad",
        "Reportes",
        "Exportaciones",
    ] {
        assert!(shell.contains(module), "navigation lacks {module}");
    }
    // Two companies: the switcher lists both.
    assert!(shell.contains("action=\"/company\""));
    assert!(shell.contains("Motos Catrachas") && shell.contains("Autos del Valle"));
    // Scripts only by URL (the CSP forbids inline ones); the fallback button
    // of the switcher island is there for browsers without JavaScript.
    assert!(
        shell.matches("<script").count()
            == shell
                .matches("<script type=\"module\" src=\"/assets/boot.js\"")
                .count()
    );
    assert!(shell.contains("<leptos-island") && shell.contains(">Cambiar de empresa</button>"));

    // Switch company through the form.
    let csrf = csrf_of(&shell).ok_or("no csrf in the shell")?;
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await?
        .json()
        .await?;
    let motos = me["companies"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["company_name"] == "Motos Catrachas"))
        .and_then(|c| c["company_id"].as_str())
        .ok_or("no Motos Catrachas")?
        .to_owned();
    let switched = client
        .post(app.url("/company"))
        .form(&[("csrf", csrf.as_str()), ("company_id", &motos)])
        .send()
        .await?;
    assert!(switched.status().is_redirection());
    let home = client.get(app.url("/")).send().await?.text().await?;
    assert!(
        home.contains("Está trabajando en Motos Catrachas"),
        "{home}"
    );

    // Logout needs the token too, then the shell is gone.
    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await?;
    assert!(out.status().is_redirection());
    assert!(
        client
            .get(app.url("/"))
            .send()
            .await?
            .status()
            .is_redirection()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn english_by_accept_language_or_by_choice() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    let en = client
        .get(app.url("/login"))
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await?
        .text()
        .await?;
    assert!(
        en.contains("<html lang=\"en\"") && en.contains("Log in"),
        "Accept-Language: en gives English"
    );

    let es = client.get(app.url("/login")).send().await?.text().await?;
    assert!(es.contains("<html lang=\"es-HN\""));
    let csrf = csrf_of(&es).ok_or("no csrf")?;
    let chosen = client
        .post(app.url("/lang"))
        .header(header::REFERER, app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("lang", "en")])
        .send()
        .await?;
    assert!(chosen.status().is_redirection());
    assert_eq!(chosen.headers()[header::LOCATION], "/login");
    let after = client.get(app.url("/login")).send().await?.text().await?;
    assert!(
        after.contains("Log in") && after.contains("E-mail"),
        "the choice sticks (cookie)"
    );
    Ok(())
}

/// A form with a number the page cannot read saves nothing: the party is not
/// created with a zero limit behind the error message (a second, corrected
/// save would otherwise make a duplicate).
#[tokio::test(flavor = "multi_thread")]
async fn an_action_s_address_opened_as_a_page_leads_to_its_page() -> TestResult {
    // After a refused form the address bar shows the form's target; opening
    // it again (Enter, a new tab, a bookmark) is a GET it does not take.
    let app = App::start()?;
    let client = form_login(&app, (crate::harness::MANAGER.0, crate::harness::MANAGER.1)).await?;
    for (action, page) in [
        ("/purchases/orders", "/purchases"),
        ("/inventory/deliveries", "/inventory"),
        (
            "/purchases/bills/0196a2b0-0000-7000-8000-000000000000/pay",
            "/purchases/bills/0196a2b0-0000-7000-8000-000000000000",
        ),
    ] {
        let res = client.get(app.url(action)).send().await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
        assert_eq!(res.headers()["location"], page, "{action}");
    }
    // A form sent to a page that takes none: that page.
    let res = client.post(app.url("/sales/new")).send().await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/sales/new");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_number_in_a_form_saves_nothing() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, (crate::harness::MANAGER.0, crate::harness::MANAGER.1)).await?;
    let form = client
        .get(app.url("/parties/new"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = csrf_of(&form).ok_or("no csrf on the form")?;
    let res = client
        .post(app.url("/parties"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Cliente Sin Límite"),
            ("is_customer", "on"),
            ("credit_limit", "mucho"),
        ])
        .send()
        .await?;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the form comes back"
    );
    assert!(res.text().await?.contains("Escriba un número"));
    let list = client
        .get(app.url("/parties?q=sin%20limite"))
        .send()
        .await?
        .text()
        .await?;
    assert!(!list.contains("Cliente Sin Límite"), "nothing was saved");

    // A NUL character (no page sends one; PostgreSQL cannot store it) is a
    // 400 page for a form, and finds nothing in a search, never a 5xx.
    let res = client
        .post(app.url("/parties"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Cliente\0Nulo"),
            ("is_customer", "on"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for page in [
        "/search?q=a%00b",
        "/parties?q=%00",
        "/products?q=x%00",
        "/reports/stock-units?q=%00",
    ] {
        let res = client.get(app.url(page)).send().await?;
        assert!(res.status().is_success(), "{page}: {}", res.status());
    }
    Ok(())
}

/// The company page saves the settings (here: requiring two-step
/// verification) and the categories page adds one and refuses a duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn company_settings_and_categories_through_their_pages() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, (crate::harness::MANAGER.0, crate::harness::MANAGER.1)).await?;
    let form = client
        .get(app.url("/company/settings"))
        .send()
        .await?
        .text()
        .await?;
    assert!(form.contains("Motos Catrachas") && form.contains("Razón social"));
    let csrf = csrf_of(&form).ok_or("no csrf on the company form")?;
    let (_, api) = crate::harness::login_in(&app, crate::harness::MANAGER, "Motos Catrachas")
        .await
        .map(|c| ((), c))?;
    let company: serde_json::Value = api
        .get(app.url("/api/v1/company"))
        .send()
        .await?
        .json()
        .await?;
    let text = |k: &str| company[k].as_str().unwrap_or_default().to_owned();
    let version = company["version"].to_string();
    let remaining = company["fiscal_warn_remaining"].to_string();
    let days = company["fiscal_warn_days"].to_string();
    // A category, then the same name again (accents and case aside).
    let page = client
        .get(app.url("/categories"))
        .send()
        .await?
        .text()
        .await?;
    let csrf_c = csrf_of(&page).ok_or("no csrf on the categories page")?;
    let res = client
        .post(app.url("/categories"))
        .form(&[("csrf", csrf_c.as_str()), ("name", "Motocicletas")])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let res = client
        .post(app.url("/categories"))
        .form(&[("csrf", csrf_c.as_str()), ("name", "MOTOCICLETAS")])
        .send()
        .await?;
    let page = res.text().await?;
    assert!(page.contains("Ya existe otra con este nombre."), "{page}");
    assert_eq!(
        page.matches("type=\"text\" name=\"name\" value=\"Motocicletas\"")
            .count(),
        1,
        "one category in the list"
    );

    let res = client
        .post(app.url("/company/settings"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", &text("name")),
            ("legal_name", &text("legal_name")),
            ("rtn", &text("rtn")),
            ("currency", "HNL"),
            ("address", "Col. Palmira, Tegucigalpa"),
            ("phone", &text("phone")),
            ("email", &text("email")),
            ("require_totp", "on"),
            ("fiscal_warn_remaining", &remaining),
            ("fiscal_warn_days", &days),
            ("version", &version),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection(), "{}", res.text().await?);
    // Saved: the company now requires two-step verification, which shuts
    // the API to the manager until she sets it up; the stored row says so.
    let problem: serde_json::Value = api
        .get(app.url("/api/v1/company"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(problem["code"], "totp_required_by_company");
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&app.database_url()).await?;
    let (require, address): (bool, String) = sqlx::query_as(
        "SELECT require_totp, address FROM companies WHERE name = 'Motos Catrachas'",
    )
    .fetch_one(&mut db)
    .await?;
    assert_eq!(
        (require, address.as_str()),
        (true, "Col. Palmira, Tegucigalpa")
    );

    // From now on the company requires two-step verification, which the
    // manager has not set up: the pages send her to do it.
    let res = client.get(app.url("/categories")).send().await?;
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()[header::LOCATION], "/account/security");
    Ok(())
}

/// The accountant keeps the chart through its pages: adds an account, is
/// told when a code is taken, cannot delete an account in use, deletes an
/// unused one; and changes a tax code's account.
#[tokio::test(flavor = "multi_thread")]
async fn the_accountant_keeps_the_chart_of_accounts() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, ("contador@demo.hn", "demo-usuario-2026")).await?;
    let chart = client
        .get(app.url("/accounts"))
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(
        chart.matches("<tr class=\"level-").count(),
        64,
        "the seeded chart (with the accounts of sales, stock and purchase entries)"
    );
    let csrf = csrf_of(&chart).ok_or("no csrf on the chart")?;

    let add = |code: &'static str| {
        client.post(app.url("/accounts")).form(&[
            ("csrf", csrf.as_str()),
            ("code", code),
            ("name", "Gastos de prueba"),
            ("kind", "expense"),
            ("postable", "on"),
            ("active", "on"),
        ])
    };
    let res = add("6199").send().await?;
    assert!(res.status().is_redirection());
    let res = add("6199").send().await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await?
            .contains("Ya existe otra cuenta con este código.")
    );

    let (_, api) = (
        (),
        crate::harness::login_in(
            &app,
            ("contador@demo.hn", "demo-usuario-2026"),
            "Motos Catrachas",
        )
        .await?,
    );
    let accounts: serde_json::Value = api
        .get(app.url("/api/v1/accounts"))
        .send()
        .await?
        .json()
        .await?;
    let find = |code: &str| {
        accounts
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code).cloned())
            .ok_or(format!("no account {code}"))
    };
    // "1" (assets) has sub-accounts: refused, the form says why.
    let assets = find("1")?;
    let res = client
        .post(app.url(&format!(
            "/accounts/{}/delete",
            assets["id"].as_str().unwrap_or_default()
        )))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", &assets["version"].to_string()),
        ])
        .send()
        .await?;
    assert!(res.text().await?.contains("La cuenta está en uso"));
    let mine = find("6199")?;
    let res = client
        .post(app.url(&format!(
            "/accounts/{}/delete",
            mine["id"].as_str().unwrap_or_default()
        )))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", &mine["version"].to_string()),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let chart = client
        .get(app.url("/accounts"))
        .send()
        .await?
        .text()
        .await?;
    assert!(!chart.contains("Gastos de prueba"));

    // The 15 % tax code moves to another account, rate typed as a percentage.
    let codes: serde_json::Value = api
        .get(app.url("/api/v1/tax-codes"))
        .send()
        .await?
        .json()
        .await?;
    let isv15 = codes
        .as_array()
        .and_then(|c| c.iter().find(|t| t["tax_class"] == "isv15").cloned())
        .ok_or("isv15")?;
    let target = find("2")?;
    let res = client
        .post(app.url(&format!(
            "/tax-codes/{}",
            isv15["id"].as_str().unwrap_or_default()
        )))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ISV 15 %"),
            ("rate", "15"),
            ("account_id", target["id"].as_str().unwrap_or_default()),
            ("version", &isv15["version"].to_string()),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection(), "{}", res.text().await?);
    let codes: serde_json::Value = api
        .get(app.url("/api/v1/tax-codes"))
        .send()
        .await?
        .json()
        .await?;
    let isv15 = codes
        .as_array()
        .and_then(|c| c.iter().find(|t| t["tax_class"] == "isv15").cloned())
        .ok_or("isv15")?;
    assert_eq!(
        (&isv15["account_id"], &isv15["rate"]),
        (&target["id"], &serde_json::json!("0.1500"))
    );
    Ok(())
}

/// Branches and warehouses through their page: a branch with two emission
/// points, a bad point code explained beside the field, a warehouse in the
/// new branch, archived in place.
#[tokio::test(flavor = "multi_thread")]
async fn branches_and_warehouses_through_their_page() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, (crate::harness::MANAGER.0, crate::harness::MANAGER.1)).await?;
    let page = client
        .get(app.url("/branches"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("Casa matriz") && page.contains("BOD-01"),
        "the seeded branch and warehouse"
    );
    let csrf = csrf_of(&page).ok_or("no csrf on the page")?;
    let res = client
        .post(app.url("/branches"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "002"),
            ("name", "Sucursal San Pedro Sula"),
            ("emission_points", "001, 2"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await?.contains("Tres dígitos, por ejemplo 001."));
    let res = client
        .post(app.url("/branches"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "002"),
            ("name", "Sucursal San Pedro Sula"),
            ("emission_points", "001, 002"),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let page = client
        .get(app.url("/branches"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("Sucursal San Pedro Sula") && page.contains("001, 002"));

    let api = crate::harness::login_in(&app, crate::harness::MANAGER, "Motos Catrachas").await?;
    let branches: serde_json::Value = api
        .get(app.url("/api/v1/branches"))
        .send()
        .await?
        .json()
        .await?;
    let sps = branches
        .as_array()
        .and_then(|b| b.iter().find(|x| x["code"] == "002").cloned())
        .ok_or("branch 002")?;
    let res = client
        .post(app.url("/warehouses"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("branch_id", sps["id"].as_str().unwrap_or_default()),
            ("code", "BOD-SPS"),
            ("name", "Bodega SPS"),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let stores: serde_json::Value = api
        .get(app.url("/api/v1/warehouses"))
        .send()
        .await?
        .json()
        .await?;
    let sps_store = stores
        .as_array()
        .and_then(|w| w.iter().find(|x| x["code"] == "BOD-SPS").cloned())
        .ok_or("warehouse BOD-SPS")?;
    assert_eq!(sps_store["branch_id"], sps["id"]);
    let res = client
        .post(app.url(&format!(
            "/warehouses/{}",
            sps_store["id"].as_str().unwrap_or_default()
        )))
        .form(&[
            ("csrf", csrf.as_str()),
            ("branch_id", sps["id"].as_str().unwrap_or_default()),
            ("code", "BOD-SPS"),
            ("name", "Bodega SPS"),
            ("archived", "true"),
            ("version", &sps_store["version"].to_string()),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let stores: serde_json::Value = api
        .get(app.url("/api/v1/warehouses"))
        .send()
        .await?
        .json()
        .await?;
    let archived = stores
        .as_array()
        .and_then(|w| w.iter().find(|x| x["code"] == "BOD-SPS").cloned())
        .ok_or("warehouse BOD-SPS")?;
    assert!(archived["archived_at"].is_string());
    Ok(())
}

/// Contacts are rows of the party form: a bad e-mail is named with its row,
/// a good row is saved, the empty row left for a new contact is ignored.
#[tokio::test(flavor = "multi_thread")]
async fn party_contacts_are_rows_of_the_form() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, (crate::harness::MANAGER.0, crate::harness::MANAGER.1)).await?;
    let form = client
        .get(app.url("/parties/new"))
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(
        form.matches("name=\"contact_name\"").count(),
        1,
        "one empty row to start"
    );
    let csrf = csrf_of(&form).ok_or("no csrf on the form")?;
    let post = |email: &'static str| {
        client.post(app.url("/parties")).form(&[
            ("csrf", csrf.as_str()),
            ("name", "Transportes Olancho"),
            ("is_customer", "on"),
            ("contact_name", "Ana Zelaya"),
            ("contact_role", "Compras"),
            ("contact_phone", "9999-0000"),
            ("contact_email", email),
            ("contact_name", ""),
            ("contact_role", ""),
            ("contact_phone", ""),
            ("contact_email", ""),
        ])
    };
    let res = post("ana-sin-arroba").send().await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await?
            .contains("Contacto 1: Correo electrónico — No es un correo electrónico válido.")
    );
    let res = post("ana@olancho.hn").send().await?;
    assert!(res.status().is_redirection());
    let api = crate::harness::login_in(&app, crate::harness::MANAGER, "Motos Catrachas").await?;
    let found: serde_json::Value = api
        .get(app.url("/api/v1/parties?q=olancho"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        found["items"][0]["contacts"],
        serde_json::json!([{"name": "Ana Zelaya", "role": "Compras", "phone": "9999-0000", "email": "ana@olancho.hn"}])
    );
    let id = found["items"][0]["id"].as_str().ok_or("id")?;
    let edit = client
        .get(app.url(&format!("/parties/{id}")))
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(
        edit.matches("name=\"contact_name\"").count(),
        2,
        "the contact and an empty row"
    );
    Ok(())
}

/// A client signed in through the login form (the way a browser is).
pub async fn form_login(
    app: &App,
    who: (&str, &str),
) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
    let client = app.client()?;
    let page = client.get(app.url("/login")).send().await?.text().await?;
    let csrf = csrf_of(&page).ok_or("no csrf")?;
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", who.0),
            ("password", who.1),
        ])
        .send()
        .await?;
    assert!(res.status().is_redirection(), "login of {} failed", who.0);
    Ok(client)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stylesheet_and_the_bundle_are_kept_a_year_under_their_version_only() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    let page = client.get(app.url("/login")).send().await?.text().await?;
    let href = page
        .split("href=\"/assets/app.css?v=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the page links the stylesheet with its version")?
        .to_owned();
    assert_eq!(href.len(), 12, "12 hex digits: {href}");
    let cache = |url: String| {
        let c = client.clone();
        async move {
            let res = c.get(url).send().await?;
            let value = res
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            let body = res.text().await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((value, body))
        }
    };
    let (current, css) = cache(app.url(&format!("/assets/app.css?v={href}"))).await?;
    assert_eq!(current, "public, max-age=31536000, immutable");
    assert!(css.contains("table.totals"), "the stylesheet itself");
    let (plain, _) = cache(app.url("/assets/app.css")).await?;
    let (old, _) = cache(app.url("/assets/app.css?v=000000000000")).await?;
    assert_eq!((plain.as_str(), old.as_str()), ("no-cache", "no-cache"));

    // The islands' bundle likewise, through the URLs the boot script names.
    let (boot_cache, boot) = cache(app.url("/assets/boot.js")).await?;
    assert_eq!(
        boot_cache, "no-cache",
        "the boot script is checked every time"
    );
    let wasm = boot
        .split('"')
        .find(|s| s.starts_with("/pkg/web_ui.wasm?v="))
        .ok_or("the boot script names the versioned bundle")?
        .to_owned();
    assert!(
        boot.contains(&format!("/pkg/web_ui.js?v={}", &wasm[wasm.len() - 12..])),
        "{boot}"
    );
    let (versioned, _) = cache(app.url(&wasm)).await?;
    assert_eq!(versioned, "public, max-age=31536000, immutable");
    let (unversioned, _) = cache(app.url("/pkg/web_ui.wasm")).await?;
    assert_eq!(unversioned, "no-cache");
    Ok(())
}
