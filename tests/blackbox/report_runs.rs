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
use crate::harness::{ADMIN, App, MANAGER, TestResult, eventually, free_port};
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
