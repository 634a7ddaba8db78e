//! The edge on pingora: HTTPS (h2 and h1 by ALPN) routing `/api/*` to the API
//! role and everything else to the web role, plus the plain-HTTP listener
//! that redirects to HTTPS. Security headers on every response; a Spanish
//! 503 page when an upstream is down.

mod edge;
mod headers;
mod redirect;

use std::net::SocketAddr;
use std::sync::Arc;

use pingora::listeners::tls::TlsSettings;
use pingora::server::configuration::ServerConf;
use pingora::server::{RunArgs, Server, ShutdownSignal, ShutdownSignalWatch};
use rustls::server::ResolvesServerCert;

pub use edge::Upstreams;

pub struct ProxyConfig {
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub upstreams: Upstreams,
    pub resolver: Arc<dyn ResolvesServerCert>,
}

/// Build the pingora server with both listeners.
pub fn build(config: ProxyConfig) -> anyhow::Result<Server> {
    let conf = ServerConf {
        threads: 2,
        // Drain quickly: `up` must exit within 10 s of SIGTERM.
        grace_period_seconds: Some(1),
        graceful_shutdown_timeout_seconds: Some(4),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    let mut https = pingora::proxy::http_proxy_service_with_name(
        &server.configuration,
        edge::Edge::new(config.upstreams, config.https.port()),
        "https",
    );
    let mut tls = TlsSettings::intermediate("", "")?;
    tls.set_cert_resolver(config.resolver);
    tls.enable_h2();
    https.add_tls_with_settings(&config.https.to_string(), None, tls);

    let mut http = pingora::proxy::http_proxy_service_with_name(
        &server.configuration,
        redirect::Redirect { https_port: config.https.port() },
        "http-redirect",
    );
    http.add_tcp(&config.http.to_string());

    server.add_service(https);
    server.add_service(http);
    Ok(server)
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
pub fn spawn(server: Server, stop: tokio::sync::watch::Receiver<bool>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("pingora".into())
        .spawn(move || server.run(RunArgs { shutdown_signal: Box::new(Watch(stop)) }))
        .unwrap_or_else(|e| panic!("cannot start the proxy thread: {e}"))
}

/// Wait until the TCP listener at `addr` accepts connections.
pub async fn wait_listening(addr: SocketAddr) -> anyhow::Result<()> {
    let target = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if tokio::net::TcpStream::connect(target).await.is_ok() {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("the proxy did not start listening on {addr} within 15 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
