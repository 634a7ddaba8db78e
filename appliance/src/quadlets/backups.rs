//! Backups of an install's database and their restore, run on the host as
//! the appliance's account (`appliance admin backup`, `appliance admin
//! restore FILE`). A backup is a PostgreSQL custom-format dump that
//! `erp-backup.service` writes into the `erp-backups` volume; PostgreSQL's
//! own tools in the `erp-postgres` container read it, so their version is
//! always the server's.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, bail};

/// The programs an install is driven with: `podman` and `systemctl --user`
/// (`ERP_PODMAN` and `ERP_SYSTEMCTL` name others).
pub struct Host {
    podman: String,
    systemctl: String,
}

/// Every dump starts with these bytes (pg_dump's custom format).
const DUMP_MAGIC: &[u8] = b"PGDMP";
/// A table only the appliance's database has, looked for in the dump's
/// table of contents.
const OWN_TABLE: &str = "TABLE public _sqlx_migrations";
/// The database the restore is loaded into before it replaces `erp`.
const STAGING_DB: &str = "erp_restore";
/// The name the replaced database has until the appliance is back up.
const REPLACED_DB: &str = "erp_replaced";

impl Host {
    pub fn from_env() -> Host {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Host {
            podman: var("ERP_PODMAN", "podman"),
            systemctl: var("ERP_SYSTEMCTL", "systemctl"),
        }
    }

    /// Run podman with `args` and keep what it printed.
    pub fn podman_output(&self, args: &[&str]) -> anyhow::Result<Output> {
        self.podman(args)
            .output()
            .with_context(|| format!("running {}", self.podman))
    }

    /// Run `systemctl --user` with `args` and keep what it printed.
    pub fn systemctl_output(&self, args: &[&str]) -> anyhow::Result<Output> {
        Command::new(&self.systemctl)
            .arg("--user")
            .args(args)
            .output()
            .with_context(|| format!("running {} --user", self.systemctl))
    }

