//! `pingora-minimal LISTEN UPSTREAM CERT KEY [THREADS] [nosteal]`: terminate
//! TLS on LISTEN and pass every request to UPSTREAM (plain HTTP/1.1), with
//! nothing in between: what pingora and its TLS library cost by themselves.
//! Its runtime is tokio's work-stealing one, as the appliance's proxy runs;
//! `nosteal` asks for pingora's single-threaded runtime per thread.

use std::net::SocketAddr;

use async_trait::async_trait;
use pingora::listeners::tls::TlsSettings;
use pingora::prelude::*;
use pingora::server::configuration::ServerConf;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Minimal(SocketAddr);

#[async_trait]
impl ProxyHttp for Minimal {
    type CTX = ();
    fn new_ctx(&self) {}

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Ok(Box::new(HttpPeer::new(self.0, false, String::new())))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: pingora-minimal LISTEN UPSTREAM CERT KEY [THREADS] [nosteal]");
        std::process::exit(2);
    }
    let upstream: SocketAddr = args[2].parse().expect("UPSTREAM is host:port");
    let threads = args
        .get(5)
        .map_or(2, |t| t.parse().expect("THREADS is a number"));
    let conf = ServerConf {
        threads,
        work_stealing: args.get(6).is_none_or(|a| a != "nosteal"),
        ..ServerConf::default()
    };
    // Before pingora installs ring as the process's default provider.
    #[cfg(feature = "aws-lc")]
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();
    let mut tls = TlsSettings::intermediate(&args[3], &args[4]).expect("TLS settings");
    tls.enable_h2();
    let mut service = pingora::proxy::http_proxy_service(&server.configuration, Minimal(upstream));
    service.add_tls_with_settings(&args[1], None, tls);
    server.add_service(service);
    server.run_forever();
}
