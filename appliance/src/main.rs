//! `appliance <role>`: parse the command line and run one role.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    let cli = appliance::cli::Cli::parse();
    appliance::run(cli)
}
