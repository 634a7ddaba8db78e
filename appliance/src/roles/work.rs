//! The worker and scheduler roles.

use erp::Erp;
use tokio::task::JoinHandle;

use crate::config::Endpoints;
use crate::shutdown::{self, Shutdown};
use crate::{services, systemd};

#[derive(Debug, Clone, Copy)]
pub enum Role {
    Worker,
    Scheduler,
}

pub fn spawn(role: Role, erp: Erp, queue: jobs::Queue, stop: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let result = match role {
            Role::Worker => jobs::worker::run(erp, queue, stop.wait()).await,
            Role::Scheduler => {
                jobs::scheduler::run(erp, queue, stop.wait(), |s| systemd::status(&s)).await
            }
        };
        if let Err(e) = result {
            log::error!("{role:?} stopped with an error: {e:#}");
        }
    })
}

pub async fn run_alone(role: Role) -> anyhow::Result<()> {
    let endpoints = Endpoints::from_env()?;
    systemd::status("connecting to PostgreSQL and Redis");
    let connected = services::connect(&endpoints).await?;
    let (trigger, stop) = shutdown::channel();
    let task = spawn(role, connected.erp, connected.queue, stop);
    systemd::ready(&format!("{role:?} running"));
    shutdown::signalled().await;
    systemd::stopping();
    trigger.fire();
    let _ = task.await;
    Ok(())
}
