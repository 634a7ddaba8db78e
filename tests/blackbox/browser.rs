//! A real browser: headless Chromium through chromedriver logs in as the demo
//! admin and sees the shell. The screenshot is saved under target/.
//!
//! This file is also the browser tests' harness: starting Chromium, moving
//! from page to page ([`follow`], [`next_page`]), reading text (also on a page
//! that reloads itself, [`text_after_reloads`]) and saving screenshots.

use std::future::Future;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::harness::{ADMIN, App, KillOnDrop, TestResult, eventually, free_port, site_dir};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a click or a form may take to bring its page.
const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// A headless Chromium session driven through chromedriver; the driver and
/// the browser profile live as long as the returned guards.
pub async fn chromium() -> Result<(KillOnDrop, tempfile::TempDir, Client), Error> {
    chromium_with(&[]).await
}

/// The same with more command-line switches for Chromium.
pub async fn chromium_with(
    extra: &[String],
) -> Result<(KillOnDrop, tempfile::TempDir, Client), Error> {
    crate::versions::announce();
    let port = free_port();
    let _driver = KillOnDrop(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver not found ({e}); the README's test command installs chromium-driver"))?,
    );
    let profile = tempfile::tempdir()?;
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--ignore-certificate-errors".into(),
        "--window-size=1280,800".into(),
        "--lang=es-419".into(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    args.extend_from_slice(extra);
    let caps: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                // A browser in Honduras asks for Spanish.
                "prefs": { "intl.accept_languages": "es-HN,es" },
                "args": args
            }
        }))?;
    let webdriver = format!("http://127.0.0.1:{port}");
    let browser = eventually(Duration::from_secs(20), || {
        let caps = caps.clone();
        let webdriver = webdriver.clone();
        async move {
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&webdriver)
                .await
                .ok()
        }
    })
    .await
    .ok_or("could not start a Chromium session through chromedriver")?;

    Ok((_driver, profile, browser))
}

