//! The API and web roles: axum servers behind the session layer.

use std::net::SocketAddr;

use anyhow::Context;
use erp::Erp;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Endpoints;
use crate::shutdown::{self, Shutdown};
use crate::{services, sessions, systemd};

#[derive(Debug, Clone, Copy)]
pub enum Role {
    Api,
    Web,
}

fn router(role: Role, erp: &Erp) -> axum::Router {
    let app = match role {
        Role::Api => api::router(erp.clone()),
        Role::Web => web_ui::router(erp.clone(), crate::config::site_dir()),
    };
    app.layer(sessions::layer(&erp.kv))
        .layer(super::panics::layer(role))
}

/// Bind and start serving in the background; returns the bound address.
pub async fn spawn(
    role: Role,
    erp: &Erp,
    addr: SocketAddr,
    stop: Shutdown,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    spawn_router(&format!("the {role:?} role"), router(role, erp), addr, stop).await
}

/// Serve `/metrics` alone on `addr` (`up --metrics-listen`).
pub async fn spawn_metrics(
    erp: &Erp,
    addr: SocketAddr,
    stop: Shutdown,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    spawn_router("the metrics", api::metrics::router(erp.clone()), addr, stop).await
}

async fn spawn_router(
    what: &str,
    app: axum::Router,
    addr: SocketAddr,
    stop: Shutdown,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {what} to {addr}"))?;
    let bound = listener.local_addr()?;
    let app = app
        .layer(axum::middleware::from_fn(
            super::unread_body::close_when_unread,
        ))
        .into_make_service_with_connect_info::<SocketAddr>();
    let what = what.to_owned();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop.wait())
            .await
        {
            log::error!("{what} server: {e}");
        }
    });
    Ok((bound, task))
}

/// `appliance api|web --listen ADDR`.
pub async fn run_alone(role: Role, addr: SocketAddr) -> anyhow::Result<()> {
    let endpoints = Endpoints::from_env()?;
    systemd::status("connecting to PostgreSQL and Redis");
    let connected = services::connect(&endpoints).await?;
    let (trigger, stop) = shutdown::channel();
    let (bound, task) = spawn(role, &connected.erp, addr, stop).await?;
    systemd::ready(&format!("{role:?} role serving on {bound}"));
    shutdown::signalled().await;
    systemd::stopping();
    trigger.fire();
    let _ = task.await;
    Ok(())
}
