//! The stock ledger through the API, with figures computed by hand (the
//! scenario of issue 18, as far as receipts, landed costs, transfers,
//! counts and reversals reach): two imported motorcycles received into
//! transit at their own prices, their DUA's costs spread by value, arriving
//! at W1, one moved to W2 without a change of
//! value, lost in a count at W2 and found again by reversing it; a part at
//! a weighted average of two purchases. After every step the valuation
//! equals the ledger's inventory accounts and the trial balance balances.
//! Then bad input, isolation, and concurrent receipts of one part.

use fantoccini::Locator;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::browser::{chromium, fill, follow, log_in, shot, text_of};

use crate::api::{Error, fields, id, num, ok, send};
use crate::harness::{ADMIN, App, MANAGER, TestResult, login_in};

const MOTOS: &str = "Motos Catrachas";
const AUTOS: &str = "Autos del Valle";
const VIN_A: &str = "JH2KD0810RK000001";
const VIN_B: &str = "JH2KD0810RK000002";

/// What a test company needs: a supplier, a motorcycle model tracked by
/// VIN, a part, W1 (the demo warehouse), W2 (a new one) and transit.
struct Setup {
    supplier: String,
    moto: String,
    part: String,
    w1: String,
    w2: String,
    transit: String,
}

/// The id of the location with `code` (a warehouse's main location has the
/// warehouse's code).
async fn location(app: &App, c: &Client, code: &str) -> Result<String, Error> {
    let page = ok(c.get(app.url("/api/v1/stock-locations?limit=200"))).await?;
    page["items"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["code"] == code))
        .map(id)
        .ok_or_else(|| format!("no location {code}: {page}").into())
}

async fn setup(app: &App, c: &Client) -> Result<Setup, Error> {
    let supplier = ok(c.post(app.url("/api/v1/parties")).json(&json!({
        "name": "Honda Motor Co. (Japón)", "is_customer": false, "is_supplier": true})))
    .await?;
    let moto = ok(c.post(app.url("/api/v1/products")).json(&json!({
        "sku": "CRF250F", "name": "Honda CRF250F", "sale_price": "95000.00", "tax_class": "isv15",
        "tracking": "serial", "is_vehicle": true})))
    .await?;
    let part = ok(c.post(app.url("/api/v1/products")).json(&json!({
        "sku": "FILTRO-15410", "name": "Filtro de aceite", "sale_price": "250.00", "tax_class": "isv15"})))
    .await?;
    let branches = ok(c.get(app.url("/api/v1/branches"))).await?;
    ok(c.post(app.url("/api/v1/warehouses")).json(&json!({
        "branch_id": branches[0]["id"], "code": "W2", "name": "Bodega San Pedro Sula"})))
    .await?;
    Ok(Setup {
        supplier: id(&supplier),
        moto: id(&moto),
        part: id(&part),
        w1: location(app, c, "BOD-01").await?,
        w2: location(app, c, "W2").await?,
        transit: location(app, c, "TRANSITO").await?,
    })
}

