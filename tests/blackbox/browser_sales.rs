//! Selling through the pages. In Chromium (Spanish), the sales person writes
//! an invoice — choosing a product fills in its price, the totals follow
//! each keystroke (the island) — saves it, posts it, sees its fiscal number
//! and opens its PDF, which reads back with the SAR's required text. Without
//! JavaScript, the same form recalculates on the server and saves.

use std::process::Command;
use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;

use crate::browser::{chromium, fetch_with_session, follow, log_in, shot, text_of};
use crate::harness::{App, TestResult, csrf_of};
use crate::web::form_login;

type Error = Box<dyn std::error::Error + Send + Sync>;

const SALES: (&str, &str) = ("ventas@demo.hn", "demo-usuario-2026");

/// The text of a PDF, read back with poppler's pdftotext.
pub(crate) fn pdf_text(app: &App, bytes: &[u8]) -> Result<String, Error> {
    let path = app.data_dir().join("factura.pdf");
    std::fs::write(&path, bytes)?;
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .map_err(|e| {
            format!("pdftotext not found ({e}); the README's test command installs poppler-utils")
        })?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_writes_posts_and_prints_an_invoice() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, SALES).await?;
        follow(&browser, Locator::LinkText("Ventas")).await?;
        follow(&browser, Locator::Id("new-invoice")).await?;
        browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(".invoice-lines[data-live=true]"))
            .await?;
        browser
            .find(Locator::Id("f-party_id"))
            .await?
            .select_by_label("Transportes Olanchanos S.A.")
            .await?;
        browser
            .find(Locator::Id("line-product-0"))
            .await?
            .select_by_label("CASCO-INT — Casco integral certificado")
            .await?;
        // The product filled in one casco at L 1,850.00: L 2,127.50 with ISV.
        assert_eq!(text_of(&browser, "#total-total").await?, "L 2,127.50");
        let quantity = browser.find(Locator::Id("line-quantity-0")).await?;
        quantity.clear().await?;
        quantity.send_keys("2").await?;
        assert_eq!(text_of(&browser, "#total-isv15").await?, "L 555.00");
        assert_eq!(text_of(&browser, "#total-total").await?, "L 4,255.00");
        shot(&browser, "sales-invoice-form.png").await?;

        follow(&browser, Locator::Id("save")).await?;
        assert_eq!(text_of(&browser, "#document-status").await?, "Borrador");
        follow(&browser, Locator::Id("do-post")).await?;
        assert_eq!(text_of(&browser, "#document-status").await?, "Emitida");
        assert_eq!(
            text_of(&browser, "#document-title").await?,
            "Factura 001-001-01-00000001"
        );
        assert_eq!(text_of(&browser, "#total-total").await?, "L 4,255.00");
        shot(&browser, "sales-invoice-posted.png").await?;

        // The PDF behind the link, fetched with the browser's own session.
        let href = browser
            .find(Locator::Id("print-pdf"))
            .await?
            .attr("href")
            .await?
            .ok_or("no PDF link")?;
        let res = fetch_with_session(&app, &browser, &href).await?;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[reqwest::header::CONTENT_TYPE],
            "application/pdf"
        );
        let text = pdf_text(&app, &res.bytes().await?)?;
        for needed in [
            "FACTURA",
            "Motos Catrachas S. de R.L.",
            "RTN: 08019012345678",
            "No. 001-001-01-00000001",
            "CAI: A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D",
            "del 001-001-01-00000001 al 001-001-01-00005000",
            "Fecha límite de emisión",
            "Transportes Olanchanos S.A.",
            "RTN: 15019001234567",
            "Importe gravado 15 %",
            "L 555.00",
            "L 4,255.00",
            // The total in words (wrapped over two lines).
            "SON: CUATRO MIL DOSCIENTOS CINCUENTA Y CINCO LEMPIRAS",
            "CON 00/100",
            "Original: Cliente / Copia: Emisor",
        ] {
            assert!(text.contains(needed), "the PDF lacks {needed:?}:\n{text}");
        }
        // And the browser opens it.
        browser.goto(&app.url(&href)).await?;
        // The HTML print view says the same.
        browser
            .goto(&app.url(&href.replace("/pdf", "/print")))
            .await?;
        assert_eq!(
            text_of(&browser, "#print-number").await?,
            "No. 001-001-01-00000001"
        );
        let page = browser.source().await?;
        for needed in [
            "CAI: A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D",
            "Original: Cliente / Copia: Emisor",
            "CON 00/100",
        ] {
            assert!(page.contains(needed), "the print view lacks {needed:?}");
        }
        shot(&browser, "sales-invoice-print-view.png").await?;
        Ok::<_, Error>(())
    }
    .await;
    browser.close().await?;
    result
}

