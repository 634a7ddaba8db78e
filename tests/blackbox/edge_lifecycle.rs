//! The proxy role's own lifecycle: SIGTERM lets a request in flight finish
//! before the process exits, and a client that stalls in the middle of its
//! request body is let go after the client timeout.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::edge_harness::{Proxy, TlsConnection, Upstream};
use crate::harness::TestResult;

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_request_in_flight_finish() -> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::start(upstream.addr, &[])?;
    let client = proxy.client()?;
    let slow = tokio::spawn(client.get(proxy.url("/slow")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status =
        tokio::task::spawn_blocking(move || proxy.terminate().map(|s| (s, proxy))).await??;
    let answer = slow.await??;
    assert_eq!(
        answer.status(),
        StatusCode::OK,
        "the upstream's answer arrived"
    );
    assert_eq!(answer.text().await?, "upstream got 0 bytes");
    assert!(status.0.success(), "{:?}", status.0);
    assert!(status.1.notes.all().iter().any(|l| l == "STOPPING=1"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_stalling_mid_body_is_let_go() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--client-timeout-seconds", "1"])?;
    let (port, root) = (proxy.https, proxy.local_root()?);
    let waited = tokio::task::spawn_blocking(
        move || -> Result<Duration, Box<dyn std::error::Error + Send + Sync>> {
            let mut conn = TlsConnection::open(port, "localhost", &root)?;
            let stream = conn.stream();
            write!(
                stream,
                "POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"
            )?;
            stream.flush()?;
            let start = Instant::now();
            // The proxy answers or closes; either way the read returns.
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            Ok(start.elapsed())
        },
    )
    .await??;
    assert!(waited < Duration::from_secs(8), "let go after {waited:?}");
    assert_eq!(
        upstream.received(),
        0,
        "the incomplete body was not passed on whole"
    );
    Ok(())
}
