//! A report built in the background, as the accountant uses it: asked for
//! in Chromium under the sales book, followed on its page, announced by an
//! e-mail (a real SMTP server) with the link and by a notice in the app;
//! the PDF behind the link is the sales book. Another person cannot fetch it.

use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;

use crate::browser::{
    chromium, fetch_with_session, follow, log_in, shot, text_after_reloads, text_of,
};
use crate::browser_sales::pdf_text;
use crate::harness::{ADMIN, App, MANAGER, TestResult, eventually, free_port, json_of};
use crate::mail::{delivered, smtp_server};

#[tokio::test(flavor = "multi_thread")]
async fn chromium_builds_the_sales_book_in_the_background_and_mail_brings_the_link() -> TestResult {
    let dir = tempfile::tempdir()?;
    let port = free_port();
    let _smtp = smtp_server(port, dir.path())?;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = App::start_env(&[("ERP_SMTP_URL", &smtp_url)])?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Reportes")).await?;
        follow(&browser, Locator::Id("report-sales-book")).await?;
        follow(&browser, Locator::Id("run-report")).await?;
        // The run's page reloads itself until the report is ready.
        let status =
            text_after_reloads(&browser, "#run-status.status-done", Duration::from_secs(60))
                .await?;
        assert_eq!(status, "Listo");
        assert_eq!(text_of(&browser, "h1").await?, "Libro de ventas");
        shot(&browser, "report-run-done.png").await?;
        let page = browser.current_url().await?;
        let run_path = page.path().to_owned();

        // The e-mail with the link to that page.
        let mails = eventually(Duration::from_secs(20), || async {
            let m = delivered(dir.path());
            (!m.is_empty()).then_some(m)
        })
        .await
        .ok_or("no e-mail arrived")?;
        let (_, to, subject, body) = &mails[0];
        assert_eq!(to, "gerente@demo.hn");
        assert_eq!(subject, "Su reporte «Libro de ventas» está listo");
        let link = format!("https://localhost:{}{run_path}", app.https_port);
        assert!(body.contains(&link), "the link {link} in:\n{body}");

        // Followed from the e-mail, the PDF is the sales book.
        browser.goto(&link).await?;
        let href = browser
            .find(Locator::Id("run-pdf"))
            .await?
            .attr("href")
            .await?
            .ok_or("no PDF link")?;
        let pdf = fetch_with_session(&app, &browser, &href).await?;
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(
            pdf.headers()[reqwest::header::CONTENT_TYPE],
            "application/pdf"
        );
        let text = pdf_text(&app, &pdf.bytes().await?)?;
        assert!(
            text.contains("Libro de ventas") && text.contains("Motos Catrachas"),
            "{text}"
        );

        // Someone else (even a group admin) cannot fetch it.
        let (other, _) = app.api_login(ADMIN).await?;
        let refused = other.get(app.url(&href)).send().await?;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);

        // A second run while the person works elsewhere: the top bar tells
        // them when it is ready, and the notice leads to it.
        follow(&browser, Locator::LinkText("Reportes")).await?;
        follow(&browser, Locator::Id("report-aged")).await?;
        follow(&browser, Locator::Id("run-report")).await?;
        follow(&browser, Locator::LinkText("Inicio")).await?;
        let notice = eventually(Duration::from_secs(30), || async {
            browser.refresh().await.ok()?;
            text_of(&browser, "#notifications").await.ok()
        })
        .await
        .ok_or("no notice in the top bar")?;
        assert_eq!(notice.replace('\n', " "), "Avisos1");
        shot(&browser, "notice.png").await?;
        follow(&browser, Locator::Id("notifications")).await?;
        follow(&browser, Locator::Css("#notification-list li.unread a")).await?;
        assert_eq!(text_of(&browser, "#run-status").await?, "Listo");
        assert_eq!(
            text_of(&browser, "h1").await?,
            "Antigüedad de saldos por cobrar"
        );
        assert!(
            browser.find(Locator::Id("notifications")).await.is_err(),
            "the notice is read once its page is seen"
        );
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    let _ = browser.close().await;
    result
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_runs_a_report_and_serves_its_files_to_its_owner_only() -> TestResult {
    use serde_json::{Value, json};
    let app = App::start()?;
    let (client, _) = app.api_login(MANAGER).await?;
    let runs = app.url("/api/v1/reports/runs");

    // Bad input: an unknown report, a query that is not an object.
    let bad = client
        .post(&runs)
        .json(&json!({ "kind": "payroll" }))
        .send()
        .await?;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await?;
    assert_eq!(problem["errors"][0]["pointer"], "/kind", "{problem}");
    let bad = client
        .post(&runs)
        .json(&json!({ "kind": "sales-book", "query": "2026-11" }))
        .send()
        .await?;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let asked = client
        .post(&runs)
        .json(&json!({ "kind": "trial-balance", "query": { "period": "2026-12" }, "lang": "en" }))
        .send()
        .await?;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let run: Value = asked.json().await?;
    let id = run["id"].as_str().ok_or("id")?.to_owned();
    let early = client.get(format!("{runs}/{id}/pdf")).send().await?;
    assert!(
        matches!(early.status(), StatusCode::CONFLICT | StatusCode::OK),
        "not ready yet is a 409, not an error: {}",
        early.status()
    );
    let done = eventually(Duration::from_secs(30), || async {
        let r: Value = json_of(&client, format!("{runs}/{id}")).await?;
        (r["status"] == "done").then_some(r)
    })
    .await
    .ok_or("the run did not finish")?;
    assert_eq!(done["progress"], 100);
    assert_eq!(
        done["title"], "Trial balance",
        "built in the language asked for"
    );

    // Every report the reports page offers runs as well (the purchase book
    // and the stock reports were refused by the table's first list of
    // kinds: a 500).
    for kind in [
        "purchase-book",
        "stock-valuation",
        "stock-on-hand",
        "stock-units",
        "unit-margins",
    ] {
        let asked = client
            .post(&runs)
            .json(&json!({ "kind": kind }))
            .send()
            .await?;
        assert_eq!(asked.status(), StatusCode::ACCEPTED, "{kind}");
        let run: Value = asked.json().await?;
        let other = run["id"].as_str().ok_or("id")?.to_owned();
        eventually(Duration::from_secs(30), || async {
            let r: Value = json_of(&client, format!("{runs}/{other}")).await?;
            (r["status"] == "done").then_some(())
        })
        .await
        .ok_or(format!("the {kind} run did not finish"))?;
    }

    // A unit's history names its unit: asked without one, the run is
    // refused at once rather than failing in the worker.
    let bad = client
        .post(&runs)
        .json(&json!({ "kind": "unit-history", "query": {} }))
        .send()
        .await?;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await?;
    assert_eq!(
        problem["errors"][0]["pointer"], "/query/unit_id",
        "{problem}"
    );

    let pdf = client.get(format!("{runs}/{id}/pdf")).send().await?;
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = pdf_text(&app, &pdf.bytes().await?)?;
    assert!(text.contains("Trial balance"), "{text}");
    let csv = client.get(format!("{runs}/{id}/csv")).send().await?;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()?
            .starts_with("text/csv")
    );
    let no_such = client.get(format!("{runs}/{id}/xlsx")).send().await?;
    assert_eq!(no_such.status(), StatusCode::NOT_FOUND);

    let (other, _) = app.api_login(ADMIN).await?;
    let refused = other.get(format!("{runs}/{id}")).send().await?;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = other.get(format!("{runs}/{id}/pdf")).send().await?;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // Past its seven days the purge task deletes the files.
    use sqlx::Connection;
    let file = app.data_dir().join(format!("files/reports/{id}.pdf"));
    assert!(file.exists(), "{}", file.display());
    let mut owner = sqlx::PgConnection::connect(&app.database_url()).await?;
    sqlx::query(
        "UPDATE report_runs SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid",
    )
    .bind(&id)
    .execute(&mut owner)
    .await?;
    sqlx::query(
        "UPDATE periodic_tasks SET cron = '*/1 * * * * *' WHERE task = 'purge_expired_exports'",
    )
    .execute(&mut owner)
    .await?;
    eventually(Duration::from_secs(30), || async {
        (!file.exists()).then_some(())
    })
    .await
    .ok_or("the expired report's files were not purged")?;
    let expired: Value = client
        .get(format!("{runs}/{id}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(expired["status"], "expired");
    let gone = client.get(format!("{runs}/{id}/pdf")).send().await?;
    assert_eq!(gone.status(), StatusCode::CONFLICT);
    Ok(())
}
