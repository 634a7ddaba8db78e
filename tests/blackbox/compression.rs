//! Responses are compressed at the edge as the client asks (gzip, zstd) and
//! are byte for byte the same once decoded; without Accept-Encoding they go
//! as they are. Brotli is not offered (pingora leaves its streams unended).

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};

use crate::harness::{App, TestResult};

#[tokio::test(flavor = "multi_thread")]
async fn the_edge_compresses_as_the_client_asks() -> TestResult {
    let app = App::start()?;
    // reqwest here has no decompression features: bodies arrive as sent.
    let client = app.client()?;
    let get = |encoding: Option<&'static str>| {
        let mut req = client.get(app.url("/api/openapi.json"));
        if let Some(e) = encoding {
            req = req.header(ACCEPT_ENCODING, e);
        }
        req.send()
    };
    let plain = get(None).await?;
    assert_eq!(plain.headers().get(CONTENT_ENCODING), None);
    let page = plain.bytes().await?.to_vec();
    assert!(
        String::from_utf8_lossy(&page).contains("\"openapi\""),
        "the API description"
    );

    let mut decoded = Vec::new();
    for (asked, expected) in [
        ("gzip", "gzip"),
        ("zstd", "zstd"),
        ("br", ""),
        ("br, gzip", "gzip"),
        ("identity", ""),
    ] {
        let res = get(Some(asked)).await?;
        let got = res
            .headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        assert_eq!(got, expected, "Accept-Encoding: {asked}");
        let body = res.bytes().await?.to_vec();
        decoded.clear();
        match expected {
            "gzip" => {
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut decoded)?;
            }
            "zstd" => {
                decoded = zstd::decode_all(&body[..])?;
            }
            _ => decoded = body.clone(),
        }
        assert!(decoded == page, "{asked} decodes to the same bytes");
        if !expected.is_empty() {
            // JSON compresses well; at level 5 every algorithm takes off more than three quarters.
            assert!(
                body.len() * 4 < page.len(),
                "{asked}: {} of {} bytes",
                body.len(),
                page.len()
            );
        }
    }
    Ok(())
}

/// An answer shorter than the compression minimum (512 bytes, as Caddy's
/// `encode`) goes as it is, and without `Vary: Accept-Encoding`: it is the
/// same whatever the client accepts.
#[tokio::test(flavor = "multi_thread")]
async fn a_short_answer_goes_as_it_is() -> TestResult {
    let app = App::start()?;
    let client = app.client()?;
    let res = client
        .get(app.url("/api/health"))
        .header(ACCEPT_ENCODING, "gzip, deflate, br, zstd")
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get(CONTENT_ENCODING), None);
    assert_eq!(res.headers().get(reqwest::header::VARY), None);
    let length = res.content_length();
    let body = res.bytes().await?;
    assert_eq!(
        length,
        Some(body.len() as u64),
        "the answer says its length"
    );
    assert!(body.len() < 512, "a short answer: {} bytes", body.len());
    Ok(())
}
