//! HTTP/3 through the proxy: a Rust QUIC client (quinn + h3) gets the
//! upstream's answer with the edge's headers, its bodies count against the
//! same limits, the access log says HTTP/3.0, and h2 answers advertise it
//! with Alt-Svc. Chromium, forced onto QUIC for the origin, loads a page.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::{Buf, Bytes};
use sha2::Digest;

use crate::browser::chromium_with;
use crate::edge_harness::{Proxy, TlsConnection, Upstream};
use crate::harness::TestResult;

type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The body as it came.
    pub bytes: Vec<u8>,
}

/// One request over a fresh HTTP/3 connection to 127.0.0.1:`port` for
/// localhost, trusting `root`.
pub async fn h3_request(
    port: u16,
    root: &[u8],
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Answer, Error> {
    h3_request_with(port, root, method, path, &[], body).await
}

/// [`h3_request`] with extra request headers.
pub async fn h3_request_with(
    port: u16,
    root: &[u8],
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Answer, Error> {
    let client = H3Client::connect(port, root).await?;
    let mut send = client.send.clone();
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("https://localhost:{port}{path}"))
        .header("content-length", body.len());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(())?;
    let mut stream = send
        .send_request(req)
        .await
        .map_err(|e| step("request")(&e))?;
    // A server may answer before reading the whole body (a 413) and stop
    // the upload; the answer is still to be read (RFC 9114, 4.1).
    if !body.is_empty() {
        let _ = stream.send_data(Bytes::copy_from_slice(body)).await;
    }
    let _ = stream.finish().await;
    let resp = stream
        .recv_response()
        .await
        .map_err(|e| step("response")(&e))?;
    let text = read_body(&mut stream).await.map_err(|e| step("data")(&e))?;
    drop(send);
    client.close();
    Ok(Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: String::from_utf8_lossy(&text).into_owned(),
        bytes: text,
    })
}

/// Each step says its name, so a failure tells where the exchange broke.
fn step(name: &'static str) -> impl Fn(&dyn std::fmt::Display) -> String {
    move |e| format!("HTTP/3 {name}: {e}")
}

type ClientStream = h3::client::RequestStream<h3_quinn::BidiStream<Bytes>, Bytes>;

/// The rest of a response's body.
async fn read_body(stream: &mut ClientStream) -> Result<Vec<u8>, h3::error::StreamError> {
    let mut text = Vec::new();
    while let Some(mut chunk) = stream.recv_data().await? {
        while chunk.has_remaining() {
            let piece = chunk.chunk().to_vec();
            chunk.advance(piece.len());
            text.extend(piece);
        }
    }
    Ok(text)
}

/// An HTTP/3 connection to 127.0.0.1:`port` for localhost, trusting `root`.
struct H3Client {
    endpoint: quinn::Endpoint,
    send: h3::client::SendRequest<h3_quinn::OpenStreams, Bytes>,
    drive: tokio::task::JoinHandle<h3::error::ConnectionError>,
}

