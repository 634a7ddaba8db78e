//! What the black-box tests run against, said once per run: a red run on a
//! machine with newer packages then names the versions it ran on (a Chromium
//! update once turned a browser test red for every new machine).

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

/// Writes the versions of Chromium, chromedriver, PostgreSQL, Redis and
/// pebble to stderr, the first time any test starts one of the real parts.
/// Straight to the process's stderr: the test harness captures `eprintln!`
/// of passing tests, and this line is for every run.
pub fn announce() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let postgres = postgres_binary();
        let parts = [
            ("Chromium", first_line("chromium", &["--version"])),
            ("chromedriver", first_line("chromedriver", &["--version"])),
            (
                "PostgreSQL",
                postgres.and_then(|p| first_line(p.to_str()?, &["--version"])),
            ),
            ("Redis", first_line("redis-server", &["--version"])),
            (
                "pebble",
                first_line("dpkg-query", &["-W", "-f=${Version}", "pebble"]),
            ),
        ];
        let line = parts
            .iter()
            .map(|(part, version)| format!("{part}: {}", version.as_deref().unwrap_or("not found")))
            .collect::<Vec<_>>()
            .join(" | ");
        let _ = writeln!(std::io::stderr(), "black-box tests run on: {line}");
    });
}

/// The first line a program prints, if it runs.
fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next()?.trim();
    (out.status.success() && !line.is_empty()).then(|| line.to_owned())
}

/// The server `appliance up` starts: `ERP_PG_BINDIR`, else the newest
/// version under /usr/lib/postgresql (the rule of `embedded::postgres`).
fn postgres_binary() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ERP_PG_BINDIR") {
        return Some(PathBuf::from(dir).join("postgres"));
    }
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path())))
        .max()
        .map(|(_, dir)| dir.join("bin/postgres"))
}
