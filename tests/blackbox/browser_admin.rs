//! Chromium, in Spanish: the company admin adds a person on the users page
//! (first without a password, which the form explains), takes their access
//! away, and finds both changes on the audit trail page.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{chromium, log_in};
use crate::harness::{App, MANAGER, TestResult};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn shot(browser: &Client, name: &str) -> Result<(), Error> {
    let png = browser.screenshot().await?;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &png)?;
    println!("screenshot: {}", path.display());
    Ok(())
}

async fn text_of(browser: &Client, css: &str) -> Result<String, Error> {
    Ok(browser.find(Locator::Css(css)).await?.text().await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_adds_a_person_and_reads_the_audit_trail() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        browser
            .find(Locator::LinkText("Usuarios"))
            .await?
            .click()
            .await?;
        browser
            .find(Locator::Id("f-email"))
            .await?
            .send_keys("lucia@demo.hn")
            .await?;
        browser
            .find(Locator::Id("f-display_name"))
            .await?
            .send_keys("Lucía Pineda")
            .await?;
        browser.find(Locator::Id("add-user")).await?.click().await?;
        let error = browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("f-password-error"))
            .await?;
        assert_eq!(
            error.text().await?,
            "La contraseña necesita al menos 10 caracteres."
        );
        browser
            .find(Locator::Id("f-password"))
            .await?
            .send_keys("clave-de-lucia-1")
            .await?;
        browser.find(Locator::Id("add-user")).await?.click().await?;
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//table[@id='users']//td[text()='lucia@demo.hn']",
            ))
            .await?;
        let row = "//table[@id='users']//tr[td[text()='lucia@demo.hn']]";
        browser
            .find(Locator::XPath(&format!(
                "{row}//button[text()='Quitar acceso']"
            )))
            .await?
            .click()
            .await?;
        let state = browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&format!("{row}/td[4]")))
            .await?;
        assert!(state.text().await?.starts_with("Sin acceso"));
        shot(&browser, "users.png").await?;

        browser
            .find(Locator::LinkText("Bitácora"))
            .await?
            .click()
            .await?;
        browser
            .find(Locator::Css("select[name=entity] option[value=membership]"))
            .await?
            .click()
            .await?;
        browser
            .find(Locator::Css("form.filters button"))
            .await?
            .click()
            .await?;
        let first = text_of(&browser, "#audit tbody tr").await?;
        assert!(
            first.contains("Quitó el acceso") && first.contains("Karla Mejía"),
            "{first}"
        );
        assert!(first.contains("Activo: sí → no"), "{first}");
        let all = text_of(&browser, "#audit tbody").await?;
        assert!(
            all.contains("Creó") && all.contains("lucia@demo.hn"),
            "{all}"
        );
        shot(&browser, "audit.png").await?;
        Ok::<(), Error>(())
    }
    .await;
    browser.close().await?;
    result
}
