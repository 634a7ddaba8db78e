//! Buying through the API with figures computed by hand (issue 18, step
//! 9 and the purchase side): a fee bill from a supplier subject to ISR
//! withholding issues a withholding receipt from the company's own CAI
//! range, books 1,250 payable to the SAR and is paid its net 8,750; the
//! supplier's CAI range and deadline are enforced; a dollar bill paid at
//! another rate books the exchange difference; another company sees none
//! of it. After every step the trial balance balances.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{fields, id, num, ok, send};
use crate::browser::{chromium, fill, follow, log_in, shot, text_of};
use crate::harness::{ADMIN, App, MANAGER, TestResult, login_in};
use crate::stock::{account, books_agree, moved};

const MOTOS: &str = "Motos Catrachas";
const AUTOS: &str = "Autos del Valle";
/// The company's own authorization for withholding receipts.
const OWN_CAI: &str = "7C1D2E-3F4A5B-6C7D8E-9FA0B1-C2D3E4-5F";
/// The consultant's CAI, as printed on its invoices.
const SUPPLIER_CAI: &str = "A1B2C3-D4E5F6-A7B8C9-D0E1F2-A3B4C5-D6";

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_bill_withholds_isr_with_its_receipt_and_is_paid_net() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    let url = |path: &str| app.url(path);
    let base = books_agree(&app, &c, "start").await?;

    ok(c.post(url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "withholding", "cai": OWN_CAI, "deadline": "2027-12-31",
        "first": "001-001-05-00000001", "last": "001-001-05-00000100"})))
    .await?;
    let (status, problem) = send(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Bufete Mejía", "rtn": "08011985123456", "is_customer": false, "is_supplier": true,
        "withholding": "ISR-XX"})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/withholding".to_owned(),
            "unknown_withholding_code".to_owned()
        )]
    );
    let lawyer = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Bufete Mejía", "rtn": "08011985123456", "is_customer": false, "is_supplier": true,
        "withholding": "isr-hon"})))
    .await?;
    assert_eq!(lawyer["withholding"], "ISR-HON");
    let fee = |number: &str, issued: &str| {
        json!({"party_id": id(&lawyer), "supplier_number": number, "supplier_cai": SUPPLIER_CAI,
               "cai_range_first": "001-001-01-00000001", "cai_range_last": "001-001-01-00000500",
               "cai_deadline": "2027-06-30", "issue_date": issued,
               "exempt": "10000.00", "expense_account": "6112"})
    };
    let bills = || async {
        ok(c.get(url("/api/v1/purchases/bills")))
            .await
            .map(|b| b.as_array().map_or(0, Vec::len))
    };

    // A number outside the supplier's range, or a document issued after
    // its CAI's deadline, is refused with the field named; nothing written.
    let (status, problem) = send(
        c.post(url("/api/v1/purchases/bills"))
            .json(&fee("001-001-01-00000501", "2026-12-01")),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/supplier_number".to_owned(),
            "outside_cai_range".to_owned()
        )]
    );
    let (status, problem) = send(
        c.post(url("/api/v1/purchases/bills"))
            .json(&fee("001-001-01-00000457", "2027-07-01")),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [("/issue_date".to_owned(), "cai_expired".to_owned())]
    );
    let (status, problem) = send(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": id(&lawyer), "supplier_number": "001-001-01-00000457", "supplier_cai": SUPPLIER_CAI,
        "exempt": "10000.00", "expense_account": "6112"})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            ("/cai_range_first".to_owned(), "required".to_owned()),
            ("/cai_range_last".to_owned(), "required".to_owned()),
            ("/cai_deadline".to_owned(), "required".to_owned())
        ],
        "a CAI not seen before needs its range"
    );
    assert_eq!(bills().await?, 0, "nothing written");
    books_agree(&app, &c, "refusals").await?;

    // 9. The fee bill: L 10,000, ISR 12.5 % withheld = 1,250 with a
    //    withholding receipt numbered from the company's range.
    let bill = ok(c
        .post(url("/api/v1/purchases/bills"))
        .json(&fee("001-001-01-00000457", "2026-12-01")))
    .await?;
    assert_eq!(
        (
            num(&bill["total"]),
            num(&bill["withheld"]),
            num(&bill["payable"]),
            bill["withholding_code"].as_str(),
            bill["withholding_number"].as_str(),
            bill["withholding_cai"].as_str(),
        ),
        (
            10_000.0,
            1_250.0,
            8_750.0,
            Some("ISR-HON"),
            Some("001-001-05-00000001"),
            Some(OWN_CAI)
        ),
        "{bill}"
    );
    let tb = books_agree(&app, &c, "9. fee bill").await?;
    assert_eq!(
        (
            moved(&base, &tb, "6112"),
            moved(&base, &tb, "2104"),
            moved(&base, &tb, "2101")
        ),
        (10_000.0, -1_250.0, -8_750.0)
    );
    // The receipt the supplier gets, printed: our head and CAI, the
    // supplier, the document withheld from, the amount in words.
    let receipt = c
        .get(url(&format!(
            "/api/v1/purchases/bills/{}/withholding-receipt",
            id(&bill)
        )))
        .send()
        .await?;
    assert_eq!(receipt.status(), StatusCode::OK);
    let text = crate::browser_sales::pdf_text(&app, &receipt.bytes().await?)?;
    for needed in [
        "COMPROBANTE DE RETENCIÓN",
        "No. 001-001-05-00000001",
        &format!("CAI: {OWN_CAI}"),
        "Motos Catrachas S. de R.L.",
        "Bufete Mejía",
        "RTN: 08011985123456",
        "Factura 001-001-01-00000457",
        "ISR-HON",
        "L 10,000.00",
        "12.5",
        "L 1,250.00",
        "SON: MIL DOSCIENTOS CINCUENTA LEMPIRAS CON 00/100",
        "Original: Sujeto retenido",
    ] {
        assert!(
            text.contains(needed),
            "the receipt lacks {needed:?}:\n{text}"
        );
    }
    let page = c
        .get(url(&format!("/purchases/bills/{}", id(&bill))))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains(&format!("/purchases/bills/{}/withholding.pdf", id(&bill))),
        "{page}"
    );
    let (status, problem) = send(
        c.post(url("/api/v1/purchases/bills"))
            .json(&fee("001-001-01-00000457", "2026-12-01")),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [("/supplier_number".to_owned(), "bill_entered".to_owned())]
    );

    // The CAI is known now: the next bill needs no range. Without
    // withholding it issues no receipt; reversed, it leaves no trace.
    let second = ok(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": id(&lawyer), "supplier_number": "001-001-01-00000458", "supplier_cai": SUPPLIER_CAI,
        "issue_date": "2026-12-02", "exempt": "2000.00", "expense_account": "6112", "withholding": ""})))
    .await?;
    assert_eq!(
        (
            num(&second["withheld"]),
            second["withholding_number"].as_str()
        ),
        (0.0, None)
    );
    let (status, problem) = send(c.get(url(&format!(
        "/api/v1/purchases/bills/{}/withholding-receipt",
        id(&second)
    ))))
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("nothing_withheld"))
    );
    ok(c.post(url(&format!(
        "/api/v1/purchases/bills/{}/reverse",
        id(&second)
    )))
    .json(&json!({"version": second["version"]})))
    .await?;
    let tb = books_agree(&app, &c, "reversal").await?;
    assert_eq!(moved(&base, &tb, "6112"), 10_000.0);

    // Paid its net: L 8,750 out of the bank; 1,250 stays payable to the SAR.
    let (status, problem) = send(c.post(url("/api/v1/purchases/payments")).json(&json!({
        "party_id": id(&lawyer), "method": "transfer", "amount": "9000.00",
        "allocations": [{"bill_id": id(&bill), "amount": "9000.00"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/allocations/0/amount".to_owned(),
            "exceeds_balance".to_owned()
        )]
    );
    let payment = ok(c.post(url("/api/v1/purchases/payments")).json(&json!({
        "party_id": id(&lawyer), "method": "transfer", "amount": "8750.00", "reference": "TRF-99812",
        "allocations": [{"bill_id": id(&bill), "amount": "8750.00"}]})))
    .await?;
    assert!(
        payment["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("PP-")),
        "{payment}"
    );
    let bill = ok(c.get(url(&format!("/api/v1/purchases/bills/{}", id(&bill))))).await?;
    assert_eq!(num(&bill["open_amount"]), 0.0, "{bill}");
    let tb = books_agree(&app, &c, "9. payment").await?;
    assert_eq!(
        (
            moved(&base, &tb, "2101"),
            moved(&base, &tb, "2104"),
            moved(&base, &tb, "1103")
        ),
        (0.0, -1_250.0, -8_750.0)
    );

    // The month's withholdings, as the accountant declares them.
    let month = ok(c.get(url("/api/v1/purchases/withholdings?period=2026-12"))).await?;
    assert_eq!(
        (
            month["rows"][0]["withholding_number"].as_str(),
            month["rows"][0]["supplier_rtn"].as_str(),
            num(&month["rows"][0]["base"]),
            num(&month["rows"][0]["withheld"]),
            num(&month["total"])
        ),
        (
            Some("001-001-05-00000001"),
            Some("08011985123456"),
            10_000.0,
            1_250.0,
            1_250.0
        ),
        "{month}"
    );
    let csv = c
        .get(url("/api/v1/purchases/withholdings/csv?period=2026-12"))
        .send()
        .await?;
    assert!(
        csv.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv")),
        "{:?}",
        csv.headers()
    );
    let csv = csv.text().await?;
    let row = csv.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains("001-001-05-00000001")
            && row.contains("08011985123456")
            && row.ends_with(",12.50,1250.00"),
        "{csv}"
    );

    // The purchase book: a local invoice with ISV and its credit note
    // (negative); the ISV column is the month's net debit to ISV credit.
    let parts = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Repuestos El Progreso", "rtn": "08019011223344", "is_customer": false, "is_supplier": true})))
    .await?;
    let local = |number: &str, class: &str, taxed: &str, source: Option<String>| {
        let mut body = json!({"party_id": id(&parts), "class": class, "supplier_number": number,
            "supplier_cai": "B1B2C3-D4E5F6-A7B8C9-D0E1F2-A3B4C5-E7",
            "cai_range_first": "002-001-01-00000001", "cai_range_last": "002-001-01-00001000",
            "cai_deadline": "2027-06-30", "taxed15": taxed, "expense_account": "6106"});
        if let Some(source) = source {
            body["source_bill_id"] = json!(source);
            body["supplier_cai"] = json!("B1B2C3-D4E5F6-A7B8C9-D0E1F2-A3B4C5-E8");
            body["cai_range_first"] = json!("002-001-03-00000001");
            body["cai_range_last"] = json!("002-001-03-00000100");
        }
        body
    };
    let invoice = ok(c.post(url("/api/v1/purchases/bills")).json(&local(
        "002-001-01-00000077",
        "invoice",
        "10000.00",
        None,
    )))
    .await?;
    assert_eq!(num(&invoice["isv15"]), 1_500.0);
    ok(c.post(url("/api/v1/purchases/bills")).json(&local(
        "002-001-03-00000005",
        "credit_note",
        "2000.00",
        Some(id(&invoice)),
    )))
    .await?;
    let tb = books_agree(&app, &c, "purchase book").await?;
    let book = ok(c.get(url("/api/v1/purchases/book?period=2026-12"))).await?;
    let isv = num(&book["totals"]["isv15"]) + num(&book["totals"]["isv18"]);
    assert_eq!(isv, moved(&base, &tb, "1106"), "{book}");
    assert_eq!(isv, 1_200.0);
    let classes: Vec<(&str, f64)> = book["rows"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| (r["class"].as_str().unwrap_or("?"), num(&r["isv15"])))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        classes,
        [
            ("invoice", 0.0),
            ("invoice", 1_500.0),
            ("credit_note", -300.0)
        ],
        "the reversed bill is not in the book; the credit note counts negative"
    );
    let dmc = c
        .get(url("/api/v1/purchases/dmc?period=2026-12"))
        .send()
        .await?;
    assert_eq!(dmc.status(), StatusCode::OK);
    let bytes = dmc.bytes().await?;
    let mut workbook = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec()))?;
    let mut part = |name: &str| -> Result<String, crate::api::Error> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut workbook.by_name(name)?, &mut text)?;
        Ok(text)
    };
    let sheets = part("xl/workbook.xml")?;
    for sheet in ["Compras locales", "Compras FYDUCA", "Importaciones DUA"] {
        assert!(sheets.contains(sheet), "{sheets}");
    }
    let strings = part("xl/sharedStrings.xml")?;
    assert!(
        strings.contains("08019011223344") && strings.contains("002-001-03-00000005"),
        "{strings}"
    );

    // A bill of last month reversed this month: last month's book keeps
    // it (it may have been filed), this month's has it negative on the
    // reversal's day; each book's ISV moves as that month's ledger does.
    let this_month = ok(c.get(url("/api/v1/purchases/book"))).await?["period"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (year, month) = this_month.split_once('-').ok_or("no period")?;
    let (year, month): (i32, u32) = (year.parse()?, month.parse()?);
    let last_month = if month == 1 {
        format!("{}-12", year - 1)
    } else {
        format!("{year}-{:02}", month - 1)
    };
    let isv_of = |book: &serde_json::Value| num(&book["totals"]["isv15"]);
    let ledger_isv = |tb: &serde_json::Value| account(tb, "1106");
    let snapshot = || async {
        let mut got = Vec::new();
        for period in [&last_month, &this_month] {
            let book = ok(c.get(url(&format!("/api/v1/purchases/book?period={period}")))).await?;
            let tb = ok(c.get(url(&format!(
                "/api/v1/reports/trial-balance?period={period}"
            ))))
            .await?;
            got.push((isv_of(&book), ledger_isv(&tb), book));
        }
        Ok::<_, crate::api::Error>(got)
    };
    let before = snapshot().await?;
    let mut late = local("002-001-01-00000078", "invoice", "1000.00", None);
    late["issue_date"] = json!(format!("{last_month}-28"));
    let late = ok(c.post(url("/api/v1/purchases/bills")).json(&late)).await?;
    ok(c.post(url(&format!(
        "/api/v1/purchases/bills/{}/reverse",
        id(&late)
    )))
    .json(&json!({"version": late["version"]})))
    .await?;
    let after = snapshot().await?;
    let row_of = |book: &serde_json::Value| {
        book["rows"].as_array().and_then(|rows| {
            rows.iter()
                .find(|r| r["number"] == "002-001-01-00000078")
                .cloned()
        })
    };
    let kept = row_of(&after[0].2).ok_or("last month's book lost the reversed bill")?;
    assert_eq!(
        (num(&kept["isv15"]), num(&kept["total"])),
        (150.0, 1_150.0),
        "{kept}"
    );
    let undone = row_of(&after[1].2).ok_or("this month's book lacks the reversal")?;
    assert_eq!(
        (num(&undone["isv15"]), num(&undone["total"])),
        (-150.0, -1_150.0),
        "{undone}"
    );
    assert!(
        undone["date"]
            .as_str()
            .is_some_and(|d| d.starts_with(&this_month)),
        "{undone}"
    );
    // (the trial balance is cumulative: a month's movement is its balance
    // less the month before's)
    let book_moved = (after[0].0 - before[0].0, after[1].0 - before[1].0);
    let ledger_moved = (
        after[0].1 - before[0].1,
        (after[1].1 - after[0].1) - (before[1].1 - before[0].1),
    );
    assert_eq!(book_moved, (150.0, -150.0));
    assert_eq!(book_moved, ledger_moved);

    // A used motorcycle bought from a private person: a purchase receipt
    // (boleta de compra) from the company's own range; the unit arrives at
    // its price, no ISV credit. A bad VIN is refused and draws no number.
    ok(c.post(url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "purchase_receipt", "cai": "6A7B8C-9D0E1F-2A3B4C-5D6E7F-8A9B0C-1D",
        "first": "001-001-10-00000001", "last": "001-001-10-00000100", "deadline": "2027-12-31"})))
    .await?;
    let seller = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Juan Pérez", "is_customer": false, "is_supplier": true})))
    .await?;
    let products = ok(c.get(url("/api/v1/products?q=XR190L"))).await?;
    let places = ok(c.get(url("/api/v1/stock-locations?kind=internal"))).await?;
    let used = |vin: &str| {
        json!({"party_id": id(&seller), "product_id": id(&products["items"][0]),
               "location_id": id(&places["items"][0]), "serial": vin, "engine_no": "KD08E-777001",
               "colour": "Azul", "model_year": 2021, "price": "85000.00"})
    };
    let (status, problem) = send(
        c.post(url("/api/v1/purchases/purchase-receipts"))
            .json(&used("MLHKD0810R51")),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [("/serial".to_owned(), "invalid_vin".to_owned())]
    );
    let boleta = ok(c
        .post(url("/api/v1/purchases/purchase-receipts"))
        .json(&used("MLHKD0810R5177701")))
    .await?;
    assert_eq!(
        (
            boleta["class"].as_str(),
            boleta["supplier_number"].as_str(),
            num(&boleta["total"]),
            num(&boleta["isv15"])
        ),
        (
            Some("purchase_receipt"),
            Some("001-001-10-00000001"),
            85_000.0,
            0.0
        ),
        "{boleta}"
    );
    let units = ok(c.get(url("/api/v1/stock/units?q=MLHKD0810R5177701"))).await?;
    assert_eq!(
        (units[0]["status"].as_str(), num(&units[0]["cost"])),
        (Some("available"), 85_000.0)
    );
    let before_boleta = tb.clone();
    let tb = books_agree(&app, &c, "purchase receipt").await?;
    assert_eq!(
        (
            moved(&before_boleta, &tb, "1107"),
            moved(&before_boleta, &tb, "2108"),
            moved(&before_boleta, &tb, "2101"),
            moved(&before_boleta, &tb, "1106")
        ),
        (85_000.0, 0.0, -85_000.0, 0.0)
    );

    // A dollar bill paid at a higher rate: the payable leaves at the
    // bill's rate (24.50), the bank pays at 24.70, 200.00 exchange loss.
    let guatemala = ok(c.post(url("/api/v1/parties")).json(&json!({
        "name": "Repuestos de Guatemala S.A.", "is_customer": false, "is_supplier": true})))
    .await?;
    let usd = ok(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": id(&guatemala), "class": "fyduca", "supplier_number": "FYDUCA-GT-2026-000781",
        "currency": "USD", "exchange_rate": "24.50", "exempt": "1000.00", "expense_account": "6106"})))
    .await?;
    // Figures read the same way everywhere: the rate without its column's
    // six places, a zero amount with two.
    assert_eq!(
        (
            usd["exchange_rate"].as_str(),
            usd["isv15"].as_str(),
            usd["exempt"].as_str()
        ),
        (Some("24.5"), Some("0.00"), Some("1000.00")),
        "{usd}"
    );
    // A dollar bill whose total in lempiras is past what any amount may be
    // (10^12): refused at its rate, and no bill is written.
    let bills_before = ok(c.get(url("/api/v1/purchases/bills"))).await?;
    let (status, body) = send(c.post(url("/api/v1/purchases/bills")).json(&json!({
        "party_id": id(&guatemala), "class": "fyduca", "supplier_number": "FYDUCA-GT-2026-000782",
        "currency": "USD", "exchange_rate": "999999.999999", "exempt": "999999999999.99",
        "expense_account": "6106"})))
    .await?;
    assert_eq!(
        (status, fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("/exchange_rate".to_owned(), "total_too_large".to_owned())]
        ),
        "{body}"
    );
    assert_eq!(
        ok(c.get(url("/api/v1/purchases/bills"))).await?,
        bills_before
    );
    let tb_bill = books_agree(&app, &c, "dollar bill").await?;
    assert_eq!(moved(&tb, &tb_bill, "2101"), -24_500.0);
    // A dollar payment is, in lempiras, below what any payment may be (10^12).
    let (status, problem) = send(c.post(url("/api/v1/purchases/payments")).json(&json!({
        "party_id": id(&guatemala), "method": "transfer", "currency": "USD", "exchange_rate": "24.70",
        "amount": "40485829959.52"})))
    .await?;
    assert_eq!(
        (status, fields(&problem)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("/amount".to_owned(), "too_large_in_lempiras".to_owned())]
        ),
        "{problem}"
    );
    ok(c.post(url("/api/v1/purchases/payments")).json(&json!({
        "party_id": id(&guatemala), "method": "transfer", "currency": "USD", "exchange_rate": "24.70",
        "amount": "1000.00", "allocations": [{"bill_id": id(&usd), "amount": "1000.00"}]})))
    .await?;
    let tb_paid = books_agree(&app, &c, "dollar payment").await?;
    assert_eq!(
        (
            moved(&tb, &tb_paid, "2101"),
            moved(&tb, &tb_paid, "6110"),
            moved(&tb, &tb_paid, "1103")
        ),
        (0.0, 200.0, -24_700.0)
    );
    assert_eq!(account(&tb_paid, "2104"), account(&tb, "2104"));

    // Another company sees none of it and cannot pay it.
    let autos = login_in(&app, ADMIN, AUTOS).await?;
    let (status, _) =
        send(autos.get(url(&format!("/api/v1/purchases/bills/{}", id(&bill))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        ok(autos.get(url("/api/v1/purchases/bills"))).await?,
        json!([])
    );
    assert_eq!(
        ok(autos.get(url("/api/v1/purchases/withholdings?period=2026-12"))).await?["rows"],
        json!([])
    );
    let (status, _) =
        send(autos.get(url(&format!("/api/v1/purchases/payments/{}", id(&payment))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let own = ok(autos.post(url("/api/v1/parties")).json(&json!({
        "name": "Proveedor del Valle", "is_customer": false, "is_supplier": true})))
    .await?;
    let (status, problem) = send(autos.post(url("/api/v1/purchases/payments")).json(&json!({
        "party_id": id(&own), "method": "cash", "amount": "1.00",
        "allocations": [{"bill_id": id(&usd), "amount": "1.00"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        fields(&problem),
        [(
            "/allocations/0/bill_id".to_owned(),
            "unknown_bill".to_owned()
        )]
    );
    Ok(())
}

/// An order, its receipt, the supplier's bill and its payment, through the
/// pages as the accountant and the warehouse click them.
#[tokio::test(flavor = "multi_thread")]
async fn chromium_orders_receives_bills_and_pays_through_the_pages() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, MANAGER, MOTOS).await?;
    ok(c.post(app.url("/api/v1/parties")).json(&json!({
        "name": "Agencia Aduanera Puerto Cortés", "is_customer": false, "is_supplier": true})))
    .await?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Compras")).await?;
        follow(&browser, Locator::LinkText("Nueva orden")).await?;
        let choose = |id: &'static str, label: &'static str| {
            let browser = browser.clone();
            async move { browser.find(Locator::Id(id)).await?.select_by_label(label).await }
        };
        choose("f-party_id", "Honda Motor de Centroamérica").await?;
        fill(&browser, "f-reference", "PROFORMA 2026-118").await?;
        choose("order-product-0", "XR190L — Motocicleta Honda XR190L").await?;
        fill(&browser, "order-quantity-0", "2").await?;
        fill(&browser, "order-price-0", "mucho").await?;
        follow(&browser, Locator::Id("save-order")).await?;
        let row = text_of(&browser, "table.lines tbody tr").await?;
        assert!(row.contains("Escriba un número"), "{row}");
        fill(&browser, "order-price-0", "61250").await?;
        follow(&browser, Locator::Id("save-order")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("OC-00001"));
        assert_eq!(text_of(&browser, "#order-state").await?, "Abierta");
        shot(&browser, "purchase-order.png").await?;

        // Received from the order's page: the form starts with what is
        // still expected; two VINs scanned one after another.
        follow(&browser, Locator::Id("receive-order")).await?;
        assert!(text_of(&browser, "#receipt-order").await?.contains("OC-00001"));
        choose("f-location_id", "BOD-01 — Bodega principal").await?;
        fill(&browser, "receipt-units-0", "MLHKD0810R5100201; KD08E-200201; Rojo; 2027\nMLHKD0810R5100202; KD08E-200202; Blanco; 2027\n").await?;
        follow(&browser, Locator::Id("save-receipt")).await?;
        assert_eq!(text_of(&browser, "#document-value").await?, "L 122,500.00");

        // Their landed costs from the receipt's page, spread by value:
        // 12,500 over two units of 61,250 = 6,250 each.
        follow(&browser, Locator::Id("add-landed-costs")).await?;
        choose("f-party_id", "Agencia Aduanera Puerto Cortés").await?;
        fill(&browser, "f-reference", "DUA 0801-2026-77001").await?;
        choose("landed-kind-0", "Flete").await?;
        fill(&browser, "landed-amount-0", "10000").await?;
        choose("landed-kind-1", "DAI").await?;
        fill(&browser, "landed-amount-1", "2500").await?;
        follow(&browser, Locator::Id("save-landed")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("COS-"));
        assert_eq!(text_of(&browser, "#document-value").await?, "L 12,500.00");
        shot(&browser, "landed-costs.png").await?;
        browser.goto(&app.url("/inventory/units?q=MLHKD0810R51002")).await?;
        let units = text_of(&browser, "#units").await?;
        assert!(units.matches("L 67,500.00").count() == 2, "{units}");
        browser.goto(&app.url("/purchases")).await?;
        follow(&browser, Locator::LinkText("OC-00001")).await?;
        assert_eq!(text_of(&browser, "#order-state").await?, "Recibida");

        // The supplier's invoice, from the order's page (its supplier and
        // the value received filled in): outside its CAI range first, then right.
        follow(&browser, Locator::Id("bill-from-order")).await?;
        assert!(text_of(&browser, "#bill-for-order").await?.contains("OC-00001"));
        assert_eq!(browser.find(Locator::Id("f-goods")).await?.prop("value").await?.as_deref(), Some("122500.00"));
        fill(&browser, "f-supplier_number", "001-002-01-00009001").await?;
        fill(&browser, "f-supplier_cai", SUPPLIER_CAI).await?;
        fill(&browser, "f-cai_range_first", "001-002-01-00000001").await?;
        fill(&browser, "f-cai_range_last", "001-002-01-00005000").await?;
        browser.execute("document.getElementById('f-cai_deadline').value = '2027-03-31'", vec![]).await?;
        fill(&browser, "f-taxed15", "122500").await?;
        follow(&browser, Locator::Id("save-bill")).await?;
        let problem = text_of(&browser, "#f-supplier_number-error").await?;
        assert!(problem.contains("fuera del rango"), "{problem}");
        shot(&browser, "bill-outside-range.png").await?;
        fill(&browser, "f-supplier_number", "001-002-01-00004001").await?;
        follow(&browser, Locator::Id("save-bill")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("FP-00001"));
        assert_eq!(text_of(&browser, "#bill-total").await?, "L 140,875.00");
        assert_eq!(text_of(&browser, "#bill-open").await?, "L 140,875.00");

        // The stock reports: the valuation beside the ledger, as a page and a CSV.
        browser.goto(&app.url("/reports")).await?;
        follow(&browser, Locator::Id("report-stock-valuation")).await?;
        let report = text_of(&browser, "#report").await?;
        assert!(report.contains("XR190L") && report.contains("Totales"), "{report}");
        let csv = c.get(app.url("/reports/stock-valuation?format=csv")).send().await?.text().await?;
        assert!(csv.lines().any(|l| l.starts_with("XR190L,")), "{csv}");
        browser.goto(&app.url("/reports/stock-on-hand")).await?;
        assert!(text_of(&browser, "#report").await?.contains("BOD-01"));
        assert!(
            browser.find(Locator::Id("f-as_of")).await.is_err(),
            "stock by location is today's: no date filter"
        );
        browser.goto(&app.url("/purchases/bills")).await?;
        follow(&browser, Locator::LinkText("FP-00001")).await?;

        // Paid in full from the bill's page.
        follow(&browser, Locator::Id("pay-bill")).await?;
        assert_eq!(text_of(&browser, "#bill-open").await?, "L 0.00");
        let paid = text_of(&browser, "#bill-payments").await?;
        assert!(paid.contains("PP-00001") && paid.contains("L 140,875.00"), "{paid}");
        assert!(browser.find(Locator::Id("bill-order")).await.is_ok(), "the bill links its order");
        shot(&browser, "bill-paid.png").await?;

        // Sold: the VIN typed on the invoice line fills in its product and
        // a quantity of 1; posted, printed with what registering it needs,
        // delivered from the warehouse, and its margin over its own cost
        // (89,900 − 67,500).
        follow(&browser, Locator::LinkText("Ventas")).await?;
        follow(&browser, Locator::Id("new-invoice")).await?;
        browser
            .wait()
            .at_most(std::time::Duration::from_secs(20))
            .for_element(Locator::Css(".invoice-lines[data-live=true]"))
            .await?;
        choose("f-party_id", "Transportes Olanchanos S.A.").await?;
        fill(&browser, "line-serial-0", "mlhkd0810r5100201").await?;
        assert_eq!(browser.find(Locator::Id("line-quantity-0")).await?.prop("value").await?.as_deref(), Some("1"));
        assert_eq!(text_of(&browser, "#total-total").await?, "L 103,385.00");
        shot(&browser, "sale-by-vin-form.png").await?;
        follow(&browser, Locator::Id("save")).await?;
        follow(&browser, Locator::Id("do-post")).await?;
        assert_eq!(text_of(&browser, "#document-status").await?, "Emitida");
        let unit = "VIN: MLHKD0810R5100201 · Motor: KD08E-200201 · Color: Rojo · Año: 2027";
        assert_eq!(text_of(&browser, "span.unit").await?, unit);
        let print = browser.find(Locator::Id("print-pdf")).await?.attr("href").await?.ok_or("no PDF link")?;
        choose("f-stock-location", "BOD-01 — Bodega principal").await?;
        follow(&browser, Locator::Id("stock-submit")).await?;
        assert!(text_of(&browser, "h1").await?.starts_with("ENT-"), "a delivery document");
        browser.goto(&app.url(&print.replace("/pdf", "/print"))).await?;
        assert_eq!(text_of(&browser, "small.unit").await?, unit);
        shot(&browser, "sale-by-vin-print.png").await?;
        browser.goto(&app.url("/reports/unit-margins")).await?;
        let margins = text_of(&browser, "#report").await?;
        let row = margins.lines().find(|l| l.contains("MLHKD0810R5100201")).ok_or(margins.clone())?;
        assert!(row.contains("67,500.00") && row.contains("22,400.00"), "{row}");

        // A used motorcycle taken from a private person, through its form
        // (boleta de compra): a mistyped VIN is refused beside its field and
        // draws no number; then the boleta is numbered from the own range.
        ok(c.post(app.url("/api/v1/fiscal-ranges")).json(&json!({
            "doc_kind": "purchase_receipt", "cai": "6A7B8C-9D0E1F-2A3B4C-5D6E7F-8A9B0C-1D",
            "first": "001-001-10-00000001", "last": "001-001-10-00000100", "deadline": "2027-12-31"})))
        .await?;
        ok(c.post(app.url("/api/v1/parties")).json(&json!({
            "name": "Juan Pérez", "is_customer": false, "is_supplier": true})))
        .await?;
        browser.goto(&app.url("/purchases")).await?;
        follow(&browser, Locator::LinkText("Boleta de compra")).await?;
        choose("f-party_id", "Juan Pérez").await?;
        choose("f-product_id", "XR190L — Motocicleta Honda XR190L").await?;
        fill(&browser, "f-serial", "MLHKD0810R51").await?;
        fill(&browser, "f-engine_no", "KD08E-777001").await?;
        fill(&browser, "f-colour", "Azul").await?;
        fill(&browser, "f-model_year", "2021").await?;
        fill(&browser, "f-price", "85000").await?;
        choose("f-location_id", "BOD-01 — Bodega principal").await?;
        follow(&browser, Locator::Id("save-receipt")).await?;
        assert!(!text_of(&browser, "#f-serial-error").await?.is_empty());
        fill(&browser, "f-serial", "MLHKD0810R5177701").await?;
        follow(&browser, Locator::Id("save-receipt")).await?;
        let head = text_of(&browser, "#bill-head").await?;
        assert!(head.contains("Boleta de compra") && head.contains("001-001-10-00000001"), "{head}");
        assert_eq!(text_of(&browser, "#bill-total").await?, "L 85,000.00");
        shot(&browser, "purchase-receipt.png").await?;
        let href = browser.find(Locator::Id("boleta-pdf")).await?.attr("href").await?.ok_or("no boleta link")?;
        let bill_id = href.split('/').nth(3).ok_or("no bill id")?;
        let printed = c
            .get(app.url(&format!("/api/v1/purchases/bills/{bill_id}/purchase-receipt")))
            .send()
            .await?;
        assert_eq!(printed.status(), reqwest::StatusCode::OK);
        let text = crate::browser_sales::pdf_text(&app, &printed.bytes().await?)?;
        for needed in ["BOLETA DE COMPRA", "No. 001-001-10-00000001", "Juan Pérez", "VIN: MLHKD0810R5177701",
                       "Motor: KD08E-777001", "L 85,000.00", "SON: OCHENTA Y CINCO MIL LEMPIRAS", "Firma del vendedor"] {
            assert!(text.contains(needed), "the boleta lacks {needed:?}:\n{text}");
        }
        Ok::<(), crate::api::Error>(())
    }
    .await;
    if result.is_err() {
        shot(&browser, "purchases-failure.png").await.ok();
    }
    browser.close().await.ok();
    result
}
