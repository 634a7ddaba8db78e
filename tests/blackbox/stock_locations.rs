//! Stock locations, the first resource built on the generic record pattern
//! (`erp::records`, `record_routes!`, `RecordPages`), through the API and in
//! Chromium: each company starts with its warehouse's location and the four
//! virtual ones; internal ones are created, validated field by field,
//! updated with the version read, archived and restored, audited and
//! exported as CSV; the virtual ones cannot be changed or archived; another
//! company sees none of it; a sales user may read but not create.

use fantoccini::Locator;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::browser::{chromium, fill, follow, log_in, shot, text_of};
use crate::harness::{ADMIN, App, MANAGER, TestResult, login_in};

use crate::api::{Error, fields, send};

const MOTOS: &str = "Motos Catrachas";
const AUTOS: &str = "Autos del Valle";
const SALES: (&str, &str) = ("ventas@demo.hn", "demo-usuario-2026");

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|i| {
            i.iter()
                .filter_map(|l| l["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn list(app: &App, c: &Client, query: &str) -> Result<Value, Error> {
    let (status, page) = send(c.get(app.url(&format!("/api/v1/stock-locations{query}")))).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    Ok(page)
}

/// The id and code of the company's first warehouse.
async fn first_warehouse(app: &App, c: &Client) -> Result<(String, String), Error> {
    let (_, warehouses) = send(c.get(app.url("/api/v1/warehouses"))).await?;
    let text = |key: &str| warehouses[0][key].as_str().unwrap_or_default().to_owned();
    Ok((text("id"), text("code")))
}

#[tokio::test(flavor = "multi_thread")]
async fn locations_follow_the_record_pattern_and_the_virtual_ones_are_fixed() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let url = |path: &str| app.url(path);

    // What every company starts with.
    let virtuals = list(&app, &c, "?kind=transit").await?;
    assert_eq!(codes(&virtuals), ["TRANSITO"]);
    let not_internal: Vec<String> = codes(&list(&app, &c, "?sort=code&limit=200").await?)
        .into_iter()
        .filter(|code| ["CLIENTES", "PERDIDAS", "PROVEEDORES", "TRANSITO"].contains(&code.as_str()))
        .collect();
    assert_eq!(
        not_internal,
        ["CLIENTES", "PERDIDAS", "PROVEEDORES", "TRANSITO"]
    );
    let internal = list(&app, &c, "?kind=internal").await?;
    assert!(
        codes(&internal).contains(&"BOD-01".to_owned()),
        "the demo warehouse has its main location: {internal}"
    );
    let (warehouse, warehouse_code) = first_warehouse(&app, &c).await?;
    let before = codes(&list(&app, &c, "?status=all&limit=200").await?).len();

    // Bad input: each field named, nothing written.
    let cases = [
        (
            json!({"warehouse_id": warehouse, "code": "-patio", "name": ""}),
            vec![("/code", "invalid_code"), ("/name", "required")],
        ),
        (
            json!({"warehouse_id": uuid::Uuid::nil(), "code": "PATIO", "name": "Patio"}),
            vec![("/warehouse_id", "unknown_warehouse")],
        ),
        (
            json!({"warehouse_id": warehouse, "code": "TRANSITO", "name": "Otro"}),
            vec![("/code", "location_code_taken")],
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) = send(c.post(url("/api/v1/stock-locations")).json(&body)).await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(p, c)| (p.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(fields(&problem), expected, "{body}");
    }
    assert_eq!(
        codes(&list(&app, &c, "?status=all&limit=200").await?).len(),
        before,
        "refused input wrote nothing"
    );

    // Create, read, update with the version read.
    let (status, patio) = send(c.post(url("/api/v1/stock-locations")).json(&json!({
        "warehouse_id": warehouse, "code": "patio-1", "name": "Patio de motos"})))
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{patio}");
    assert_eq!(
        (patio["code"].as_str(), patio["kind"].as_str()),
        (Some("PATIO-1"), Some("internal"))
    );
    let id = patio["id"].as_str().unwrap_or_default().to_owned();
    let one = url(&format!("/api/v1/stock-locations/{id}"));
    assert_eq!(
        send(c.get(&one)).await?.1,
        patio,
        "a read gives what create answered"
    );
    let (status, renamed) = send(c.put(&one).json(&json!({
        "warehouse_id": warehouse, "code": "PATIO-1", "name": "Patio de exhibición", "version": 1})))
    .await?;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["version"], 2);
    let (status, stale) = send(c.put(&one).json(&json!({
        "warehouse_id": warehouse, "code": "PATIO-1", "name": "Otro nombre", "version": 1})))
    .await?;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert_eq!(
        list(&app, &c, "?q=exhibicion").await?["items"][0]["id"],
        patio["id"],
        "the text filter ignores accents"
    );

    // The virtual locations are the system's.
    let transit = &virtuals["items"][0];
    let transit_url = url(&format!(
        "/api/v1/stock-locations/{}",
        transit["id"].as_str().unwrap_or_default()
    ));
    let (status, problem) = send(c.put(&transit_url).json(&json!({
        "warehouse_id": warehouse, "code": "TRANSITO", "name": "Aduana", "version": transit["version"]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/warehouse_id".to_owned(),
            "virtual_location_fixed".to_owned()
        )]
    );
    let (status, problem) = send(
        c.post(format!("{transit_url}/archive"))
            .json(&json!({"version": transit["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(send(c.get(&transit_url)).await?.1, *transit, "unchanged");

    // Archive hides it from the default list; restore brings it back.
    let (status, archived) = send(
        c.post(format!("{one}/archive"))
            .json(&json!({"version": 2})),
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert!(!codes(&list(&app, &c, "").await?).contains(&"PATIO-1".to_owned()));
    assert_eq!(
        codes(&list(&app, &c, "?status=archived").await?),
        ["PATIO-1"]
    );
    let (status, _) = send(
        c.post(format!("{one}/restore"))
            .json(&json!({"version": 3})),
    )
    .await?;
    assert_eq!(status, StatusCode::OK);

    // Every change is in the audit trail, with the row before and after.
    let (_, audit) = send(c.get(url(&format!(
        "/api/v1/audit?entity=stock_location&entity_id={id}"
    ))))
    .await?;
    let mut actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|r| r["action"].as_str()).collect())
        .unwrap_or_default();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["archive", "create", "restore", "update"],
        "{audit}"
    );

    // The list as CSV, in the columns and order of the list.
    let res = c
        .get(url(
            "/api/v1/stock-locations/export?kind=internal&sort=code",
        ))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await?;
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("code,name,kind,warehouse"));
    assert!(
        csv.contains(&format!(
            "PATIO-1,Patio de exhibición,internal,{warehouse_code}"
        )),
        "{csv}"
    );

    // A sales user reads, but may not create.
    let sales = login_in(&app, SALES, MOTOS).await?;
    list(&app, &sales, "").await?;
    let (status, problem) = send(sales.post(url("/api/v1/stock-locations")).json(&json!({
        "warehouse_id": warehouse, "code": "X1", "name": "X"})))
    .await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");

    // Another company: its own virtual locations, none of ours.
    let autos = login_in(&app, ADMIN, AUTOS).await?;
    let (status, _) = send(autos.get(&one)).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = list(&app, &autos, "?status=all&limit=200").await?;
    assert!(!codes(&theirs).contains(&"PATIO-1".to_owned()), "{theirs}");
    assert_eq!(
        codes(&list(&app, &autos, "?kind=loss").await?),
        ["PERDIDAS"]
    );
    let (status, _) = send(autos.put(&one).json(&json!({
        "warehouse_id": warehouse, "code": "PATIO-1", "name": "Robado", "version": 4})))
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_adds_a_location_to_a_warehouse() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Inventario")).await?;
        follow(&browser, Locator::LinkText("Ubicaciones")).await?;
        let table = text_of(&browser, "table").await?;
        assert!(table.contains("En tránsito y aduana"), "{table}");
        follow(&browser, Locator::Id("new-location")).await?;

        // No warehouse chosen and a code with a space: both explained.
        fill(&browser, "f-code", "patio 2").await?;
        fill(&browser, "f-name", "Patio trasero").await?;
        follow(&browser, Locator::Id("save")).await?;
        assert_eq!(
            text_of(&browser, "#f-code-error").await?,
            "Solo letras, dígitos, - y _ (no al inicio)."
        );
        assert!(!text_of(&browser, "#f-warehouse_id-error").await?.is_empty());
        shot(&browser, "location-form-errors.png").await?;

        browser
            .find(Locator::Id("f-warehouse_id"))
            .await?
            .select_by_label("BOD-01 — Bodega principal")
            .await?;
        fill(&browser, "f-code", "patio-2").await?;
        follow(&browser, Locator::Id("save")).await?;
        browser
            .find(Locator::XPath("//h1[text()='PATIO-2 — Patio trasero']"))
            .await?;
        follow(&browser, Locator::LinkText("Inventario")).await?;
        follow(&browser, Locator::LinkText("Ubicaciones")).await?;
        let table = text_of(&browser, "table").await?;
        assert!(table.contains("Patio trasero"), "{table}");
        shot(&browser, "locations-list.png").await?;
        Ok::<(), Error>(())
    }
    .await;
    let _ = browser.close().await;
    result
}
