//! Master data through the API: validation that names each bad field and
//! writes nothing, optimistic concurrency, search, and isolation between
//! companies by id, list, search and SQL.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::harness::{ADMIN, App, MANAGER, TestResult, company_id, login_in};

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

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|f| f["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn count(app: &App, client: &Client, path: &str) -> Result<usize, Error> {
    let (status, page) = send(client.get(app.url(path))).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    Ok(page["items"].as_array().map(Vec::len).unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_names_each_field_and_writes_nothing() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let parties_before = count(&app, &client, "/api/v1/parties?status=all").await?;
    let products_before = count(&app, &client, "/api/v1/products?status=all").await?;
    let post = |path: &str, body: Value| client.post(app.url(path)).json(&body);

    let cases: Vec<(&str, Value, u16, Vec<&str>)> = vec![
        (
            "/api/v1/parties",
            json!({"name": "Bad RTN", "rtn": "0801-123"}),
            422,
            vec!["/rtn"],
        ),
        (
            "/api/v1/parties",
            json!({"name": "x".repeat(201), "email": "no-at"}),
            422,
            vec!["/name", "/email"],
        ),
        (
            "/api/v1/parties",
            json!({"name": "Neg", "credit_limit": "-5"}),
            422,
            vec!["/credit_limit"],
        ),
        (
            "/api/v1/parties",
            json!({"name": "Types", "payment_terms_days": "thirty"}),
            422,
            vec!["/payment_terms_days"],
        ),
        (
            "/api/v1/parties",
            json!({"name": "Unknown", "is_vip": true}),
            422,
            vec!["/is_vip"],
        ),
        (
            "/api/v1/parties",
            json!({"name": "C", "contacts": [{"name": ""}]}),
            422,
            vec!["/contacts/0/name"],
        ),
        (
            "/api/v1/products",
            json!({"sku": "M-1", "name": "Moto", "sale_price": "-1"}),
            422,
            vec!["/sale_price"],
        ),
        (
            "/api/v1/products",
            json!({"sku": "M-2", "name": "Moto", "sale_price": "1", "tax_class": "isv12"}),
            422,
            vec!["/tax_class"],
        ),
        (
            "/api/v1/products",
            json!({"sku": "M 3", "name": "", "sale_price": 1}),
            422,
            vec!["/sku", "/name"],
        ),
        (
            "/api/v1/products",
            json!({"sku": "M-4", "name": "Moto", "sale_price": true}),
            422,
            vec!["/sale_price"],
        ),
        (
            "/api/v1/products",
            json!({"sku": "M-5", "name": "Moto", "sale_price": "1", "is_vehicle": true, "tracking": "none"}),
            422,
            vec!["/tracking"],
        ),
    ];
    for (path, body, status, expected) in cases {
        let (got, problem) = send(post(path, body.clone())).await?;
        assert_eq!(got.as_u16(), status, "{body} → {problem}");
        assert_eq!(pointers(&problem), expected, "{body} → {problem}");
        assert!(
            problem["detail"].is_string() && problem["code"].is_string(),
            "{problem}"
        );
    }
    let (status, problem) = send(
        client
            .post(app.url("/api/v1/parties"))
            .header("content-type", "application/json")
            .body("{\"name\": "),
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");

    // A VIN for a vehicle must be a VIN; the product itself is fine.
    let (status, moto) = send(post(
        "/api/v1/products",
        json!({"sku": "XR150", "name": "Honda XR150L", "sale_price": "65000", "is_vehicle": true}),
    ))
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{moto}");
    let serials = app.url(&format!(
        "/api/v1/products/{}/serials",
        moto["id"].as_str().unwrap_or_default()
    ));
    for bad in ["ABC123", "1HGCM82633A00435I", "1HGCM82633A0043521"] {
        let (status, problem) = send(client.post(&serials).json(&json!({"serial": bad}))).await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(pointers(&problem), ["/serial"]);
    }
    let (status, vin) = send(
        client
            .post(&serials)
            .json(&json!({"serial": "9c2kd0810br123456"})),
    )
    .await?;
    assert_eq!(
        (status, vin["serial"].as_str()),
        (StatusCode::CREATED, Some("9C2KD0810BR123456"))
    );
    let (status, problem) = send(
        client
            .post(&serials)
            .json(&json!({"serial": "9C2KD0810BR123456"})),
    )
    .await?;
    assert_eq!(
        (status, problem["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("serial_taken"))
    );

    // Nothing of the refused requests was written: one product more (the moto), no party.
    assert_eq!(
        count(&app, &client, "/api/v1/parties?status=all").await?,
        parties_before
    );
    assert_eq!(
        count(&app, &client, "/api/v1/products?status=all").await?,
        products_before + 1
    );
    // Bad query parameters are problems too, naming the parameter.
    let (status, problem) = send(client.get(app.url("/api/v1/products?limit=many"))).await?;
    assert_eq!(
        (status, pointers(&problem)),
        (StatusCode::BAD_REQUEST, vec!["/limit".to_owned()])
    );
    let (status, problem) = send(client.get(app.url("/api/v1/products?sort=price"))).await?;
    assert_eq!(
        (status, pointers(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["/sort".to_owned()])
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_updates_from_one_version_one_wins() -> TestResult {
    let app = App::start()?;
    let (a, _) = app.api_login(MANAGER).await?;
    let (b, _) = app.api_login(MANAGER).await?;
    let (_, party) = send(
        a.post(app.url("/api/v1/parties"))
            .json(&json!({"name": "Taller El Rápido"})),
    )
    .await?;
    let url = app.url(&format!(
        "/api/v1/parties/{}",
        party["id"].as_str().unwrap_or_default()
    ));
    let version = party["version"].clone();
    for round in 0..5 {
        let (ra, rb) = tokio::join!(
            send(
                a.put(&url)
                    .json(&json!({"name": format!("A{round}"), "version": version}))
            ),
            send(
                b.put(&url)
                    .json(&json!({"name": format!("B{round}"), "version": version}))
            ),
        );
        let (ra, rb) = (ra?, rb?);
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        if round == 0 {
            assert_eq!(
                statuses,
                [StatusCode::OK, StatusCode::CONFLICT],
                "{ra:?} {rb:?}"
            );
            let loser = if ra.0 == StatusCode::CONFLICT {
                &ra.1
            } else {
                &rb.1
            };
            assert_eq!(loser["code"], "stale_version");
        } else {
            // Later rounds reuse the first version: both are stale now.
            assert_eq!(statuses, [StatusCode::CONFLICT, StatusCode::CONFLICT]);
        }
    }
    let (_, now) = send(a.get(&url)).await?;
    assert_eq!(now["version"], 2, "exactly one update landed: {now}");
    let (_, audit) = send(a.get(app.url(&format!(
        "/api/v1/audit?entity=party&entity_id={}",
        party["id"].as_str().unwrap_or_default()
    ))))
    .await?;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|r| r["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions, ["update", "create"], "{audit}");
    assert_eq!(
        audit["items"][0]["detail"]["before"]["name"],
        "Taller El Rápido"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn search_ignores_accents_and_case_and_pages_by_cursor() -> TestResult {
    let app = App::start()?;
    let (c, _) = app.api_login(MANAGER).await?;
    for (name, rtn) in [
        ("José Ávila Núñez", "08011985012345"),
        ("Jose Avila", ""),
        ("Distribuidora Peña", ""),
    ] {
        let (status, p) = send(
            c.post(app.url("/api/v1/parties"))
                .json(&json!({"name": name, "rtn": rtn})),
        )
        .await?;
        assert_eq!(status, StatusCode::CREATED, "{p}");
    }
    let (_, moto) = send(c.post(app.url("/api/v1/products")).json(&json!({"sku": "CG-125", "name": "Motocicleta Génesis 125", "sale_price": "32000", "is_vehicle": true}))).await?;
    send(
        c.post(app.url(&format!(
            "/api/v1/products/{}/serials",
            moto["id"].as_str().unwrap_or_default()
        )))
        .json(&json!({"serial": "LBPKE1809K0012345"})),
    )
    .await?;
    let titles = |hits: &Value| -> Vec<String> {
        hits.as_array()
            .map(|h| {
                h.iter()
                    .map(|x| {
                        format!(
                            "{}:{}",
                            x["kind"].as_str().unwrap_or(""),
                            x["title"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=AVILA"))).await?;
    assert_eq!(
        titles(&hits),
        ["party:Jose Avila", "party:José Ávila Núñez"]
    );
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=pena"))).await?;
    assert_eq!(titles(&hits), ["party:Distribuidora Peña"]);
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=1985012"))).await?;
    assert_eq!(titles(&hits), ["party:José Ávila Núñez"]);
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=cg-1"))).await?;
    assert_eq!(titles(&hits), ["product:Motocicleta Génesis 125"]);
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=k0012345"))).await?;
    assert_eq!(titles(&hits), ["serial:Motocicleta Génesis 125"]);
    let (_, hits) = send(c.get(app.url("/api/v1/search?q=100%25"))).await?;
    assert_eq!(titles(&hits), Vec::<String>::new(), "% is literal");

    // Pages of two by name (the demo's three customers and its supplier among them), then
    // descending by creation.
    let names = |p: &Value| -> Vec<String> {
        p["items"]
            .as_array()
            .map(|i| {
                i.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/parties?limit=2&cursor={c}"),
            None => "/api/v1/parties?limit=2".to_owned(),
        };
        let (_, page) = send(c.get(app.url(&path))).await?;
        pages.push(names(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["Consumidor Final", "Distribuidora Peña"],
            vec!["Ferretería El Progreso", "Honda Motor de Centroamérica"],
            vec!["Jose Avila", "José Ávila Núñez"],
            vec!["Transportes Olanchanos S.A."]
        ]
    );
    let (_, newest) = send(c.get(app.url("/api/v1/parties?sort=-created&limit=1"))).await?;
    assert_eq!(names(&newest), ["Distribuidora Peña"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn master_data_of_one_company_is_invisible_from_another() -> TestResult {
    let app = App::start()?;
    // Motos Catrachas' manager creates one of everything.
    let (motos, _) = app.api_login(MANAGER).await?;
    let mk = |path: &str, body: Value| motos.post(app.url(path)).json(&body);
    let (_, party) = send(mk(
        "/api/v1/parties",
        json!({"name": "Cliente Secreto", "rtn": "08019999999999"}),
    ))
    .await?;
    let (_, cat) = send(mk(
        "/api/v1/product-categories",
        json!({"name": "Secretos"}),
    ))
    .await?;
    let (_, product) = send(mk("/api/v1/products", json!({"sku": "SECRET-1", "name": "Moto Secreta", "sale_price": "1", "is_vehicle": true, "category_id": cat["id"]}))).await?;
    let pid = product["id"].as_str().ok_or("product id")?;
    let (status, _) = send(mk(
        &format!("/api/v1/products/{pid}/serials"),
        json!({"serial": "SECRETVXN12345678"}),
    ))
    .await?;
    assert_eq!(status, StatusCode::CREATED);
    let (_, branches) = send(motos.get(app.url("/api/v1/branches"))).await?;
    let branch = branches[0].clone();

    // The group admin, working in Autos del Valle, sees none of it.
    let autos = login_in(&app, ADMIN, "Autos del Valle").await?;
    let party_id = party["id"].as_str().ok_or("party id")?;
    for path in [
        format!("/api/v1/parties/{party_id}"),
        format!("/api/v1/products/{pid}"),
        format!("/api/v1/products/{pid}/serials"),
    ] {
        let (status, body) = send(autos.get(app.url(&path))).await?;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = send(
        autos
            .put(app.url(&format!("/api/v1/parties/{party_id}")))
            .json(&json!({"name": "Robado", "version": 1})),
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        autos
            .post(app.url(&format!("/api/v1/parties/{party_id}/archive")))
            .json(&json!({"version": 1})),
    )
    .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) =
        send(autos.post(app.url("/api/v1/products")).json(
            &json!({"sku": "X-1", "name": "X", "sale_price": "1", "category_id": cat["id"]}),
        ))
        .await?;
    assert_eq!(
        (status, pointers(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["/category_id".to_owned()]
        ),
        "a category of another company is unknown"
    );
    let (status, body) = send(
        autos
            .post(app.url("/api/v1/warehouses"))
            .json(&json!({"branch_id": branch["id"], "code": "X", "name": "X"})),
    )
    .await?;
    assert_eq!(
        (status, pointers(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["/branch_id".to_owned()]
        )
    );
    for path in ["/api/v1/parties?q=secret", "/api/v1/products?q=secret"] {
        assert_eq!(count(&app, &autos, path).await?, 0, "{path}");
    }
    let (_, hits) = send(autos.get(app.url("/api/v1/search?q=secret"))).await?;
    assert_eq!(hits, json!([]));
    for path in [
        "/api/v1/parties/export?status=all",
        "/api/v1/products/export?status=all",
    ] {
        let res = autos.get(app.url(path)).send().await?;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let csv = res.text().await?;
        assert!(
            csv.lines().count() >= 1 && !csv.to_lowercase().contains("secret"),
            "{path}: {csv}"
        );
    }
    let (_, cats) = send(autos.get(app.url("/api/v1/product-categories"))).await?;
    assert!(
        cats.as_array()
            .is_some_and(|c| c.iter().all(|x| x["name"] != "Secretos"))
    );
    let (_, audit) = send(autos.get(app.url("/api/v1/audit?limit=200"))).await?;
    assert!(
        !audit.to_string().contains("Secret"),
        "audit of Autos shows Motos' rows"
    );
    // Autos has its own chart (56 accounts + 3 for sales entries + 3 for
    // stock entries + 2 for purchases) and branch.
    let (_, accounts) = send(autos.get(app.url("/api/v1/accounts"))).await?;
    assert_eq!(accounts.as_array().map(Vec::len), Some(64));
    let (_, autos_branches) = send(autos.get(app.url("/api/v1/branches"))).await?;
    assert_ne!(autos_branches[0]["id"], branch["id"]);

    // In SQL as the application role, scoped to Autos: not one row of Motos.
    let (_, me) = app.api_login(ADMIN).await?;
    let (autos_id, motos_id) = (
        company_id(&me, "Autos del Valle")?,
        company_id(&me, "Motos Catrachas")?,
    );
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    sqlx::query("SET ROLE erp_app").execute(&mut conn).await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{autos_id}}}"))
        .execute(&mut *tx)
        .await?;
    for table in [
        "parties",
        "products",
        "product_categories",
        "serial_numbers",
        "branches",
        "warehouses",
        "emission_points",
        "accounts",
        "tax_codes",
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE company_id = $1"
        )))
        .bind(uuid::Uuid::parse_str(&motos_id)?)
        .fetch_one(&mut *tx)
        .await?;
        assert_eq!(n, 0, "{table} rows of Motos visible from Autos");
    }
    // The one search step that runs outside row-level security checks the
    // company against the session itself.
    for kind in ["parties", "products", "serials"] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM text_match_ids($1, $2, '%', 1000)")
            .bind(kind)
            .bind(uuid::Uuid::parse_str(&motos_id)?)
            .fetch_one(&mut *tx)
            .await?;
        assert_eq!(
            n, 0,
            "text_match_ids({kind}) of Motos answered inside Autos"
        );
    }
    // …and does answer inside Motos, so the zeros above mean something.
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{motos_id}}}"))
        .execute(&mut *tx)
        .await?;
    let in_motos: i64 =
        sqlx::query_scalar("SELECT count(*) FROM text_match_ids('parties', $1, '%secret%', 1000)")
            .bind(uuid::Uuid::parse_str(&motos_id)?)
            .fetch_one(&mut *tx)
            .await?;
    assert_eq!(in_motos, 1, "Motos' own search finds its secret customer");
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{autos_id}}}"))
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query("INSERT INTO parties (id, company_id, name, is_customer, is_supplier) VALUES (gen_random_uuid(), $1, 'x', true, false)")
        .bind(uuid::Uuid::parse_str(&motos_id)?)
        .execute(&mut *tx)
        .await;
    assert!(inserted.is_err(), "RLS lets Autos write a Motos row");
    Ok(())
}

/// A client that asks for Spanish reads the problem in Spanish (the
/// catalogue the pages use); the codes stay; without asking, English.
#[tokio::test(flavor = "multi_thread")]
async fn problems_are_written_in_the_language_the_client_asks_for() -> TestResult {
    let app = App::start()?;
    let (c, _) = app.api_login(MANAGER).await?;
    let bad = json!({"sku": "M 3", "name": " ", "sale_price": "1"});
    let spanish = c
        .post(app.url("/api/v1/products"))
        .header("Accept-Language", "es-HN,es;q=0.9,en;q=0.5")
        .json(&bad)
        .send()
        .await?;
    assert_eq!(spanish.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        spanish
            .headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("es-HN")
    );
    let es: Value = spanish.json().await?;
    let english: Value = c
        .post(app.url("/api/v1/products"))
        .json(&bad)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(es["detail"], "2 campos no son válidos.", "{es}");
    assert_eq!(english["detail"], "2 fields are invalid", "{english}");
    let codes = |p: &Value| -> Vec<(String, String)> {
        p["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["pointer"].as_str().unwrap_or("").to_owned(),
                    e["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(codes(&es), codes(&english), "codes do not change");
    assert_eq!(es["code"], english["code"]);
    let detail_of = |p: &Value, pointer: &str| {
        p["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["pointer"] == pointer)
            .map(|e| e["detail"].clone())
    };
    assert_eq!(
        detail_of(&es, "/name"),
        Some(json!("Este campo es obligatorio."))
    );
    assert_eq!(
        detail_of(&es, "/sku"),
        Some(json!(
            "El SKU admite de 1 a 40 letras, dígitos, «.», «_», «/» o «-»."
        ))
    );
    // A problem of the whole request, and one no handler wrote.
    let (_, gone) = send(
        c.get(app.url("/api/v1/products/01a24dea-0000-7000-8000-000000000000"))
            .header("Accept-Language", "es"),
    )
    .await?;
    assert_eq!(
        (gone["code"].as_str(), gone["detail"].as_str()),
        (
            Some("product_not_found"),
            Some("No existe en la empresa activa.")
        )
    );
    let (_, route) = send(
        c.get(app.url("/api/v1/nothing-here"))
            .header("Accept-Language", "es"),
    )
    .await?;
    assert_eq!(
        route["detail"], "No existe esa dirección en la API.",
        "{route}"
    );
    Ok(())
}

/// A cursor written by hand (the right shape, a key that is not of its
/// list's type) is refused as a cursor we did not issue, never a 500.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_cursor_is_refused_not_a_server_error() -> TestResult {
    use base64::Engine;
    let app = App::start()?;
    let (c, _) = app.api_login(MANAGER).await?;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"key":"not a time","id":"01a24dea-0000-7000-8000-000000000000"}"#);
    for list in [
        "/api/v1/products?sort=-created",
        "/api/v1/parties?sort=created",
        "/api/v1/sales/documents?kind=invoice",
        "/api/v1/journal-entries?limit=5",
    ] {
        let (status, problem) =
            send(c.get(app.url(list)).query(&[("cursor", forged.as_str())])).await?;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_cursor")),
            "{list}: {problem}"
        );
        // An empty cursor (`?cursor=`) is the first page, on every list.
        let (status, first) = send(c.get(app.url(list)).query(&[("cursor", "")])).await?;
        assert_eq!(
            status,
            StatusCode::OK,
            "{list} with an empty cursor: {first}"
        );
        assert!(first["items"].is_array(), "{list}: {first}");
    }
    Ok(())
}
