//! The install's podman secrets: made once by `appliance admin init` with
//! random values, mounted into the containers as files, never printed and
//! never in a unit, an environment file or a command line.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::Context;
use base64::Engine;

/// The database owner's password (PostgreSQL's superuser in its container),
/// which only `migrate` and the admin's commands use.
pub const DB_OWNER_PASSWORD: &str = "erp-db-owner-password";
/// The password of the serving roles' login (`erp::db::SERVER_LOGIN`).
pub const DB_SERVER_PASSWORD: &str = "erp-db-server-password";

/// The mail server's URL with its credentials (`smtps://user:password@host:465`),
/// made by the admin when `mail_from` is set (see docs/operations.md).
pub const SMTP_URL: &str = "erp-smtp-url";

/// Every secret an install needs.
pub const ALL: &[&str] = &[DB_OWNER_PASSWORD, DB_SERVER_PASSWORD];

/// What `init` did with one secret.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    /// It existed: its value is kept (the data was made with it).
    Kept,
}

/// Create each missing secret with 256 random bits (URL-safe base64) through
/// `podman` (the program's name or path); existing ones are left alone.
pub fn init(podman: &str) -> anyhow::Result<Vec<(&'static str, Outcome)>> {
    let mut done = Vec::new();
    for &name in ALL {
        let exists = Command::new(podman)
            .args(["secret", "inspect", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| {
                format!("running {podman} (the appliance runs as podman quadlets: install podman 5.2 or newer)")
            })?
            .success();
        if exists {
            done.push((name, Outcome::Kept));
            continue;
        }
        let value =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        // The value goes in on standard input: argv is visible to every user.
        let mut child = Command::new(podman)
            .args(["secret", "create", name, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("running {podman} secret create"))?;
        child
            .stdin
            .take()
            .context("no standard input to podman")?
            .write_all(value.as_bytes())?;
        let out = child.wait_with_output()?;
        anyhow::ensure!(
            out.status.success(),
            "podman could not create the secret {name}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        done.push((name, Outcome::Created));
    }
    Ok(done)
}
