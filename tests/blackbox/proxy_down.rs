//! The proxy role alone, with its upstreams down: a clear Spanish 503 page
//! (problem+json under /api) at once, not a hang, and one WARN line per
//! request in the log rather than an ERROR.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::edge_harness::Proxy;
use crate::harness::{TestResult, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn upstream_down_gives_the_spanish_503_page() -> TestResult {
    let dead = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut proxy = Proxy::start(dead, &[])?;
    let client = proxy.client()?;
    let start = Instant::now();
    let page = client.get(proxy.url("/")).send().await?;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the 503 must come at once"
    );
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key("content-security-policy"));
    assert!(page.headers().contains_key("retry-after"));
    let body = page.text().await?;
    assert!(body.contains("Servicio no disponible") && body.contains("lang=\"es-HN\""));

    let api = client.get(proxy.url("/api/health")).send().await?;
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()["content-type"], "application/problem+json");

    let status = proxy.terminate()?;
    assert!(status.success(), "proxy exit status {status:?}");
    let log = proxy.log_text();
    assert_eq!(
        log.matches("upstream unavailable for").count(),
        2,
        "one warning per request: {log}"
    );
    assert!(
        !log.contains("ERROR"),
        "an upstream down is not an error of the proxy: {log}"
    );
    Ok(())
}
