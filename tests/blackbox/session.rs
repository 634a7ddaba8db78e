//! The edge and the session API: HTTPS over h1 and h2, the redirect, the
//! security headers, health, login/logout, bad input and the login limits.

use reqwest::{StatusCode, Version, header};
use serde_json::Value;

use crate::harness::{ADMIN, App, TestResult};

const SECURITY_HEADERS: [&str; 5] = [
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
];

#[tokio::test(flavor = "multi_thread")]
async fn https_h1_and_h2_redirect_headers_and_health() -> TestResult {
    let app = App::start()?;

    let h1 = app.client_h1()?.get(app.url("/login")).send().await?;
    assert_eq!(h1.version(), Version::HTTP_11);
    assert_eq!(h1.status(), StatusCode::OK);
    for name in SECURITY_HEADERS {
        assert!(h1.headers().contains_key(name), "h1 response lacks {name}");
    }
    assert_eq!(h1.headers()["x-content-type-options"], "nosniff");
    assert!(
        h1.text().await?.contains("Iniciar sesión"),
        "the login page is Spanish by default"
    );

    let h2 = app.client()?.get(app.url("/login")).send().await?;
    assert_eq!(h2.version(), Version::HTTP_2, "ALPN should pick h2");
    assert_eq!(h2.status(), StatusCode::OK);
    for name in SECURITY_HEADERS {
        assert!(h2.headers().contains_key(name), "h2 response lacks {name}");
    }

    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let redirect = plain
        .get(format!("http://localhost:{}/exports?x=1", app.http_port))
        .send()
        .await?;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirect.headers()[header::LOCATION],
        format!("https://localhost:{}/exports?x=1", app.https_port).as_str()
    );

    let health = app.client()?.get(app.url("/api/health")).send().await?;
    assert_eq!(health.status(), StatusCode::OK);
    let body: Value = health.json().await?;
    assert_eq!(body, serde_json::json!({ "postgres": "ok", "redis": "ok" }));

    let doc: Value = app
        .client()?
        .get(app.url("/api/openapi.json"))
        .send()
        .await?
        .json()
        .await?;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1: {}",
        doc["openapi"]
    );
    for path in [
        "/api/health",
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/exports/{id}",
        "/api/v1/periodic-tasks/{id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    Ok(())
}

fn is_problem(res: &reqwest::Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json")
}

#[tokio::test(flavor = "multi_thread")]
async fn api_login_me_logout_and_bad_input() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;

    // Malformed JSON: 400 problem+json that says where.
    let res = client
        .post(app.url("/api/v1/session"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"email\": ")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(is_problem(&res));
    let p: Value = res.json().await?;
    assert_eq!(p["code"], "malformed_json");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("line 1")),
        "{p}"
    );

    // Wrong type and unknown field: 422 naming the field.
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": 1, "password": "x"}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await?;
    assert_eq!(p["errors"][0]["pointer"], "/email");
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": "a@b.hn", "password": "x", "role": "admin"}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Not JSON at all: 415.
    let res = client
        .post(app.url("/api/v1/session"))
        .body("email=x")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(is_problem(&res));

    // Wrong password: 401 problem+json, no cookie for a session.
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": ADMIN.0, "password": "not-the-password"}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(is_problem(&res));
    assert_eq!(res.json::<Value>().await?["code"], "invalid_credentials");

    // Unknown route under /api: problem+json too.
    let res = client.get(app.url("/api/v1/nothing-here")).send().await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(is_problem(&res));

    // A method the resource does not have: 405 problem+json.
    let res = client.get(app.url("/api/v1/session")).send().await?;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_problem(&res));

    // Not logged in yet.
    assert_eq!(
        client.get(app.url("/api/v1/me")).send().await?.status(),
        StatusCode::UNAUTHORIZED
    );

    // Good credentials: the cookie is Secure, HttpOnly, SameSite=Lax.
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()[header::SET_COOKIE].to_str()?.to_owned();
    assert!(cookie.starts_with("erp_session="), "{cookie}");
    for attr in ["Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }

    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(me["email"], ADMIN.0);
    let companies: Vec<&str> = me["companies"]
        .as_array()
        .ok_or("companies")?
        .iter()
        .filter_map(|c| c["company_name"].as_str())
        .collect();
    assert_eq!(companies, vec!["Autos del Valle", "Motos Catrachas"]);
    assert!(
        me["companies"]
            .as_array()
            .ok_or("companies")?
            .iter()
            .all(|c| c["role"] == "group_admin")
    );

    assert_eq!(
        client
            .delete(app.url("/api/v1/session"))
            .send()
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        client.get(app.url("/api/v1/me")).send().await?.status(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn session_id_changes_at_login() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    // An anonymous visit gets a session (it carries the CSRF token).
    let before = client.get(app.url("/login")).send().await?;
    let anon = before.headers()[header::SET_COOKIE]
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await?;
    let after = res.headers()[header::SET_COOKIE]
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(anon.starts_with("erp_session=") && after.starts_with("erp_session="));
    assert_ne!(anon, after, "the session id must be rotated at login");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_rate_limited_per_account() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    let attempt = |password: &'static str| {
        client
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({"email": ADMIN.0, "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("wrong-password").await?.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = attempt("wrong-password").await?;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[header::RETRY_AFTER].to_str()?.parse()?;
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    assert_eq!(
        limited.json::<Value>().await?["code"],
        "too_many_login_attempts"
    );
    // Even the right password waits out the limit.
    assert_eq!(
        attempt("demo-admin-2026").await?.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_rate_limited_per_client_address() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    // Many accounts, one address (an attacker trying passwords across users):
    // each account stays under its own limit, the address runs out.
    let mut statuses = Vec::new();
    for i in 0..31 {
        let res = client
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({"email": format!("nadie{i}@demo.hn"), "password": "wrong-password"}))
            .send()
            .await?;
        statuses.push(res.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        statuses[30], 429,
        "the 31st failure from one address is refused"
    );
    // The real admin, from the same address, waits too.
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    Ok(())
}