/// Balance (debit − credit) of an account in this month's trial balance.
pub(crate) fn account(tb: &Value, code: &str) -> f64 {
    tb["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["code"] == code))
        .map_or(0.0, |r| num(&r["balance"]))
}

/// The invariants every step keeps: valuation = inventory accounts, debits
/// = credits. Answers the trial balance for the step's own checks.
pub(crate) async fn books_agree(app: &App, c: &Client, step: &str) -> Result<Value, Error> {
    let valuation = ok(c.get(app.url("/api/v1/stock/valuation"))).await?;
    assert_eq!(
        num(&valuation["total"]),
        num(&valuation["ledger_balance"]),
        "{step}: valuation equals the ledger's inventory {valuation}"
    );
    let tb = ok(c.get(app.url("/api/v1/reports/trial-balance"))).await?;
    assert_eq!(
        num(&tb["total_debit"]),
        num(&tb["total_credit"]),
        "{step}: the trial balance sums to zero"
    );
    // (in cents: three f64 balances need not add up to the f64 total exactly)
    let cents = |x: f64| (x * 100.0).round() as i64;
    assert_eq!(
        cents(account(&tb, "1107") + account(&tb, "1108") + account(&tb, "1112")),
        cents(num(&valuation["total"])),
        "{step}: the trial balance's inventory accounts are the valuation"
    );
    Ok(tb)
}

/// How much an account's balance moved since `base` (the demo's own
/// stock is on the books before a test starts).
pub(crate) fn moved(base: &Value, tb: &Value, code: &str) -> f64 {
    account(tb, code) - account(base, code)
}

async fn unit(app: &App, c: &Client, vin: &str) -> Result<Value, Error> {
    let units = ok(c.get(app.url(&format!("/api/v1/stock/units?q={vin}")))).await?;
    Ok(units[0].clone())
}

async fn on_hand(app: &App, c: &Client, location: &str, product: &str) -> Result<f64, Error> {
    let rows = ok(c.get(app.url(&format!(
        "/api/v1/stock/on-hand?location_id={location}&product_id={product}"
    ))))
    .await?;
    Ok(rows[0].get("quantity").map_or(0.0, num))
}

async fn documents_count(app: &App, c: &Client) -> Result<usize, Error> {
    let page = ok(c.get(app.url("/api/v1/stock/documents?limit=200"))).await?;
    Ok(page["items"].as_array().map_or(0, Vec::len))
}

#[tokio::test(flavor = "multi_thread")]
async fn imported_units_and_an_averaged_part_keep_valuation_and_ledger_equal() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let s = setup(&app, &c).await?;
    let url = |path: &str| app.url(path);
    let base = books_agree(&app, &c, "start").await?;

    // Bad input names each field and writes nothing.
    let before = documents_count(&app, &c).await?;
    let (status, problem) = send(c.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": s.supplier, "location_id": s.transit,
        "lines": [
            {"product_id": s.moto, "units": [{"serial": "JH2KD0810RK00001", "unit_cost": "400000.00"}]},
            {"product_id": s.part, "quantity": "-2", "unit_cost": "100.00"},
            {"product_id": s.part, "quantity": "99999999", "unit_cost": "999999999999"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            (
                "/lines/0/units/0/serial".to_owned(),
                "invalid_vin".to_owned()
            ),
            (
                "/lines/1/quantity".to_owned(),
                "invalid_quantity".to_owned()
            ),
            ("/lines/2/unit_cost".to_owned(), "line_too_large".to_owned())
        ]
    );
    assert_eq!(documents_count(&app, &c).await?, before, "nothing written");
    // An order line whose quantity times price would not fit the order's
    // total (before, PostgreSQL's numeric overflow: a 500).
    let orders_before = ok(c.get(url("/api/v1/purchases/orders"))).await?;
    let (status, problem) = send(c.post(url("/api/v1/purchases/orders")).json(&json!({
        "party_id": s.supplier,
        "lines": [{"product_id": s.part, "quantity": "99999999", "unit_price": "999999999999"}]})))
    .await?;
    assert_eq!(
        (status, fields(&problem)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![(
                "/lines/0/unit_price".to_owned(),
                "line_too_large".to_owned()
            )]
        ),
        "{problem}"
    );
    // Lines that each fit, but whose total in lempiras reaches what any
    // amount may be (10^12), in lempiras and in dollars at their rate.
    for (currency, rate, price) in [
        ("HNL", None, "9999999999"),
        ("USD", Some("24.65"), "100000000"),
    ] {
        let (status, problem) = send(c.post(url("/api/v1/purchases/orders")).json(&json!({
            "party_id": s.supplier, "currency": currency, "exchange_rate": rate,
            "lines": [{"product_id": s.part, "quantity": "1000", "unit_price": price}]})))
        .await?;
        assert_eq!(
            (status, fields(&problem)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![("/lines".to_owned(), "total_too_large".to_owned())]
            ),
            "{currency}: {problem}"
        );
    }
    assert_eq!(
        ok(c.get(url("/api/v1/purchases/orders"))).await?,
        orders_before
    );

    // 1. Ordered from the foreign supplier and received into transit at
    //    the order's prices: inventory in transit 1,000,000 against goods
    //    received not invoiced.
    let order = ok(c.post(url("/api/v1/purchases/orders")).json(&json!({
        "party_id": s.supplier, "reference": "PI-OSAKA-7781",
        "lines": [{"product_id": s.moto, "quantity": "1", "unit_price": "400000.00"},
                  {"product_id": s.moto, "quantity": "1", "unit_price": "600000.00"}]})))
    .await?;
    assert_eq!(
        (
            order["number"].as_str().map(|n| n.starts_with("OC-")),
            order["state"].as_str(),
            num(&order["total"])
        ),
        (Some(true), Some("open"), 1_000_000.0),
        "{order}"
    );
    let receipt = ok(c.post(url("/api/v1/stock/receipts")).json(&json!({
        "purchase_order_id": id(&order), "location_id": s.transit, "reference": "BL-OSAKA-7781",
        "lines": [
            {"purchase_line_id": id(&order["lines"][0]), "units": [
                {"serial": VIN_A, "engine_no": "KD08E-100001", "colour": "Rojo", "model_year": 2027}]},
            {"purchase_line_id": id(&order["lines"][1]), "units": [
                {"serial": VIN_B.to_lowercase(), "engine_no": "KD08E-100002", "colour": "Negro", "model_year": 2027}]}]})))
    .await?;
    assert_eq!(num(&receipt["value"]), 1_000_000.0, "{receipt}");
    assert_eq!(receipt["party_id"].as_str(), Some(s.supplier.as_str()));
    assert!(
        receipt["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("REC-")),
        "{receipt}"
    );
    let order = ok(c.get(url(&format!("/api/v1/purchases/orders/{}", id(&order))))).await?;
    assert_eq!(order["state"], "received", "{order}");
    assert_eq!(num(&order["lines"][1]["received"]), 1.0);
    // Nothing more is expected on it.
    let (status, problem) = send(c.post(url("/api/v1/stock/receipts")).json(&json!({
        "purchase_order_id": id(&order), "location_id": s.transit,
        "lines": [{"purchase_line_id": id(&order["lines"][0]), "units": [{"serial": "JH2KD0810RK000009"}]}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [("/lines/0/quantity".to_owned(), "exceeds_ordered".to_owned())]
    );
    let tb = books_agree(&app, &c, "1. receipt").await?;
    assert_eq!(moved(&base, &tb, "1112"), 1_000_000.0);
    assert_eq!(moved(&base, &tb, "2108"), -1_000_000.0);
    let a = unit(&app, &c, VIN_A).await?;
    assert_eq!(
        (
            a["status"].as_str(),
            num(&a["cost"]),
            a["colour"].as_str(),
            a["model_year"].as_i64()
        ),
        (Some("in_transit"), 400_000.0, Some("Rojo"), Some(2027))
    );
    assert_eq!(num(&unit(&app, &c, VIN_B).await?["cost"]), 600_000.0);

    // 2. The supplier's commercial invoice clears goods received not
    //    invoiced against the payable.
    let bill = ok(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": s.supplier, "class": "foreign", "supplier_number": "INV-OSAKA-7781",
        "purchase_order_id": id(&order), "exempt": "1000000.00"})))
    .await?;
    assert_eq!(
        (
            num(&bill["goods"]),
            num(&bill["payable"]),
            num(&bill["open_amount"])
        ),
        (1_000_000.0, 1_000_000.0, 1_000_000.0),
        "{bill}"
    );
    let tb = books_agree(&app, &c, "2. supplier bill").await?;
    assert_eq!(
        (moved(&base, &tb, "2108"), moved(&base, &tb, "2101")),
        (0.0, -1_000_000.0)
    );

    // A VIN already received is refused, field named, nothing written.
    let before = documents_count(&app, &c).await?;
    let (status, problem) = send(c.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": s.supplier, "location_id": s.w1,
        "lines": [{"product_id": s.moto, "units": [{"serial": VIN_A, "unit_cost": "1.00"}]}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/lines/0/units/0/serial".to_owned(),
            "serial_taken".to_owned()
        )]
    );
    assert_eq!(documents_count(&app, &c).await?, before);

    // 3. Landed cost on DUA X, by value: freight 50,000, DAI 10,000,
    //    selectivo 100,000 → VIN-A +64,000 = 464,000, VIN-B +96,000 = 696,000.
    let broker = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Agencia Aduanera Cortés", "is_customer": false, "is_supplier": true})))
    .await?;
    let dua = json!({"receipt_id": id(&receipt), "party_id": id(&broker), "reference": "DUA 0801-2026-12345",
        "costs": [{"kind": "freight", "amount": "50000.00"}, {"kind": "dai", "amount": "10000.00"},
                  {"kind": "selectivo", "amount": "100000.00"}]});
    let mut by_hand = dua.clone();
    by_hand["method"] = json!("manual");
    by_hand["shares"] =
        json!([{"line_no": 0, "amount": "60000.00"}, {"line_no": 1, "amount": "60000.00"}]);
    let (status, problem) = send(c.post(url("/api/v1/stock/landed-costs")).json(&by_hand)).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [("/shares".to_owned(), "shares_differ".to_owned())]
    );
    let landed = ok(c.post(url("/api/v1/stock/landed-costs")).json(&dua)).await?;
    let shares: Vec<f64> = landed["moves"]
        .as_array()
        .map(|m| m.iter().map(|m| num(&m["value"])).collect())
        .unwrap_or_default();
    assert_eq!(shares, [64_000.0, 96_000.0], "{landed}");
    assert_eq!(num(&unit(&app, &c, VIN_A).await?["cost"]), 464_000.0);
    assert_eq!(num(&unit(&app, &c, VIN_B).await?["cost"]), 696_000.0);
    let tb = books_agree(&app, &c, "3. landed cost").await?;
    assert_eq!(moved(&base, &tb, "1112"), 1_160_000.0);
    assert_eq!(moved(&base, &tb, "2108"), -160_000.0);
    //    The DUA's own bill: the duties clear what the landed cost booked;
    //    the import ISV, 15 % of the customs value 1,160,000 = 174,000, is
    //    fiscal credit, not inventory.
    let customs = ok(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": id(&broker), "class": "dua", "supplier_number": "0801-2026-12345",
        "taxed15": "1160000.00", "goods": "160000.00"})))
    .await?;
    assert_eq!(
        (num(&customs["isv15"]), num(&customs["total"])),
        (174_000.0, 334_000.0),
        "{customs}"
    );
    let tb = books_agree(&app, &c, "3. customs bill").await?;
    assert_eq!(
        (
            moved(&base, &tb, "2108"),
            moved(&base, &tb, "1106"),
            moved(&base, &tb, "1112"),
            moved(&base, &tb, "2101")
        ),
        (0.0, 174_000.0, 1_160_000.0, -1_334_000.0)
    );

    // 4. Arrival at W1: both available, inventory in transit → vehicles.
    ok(c.post(url("/api/v1/stock/transfers")).json(&json!({
        "from_location_id": s.transit, "to_location_id": s.w1, "reference": "DUA 0801-2026-12345",
        "lines": [{"serial": VIN_A}, {"serial": VIN_B}]})))
    .await?;
    let tb = books_agree(&app, &c, "4. arrival").await?;
    assert_eq!(
        (moved(&base, &tb, "1112"), moved(&base, &tb, "1107")),
        (0.0, 1_160_000.0)
    );
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "available");
    assert_eq!(on_hand(&app, &c, &s.w1, &s.moto).await?, 2.0);

    //    VIN-B from W1 to W2 on the road, with a remission guide from the
    //    company's own CAI range: value unchanged, no entry; W1 has 1, W2 has 1.
    let entries_before = ok(c.get(url("/api/v1/journal-entries?limit=200"))).await?;
    let to_w2 = json!({"from_location_id": s.w1, "to_location_id": s.w2, "lines": [{"serial": VIN_B}],
        "remission_guide": true});
    let (status, problem) = send(c.post(url("/api/v1/stock/transfers")).json(&to_w2)).await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("fiscal_range_missing")),
        "no guide without a range: {problem}"
    );
    ok(c.post(url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "remission_guide", "cai": "5E6F70-81920A-B3C4D5-E6F708-192A3B-4C",
        "first": "001-001-09-00000001", "last": "001-001-09-00000200", "deadline": "2027-12-31"})))
    .await?;
    let transfer = ok(c.post(url("/api/v1/stock/transfers")).json(&to_w2)).await?;
    assert_eq!(num(&transfer["value"]), 696_000.0);
    assert_eq!(
        (
            transfer["remission_number"].as_str(),
            transfer["remission_cai"].as_str()
        ),
        (
            Some("001-001-09-00000001"),
            Some("5E6F70-81920A-B3C4D5-E6F708-192A3B-4C")
        ),
        "{transfer}"
    );
    assert!(transfer["journal_entry_id"].is_null(), "{transfer}");
    // The guide printed to travel with the goods: where from, where to, the VIN.
    let guide = c
        .get(url(&format!(
            "/api/v1/stock/documents/{}/remission-guide",
            id(&transfer)
        )))
        .send()
        .await?;
    assert_eq!(guide.status(), StatusCode::OK);
    let text = crate::browser_sales::pdf_text(&app, &guide.bytes().await?)?;
    for needed in [
        "GUÍA DE REMISIÓN",
        "No. 001-001-09-00000001",
        "CAI: 5E6F70-81920A-B3C4D5-E6F708-192A3B-4C",
        "Punto de partida",
        "BOD-01",
        "Punto de llegada",
        "W2 — Bodega San Pedro Sula",
        VIN_B,
    ] {
        assert!(text.contains(needed), "the guide lacks {needed:?}:\n{text}");
    }
    assert_eq!(
        ok(c.get(url("/api/v1/journal-entries?limit=200"))).await?["items"]
            .as_array()
            .map(Vec::len),
        entries_before["items"].as_array().map(Vec::len)
    );
    books_agree(&app, &c, "4. transfer").await?;
    assert_eq!(on_hand(&app, &c, &s.w1, &s.moto).await?, 1.0);
    assert_eq!(on_hand(&app, &c, &s.w2, &s.moto).await?, 1.0);
    let b = unit(&app, &c, VIN_B).await?;
    assert_eq!(
        (b["location_id"].as_str(), num(&b["cost"])),
        (Some(s.w2.as_str()), 696_000.0)
    );

    // A unit is taken only from where it is.
    let (status, problem) = send(c.post(url("/api/v1/stock/transfers")).json(&json!({
        "from_location_id": s.w1, "to_location_id": s.w2, "lines": [{"serial": VIN_B}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        fields(&problem).contains(&("/lines/0/serial".to_owned(), "unit_not_here".to_owned())),
        "{problem}"
    );

    // 5. An order on VIN-A reserves it; a second order on it is refused
    //    (409, the VIN and the first order named); cancelling releases it.
    let customer = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Transportes Olancho", "rtn": "08019001234567"})))
    .await?;
    let order_for = |price: &str| {
        json!({"kind": "order", "party_id": id(&customer),
        "lines": [{"product_id": s.moto, "serial": VIN_A, "quantity": "1", "unit_price": price}]})
    };
    let first = ok(c
        .post(url("/api/v1/sales/documents"))
        .json(&order_for("550000.00")))
    .await?;
    assert_eq!(first["lines"][0]["serial"], VIN_A);
    let first = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/confirm",
            id(&first)
        )))
        .json(&json!({"version": first["version"]})))
    .await?;
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "reserved");
    let on_hand_rows = ok(c.get(url(&format!(
        "/api/v1/stock/on-hand?product_id={}&location_id={}",
        s.moto, s.w1
    ))))
    .await?;
    assert_eq!(
        (
            num(&on_hand_rows[0]["reserved"]),
            num(&on_hand_rows[0]["available"])
        ),
        (1.0, 0.0)
    );
    // (the second names the VIN only: the product is the unit's; a VIN
    // nobody has is refused under its field)
    let vin_only = |vin: &str| {
        json!({"kind": "order", "party_id": id(&customer),
        "lines": [{"serial": vin, "quantity": "1", "unit_price": "540000.00"}]})
    };
    let (status, problem) = send(
        c.post(url("/api/v1/sales/documents"))
            .json(&vin_only("JH2KD0810RK099999")),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], "/lines/0/serial",
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["code"], "unknown_serial", "{problem}");
    let second = ok(c
        .post(url("/api/v1/sales/documents"))
        .json(&vin_only(VIN_A)))
    .await?;
    assert_eq!(second["lines"][0]["product_id"], s.moto.as_str());
    assert_eq!(second["lines"][0]["engine_no"], "KD08E-100001");
    let (status, problem) = send(
        c.post(url(&format!(
            "/api/v1/sales/documents/{}/confirm",
            id(&second)
        )))
        .json(&json!({"version": second["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "unit_reserved");
    assert!(
        problem["detail"].as_str().is_some_and(
            |d| d.contains(VIN_A) && d.contains(first["reference"].as_str().unwrap_or("?"))
        ),
        "{problem}"
    );
    let second = ok(c.get(url(&format!("/api/v1/sales/documents/{}", id(&second))))).await?;
    assert_eq!(
        second["status"], "draft",
        "the refused confirmation changed nothing"
    );
    // (a cancelled order gives its unit back; the first one is confirmed again below)
    let spare = ok(c.post(url("/api/v1/sales/documents")).json(&json!({"kind": "order", "party_id": id(&customer),
        "lines": [{"product_id": s.moto, "serial": VIN_B, "quantity": "1", "unit_price": "700000.00"}]})))
    .await?;
    let spare = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/confirm",
            id(&spare)
        )))
        .json(&json!({"version": spare["version"]})))
    .await?;
    assert_eq!(unit(&app, &c, VIN_B).await?["status"], "reserved");
    ok(c.post(url(&format!(
        "/api/v1/sales/documents/{}/cancel",
        id(&spare)
    )))
    .json(&json!({"version": spare["version"]})))
    .await?;
    assert_eq!(unit(&app, &c, VIN_B).await?["status"], "available");

    // 6. Invoice VIN-A at L 550,000 + ISV and deliver it: cost of sales
    //    464,000 / inventory 464,000; margin for VIN-A 86,000.
    let invoice = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/invoice",
            id(&first)
        )))
        .json(&json!({})))
    .await?;
    assert_eq!(
        invoice["lines"][0]["serial"], VIN_A,
        "the invoice line keeps the order's VIN"
    );
    let invoice = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/post",
            id(&invoice)
        )))
        .json(&json!({"version": invoice["version"]})))
    .await?;
    assert_eq!(invoice["amounts"]["total"], "632500.00");
    let delivery = ok(c
        .post(url("/api/v1/stock/deliveries"))
        .json(&json!({"invoice_id": id(&invoice)})))
    .await?;
    assert_eq!(num(&delivery["value"]), 464_000.0, "{delivery}");
    let tb = books_agree(&app, &c, "6. delivery").await?;
    assert_eq!(moved(&base, &tb, "5101"), 464_000.0);
    assert_eq!(moved(&base, &tb, "1107"), 696_000.0);
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "delivered");
    let margins = ok(c.get(url("/api/v1/stock/margins?units_only=true"))).await?;
    assert_eq!(
        (
            margins[0]["serial"].as_str(),
            num(&margins[0]["revenue"]),
            num(&margins[0]["cost"]),
            num(&margins[0]["margin"])
        ),
        (Some(VIN_A), 550_000.0, 464_000.0, 86_000.0)
    );
    let (status, problem) = send(
        c.post(url("/api/v1/stock/deliveries"))
            .json(&json!({"invoice_id": id(&invoice)})),
    )
    .await?;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "delivered once only: {problem}"
    );
    assert_eq!(
        fields(&problem),
        [("/lines".to_owned(), "nothing_to_deliver".to_owned())]
    );

    // 7. A count at W2 that finds nothing: a loss of 696,000 (VIN-B's own
    //    cost); then reversed, and VIN-B is back at W2.
    let count = ok(c.post(url("/api/v1/stock/counts")).json(&json!({
        "location_id": s.w2, "lines": [{"product_id": s.moto, "serials": []}]})))
    .await?;
    assert_eq!(num(&count["value"]), 696_000.0, "{count}");
    assert_eq!(
        (
            num(&count["count_lines"][0]["expected"]),
            num(&count["count_lines"][0]["counted"])
        ),
        (1.0, 0.0)
    );
    let tb = books_agree(&app, &c, "7. count").await?;
    assert_eq!(moved(&base, &tb, "6111"), 696_000.0);
    assert_eq!(unit(&app, &c, VIN_B).await?["status"], "lost");
    let reversal = ok(c
        .post(url(&format!(
            "/api/v1/stock/documents/{}/reverse",
            id(&count)
        )))
        .json(&json!({"memo": "Estaba en el taller"})))
    .await?;
    assert_eq!(reversal["reverses_id"], count["id"]);
    let tb = books_agree(&app, &c, "7. reversal").await?;
    assert_eq!(moved(&base, &tb, "6111"), 0.0);
    assert_eq!(unit(&app, &c, VIN_B).await?["status"], "available");
    assert_eq!(on_hand(&app, &c, &s.w2, &s.moto).await?, 1.0);
    let (status, problem) = send(
        c.post(url(&format!(
            "/api/v1/stock/documents/{}/reverse",
            id(&count)
        )))
        .json(&json!({})),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_reversed"))
    );

    // VIN-B's history: received, landed, arrived, moved, lost, found.
    let history = ok(c.get(url(&format!("/api/v1/stock/units/{}", id(&b))))).await?;
    let kinds: Vec<&str> = history["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        [
            "receipt",
            "landed_cost",
            "transfer",
            "transfer",
            "count",
            "count"
        ]
    );
    let costs: Vec<f64> = history["history"]
        .as_array()
        .map(|h| h.iter().map(|e| num(&e["cost_after"])).collect())
        .unwrap_or_default();
    assert_eq!(
        costs,
        [
            600_000.0, 696_000.0, 696_000.0, 696_000.0, 696_000.0, 696_000.0
        ]
    );

    // 8. Part received 10 @ 100 then 10 @ 130: average 115.00; 5 issued
    //    (a count short by 5) cost 575.00.
    for cost in ["100.00", "130.00"] {
        ok(c.post(url("/api/v1/stock/receipts")).json(&json!({
            "party_id": s.supplier, "location_id": s.w1,
            "lines": [{"product_id": s.part, "quantity": "10", "unit_cost": cost}]})))
        .await?;
    }
    let valuation = ok(c.get(url("/api/v1/stock/valuation"))).await?;
    let part_row = |v: &Value| {
        v["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["product_id"] == s.part.as_str()))
            .cloned()
            .unwrap_or_default()
    };
    let row = part_row(&valuation);
    assert_eq!((num(&row["quantity"]), num(&row["value"])), (20.0, 2300.0));
    let short = ok(c.post(url("/api/v1/stock/counts")).json(&json!({
        "location_id": s.w1, "lines": [{"product_id": s.part, "counted": "15"}]})))
    .await?;
    assert_eq!(num(&short["moves"][0]["value"]), 575.0, "{short}");
    assert_eq!(num(&short["moves"][0]["unit_cost"]), 115.0);
    let row = part_row(&ok(c.get(url("/api/v1/stock/valuation"))).await?);
    assert_eq!((num(&row["quantity"]), num(&row["value"])), (15.0, 1725.0));
    let tb = books_agree(&app, &c, "8. average").await?;
    assert_eq!(moved(&base, &tb, "1108"), 1725.0);
    assert_eq!(moved(&base, &tb, "1107"), 696_000.0);

    // A quantity above what is on hand is refused with the line named.
    let (status, problem) = send(c.post(url("/api/v1/stock/transfers")).json(&json!({
        "from_location_id": s.w1, "to_location_id": s.w2,
        "lines": [{"product_id": s.part, "quantity": "16"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/lines/0/quantity".to_owned(),
            "insufficient_stock".to_owned()
        )]
    );

    // The valuation at yesterday's end knew none of it.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();
    let past = ok(c.get(url(&format!("/api/v1/stock/valuation?date={yesterday}")))).await?;
    assert_eq!(
        (num(&past["total"]), num(&past["ledger_balance"])),
        (0.0, 0.0)
    );

    // Another company sees none of it and cannot use it.
    let autos = login_in(&app, ADMIN, AUTOS).await?;
    let (status, _) =
        send(autos.get(url(&format!("/api/v1/stock/documents/{}", id(&receipt))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(autos.get(url(&format!("/api/v1/stock/units/{}", id(&b))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        autos
            .post(url(&format!(
                "/api/v1/stock/documents/{}/reverse",
                id(&receipt)
            )))
            .json(&json!({})),
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ok(autos.get(url("/api/v1/stock/units"))).await?, json!([]));
    assert_eq!(
        ok(autos.get(url("/api/v1/stock/on-hand"))).await?,
        json!([])
    );
    let autos_w = location(&app, &autos, "BOD-01").await?;
    let autos_supplier = ok(autos.post(url("/api/v1/parties")).json(&json!({
        "name": "Proveedor local", "is_customer": false, "is_supplier": true})))
    .await?;
    let (status, problem) = send(autos.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": id(&autos_supplier), "location_id": autos_w,
        "lines": [{"product_id": s.part, "quantity": "1", "unit_cost": "1.00"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&problem),
        [(
            "/lines/0/product_id".to_owned(),
            "unknown_product".to_owned()
        )]
    );
    let (status, problem) = send(autos.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": s.supplier, "location_id": s.w1,
        "lines": [{"product_id": s.part, "quantity": "1", "unit_cost": "1.00"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let named: Vec<String> = fields(&problem).into_iter().map(|(p, _)| p).collect();
    assert_eq!(named, ["/party_id", "/location_id", "/lines/0/product_id"]);
    Ok(())
}

/// Eight receipts of one part at different prices and four transfers of it
/// between W1 and W2, all at once: nothing is lost, the average is the
/// exact one, and the books agree.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_receipts_transfers_and_deliveries_of_one_part_keep_quantity_and_value()
-> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let s = setup(&app, &c).await?;
    ok(c.post(app.url("/api/v1/stock/receipts")).json(&json!({
        "party_id": s.supplier, "location_id": s.w1,
        "lines": [{"product_id": s.part, "quantity": "10", "unit_cost": "100.00"}]})))
    .await?;
    // Three posted invoices of 2 each, delivered while the receipts and
    // transfers run.
    let customer = ok(c
        .post(app.url("/api/v1/parties"))
        .json(&json!({"name": "Taller Concurrente"})))
    .await?;
    let mut invoices = Vec::new();
    for _ in 0..3 {
        let draft = ok(c.post(app.url("/api/v1/sales/documents")).json(&json!({"kind": "invoice",
            "party_id": id(&customer), "lines": [{"product_id": s.part, "quantity": "2", "unit_price": "250.00"}]})))
        .await?;
        let posted = ok(c
            .post(app.url(&format!("/api/v1/sales/documents/{}/post", id(&draft))))
            .json(&json!({"version": draft["version"]})))
        .await?;
        invoices.push(id(&posted));
    }
    let mut deliveries = Vec::new();
    for invoice in invoices {
        let (c, to) = (c.clone(), app.url("/api/v1/stock/deliveries"));
        let body = json!({"invoice_id": invoice, "location_id": s.w1});
        deliveries.push(tokio::spawn(
            async move { send(c.post(to).json(&body)).await },
        ));
    }
    let mut tasks = Vec::new();
    for i in 0..12u32 {
        let (c, to, body) = (
            c.clone(),
            if i % 3 == 2 {
                app.url("/api/v1/stock/transfers")
            } else {
                app.url("/api/v1/stock/receipts")
            },
            if i % 3 == 2 {
                json!({"from_location_id": s.w1, "to_location_id": s.w2,
                       "lines": [{"product_id": s.part, "quantity": "1"}]})
            } else {
                json!({"party_id": s.supplier, "location_id": s.w1,
                       "lines": [{"product_id": s.part, "quantity": "10", "unit_cost": format!("{}.00", 100 + i * 10)}]})
            },
        );
        tasks.push(tokio::spawn(
            async move { send(c.post(to).json(&body)).await },
        ));
    }
    for t in tasks {
        let (status, body) = t.await??;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Each delivery took 2 at the average of the moment: between the
    // cheapest and the dearest cost received.
    let mut delivered = 0.0;
    for t in deliveries {
        let (status, body) = t.await??;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let value = num(&body["value"]);
        assert!((200.0..=400.0).contains(&value), "{body}");
        delivered += value;
    }
    // 10 @ 100 + receipts i = 0,1,3,4,6,7,9,10 of 10 @ (100 + 10 i), less
    // what the deliveries took: no value made or lost by the interleaving.
    let received: u32 = [0u32, 1, 3, 4, 6, 7, 9, 10]
        .iter()
        .map(|i| 10 * (100 + 10 * i))
        .sum();
    let valuation = ok(c.get(app.url("/api/v1/stock/valuation"))).await?;
    let row = valuation["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["product_id"] == s.part.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(num(&row["quantity"]), 84.0);
    assert!(
        (num(&row["value"]) + delivered - f64::from(1000 + received)).abs() < 0.005,
        "{row} + delivered {delivered}"
    );
    assert_eq!(on_hand(&app, &c, &s.w1, &s.part).await?, 80.0);
    assert_eq!(on_hand(&app, &c, &s.w2, &s.part).await?, 4.0);
    books_agree(&app, &c, "concurrent").await?;
    Ok(())
}

/// A vehicle and four parts invoiced, delivered, credited and taken back:
/// the unit returns at its own cost and is sellable again, the parts at
/// the cost they left with, cost of sales goes back to zero; a second
/// return of the same credit note has nothing left to take back.
#[tokio::test(flavor = "multi_thread")]
async fn a_credit_note_takes_back_a_delivered_unit_and_parts_at_their_cost() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let s = setup(&app, &c).await?;
    let base = books_agree(&app, &c, "start").await?;
    let url = |path: &str| app.url(path);
    ok(c.post(url("/api/v1/stock/receipts")).json(&json!({
        "party_id": s.supplier, "location_id": s.w1,
        "lines": [{"product_id": s.moto, "units": [{"serial": VIN_A, "unit_cost": "400000.00"}]},
                  {"product_id": s.part, "quantity": "10", "unit_cost": "100.00"}]})))
    .await?;
    let customer = ok(c
        .post(url("/api/v1/parties"))
        .json(&json!({"name": "Taller El Progreso"})))
    .await?;
    let invoice = ok(c.post(url("/api/v1/sales/documents")).json(&json!({"kind": "invoice", "party_id": id(&customer),
        "lines": [{"product_id": s.moto, "serial": VIN_A, "quantity": "1", "unit_price": "520000.00"},
                  {"product_id": s.part, "quantity": "4", "unit_price": "250.00"}]})))
    .await?;
    let invoice = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/post",
            id(&invoice)
        )))
        .json(&json!({"version": invoice["version"]})))
    .await?;
    let delivery = ok(c
        .post(url("/api/v1/stock/deliveries"))
        .json(&json!({"invoice_id": id(&invoice), "location_id": s.w1})))
    .await?;
    assert_eq!(num(&delivery["value"]), 400_400.0, "{delivery}");
    let tb = books_agree(&app, &c, "delivered").await?;
    assert_eq!(
        (moved(&base, &tb, "5101"), moved(&base, &tb, "5102")),
        (400_000.0, 400.0)
    );

    let note = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/credit",
            id(&invoice)
        )))
        .json(&json!({"reason": "Devolución por garantía"})))
    .await?;
    let (status, problem) = send(
        c.post(url("/api/v1/stock/returns"))
            .json(&json!({"credit_note_id": id(&note), "location_id": s.w1})),
    )
    .await?;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a draft takes nothing back: {problem}"
    );
    assert_eq!(problem["code"], "credit_note_not_posted");
    let note = ok(c
        .post(url(&format!("/api/v1/sales/documents/{}/post", id(&note))))
        .json(&json!({"version": note["version"]})))
    .await?;
    let back = ok(c
        .post(url("/api/v1/stock/returns"))
        .json(&json!({"credit_note_id": id(&note), "location_id": s.w1})))
    .await?;
    assert_eq!(num(&back["value"]), 400_400.0, "{back}");
    let tb = books_agree(&app, &c, "returned").await?;
    assert_eq!(
        (moved(&base, &tb, "5101"), moved(&base, &tb, "5102")),
        (0.0, 0.0)
    );
    let a = unit(&app, &c, VIN_A).await?;
    assert_eq!(
        (a["status"].as_str(), num(&a["cost"])),
        (Some("returned"), 400_000.0)
    );
    assert_eq!(on_hand(&app, &c, &s.w1, &s.part).await?, 10.0);
    // The margin of the sale and, beside it, its return: they net to nothing.
    let margins = ok(c.get(url("/api/v1/stock/margins?units_only=true"))).await?;
    let rows: Vec<(f64, f64, f64)> = margins
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| r["serial"] == VIN_A)
                .map(|r| (num(&r["revenue"]), num(&r["cost"]), num(&r["margin"])))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        rows,
        [
            (520_000.0, 400_000.0, 120_000.0),
            (-520_000.0, -400_000.0, -120_000.0)
        ]
    );
    let (status, problem) = send(
        c.post(url("/api/v1/stock/returns"))
            .json(&json!({"credit_note_id": id(&note), "location_id": s.w1})),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&problem),
        [("/credit_note_id".to_owned(), "nothing_to_return".to_owned())]
    );
    // The unit's history shows the sale and its return.
    let history = ok(c.get(url(&format!("/api/v1/stock/units/{}", id(&a))))).await?;
    let kinds: Vec<&str> = history["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["receipt", "delivery", "return"]);

    // Sold again, then credited before it left the warehouse: the credit
    // note frees the unit, which can be sold a third time.
    let sell_again = || async {
        let again = ok(c.post(url("/api/v1/sales/documents")).json(&json!({"kind": "invoice",
            "party_id": id(&customer), "lines": [{"serial": VIN_A, "quantity": "1", "unit_price": "515000.00"}]})))
        .await?;
        ok(
            c.post(url(&format!("/api/v1/sales/documents/{}/post", id(&again))))
                .json(&json!({"version": again["version"]})),
        )
        .await
    };
    let again = sell_again().await?;
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "reserved");
    let note = ok(c
        .post(url(&format!(
            "/api/v1/sales/documents/{}/credit",
            id(&again)
        )))
        .json(&json!({"reason": "Venta anulada antes de la entrega"})))
    .await?;
    assert_eq!(
        unit(&app, &c, VIN_A).await?["status"],
        "reserved",
        "a draft note changes nothing"
    );
    ok(
        c.post(url(&format!("/api/v1/sales/documents/{}/post", id(&note))))
            .json(&json!({"version": note["version"]})),
    )
    .await?;
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "available");
    let (status, problem) = send(
        c.post(url("/api/v1/stock/deliveries"))
            .json(&json!({"invoice_id": id(&again), "location_id": s.w1})),
    )
    .await?;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a credited sale delivers nothing"
    );
    assert_eq!(
        fields(&problem),
        [("/lines".to_owned(), "nothing_to_deliver".to_owned())]
    );
    sell_again().await?;
    assert_eq!(unit(&app, &c, VIN_A).await?["status"], "reserved");
    books_agree(&app, &c, "credited before delivery").await?;
    Ok(())
}

