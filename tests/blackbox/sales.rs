//! Sales to ledger through the API, as a dealer's day goes: a quote becomes
//! an order, the order is invoiced in two parts, an invoice is credited; each
//! posting draws the next SAR number and books a balanced entry. Then what
//! must never happen: numbers with gaps or twice under concurrency, posting
//! without a usable range, editing what is posted, seeing another company's
//! documents.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Row};

use crate::harness::{ADMIN, App, TestResult, company_id, login_in};

type Error = Box<dyn std::error::Error + Send + Sync>;

const MOTOS: &str = "Motos Catrachas";
const AUTOS: &str = "Autos del Valle";
const SALES: (&str, &str) = ("ventas@demo.hn", "demo-usuario-2026");
const CAI: &str = "3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09";

async fn send(req: reqwest::RequestBuilder) -> Result<(StatusCode, Value), Error> {
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// The JSON of a request that must succeed.
async fn ok(req: reqwest::RequestBuilder) -> Result<Value, Error> {
    let (status, body) = send(req).await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// The id of the demo customer or product whose name contains `name`.
async fn find(app: &App, c: &Client, list: &str, name: &str) -> Result<String, Error> {
    let page = ok(c.get(app.url(&format!("/api/v1/{list}?q={name}")))).await?;
    Ok(id(&page["items"][0]))
}

async fn post_doc(
    app: &App,
    c: &Client,
    doc: &Value,
    action: &str,
    body: Value,
) -> Result<(StatusCode, Value), Error> {
    send(
        c.post(app.url(&format!("/api/v1/sales/documents/{}/{action}", id(doc))))
            .json(&body),
    )
    .await
}

async fn trial_balance(app: &App, c: &Client, query: &str) -> Result<Value, Error> {
    ok(c.get(app.url(&format!("/api/v1/reports/trial-balance{query}")))).await
}

fn row_balance(tb: &Value, code: &str) -> f64 {
    tb["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["code"] == code))
        .and_then(|r| r["balance"].as_str())
        .and_then(|b| b.parse().ok())
        .unwrap_or(0.0)
}

/// A new branch with one emission point (so a test owns its numbering).
async fn branch(app: &App, admin: &Client, code: &str) -> Result<String, Error> {
    ok(admin.post(app.url("/api/v1/branches")).json(&json!({
        "code": code, "name": format!("Sucursal {code}"), "emission_points": ["001"]})))
    .await?;
    let ranges_point: Value = ok(admin.get(app.url("/api/v1/branches"))).await?;
    Ok(ranges_point
        .as_array()
        .and_then(|b| b.iter().find(|b| b["code"] == code))
        .map(id)
        .unwrap_or_default())
}

async fn range(
    app: &App,
    admin: &Client,
    prefix: &str,
    first: u32,
    last: u32,
    deadline: &str,
) -> Result<Value, Error> {
    ok(admin.post(app.url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "invoice", "cai": CAI, "deadline": deadline,
        "first": format!("{prefix}-{first:08}"), "last": format!("{prefix}-{last:08}")})))
    .await
}

/// An invoice draft of one line at the emission point of branch `code` (the first point when None).
async fn invoice_draft(
    app: &App,
    c: &Client,
    customer: &str,
    point: Option<&str>,
    price: &str,
) -> Result<Value, Error> {
    let mut body = json!({"kind": "invoice", "party_id": customer,
        "lines": [{"description": "Repuesto", "quantity": "1", "unit_price": price, "tax_class": "isv15"}]});
    if let Some(p) = point {
        body["emission_point_id"] = json!(p);
    }
    ok(c.post(app.url("/api/v1/sales/documents")).json(&body)).await
}

/// The id of emission point 001 of branch `code`, read from the database.
async fn point_of(app: &App, code: &str) -> Result<String, Error> {
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    let row = sqlx::query(
        "SELECT e.id::text FROM emission_points e JOIN branches b ON b.id = e.branch_id
           JOIN companies c ON c.id = b.company_id
          WHERE c.name = $1 AND b.code = $2 AND e.code = '001'",
    )
    .bind(MOTOS)
    .bind(code)
    .fetch_one(&mut conn)
    .await?;
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quote_becomes_an_order_two_invoices_and_a_credit_note() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, SALES, MOTOS).await?;
    let customer = find(&app, &c, "parties", "Olanchanos").await?;
    let casco = find(&app, &c, "products", "CASCO-INT").await?;
    let aceite = find(&app, &c, "products", "LUB-20W50").await?;
    let manual = find(&app, &c, "products", "LIBRO-MAN").await?;

    // Quote: prices, names and tax classes come from the products.
    let quote = ok(c.post(app.url("/api/v1/sales/documents")).json(&json!({
        "kind": "quote", "party_id": customer,
        "lines": [
            {"product_id": casco, "quantity": "2", "discount_pct": "10"},
            {"product_id": aceite, "quantity": "6"},
            {"product_id": manual, "quantity": "1"}]})))
    .await?;
    assert_eq!(quote["reference"], "COT-00001");
    // Creating and moving answer from what they wrote; it must be what a read gives.
    let read = |d: &Value| c.get(app.url(&format!("/api/v1/sales/documents/{}", id(d))));
    assert_eq!(
        ok(read(&quote)).await?,
        quote,
        "create answers the stored quote"
    );
    assert_eq!(
        quote["lines"][0]["description"],
        "Casco integral certificado"
    );
    // 2 × 1850 = 3700 − 10 % = 3330; 6 × 245.50 = 1473; taxed 4803, ISV 720.45; exempt 150.
    let a = &quote["amounts"];
    assert_eq!(
        (
            a["taxed15"].as_str(),
            a["isv15"].as_str(),
            a["exempt"].as_str(),
            a["total"].as_str()
        ),
        (
            Some("4803.00"),
            Some("720.45"),
            Some("150.00"),
            Some("5673.45")
        )
    );

    let (status, order) = post_doc(
        &app,
        &c,
        &quote,
        "accept",
        json!({"version": quote["version"]}),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(
        (order["kind"].as_str(), order["status"].as_str()),
        (Some("order"), Some("draft"))
    );
    assert_eq!(
        ok(read(&order)).await?,
        order,
        "accept answers the stored order"
    );
    let (_, order) = post_doc(
        &app,
        &c,
        &order,
        "confirm",
        json!({"version": order["version"]}),
    )
    .await?;
    assert_eq!(order["status"], "confirmed");
    assert_eq!(
        ok(read(&order)).await?,
        order,
        "confirm answers the stored order"
    );

    // First invoice: one casco only.
    let (status, inv1) = post_doc(
        &app,
        &c,
        &order,
        "invoice",
        json!({"lines": [{"source_line_id": order["lines"][0]["id"], "quantity": "1"}]}),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{inv1}");
    assert_eq!(
        ok(read(&inv1)).await?,
        inv1,
        "invoice answers the stored draft"
    );
    let (status, inv1) =
        post_doc(&app, &c, &inv1, "post", json!({"version": inv1["version"]})).await?;
    assert_eq!(status, StatusCode::OK, "{inv1}");
    assert_eq!(
        ok(read(&inv1)).await?,
        inv1,
        "post answers the stored invoice"
    );
    let f = &inv1["fiscal"];
    assert_eq!(f["number"], "001-001-01-00000001");
    assert_eq!(f["cai"], "A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D");
    assert_eq!(
        (f["range_first"].as_str(), f["range_last"].as_str()),
        (Some("001-001-01-00000001"), Some("001-001-01-00005000"))
    );
    assert_eq!(
        (f["buyer_name"].as_str(), f["buyer_rtn"].as_str()),
        (Some("Transportes Olanchanos S.A."), Some("15019001234567"))
    );
    assert_eq!(f["issuer"]["legal_name"], "Motos Catrachas S. de R.L.");
    // 1850 − 10 % = 1665; ISV 249.75.
    assert_eq!(inv1["amounts"]["total"], "1914.75");

    // The order is still open; asking for more than is left is refused by line.
    let order_now = ok(c.get(app.url(&format!("/api/v1/sales/documents/{}", id(&order))))).await?;
    assert_eq!(order_now["status"], "confirmed");
    let (status, body) = post_doc(
        &app,
        &c,
        &order,
        "invoice",
        json!({"lines": [{"source_line_id": order["lines"][0]["id"], "quantity": "2"}]}),
    )
    .await?;
    assert_eq!(
        (status, body["errors"][0]["pointer"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/lines/0/quantity")),
        "{body}"
    );

    // Second invoice: the rest; the order is done.
    let (_, inv2) = post_doc(&app, &c, &order, "invoice", json!({})).await?;
    assert_eq!(inv2["lines"].as_array().map(Vec::len), Some(3), "{inv2}");
    let (_, inv2) = post_doc(&app, &c, &inv2, "post", json!({"version": inv2["version"]})).await?;
    assert_eq!(inv2["fiscal"]["number"], "001-001-01-00000002");
    let order_now = ok(c.get(app.url(&format!("/api/v1/sales/documents/{}", id(&order))))).await?;
    assert_eq!(order_now["status"], "done");
    let (status, _) = post_doc(&app, &c, &order, "invoice", json!({})).await?;
    assert_eq!(status, StatusCode::CONFLICT);

    // The entry of the second invoice: receivable = revenue + ISV, on the mapped accounts.
    let entry = ok(c.get(app.url(&format!(
            "/api/v1/journal-entries/{}",
            inv2["fiscal"]["journal_entry_id"]
                .as_str()
                .unwrap_or_default()
        ))))
    .await;
    // Sales people do read the journal (only warehouse does not).
    let entry = entry?;
    let side = |code: &str, col: &str| -> f64 {
        entry["lines"]
            .as_array()
            .map(|ls| {
                ls.iter()
                    .filter(|l| l["account_code"] == code)
                    .filter_map(|l| l[col].as_str()?.parse::<f64>().ok())
                    .sum()
            })
            .unwrap_or(0.0)
    };
    assert_eq!(inv2["amounts"]["total"], "3758.70");
    assert_eq!(side("1104", "debit"), 3758.70);
    assert_eq!(side("4107", "credit"), 3138.00);
    assert_eq!(side("4104", "credit"), 150.00);
    assert_eq!(side("2102", "credit"), 470.70);

    // A posted invoice is never edited nor cancelled.
    let (status, body) = send(c.put(app.url(&format!("/api/v1/sales/documents/{}", id(&inv2))))
        .json(&json!({"party_id": customer, "version": inv2["version"], "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}]}))).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("document_not_draft"))
    );
    let (status, body) = post_doc(
        &app,
        &c,
        &inv2,
        "cancel",
        json!({"version": inv2["version"]}),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );

    // Credit note for the casco of the first invoice.
    let (status, body) = post_doc(&app, &c, &inv1, "credit", json!({})).await?;
    assert_eq!(
        (status, body["errors"][0]["pointer"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/reason"))
    );
    let (status, cn) = post_doc(
        &app,
        &c,
        &inv1,
        "credit",
        json!({"reason": "Casco devuelto por defecto"}),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{cn}");
    let (_, cn) = post_doc(&app, &c, &cn, "post", json!({"version": cn["version"]})).await?;
    assert_eq!(cn["fiscal"]["number"], "001-001-04-00000001");
    assert_eq!(cn["amounts"]["total"], "1914.75");

    // Found by the number on the paper: the list's `number` filter takes a
    // fiscal number, part of one, or a reference; the search box too.
    let numbers_of = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["fiscal"]["number"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    let by = |number: &str| {
        c.get(app.url("/api/v1/sales/documents"))
            .query(&[("number", number)])
    };
    assert_eq!(
        numbers_of(&ok(by("001-001-01-00000002")).await?),
        ["001-001-01-00000002"]
    );
    assert_eq!(
        numbers_of(&ok(by("04-00000001")).await?),
        ["001-001-04-00000001"],
        "part of a fiscal number"
    );
    let by_ref = ok(by(&inv2["reference"]
        .as_str()
        .unwrap_or("FAC-?")
        .to_lowercase()))
    .await?;
    assert_eq!(
        numbers_of(&by_ref),
        ["001-001-01-00000002"],
        "by reference: {by_ref}"
    );
    let (status, problem) = send(by("Honda")).await?;
    assert_eq!(
        (status, problem["errors"][0]["pointer"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/number")),
        "{problem}"
    );
    let hits = ok(c
        .get(app.url("/api/v1/search"))
        .query(&[("q", "001-001-04-00000001")]))
    .await?;
    let found: Vec<(&str, &str)> = hits
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["kind"].as_str().unwrap_or(""),
                h["title"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found, [("sales_document", "001-001-04-00000001")], "{hits}");
    let (status, _) = post_doc(&app, &c, &inv1, "credit", json!({"reason": "otra vez"})).await?;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to credit");

    // The ledger: receivable = 1914.75 + 3758.70 − 1914.75; debits = credits.
    let accountant = login_in(&app, ("contador@demo.hn", "demo-usuario-2026"), MOTOS).await?;
    let tb = trial_balance(&app, &accountant, "").await?;
    assert_eq!(tb["total_debit"], tb["total_credit"], "{tb}");
    assert_eq!(row_balance(&tb, "1104"), 3758.70);
    assert_eq!(row_balance(&tb, "4106"), 1665.00);

    // In SQL, whoever asks: posted rows do not change.
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    let err = sqlx::query("UPDATE sales_documents SET total = 0 WHERE id = $1::uuid")
        .bind(id(&inv2))
        .execute(&mut conn)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("sales_document_final") || err.contains("never changed"),
        "{err}"
    );
    let err = sqlx::query("DELETE FROM journal_lines WHERE entry_id = $1::uuid")
        .bind(
            inv2["fiscal"]["journal_entry_id"]
                .as_str()
                .unwrap_or_default(),
        )
        .execute(&mut conn)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("never changed"), "{err}");
    sqlx::query("SET ROLE erp_app").execute(&mut conn).await?;
    let err = sqlx::query("UPDATE journal_lines SET debit = debit + 1")
        .execute(&mut conn)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("permission denied"), "{err}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_an_unbalanced_entry_at_commit() -> TestResult {
    let app = App::start()?;
    let (_, me) = app.api_login(ADMIN).await?;
    let motos = company_id(&me, MOTOS)?;
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    sqlx::query("SET ROLE erp_app").execute(&mut conn).await?;
    let attempt = |debit: &'static str, credit: &'static str, stated: &'static str| {
        let motos = motos.clone();
        let url = app.database_url();
        async move {
            let mut conn = sqlx::PgConnection::connect(&url).await?;
            sqlx::query("SET ROLE erp_app").execute(&mut conn).await?;
            let mut tx = conn.begin().await?;
            sqlx::query("SELECT set_config('app.company_ids', $1, true)")
                .bind(format!("{{{motos}}}"))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO journal_entries (id, company_id, entry_no, entry_date, source_kind, line_count, total)
                 VALUES ('00000000-0000-7000-8000-000000000001', $1::uuid, 900001, current_date, 'manual', 2, $2::numeric)")
                .bind(&motos).bind(stated).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO journal_lines (company_id, entry_id, account_id, debit, credit)
                 SELECT $1::uuid, '00000000-0000-7000-8000-000000000001', id,
                        CASE code WHEN '1101' THEN $2::numeric ELSE 0 END, CASE code WHEN '3101' THEN $3::numeric ELSE 0 END
                   FROM accounts WHERE code IN ('1101', '3101')")
                .bind(&motos).bind(debit).bind(credit).execute(&mut *tx).await?;
            // Every statement was accepted; the check runs at COMMIT.
            Ok::<_, Error>(tx.commit().await.err().map(|e| e.to_string()))
        }
    };
    let refused = attempt("100.00", "99.99", "100.00")
        .await?
        .unwrap_or_default();
    assert!(refused.contains("does not balance"), "{refused}");
    let refused = attempt("100.00", "100.00", "90.00")
        .await?
        .unwrap_or_default();
    assert!(
        refused.contains("states"),
        "lines must match the header: {refused}"
    );
    assert_eq!(
        attempt("100.00", "100.00", "100.00").await?,
        None,
        "a balanced entry commits"
    );
    // A line slipped into that committed entry later is refused, even
    // when it would balance (a debit and a credit of the same amount).
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{motos}}}"))
        .execute(&mut *tx)
        .await?;
    let refused = sqlx::query("INSERT INTO journal_lines (company_id, entry_id, account_id, debit, credit)
                 SELECT $1::uuid, '00000000-0000-7000-8000-000000000001', id,
                        CASE code WHEN '1101' THEN 5 ELSE 0 END, CASE code WHEN '3101' THEN 5 ELSE 0 END
                   FROM accounts WHERE code IN ('1101', '3101')")
        .bind(&motos)
        .execute(&mut *tx)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("already written"), "{refused}");
    drop(tx);
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{motos}}}"))
        .execute(&mut *tx)
        .await?;
    let lines: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM journal_lines WHERE entry_id = '00000000-0000-7000-8000-000000000001'",
    )
    .fetch_one(&mut *tx)
    .await?;
    assert_eq!(lines, 2, "the entry keeps its own two lines");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_concurrent_postings_draw_contiguous_numbers() -> TestResult {
    let app = App::start()?;
    let admin = login_in(&app, ADMIN, MOTOS).await?;
    branch(&app, &admin, "002").await?;
    let point = point_of(&app, "002").await?;
    range(&app, &admin, "002-001-01", 101, 1000, "2099-12-31").await?;
    let customer = find(&app, &admin, "parties", "Consumidor").await?;
    let mut drafts = Vec::new();
    for i in 0..200 {
        drafts.push(
            invoice_draft(
                &app,
                &admin,
                &customer,
                Some(&point),
                &format!("{}.{:02}", 100 + i, i % 100),
            )
            .await?,
        );
    }
    let mut set = tokio::task::JoinSet::new();
    for d in drafts {
        let (c, url) = (
            admin.clone(),
            app.url(&format!("/api/v1/sales/documents/{}/post", id(&d))),
        );
        set.spawn(async move { send(c.post(url).json(&json!({"version": d["version"]}))).await });
    }
    let mut numbers = Vec::new();
    while let Some(done) = set.join_next().await {
        let (status, doc) = done??;
        assert_eq!(status, StatusCode::OK, "{doc}");
        numbers.push(
            doc["fiscal"]["number"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    numbers.sort();
    let expected: Vec<String> = (101..=300).map(|n| format!("002-001-01-{n:08}")).collect();
    assert_eq!(numbers, expected, "contiguous from 101, each once");
    let ranges = ok(admin.get(app.url("/api/v1/fiscal-ranges"))).await?;
    let r = ranges
        .as_array()
        .and_then(|r| r.iter().find(|r| r["first"] == "002-001-01-00000101"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (r["next"].as_str(), r["remaining"].as_i64()),
        (Some("002-001-01-00000301"), Some(700))
    );

    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(debit) <> sum(credit)) x")
        .fetch_one(&mut conn).await?;
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM journal_entries WHERE source_kind = 'invoice'")
            .fetch_one(&mut conn)
            .await?;
    assert_eq!((unbalanced, entries), (0, 200));
    let tb = trial_balance(&app, &admin, "").await?;
    assert_eq!(tb["total_debit"], tb["total_credit"]);
    // The monthly totals the report reads equal the lines themselves.
    let drift: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT account_id, sum(debit) d, sum(credit) c FROM journal_lines GROUP BY 1) l
           FULL JOIN (SELECT account_id, sum(debit) d, sum(credit) c FROM ledger_totals GROUP BY 1) t USING (account_id)
          WHERE l.d IS DISTINCT FROM t.d OR l.c IS DISTINCT FROM t.c")
        .fetch_one(&mut conn).await?;
    assert_eq!(drift, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn posting_without_a_usable_range_is_refused_and_writes_nothing() -> TestResult {
    let app = App::start()?;
    let admin = login_in(&app, ADMIN, MOTOS).await?;
    let customer = find(&app, &admin, "parties", "Consumidor").await?;
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    const ENTRIES: &str = "SELECT count(*) FROM journal_entries";

    let refused = |code: &'static str, branch_code: &'static str| {
        let (app, admin, customer) = (&app, &admin, &customer);
        async move {
            let point = point_of(app, branch_code).await?;
            let draft = invoice_draft(app, admin, customer, Some(&point), "500.00").await?;
            let (status, body) = post_doc(
                app,
                admin,
                &draft,
                "post",
                json!({"version": draft["version"]}),
            )
            .await?;
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::CONFLICT, Some(code)),
                "{body}"
            );
            let after =
                ok(admin.get(app.url(&format!("/api/v1/sales/documents/{}", id(&draft))))).await?;
            assert_eq!(
                (after["status"].as_str(), after["version"].as_i64()),
                (Some("draft"), draft["version"].as_i64())
            );
            assert!(after["fiscal"].is_null());
            Ok::<_, Error>(())
        }
    };
    let before: i64 = sqlx::query_scalar(ENTRIES).fetch_one(&mut conn).await?;
    // Missing: a branch without any range.
    branch(&app, &admin, "003").await?;
    refused("fiscal_range_missing", "003").await?;
    // Expired: the deadline has passed.
    branch(&app, &admin, "004").await?;
    range(&app, &admin, "004-001-01", 1, 100, "2020-01-31").await?;
    refused("fiscal_range_expired", "004").await?;
    // Exhausted: one number, used once.
    branch(&app, &admin, "005").await?;
    range(&app, &admin, "005-001-01", 7, 7, "2099-12-31").await?;
    let point = point_of(&app, "005").await?;
    let first = invoice_draft(&app, &admin, &customer, Some(&point), "10.00").await?;
    let (status, posted) = post_doc(
        &app,
        &admin,
        &first,
        "post",
        json!({"version": first["version"]}),
    )
    .await?;
    assert_eq!(
        (status, posted["fiscal"]["number"].as_str()),
        (StatusCode::OK, Some("005-001-01-00000007"))
    );
    refused("fiscal_range_exhausted", "005").await?;
    assert_eq!(
        sqlx::query_scalar::<_, i64>(ENTRIES)
            .fetch_one(&mut conn)
            .await?,
        before + 1,
        "only the one posting booked an entry"
    );

    // Ranges show their state and warn before they run out.
    let ranges = ok(admin.get(app.url("/api/v1/fiscal-ranges"))).await?;
    let state = |first: &str| {
        ranges
            .as_array()
            .and_then(|r| r.iter().find(|r| r["first"] == first))
            .map(|r| {
                (
                    r["state"].as_str().unwrap_or_default().to_owned(),
                    r["warning"].as_str().map(str::to_owned),
                )
            })
    };
    assert_eq!(state("004-001-01-00000001"), Some(("expired".into(), None)));
    assert_eq!(
        state("005-001-01-00000007"),
        Some(("exhausted".into(), None))
    );
    let low = range(&app, &admin, "001-001-01", 900_001, 900_010, "2099-12-31").await?;
    assert_eq!(
        (low["state"].as_str(), low["warning"].as_str()),
        (Some("active"), Some("few_numbers_left"))
    );

    // Bad ranges name their fields; overlapping ones are refused.
    let (status, body) = send(admin.post(app.url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "receipt", "cai": "nope", "first": "001-001-01-00000010", "last": "001-002-01-00000001"}))).await?;
    let mut pointers: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["pointer"].as_str()).collect())
        .unwrap_or_default();
    pointers.sort();
    assert_eq!(
        (status, pointers),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["/cai", "/deadline", "/doc_kind", "/last"]
        )
    );
    let (status, body) = send(admin.post(app.url("/api/v1/fiscal-ranges")).json(&json!({
        "doc_kind": "invoice", "cai": CAI, "first": "001-001-01-00000100", "last": "001-001-01-00000200", "deadline": "2099-01-01"}))).await?;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("range_overlaps")),
        "{body}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn companies_see_only_their_documents_and_consolidation_adds_the_chosen_ones() -> TestResult {
    let app = App::start()?;
    let motos = login_in(&app, ADMIN, MOTOS).await?;
    let autos = login_in(&app, ADMIN, AUTOS).await?;
    let (_, me) = app.api_login(ADMIN).await?;
    let (motos_id, autos_id) = (company_id(&me, MOTOS)?, company_id(&me, AUTOS)?);
    let mut posted = Vec::new();
    for (c, price) in [(&motos, "1000.00"), (&autos, "2500.00")] {
        let customer = find(&app, c, "parties", "Consumidor").await?;
        let d = invoice_draft(&app, c, &customer, None, price).await?;
        let (_, p) = post_doc(&app, c, &d, "post", json!({"version": d["version"]})).await?;
        assert_eq!(
            p["fiscal"]["number"], "001-001-01-00000001",
            "each company numbers its own range"
        );
        posted.push(p);
    }
    let (status, _) =
        send(autos.get(app.url(&format!("/api/v1/sales/documents/{}", id(&posted[0]))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post_doc(&app, &autos, &posted[0], "credit", json!({"reason": "x"})).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = ok(autos.get(app.url("/api/v1/sales/documents"))).await?;
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|i| i.len() == 1 && i[0]["id"] == posted[1]["id"])
    );
    let entry = posted[0]["fiscal"]["journal_entry_id"]
        .as_str()
        .unwrap_or_default();
    let (status, _) = send(autos.get(app.url(&format!("/api/v1/journal-entries/{entry}")))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ranges = ok(autos.get(app.url("/api/v1/fiscal-ranges"))).await?;
    assert_eq!(
        ranges.as_array().map(Vec::len),
        Some(2),
        "Autos sees its own two demo ranges"
    );

    // Payments, statements and the account mapping stay in their company too.
    let customer = find(&app, &motos, "parties", "Consumidor").await?;
    let payment = ok(motos.post(app.url("/api/v1/payments")).json(&json!({
        "party_id": customer, "method": "cash", "amount": "100.00",
        "allocations": [{"document_id": posted[0]["id"], "amount": "100.00"}]})))
    .await?;
    let (status, _) =
        send(autos.get(app.url(&format!("/api/v1/payments/{}", id(&payment))))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        autos
            .post(app.url(&format!("/api/v1/payments/{}/reverse", id(&payment))))
            .json(&json!({"version": payment["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = ok(autos.get(app.url("/api/v1/payments"))).await?;
    assert_eq!(theirs.as_array().map(Vec::len), Some(0));
    let (status, _) =
        send(autos.get(app.url(&format!("/api/v1/parties/{customer}/statement")))).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = send(autos.post(app.url("/api/v1/payments")).json(&json!({
        "party_id": find(&app, &autos, "parties", "Consumidor").await?, "method": "cash", "amount": "5.00",
        "allocations": [{"document_id": posted[0]["id"], "amount": "5.00"}]}))).await?;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_invoice"))
    );
    let (motos_map, autos_map) = (
        ok(motos.get(app.url("/api/v1/ledger-accounts"))).await?,
        ok(autos.get(app.url("/api/v1/ledger-accounts"))).await?,
    );
    assert_ne!(
        motos_map[0]["account_id"], autos_map[0]["account_id"],
        "each company maps its own chart"
    );

    let one = trial_balance(&app, &motos, &format!("?companies={motos_id}")).await?;
    let other = trial_balance(&app, &motos, &format!("?companies={autos_id}")).await?;
    let both = trial_balance(&app, &motos, &format!("?companies={motos_id},{autos_id}")).await?;
    assert_eq!(
        row_balance(&one, "1104"),
        1050.00,
        "1150 invoiced − 100 paid"
    );
    assert_eq!(row_balance(&other, "1104"), 2875.00);
    assert_eq!(row_balance(&both, "1104"), 3925.00);
    assert_eq!(both["total_debit"], both["total_credit"]);
    // Someone of Motos only cannot consolidate Autos.
    let manager = login_in(&app, ("contador@demo.hn", "demo-usuario-2026"), MOTOS).await?;
    let (status, _) = send(manager.get(app.url(&format!(
        "/api/v1/reports/trial-balance?companies={motos_id},{autos_id}"
    ))))
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_documents_name_each_field_and_write_nothing() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, SALES, MOTOS).await?;
    let customer = find(&app, &c, "parties", "Olanchanos").await?;
    let (status, body) = send(c.post(app.url("/api/v1/sales/documents")).json(&json!({
        "kind": "invoice", "party_id": customer, "currency": "USD",
        "lines": [
            {"description": "Casco", "quantity": "0", "unit_price": "10"},
            {"description": "", "quantity": "1", "unit_price": "-1"},
            {"product_id": "00000000-0000-7000-8000-000000000000", "quantity": "1", "discount_pct": "120"}]}))).await?;
    let mut pointers: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["pointer"].as_str()).collect())
        .unwrap_or_default();
    pointers.sort();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        pointers,
        vec!["/exchange_rate"],
        "header problems first: {body}"
    );
    let (status, body) = send(c.post(app.url("/api/v1/sales/documents")).json(&json!({
        "kind": "invoice", "party_id": customer, "currency": "USD", "exchange_rate": "24.6512",
        "lines": [
            {"description": "Casco", "quantity": "0", "unit_price": "10"},
            {"description": "", "quantity": "1", "unit_price": "-1"},
            {"product_id": "00000000-0000-7000-8000-000000000000", "quantity": "1", "discount_pct": "120"}]}))).await?;
    let mut pointers: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["pointer"].as_str()).collect())
        .unwrap_or_default();
    pointers.sort();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        pointers,
        vec![
            "/lines/0/quantity",
            "/lines/1/description",
            "/lines/1/unit_price",
            "/lines/2/description",
            "/lines/2/discount_pct",
            "/lines/2/product_id",
            "/lines/2/unit_price"
        ],
        "{body}"
    );
    let (status, body) = send(
        c.post(app.url("/api/v1/sales/documents"))
            .json(&json!({"kind": "credit_note", "party_id": customer, "lines": []})),
    )
    .await?;
    assert_eq!(
        (status, body["errors"][0]["pointer"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/kind"))
    );
    let (status, _) = send(
        c.post(app.url("/api/v1/sales/documents"))
            .json(&json!({"kind": "invoice", "lines": "many"})),
    )
    .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = ok(c.get(app.url("/api/v1/sales/documents"))).await?;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was written"
    );

    // A USD invoice: totals in dollars, the entry in lempiras at the rate.
    let usd = ok(c.post(app.url("/api/v1/sales/documents")).json(&json!({
        "kind": "invoice", "party_id": customer, "currency": "USD", "exchange_rate": "24.6512",
        "lines": [{"description": "Motor fuera de borda", "quantity": "1", "unit_price": "1033.33", "tax_class": "isv15"}]}))).await?;
    assert_eq!(
        (
            usd["amounts"]["isv15"].as_str(),
            usd["amounts"]["total"].as_str()
        ),
        (Some("155.00"), Some("1188.33"))
    );
    let (_, usd) = post_doc(&app, &c, &usd, "post", json!({"version": usd["version"]})).await?;
    let entry = ok(c.get(app.url(&format!(
            "/api/v1/journal-entries/{}",
            usd["fiscal"]["journal_entry_id"]
                .as_str()
                .unwrap_or_default()
        ))))
    .await?;
    // 1033.33 × 24.6512 = 25472.82; 155.00 × 24.6512 = 3820.94.
    assert_eq!(entry["total"], "29293.76", "{entry}");
    Ok(())
}

/// Numbers past what a document can hold are the client's mistake, said
/// under the line's field: before, quantity × price overflowed `Decimal`
/// in the handler (a panic, and the edge's 503 page). A total that, in
/// lempiras, reaches what any amount may be is said under the lines
/// (before, a dollar document's total times its rate reached the ledger's
/// columns and came back without a field).
#[tokio::test(flavor = "multi_thread")]
async fn amounts_too_large_for_a_document_are_refused_by_field() -> TestResult {
    let app = App::start()?;
    let c = login_in(&app, SALES, MOTOS).await?;
    let customer = find(&app, &c, "parties", "Olanchanos").await?;
    let cases = [
        (
            "99999999999999999999",
            "1",
            "/lines/0/quantity",
            "invalid_quantity",
        ),
        (
            "1",
            "99999999999999999999",
            "/lines/0/unit_price",
            "invalid_price",
        ),
        (
            "99999999",
            "999999999999",
            "/lines/0/unit_price",
            "line_too_large",
        ),
        ("1000", "9999999999", "/lines", "total_too_large"),
        // 100,000,000,000 dollars at 24.65 lempiras each.
        ("1", "100000000000", "/lines", "total_too_large"),
    ];
    for (i, (quantity, price, pointer, code)) in cases.into_iter().enumerate() {
        let mut doc = json!({
            "kind": "quote", "party_id": customer,
            "lines": [{"description": "Moto", "quantity": quantity, "unit_price": price}]});
        if i == 4 {
            doc["currency"] = json!("USD");
            doc["exchange_rate"] = json!("24.65");
        }
        let (status, body) = send(c.post(app.url("/api/v1/sales/documents")).json(&doc)).await?;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity} × {price}: {body}"
        );
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors
                .iter()
                .any(|e| e["pointer"] == pointer && e["code"] == code),
            "{quantity} × {price}: {body}"
        );
    }
    assert!(!app.log_text().contains("panicked"), "{}", app.log_text());
    Ok(())
}
