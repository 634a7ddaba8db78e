//! Automatic HTTPS against pebble: a certificate by TLS-ALPN-01 and by
//! HTTP-01, kept across a restart; a short-lived one renewed and served
//! without a restart while an open connection keeps working; pebble down at
//! start → the site is served with the local CA meanwhile, and the
//! certificate comes once pebble is up.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::edge_harness::{Proxy, TlsConnection, Upstream};
use crate::harness::{BIN, TestResult};
use crate::pebble::Pebble;

/// pebble's fake DNS answers 127.0.0.1 for it.
const NAME: &str = "erp.acme-test.example";

/// The leaf served for NAME once it verifies against `root`, within `timeout`.
async fn trusted_leaf(port: u16, root: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let root = root.to_vec();
        let attempt =
            tokio::task::spawn_blocking(move || TlsConnection::open(port, NAME, &root)).await;
        if let Ok(Ok(conn)) = attempt {
            return Some(conn.leaf());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    None
}

fn acme_proxy(proxy: &Proxy, upstream: &Upstream, pebble: &Pebble, challenge: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(proxy.args(upstream.addr))
        .args(["--domain", NAME, "--acme-email", "admin@acme-test.example"])
        .args([
            "--acme-directory",
            &pebble.directory(),
            "--acme-challenge",
            challenge,
        ])
        .arg("--acme-ca-root")
        .arg(pebble.tls_root());
    cmd
}

fn status_lines(proxy: &Proxy) -> Vec<String> {
    proxy
        .notes
        .all()
        .into_iter()
        .filter(|l| l.starts_with("STATUS="))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_challenge_gets_a_certificate_that_is_kept_across_restarts() -> TestResult {
    for (challenge, answered) in [
        ("tls-alpn-01", "answered an ACME TLS-ALPN-01 check"),
        ("http-01", "answered an ACME HTTP-01 check"),
    ] {
        let upstream = Upstream::start().await?;
        let mut proxy = Proxy::new()?;
        let mut pebble = Pebble::prepare(proxy.http, proxy.https, Duration::from_secs(3600))?;
        pebble.start()?;
        proxy.spawn(acme_proxy(&proxy, &upstream, &pebble, challenge))?;
        let root = pebble.issuing_root().await?;
        let leaf = trusted_leaf(proxy.https, &root, Duration::from_secs(60))
            .await
            .ok_or_else(|| {
                format!(
                    "{challenge}: no certificate\n{}\n{}",
                    proxy.log_text(),
                    pebble.log_text()
                )
            })?;
        assert!(
            proxy.log_text().contains(answered),
            "{challenge}: {}",
            proxy.log_text()
        );
        assert!(
            status_lines(&proxy)
                .iter()
                .any(|l| l.contains("new certificate from the CA")),
            "{:?}",
            status_lines(&proxy)
        );
        let mut conn = TlsConnection::open(proxy.https, NAME, &root)?;
        assert_eq!(conn.get("/")?, "upstream got 0 bytes");
        assert!(proxy.terminate()?.success());

        // Restart with the CA gone: the stored certificate is served.
        pebble.stop();
        proxy.spawn(acme_proxy(&proxy, &upstream, &pebble, challenge))?;
        let again = trusted_leaf(proxy.https, &root, Duration::from_secs(10)).await;
        assert_eq!(
            again.as_ref(),
            Some(&leaf),
            "{challenge}: the same certificate after a restart"
        );
        assert!(
            status_lines(&proxy)
                .iter()
                .any(|l| l.contains("certificate from the data directory")),
            "{:?}",
            status_lines(&proxy)
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_lived_certificate_is_renewed_while_connections_stay_open() -> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    // rustls-acme renews at two thirds of the life: here about 14 s in.
    let mut pebble = Pebble::prepare(proxy.http, proxy.https, Duration::from_secs(21))?;
    pebble.start()?;
    proxy.spawn(acme_proxy(&proxy, &upstream, &pebble, "tls-alpn-01"))?;
    let root = pebble.issuing_root().await?;
    let first = trusted_leaf(proxy.https, &root, Duration::from_secs(60))
        .await
        .ok_or("no first certificate")?;
    let mut kept = tokio::task::spawn_blocking({
        let root = root.clone();
        let port = proxy.https;
        move || TlsConnection::open(port, NAME, &root)
    })
    .await??;
    assert_eq!(kept.leaf(), first);

    let deadline = Instant::now() + Duration::from_secs(90);
    let renewed = loop {
        // The open connection is used on the way, so it stays alive.
        let (back, body) = tokio::task::spawn_blocking(move || {
            let body = kept.get("/kept");
            (kept, body)
        })
        .await?;
        kept = back;
        assert_eq!(body?, "upstream got 0 bytes");
        let now = trusted_leaf(proxy.https, &root, Duration::from_secs(5)).await;
        if let Some(leaf) = now.filter(|l| *l != first) {
            break leaf;
        }
        assert!(
            Instant::now() < deadline,
            "not renewed:\n{}",
            proxy.log_text()
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    assert_ne!(renewed, first);
    // The connection opened with the first certificate still works.
    let body = tokio::task::spawn_blocking(move || kept.get("/after")).await??;
    assert_eq!(body, "upstream got 0 bytes");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_ca_down_the_site_is_served_and_the_certificate_comes_later() -> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    let mut pebble = Pebble::prepare(proxy.http, proxy.https, Duration::from_secs(3600))?;
    proxy.spawn(acme_proxy(&proxy, &upstream, &pebble, "http-01"))?;

    // Meanwhile: HTTPS with the local CA's certificate, which names the domain too.
    let local_root = proxy.local_root()?;
    let mut conn = TlsConnection::open(proxy.https, NAME, &local_root)?;
    assert_eq!(conn.get("/")?, "upstream got 0 bytes");
    let waiting = crate::harness::eventually(Duration::from_secs(20), || async {
        status_lines(&proxy)
            .into_iter()
            .find(|l| l.contains("no certificate from the CA yet") && l.contains("local CA"))
    })
    .await;
    assert!(waiting.is_some(), "{:?}", status_lines(&proxy));

    pebble.start()?;
    let root = pebble.issuing_root().await?;
    let leaf = trusted_leaf(proxy.https, &root, Duration::from_secs(90)).await;
    assert!(
        leaf.is_some(),
        "no certificate once pebble is up:\n{}",
        proxy.log_text()
    );
    Ok(())
}
