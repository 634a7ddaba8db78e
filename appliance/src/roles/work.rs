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

/// `public_url`: the appliance's address as people reach it, for links in
/// e-mail (`https://erp.example.hn`).
pub fn spawn(
    role: Role,
    erp: Erp,
    queue: jobs::Queue,
    public_url: String,
    stop: Shutdown,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let result = match role {
            Role::Worker => {
                let reports = std::sync::Arc::new(jobs::reports::Reports {
                    builder: std::sync::Arc::new(web_ui::ReportBuilder),
                    public_url,
                });
                jobs::worker::run(erp, queue, reports, stop.wait()).await
            }
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
    // Set in an install from its domain (the worker's unit).
    let public_url =
        std::env::var("ERP_PUBLIC_URL").unwrap_or_else(|_| "https://localhost".to_owned());
    let task = spawn(role, connected.erp, connected.queue, public_url, stop);
    systemd::ready(&format!("{role:?} running"));
    shutdown::signalled().await;
    systemd::stopping();
    trigger.fire();
    let _ = task.await;
    Ok(())
}
