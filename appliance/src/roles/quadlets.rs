//! `appliance quadlets render|install`: the install's unit files.

use std::path::Path;

use crate::cli::QuadletsCommand;
use crate::quadlets::{self, Settings};

pub fn run(cmd: QuadletsCommand) -> anyhow::Result<()> {
    match cmd {
        QuadletsCommand::Render { settings, out } => {
            let units = rendered(&settings)?;
            quadlets::write(&units, &out, &out)?;
            println!("{} unit files written to {}", units.len(), out.display());
        }
        QuadletsCommand::Install { settings } => {
            anyhow::ensure!(
                !nix::unistd::Uid::effective().is_root(),
                "the appliance runs rootless: install its units as the account that runs it (with `loginctl enable-linger` for that account), not as root"
            );
            let units = rendered(&settings)?;
            let (quadlet_dir, systemd_dir) = quadlets::user_dirs()?;
            quadlets::write(&units, &quadlet_dir, &systemd_dir)?;
            println!(
                "{} unit files installed in {} and {}",
                units.len(),
                quadlet_dir.display(),
                systemd_dir.display()
            );
            reload();
        }
    }
    Ok(())
}

fn rendered(settings: &Path) -> anyhow::Result<Vec<quadlets::Unit>> {
    let loaded = Settings::load(settings)?;
    quadlets::render(&loaded, &settings.display().to_string())
}

/// `systemctl --user daemon-reload`, which runs podman's generator on the
/// new files, and `enable erp.target`, so that the appliance starts with the
/// account's manager at boot (lingering); when there is no user manager to
/// ask, say what to run.
fn reload() {
    let systemctl = |args: &[&str]| {
        std::process::Command::new("systemctl")
            .arg("--user")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    if systemctl(&["daemon-reload"]) && systemctl(&["enable", "erp.target"]) {
        println!(
            "systemd --user reloaded and erp.target enabled (it starts at boot); start the appliance now with: systemctl --user start erp.target"
        );
    } else {
        println!(
            "run `systemctl --user daemon-reload`, `systemctl --user enable erp.target`, then `systemctl --user start erp.target`"
        );
    }
}