    fn podman(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.podman);
        cmd.args(args);
        cmd
    }

    fn systemctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let out = self.systemctl_output(args)?;
        if !out.status.success() {
            bail!("systemctl --user {} failed: {}", args.join(" "), said(&out));
        }
        Ok(())
    }

    /// `podman exec` in the PostgreSQL container as its user, with `input`
    /// on standard input.
    fn in_postgres(&self, args: &[&str], input: Option<&mut File>) -> anyhow::Result<Output> {
        let mut cmd = self.podman(&["exec", "-i", "erp-postgres"]);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(match input {
            Some(file) => {
                file.seek(SeekFrom::Start(0))?;
                Stdio::from(file.try_clone()?)
            }
            None => Stdio::null(),
        });
        cmd.output()
            .with_context(|| format!("running {} exec", self.podman))
    }

    /// Run `statements` with psql as the owner; with `atomic`, in one
    /// transaction (else each on its own: CREATE DATABASE cannot be in one).
    fn sql(&self, atomic: bool, statements: &[&str]) -> anyhow::Result<()> {
        let mut args = vec![
            "psql",
            "--username=erp",
            "--dbname=postgres",
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
        ];
        if atomic {
            args.push("--single-transaction");
        }
        for statement in statements {
            args.push("--command");
            args.push(statement);
        }
        let out = self.in_postgres(&args, None)?;
        if !out.status.success() {
            bail!("{}", said(&out));
        }
        Ok(())
    }

    /// The folder of the backups volume on this host.
    pub fn backups_dir(&self) -> anyhow::Result<PathBuf> {
        let out = self
            .podman(&[
                "volume",
                "inspect",
                "--format",
                "{{.Mountpoint}}",
                "erp-backups",
            ])
            .output()
            .with_context(|| format!("running {}", self.podman))?;
        if !out.status.success() {
            bail!(
                "the backups volume erp-backups does not exist ({}): is the appliance installed for this account?",
                said(&out)
            );
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    }

    /// The backups in the volume, newest first.
    pub fn list(&self) -> anyhow::Result<Vec<PathBuf>> {
        let dir = self.backups_dir()?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("erp-") && n.ends_with(".dump"))
            })
            .collect();
        // The names carry the UTC time they were taken at.
        files.sort();
        files.reverse();
        Ok(files)
    }

    /// Take a backup now (what the daily timer does) and return its file.
    pub fn backup(&self) -> anyhow::Result<PathBuf> {
        self.systemctl(&["start", "erp-backup.service"])
            .context("taking a backup (journalctl --user -u erp-backup says why)")?;
        self.list()?
            .into_iter()
            .next()
            .context("erp-backup.service ran but left no backup in the volume")
    }

    /// Replace the appliance's database with the backup in `file`. The file
    /// is checked before anything changes; the current data is backed up
    /// first; the backup is loaded into a database of its own, which takes
    /// the place of the current one only once it loaded whole. Returns the
    /// backup of the data it replaced.
    pub fn restore(&self, file: &Path) -> anyhow::Result<PathBuf> {
        let mut dump = open_dump(file)?;
        let listed = self.in_postgres(&["pg_restore", "--list"], Some(&mut dump))?;
        if !listed.status.success() {
            if self
                .podman(&["container", "exists", "erp-postgres"])
                .status()?
                .success()
            {
                bail!(
                    "{} is not a backup of the appliance: PostgreSQL cannot read it ({}); nothing was changed",
                    file.display(),
                    said(&listed)
                );
            }
            bail!(
                "erp-postgres is not running: start it (systemctl --user start erp-postgres) and restore again; nothing was changed"
            );
        }
        if !String::from_utf8_lossy(&listed.stdout).contains(OWN_TABLE) {
            bail!(
                "{} is a PostgreSQL backup, but not of the appliance's database (it has no _sqlx_migrations table); nothing was changed",
                file.display()
            );
        }
        // The file stays open: the backup below may remove it (retention)
        // when it is among the oldest.
        let safety = self
            .backup()
            .context("backing up the current data before the restore; nothing was changed")?;
        self.systemctl(&[
            "stop",
            "erp-proxy.socket",
            "erp-release.service",
            "erp-backup.timer",
        ])?;
        let loaded = self.load(&mut dump);
        if let Err(e) = loaded {
            let _ = self.sql(false, &[&format!("DROP DATABASE IF EXISTS {STAGING_DB}")]);
            let started = self.systemctl(&["start", "erp.target"]);
            let e = e.context(format!(
                "loading {} failed; the data is as it was",
                file.display()
            ));
            return Err(match started {
                Ok(()) => e,
                Err(s) => e.context(format!("and the appliance did not start again: {s:#}")),
            });
        }
        self.systemctl(&["start", "erp.target"]).with_context(|| {
            format!(
                "the backup is in place but the appliance did not start; the replaced data is in the database {REPLACED_DB} and in {}",
                safety.display()
            )
        })?;
        self.systemctl(&["is-active", "--quiet", "erp-release.service"])
            .with_context(|| {
                format!(
                    "the backup is in place but not every role started (journalctl --user -u 'erp-*'); the replaced data is in the database {REPLACED_DB} and in {}",
                    safety.display()
                )
            })?;
        self.sql(false, &[&format!("DROP DATABASE IF EXISTS {REPLACED_DB}")])?;
        Ok(safety)
    }

    /// Load the dump into the staging database, then swap it in for `erp`.
    fn load(&self, dump: &mut File) -> anyhow::Result<()> {
        self.sql(
            false,
            &[
                &format!("DROP DATABASE IF EXISTS {STAGING_DB}"),
                &format!("DROP DATABASE IF EXISTS {REPLACED_DB}"),
                &format!("CREATE DATABASE {STAGING_DB} TEMPLATE template0"),
            ],
        )?;
        let out = self.in_postgres(
            &[
                "pg_restore",
                "--username=erp",
                &format!("--dbname={STAGING_DB}"),
                "--exit-on-error",
                "--single-transaction",
            ],
            Some(dump),
        )?;
        if !out.status.success() {
            bail!("pg_restore: {}", said(&out));
        }
        // One transaction: `erp` is never missing.
        self.sql(
            true,
            &[
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = 'erp' AND pid <> pg_backend_pid()",
                &format!("ALTER DATABASE erp RENAME TO {REPLACED_DB}"),
                &format!("ALTER DATABASE {STAGING_DB} RENAME TO erp"),
            ],
        )
    }
}

/// Open `file` and check that it is a PostgreSQL custom-format dump.
fn open_dump(file: &Path) -> anyhow::Result<File> {
    let mut dump = File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut magic = [0u8; DUMP_MAGIC.len()];
    let is_dump = dump.read_exact(&mut magic).is_ok() && magic == DUMP_MAGIC;
    if !is_dump {
        bail!(
            "{} is not a backup of the appliance (a backup is a PostgreSQL custom-format dump, erp-<time>.dump in the erp-backups volume); nothing was changed",
            file.display()
        );
    }
    Ok(dump)
}

/// What a failed command wrote, on one line.
fn said(out: &Output) -> String {
    let text = format!(
        "{} {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        format!("exit status {}", out.status)
    } else {
        line
    }
}
