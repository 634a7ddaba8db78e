//! The appliance binary's library: every role as a module, wired from the
//! domain (`erp`), the API, the web UI and the jobs crates.

pub mod acme;
pub mod cli;
pub mod config;
pub mod embedded;
pub mod logging;
pub mod proxy;
pub mod quadlets;
pub mod roles;
pub mod services;
pub mod sessions;
pub mod shutdown;
pub mod systemd;
pub mod tls;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Run the chosen role; errors are printed as one sentence and exit non-zero.
pub fn run(cli: Cli) -> ExitCode {
    let role = cli.command.role_name();
    logging::init(role);
    let result = match cli.command {
        // The proxy owns its runtimes (pingora); everything else shares one tokio runtime.
        Command::Proxy(args) => roles::proxy::run(args),
        other => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(roles::run_async(other)),
            Err(e) => Err(e.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e:#}");
            eprintln!("appliance {role}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