/// The text of the element with `id` in server-rendered HTML.
fn cell<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(&rest[start..start + end])
}

#[tokio::test(flavor = "multi_thread")]
async fn without_javascript_the_form_recalculates_and_saves() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, SALES).await?;
    let page = client
        .get(app.url("/sales/new?kind=invoice"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = csrf_of(&page).ok_or("no csrf")?;
    let customer = page
        .split("<option value=\"")
        .find_map(|o| {
            o.split_once("\">Ferretería El Progreso")
                .map(|(id, _)| id.to_owned())
        })
        .ok_or("no customer option")?;
    let form = |recalc: bool| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("kind", "invoice".into()),
            ("party_id", customer.clone()),
            ("currency", "HNL".into()),
            ("exchange_rate", String::new()),
            ("notes", String::new()),
        ];
        for (desc, qty, price, class) in [
            ("Aceite", "3", "245.50", "isv15"),
            ("Manual", "1", "150", "exempt"),
            ("", "", "", "isv15"),
        ] {
            f.extend([
                ("line_product", String::new()),
                ("line_description", desc.into()),
                ("line_quantity", qty.into()),
                ("line_unit_price", price.into()),
                ("line_discount", String::new()),
                ("line_tax_class", class.into()),
            ]);
        }
        if recalc {
            f.push(("recalc", "1".into()));
        }
        f
    };
    // "Recalcular": the totals of what was typed, nothing saved.
    let page = client
        .post(app.url("/sales"))
        .form(&form(true))
        .send()
        .await?
        .text()
        .await?;
    // 3 × 245.50 = 736.50 taxed, ISV 110.48 (110.475 rounded), exempt 150.
    assert_eq!(cell(&page, "total-isv15"), Some("L 110.48"), "{page}");
    assert_eq!(cell(&page, "total-total"), Some("L 996.98"));
    // Save: a draft, and its page.
    let res = client
        .post(app.url("/sales"))
        .form(&form(false))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[reqwest::header::LOCATION]
        .to_str()?
        .to_owned();
    let doc = client.get(app.url(&location)).send().await?.text().await?;
    assert!(
        doc.contains("Borrador") && doc.contains("L 996.98"),
        "{doc}"
    );
    // A line with a word for a quantity: the form again, nothing saved.
    let mut bad = form(false);
    if let Some(q) = bad.iter_mut().find(|(k, _)| *k == "line_quantity") {
        q.1 = "dos".into();
    }
    let res = client.post(app.url("/sales")).form(&bad).send().await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await?.contains("Línea 1:"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_pages_csv_files_and_pdfs() -> TestResult {
    let app = App::start()?;
    // Something to report: one posted invoice of Motos.
    let (api, _) = app
        .api_login(("contador@demo.hn", "demo-usuario-2026"))
        .await?;
    let customers: serde_json::Value = api
        .get(app.url("/api/v1/parties?q=Olanchanos"))
        .send()
        .await?
        .json()
        .await?;
    let customer = customers["items"][0]["id"].clone();
    let draft: serde_json::Value = api
        .post(app.url("/api/v1/sales/documents"))
        .json(&serde_json::json!({"kind": "invoice", "party_id": customer,
            "lines": [{"description": "Llantas", "quantity": "4", "unit_price": "1000", "tax_class": "isv15"}]}))
        .send()
        .await?
        .json()
        .await?;
    let posted = api
        .post(app.url(&format!(
            "/api/v1/sales/documents/{}/post",
            draft["id"].as_str().unwrap_or_default()
        )))
        .json(&serde_json::json!({"version": draft["version"]}))
        .send()
        .await?;
    assert_eq!(posted.status(), StatusCode::OK);

    let client = form_login(&app, ("contador@demo.hn", "demo-usuario-2026")).await?;
    let page = client
        .get(app.url("/reports/sales-book"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("Libro de ventas")
            && page.contains("001-001-01-00000001")
            && page.contains("4,600.00"),
        "{page}"
    );
    let csv = client
        .get(app.url("/reports/sales-book?format=csv"))
        .send()
        .await?
        .text()
        .await?;
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Fecha,Número,Cliente,RTN,Exento,Exonerado,Gravado 15 %,ISV 15 %,Gravado 18 %,ISV 18 %,Total"), "{csv}");
    assert!(csv.contains("001-001-01-00000001,Transportes Olanchanos S.A.,15019001234567,0.00,0.00,4000.00,600.00,0.00,0.00,4600.00"), "{csv}");
    for (path, needed) in [
        ("/reports/sales-book?format=pdf", "Libro de ventas"),
        (
            "/reports/trial-balance?format=pdf",
            "Balanza de comprobación",
        ),
        (
            "/reports/aged-receivables?format=pdf",
            "Antigüedad de saldos",
        ),
    ] {
        let res = client.get(app.url(path)).send().await?;
        assert_eq!(
            res.headers()[reqwest::header::CONTENT_TYPE],
            "application/pdf",
            "{path}"
        );
        let text = pdf_text(&app, &res.bytes().await?)?;
        assert!(
            text.contains(needed) && text.contains("Página 1 de 1"),
            "{path}:\n{text}"
        );
    }
    let tb = client
        .get(app.url("/reports/trial-balance?format=csv"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        tb.contains("1104,Cuentas por cobrar a clientes,4600.00,0.00,4600.00"),
        "{tb}"
    );
    // (the demo's stock receipts are on the books too: debits equal credits)
    let totals = tb
        .lines()
        .find(|l| l.starts_with("Totales,,"))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(
        totals.len() == 5 && totals[2] == totals[3] && totals[4] == "0.00",
        "{tb}"
    );
    let statement = client
        .get(app.url(&format!(
            "/reports/statement?party_id={}",
            customer.as_str().unwrap_or_default()
        )))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        statement.contains("Estado de cuenta de Transportes Olanchanos S.A.")
            && statement.contains("4,600.00")
    );
    // The statement as the customer receives it: CSV and PDF.
    let statement_url = |format: &str| {
        app.url(&format!(
            "/reports/statement?party_id={}&format={format}",
            customer.as_str().unwrap_or_default()
        ))
    };
    let csv = client
        .get(statement_url("csv"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        csv.starts_with('\u{feff}')
            && csv.contains("001-001-01-00000001")
            && csv.contains("4600.00"),
        "{csv}"
    );
    let res = client.get(statement_url("pdf")).send().await?;
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "application/pdf"
    );
    let text = pdf_text(&app, &res.bytes().await?)?;
    assert!(
        text.contains("Transportes Olanchanos S.A.") && text.contains("4,600.00"),
        "{text}"
    );
    // A month that is not one: a clear answer, not a 500.
    let res = client
        .get(app.url("/reports/sales-book?period=2026-13"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn fiscal_ranges_and_payments_through_their_pages() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, ("contador@demo.hn", "demo-usuario-2026")).await?;
    let page = client
        .get(app.url("/fiscal-ranges"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D") && page.contains("Vigente"),
        "{page}"
    );
    let csrf = csrf_of(&page).ok_or("no csrf")?;
    let range = |cai: &str, first: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("doc_kind", "invoice".to_owned()),
            ("cai", cai.to_owned()),
            ("first", first.to_owned()),
            ("last", "001-001-01-00009000".to_owned()),
            ("deadline", "2027-12-31".to_owned()),
        ]
    };
    let res = client
        .post(app.url("/fiscal-ranges"))
        .form(&range("ABC", "001-001-01-00008001"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await?.contains("el CAI tiene seis grupos"));
    let res = client
        .post(app.url("/fiscal-ranges"))
        .form(&range(
            "c0ffee-123456-abcdef-654321-fedcba-0a",
            "001-001-01-00004000",
        ))
        .send()
        .await?;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "overlaps the demo range"
    );
    assert!(
        res.text()
            .await?
            .contains("ya incluye algunos de estos números")
    );
    let res = client
        .post(app.url("/fiscal-ranges"))
        .form(&range(
            "c0ffee-123456-abcdef-654321-fedcba-0a",
            "001-001-01-00008001",
        ))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(app.url("/fiscal-ranges"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("C0FFEE-123456-ABCDEF-654321-FEDCBA-0A"));

    // A posted invoice of L 1,150.00, then a payment through the page.
    let (api, _) = app
        .api_login(("contador@demo.hn", "demo-usuario-2026"))
        .await?;
    let customers: serde_json::Value = api
        .get(app.url("/api/v1/parties?q=Progreso"))
        .send()
        .await?
        .json()
        .await?;
    let customer = customers["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let draft: serde_json::Value = api
        .post(app.url("/api/v1/sales/documents"))
        .json(&serde_json::json!({"kind": "invoice", "party_id": customer,
            "lines": [{"description": "Batería", "quantity": "1", "unit_price": "1000", "tax_class": "isv15"}]}))
        .send().await?.json().await?;
    let invoice: serde_json::Value = api
        .post(app.url(&format!(
            "/api/v1/sales/documents/{}/post",
            draft["id"].as_str().unwrap_or_default()
        )))
        .json(&serde_json::json!({"version": draft["version"]}))
        .send()
        .await?
        .json()
        .await?;
    let before = client
        .get(app.url("/payments"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        before.contains("Todavía no hay cobros registrados") && !before.contains("id=\"payments\""),
        "an empty list says so: {before}"
    );
    let form_page = client
        .get(app.url(&format!("/payments/new?party_id={customer}")))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        form_page.contains(invoice["fiscal"]["number"].as_str().unwrap_or("?"))
            && form_page.contains("L 1,150.00"),
        "{form_page}"
    );
    let pay = |amount: &str, apply: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("party_id", customer.clone()),
            ("method", "cash".to_owned()),
            ("amount", amount.to_owned()),
            ("reference", String::new()),
            (
                "invoice",
                invoice["id"].as_str().unwrap_or_default().to_owned(),
            ),
            ("apply", apply.to_owned()),
        ]
    };
    let res = client
        .post(app.url("/payments"))
        .form(&pay("2000", "1200"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await?
            .contains("es más de lo que debe esta factura")
    );
    let res = client
        .post(app.url("/payments"))
        .form(&pay("1000", "1000"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = client
        .get(app.url("/payments"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        list.contains("REC-00001") && list.contains("Efectivo"),
        "{list}"
    );
    let form_page = client
        .get(app.url(&format!("/payments/new?party_id={customer}")))
        .send()
        .await?
        .text()
        .await?;
    assert!(form_page.contains("L 150.00"), "what is still owed");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accountant_records_and_reverses_a_manual_entry() -> TestResult {
    let app = App::start()?;
    let client = form_login(&app, ("contador@demo.hn", "demo-usuario-2026")).await?;
    let page = client.get(app.url("/journal")).send().await?.text().await?;
    let csrf = csrf_of(&page).ok_or("no csrf")?;
    let option = |code: &str| {
        page.split("<option value=\"")
            .find_map(|o| {
                o.split_once(&format!("\">{code} "))
                    .map(|(id, _)| id.to_owned())
            })
            .unwrap_or_default()
    };
    let (cash, capital) = (option("1101"), option("3101"));
    let entry = |credit: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("memo", "Aporte de capital".to_owned()),
            ("entry_date", String::new()),
            ("account", cash.clone()),
            ("debit", "5000".to_owned()),
            ("credit", String::new()),
            ("account", capital.clone()),
            ("debit", String::new()),
            ("credit", credit.to_owned()),
        ]
    };
    let res = client
        .post(app.url("/journal"))
        .form(&entry("4999.99"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await?
            .contains("el debe y el haber no suman lo mismo")
    );
    let res = client
        .post(app.url("/journal"))
        .form(&entry("5000"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = client.get(app.url("/journal")).send().await?.text().await?;
    assert!(
        page.contains("Aporte de capital") && page.contains("L 5,000.00"),
        "{page}"
    );
    let reverse = page
        .split("action=\"/journal/")
        .nth(1)
        .and_then(|r| r.split_once('"'))
        .map(|(path, _)| format!("/journal/{path}"))
        .ok_or("no reverse button")?;
    let res = client
        .post(app.url(&reverse))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = client.get(app.url("/journal")).send().await?.text().await?;
    // (the demo's two stock receipts booked entries 1 and 2)
    assert!(page.contains("Reversión de la partida 3"), "{page}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accountant_points_an_automatic_entry_at_another_account() -> TestResult {
    let app = App::start()?;
    let (api, _) = app
        .api_login(("contador@demo.hn", "demo-usuario-2026"))
        .await?;
    let mapping: serde_json::Value = api
        .get(app.url("/api/v1/ledger-accounts"))
        .send()
        .await?
        .json()
        .await?;
    let card = mapping
        .as_array()
        .and_then(|m| m.iter().find(|x| x["purpose"] == "card"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(card["account_code"], "1111");
    let accounts: serde_json::Value = api
        .get(app.url("/api/v1/accounts"))
        .send()
        .await?
        .json()
        .await?;
    let id_of = |code: &str| {
        accounts
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code))
            .map(|a| a["id"].clone())
            .unwrap_or_default()
    };
    // A header account is refused; a postable one is taken.
    let res = api
        .put(app.url("/api/v1/ledger-accounts/card"))
        .json(&serde_json::json!({"account_id": id_of("11"), "version": card["version"]}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let client = form_login(&app, ("contador@demo.hn", "demo-usuario-2026")).await?;
    let page = client
        .get(app.url("/accounts"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("Cuentas de los asientos automáticos"));
    let csrf = csrf_of(&page).ok_or("no csrf")?;
    let bank = id_of("1103");
    let res = client
        .post(app.url("/accounts/mapping/card"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("account_id", bank.as_str().unwrap_or_default()),
            ("version", &card["version"].to_string()),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mapping: serde_json::Value = api
        .get(app.url("/api/v1/ledger-accounts"))
        .send()
        .await?
        .json()
        .await?;
    let card = mapping
        .as_array()
        .and_then(|m| m.iter().find(|x| x["purpose"] == "card"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(card["account_code"], "1103");
    Ok(())
}