/// What a dealer's warehouse does in the browser: receive two motorcycles
/// into transit (a mistyped VIN is explained beside its row and what was
/// typed stays), see them by VIN, bring them to the warehouse with a
/// transfer of scanned VINs, follow a unit's history, and reverse the
/// transfer; the on-hand page says where they are after each step.
#[tokio::test(flavor = "multi_thread")]
async fn chromium_receives_transfers_and_reverses_through_the_pages() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let s = setup(&app, &c).await?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Inventario")).await?;
        assert!(
            text_of(&browser, "#on-hand").await?.contains("XR190L"),
            "the demo's own stock is on the first page"
        );
        follow(&browser, Locator::LinkText("Nueva recepción")).await?;
        let choose = |id: &'static str, label: &'static str| {
            let browser = browser.clone();
            async move { browser.find(Locator::Id(id)).await?.select_by_label(label).await }
        };
        choose("f-party_id", "Honda Motor Co. (Japón)").await?;
        choose("f-location_id", "TRANSITO — En tránsito y aduana").await?;
        fill(&browser, "f-reference", "BL-OSAKA-7781").await?;
        choose("receipt-product-0", "CRF250F — Honda CRF250F").await?;
        let short_vin = "JH2KD0810RK00001; KD08E-100001; Rojo; 2027; 400000";
        fill(&browser, "receipt-units-0", short_vin).await?;
        follow(&browser, Locator::Id("save-receipt")).await?;
        let row = text_of(&browser, "table.lines tbody tr").await?;
        assert!(row.contains("Unidad 1: Un VIN tiene 17 letras"), "{row}");
        assert_eq!(
            browser.find(Locator::Id("receipt-units-0")).await?.prop("value").await?.as_deref(),
            Some(short_vin),
            "what was typed stays"
        );
        shot(&browser, "receipt-vin-refused.png").await?;

        let scanned = format!("{VIN_A}; KD08E-100001; Rojo; 2027; 400000\n{VIN_B}; KD08E-100002; Negro; 2027; 600000\n");
        fill(&browser, "receipt-units-0", &scanned).await?;
        follow(&browser, Locator::Id("save-receipt")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("REC-00003"));
        assert_eq!(text_of(&browser, "#document-value").await?, "L 1,000,000.00");
        shot(&browser, "receipt-posted.png").await?;

        follow(&browser, Locator::LinkText("Vehículos por VIN")).await?;
        let units = text_of(&browser, "#units").await?;
        assert!(units.contains(VIN_A) && units.contains("En tránsito") && units.contains("L 600,000.00"), "{units}");

        follow(&browser, Locator::LinkText("Nuevo traslado")).await?;
        choose("f-from_location_id", "TRANSITO — En tránsito y aduana").await?;
        choose("f-to_location_id", "BOD-01 — Bodega principal").await?;
        fill(&browser, "f-serials", &format!("{VIN_A}\n{VIN_B}\n")).await?;
        follow(&browser, Locator::Id("save-transfer")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("TRA-00001"));
        follow(&browser, Locator::LinkText("Existencias")).await?;
        fill(&browser, "stock-q", "CRF250F").await?;
        follow(&browser, Locator::Id("stock-filter")).await?;
        let stock = text_of(&browser, "#on-hand").await?;
        assert!(stock.contains("BOD-01") && !stock.contains("TRANSITO"), "{stock}");
        shot(&browser, "on-hand.png").await?;

        follow(&browser, Locator::LinkText("Movimientos")).await?;
        follow(&browser, Locator::LinkText("TRA-00001")).await?;
        follow(&browser, Locator::LinkText(VIN_B)).await?;
        let history = text_of(&browser, "#unit-history").await?;
        assert!(history.contains("REC-00003") && history.contains("TRA-00001"), "{history}");
        assert_eq!(text_of(&browser, "#unit-cost").await?, "L 600,000.00");
        shot(&browser, "unit-history.png").await?;

        follow(&browser, Locator::LinkText("TRA-00001")).await?;
        follow(&browser, Locator::Id("reverse-document")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("TRA-00002"));
        assert!(text_of(&browser, "main").await?.contains("Este documento anula"));
        browser.goto(&app.url("/inventory?q=CRF250F")).await?;
        let stock = text_of(&browser, "#on-hand").await?;
        assert!(stock.contains("TRANSITO") && !stock.contains("BOD-01"), "{stock}");

        // An invoice of VIN-A (written through the API) is delivered from
        // its page: the unit leaves from where it is, at its own cost.
        let customer = ok(c.post(app.url("/api/v1/parties")).json(&json!({"name": "Transportes Olancho"}))).await?;
        let invoice = ok(c.post(app.url("/api/v1/sales/documents")).json(&json!({"kind": "invoice", "party_id": id(&customer),
            "lines": [{"product_id": s.moto, "serial": VIN_A, "quantity": "1", "unit_price": "520000.00"}]})))
        .await?;
        ok(c.post(app.url(&format!("/api/v1/sales/documents/{}/post", id(&invoice))))
            .json(&json!({"version": invoice["version"]})))
        .await?;
        browser.goto(&app.url(&format!("/sales/{}", id(&invoice)))).await?;
        assert!(text_of(&browser, "#lines").await?.contains(VIN_A));
        shot(&browser, "invoice-deliver.png").await?;
        follow(&browser, Locator::Id("stock-submit")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("ENT-00001"));
        assert_eq!(text_of(&browser, "#document-value").await?, "L 400,000.00");
        browser.goto(&app.url(&format!("/sales/{}", id(&invoice)))).await?;
        follow(&browser, Locator::Id("stock-submit")).await?;
        assert!(
            text_of(&browser, "#refusal").await?.contains("ya fue entregado"),
            "a second delivery is refused with the reason"
        );
        Ok::<(), Error>(())
    }
    .await;
    let _ = browser.close().await;
    result
}
