//! The edge on pingora: HTTPS (h2 and h1 by ALPN) routing `/api/*` to the API
//! role and everything else to the web role, plus the plain-HTTP listener
//! that redirects to HTTPS. Security headers on every response; a Spanish
//! 503 page when an upstream is down.

mod access;
mod activation;
mod caddy_answers;
mod caddy_edge;
mod caddy_routes;
mod compression;
mod connections;
mod edge;
mod h3;
mod headers;
mod health;
mod hooks;
mod limits;
mod redirect;
mod refusals;

use std::net::SocketAddr;
use std::sync::Arc;

use pingora::listeners::tls::TlsSettings;
use pingora::server::configuration::ServerConf;
use pingora::server::{RunArgs, Server, ShutdownSignal, ShutdownSignalWatch};
use rustls::server::ResolvesServerCert;

pub use activation::Inherited;
pub use caddy_routes::{Loaded, Routes};
pub use edge::Upstreams;
pub use health::PATH as HEALTH_PATH;

pub struct ProxyConfig {
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub upstreams: Upstreams,
    pub resolver: Arc<dyn ResolvesServerCert>,
    pub limits: crate::cli::LimitArgs,
    /// Sockets handed over by socket activation, used instead of binding.
    pub inherited: Inherited,
    /// Where the listeners answer the ACME CA's checks.
    pub acme: crate::acme::AcmeHooks,
    /// Serve HTTP/3 on the HTTPS port's UDP side.
    pub http3: bool,
    /// Routes from a Caddyfile instead of the built-in API/web split.
    pub caddyfile: Option<Arc<Routes>>,
    /// Where the health listener answers (see `health.rs`), if anywhere.
    pub health: Option<SocketAddr>,
}

/// Where the listeners are: the configured addresses, or the inherited
/// sockets' own.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub http: SocketAddr,
    pub https: SocketAddr,
}

/// The address to serve on and, when inherited, the socket to serve with.
fn listener(
    configured: SocketAddr,
    inherited: Option<std::net::TcpListener>,
) -> anyhow::Result<(SocketAddr, Vec<activation::Handover>)> {
    match inherited {
        Some(socket) => {
            let handover = activation::Handover::new(socket)?;
            Ok((handover.addr, vec![handover]))
        }
        None => Ok((configured, Vec::new())),
    }
}

