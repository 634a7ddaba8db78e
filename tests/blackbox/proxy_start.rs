//! How `appliance proxy` starts, as an admin meets it: a site with its own
//! certificate (a company CA's or a self-signed one) gets ready and keeps
//! serving — readiness asks the listener for a handshake, it does not judge
//! the certificate; and a port that is already taken stops the start at
//! once, naming the port, before anything serves.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::edge_harness::{Proxy, Upstream, self_signed_site, served_certificate_and_body};
use crate::harness::{BIN, TestResult};

#[tokio::test(flavor = "multi_thread")]
async fn a_site_with_a_self_signed_certificate_gets_ready_and_serves() -> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    let (site, cert, key) = self_signed_site(proxy.dir.path(), "localhost")?;
    let caddyfile = proxy.dir.path().join("Caddyfile");
    std::fs::write(
        &caddyfile,
        format!(
            "{{\n\thttp_port {}\n\thttps_port {}\n}}\nlocalhost {{\n\ttls {} {}\n\trespond /hola \"hola\"\n}}\n",
            proxy.http,
            proxy.https,
            cert.display(),
            key.display()
        ),
    )?;
    let mut cmd = Command::new(BIN);
    cmd.args(proxy.args(upstream.addr))
        .arg("--caddyfile")
        .arg(&caddyfile);
    // Before the fix the start-up probe refused this certificate
    // (UnknownIssuer) and the proxy exited after 15 s without READY=1.
    proxy.spawn(cmd)?;

    let (served, body) =
        served_certificate_and_body(&format!("https://localhost:{}/hola", proxy.https)).await?;
    assert_eq!(
        served.as_deref(),
        Some(site.cert.der().as_ref()),
        "the site's own certificate is served"
    );
    assert_eq!(body, "hola");
    assert!(
        !proxy.log_text().contains("did not start serving"),
        "{}",
        proxy.log_text()
    );
    assert!(proxy.terminate()?.success());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_http_port_stops_the_start_before_anything_serves() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::new()?;
    // Somebody else has the HTTP port.
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", proxy.http))?;
    let log = proxy.dir.path().join("proxy.log");
    let mut child = Command::new(BIN)
        .args(proxy.args(upstream.addr))
        .env("NOTIFY_SOCKET", proxy.dir.path().join("notify.sock"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    // Until it exits, the HTTPS port must never accept a connection (before
    // the fix it served HTTPS for 15 s, then exited).
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let https = std::net::SocketAddr::from(([127, 0, 0, 1], proxy.https));
        if std::net::TcpStream::connect_timeout(&https, Duration::from_millis(100)).is_ok() {
            let _ = child.kill();
            return Err("HTTPS served although the HTTP port was taken".into());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the proxy neither failed nor served".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&log)?;
    assert!(!status.success(), "{text}");
    assert!(
        text.contains(&format!("port {} is taken", proxy.http)),
        "the message names the port: {text}"
    );
    assert!(!proxy.notes.all().iter().any(|n| n.contains("READY=1")));
    Ok(())
}
