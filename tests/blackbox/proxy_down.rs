//! The proxy role alone, with its upstreams down: a clear Spanish 503 page
//! (problem+json under /api) at once, not a hang.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::harness::{BIN, TestResult, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn upstream_down_gives_the_spanish_503_page() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (http, https, dead) = (free_port(), free_port(), free_port());
    let notify = dir.path().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&notify)?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut child = Command::new(BIN)
        .args([
            "proxy",
            "--http",
            &format!("127.0.0.1:{http}"),
            "--https",
            &format!("127.0.0.1:{https}"),
        ])
        .args([
            "--api-upstream",
            &format!("127.0.0.1:{dead}"),
            "--web-upstream",
            &format!("127.0.0.1:{dead}"),
        ])
        .arg("--tls-dir")
        .arg(dir.path().join("tls"))
        .env("NOTIFY_SOCKET", &notify)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut buf = [0u8; 512];
    let mut ready = false;
    while !ready {
        let n = sock.recv(&mut buf)?;
        ready = String::from_utf8_lossy(&buf[..n])
            .lines()
            .any(|l| l == "READY=1");
    }

    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.path().join("tls/local-ca.pem"))?)?;
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()?;
    let start = Instant::now();
    let page = client
        .get(format!("https://localhost:{https}/"))
        .send()
        .await?;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the 503 must come at once"
    );
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key("content-security-policy"));
    assert!(page.headers().contains_key("retry-after"));
    let body = page.text().await?;
    assert!(body.contains("Servicio no disponible") && body.contains("lang=\"es-HN\""));

    let api = client
        .get(format!("https://localhost:{https}/api/health"))
        .send()
        .await?;
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()["content-type"], "application/problem+json");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    let status = child.wait()?;
    assert!(status.success(), "proxy exit status {status:?}");
    Ok(())
}
