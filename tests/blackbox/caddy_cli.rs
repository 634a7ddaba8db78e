//! `appliance caddy adapt FILE`: the admin's door to caddy-compat.

use std::process::Command;

use crate::harness::{BIN, TestResult};

#[test]
fn caddy_adapt_prints_caddy_json_or_names_what_is_unsupported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let good = dir.path().join("Caddyfile");
    std::fs::write(
        &good,
        "erp.example.hn {\n\theader -Server\n\thandle_path /static/* {\n\t\tfile_server\n\t}\n\trespond /health \"ok\" 200\n}\n",
    )?;
    let out = Command::new(BIN)
        .args(["caddy", "adapt"])
        .arg(&good)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let site = &json["apps"]["http"]["servers"]["srv0"];
    assert_eq!(site["listen"], serde_json::json!([":443"]));
    assert_eq!(site["routes"][0]["match"][0]["host"][0], "erp.example.hn");
    let inner = &site["routes"][0]["handle"][0]["routes"];
    // Caddy's order: header, then handle_path, then respond.
    assert_eq!(inner[0]["handle"][0]["response"]["delete"][0], "Server");
    assert_eq!(inner[1]["match"][0]["path"][0], "/static/*");
    assert_eq!(inner[2]["handle"][0]["status_code"], 200);

    let bad = dir.path().join("Bad");
    std::fs::write(
        &bad,
        "a.example.hn {\n\tphp_fastcgi unix//run/php.sock\n}\n",
    )?;
    let out = Command::new(BIN)
        .args(["caddy", "adapt"])
        .arg(&bad)
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing half-adapted is printed");
    assert!(
        err.contains("unsupported directive 'php_fastcgi'") && err.contains("Bad:2"),
        "{err}"
    );

    let missing = Command::new(BIN)
        .args(["caddy", "adapt", "/nonexistent/Caddyfile"])
        .output()?;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("reading /nonexistent/Caddyfile"));
    Ok(())
}
