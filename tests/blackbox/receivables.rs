//! Getting paid: one payment over two invoices, a second one finishing the
//! job, an allocation larger than what is owed refused, a reversal that
//! brings the debt back; the statement, the aged receivables and the sales
//! book say the same as the ledger.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{App, TestResult, login_in};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn send(req: reqwest::RequestBuilder) -> Result<(StatusCode, Value), Error> {
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

async fn ok(req: reqwest::RequestBuilder) -> Result<Value, Error> {
    let (status, body) = send(req).await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

/// A posted invoice of one taxed line at `price` (total = price × 1.15).
async fn posted_invoice(
    app: &App,
    c: &Client,
    customer: &Value,
    price: &str,
) -> Result<Value, Error> {
    let d = ok(c.post(app.url("/api/v1/sales/documents")).json(&json!({
        "kind": "invoice", "party_id": customer,
        "lines": [{"description": "Repuestos", "quantity": "1", "unit_price": price, "tax_class": "isv15"}]}))).await?;
    ok(c.post(app.url(&format!(
        "/api/v1/sales/documents/{}/post",
        d["id"].as_str().unwrap_or_default()
    )))
    .json(&json!({"version": d["version"]})))
    .await
}

fn dec(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

#[tokio::test(flavor = "multi_thread")]
async fn payments_statement_aging_and_sales_book_agree() -> TestResult {
    let app = App::start()?;
    let c = login_in(
        &app,
        ("contador@demo.hn", "demo-usuario-2026"),
        "Motos Catrachas",
    )
    .await?;
    let customers = ok(c.get(app.url("/api/v1/parties?q=Olanchanos"))).await?;
    let customer = customers["items"][0]["id"].clone();
    let other = ok(c.get(app.url("/api/v1/parties?q=Progreso"))).await?["items"][0]["id"].clone();

    let a = posted_invoice(&app, &c, &customer, "1000.00").await?; // 1150.00
    let b = posted_invoice(&app, &c, &customer, "2000.00").await?; // 2300.00
    let theirs = posted_invoice(&app, &c, &other, "100.00").await?;

    // One transfer pays all of A and part of B.
    let pay = |body: Value| c.post(app.url("/api/v1/payments")).json(&body);
    let p1 = ok(pay(json!({"party_id": customer, "method": "transfer", "amount": "2000.00", "reference": "BAC-778812",
        "allocations": [{"document_id": a["id"], "amount": "1150.00"}, {"document_id": b["id"], "amount": "850.00"}]}))).await?;
    assert_eq!(
        (p1["reference_no"].as_str(), dec(&p1["unallocated"])),
        (Some("REC-00001"), 0.0)
    );

    // More than B still owes, another customer's invoice, more than the payment: refused, nothing written.
    let (status, body) = send(pay(json!({"party_id": customer, "method": "cash", "amount": "5000.00",
        "allocations": [{"document_id": b["id"], "amount": "1450.01"}, {"document_id": theirs["id"], "amount": "10.00"}]}))).await?;
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["pointer"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        (status, pointers),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["/allocations/0/amount", "/allocations/1/document_id"]
        ),
        "{body}"
    );
    let (status, body) = send(pay(
        json!({"party_id": customer, "method": "cash", "amount": "10.00",
        "allocations": [{"document_id": b["id"], "amount": "20.00"}]}),
    ))
    .await?;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("allocations_exceed_payment")
        )
    );
    let (status, _) = send(pay(
        json!({"party_id": customer, "method": "cheque", "amount": "10.00"}),
    ))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Cash finishes B and leaves 50 as the customer's credit.
    let p2 = ok(pay(
        json!({"party_id": customer, "method": "cash", "amount": "1500.00",
        "allocations": [{"document_id": b["id"], "amount": "1450.00"}]}),
    ))
    .await?;
    assert_eq!(dec(&p2["unallocated"]), 50.0);

    let statement = ok(c.get(app.url(&format!(
        "/api/v1/parties/{}/statement",
        customer.as_str().unwrap_or_default()
    ))))
    .await?;
    assert_eq!(
        statement["movements"].as_array().map(Vec::len),
        Some(4),
        "{statement}"
    );
    assert_eq!(dec(&statement["closing_balance"]), -50.0, "overpaid by 50");
    assert_eq!(statement["open_invoices"], json!([]));

    // The transfer was wrong: reversed, A and 850 of B are owed again.
    let reversed = ok(c
        .post(app.url(&format!(
            "/api/v1/payments/{}/reverse",
            p1["id"].as_str().unwrap_or_default()
        )))
        .json(&json!({"version": p1["version"]})))
    .await?;
    assert!(reversed["reversed_at"].is_string());
    let (status, _) = send(
        c.post(app.url(&format!(
            "/api/v1/payments/{}/reverse",
            p1["id"].as_str().unwrap_or_default()
        )))
        .json(&json!({"version": reversed["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::CONFLICT);
    let statement = ok(c.get(app.url(&format!(
        "/api/v1/parties/{}/statement",
        customer.as_str().unwrap_or_default()
    ))))
    .await?;
    assert_eq!(dec(&statement["closing_balance"]), 1950.0);
    let open: Vec<(String, String)> = statement["open_invoices"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|i| {
                    (
                        i["fiscal_number"].as_str().unwrap_or_default().to_owned(),
                        i["open_amount"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        open,
        vec![
            (
                a["fiscal"]["number"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                "1150.00".to_owned()
            ),
            (
                b["fiscal"]["number"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                "850.00".to_owned()
            )
        ]
    );

    // The ledger agrees: receivable = 1150 + 2300 + 115 − 1500.
    let tb = ok(c.get(app.url("/api/v1/reports/trial-balance"))).await?;
    let receivable = tb["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["code"] == "1104"))
        .map(|r| dec(&r["balance"]));
    assert_eq!(receivable, Some(2065.00));
    assert_eq!(tb["total_debit"], tb["total_credit"]);

    // Aging: due in 30 days (the customer's terms); 100 days on, all is 61–90 days late.
    let today = ok(c.get(app.url("/api/v1/reports/aged-receivables"))).await?;
    assert_eq!(
        (
            dec(&today["totals"]["days_0_30"]),
            dec(&today["totals"]["total"])
        ),
        (2115.0, 2115.0),
        "{today}"
    );
    let as_of =
        (chrono::Utc::now() - chrono::Duration::hours(6)).date_naive() + chrono::Days::new(100);
    let later =
        ok(c.get(app.url(&format!("/api/v1/reports/aged-receivables?as_of={as_of}")))).await?;
    let row = later["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["party_id"] == customer))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (dec(&row["days_61_90"]), dec(&row["total"])),
        (2000.0, 2000.0),
        "{later}"
    );
    let progreso = later["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["party_id"] == other))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        dec(&progreso["days_61_90"]),
        115.0,
        "15-day terms: 85 days late"
    );

    // Sales book of the month: three invoices with the 15 % split.
    let book = ok(c.get(app.url("/api/v1/reports/sales-book"))).await?;
    assert_eq!(book["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        (
            book["totals"]["taxed15"].as_str(),
            book["totals"]["isv15"].as_str(),
            book["totals"]["total"].as_str()
        ),
        (Some("3100.00"), Some("465.00"), Some("3565.00"))
    );
    let (status, _) = send(c.get(app.url("/api/v1/reports/sales-book?period=2026-13"))).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}
