//! Chromium, in Spanish: the company admin adds a person on the users page
//! (first without a password, which the form explains), takes their access
//! away, and finds both changes on the audit trail page.

use fantoccini::Locator;

use crate::browser::{chromium, fill, follow, log_in, shot, submit_login, text_of};
use crate::harness::{App, MANAGER, TestResult};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::test(flavor = "multi_thread")]
async fn chromium_adds_a_person_and_reads_the_audit_trail() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Usuarios")).await?;
        fill(&browser, "f-email", "lucia@demo.hn").await?;
        fill(&browser, "f-display_name", "Lucía Pineda").await?;
        follow(&browser, Locator::Id("add-user")).await?;
        assert_eq!(
            text_of(&browser, "#f-password-error").await?,
            "La contraseña necesita al menos 10 caracteres."
        );
        fill(&browser, "f-password", "clave-de-lucia-1").await?;
        follow(&browser, Locator::Id("add-user")).await?;
        let row = "//table[@id='users']//tr[td[text()='lucia@demo.hn']]";
        follow(
            &browser,
            Locator::XPath(&format!("{row}//button[text()='Quitar acceso']")),
        )
        .await?;
        let state = browser
            .find(Locator::XPath(&format!("{row}/td[4]")))
            .await?
            .text()
            .await?;
        assert!(state.starts_with("Sin acceso"), "{state}");
        shot(&browser, "users.png").await?;

        follow(&browser, Locator::LinkText("Bitácora")).await?;
        browser
            .find(Locator::Css("select[name=entity] option[value=membership]"))
            .await?
            .click()
            .await?;
        follow(&browser, Locator::Css("form.filters button")).await?;
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

/// Chromium, in Spanish: the company requires two-step verification, so the
/// sales user lands on the security page, scans (reads) the QR's key, turns
/// it on, and from then on signs in with the app's code.
#[tokio::test(flavor = "multi_thread")]
async fn chromium_sets_up_two_step_verification_and_signs_in_with_it() -> TestResult {
    let app = App::start()?;
    let admin = crate::harness::login_in(&app, crate::harness::ADMIN, "Motos Catrachas").await?;
    let mut company: serde_json::Value = admin
        .get(app.url("/api/v1/company"))
        .send()
        .await?
        .json()
        .await?;
    let o = company.as_object_mut().ok_or("company")?;
    o.remove("id");
    o.remove("updated_at");
    o.insert("require_totp".into(), serde_json::json!(true));
    assert!(
        admin
            .put(app.url("/api/v1/company"))
            .json(&company)
            .send()
            .await?
            .status()
            .is_success()
    );

    let ventas = ("ventas@demo.hn", "demo-usuario-2026");
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        // The login form leads straight to the security page.
        submit_login(&app, &browser, ventas).await?;
        browser.find(Locator::Id("totp-qr")).await?;
        assert!(
            text_of(&browser, "p.alert")
                .await?
                .contains("Esta empresa exige verificación en dos pasos")
        );
        let width = browser
            .execute(
                "return document.getElementById('totp-qr').naturalWidth",
                vec![],
            )
            .await?;
        assert!(
            width.as_u64().is_some_and(|w| w > 0),
            "the QR image renders: {width}"
        );
        shot(&browser, "totp-enrolment.png").await?;
        // Any other page sends back here.
        browser.goto(&app.url("/parties")).await?;
        assert!(
            browser
                .current_url()
                .await?
                .path()
                .ends_with("/account/security")
        );

        let secret = text_of(&browser, "#totp-secret").await?;
        let code = erp::auth::totp::current_code(&secret)?;
        fill(&browser, "f-code", &code).await?;
        follow(&browser, Locator::Id("totp-enable")).await?;
        browser.find(Locator::Id("totp-on")).await?;
        browser.goto(&app.url("/parties")).await?;
        assert!(browser.current_url().await?.path().ends_with("/parties"));

        // Next sign-in: password, then the code.
        follow(&browser, Locator::Css("form[action='/logout'] button")).await?;
        submit_login(&app, &browser, ventas).await?;
        browser.find(Locator::Id("code-form")).await?;
        shot(&browser, "totp-login.png").await?;
        let code = erp::auth::totp::current_code(&secret)?;
        fill(&browser, "code", &code).await?;
        follow(&browser, Locator::Css("#code-form button")).await?;
        browser.find(Locator::Id("welcome")).await?;
        Ok::<(), Error>(())
    }
    .await;
    browser.close().await?;
    result
}
