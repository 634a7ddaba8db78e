//! A client that goes away before its answer (a browser navigating on, a
//! closed tab) is the client's doing: the access line records it, and
//! `journalctl -p err` stays for the proxy's own failures.

use std::time::Duration;

use crate::edge_harness::{Proxy, Upstream};
use crate::harness::TestResult;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_leaves_mid_request_is_an_access_line_not_an_error() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &[])?;
    // Over HTTP/2 and HTTP/1.1, ask for answers that take a second and give
    // up after a tenth of one: the proxy writes to a stream or a connection
    // that is gone.
    for client in [proxy.client()?, proxy.http1_client()?] {
        for i in 0..3 {
            let gave_up = client
                .get(proxy.url(&format!("/slow/{i}")))
                .timeout(Duration::from_millis(100))
                .send()
                .await;
            assert!(gave_up.is_err(), "the answer takes a second: {gave_up:?}");
        }
        drop(client);
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // The proxy still serves, and said nothing above INFO about the clients.
    let answer = proxy.client()?.get(proxy.url("/page")).send().await?;
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let log = proxy.log_text();
    let slow_lines = log.lines().filter(|l| l.contains(" GET /slow/")).count();
    assert_eq!(slow_lines, 6, "one access line per request given up: {log}");
    assert!(
        !log.contains("ERROR") && !log.contains("WARN"),
        "a client leaving is not a failure of the proxy: {log}"
    );
    Ok(())
}
