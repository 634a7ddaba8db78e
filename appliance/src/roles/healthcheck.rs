//! `appliance healthcheck`: a container probe with no HTTP client in the
//! image — one HTTP/1.0 GET over TCP for the serving roles, a connection to
//! PostgreSQL and Redis for the worker and the scheduler.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cli::HealthcheckArgs;
use crate::config::Endpoints;

/// How long the whole probe may take (podman's HealthTimeout is longer).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn run(args: HealthcheckArgs) -> anyhow::Result<()> {
    let probe = async {
        if args.services {
            return services().await;
        }
        match (args.web, args.proxy) {
            (Some(web), _) => get_200(web, "/login").await,
            (_, Some(proxy)) => get_200(proxy, crate::proxy::HEALTH_PATH).await,
            _ => {
                let api = args.api.unwrap_or(([127, 0, 0, 1], 3001).into());
                get_200(api, "/api/health").await
            }
        }
    };
    tokio::time::timeout(PROBE_TIMEOUT, probe)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {} s", PROBE_TIMEOUT.as_secs()))?
}

/// `GET path` answers 200.
pub async fn get_200(addr: SocketAddr, path: &str) -> anyhow::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    let response = String::from_utf8_lossy(&buf);
    let status_line = response.lines().next().unwrap_or_default();
    anyhow::ensure!(
        status_line.split_whitespace().nth(1) == Some("200"),
        "unhealthy: GET {path} on {addr} answered {status_line:?}"
    );
    Ok(())
}

/// PostgreSQL and Redis answer a query each.
async fn services() -> anyhow::Result<()> {
    let endpoints = Endpoints::from_env()?;
    let db = erp::Db::connect_owner(&endpoints.database_url)
        .await
        .context("unhealthy: PostgreSQL does not answer")?;
    sqlx::query("SELECT 1")
        .execute(&db)
        .await
        .context("unhealthy: PostgreSQL does not answer a query")?;
    db.close().await;
    let kv = erp::kv::Kv::connect(&endpoints.redis_url)
        .await
        .context("unhealthy: Redis does not answer")?;
    kv.ping()
        .await
        .context("unhealthy: Redis does not answer PING")?;
    Ok(())
}
