//! Chromium, in Spanish: a company admin imports customers from a CSV file
//! through the page — the preview names the bad row by its line and says
//! what is wrong in Spanish, confirming imports the good rows while the page
//! follows the progress — and the list offers its CSV export.

use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{chromium, follow, log_in, shot, text_after_reloads, text_of};
use crate::harness::{App, MANAGER, TestResult};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::test(flavor = "multi_thread")]
async fn chromium_imports_customers_from_a_csv_file() -> TestResult {
    let app = App::start()?;
    let file = app.data_dir().join("clientes.csv");
    std::fs::write(
        &file,
        "nombre,rtn,ciudad\nFerretería El Pino,08011990000011,Danlí\nMal RTN,0801,Choluteca\nDoña Marta,,Comayagua\n",
    )?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        browser.goto(&app.url("/parties")).await?;
        let export = browser
            .find(Locator::Id("export-csv"))
            .await?
            .attr("href")
            .await?;
        assert_eq!(export.as_deref(), Some("/parties/export"));
        follow(&browser, Locator::Id("import-csv")).await?;
        browser
            .find(Locator::Id("file"))
            .await?
            .send_keys(&file.display().to_string())
            .await?;
        follow(&browser, Locator::Id("upload")).await?;
        assert_eq!(
            text_of(&browser, "#import-summary").await?,
            "3 filas: 2 válidas, 1 con errores."
        );
        assert_eq!(
            text_of(&browser, "#import-issues tbody tr").await?,
            "3 RTN El RTN debe tener exactamente 14 dígitos."
        );
        shot(&browser, "import-preview.png").await?;

        follow(&browser, Locator::Id("start-import")).await?;
        // The page reloads itself while the worker runs.
        assert_eq!(
            text_after_reloads(&browser, "#import-done", Duration::from_secs(30)).await?,
            "Importación terminada: 2 creados, 0 actualizados, 0 sin cambios."
        );
        shot(&browser, "import-done.png").await?;

        browser.goto(&app.url("/parties?q=pino")).await?;
        assert_eq!(
            text_of(&browser, "#parties tbody tr td a").await?,
            "Ferretería El Pino"
        );
        Ok::<(), Error>(())
    }
    .await;
    browser.close().await?;
    result
}