/// Build the pingora server with both listeners.
pub fn build(config: ProxyConfig) -> anyhow::Result<(Server, Bound)> {
    let conf = ServerConf {
        threads: 2,
        // Idle upstream connections kept for reuse. Pingora's 128 is fewer
        // than the requests in flight under load (h2 clients multiplex), so
        // connections were closed and opened again: 1,024 served ~8 % more
        // h1 requests/s in the edge bench at the same peak memory. 512 (fewer
        // idle sockets on the upstreams) measured h1 1.50x Caddy's, median
        // of 3 rounds, against 1.21x with 128 and glibc's allocator.
        upstream_keepalive_pool_size: 512,
        // Tokio's work-stealing scheduler, not pingora's single-threaded
        // runtime per thread: the latter spent ~10 µs less CPU per HTTP/1.1
        // request in the smallest pingora proxy, but pingora 0.9 then watches
        // an idle upstream connection from a random thread, and taking it
        // back races with that watcher: "failed to acquire reusable stream"
        // at ERROR 27-90 times per 10 s of load, each a pooled connection
        // thrown away (none with work stealing). docs/edge.md has the figures.
        work_stealing: true,
        // Drain quickly: `up` must exit within 10 s of SIGTERM.
        grace_period_seconds: Some(1),
        graceful_shutdown_timeout_seconds: Some(4),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    if config.inherited.https.is_none() {
        check_free("HTTPS", config.https)?;
    }
    if config.inherited.http.is_none() {
        check_free("HTTP", config.http)?;
    }
    let (https_addr, https_sockets) = listener(config.https, config.inherited.https)?;
    let (http_addr, http_sockets) = listener(config.http, config.inherited.http)?;
    let limits = Arc::new(limits::Limits::new(config.limits));
    // HTTP/3 is a comfort: when its UDP port cannot be had, HTTPS over TCP
    // still serves (without advertising HTTP/3), and the log says why.
    let socket = match (config.http3, config.inherited.h3) {
        (false, _) => None,
        (true, Some(socket)) => Some(socket),
        (true, None) => match std::net::UdpSocket::bind(https_addr) {
            Ok(socket) => Some(socket),
            Err(e) => {
                log::warn!("HTTP/3 is off: binding UDP {https_addr} failed: {e}");
                None
            }
        },
    };
    let http3 = socket.is_some();
    if let Some(socket) = socket {
        let h3 = h3::Http3::new(
            socket,
            config.resolver.clone(),
            match &config.caddyfile {
                Some(routes) => h3::Routing::Caddy(routes.clone()),
                None => h3::Routing::Builtin(config.upstreams),
            },
            https_addr.port(),
            limits.clone(),
        )?;
        server.add_service(pingora::services::background::background_service(
            "http3", h3,
        ));
    }

    let mut tls = TlsSettings::intermediate("", "")?;
    tls.set_cert_resolver(config.resolver);
    tls.enable_h2();
    let https_listener = Listener {
        addr: https_addr,
        sockets: https_sockets,
        tls: Some((
            tls,
            Arc::new(connections::Door {
                limits: limits.clone(),
                challenges: config.acme.tls_alpn01,
            }),
        )),
    };
    let http_listener = Listener {
        addr: http_addr,
        sockets: http_sockets,
        tls: None,
    };
    match &config.caddyfile {
        None => {
            let edge = edge::Edge::new(config.upstreams, https_addr.port(), limits, http3);
            add_listener(&mut server, "https", edge, https_listener);
            let redirect = redirect::Redirect {
                https_port: https_addr.port(),
                acme: config.acme.http01,
            };
            add_listener(&mut server, "http-redirect", redirect, http_listener);
        }
        Some(routes) => {
            server.add_service(pingora::services::background::background_service(
                "health checks",
                caddy_routes::HealthChecks(routes.clone()),
            ));
            let edge = |https: bool| caddy_edge::CaddyEdge {
                routes: routes.clone(),
                https,
                https_port: https_addr.port(),
                limits: limits.clone(),
                acme: config.acme.http01.clone(),
                alt_svc: http3.then(|| headers::alt_svc_value(https_addr.port())),
            };
            add_listener(&mut server, "https", edge(true), https_listener);
            add_listener(&mut server, "http", edge(false), http_listener);
        }
    }
    if let Some(addr) = config.health {
        let listener = Listener {
            addr,
            sockets: Vec::new(),
            tls: None,
        };
        add_listener(&mut server, "health", health::Health, listener);
    }
    Ok((
        server,
        Bound {
            http: http_addr,
            https: https_addr,
        },
    ))
}

/// Where a proxy service listens: its address, an inherited socket, and for
/// HTTPS its TLS settings and what runs before each handshake.
struct Listener {
    addr: SocketAddr,
    sockets: Vec<activation::Handover>,
    tls: Option<(TlsSettings, Arc<connections::Door>)>,
}

/// No read buffer in front of client connections (pingora's default is
/// 64 KiB each): rustls reads into its own record buffer and pingora's
/// HTTP/1 parser into its header buffer, so a third copy only held memory.
/// Measured with `bench/edge.py`'s memory phase (1,000 connections):
/// 16 KiB held ~3.5 MiB more at the peak than none, at the same requests/s.
const READ_BUFFER: usize = 0;

fn add_listener<P>(server: &mut Server, name: &str, app: P, listener: Listener)
where
    P: pingora::proxy::ProxyHttp + Send + Sync + 'static,
    P::CTX: Send + Sync,
{
    let mut service =
        pingora::proxy::http_proxy_service_with_name(&server.configuration, app, name);
    let mut endpoint =
        pingora::listeners::ListenerConfig::tcp(listener.addr.to_string()).l4_buffer(
            pingora::protocols::l4::stream::L4BufferSettings::new(READ_BUFFER, 1460),
        );
    let mut door = None;
    if let Some((tls, before_handshake)) = listener.tls {
        endpoint = endpoint.tls(tls);
        door = Some(before_handshake);
    }
    service.add_listener(endpoint);
    if let Some(door) = door {
        service.endpoints().set_pre_tls_callback(door);
    }
    server.add_service(activation::Activated {
        inner: service,
        sockets: listener.sockets,
    });
}

/// Pingora's shutdown trigger fed by our own signal, so `up` decides when.
struct Watch(tokio::sync::watch::Receiver<bool>);

#[async_trait::async_trait]
impl ShutdownSignalWatch for Watch {
    async fn recv(&self) -> ShutdownSignal {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|s| *s).await;
        ShutdownSignal::GracefulTerminate
    }
}

