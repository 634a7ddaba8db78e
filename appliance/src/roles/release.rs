//! `appliance release`: the unit `podman auto-update` restarts in an install
//! of quadlets. Every other role of the image is part of it (`PartOf=`), so
//! its restart restarts them all on the new image: migrations first, then the
//! roles, then this one; it starts only once every role is active, which is
//! what makes a broken image fail the update and roll back (docs/quadlets.md).
//! While it runs it holds the owner's connection settings, so the admin's
//! commands run in it (`podman exec -i erp-release appliance admin …`).

use anyhow::Context;

use crate::{config, shutdown, systemd};

pub async fn run() -> anyhow::Result<()> {
    let database_url = config::database_url()?
        .context("ERP_DATABASE_URL is not set; point it at the appliance's database")?;
    systemd::status("checking the database schema");
    // The roles started on this schema; a release that does not know it
    // (an image older than the migrations it needs) must not count as up.
    crate::services::ensure_schema_current(&database_url).await?;
    systemd::ready(&format!(
        "release {} is up: every role started",
        env!("CARGO_PKG_VERSION")
    ));
    shutdown::signalled().await;
    systemd::stopping();
    Ok(())
}
