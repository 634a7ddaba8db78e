//! `appliance proxy --caddyfile`: the example Caddyfile for the appliance
//! routes /api and the rest to their upstreams with its headers and
//! compression and redirects HTTP; an upstream failing its health check
//! gets the 503 page until it recovers; basic_auth asks for credentials;
//! SIGHUP swaps the routes while a request is in flight, and a broken file
//! changes nothing.

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;

use crate::edge_harness::{Proxy, Upstream};
use crate::harness::{BIN, TestResult, eventually};

fn example() -> std::path::PathBuf {
    crate::harness::manifest_dir().join("../examples/appliance.Caddyfile")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_caddyfile_serves_the_appliance() -> TestResult {
    let (api, web) = (
        Upstream::labelled("api").await?,
        Upstream::labelled("web").await?,
    );
    let mut proxy = Proxy::new()?;
    let mut cmd = Command::new(BIN);
    cmd.args(proxy.args(api.addr))
        .arg("--caddyfile")
        .arg(example())
        .env("ERP_HTTP_PORT", proxy.http.to_string())
        .env("ERP_HTTPS_PORT", proxy.https.to_string())
        .env("ERP_API_UPSTREAM", api.addr.to_string())
        .env("ERP_WEB_UPSTREAM", web.addr.to_string());
    proxy.spawn(cmd)?;
    let client = proxy.client()?;

    let health = client.get(proxy.url("/api/health")).send().await?;
    assert_eq!(health.status(), StatusCode::OK);
    for header in [
        "strict-transport-security",
        "content-security-policy",
        "x-frame-options",
    ] {
        assert!(health.headers().contains_key(header), "{header}");
    }
    assert_eq!(health.text().await?, "api got 0 bytes");
    assert_eq!(text(&client, proxy.url("/api")).await?, "api got 0 bytes");
    assert_eq!(text(&client, proxy.url("/sales")).await?, "web got 0 bytes");
    let big = client
        .get(proxy.url("/big"))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    assert_eq!(big.headers()["content-encoding"], "gzip");

    let plain = client
        .get(format!("http://localhost:{}/sales?x=1", proxy.http))
        .send()
        .await?;
    assert_eq!(plain.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        plain.headers()["location"],
        format!("https://localhost:{}/sales?x=1", proxy.https).as_str()
    );

    // The API fails its health check: the 503 page without trying it.
    api.set_healthy(false);
    let down = eventually(Duration::from_secs(15), || async {
        let r = client.get(proxy.url("/api/companies")).send().await.ok()?;
        (r.status() == StatusCode::SERVICE_UNAVAILABLE).then_some(r)
    })
    .await
    .ok_or("the failing health check never took the API out")?;
    assert!(down.text().await?.contains("Servicio no disponible"));
    assert_eq!(
        client.get(proxy.url("/sales")).send().await?.status(),
        StatusCode::OK,
        "the web UI is not affected"
    );
    api.set_healthy(true);
    let back = eventually(Duration::from_secs(15), || async {
        let r = client.get(proxy.url("/api/companies")).send().await.ok()?;
        (r.status() == StatusCode::OK).then_some(())
    })
    .await;
    assert!(back.is_some(), "the API came back");
    assert!(proxy.terminate()?.success());
    Ok(())
}

/// The proxy serving `sites` (a Caddyfile without its global block: the
/// test's ports are put in front); the file stays in the proxy's directory.
fn serve_sites(
    sites: &str,
    upstream: &Upstream,
) -> Result<(Proxy, std::path::PathBuf), Box<dyn std::error::Error + Send + Sync>> {
    let mut proxy = Proxy::new()?;
    let file = proxy.dir.path().join("Caddyfile");
    write(&file, &with_ports(&proxy, sites))?;
    let mut cmd = Command::new(BIN);
    cmd.args(proxy.args(upstream.addr))
        .arg("--caddyfile")
        .arg(&file);
    proxy.spawn(cmd)?;
    Ok((proxy, file))
}

async fn text(client: &reqwest::Client, url: String) -> reqwest::Result<String> {
    client.get(url).send().await?.text().await
}

fn with_ports(proxy: &Proxy, sites: &str) -> String {
    format!(
        "{{\n\thttp_port {}\n\thttps_port {}\n}}\n{sites}",
        proxy.http, proxy.https
    )
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

fn hangup(proxy: &Proxy) -> TestResult {
    let pid = proxy.pid().ok_or("not running")?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGHUP,
    )?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_the_routes_without_dropping_a_request() -> TestResult {
    let upstream = Upstream::start().await?;
    let to = upstream.addr;
    let site = |version: &str| {
        format!("localhost {{\n\trespond /version \"{version}\"\n\treverse_proxy {to}\n}}\n")
    };
    let (mut proxy, file) = serve_sites(&site("one"), &upstream)?;
    let client = proxy.client()?;
    assert_eq!(text(&client, proxy.url("/version")).await?, "one");

    let slow = tokio::spawn(client.get(proxy.url("/slow")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    write(&file, &with_ports(&proxy, &site("two")))?;
    hangup(&proxy)?;
    let reloaded = eventually(Duration::from_secs(10), || async {
        let v = text(&client, proxy.url("/version")).await.ok()?;
        (v == "two").then_some(())
    })
    .await;
    assert!(
        reloaded.is_some(),
        "new routes after SIGHUP:\n{}",
        proxy.log_text()
    );
    let slow = slow.await??;
    assert_eq!(
        slow.status(),
        StatusCode::OK,
        "the request in flight finished"
    );
    assert_eq!(slow.text().await?, "upstream got 0 bytes");
    assert!(
        proxy
            .notes
            .all()
            .iter()
            .any(|l| l.starts_with("STATUS=reloaded"))
    );

    // A broken file: named in the log and STATUS=, the old routes stay.
    write(
        &file,
        "localhost {\n\trespond /version \"three\"\n\tphp_fastcgi 127.0.0.1:9000\n}\n",
    )?;
    hangup(&proxy)?;
    let failed = eventually(Duration::from_secs(10), || async {
        proxy
            .notes
            .all()
            .into_iter()
            .find(|l| l.starts_with("STATUS=reloading") && l.contains("failed"))
    })
    .await
    .ok_or("no status for the broken file")?;
    assert!(
        failed.contains("php_fastcgi") && failed.contains(":3"),
        "{failed}"
    );
    assert_eq!(text(&client, proxy.url("/version")).await?, "two");
    assert!(proxy.terminate()?.success());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_auth_asks_for_a_password() -> TestResult {
    let upstream = Upstream::start().await?;
    let hash = bcrypt::hash("clave-segura", 4)?;
    let sites = format!(
        "localhost {{\n\tbasic_auth /admin/* {{\n\t\tana {hash}\n\t}}\n\treverse_proxy {}\n}}\n",
        upstream.addr
    );
    let (proxy, _) = serve_sites(&sites, &upstream)?;
    let client = proxy.client()?;
    let anonymous = client.get(proxy.url("/admin/x")).send().await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.headers()["www-authenticate"]
            .to_str()?
            .starts_with("Basic realm=")
    );
    let wrong = client
        .get(proxy.url("/admin/x"))
        .basic_auth("ana", Some("otra"))
        .send()
        .await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = client
        .get(proxy.url("/admin/x"))
        .basic_auth("ana", Some("clave-segura"))
        .send()
        .await?;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(
        client.get(proxy.url("/public")).send().await?.status(),
        StatusCode::OK
    );
    Ok(())
}

/// What the Caddyfile answers itself (`respond`, like `file_server`) is
/// compressed where it says `encode`, as proxied answers are; HEAD gets the
/// header without a body, over HTTP/1.1 and HTTP/2.
#[tokio::test(flavor = "multi_thread")]
async fn the_caddyfile_s_own_answers_are_compressed_where_it_says_encode() -> TestResult {
    let upstream = Upstream::start().await?;
    let text = "a line of text\n".repeat(200);
    let sites = format!(
        "localhost {{\n\thandle /encoded {{\n\t\tencode gzip\n\t\trespond \"{text}\"\n\t}}\n\thandle /long {{\n\t\tencode gzip {{\n\t\t\tminimum_length 100000\n\t\t}}\n\t\trespond \"{text}\"\n\t}}\n\thandle /plain {{\n\t\trespond \"{text}\"\n\t}}\n\thandle_path /gz/* {{\n\t\tencode gzip\n\t\treverse_proxy {}\n\t}}\n}}\n",
        upstream.addr
    );
    let (proxy, _) = serve_sites(&sites, &upstream)?;
    for (client, protocol) in [
        (proxy.http1_client()?, "HTTP/1.1"),
        (proxy.client()?, "HTTP/2"),
    ] {
        let get = |path: &str| {
            client
                .get(proxy.url(path))
                .header("accept-encoding", "gzip")
                .send()
        };
        let encoded = get("/encoded").await?;
        assert_eq!(encoded.headers()["content-encoding"], "gzip", "{protocol}");
        let body = encoded.bytes().await?;
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut decoded)?;
        assert_eq!(decoded, text, "{protocol}: decodes to the answer");
        assert!(
            body.len() * 10 < text.len(),
            "{protocol}: {} bytes",
            body.len()
        );

        // Shorter than the route's minimum_length: as it is.
        let long = get("/long").await?;
        assert_eq!(long.headers().get("content-encoding"), None, "{protocol}");
        assert_eq!(long.text().await?, text);

        let plain = get("/plain").await?;
        assert_eq!(plain.headers().get("content-encoding"), None, "{protocol}");
        assert_eq!(plain.text().await?, text);
        // Asking for no coding gets none.
        let asked_none = client.get(proxy.url("/encoded")).send().await?;
        assert_eq!(
            asked_none.headers().get("content-encoding"),
            None,
            "{protocol}"
        );
        assert_eq!(asked_none.text().await?, text);

        for path in ["/encoded", "/gz/big"] {
            let head = client
                .head(proxy.url(path))
                .header("accept-encoding", "gzip")
                .send()
                .await?;
            assert_eq!(head.status(), StatusCode::OK, "{protocol} HEAD {path}");
            assert_eq!(head.bytes().await?.len(), 0, "{protocol} HEAD {path}");
        }
        // The connection still serves after the HEADs.
        let proxied = get("/gz/big").await?;
        assert_eq!(proxied.headers()["content-encoding"], "gzip", "{protocol}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn http3_serves_the_same_caddyfile_routes() -> TestResult {
    let upstream = Upstream::start().await?;
    let sites = format!(
        "localhost {{\n\theader X-Site caddyfile\n\trespond /hello \"hola\"\n\thandle_path /up/* {{\n\t\treverse_proxy {0}\n\t}}\n\thandle_path /zipped/* {{\n\t\tencode zstd gzip\n\t\treverse_proxy {0}\n\t}}\n\thandle_path /gz/* {{\n\t\tencode gzip\n\t\treverse_proxy {0}\n\t}}\n}}\n",
        upstream.addr
    );
    let (proxy, _) = serve_sites(&sites, &upstream)?;
    let root = proxy.local_root()?;
    let hello = crate::http3::h3_request(proxy.https, &root, "GET", "/hello", b"").await?;
    assert_eq!((hello.status, hello.body.as_str()), (200, "hola"));
    assert_eq!(hello.headers["x-site"], "caddyfile");
    let proxied =
        crate::http3::h3_request(proxy.https, &root, "POST", "/up/form", b"12345").await?;
    assert_eq!(proxied.body, "upstream got 5 bytes");
    assert_eq!(proxied.headers["x-site"], "caddyfile");
    // Compressed where the Caddyfile says `encode`, and only there.
    let gzip = [("accept-encoding", "gzip")];
    let zipped =
        crate::http3::h3_request_with(proxy.https, &root, "GET", "/zipped/big", &gzip, b"").await?;
    assert_eq!(zipped.headers["content-encoding"], "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&zipped.bytes[..]).read_to_string(&mut text)?;
    assert_eq!(text, "a line of text\n".repeat(300));
    let as_is =
        crate::http3::h3_request_with(proxy.https, &root, "GET", "/up/big", &gzip, b"").await?;
    assert_eq!(as_is.headers.get("content-encoding"), None);
    assert_eq!(as_is.body, text);
    // Only the encodings the route names, over HTTP/3 and HTTP/2 alike.
    let both = [("accept-encoding", "zstd, gzip")];
    let h2 = proxy.client()?;
    for (path, expected) in [("/gz/big", "gzip"), ("/zipped/big", "zstd")] {
        let h3 = crate::http3::h3_request_with(proxy.https, &root, "GET", path, &both, b"").await?;
        assert_eq!(h3.headers["content-encoding"], expected, "HTTP/3 {path}");
        let h2 = h2
            .get(proxy.url(path))
            .header(both[0].0, both[0].1)
            .send()
            .await?;
        assert_eq!(h2.headers()["content-encoding"], expected, "HTTP/2 {path}");
    }
    // Over h2 the answers advertise HTTP/3.
    let h2 = proxy.client()?.get(proxy.url("/hello")).send().await?;
    assert!(h2.headers().contains_key("alt-svc"));
    assert!(proxy.log_text().contains("POST /up/form HTTP/3.0 200"));
    Ok(())
}

/// The upstream's view of a request that claims another client address,
/// one "name: value" line per header.
async fn upstream_saw(request: reqwest::RequestBuilder) -> Result<Vec<String>, reqwest::Error> {
    let text = request
        .header("x-forwarded-for", "6.6.6.6")
        .send()
        .await?
        .text()
        .await?;
    Ok(text.lines().map(str::to_owned).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn upstreams_are_told_the_client_and_a_caddyfile_s_what_caddy_tells_them() -> TestResult {
    // A Caddyfile's upstream hears what Caddy's reverse_proxy says: the
    // client's address, the scheme and the Host asked for (never what the
    // client claims), and the Host itself; over HTTP/1.1, HTTP/2, HTTP/3
    // and plain HTTP alike.
    let upstream = Upstream::start().await?;
    let sites = format!(
        "localhost {{\n\treverse_proxy {0}\n}}\nhttp://localhost {{\n\treverse_proxy {0}\n}}\n",
        upstream.addr
    );
    let (proxy, _) = serve_sites(&sites, &upstream)?;
    let https_host = format!("localhost:{}", proxy.https);
    let told = |scheme: &str, host: &str| {
        vec![
            format!("host: {host}"),
            "x-forwarded-for: 127.0.0.1".to_owned(),
            format!("x-forwarded-host: {host}"),
            format!("x-forwarded-proto: {scheme}"),
        ]
    };
    let forwarded = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .filter(|l| l.starts_with("host:") || l.starts_with("x-forwarded"))
            .collect()
    };
    for client in [proxy.http1_client()?, proxy.client()?] {
        let claimed = client
            .get(proxy.url("/headers"))
            .header("x-forwarded-host", "elsewhere.example");
        let seen = upstream_saw(claimed).await?;
        assert_eq!(forwarded(seen), told("https", &https_host));
    }
    let root = proxy.local_root()?;
    let h3 = crate::http3::h3_request_with(
        proxy.https,
        &root,
        "GET",
        "/headers",
        &[("x-forwarded-for", "6.6.6.6")],
        b"",
    )
    .await?;
    let seen = h3.body.lines().map(str::to_owned).collect();
    assert_eq!(forwarded(seen), told("https", &https_host));
    let plain = format!("http://localhost:{}/headers", proxy.http);
    let seen = upstream_saw(proxy.client()?.get(plain)).await?;
    let http_host = format!("localhost:{}", proxy.http);
    assert_eq!(forwarded(seen), told("http", &http_host));

    // The built-in routes' roles read only the client's address (what
    // else a client sends passes as sent).
    let builtin = Proxy::start(upstream.addr, &[])?;
    let seen = upstream_saw(builtin.client()?.get(builtin.url("/headers"))).await?;
    assert_eq!(
        forwarded(seen),
        vec![
            format!("host: localhost:{}", builtin.https),
            "x-forwarded-for: 127.0.0.1".to_owned()
        ]
    );

    // A browser's Accept-Encoding reaches the upstream as sent, brotli
    // included, through either edge and protocol (the edge never
    // compresses in brotli itself; what the upstream encodes passes as is).
    let browser = "gzip, deflate, br, zstd";
    for (client, url) in [
        (builtin.http1_client()?, builtin.url("/headers")),
        (builtin.client()?, builtin.url("/headers")),
        (proxy.http1_client()?, proxy.url("/headers")),
        (proxy.client()?, proxy.url("/headers")),
    ] {
        let seen = upstream_saw(client.get(url).header("accept-encoding", browser)).await?;
        let expected = format!("accept-encoding: {browser}");
        assert!(seen.contains(&expected), "{seen:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn header_matchers_and_placeholders_read_the_client_s_fields() -> TestResult {
    // A request's facts carry only the header fields the Caddyfile reads:
    // a matcher's, a placeholder's in an answer and in header_up. Each
    // must still see the client's value, over HTTP/2 and HTTP/3.
    let upstream = Upstream::start().await?;
    let sites = format!(
        "localhost {{\n\t@beta header X-Beta on\n\trespond @beta \"beta for {{header.X-Agent}}\"\n\treverse_proxy {0} {{\n\t\theader_up X-Seen-Agent {{http.request.header.X-Agent}}\n\t}}\n}}\n",
        upstream.addr
    );
    let (proxy, _) = serve_sites(&sites, &upstream)?;
    let client = proxy.client()?;
    let beta = client
        .get(proxy.url("/headers"))
        .header("x-beta", "on")
        .header("x-agent", "probe/1")
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(beta, "beta for probe/1");
    let seen = upstream_saw(
        client
            .get(proxy.url("/headers"))
            .header("x-beta", "off")
            .header("x-agent", "probe/2"),
    )
    .await?;
    assert!(
        seen.contains(&"x-seen-agent: probe/2".to_owned()),
        "{seen:?}"
    );
    let root = proxy.local_root()?;
    let h3 = crate::http3::h3_request_with(
        proxy.https,
        &root,
        "GET",
        "/headers",
        &[("x-beta", "on"), ("x-agent", "probe/3")],
        b"",
    )
    .await?;
    assert_eq!(h3.body, "beta for probe/3");
    Ok(())
}
