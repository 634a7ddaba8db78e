//! `/api/health` names the dependency that does not answer. The API role runs
//! alone here, on the appliance's PostgreSQL and a Redis the test owns and
//! then stops.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{App, BIN, KillOnDrop, Role, TestResult, eventually, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn health_names_the_dependency_that_is_down() -> TestResult {
    let app = App::start()?;
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("redis.sock");
    let mut redis = KillOnDrop(
        Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--save",
                "",
                "--appendonly",
                "no",
                "--unixsocket",
            ])
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()?,
    );
    eventually(Duration::from_secs(10), || async {
        socket.exists().then_some(())
    })
    .await
    .ok_or("redis did not start")?;

    let port = free_port();
    let _api = KillOnDrop(
        Command::new(BIN)
            .args(["api", "--listen", &format!("127.0.0.1:{port}")])
            .env("ERP_DATABASE_URL", app.database_url())
            .env(
                "ERP_REDIS_URL",
                format!("redis+unix://{}", socket.display()),
            )
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let url = format!("http://127.0.0.1:{port}/api/health");
    let healthy = eventually(Duration::from_secs(30), || async {
        let res = client.get(&url).send().await.ok()?;
        (res.status() == StatusCode::OK).then_some(())
    })
    .await;
    assert!(healthy.is_some(), "the API role did not report healthy");

    // The container probe agrees.
    let probe = Command::new(BIN)
        .args(["healthcheck", "--api", &format!("127.0.0.1:{port}")])
        .output()?;
    assert!(probe.status.success());

    let _ = redis.0.kill();
    let _ = redis.0.wait();
    let res = client.get(&url).send().await?;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await?;
    assert_eq!(p["detail"], "Redis does not answer", "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/redis");

    let probe = Command::new(BIN)
        .args(["healthcheck", "--api", &format!("127.0.0.1:{port}")])
        .output()?;
    assert!(
        !probe.status.success(),
        "the probe fails while Redis is down"
    );
    Ok(())
}

/// The probes the worker, the scheduler and the web role's containers run,
/// and the watchdog pings a role sends to systemd once it is ready.
#[tokio::test(flavor = "multi_thread")]
async fn every_role_has_a_probe_and_pings_the_watchdog() -> TestResult {
    let app = App::start()?;
    let mut command = Command::new(BIN);
    command
        .env("ERP_DATABASE_URL", app.database_url())
        .env("ERP_REDIS_URL", app.redis_url())
        .env("WATCHDOG_USEC", "400000");
    let web_role = Role::start("web", command)?;
    let (port, notes) = (web_role.port, &web_role.notes);
    let pings = eventually(Duration::from_secs(5), || async {
        let n = notes.all().iter().filter(|l| *l == "WATCHDOG=1").count();
        (n >= 3).then_some(n)
    })
    .await;
    assert!(
        pings.is_some(),
        "WATCHDOG=1 every 200 ms: {:?}",
        notes.all()
    );

    let probe = |args: &[&str], database: &str| {
        Command::new(BIN)
            .arg("healthcheck")
            .args(args)
            .env("ERP_DATABASE_URL", database)
            .env("ERP_REDIS_URL", app.redis_url())
            .output()
    };
    let database = app.database_url();
    let web = format!("127.0.0.1:{port}");
    assert!(probe(&["--web", &web], &database)?.status.success());
    assert!(probe(&["--services"], &database)?.status.success());

    // Each fails, and says what it found.
    let closed = format!("127.0.0.1:{}", free_port());
    let out = probe(&["--web", &closed], &database)?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("connecting to {closed}")));
    let nowhere = database.replace("localhost/erp?", "localhost/not_there?");
    assert_ne!(nowhere, database, "the URL names its database: {database}");
    let out = probe(&["--services"], &nowhere)?;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unhealthy: PostgreSQL does not answer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = probe(&["--web", &web, "--services"], &database)?;
    assert!(!out.status.success(), "one probe at a time");
    Ok(())
}
