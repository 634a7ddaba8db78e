//! systemd's view: READY=1 only when serving, STATUS= lines, STOPPING=1 and
//! exit 0 on SIGTERM; and data that survives a restart.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use crate::harness::{App, BIN, TestResult};

#[tokio::test(flavor = "multi_thread")]
async fn ready_status_and_a_clean_sigterm() -> TestResult {
    let mut app = App::start()?;
    let notes = app.notes.all();
    assert!(
        notes
            .iter()
            .any(|l| l.starts_with("STATUS=applying database migrations")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|l| l.starts_with("STATUS=serving https://localhost:")),
        "{notes:?}"
    );
    // READY=1 means serving: the login page answers at once.
    let res = app.client()?.get(app.url("/login")).send().await?;
    assert_eq!(res.status(), StatusCode::OK);

    let (code, took) = app.terminate()?;
    assert_eq!(
        code,
        Some(0),
        "exit status after SIGTERM; log:\n{}",
        app.log_text()
    );
    assert!(took < Duration::from_secs(10), "took {took:?} to stop");
    assert!(app.notes.wait_for("STOPPING=1", Duration::from_secs(1)));
    // The private PostgreSQL and Redis are gone with it.
    assert!(
        !app.data_dir().join("pg/data/postmaster.pid").exists(),
        "PostgreSQL still running"
    );
    assert!(
        !app.data_dir().join("redis/redis.sock").exists()
            || std::os::unix::net::UnixStream::connect(app.data_dir().join("redis/redis.sock"))
                .is_err()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_created_with_admin_logs_in_after_a_restart() -> TestResult {
    let mut first = App::start()?;
    let mut create = Command::new(BIN)
        .args([
            "admin",
            "create-user",
            "--email",
            "cajera@demo.hn",
            "--name",
            "Daniela Flores",
        ])
        .args(["--company", "Autos del Valle", "--role", "sales"])
        .env("ERP_DATABASE_URL", first.database_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    create
        .stdin
        .take()
        .ok_or("stdin")?
        .write_all(b"clave-segura-2026\n")?;
    let out = create.wait_with_output()?;
    assert!(
        out.status.success(),
        "create-user failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A bad role is a sentence and a non-zero exit, not a panic.
    let bad = Command::new(BIN)
        .args([
            "admin",
            "create-user",
            "--email",
            "x@demo.hn",
            "--name",
            "X",
            "--company",
            "Autos del Valle",
            "--role",
            "boss",
        ])
        .env("ERP_DATABASE_URL", first.database_url())
        .stdin(Stdio::null())
        .output()?;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));

    let dir = Arc::clone(&first.dir);
    let (code, _) = first.terminate()?;
    assert_eq!(code, Some(0));
    drop(first);

    let second = App::start_in(dir)?;
    let (_, me) = second
        .api_login(("cajera@demo.hn", "clave-segura-2026"))
        .await?;
    assert_eq!(me["display_name"], "Daniela Flores");
    assert_eq!(me["companies"][0]["role"], "sales");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_server_urls_up_starts_no_servers_of_its_own() -> TestResult {
    let first = App::start()?;
    let second = App::start_on((first.database_url(), first.redis_url()))?;
    assert!(
        !second.data_dir().join("pg").exists(),
        "no private PostgreSQL"
    );
    assert!(
        !second.data_dir().join("redis").exists(),
        "no private Redis"
    );
    // One database behind both: the demo admin is the same user on each.
    let (_, me_first) = first.api_login(crate::harness::ADMIN).await?;
    let (_, me_second) = second.api_login(crate::harness::ADMIN).await?;
    assert_eq!(me_first["user_id"], me_second["user_id"]);
    Ok(())
}