/// Runs `step` (a click on a link or on a form's button, Enter in a field, a
/// choice that submits its form) and returns once the browser shows the page
/// that answered it, fully loaded. The one way a browser test leaves a page.
///
/// A WebDriver click returns once the click is dispatched; whether the driver
/// also waits for the navigation it started has changed between ChromeDriver
/// versions (156 does not). Reading right after the click could then find
/// the old page, or an element of it that goes stale a moment later. So the
/// old page's `<html>` element is kept: the new page has arrived when that
/// element is stale and the document that replaced it has finished loading.
pub async fn next_page(
    browser: &Client,
    step: impl Future<Output = Result<(), CmdError>>,
) -> Result<(), Error> {
    let old = browser.find(Locator::Css("html")).await?;
    let from = browser.current_url().await?;
    step.await?;
    let deadline = Instant::now() + PAGE_TIMEOUT;
    let mut left = false;
    while Instant::now() < deadline {
        if !left {
            match old.tag_name().await {
                Err(e) if gone(&e) => left = true,
                Err(e) => return Err(e.into()),
                Ok(_) => {}
            }
        }
        if left {
            let state = browser
                .execute("return document.readyState", vec![])
                .await?;
            if state == "complete" {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = browser.current_url().await?;
    Err(if left {
        format!("the page after {from} did not finish loading within {PAGE_TIMEOUT:?} (at {now})")
    } else {
        format!("no new page replaced {from} within {PAGE_TIMEOUT:?} of the step meant to leave it")
    }
    .into())
}

/// Whether `e` says that an element's page has been replaced. ChromeDriver
/// usually answers "stale element reference"; caught while the new document
/// is being committed, it answers an unknown error that the node "does not
/// belong to the document" instead.
fn gone(e: &CmdError) -> bool {
    e.is_stale_element_reference() || e.to_string().contains("does not belong to the document")
}

/// Clicks the link or button `locator` finds and waits for the page it leads to.
pub async fn follow(browser: &Client, locator: Locator<'_>) -> Result<(), Error> {
    let target = browser.find(locator).await?;
    next_page(browser, target.click()).await
}

/// Replaces what the field with `id` holds by `text`.
pub async fn fill(browser: &Client, id: &str, text: &str) -> Result<(), Error> {
    let input = browser.find(Locator::Id(id)).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// Save a screenshot under the test target directory (and say where).
pub async fn shot(browser: &Client, name: &str) -> Result<(), Error> {
    let png = browser.screenshot().await?;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &png)?;
    println!("screenshot: {}", path.display());
    Ok(())
}

/// The text of `css` on a page that reloads itself (`<meta http-equiv=
/// refresh>`) until it shows it, waiting up to `timeout`. A reload can land
/// between finding an element and reading it, and ChromeDriver then answers
/// with an error about a node of the document that was replaced, not with
/// "no such element": every error while the page is being replaced counts as
/// "not yet", and the last one is named when time runs out.
pub async fn text_after_reloads(
    browser: &Client,
    css: &str,
    timeout: Duration,
) -> Result<String, Error> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("never found");
    while Instant::now() < deadline {
        let loaded = browser
            .execute("return document.readyState", vec![])
            .await
            .is_ok_and(|state| state == "complete");
        if loaded {
            match text_of(browser, css).await {
                Ok(text) => return Ok(text),
                Err(e) => last = e.to_string(),
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("{css} did not appear within {timeout:?} of reloads: {last}").into())
}

/// Visible text of the first element matching `css`, without Fluent's bidi
/// isolation marks around placeables.
pub async fn text_of(browser: &Client, css: &str) -> Result<String, Error> {
    let text = browser.find(Locator::Css(css)).await?.text().await?;
    Ok(text.replace(['\u{2068}', '\u{2069}'], ""))
}

/// Log in through the login form as `who` and wait for the home page.
pub async fn log_in(app: &App, browser: &Client, who: (&str, &str)) -> Result<(), Error> {
    submit_login(app, browser, who).await?;
    browser
        .find(Locator::Id("welcome"))
        .await
        .map_err(|e| format!("no home page after logging in as {}: {e}", who.0))?;
    Ok(())
}

/// Fill and send the login form (what comes next is the caller's to check).
pub async fn submit_login(app: &App, browser: &Client, who: (&str, &str)) -> Result<(), Error> {
    browser.goto(&app.url("/login")).await?;
    fill(browser, "email", who.0).await?;
    fill(browser, "password", who.1).await?;
    follow(browser, Locator::Css("#login-form button[type=submit]")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_logs_in_and_sees_the_shell() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        browser.goto(&app.url("/login")).await?;
        assert_eq!(browser.title().await?, "Iniciar sesión · ERP del Grupo");
        log_in(&app, &browser, ADMIN).await?;
        assert!(
            text_of(&browser, "#welcome")
                .await?
                .contains("Bienvenido, Administración del Grupo")
        );
        assert!(
            text_of(&browser, "#user-name")
                .await?
                .contains("Administración del Grupo")
        );

        // The company switcher is an island: once the bundle has hydrated it,
        // choosing a company is enough (its button is gone).
        let live = browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form.company-switcher[data-live=true]"))
            .await;
        assert!(
            live.is_ok(),
            "the company switcher island never came alive (is the bundle in {}?)",
            site_dir().display()
        );
        let button = browser
            .find(Locator::Css("form.company-switcher button"))
            .await?;
        assert!(
            !button.is_displayed().await?,
            "the fallback button hides once the island is live"
        );
        let intro = text_of(&browser, "main p").await?;
        let other = if intro.contains("Autos del Valle") {
            "Motos Catrachas"
        } else {
            "Autos del Valle"
        };
        let select = browser.find(Locator::Id("company_id")).await?;
        next_page(&browser, select.select_by_label(other)).await?;
        let intro = text_of(&browser, "main p").await?;
        assert!(
            intro.contains(&format!("Está trabajando en {other}")),
            "choosing {other} did not switch the company: {intro}"
        );
        shot(&browser, "shell.png").await?;
        Ok::<(), Error>(())
    }
    .await;
    let _ = browser.close().await;
    result
}

/// GET `href` on the appliance with the browser's own session (a file the
/// page links to: a PDF, a download).
pub async fn fetch_with_session(
    app: &App,
    browser: &Client,
    href: &str,
) -> Result<reqwest::Response, Error> {
    let cookies = browser
        .get_all_cookies()
        .await?
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(app
        .client()?
        .get(app.url(href))
        .header(reqwest::header::COOKIE, cookies)
        .send()
        .await?)
}
