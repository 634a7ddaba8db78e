//! Getting paid: one payment over two invoices, a second one finishing the
//! job, an allocation larger than what is owed refused, a reversal that
//! brings the debt back; the statement, the aged receivables and the sales
//! book say the same as the ledger. Amounts past what the ledger holds are
//! refused and leave nothing behind.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::api::fields;
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

/// The accountant of Motos Catrachas, logged in, and the customer the
/// tests get paid by (Transportes Olanchanos).
async fn accountant_and_customer(app: &App) -> Result<(Client, Value), Error> {
    let c = login_in(
        app,
        ("contador@demo.hn", "demo-usuario-2026"),
        "Motos Catrachas",
    )
    .await?;
    let customers = ok(c.get(app.url("/api/v1/parties?q=Olanchanos"))).await?;
    let customer = customers["items"][0]["id"].clone();
    Ok((c, customer))
}

fn dec(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

#[tokio::test(flavor = "multi_thread")]
async fn payments_statement_aging_and_sales_book_agree() -> TestResult {
    let app = App::start()?;
    let (c, customer) = accountant_and_customer(&app).await?;
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

/// Numbers past what the document states, or past what the ledger's columns
/// hold once converted to lempiras, are refused with a 422 (never the
/// edge's 503 page of a panicked handler or a 500), and nothing is written.
#[tokio::test(flavor = "multi_thread")]
async fn amounts_too_large_for_the_ledger_are_refused_and_nothing_is_written() -> TestResult {
    let app = App::start()?;
    let (c, customer) = accountant_and_customer(&app).await?;
    let invoice = posted_invoice(&app, &c, &customer, "1000.00").await?;
    let payments_before = ok(c.get(app.url("/api/v1/payments"))).await?;
    let entries_before = ok(c.get(app.url("/api/v1/journal-entries?limit=200"))).await?;
    let pay = |body: Value| c.post(app.url("/api/v1/payments")).json(&body);

    // A payment of 10^12: past the document's bound for money.
    let (status, body) = send(pay(json!({"party_id": customer, "method": "cash",
        "amount": "1000000000000"})))
    .await?;
    assert_eq!(
        (status, fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("/amount".into(), "invalid_amount".into())]
        ),
        "{body}"
    );

    // Two allocations at Decimal's largest value: their sum overflowed (a
    // panic) before each was checked.
    let huge = "79228162514264337593543950335";
    let (status, body) = send(pay(
        json!({"party_id": customer, "method": "cash", "amount": "10.00",
        "allocations": [{"document_id": invoice["id"], "amount": huge},
                        {"document_id": invoice["id"], "amount": huge}]}),
    ))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors = fields(&body);
    assert!(
        errors.contains(&("/allocations/0/amount".into(), "invalid_amount".into()))
            && errors.contains(&("/allocations/1/amount".into(), "invalid_amount".into())),
        "{body}"
    );

    // An exchange rate of a million lempiras per dollar does not fit its column.
    let (status, body) = send(pay(json!({"party_id": customer, "method": "transfer",
        "currency": "USD", "exchange_rate": "1000000", "amount": "10.00"})))
    .await?;
    assert_eq!(
        (status, fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("/exchange_rate".into(), "exchange_rate_required".into())]
        ),
        "{body}"
    );

    // Each number within bounds, but the payment in lempiras is past what
    // any payment may be (10^12): refused at the amount, in the client's
    // language. At these figures (almost 10^18) it would not even fit a
    // journal line.
    for (rate, amount) in [
        ("999999.999999", "999999999999.99"),
        ("24.5", "40816326530.62"),
    ] {
        let (status, body) = send(
            pay(
                json!({"party_id": customer, "method": "transfer", "currency": "USD",
                "exchange_rate": rate, "amount": amount}),
            )
            .header("accept-language", "es-HN"),
        )
        .await?;
        assert_eq!(
            (status, fields(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![("/amount".into(), "too_large_in_lempiras".into())]
            ),
            "{body}"
        );
        assert_eq!(
            body["errors"][0]["detail"].as_str(),
            Some("en lempiras (por el tipo de cambio) debe quedar por debajo de 1 000 000 000 000"),
            "{body}"
        );
    }
    // A manual journal entry of 10^12 a side.
    let accounts = ok(c.get(app.url("/api/v1/accounts"))).await?;
    let account = |code: &str| {
        accounts
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code))
            .map(|a| a["id"].clone())
            .unwrap_or_default()
    };
    let (status, body) = send(c.post(app.url("/api/v1/journal-entries")).json(&json!({
        "memo": "Aporte enorme",
        "lines": [{"account_id": account("1101"), "debit": "1000000000000"},
                  {"account_id": account("3101"), "credit": "1000000000000"}]})))
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        fields(&body)
            .iter()
            .all(|(_, code)| code == "one_side_amount"),
        "{body}"
    );

    // None of it was written.
    assert_eq!(
        ok(c.get(app.url("/api/v1/payments"))).await?,
        payments_before
    );
    assert_eq!(
        ok(c.get(app.url("/api/v1/journal-entries?limit=200"))).await?,
        entries_before
    );

    // One cent less in lempiras (999,999,999,999.94) is a payment like any other.
    let (status, body) = send(pay(json!({"party_id": customer, "method": "transfer",
        "currency": "USD", "exchange_rate": "24.5", "amount": "40816326530.61"})))
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Ok(())
}
