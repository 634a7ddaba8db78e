//! A real browser: headless Chromium through chromedriver logs in as the demo
//! admin and sees the shell. The screenshot is saved under target/.

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::harness::{ADMIN, App, KillOnDrop, TestResult, eventually, free_port, site_dir};

/// A headless Chromium session driven through chromedriver; the driver and
/// the browser profile live as long as the returned guards.
pub async fn chromium() -> Result<
    (KillOnDrop, tempfile::TempDir, fantoccini::Client),
    Box<dyn std::error::Error + Send + Sync>,
> {
    chromium_with(&[]).await
}

/// The same with more command-line switches for Chromium.
pub async fn chromium_with(
    extra: &[String],
) -> Result<(KillOnDrop, tempfile::TempDir, fantoccini::Client), Error> {
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

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Save a screenshot under the test target directory (and say where).
pub async fn shot(browser: &fantoccini::Client, name: &str) -> Result<(), Error> {
    let png = browser.screenshot().await?;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &png)?;
    println!("screenshot: {}", path.display());
    Ok(())
}

/// Visible text of the first element matching `css`, without Fluent's bidi
/// isolation marks around placeables.
pub async fn text_of(browser: &fantoccini::Client, css: &str) -> Result<String, Error> {
    let text = browser.find(Locator::Css(css)).await?.text().await?;
    Ok(text.replace(['\u{2068}', '\u{2069}'], ""))
}

/// Log in through the login form as `who` and wait for the home page.
pub async fn log_in(
    app: &App,
    browser: &fantoccini::Client,
    who: (&str, &str),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    submit_login(app, browser, who).await?;
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("welcome"))
        .await?;
    Ok(())
}

/// Fill and send the login form (what comes next is the caller's to check).
pub async fn submit_login(
    app: &App,
    browser: &fantoccini::Client,
    who: (&str, &str),
) -> Result<(), Error> {
    browser.goto(&app.url("/login")).await?;
    browser
        .find(Locator::Id("email"))
        .await?
        .send_keys(who.0)
        .await?;
    browser
        .find(Locator::Id("password"))
        .await?
        .send_keys(who.1)
        .await?;
    browser
        .find(Locator::Css("#login-form button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_logs_in_and_sees_the_shell() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        browser.goto(&app.url("/login")).await?;
        assert_eq!(browser.title().await?, "Iniciar sesión · ERP del Grupo");
        browser
            .find(Locator::Id("email"))
            .await?
            .send_keys(ADMIN.0)
            .await?;
        browser
            .find(Locator::Id("password"))
            .await?
            .send_keys(ADMIN.1)
            .await?;
        browser
            .find(Locator::Css("#login-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let welcome = browser
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Id("welcome"))
            .await?;
        assert!(
            welcome
                .text()
                .await?
                .contains("Bienvenido, Administración del Grupo")
        );
        let user = browser.find(Locator::Id("user-name")).await?.text().await?;
        assert!(user.contains("Administración del Grupo"));

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
        let intro = browser.find(Locator::Css("main p")).await?.text().await?;
        let other = if intro.contains("Autos del Valle") {
            "Motos Catrachas"
        } else {
            "Autos del Valle"
        };
        let select = browser.find(Locator::Id("company_id")).await?;
        select.select_by_label(other).await?;
        let switched = eventually(Duration::from_secs(15), || async {
            let text = browser
                .find(Locator::Css("main p"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.contains(&format!("Está trabajando en {other}"))
                .then_some(())
        })
        .await;
        assert!(
            switched.is_some(),
            "choosing {other} did not switch the company"
        );
        let shot = browser.screenshot().await?;
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("shell.png");
        std::fs::write(&path, &shot)?;
        println!("screenshot: {}", path.display());
        assert!(shot.starts_with(b"\x89PNG"));
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    let _ = browser.close().await;
    result
}
