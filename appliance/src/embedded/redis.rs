//! A private Redis on a Unix socket in `DIR/redis`, with an append-only file
//! there so sessions and queued jobs survive a restart.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use nix::sys::signal::Signal;
use tokio::process::Command;

use super::Supervised;

pub struct EmbeddedRedis {
    pub url: String,
    pub process: Supervised,
}

pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedRedis> {
    let program = std::env::var_os("ERP_REDIS_SERVER").unwrap_or_else(|| "redis-server".into());
    let dir = data_dir.join("redis");
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join("redis.sock");
    let _ = std::fs::remove_file(&socket);
    let (dir2, socket2) = (dir.clone(), socket.clone());
    let process = Supervised::start(
        "redis",
        move || {
            let mut cmd = Command::new(&program);
            cmd.arg("--port")
                .arg("0")
                .arg("--unixsocket")
                .arg(&socket2)
                .arg("--unixsocketperm")
                .arg("700")
                .arg("--dir")
                .arg(&dir2)
                .args([
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning",
                ])
                .stdin(std::process::Stdio::null());
            cmd
        },
        Signal::SIGTERM,
    )
    .context("starting redis-server (install redis-server, or set ERP_REDIS_URL)")?;
    let url = format!("redis+unix://{}", socket.display());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !socket.exists() {
        if tokio::time::Instant::now() > deadline {
            bail!("Redis did not start within 15 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(EmbeddedRedis { url, process })
}
