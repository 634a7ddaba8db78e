//! `appliance caddy adapt FILE`: the Caddyfile as Caddy's JSON, so an admin
//! moving from Caddy can compare it with what `caddy adapt` prints.

use anyhow::Context;

use crate::cli::CaddyCommand;

pub fn run(command: CaddyCommand) -> anyhow::Result<()> {
    match command {
        CaddyCommand::Adapt { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let tree = caddy_compat::Caddyfile::parse(&file.to_string_lossy(), &text)?;
            let json = caddy_compat::adapt(&tree)?;
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
    }
}
