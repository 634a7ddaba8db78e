//! Connecting the shared services into the domain's handles.

use anyhow::Context;
use erp::{Db, Erp};

use crate::config::Endpoints;

pub struct Connected {
    pub erp: Erp,
    pub queue: jobs::Queue,
}

/// Connect as the application role. Migrations must already be applied
/// (by `migrate` or `up`); this checks that before anything serves.
pub async fn connect(endpoints: &Endpoints) -> anyhow::Result<Connected> {
    ensure_schema_current(&endpoints.database_url).await?;
    let db = Db::connect_app(&endpoints.database_url)
        .await
        .context("connecting to PostgreSQL as erp_app")?;
    let kv = erp::kv::Kv::connect(&endpoints.redis_url)
        .await
        .context("connecting to Redis")?;
    let queue = jobs::Queue::connect(&endpoints.redis_url)
        .await
        .context("connecting the job queue to Redis")?;
    let erp = Erp {
        db,
        kv,
        files: erp::files::FileStore::open(&endpoints.file_store)?,
    };
    Ok(Connected { erp, queue })
}

/// Fail unless every migration this binary carries is applied (a later
/// release's extra ones are fine: see `erp::db::migrate`).
pub async fn ensure_schema_current(database_url: &str) -> anyhow::Result<()> {
    let pool = Db::connect_owner(database_url)
        .await
        .context("connecting to PostgreSQL")?;
    let current = erp::db::migrations_current(&pool).await;
    pool.close().await;
    anyhow::ensure!(
        current?,
        "the database schema is not current: erp-migrate (`appliance migrate`) has not applied this release's migrations"
    );
    Ok(())
}

/// Apply migrations with the owner connection. With
/// `ERP_SERVER_PASSWORD_FILE` (an install of separate containers), also let
/// the serving roles' login (`erp_server`) log in with the password in it.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let owner = Db::connect_owner(database_url)
        .await
        .context("connecting to PostgreSQL")?;
    erp::db::migrate(&owner)
        .await
        .context("applying migrations")?;
    if let Some(password) = crate::config::secret_file("ERP_SERVER_PASSWORD_FILE")? {
        erp::db::set_server_password(&owner, &password)
            .await
            .context("setting the password of the serving roles' login")?;
    }
    owner.close().await;
    Ok(())
}
