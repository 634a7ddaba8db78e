//! One module per role. `run_async` dispatches the roles that share one
//! tokio runtime; the proxy role runs pingora's own runtimes.

pub mod admin;
pub mod caddy;
pub mod healthcheck;
mod panics;
pub mod proxy;
pub mod quadlets;
pub mod release;
pub mod serve;
mod unread_body;
pub mod up;
pub mod work;

use crate::cli::Command;
use crate::config::Endpoints;
use crate::services;

pub async fn run_async(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Api(args) => serve::run_alone(serve::Role::Api, args.listen).await,
        Command::Web(args) => serve::run_alone(serve::Role::Web, args.listen).await,
        Command::Worker => work::run_alone(work::Role::Worker).await,
        Command::Scheduler => work::run_alone(work::Role::Scheduler).await,
        Command::Migrate => {
            let endpoints = Endpoints::from_env()?;
            crate::systemd::status("applying migrations");
            services::migrate(&endpoints.database_url).await?;
            crate::systemd::ready("migrations applied");
            Ok(())
        }
        Command::Release => release::run().await,
        Command::Admin(cmd) => admin::run(cmd).await,
        Command::Healthcheck(args) => healthcheck::run(args).await,
        Command::Caddy(cmd) => caddy::run(cmd),
        Command::Quadlets(cmd) => quadlets::run(cmd),
        // `lib::run` starts the proxy on pingora's own runtimes, never here.
        Command::Proxy(_) => anyhow::bail!("the proxy role does not run on the shared runtime"),
    }
}
