//! A private PostgreSQL cluster in `DIR/pg`, reachable only through its Unix
//! socket in `DIR/pg/run`. PostgreSQL refuses to run as root, so when the
//! appliance runs as root the cluster belongs to the `postgres` system user.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use nix::sys::signal::Signal;
use nix::unistd::{Uid, User, chown};
use tokio::process::Command;

use super::Supervised;

const DATABASE: &str = "erp";
const OWNER: &str = "erp";

pub struct EmbeddedPostgres {
    pub url: String,
    pub process: Supervised,
}

/// The directory holding `initdb` and `postgres`: `ERP_PG_BINDIR`, else the
/// newest `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ERP_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL server binaries not found in /usr/lib/postgresql (install postgresql, or set ERP_DATABASE_URL)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL server binaries under /usr/lib/postgresql")
}

/// Who runs PostgreSQL: ourselves, or `postgres` when we are root.
fn run_as() -> anyhow::Result<Option<User>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let user = User::from_name("postgres")?.context(
        "running as root, PostgreSQL needs an unprivileged user: create the `postgres` user or run as another user",
    )?;
    Ok(Some(user))
}

fn command(program: PathBuf, user: &Option<User>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(u) = user {
        cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
    }
    cmd.env_remove("PGDATA").stdin(std::process::Stdio::null());
    cmd
}

fn give_to(path: &Path, user: &Option<User>) -> anyhow::Result<()> {
    if let Some(u) = user {
        chown(path, Some(u.uid), Some(u.gid))
            .with_context(|| format!("chown {}", path.display()))?;
    }
    Ok(())
}

/// Every directory above the data directory must let `user` pass through, or
/// initdb fails with a bare "permission denied" (typical: a checkout in /root).
fn check_reachable(data_dir: &Path, user: &User) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    for dir in data_dir.ancestors().skip(1) {
        let meta = std::fs::metadata(dir)?;
        let passable = meta.mode() & 0o001 != 0
            || (meta.uid() == user.uid.as_raw() && meta.mode() & 0o100 != 0)
            || (meta.gid() == user.gid.as_raw() && meta.mode() & 0o010 != 0);
        if !passable {
            bail!(
                "PostgreSQL runs as the `{}` user, which cannot enter {} (mode {:o}); \
                 choose a data directory it can reach, e.g. --data-dir /var/lib/erp-appliance",
                user.name,
                dir.display(),
                meta.mode() & 0o777
            );
        }
    }
    Ok(())
}

pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedPostgres> {
    let bin = bin_dir()?;
    let user = run_as()?;
    let root = data_dir.join("pg");
    let data = root.join("data");
    let run = root.join("run");
    for dir in [&root, &run] {
        std::fs::create_dir_all(dir)?;
        give_to(dir, &user)?;
    }
    if let Some(u) = &user {
        // The postgres user must be able to reach DIR/pg; traversal only, no listing.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data_dir)?.permissions().mode();
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(mode | 0o011))?;
        check_reachable(data_dir, u)?;
    }

    if !data.join("PG_VERSION").exists() {
        crate::systemd::status("initialising the private PostgreSQL cluster");
        std::fs::create_dir_all(&data)?;
        give_to(&data, &user)?;
        let out = command(bin.join("initdb"), &user)
            .args([
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--username",
                OWNER,
                "-D",
            ])
            .arg(&data)
            .output()
            .await
            .context("running initdb")?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }

    let (bin2, data2, run2, user2) = (bin.clone(), data.clone(), run.clone(), user.clone());
    let process = Supervised::start(
        "postgresql",
        move || {
            let mut cmd = command(bin2.join("postgres"), &user2);
            cmd.arg("-D").arg(&data2).arg("-k").arg(&run2).args([
                "-c",
                "listen_addresses=",
                "-c",
                "unix_socket_permissions=0770",
                "-c",
                "max_connections=60",
                "-c",
                "shared_buffers=128MB",
                "-c",
                "log_min_messages=warning",
            ]);
            cmd
        },
        Signal::SIGINT,
    )?;

    let admin_url = format!(
        "postgres://{OWNER}@localhost/postgres?host={}",
        run.display()
    );
    wait_until_up(&admin_url).await?;
    let pool = erp::Db::connect_owner(&admin_url).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&pool)
            .await?;
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {DATABASE} OWNER {OWNER}"
        )))
        .execute(&pool)
        .await?;
    }
    pool.close().await;
    Ok(EmbeddedPostgres {
        url: format!(
            "postgres://{OWNER}@localhost/{DATABASE}?host={}",
            run.display()
        ),
        process,
    })
}

async fn wait_until_up(url: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match erp::Db::connect_owner(url).await {
            Ok(pool) => {
                pool.close().await;
                return Ok(());
            }
            Err(e) if tokio::time::Instant::now() > deadline => {
                bail!("PostgreSQL did not start within 30 s: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
