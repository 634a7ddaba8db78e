//! User administration through the API: a company admin adds people (new,
//! or already working in another company of the group), changes roles and
//! takes access away and back; the rules that protect the group hold.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{ADMIN, App, MANAGER, TestResult, login_in};

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

fn first_error(problem: &Value) -> (String, String) {
    (
        problem["errors"][0]["pointer"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        problem["errors"][0]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

async fn companies_of(app: &App, who: (&str, &str)) -> Result<Vec<String>, Error> {
    let (_, me) = app.api_login(who).await?;
    Ok(me["companies"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["company_name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_admin_manages_the_people_of_the_company() -> TestResult {
    let app = App::start()?;
    let (gerente, me) = app.api_login(MANAGER).await?;
    let users = app.url("/api/v1/users");

    // A new person: name and password are needed.
    let (status, problem) = send(
        gerente
            .post(&users)
            .json(&json!({"email": "nueva@demo.hn", "role": "sales"})),
    )
    .await?;
    assert_eq!(
        (status, first_error(&problem)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("/password".into(), "required".into())
        )
    );
    let (status, problem) = send(gerente.post(&users).json(&json!({"email": "nueva@demo.hn", "display_name": "Nueva", "password": "corta", "role": "cajero"}))).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["pointer"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(pointers, ["/role", "/password"], "{problem}");
    let (status, nueva) = send(gerente.post(&users).json(&json!({"email": "nueva@demo.hn", "display_name": "Nueva Vendedora", "password": "clave-larga-2026", "role": "sales"}))).await?;
    assert_eq!(status, StatusCode::CREATED, "{nueva}");
    assert_eq!(
        companies_of(&app, ("nueva@demo.hn", "clave-larga-2026")).await?,
        ["Motos Catrachas"]
    );
    let (status, problem) = send(
        gerente
            .post(&users)
            .json(&json!({"email": "NUEVA@demo.hn", "role": "sales"})),
    )
    .await?;
    assert_eq!(
        (status, first_error(&problem)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("/email".into(), "already_member".into())
        )
    );

    // Someone of Autos del Valle joins Motos too, keeping name and password.
    let admin_autos = login_in(&app, ADMIN, "Autos del Valle").await?;
    let (status, _) = send(admin_autos.post(&users).json(&json!({"email": "vendedor@autos.hn", "display_name": "Vendedor Autos", "password": "clave-de-autos-1", "role": "sales"}))).await?;
    assert_eq!(status, StatusCode::CREATED);
    let (status, joined) = send(
        gerente
            .post(&users)
            .json(&json!({"email": "vendedor@autos.hn", "role": "read_only"})),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["display_name"], "Vendedor Autos");
    assert_eq!(
        companies_of(&app, ("vendedor@autos.hn", "clave-de-autos-1")).await?,
        ["Autos del Valle", "Motos Catrachas"]
    );

    // Only a group admin grants group admin; nobody changes their own access.
    let id = nueva["user_id"].as_str().ok_or("id")?;
    let (status, _) = send(
        gerente
            .put(app.url(&format!("/api/v1/users/{id}")))
            .json(&json!({"role": "group_admin", "version": nueva["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = me["user_id"].as_str().ok_or("own id")?;
    let (status, problem) = send(
        gerente
            .post(app.url(&format!("/api/v1/users/{own}/deactivate")))
            .json(&json!({"version": 1})),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("own_membership"))
    );

    // A role change, then a stale one. Her session open since before the
    // change gets the new role's rights on its next request.
    let (open_session, _) = app.api_login(("nueva@demo.hn", "clave-larga-2026")).await?;
    let categories = app.url("/api/v1/product-categories");
    let (status, _) = send(
        open_session
            .post(&categories)
            .json(&json!({"name": "Cascos"})),
    )
    .await?;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "sales does not change the catalog"
    );
    let (status, changed) = send(
        gerente
            .put(app.url(&format!("/api/v1/users/{id}")))
            .json(&json!({"role": "warehouse", "version": nueva["version"]})),
    )
    .await?;
    assert_eq!(
        (status, &changed["role"]),
        (StatusCode::OK, &json!("warehouse"))
    );
    let (status, _) = send(
        open_session
            .post(&categories)
            .json(&json!({"name": "Cascos"})),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "warehouse does");
    let (status, _) = send(
        gerente
            .put(app.url(&format!("/api/v1/users/{id}")))
            .json(&json!({"role": "sales", "version": nueva["version"]})),
    )
    .await?;
    assert_eq!(status, StatusCode::CONFLICT);

    // Deactivated: her open session loses the company at once; reactivated: back.
    let (nueva_client, _) = app.api_login(("nueva@demo.hn", "clave-larga-2026")).await?;
    let (status, off) = send(
        gerente
            .post(app.url(&format!("/api/v1/users/{id}/deactivate")))
            .json(&json!({"version": changed["version"]})),
    )
    .await?;
    assert_eq!((status, &off["active"]), (StatusCode::OK, &json!(false)));
    let (status, _) = send(nueva_client.get(app.url("/api/v1/parties"))).await?;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a deactivated member reads nothing of the company"
    );
    assert!(
        companies_of(&app, ("nueva@demo.hn", "clave-larga-2026"))
            .await?
            .is_empty()
    );
    let (status, on) = send(
        gerente
            .post(app.url(&format!("/api/v1/users/{id}/reactivate")))
            .json(&json!({"version": off["version"]})),
    )
    .await?;
    assert_eq!((status, &on["active"]), (StatusCode::OK, &json!(true)));
    assert_eq!(
        companies_of(&app, ("nueva@demo.hn", "clave-larga-2026")).await?,
        ["Motos Catrachas"]
    );

    // Motos' list shows its people only, and the audit trail has each change.
    let (_, list) = send(gerente.get(&users)).await?;
    let emails: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(|m| m["email"].as_str()).collect())
        .unwrap_or_default();
    assert!(emails.contains(&"nueva@demo.hn") && emails.contains(&"vendedor@autos.hn"));
    let (_, autos_list) = send(admin_autos.get(&users)).await?;
    assert!(
        !autos_list.to_string().contains("nueva@demo.hn"),
        "Autos does not see Motos' people"
    );
    let (_, audit) = send(gerente.get(app.url("/api/v1/audit?entity=membership&limit=50"))).await?;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    for action in ["create", "update", "deactivate", "reactivate"] {
        assert!(actions.contains(&action), "{action} missing in {actions:?}");
    }
    Ok(())
}
