//! `appliance <role>`: parse the command line and run one role.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = appliance::cli::Cli::parse();
    appliance::run(cli)
}
