//! Settings that come from the environment (the quadlets set them).

use std::path::PathBuf;

use anyhow::Context;

/// Where the shared services are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub database_url: String,
    pub redis_url: String,
    pub files_dir: PathBuf,
}

impl Endpoints {
    /// For the separate roles: everything must be configured.
    pub fn from_env() -> anyhow::Result<Endpoints> {
        Ok(Endpoints {
            database_url: std::env::var("ERP_DATABASE_URL")
                .context("ERP_DATABASE_URL is not set (e.g. postgres://erp@db/erp)")?,
            redis_url: std::env::var("ERP_REDIS_URL")
                .context("ERP_REDIS_URL is not set (e.g. redis://redis:6379)")?,
            files_dir: std::env::var_os("ERP_FILES_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/var/lib/erp/files")),
        })
    }
}

/// The default data directory of `appliance up`.
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os("XDG_DATA_HOME") {
        Some(base) if !base.is_empty() => PathBuf::from(base).join("erp-appliance"),
        _ => PathBuf::from("var"),
    }
}

/// Where the web role finds the islands' bundle (`ERP_SITE_DIR`, holding
/// `pkg/`). Unset: pages are served without islands.
pub fn site_dir() -> Option<PathBuf> {
    std::env::var_os("ERP_SITE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
