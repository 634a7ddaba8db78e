//! Two-step verification through the API: enrolment with a QR code and a
//! confirming code, login that then needs the code, and a company that
//! requires it: nothing of the company opens until the user sets it up.

use reqwest::{Client, StatusCode};
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

/// Enrol the client's user; returns the secret.
async fn enrol(app: &App, client: &Client) -> Result<String, Error> {
    let (status, e) = send(client.post(app.url("/api/v1/me/totp/enrolment"))).await?;
    assert_eq!(status, StatusCode::OK, "{e}");
    let secret = e["secret"].as_str().ok_or("secret")?.to_owned();
    let code = erp::auth::totp::current_code(&secret)?;
    let (status, body) = send(
        client
            .post(app.url("/api/v1/me/totp"))
            .json(&json!({ "code": code })),
    )
    .await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    Ok(secret)
}

fn login_body(who: (&str, &str), totp: Option<String>) -> Value {
    json!({ "email": who.0, "password": who.1, "totp": totp })
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolment_then_login_needs_the_code() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let (_, state) = send(client.get(app.url("/api/v1/me/totp"))).await?;
    assert_eq!(state["enabled"], false);

    let (_, e) = send(client.post(app.url("/api/v1/me/totp/enrolment"))).await?;
    assert!(
        e["otpauth_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/") && u.contains("gerente%40demo.hn"))
    );
    assert!(e["qr_svg"].as_str().is_some_and(|s| s.contains("<svg")));
    let (status, problem) = send(
        client
            .post(app.url("/api/v1/me/totp"))
            .json(&json!({"code": "000000"})),
    )
    .await?;
    assert_eq!(
        (status, &problem["errors"][0]["pointer"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("/code"))
    );
    let secret = e["secret"].as_str().ok_or("secret")?;
    let code = erp::auth::totp::current_code(secret)?;
    let (status, _) = send(
        client
            .post(app.url("/api/v1/me/totp"))
            .json(&json!({"code": code})),
    )
    .await?;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, state) = send(client.get(app.url("/api/v1/me/totp"))).await?;
    assert_eq!(state["enabled"], true);

    let fresh = app.client()?;
    let login = app.url("/api/v1/session");
    let (status, problem) = send(fresh.post(&login).json(&login_body(MANAGER, None))).await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("totp_required"))
    );
    let (status, problem) = send(
        fresh
            .post(&login)
            .json(&login_body(MANAGER, Some("123456".into()))),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("totp_invalid"))
    );
    let (status, _) = send(fresh.get(app.url("/api/v1/parties"))).await?;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no session after a refused code"
    );
    let code = erp::auth::totp::current_code(secret)?;
    let (status, me) = send(
        fresh
            .post(&login)
            .json(&login_body(MANAGER, Some(code.clone()))),
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{me}");
    // The same code does not sign in a second time (someone may have seen it).
    let (status, problem) = send(
        app.client()?
            .post(&login)
            .json(&login_body(MANAGER, Some(code))),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("totp_invalid"))
    );
    let (status, _) = send(fresh.get(app.url("/api/v1/parties"))).await?;
    assert_eq!(status, StatusCode::OK);

    // A lost phone: the operator turns verification off, and the password
    // alone signs in again. An unknown e-mail is a sentence, not a panic.
    let reset = std::process::Command::new(crate::harness::BIN)
        .args(["admin", "reset-totp", "--email", MANAGER.0])
        .env("ERP_DATABASE_URL", app.database_url())
        .output()?;
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let (status, _) = send(app.client()?.post(&login).json(&login_body(MANAGER, None))).await?;
    assert_eq!(status, StatusCode::OK);
    let unknown = std::process::Command::new(crate::harness::BIN)
        .args(["admin", "reset-totp", "--email", "nadie@demo.hn"])
        .env("ERP_DATABASE_URL", app.database_url())
        .output()?;
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no user with the e-mail nadie@demo.hn")
    );

    // A wrong password never reaches the code question.
    let (status, problem) = send(
        app.client()?
            .post(&login)
            .json(&login_body((MANAGER.0, "wrong-password"), None)),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_that_requires_it_is_closed_until_it_is_set_up() -> TestResult {
    let app = App::start()?;
    let admin = login_in(&app, ADMIN, "Motos Catrachas").await?;
    enrol(&app, &admin).await?;
    let (_, mut company) = send(admin.get(app.url("/api/v1/company"))).await?;
    let o = company.as_object_mut().ok_or("company")?;
    for k in ["id", "updated_at"] {
        o.remove(k);
    }
    o.insert("require_totp".into(), json!(true));
    let (status, body) = send(admin.put(app.url("/api/v1/company")).json(&company)).await?;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The sales user has no second factor: every door of the company is shut.
    let (ventas, _) = app
        .api_login(("ventas@demo.hn", "demo-usuario-2026"))
        .await?;
    for path in ["/api/v1/parties", "/api/v1/products", "/api/v1/search?q=a"] {
        let (status, problem) = send(ventas.get(app.url(path))).await?;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("totp_required_by_company")),
            "{path}"
        );
    }
    // Setting it up is open, and opens the company.
    enrol(&app, &ventas).await?;
    let (status, _) = send(ventas.get(app.url("/api/v1/parties"))).await?;
    assert_eq!(status, StatusCode::OK);

    // While the company requires it, it cannot be turned off.
    let (gerente, _) = app.api_login(MANAGER).await?;
    let (status, problem) = send(gerente.post(app.url("/api/v1/exports/users-roles"))).await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("totp_required_by_company")),
        "exports pass the same gate"
    );
    let secret = enrol(&app, &gerente).await?;
    let code = erp::auth::totp::current_code(&secret)?;
    let (status, problem) = send(
        gerente
            .delete(app.url("/api/v1/me/totp"))
            .json(&json!({"code": code})),
    )
    .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("totp_required_by_company"))
    );
    Ok(())
}
