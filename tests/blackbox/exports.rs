//! The export job end to end: asked for through the API and the page, run by
//! the worker, shown on the page and downloaded.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::harness::{ADMIN, App, MANAGER, TestResult, csrf_of, eventually};

#[tokio::test(flavor = "multi_thread")]
async fn export_round_trip_through_api_and_page() -> TestResult {
    let app = App::start()?;
    let (client, me) = app.api_login(MANAGER).await?;
    assert_eq!(me["companies"][0]["company_name"], "Motos Catrachas");

    let res = client
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let export: Value = res.json().await?;
    let id = export["id"].as_str().ok_or("id")?.to_owned();
    assert!(matches!(
        export["status"].as_str(),
        Some("queued" | "running" | "done")
    ));

    let done = app.export_done(&client, &id).await?;
    // Motos Catrachas has the admin plus five demo users.
    assert_eq!(done["row_count"], 6);

    let file = client
        .get(app.url(&format!("/api/v1/exports/{id}/file")))
        .send()
        .await?;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(
        file.headers()[header::CONTENT_TYPE]
            .to_str()?
            .starts_with("text/csv")
    );
    let csv = file.text().await?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "company,name,email,role,active");
    assert_eq!(lines.len(), 7);
    assert!(lines.contains(&"Motos Catrachas,Karla Mejía,gerente@demo.hn,company_admin,yes"));
    assert!(lines.contains(&"Motos Catrachas,Ana Cáceres,consulta@demo.hn,read_only,yes"));
    assert!(!csv.contains("Autos del Valle"));

    // The page lists it as ready with a download link that serves the same file.
    let page = client.get(app.url("/exports")).send().await?.text().await?;
    assert!(page.contains(&format!("data-export-id=\"{id}\"")));
    assert!(page.contains("Lista"));
    let link = format!("/exports/{id}/download");
    assert!(page.contains(&link));
    assert_eq!(client.get(app.url(&link)).send().await?.text().await?, csv);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_requests_an_export_with_a_form_and_roles_are_checked() -> TestResult {
    let app = App::start()?;
    let (client, _) = app.api_login(ADMIN).await?;
    let page = client.get(app.url("/exports")).send().await?.text().await?;
    assert!(page.contains("Todavía no hay exportaciones."));
    let csrf = csrf_of(&page).ok_or("csrf")?;
    let res = client
        .post(app.url("/exports"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await?;
    assert!(res.status().is_redirection());
    let page = client.get(app.url("/exports")).send().await?.text().await?;
    assert!(
        page.contains("data-export-id="),
        "the requested export is listed"
    );
    let ready = eventually(Duration::from_secs(30), || async {
        let p = client
            .get(app.url("/exports"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        p.contains("Descargar").then_some(p)
    })
    .await;
    assert!(
        ready.is_some(),
        "the page shows the download once the worker is done"
    );

    // A read-only user may not export.
    let (reader, _) = app
        .api_login(("consulta@demo.hn", "demo-usuario-2026"))
        .await?;
    let res = reader
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        reader
            .get(app.url("/exports"))
            .send()
            .await?
            .text()
            .await?
            .contains("Su rol no permite exportar")
    );
    Ok(())
}