impl H3Client {
    async fn connect(port: u16, root: &[u8]) -> Result<H3Client, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(rustls::pki_types::CertificateDer::from(root.to_vec()))?;
        let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
        tls.alpn_protocols = vec![b"h3".to_vec()];
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
        endpoint.set_default_client_config(quinn::ClientConfig::new(Arc::new(
            quinn::crypto::rustls::QuicClientConfig::try_from(tls)?,
        )));
        let conn = endpoint
            .connect(([127, 0, 0, 1], port).into(), "localhost")?
            .await
            .map_err(|e| step("connect")(&e))?;
        let (mut driver, send) = h3::client::new(h3_quinn::Connection::new(conn))
            .await
            .map_err(|e| step("setup")(&e))?;
        let drive =
            tokio::spawn(async move { std::future::poll_fn(|cx| driver.poll_close(cx)).await });
        Ok(H3Client {
            endpoint,
            send,
            drive,
        })
    }

    fn close(self) {
        self.drive.abort();
        self.endpoint.close(0u32.into(), b"done");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quic_client_gets_the_same_answers_headers_and_limits() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-body-bytes", "1000"])?;
    let root = proxy.local_root()?;

    let page = h3_request(proxy.https, &root, "GET", "/hello?x=1", b"").await?;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "upstream got 0 bytes");
    for header in [
        "strict-transport-security",
        "content-security-policy",
        "x-frame-options",
    ] {
        assert!(
            page.headers.contains_key(header),
            "{header} in {:?}",
            page.headers
        );
    }

    let form = h3_request(proxy.https, &root, "POST", "/form", &[b'a'; 600]).await?;
    assert_eq!(form.body, "upstream got 600 bytes");
    let big = h3_request(proxy.https, &root, "POST", "/api/import", &[b'a'; 2000]).await?;
    assert_eq!(big.status, 413);
    assert_eq!(big.headers["content-type"], "application/problem+json");
    assert_eq!(
        upstream.received(),
        600,
        "the refused body never reached the upstream"
    );

    // Compressed as over TCP: as the client asks, never brotli, text only.
    let plain = h3_request(proxy.https, &root, "GET", "/big", b"").await?;
    assert_eq!(plain.headers.get("content-encoding"), None);
    assert_eq!(plain.body, "a line of text\n".repeat(300));
    for (asked, expected) in [("gzip", "gzip"), ("br, zstd", "zstd"), ("br", "")] {
        let page = h3_request_with(
            proxy.https,
            &root,
            "GET",
            "/big",
            &[("accept-encoding", asked)],
            b"",
        )
        .await?;
        let got = page
            .headers
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or("?"));
        assert_eq!(got.unwrap_or(""), expected, "Accept-Encoding: {asked}");
        let decoded = match expected {
            "gzip" => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&page.bytes[..]).read_to_end(&mut out)?;
                out
            }
            "zstd" => zstd::decode_all(&page.bytes[..])?,
            _ => page.bytes.clone(),
        };
        assert!(decoded == plain.bytes, "{asked} decodes to the same bytes");
        if !expected.is_empty() {
            assert!(
                page.bytes.len() * 10 < plain.bytes.len(),
                "{asked}: {} bytes",
                page.bytes.len()
            );
            assert!(
                page.headers["vary"]
                    .as_bytes()
                    .eq_ignore_ascii_case(b"accept-encoding")
            );
            assert!(!page.headers.contains_key("content-length"));
            // A connection-specific header makes the response malformed in HTTP/3.
            assert!(!page.headers.contains_key("transfer-encoding"));
        }
    }

    let log = proxy.log_text();
    assert!(log.contains("GET /hello HTTP/3.0 200"), "{log}");
    assert!(log.contains("POST /api/import HTTP/3.0 413"), "{log}");

    // h2 answers tell browsers where HTTP/3 is.
    let h2 = proxy.client()?.get(proxy.url("/hello")).send().await?;
    assert_eq!(h2.version(), reqwest::Version::HTTP_2);
    assert_eq!(
        h2.headers()["alt-svc"],
        format!("h3=\":{}\"; ma=86400", proxy.https).as_str()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_bodies_stream_through_within_the_limit() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &["--max-body-bytes", "1000"])?;
    let client = H3Client::connect(proxy.https, &proxy.local_root()?).await?;
    let mut send = client.send.clone();
    let post = |path: &str| {
        http::Request::post(format!("https://localhost:{}{path}", proxy.https)).body(())
    };

    // The upstream answers at the body's first piece while the client has
    // not finished sending: the proxy passed the piece on without waiting
    // for the rest.
    let mut open = send.send_request(post("/first-piece")?).await?;
    open.send_data(Bytes::from_static(b"12345")).await?;
    let head = tokio::time::timeout(Duration::from_secs(10), open.recv_response())
        .await
        .map_err(|_| "no answer while the body was open: the proxy held the first piece")??;
    assert_eq!(head.status(), 200);
    let text = read_body(&mut open).await?;
    assert_eq!(String::from_utf8_lossy(&text), "first piece 5 bytes");
    let _ = open.finish().await;

    // Without a Content-Length the limit is counted as the body streams:
    // past 1,000 bytes it is cut and the answer is 413.
    let mut long = send.send_request(post("/form")?).await?;
    for _ in 0..5 {
        if long.send_data(Bytes::from(vec![b'a'; 400])).await.is_err() {
            break;
        }
    }
    let _ = long.finish().await;
    let head = long.recv_response().await?;
    assert_eq!(head.status(), 413, "{}", proxy.log_text());
    assert_eq!(head.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        upstream.received(),
        0,
        "a cut body is never delivered whole"
    );

    // Within the limit, a body of unknown length arrives whole.
    let mut short = send.send_request(post("/form")?).await?;
    for _ in 0..2 {
        short.send_data(Bytes::from(vec![b'a'; 400])).await?;
    }
    short.finish().await?;
    assert_eq!(short.recv_response().await?.status(), 200);
    let text = read_body(&mut short).await?;
    assert_eq!(String::from_utf8_lossy(&text), "upstream got 800 bytes");
    drop(send);
    client.close();
    let log = proxy.log_text();
    assert!(log.contains("POST /form HTTP/3.0 413"), "{log}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_forced_onto_quic_loads_a_page() -> TestResult {
    let upstream = Upstream::start().await?;
    let proxy = Proxy::start(upstream.addr, &[])?;
    // Chromium's QUIC ignores --ignore-certificate-errors; it takes the leaf's SPKI hash.
    let leaf = {
        let (port, root) = (proxy.https, proxy.local_root()?);
        tokio::task::spawn_blocking(move || {
            TlsConnection::open(port, "localhost", &root).map(|c| c.leaf())
        })
        .await??
    };
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf)?;
    let spki = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(cert.tbs_certificate.subject_pki.raw));
    // By address: Chromium tries "localhost" on ::1 first, where this proxy
    // (bound to 127.0.0.1) does not listen, and forced QUIC does not fall back.
    let origin = format!("127.0.0.1:{}", proxy.https);
    let (_driver, _profile, browser) = chromium_with(&[
        "--enable-quic".into(),
        format!("--origin-to-force-quic-on={origin}"),
        format!("--ignore-certificate-errors-spki-list={spki}"),
    ])
    .await?;
    browser.goto(&format!("https://{origin}/quic-page")).await?;
    let source = browser.source().await?;
    browser.close().await?;
    let error: Vec<&str> = source
        .split('"')
        .filter(|s| s.starts_with("ERR_"))
        .collect();
    assert!(source.contains("upstream got 0 bytes"), "{error:?}");
    let log = proxy.log_text();
    assert!(log.contains("GET /quic-page HTTP/3.0 200"), "{log}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn without_its_udp_port_the_proxy_serves_https_and_says_why() -> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    // Someone else holds the HTTPS port's UDP side.
    let _taken = std::net::UdpSocket::bind(("127.0.0.1", proxy.https))?;
    let mut cmd = std::process::Command::new(crate::harness::BIN);
    cmd.args(proxy.args(upstream.addr));
    proxy.spawn(cmd)?;
    let page = proxy.client()?.get(proxy.url("/hello")).send().await?;
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    assert!(
        !page.headers().contains_key("alt-svc"),
        "HTTP/3 is not advertised"
    );
    assert!(
        proxy.log_text().contains("HTTP/3 is off"),
        "{}",
        proxy.log_text()
    );
    Ok(())
}