/// Run the server on its own thread until `stop` flips; join the handle to
/// wait for the drain.
pub fn spawn(
    server: Server,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    Ok(std::thread::Builder::new()
        .name("pingora".into())
        .spawn(move || {
            server.run(RunArgs {
                shutdown_signal: Box::new(Watch(stop)),
            })
        })?)
}

fn loopback_target(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

/// Retry `probe` every 50 ms for up to 15 s.
async fn retry<F, Fut>(what: &str, addr: SocketAddr, probe: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        match probe().await {
            Ok(()) => return Ok(()),
            Err(e) if tokio::time::Instant::now() > deadline => {
                anyhow::bail!("the proxy did not start serving {what} on {addr} within 15 s: {e:#}")
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

/// Wait until the health listener answers `GET /health` with 200.
pub async fn wait_health(addr: SocketAddr) -> anyhow::Result<()> {
    retry("its health listener", addr, || {
        crate::roles::healthcheck::get_200(addr, health::PATH)
    })
    .await
}

/// Wait until the plain-HTTP listener answers a request.
pub async fn wait_http(addr: SocketAddr) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = loopback_target(addr);
    retry("HTTP", addr, || async move {
        let mut s = tokio::net::TcpStream::connect(target).await?;
        s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).await?;
        anyhow::ensure!(head.starts_with(b"HTTP/1."), "not an HTTP answer");
        Ok(())
    })
    .await
}

/// Wait until the HTTPS listener answers a TLS handshake. Readiness is
/// about the listener, not about the certificate: a site may serve a
/// company CA's or a self-signed certificate (or none for `localhost`), so
/// any certificate is accepted, and a TLS alert from the server (no
/// certificate for that name) is an answer too.
pub async fn wait_https(addr: SocketAddr) -> anyhow::Result<()> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
    );
    let target = loopback_target(addr);
    retry("HTTPS", addr, || {
        let config = config.clone();
        async move {
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                use std::io::Write;
                let name = rustls::pki_types::ServerName::try_from("localhost")?;
                let mut conn = rustls::ClientConnection::new(config, name)?;
                let mut sock = std::net::TcpStream::connect_timeout(
                    &target,
                    std::time::Duration::from_secs(1),
                )?;
                sock.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
                while conn.is_handshaking() {
                    if let Err(e) = conn.complete_io(&mut sock) {
                        let alert = e
                            .get_ref()
                            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                            .is_some_and(|t| matches!(t, rustls::Error::AlertReceived(_)));
                        if alert {
                            return Ok(());
                        }
                        return Err(e.into());
                    }
                }
                conn.send_close_notify();
                let _ = conn.complete_io(&mut sock);
                sock.flush()?;
                Ok(())
            })
            .await?
        }
    })
    .await
}

/// A verifier for clients that look at the served certificate rather than
/// trust it (the readiness probe, `admin status`): every certificate is
/// accepted, the handshake's signatures are still checked.
#[derive(Debug)]
pub(crate) struct AnyCertificate(pub(crate) Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Both listeners answering, or the one that does while the other is
/// reported: a proxy that serves is not stopped because one probe failed
/// (the journal and STATUS= say which, at error level). Neither answering
/// is a failed start.
pub async fn wait_listeners(bound: Bound) -> anyhow::Result<()> {
    let (http, https) = tokio::join!(wait_http(bound.http), wait_https(bound.https));
    match (http, https) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => {
            log::error!("{e:#}; the proxy serves on the other listener");
            crate::systemd::status(&format!("degraded: {e:#}"));
            Ok(())
        }
        (Err(http), Err(https)) => Err(anyhow::anyhow!("{http:#}; {https:#}")),
    }
}

/// Fail at start, before anything serves, when a port to listen on is
/// already taken (pingora would otherwise find out on its own thread, after
/// the other listener had started serving).
pub fn check_free(what: &str, addr: SocketAddr) -> anyhow::Result<()> {
    std::net::TcpListener::bind(addr).map(drop).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen for {what} on {addr}: port {} is taken or not allowed ({e})",
            addr.port()
        )
    })
}
