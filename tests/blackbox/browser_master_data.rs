//! Chromium, in Spanish: a company admin creates a customer and a vehicle
//! through the forms (first with mistakes, which the form explains beside
//! each field), registers its VIN and finds both with the search box.
//! Screenshots are saved under the test target directory.

use fantoccini::Locator;

use crate::browser::{chromium, fill, follow, log_in, next_page, shot, text_of};
use crate::harness::{App, MANAGER, TestResult};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::test(flavor = "multi_thread")]
async fn chromium_creates_a_customer_and_a_vehicle_and_finds_them() -> TestResult {
    let app = App::start()?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        follow(&browser, Locator::LinkText("Clientes y proveedores")).await?;
        // The demo's customers are listed.
        assert!(
            text_of(&browser, "table")
                .await?
                .contains("Transportes Olanchanos S.A.")
        );
        follow(&browser, Locator::Id("new-party")).await?;

        // A first try with a short RTN and a credit limit in words.
        fill(&browser, "f-name", "José Ávila Núñez").await?;
        fill(&browser, "f-rtn", "0801-1985-0123").await?;
        fill(&browser, "f-credit_limit", "mucho").await?;
        follow(&browser, Locator::Id("save")).await?;
        assert_eq!(
            text_of(&browser, "#f-rtn-error").await?,
            "El RTN debe tener exactamente 14 dígitos."
        );
        assert_eq!(
            text_of(&browser, "#f-credit_limit-error").await?,
            "Escriba un número, por ejemplo 1,234.50."
        );
        assert_eq!(
            browser
                .find(Locator::Id("f-name"))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some("José Ávila Núñez"),
            "typed values survive"
        );
        shot(&browser, "party-form-errors.png").await?;

        fill(&browser, "f-rtn", "0801-1985-012345").await?;
        fill(&browser, "f-credit_limit", "150,000.50").await?;
        fill(&browser, "f-city", "Tegucigalpa").await?;
        follow(&browser, Locator::Id("save")).await?;
        browser
            .find(Locator::XPath("//h1[text()='José Ávila Núñez']"))
            .await?;
        follow(&browser, Locator::LinkText("Clientes y proveedores")).await?;
        let row = browser
            .find(Locator::XPath(
                "//*[@id='parties']//tbody/tr[contains(., 'José Ávila Núñez')]",
            ))
            .await?
            .text()
            .await?;
        assert!(
            row.contains("08011985012345") && row.contains("L 150,000.50"),
            "{row}"
        );

        // A vehicle: the first VIN typed is one character short.
        follow(&browser, Locator::LinkText("Productos")).await?;
        follow(&browser, Locator::Id("new-product")).await?;
        fill(&browser, "f-sku", "xr150l-2026").await?;
        fill(&browser, "f-name", "Honda XR150L 2026").await?;
        fill(&browser, "f-sale_price", "65,900").await?;
        browser
            .find(Locator::Id("f-is_vehicle"))
            .await?
            .click()
            .await?;
        follow(&browser, Locator::Id("save")).await?;
        browser.find(Locator::Id("serials")).await?;
        assert_eq!(
            browser
                .find(Locator::Id("f-sku"))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some("XR150L-2026")
        );
        fill(&browser, "f-serial", "MLHKD1210P500123").await?;
        follow(&browser, Locator::Id("add-serial")).await?;
        assert_eq!(
            text_of(&browser, "#serials .field-error").await?,
            "Un VIN tiene 17 letras y dígitos, sin I, O ni Q."
        );
        fill(&browser, "f-serial", "MLHKD1210P5001234").await?;
        follow(&browser, Locator::Id("add-serial")).await?;
        assert_eq!(
            text_of(&browser, "#serials li code").await?,
            "MLHKD1210P5001234"
        );
        shot(&browser, "vehicle-with-vin.png").await?;

        // The search box in the top bar finds them without accents or case.
        for (typed, expected) in [
            ("avila", "José Ávila Núñez"),
            ("P5001234", "Honda XR150L 2026"),
            ("XR150", "Honda XR150L 2026"),
        ] {
            fill(&browser, "search-box", typed).await?;
            let search_box = browser.find(Locator::Id("search-box")).await?;
            next_page(&browser, search_box.send_keys("\u{E007}")).await?;
            let text = text_of(&browser, "#search-results").await?;
            assert!(text.contains(expected), "searching {typed:?}: {text}");
        }
        shot(&browser, "search-results.png").await?;
        Ok::<(), Error>(())
    }
    .await;
    let _ = browser.close().await;
    result
}
