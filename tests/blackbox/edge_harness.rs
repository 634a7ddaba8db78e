//! The proxy role on its own, in front of a small upstream the test owns:
//! for the edge's behaviour without the whole appliance behind it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};

use crate::harness::{BIN, Notifications, free_port};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// An upstream that answers every request with "<label> got N bytes" and
/// counts the request body bytes it received; paths under `/slow` answer
/// after a second, `/big` is 4 KiB of text, `/first-piece` answers as soon
/// as the first piece of the request body arrives ("first piece N bytes"),
/// `/headers` lists the request's headers ("name: value" lines, sorted),
/// and paths ending in `/health` answer 503 while it is set unhealthy. It
/// keeps the most requests it had in flight at once.
pub struct Upstream {
    pub addr: SocketAddr,
    received: Arc<AtomicU64>,
    healthy: Arc<AtomicBool>,
    in_flight: Arc<InFlight>,
}

/// Requests being answered, and the most at once.
#[derive(Default)]
struct InFlight {
    now: AtomicU64,
    most: AtomicU64,
}

/// One request counted in [`InFlight`] until dropped.
struct Counted(Arc<InFlight>);

impl Counted {
    fn new(in_flight: &Arc<InFlight>) -> Counted {
        let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        in_flight.most.fetch_max(now, Ordering::SeqCst);
        Counted(in_flight.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Upstream {
    pub async fn start() -> Result<Upstream, Error> {
        Upstream::labelled("upstream").await
    }

    pub async fn labelled(label: &'static str) -> Result<Upstream, Error> {
        let received = Arc::new(AtomicU64::new(0));
        let healthy = Arc::new(AtomicBool::new(true));
        let (counter, health) = (received.clone(), healthy.clone());
        let in_flight = Arc::new(InFlight::default());
        let flight = in_flight.clone();
        let app = axum::Router::new()
            .fallback(move |req: axum::extract::Request| {
                let (counter, health) = (counter.clone(), health.clone());
                let counted = Counted::new(&flight);
                async move {
                    let _counted = counted;
                    let path = req.uri().path().to_owned();
                    if path == "/headers" {
                        let mut lines: Vec<String> = req
                            .headers()
                            .iter()
                            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?")))
                            .collect();
                        lines.sort();
                        return (axum::http::StatusCode::OK, lines.join("\n"));
                    }
                    if path == "/first-piece" {
                        use futures::StreamExt;
                        let mut pieces = req.into_body().into_data_stream();
                        let first = pieces.next().await.and_then(Result::ok);
                        let n = first.map_or(0, |p| p.len());
                        return (axum::http::StatusCode::OK, format!("first piece {n} bytes"));
                    }
                    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
                        .await
                        .unwrap_or_default();
                    if path.ends_with("/health") && !health.load(Ordering::SeqCst) {
                        return (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            "down".to_owned(),
                        );
                    }
                    if path.starts_with("/slow") {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    if path == "/big" {
                        return (axum::http::StatusCode::OK, "a line of text\n".repeat(300));
                    }
                    counter.fetch_add(body.len() as u64, Ordering::SeqCst);
                    (
                        axum::http::StatusCode::OK,
                        format!("{label} got {} bytes", body.len()),
                    )
                }
            })
            .layer(axum::extract::DefaultBodyLimit::disable());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Upstream {
            addr,
            received,
            healthy,
            in_flight,
        })
    }

    /// The most requests it had in flight at once so far.
    pub fn most_in_flight(&self) -> u64 {
        self.in_flight.most.load(Ordering::SeqCst)
    }

    /// Request body bytes that reached the upstream so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    /// Make its `/health` answer 503 (false) or 200 (true).
    pub fn set_healthy(&self, healthy: bool) {
        self.healthy.store(healthy, Ordering::SeqCst);
    }
}

pub struct Proxy {
    pub dir: tempfile::TempDir,
    pub notes: Notifications,
    pub http: u16,
    pub https: u16,
    child: Option<Child>,
}

impl Proxy {
    /// A data directory, a notify socket and two free ports; nothing runs yet.
    pub fn new() -> Result<Proxy, Error> {
        let dir = tempfile::tempdir()?;
        let notes = Notifications::listen(&dir.path().join("notify.sock"))?;
        Ok(Proxy {
            dir,
            notes,
            http: free_port(),
            https: free_port(),
            child: None,
        })
    }

    /// `proxy` and its arguments, both upstreams at `upstream`.
    pub fn args(&self, upstream: SocketAddr) -> Vec<String> {
        let mut args: Vec<String> = ["proxy", "--http"].map(String::from).into();
        args.push(format!("127.0.0.1:{}", self.http));
        args.push("--https".into());
        args.push(format!("127.0.0.1:{}", self.https));
        for flag in ["--api-upstream", "--web-upstream"] {
            args.push(flag.into());
            args.push(upstream.to_string());
        }
        args.push("--tls-dir".into());
        args.push(self.tls_dir().display().to_string());
        args
    }

    fn tls_dir(&self) -> PathBuf {
        self.dir.path().join("tls")
    }

    /// Start `cmd` (the proxy, or a wrapper that execs it) and wait for READY=1.
    pub fn spawn(&mut self, mut cmd: Command) -> Result<(), Error> {
        crate::versions::announce();
        let log = std::fs::File::create(self.dir.path().join("proxy.log"))?;
        let child = cmd
            .env("NOTIFY_SOCKET", self.dir.path().join("notify.sock"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        if !self.notes.wait_for("READY=1", Duration::from_secs(30)) {
            return Err(format!("the proxy did not get ready:\n{}", self.log_text()).into());
        }
        Ok(())
    }

    /// The proxy in front of `upstream`, with `extra` arguments, ready.
    pub fn start(upstream: SocketAddr, extra: &[&str]) -> Result<Proxy, Error> {
        let mut proxy = Proxy::new()?;
        let mut cmd = Command::new(BIN);
        cmd.args(proxy.args(upstream)).args(extra);
        proxy.spawn(cmd)?;
        Ok(proxy)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("proxy.log")).unwrap_or_default()
    }

    /// A client that trusts the proxy's local CA (HTTP/2 by ALPN).
    pub fn client(&self) -> Result<reqwest::Client, Error> {
        Ok(self.client_builder()?.build()?)
    }

    /// The same, speaking HTTP/1.1 only.
    pub fn http1_client(&self) -> Result<reqwest::Client, Error> {
        Ok(self.client_builder()?.http1_only().build()?)
    }

    fn client_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        let ca = std::fs::read(self.tls_dir().join("local-ca.pem"))?;
        Ok(reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
            .redirect(reqwest::redirect::Policy::none()))
    }

    /// The local CA's root certificate (DER).
    pub fn local_root(&self) -> Result<Vec<u8>, Error> {
        let pem = std::fs::read(self.tls_dir().join("local-ca.pem"))?;
        Ok(rustls_pemfile::certs(&mut pem.as_slice())
            .next()
            .ok_or("no local CA certificate")??
            .to_vec())
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.https)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> Result<ExitStatus, Error> {
        let mut child = self.child.take().ok_or("the proxy is not running")?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        Ok(child.wait()?)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP/1.1 connection over TLS to the proxy for `name`, verified against `root`.
pub struct TlsConnection(
    rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    String,
);

impl TlsConnection {
    pub fn open(port: u16, name: &str, root: &[u8]) -> Result<TlsConnection, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(root.to_vec()))?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let conn = rustls::ClientConnection::new(
            Arc::new(config),
            ServerName::try_from(name.to_owned())?,
        )?;
        let sock = TcpStream::connect(("127.0.0.1", port))?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut stream = rustls::StreamOwned::new(conn, sock);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        Ok(TlsConnection(stream, name.to_owned()))
    }

    /// The TLS stream itself, for requests written by hand.
    pub fn stream(&mut self) -> &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
        &mut self.0
    }

    /// The certificate the proxy presented.
    pub fn leaf(&self) -> Vec<u8> {
        self.0
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.to_vec())
            .unwrap_or_default()
    }

    /// GET `path` on this connection; the body.
    pub fn get(&mut self, path: &str) -> Result<String, Error> {
        write!(self.0, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.1)?;
        self.0.flush()?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            self.0.read_exact(&mut byte)?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .ok_or("no content-length")?
            .trim()
            .parse()?;
        let mut body = vec![0u8; length];
        self.0.read_exact(&mut body)?;
        Ok(String::from_utf8(body)?)
    }
}

/// GET `url` trusting any certificate: the leaf certificate served (DER)
/// and the body.
pub async fn served_certificate_and_body(url: &str) -> Result<(Option<Vec<u8>>, String), Error> {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .tls_info(true)
        .build()?;
    let res = client.get(url).send().await?;
    let served = res
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|t| t.peer_certificate().map(<[u8]>::to_vec));
    Ok((served, res.text().await?))
}

/// A self-signed certificate for `name` written as `site.pem` and
/// `site.key` in `dir`: the certificate (to compare with what is served)
/// and the two paths.
pub fn self_signed_site(
    dir: &std::path::Path,
    name: &str,
) -> Result<(rcgen::CertifiedKey<rcgen::KeyPair>, PathBuf, PathBuf), Error> {
    let site = rcgen::generate_simple_self_signed(vec![name.to_owned()])?;
    let (cert, key) = (dir.join("site.pem"), dir.join("site.key"));
    std::fs::write(&cert, site.cert.pem())?;
    std::fs::write(&key, site.signing_key.serialize_pem())?;
    Ok((site, cert, key))
}
