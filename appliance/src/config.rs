//! Settings that come from the environment (the quadlets set them).

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Where the shared services are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub database_url: String,
    pub redis_url: String,
    /// The file store: a directory, or `s3://bucket[/prefix]` (see
    /// `erp::files::FileStore::open`).
    pub file_store: String,
}

impl Endpoints {
    /// For the separate roles: everything must be configured.
    pub fn from_env() -> anyhow::Result<Endpoints> {
        Ok(Endpoints {
            database_url: database_url()?
                .context("ERP_DATABASE_URL is not set (e.g. postgres://erp@db/erp)")?,
            redis_url: redis_url()?,
            file_store: file_store(Path::new("/var/lib/erp/files")),
        })
    }
}

/// `ERP_FILE_STORE` (an S3 bucket or a directory), else the directory
/// `ERP_FILES_DIR`, else `default_dir`.
pub fn file_store(default_dir: &Path) -> String {
    std::env::var("ERP_FILE_STORE")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::env::var("ERP_FILES_DIR")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| default_dir.display().to_string())
}

/// `ERP_REDIS_URL`, required.
pub fn redis_url() -> anyhow::Result<String> {
    std::env::var("ERP_REDIS_URL").context("ERP_REDIS_URL is not set (e.g. redis://redis:6379)")
}

/// `ERP_DATABASE_URL`, with the password read from the file that
/// `ERP_DATABASE_PASSWORD_FILE` names when it is set (a podman secret
/// mounted as a file: the password is never in the unit, the environment or
/// the command line). `None` when no URL is set.
pub fn database_url() -> anyhow::Result<Option<String>> {
    let Ok(raw) = std::env::var("ERP_DATABASE_URL") else {
        return Ok(None);
    };
    match secret_file("ERP_DATABASE_PASSWORD_FILE")? {
        Some(password) => with_password(&raw, &password).map(Some),
        None => Ok(Some(raw)),
    }
}

/// The content of the file the variable `name` points at (a podman secret
/// mounted as a file), without a final line break; `None` when unset.
pub fn secret_file(name: &str) -> anyhow::Result<Option<String>> {
    let Some(file) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let file = PathBuf::from(file);
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading {} ({name})", file.display()))?;
    let secret = text.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!secret.is_empty(), "{} ({name}) is empty", file.display());
    Ok(Some(secret.to_owned()))
}

/// `url` with `password` in it (percent-encoded as a URL needs).
fn with_password(url: &str, password: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(url).context("ERP_DATABASE_URL is not a URL")?;
    url.set_password(Some(password))
        .map_err(|()| anyhow::anyhow!("ERP_DATABASE_URL cannot carry a password (no host)"))?;
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_from_a_file_goes_into_the_url_encoded() -> anyhow::Result<()> {
        assert_eq!(
            with_password("postgres://erp@erp-postgres:5432/erp", "s3cr:t/@ü")?,
            "postgres://erp:s3cr%3At%2F%40%C3%BC@erp-postgres:5432/erp"
        );
        let parsed = url::Url::parse(&with_password("postgres://erp@db/erp", "a b")?)?;
        assert_eq!(parsed.password(), Some("a%20b"));
        assert!(with_password("not a url", "x").is_err());
        Ok(())
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
