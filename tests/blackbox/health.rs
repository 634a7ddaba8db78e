//! `/api/health` names the dependency that does not answer. The API role runs
//! alone here, on the appliance's PostgreSQL and a Redis the test owns and
//! then stops.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{App, BIN, KillOnDrop, TestResult, eventually, free_port};

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
