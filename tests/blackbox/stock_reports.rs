//! The inventory reports per company and consolidated over the companies
//! chosen (valuation beside the ledger, stock by location, units held and
//! their age), and one unit's history as a file — through the API and the
//! report pages' CSV and PDF.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{id, num, ok, send};
use crate::harness::{ADMIN, App, TestResult, company_id, login_in};

const MOTOS: &str = "Motos Catrachas";
const AUTOS: &str = "Autos del Valle";
const ACCOUNTANT: (&str, &str) = ("contador@demo.hn", "demo-usuario-2026");

/// A page or a report file as text (a CSV's byte-order mark left out).
async fn text(c: &reqwest::Client, url: &str) -> Result<String, crate::api::Error> {
    let body = c.get(url).send().await?.text().await?;
    Ok(body.trim_start_matches('\u{feff}').to_owned())
}

fn names(rows: &Value) -> Vec<String> {
    let mut names: Vec<String> = rows
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|r| r["company_name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.dedup();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_reports_consolidate_the_chosen_companies_and_show_each_units_age_and_history()
-> TestResult {
    let app = App::start()?;
    let url = |p: &str| app.url(p);
    let motos = login_in(&app, ADMIN, MOTOS).await?;
    let autos = login_in(&app, ADMIN, AUTOS).await?;
    let (_, me) = app.api_login(ADMIN).await?;
    let (m, a) = (company_id(&me, MOTOS)?, company_id(&me, AUTOS)?);

    // Autos receives four tyres at L 2,000.
    let supplier = ok(autos.post(url("/api/v1/parties")).json(&json!({
        "name": "Llantas del Norte", "is_customer": false, "is_supplier": true})))
    .await?;
    let tyre = ok(autos.post(url("/api/v1/products")).json(&json!({
        "sku": "LLANTA-R15", "name": "Llanta 195/65 R15", "sale_price": "2900.00", "tax_class": "isv15"})))
    .await?;
    let places = ok(autos.get(url("/api/v1/stock-locations?limit=200"))).await?;
    let store = places["items"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["kind"] == "internal"))
        .map(id)
        .ok_or("Autos has no warehouse")?;
    ok(autos.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": id(&supplier), "location_id": store,
        "lines": [{"product_id": id(&tyre), "quantity": "4", "unit_cost": "2000.00"}]})))
    .await?;

    // Each company's valuation, then both: the sums, each row saying whose.
    let alone = |c: &reqwest::Client, q: String| {
        let c = c.clone();
        let u = url(&q);
        async move { ok(c.get(u)).await }
    };
    let vm = alone(&motos, "/api/v1/stock/valuation".into()).await?;
    let va = alone(&autos, "/api/v1/stock/valuation".into()).await?;
    assert_eq!(
        (num(&va["total"]), num(&va["ledger_balance"])),
        (8_000.0, 8_000.0)
    );
    assert!(num(&vm["total"]) > 0.0, "the demo's motorcycles: {vm}");
    let both = alone(&motos, format!("/api/v1/stock/valuation?companies={m},{a}")).await?;
    let cents = |v: &Value| (num(v) * 100.0).round() as i64;
    assert_eq!(cents(&both["total"]), cents(&vm["total"]) + 800_000);
    assert_eq!(
        cents(&both["ledger_balance"]),
        cents(&vm["ledger_balance"]) + 800_000
    );
    assert_eq!(names(&both["rows"]), [AUTOS, MOTOS]);
    assert_eq!(names(&vm["rows"]), [MOTOS], "one company sees only its own");
    let on_hand = alone(&motos, format!("/api/v1/stock/on-hand?companies={a},{m}")).await?;
    assert_eq!(names(&on_hand), [AUTOS, MOTOS]);
    let tyres = on_hand
        .as_array()
        .and_then(|r| r.iter().find(|r| r["sku"] == "LLANTA-R15"))
        .ok_or("no tyres on hand")?;
    assert_eq!(
        (num(&tyres["quantity"]), tyres["company_name"].as_str()),
        (4.0, Some(AUTOS))
    );

    // Someone of Motos only cannot consolidate Autos (nor read it alone).
    let accountant = login_in(&app, ACCOUNTANT, MOTOS).await?;
    for path in [
        format!("/api/v1/stock/valuation?companies={m},{a}"),
        format!("/api/v1/stock/on-hand?companies={a}"),
        format!("/api/v1/stock/units?companies={m},{a}"),
    ] {
        let (status, _) = send(accountant.get(url(&path))).await?;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Nor is a company chooser (or a lone "Mostrar") offered to them.
    let page = text(&accountant, &url("/reports/stock-units")).await?;
    assert!(
        page.contains("<h1") && !page.contains("/reports/stock-units/choose"),
        "{page}"
    );
    // Autos del Valle holds tyres but no vehicles: the units report says so.
    let page = text(&autos, &url("/reports/stock-units")).await?;
    assert!(page.contains("No hay unidades en inventario."), "{page}");
    let (status, problem) = send(motos.get(url("/api/v1/stock/valuation?companies=nadie"))).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/companies");

    // The report pages' files: a company column first when consolidated.
    let csv = text(
        &motos,
        &url(&format!(
            "/reports/stock-valuation?companies={m},{a}&format=csv"
        )),
    )
    .await?;
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.starts_with("Empresa,Código,")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("Autos del Valle,LLANTA-R15,")),
        "{csv}"
    );
    let own = text(&motos, &url("/reports/stock-on-hand?format=csv")).await?;
    assert!(
        own.lines()
            .next()
            .is_some_and(|h| h.starts_with("Ubicación,")),
        "{own}"
    );
    assert!(!own.contains("LLANTA-R15"), "{own}");

    // Units held and their age: every unit the API says is held, oldest
    // first, with the days since it arrived.
    let held = ok(motos.get(url("/api/v1/stock/units?held=true"))).await?;
    let held = held.as_array().cloned().unwrap_or_default();
    assert!(!held.is_empty(), "the demo holds motorcycles");
    assert!(held.iter().all(|u| {
        ["in_transit", "available", "reserved"].contains(&u["status"].as_str().unwrap_or_default())
    }));
    let units = text(&motos, &url("/reports/stock-units?format=csv")).await?;
    let header = units.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("VIN,") && header.ends_with("Días en inventario"),
        "{units}"
    );
    for u in &held {
        let serial = u["serial"].as_str().unwrap_or("?");
        assert!(units.contains(serial), "{serial} missing from {units}");
    }
    let ages: Vec<i64> = units
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("Totales"))
        .filter_map(|l| l.rsplit(',').next()?.parse().ok())
        .collect();
    assert_eq!(ages.len(), held.len(), "{units}");
    assert!(
        ages.windows(2).all(|w| w[0] >= w[1]),
        "oldest first: {ages:?}"
    );

    // One unit's history as CSV and PDF, from its page's links.
    let unit = &held[0];
    let history = motos
        .get(url(&format!(
            "/reports/unit-history?unit_id={}&format=csv",
            id(unit)
        )))
        .send()
        .await?;
    assert_eq!(history.status(), StatusCode::OK);
    let history = history.text().await?;
    assert!(
        history.lines().any(|l| l.contains("Recepción")),
        "its receipt: {history}"
    );
    let page = text(&motos, &url(&format!("/inventory/units/{}", id(unit)))).await?;
    assert!(
        page.contains(&format!(
            "/reports/unit-history?unit_id={}&amp;format=pdf",
            id(unit)
        )),
        "{page}"
    );
    let pdf = motos
        .get(url(&format!(
            "/reports/unit-history?unit_id={}&format=pdf",
            id(unit)
        )))
        .send()
        .await?
        .bytes()
        .await?;
    assert!(pdf.starts_with(b"%PDF-"));
    // Another company's unit is not found, as a page or a file.
    let theirs = autos
        .get(url(&format!(
            "/reports/unit-history?unit_id={}&format=csv",
            id(unit)
        )))
        .send()
        .await?;
    assert_ne!(theirs.status(), StatusCode::OK);
    Ok(())
}
