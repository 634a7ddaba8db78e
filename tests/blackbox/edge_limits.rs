//! The edge's limits through the proxy role: a client over its request rate
//! or its requests in flight gets 429, a body over the limit gets 413 (with
//! or without an announced length) and never reaches the upstream, a client
//! holding too many connections has the next one closed, and the limits
//! reset as time passes. Requests beyond the most one upstream may have in
//! flight wait their turn at the edge.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;

use crate::edge_harness::{Proxy, TlsConnection, Upstream};
use crate::harness::TestResult;
use crate::http3::h3_request;

#[tokio::test(flavor = "multi_thread")]
async fn requests_beyond_the_upstream_limit_wait_their_turn() -> TestResult {
    // Six slow requests at once, over HTTP/2 and HTTP/3: with a limit of two
    // the upstream never has more than two, and every request is answered.
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-upstream-requests", "2"])?;
    let client = proxy.client()?;
    let root = proxy.local_root()?;
    let over_h2 = join_all((0..4).map(|i| client.get(proxy.url(&format!("/slow/{i}"))).send()));
    let over_h3 = join_all((0..2).map(|i| {
        h3_request(
            proxy.https,
            &root,
            "GET",
            if i == 0 { "/slow/a" } else { "/slow/b" },
            b"",
        )
    }));
    let (h2, h3) = tokio::join!(over_h2, over_h3);
    for answer in h2 {
        assert_eq!(answer?.status(), StatusCode::OK);
    }
    for answer in h3 {
        assert_eq!(answer?.status, 200);
    }
    assert_eq!(upstream.most_in_flight(), 2);

    // Without the limit the same burst reaches the upstream at once.
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-upstream-requests", "0"])?;
    let client = proxy.client()?;
    let answers =
        join_all((0..6).map(|i| client.get(proxy.url(&format!("/slow/{i}"))).send())).await;
    for answer in answers {
        assert_eq!(answer?.status(), StatusCode::OK);
    }
    assert_eq!(upstream.most_in_flight(), 6);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_over_its_rate_gets_429_and_then_is_served_again() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-requests-per-second", "20"])?;
    let client = proxy.client()?;
    // 60 at once over one HTTP/2 connection: a window of one second lets 20
    // through; if the burst straddles two windows, at most 40.
    let answers = join_all((0..60).map(|i| {
        let path = if i % 2 == 0 { "/page" } else { "/api/thing" };
        client.get(proxy.url(path)).send()
    }))
    .await;
    let mut ok = 0;
    let mut refused = Vec::new();
    for answer in answers {
        let answer = answer?;
        match answer.status() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => refused.push(answer),
            other => return Err(format!("unexpected {other}").into()),
        }
    }
    assert!((20..=40).contains(&ok), "{ok} served");
    assert_eq!(ok + refused.len(), 60);
    for answer in refused {
        assert_eq!(answer.headers()["retry-after"], "1");
        let api = answer.url().path().starts_with("/api/");
        let kind = answer.headers()["content-type"].to_str()?.to_owned();
        let body = answer.text().await?;
        if api {
            assert_eq!(kind, "application/problem+json");
            let problem: serde_json::Value = serde_json::from_str(&body)?;
            assert_eq!(problem["status"], 429);
        } else {
            assert!(body.contains("Demasiadas solicitudes"), "{body}");
        }
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let again = client.get(proxy.url("/page")).send().await?;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the next second starts afresh"
    );
    assert!(
        proxy.log_text().contains(" 429 "),
        "refusals are in the access log"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_with_too_many_requests_in_flight_gets_429() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-concurrent-requests", "2"])?;
    let client = proxy.client()?;
    let answers = join_all((0..3).map(|_| client.get(proxy.url("/slow")).send())).await;
    let statuses: Vec<StatusCode> = answers
        .into_iter()
        .map(|a| a.map(|a| a.status()))
        .collect::<Result<_, _>>()?;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, refused), (2, 1), "{statuses:?}");
    // Finished requests give their places back.
    let later = join_all((0..2).map(|_| client.get(proxy.url("/slow")).send())).await;
    for answer in later {
        assert_eq!(answer?.status(), StatusCode::OK);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_asking_one_thing_after_another_is_never_refused() -> TestResult {
    // A request's place is given back before the client can read its end:
    // the next request, sent the moment the answer is complete, is never
    // counted against the one before it (over HTTP/2, HTTP/1.1 and HTTP/3).
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(
        upstream.addr,
        &[
            "--max-concurrent-requests",
            "1",
            "--max-requests-per-second",
            "0",
        ],
    )?;
    for client in [proxy.client()?, proxy.http1_client()?] {
        let mut refused = 0;
        for _ in 0..200 {
            let answer = client.get(proxy.url("/page")).send().await?;
            if answer.status() == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
            answer.bytes().await?;
        }
        assert_eq!(refused, 0, "of 200 requests one after another");
    }
    let root = proxy.local_root()?;
    let mut refused = 0;
    for _ in 0..50 {
        let answer = h3_request(proxy.https, &root, "GET", "/page", b"").await?;
        if answer.status == 429 {
            refused += 1;
        }
    }
    assert_eq!(refused, 0, "of 50 HTTP/3 requests one after another");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_holding_too_many_connections_has_the_next_one_closed() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-connections-per-client", "2"])?;
    let root = proxy.local_root()?;
    let port = proxy.https;
    let open = {
        let root = root.clone();
        move || TlsConnection::open(port, "localhost", &root)
    };
    let (mut first, mut second) = tokio::task::spawn_blocking({
        let open = open.clone();
        move || Ok::<_, crate::edge_harness::Error>((open()?, open()?))
    })
    .await??;
    let third = tokio::task::spawn_blocking({
        let open = open.clone();
        move || open().err().map(|e| e.to_string())
    })
    .await?;
    assert!(
        third.is_some(),
        "a third TLS connection is closed before its handshake"
    );
    // HTTP/3 connections count in the same total.
    assert!(
        h3_request(port, &root, "GET", "/page", b"").await.is_err(),
        "nor is a QUIC connection let in"
    );
    // The two open connections are served as ever.
    let (first, second) = tokio::task::spawn_blocking(move || {
        first.get("/page")?;
        second.get("/page")?;
        Ok::<_, crate::edge_harness::Error>((first, second))
    })
    .await??;
    // Closing one gives its place back (once the proxy reads the close).
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        let open = open.clone();
        if let Ok(conn) = tokio::task::spawn_blocking(open).await? {
            again = Some(conn);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut again = again.ok_or("no connection after one was closed")?;
    let body = tokio::task::spawn_blocking(move || again.get("/page")).await??;
    assert!(!body.is_empty());
    drop(second);
    let mut answer = None;
    for _ in 0..50 {
        if let Ok(a) = h3_request(port, &root, "GET", "/page", b"").await {
            answer = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answer
            .ok_or("no QUIC connection after one was closed")?
            .status,
        200
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_gets_413_and_never_reaches_the_upstream() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-body-bytes", "1000"])?;
    let client = proxy.client()?;

    let fits = client
        .post(proxy.url("/form"))
        .body(vec![b'a'; 1000])
        .send()
        .await?;
    assert_eq!(fits.status(), StatusCode::OK);
    assert_eq!(fits.text().await?, "upstream got 1000 bytes");

    let announced = client
        .post(proxy.url("/form"))
        .body(vec![b'a'; 1001])
        .send()
        .await?;
    assert_eq!(announced.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        announced
            .text()
            .await?
            .contains("Contenido demasiado grande")
    );

    let api = client
        .post(proxy.url("/api/import"))
        .body(vec![b'a'; 5000])
        .send()
        .await?;
    assert_eq!(api.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(api.headers()["content-type"], "application/problem+json");

    // No length announced: the body streams in pieces and is cut off once
    // it passes the limit.
    let pieces = futures::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'b'; 500]))),
    );
    let streamed = client
        .post(proxy.url("/form"))
        .body(reqwest::Body::wrap_stream(pieces))
        .send()
        .await?;
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(upstream.received(), 1000, "only the body that fit arrived");
    Ok(())
}
