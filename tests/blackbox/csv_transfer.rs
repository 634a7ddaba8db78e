//! CSV import and export through the API: a file with good and bad rows is
//! previewed (bad rows with their lines, nothing written), imported by the
//! worker, and imported again without creating duplicates; a spreadsheet
//! saved by a Spanish Excel (semicolons, Windows-1252, Spanish headers) is
//! read; the export holds the filtered list and reads back in.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::harness::{App, MANAGER, TestResult, eventually, json_of};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn upload(
    app: &App,
    client: &Client,
    kind: &str,
    body: Vec<u8>,
) -> Result<(StatusCode, Value), Error> {
    let res = client
        .post(app.url(&format!("/api/v1/imports/{kind}?file_name=prueba.csv")))
        .header("Content-Type", "text/csv; charset=utf-8")
        .body(body)
        .send()
        .await?;
    Ok((res.status(), res.json().await?))
}

/// Start a previewed import and wait for the worker to finish it.
async fn run(app: &App, client: &Client, kind: &str, id: &str) -> Result<Value, Error> {
    let res = client
        .post(app.url(&format!("/api/v1/imports/{kind}/{id}/start")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::ACCEPTED, "{}", res.text().await?);
    let url = app.url(&format!("/api/v1/imports/{kind}/{id}"));
    eventually(Duration::from_secs(60), || async {
        let i: Value = json_of(&client, &url).await?;
        matches!(i["status"].as_str(), Some("done" | "failed")).then_some(i)
    })
    .await
    .ok_or_else(|| format!("import {id} did not finish; log:\n{}", app.log_text()).into())
}

fn issues(import: &Value) -> Vec<(u64, String, String)> {
    import["issues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["line"].as_u64().unwrap_or(0),
                        i["column"].as_str().unwrap_or("").to_owned(),
                        i["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn total(app: &App, client: &Client, path: &str) -> Result<usize, Error> {
    // The export is the whole filtered list: count its data lines.
    let res = client.get(app.url(path)).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    Ok(res.text().await?.lines().count().saturating_sub(1))
}

const PARTIES: &str = "\
name,rtn,is_customer,is_supplier,email,phone,city,payment_terms_days,credit_limit
Importadora Copán,08019001000011,sí,no,ventas@copan.hn,2222-1111,Santa Rosa,30,\"25,000.00\"
Taller Olancho,0801-9001-000029,sí,sí,,,Juticalpa,15,5000
Sin Nombre RTN,123,sí,no,,,,,

Cliente de contado,,sí,no,,,,,
Mal correo,08019001000037,sí,no,no-es-correo,,,,
Crédito negativo,08019001000045,sí,no,,,,,-5
Plazo raro,08019001000053,tal vez,no,,,,treinta,
";

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_good_and_bad_rows_imports_the_good_ones_once() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let before = total(&app, &client, "/api/v1/parties/export?status=all").await?;

    let (status, preview) = upload(&app, &client, "parties", PARTIES.into()).await?;
    assert_eq!(status, StatusCode::CREATED, "{preview}");
    assert_eq!(preview["status"], "preview");
    assert_eq!(preview["total_rows"], 7, "the blank line is not a row");
    assert_eq!(preview["valid_rows"], 3);
    let expected: Vec<(u64, String, String)> = [
        (4, "rtn", "invalid_rtn"),
        (7, "email", "invalid_email"),
        (8, "credit_limit", "negative_amount"),
        (9, "is_customer", "invalid_boolean"),
        (9, "payment_terms_days", "invalid_number"),
    ]
    .iter()
    .map(|(l, c, k)| (*l, (*c).to_owned(), (*k).to_owned()))
    .collect();
    assert_eq!(issues(&preview), expected, "{preview}");
    assert_eq!(
        total(&app, &client, "/api/v1/parties/export?status=all").await?,
        before,
        "a preview writes nothing"
    );

    let id = preview["id"].as_str().ok_or("id")?;
    let done = run(&app, &client, "parties", id).await?;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (
            &done["processed_rows"],
            &done["created_rows"],
            &done["updated_rows"]
        ),
        (&Value::from(3), &Value::from(3), &Value::from(0))
    );
    let after = total(&app, &client, "/api/v1/parties/export?status=all").await?;
    assert_eq!(after, before + 3);
    let copan: Value = client
        .get(app.url("/api/v1/parties?q=copan"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(copan["items"][0]["rtn"], "08019001000011");
    assert_eq!(copan["items"][0]["credit_limit"], "25000.00");
    assert_eq!(copan["items"][0]["payment_terms_days"], 30);
    let audit: Value = client
        .get(app.url("/api/v1/audit?entity=party&limit=200"))
        .send()
        .await?
        .json()
        .await?;
    assert!(
        audit.to_string().contains("Importadora Copán"),
        "imports are audited"
    );
    // Starting the same import twice is refused.
    let res = client
        .post(app.url(&format!("/api/v1/imports/parties/{id}/start")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // The same file again: nothing new, the three rows are found unchanged.
    let (_, again) = upload(&app, &client, "parties", PARTIES.into()).await?;
    let again_id = again["id"].as_str().ok_or("id")?;
    let done = run(&app, &client, "parties", again_id).await?;
    assert_eq!(
        (&done["created_rows"], &done["unchanged_rows"]),
        (&Value::from(0), &Value::from(3)),
        "{done}"
    );
    assert_eq!(
        total(&app, &client, "/api/v1/parties/export?status=all").await?,
        after
    );

    // A changed row updates its party (matched by RTN), keeping one row.
    let changed = "nombre,rtn,ciudad\nImportadora Copán,08019001000011,Copán Ruinas\n";
    let (_, third) = upload(&app, &client, "parties", changed.into()).await?;
    let done = run(&app, &client, "parties", third["id"].as_str().ok_or("id")?).await?;
    assert_eq!(done["updated_rows"], 1, "{done}");
    let copan: Value = client
        .get(app.url("/api/v1/parties?q=08019001000011"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(copan["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(copan["items"][0]["city"], "Copán Ruinas");

    // Another company sees neither the imports nor what they brought in.
    let autos = crate::harness::login_in(&app, crate::harness::ADMIN, "Autos del Valle").await?;
    let res = autos
        .get(app.url(&format!("/api/v1/imports/parties/{id}")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = autos
        .post(app.url(&format!("/api/v1/imports/parties/{again_id}/start")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let listed: Value = autos
        .get(app.url("/api/v1/imports/parties"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed, serde_json::json!([]));
    let csv = autos
        .get(app.url("/api/v1/parties/export?status=all"))
        .send()
        .await?
        .text()
        .await?;
    assert!(!csv.contains("Copán"), "{csv}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn spanish_excel_products_and_the_export_round_trip() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let res = client
        .post(app.url("/api/v1/product-categories"))
        .json(&serde_json::json!({"name": "Motocicletas"}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::CREATED);

    // What a Spanish Excel saves: semicolons, Windows-1252, Spanish headers.
    let sheet = "Código;Nombre;Categoría;Precio de venta;Costo;Impuesto;Vehículo\r\n\
                 MOTO-XR150;Honda XR150L;motocicletas;45999.00;38000;ISV 15%;sí\r\n\
                 ACE-20W50;Aceite 20W-50 litro;;180.50;120;exento;no\r\n\
                 CASCO-1;Casco integral;Cascos;950;700;15;no\r\n\
                 LLANTA-1;Llanta trasera;;-10;5;isv99;no\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(sheet);
    let (status, preview) = upload(&app, &client, "products", bytes.into_owned()).await?;
    assert_eq!(status, StatusCode::CREATED, "{preview}");
    assert_eq!(
        (&preview["total_rows"], &preview["valid_rows"]),
        (&Value::from(4), &Value::from(2))
    );
    assert_eq!(
        issues(&preview),
        vec![
            (4, "category".to_owned(), "unknown_category".to_owned()),
            (5, "sale_price".to_owned(), "negative_amount".to_owned()),
            (5, "tax_class".to_owned(), "unknown_tax_class".to_owned()),
        ]
    );
    let done = run(
        &app,
        &client,
        "products",
        preview["id"].as_str().ok_or("id")?,
    )
    .await?;
    assert_eq!(done["created_rows"], 2, "{done}");
    let moto: Value = client
        .get(app.url("/api/v1/products?q=xr150"))
        .send()
        .await?
        .json()
        .await?;
    let moto = &moto["items"][0];
    assert_eq!(
        (
            &moto["sku"],
            &moto["is_vehicle"],
            &moto["tracking"],
            &moto["tax_class"]
        ),
        (
            &Value::from("MOTO-XR150"),
            &Value::from(true),
            &Value::from("serial"),
            &Value::from("isv15")
        )
    );

    // Export with a filter: only the matching rows, in the import's columns.
    let res = client
        .get(app.url("/api/v1/products/export?q=aceite"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("products-") && v.contains(".csv"))
    );
    let csv = res.text().await?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0]
            .trim_start_matches('\u{feff}')
            .starts_with("sku,name,category")
    );
    assert!(
        lines[1].starts_with("ACE-20W50,Aceite 20W-50 litro,,unidad,180.50"),
        "{csv}"
    );

    // The whole export reads back in as nothing new.
    let all = client
        .get(app.url("/api/v1/products/export?status=all"))
        .send()
        .await?
        .bytes()
        .await?;
    let (_, back) = upload(&app, &client, "products", all.to_vec()).await?;
    assert_eq!(back["issue_count"], 0, "{back}");
    let done = run(&app, &client, "products", back["id"].as_str().ok_or("id")?).await?;
    assert_eq!(done["created_rows"], 0, "{done}");
    assert_eq!(done["updated_rows"], 0, "{done}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_file_is_refused_as_a_whole() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let (status, problem) = upload(&app, &client, "parties", "name,colour\nA,red\n".into()).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["pointer"], "/columns/colour",
        "{problem}"
    );
    let (status, problem) = upload(&app, &client, "products", "name\nA\n".into()).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["pointer"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(missing, ["/columns/sku", "/columns/sale_price"]);
    // Only text/csv is taken (a cross-site form cannot send it).
    let res = client
        .post(app.url("/api/v1/imports/parties"))
        .header("Content-Type", "text/plain")
        .body("name\nA\n")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    Ok(())
}

/// Uploaded files do not pile up: the purge task removes an import's file a
/// day after it finished, and a preview nobody started within a day expires
/// (its file removed, starting it refused).
#[tokio::test(flavor = "multi_thread")]
async fn the_purge_task_removes_old_import_files() -> TestResult {
    use sqlx::Connection;
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let (_, done) = upload(&app, &client, "parties", "nombre\nCliente Viejo\n".into()).await?;
    let done_id = done["id"].as_str().ok_or("id")?.to_owned();
    run(&app, &client, "parties", &done_id).await?;
    let (_, preview) = upload(
        &app,
        &client,
        "parties",
        "nombre\nCliente Olvidado\n".into(),
    )
    .await?;
    let preview_id = preview["id"].as_str().ok_or("id")?.to_owned();
    let (_, fresh) = upload(&app, &client, "parties", "nombre\nCliente Nuevo\n".into()).await?;
    let fresh_id = fresh["id"].as_str().ok_or("id")?.to_owned();
    let file = |id: &str| app.data_dir().join(format!("files/imports/{id}.csv"));
    assert!(file(&done_id).exists() && file(&preview_id).exists());

    let mut owner = sqlx::PgConnection::connect(&app.database_url()).await?;
    sqlx::query("UPDATE imports SET finished_at = now() - interval '25 hours' WHERE id = $1::uuid")
        .bind(&done_id)
        .execute(&mut owner)
        .await?;
    sqlx::query("UPDATE imports SET created_at = now() - interval '25 hours' WHERE id = $1::uuid")
        .bind(&preview_id)
        .execute(&mut owner)
        .await?;
    // The purge runs every 15 minutes; make it run now.
    sqlx::query(
        "UPDATE periodic_tasks SET cron = '*/1 * * * * *' WHERE task = 'purge_expired_exports'",
    )
    .execute(&mut owner)
    .await?;
    eventually(Duration::from_secs(30), || async {
        (!file(&done_id).exists() && !file(&preview_id).exists()).then_some(())
    })
    .await
    .ok_or_else(|| format!("import files not purged; log:\n{}", app.log_text()))?;
    assert!(file(&fresh_id).exists(), "a fresh preview keeps its file");
    let expired: Value = client
        .get(app.url(&format!("/api/v1/imports/parties/{preview_id}")))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(expired["status"], "expired");
    let res = client
        .post(app.url(&format!("/api/v1/imports/parties/{preview_id}/start")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let done: Value = client
        .get(app.url(&format!("/api/v1/imports/parties/{done_id}")))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        done["status"], "done",
        "a finished import keeps its outcome"
    );
    Ok(())
}
