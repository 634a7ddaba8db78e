//! Socket activation: the test binds the listening sockets itself (as
//! systemd would for a `.socket` unit: TCP for HTTPS and HTTP, UDP for
//! HTTP/3), hands them to the proxy as fds 3 to 5 with `LISTEN_FDS`,
//! `LISTEN_PID` and `LISTEN_FDNAMES`, and talks to each. The proxy's own `--http`/`--https` name an address no interface
//! has, so binding instead would fail.

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::process::Command;

use nix::fcntl::{F_SETFD, FdFlag, fcntl};
use reqwest::StatusCode;

use crate::edge_harness::{Proxy, Upstream};
use crate::harness::TestResult;

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_serves_on_sockets_it_is_handed() -> TestResult {
    let upstream = Upstream::start().await?;
    let http = TcpListener::bind("127.0.0.1:0")?;
    let https = TcpListener::bind("127.0.0.1:0")?;
    // HTTP/3 on the same port number over UDP, as a .socket unit would.
    let quic = std::net::UdpSocket::bind(https.local_addr()?)?;
    // Inheritable across exec (Rust opens everything close-on-exec).
    for fd in [http.as_raw_fd(), https.as_raw_fd(), quic.as_raw_fd()] {
        fcntl(fd, F_SETFD(FdFlag::empty()))?;
    }

    let mut proxy = Proxy::new()?;
    proxy.http = http.local_addr()?.port();
    proxy.https = https.local_addr()?.port();
    let mut args = proxy.args(upstream.addr);
    // TEST-NET-1 (RFC 5737): not an address of this machine.
    args[2] = "192.0.2.1:80".into();
    args[4] = "192.0.2.1:443".into();
    // bash (dash takes only one-digit fds) puts the sockets at 3 and 4 and execs the proxy in its own
    // process, so LISTEN_PID=$$ is the proxy's pid. Names in the opposite
    // order to the default, so only reading them gets the roles right.
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(r#"LISTEN_PID=$$ exec "$APPLIANCE" "$@" 3<&"$HTTPS_FD" 4<&"$HTTP_FD" 5<&"$H3_FD""#)
        .arg("sh")
        .args(args)
        .env("APPLIANCE", crate::harness::BIN)
        .env("HTTPS_FD", https.as_raw_fd().to_string())
        .env("HTTP_FD", http.as_raw_fd().to_string())
        .env("H3_FD", quic.as_raw_fd().to_string())
        .env("LISTEN_FDS", "3")
        .env("LISTEN_FDNAMES", "https:http:h3");
    proxy.spawn(cmd)?;
    // The test's copies are no longer needed; the proxy holds its own.
    drop((http, https, quic));

    assert!(
        proxy
            .notes
            .all()
            .iter()
            .any(|l| l.starts_with("STATUS=") && l.contains("socket activation")),
        "{:?}",
        proxy.notes.all()
    );
    let client = proxy.client()?;
    let page = client.get(proxy.url("/hello")).send().await?;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key("strict-transport-security"));
    assert_eq!(page.text().await?, "upstream got 0 bytes");

    let quic =
        crate::http3::h3_request(proxy.https, &proxy.local_root()?, "GET", "/quic", b"").await?;
    assert_eq!(
        (quic.status, quic.body.as_str()),
        (200, "upstream got 0 bytes")
    );

    let redirect = client
        .get(format!("http://localhost:{}/x?y=1", proxy.http))
        .send()
        .await?;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirect.headers()["location"],
        format!("https://localhost:{}/x?y=1", proxy.https).as_str()
    );

    let status = proxy.terminate()?;
    assert!(status.success(), "{status:?}");
    Ok(())
}

/// As in its container: the proxy runs in a network namespace of its own
/// while the sockets it is handed belong to the test's (the host's). It
/// cannot reach them to check itself, so it checks its health listener
/// before READY=1, serves on the handed-over sockets, and a probe run in its
/// namespace finds it healthy.
#[tokio::test(flavor = "multi_thread")]
async fn in_its_own_network_namespace_the_proxy_is_ready_and_probed_on_its_health_listener()
-> TestResult {
    let http = TcpListener::bind("127.0.0.1:0")?;
    let https = TcpListener::bind("127.0.0.1:0")?;
    for fd in [http.as_raw_fd(), https.as_raw_fd()] {
        fcntl(fd, F_SETFD(FdFlag::empty()))?;
    }
    let mut proxy = Proxy::new()?;
    proxy.http = http.local_addr()?.port();
    proxy.https = https.local_addr()?.port();
    // Its upstreams would be in its own namespace; none is needed here.
    let mut args = proxy.args("127.0.0.1:9".parse()?);
    args[2] = "192.0.2.1:80".into();
    args[4] = "192.0.2.1:443".into();
    args.extend(["--health-listen".into(), "127.0.0.1:9900".into()]);
    // A new network namespace whose loopback is up, then the proxy with the
    // sockets at 3 and 4 (the same pid through unshare, bash and exec).
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "bash", "-c"])
        .arg(r#"ip link set lo up && LISTEN_PID=$$ exec "$APPLIANCE" "$@" 3<&"$HTTP_FD" 4<&"$HTTPS_FD""#)
        .arg("sh")
        .args(args)
        .env("APPLIANCE", crate::harness::BIN)
        .env("HTTP_FD", http.as_raw_fd().to_string())
        .env("HTTPS_FD", https.as_raw_fd().to_string())
        .env("LISTEN_FDS", "2")
        .env_remove("LISTEN_FDNAMES");
    proxy.spawn(cmd)?;
    drop((http, https));
    let pid = proxy.pid().ok_or("the proxy's pid")?;
    let own = std::fs::read_link("/proc/self/ns/net")?;
    let its = std::fs::read_link(format!("/proc/{pid}/ns/net"))?;
    assert_ne!(own, its, "the proxy runs in a namespace of its own");

    // Served on the handed-over sockets, from the test's namespace.
    let client = proxy.client()?;
    let redirect = client
        .get(format!("http://localhost:{}/x", proxy.http))
        .send()
        .await?;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    let page = client.get(proxy.url("/")).send().await?;
    assert_eq!(
        page.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "TLS on the inherited socket, and no upstream in its namespace"
    );

    // The container's probe, run in the proxy's namespace.
    let probe = |addr: &str| {
        Command::new("nsenter")
            .arg(format!("--net=/proc/{pid}/ns/net"))
            .args([crate::harness::BIN, "healthcheck", "--proxy", addr])
            .output()
    };
    let healthy = probe("127.0.0.1:9900")?;
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    assert!(!probe("127.0.0.1:9901")?.status.success());
    let status = proxy.terminate()?;
    assert!(status.success(), "{status:?}");
    Ok(())
}
