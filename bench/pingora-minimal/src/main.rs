//! `pingora-minimal LISTEN UPSTREAM CERT KEY [THREADS] [nosteal]`: terminate
//! TLS on LISTEN and pass every request to UPSTREAM (plain HTTP/1.1), with
//! nothing in between: what pingora and its TLS library cost by themselves.
//! Its runtime is tokio's work-stealing one, as the appliance's proxy runs;
//! `nosteal` asks for pingora's single-threaded runtime per thread.
//!
//! With `PINGORA_MINIMAL_JOB=FILE` it does the appliance's job per request
//! the plain way, through pingora's public API: every answer gets the header
//! lines of FILE (`name: value`, what the appliance adds to an answer), the
//! upstream gets X-Forwarded-For (and Host from an HTTP/2 authority), and the
//! client and the upstream get the appliance's timeouts. What that costs is
//! the price of the job itself; what the appliance spends beyond it is the
//! price of how it does the job (`bench/edge_instructions.py --same-job`).

use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use pingora::http::{RequestHeader, ResponseHeader};
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

/// The appliance's job, done the plain way (see the top of this file).
struct SameJob {
    upstream: SocketAddr,
    answer: Vec<(String, String)>,
}

/// The appliance's defaults (`appliance proxy --help`; `hooks::peer`).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

#[async_trait]
impl ProxyHttp for SameJob {
    type CTX = ();
    fn new_ctx(&self) {}

    async fn early_request_filter(&self, session: &mut Session, _ctx: &mut ()) -> Result<()> {
        session.set_read_timeout(Some(CLIENT_TIMEOUT));
        session.set_write_timeout(Some(CLIENT_TIMEOUT));
        Ok(())
    }

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        let mut peer = HttpPeer::new(self.upstream, false, String::new());
        peer.options.connection_timeout = Some(Duration::from_secs(2));
        peer.options.total_connection_timeout = Some(Duration::from_secs(3));
        peer.options.read_timeout = Some(UPSTREAM_TIMEOUT);
        peer.options.write_timeout = Some(UPSTREAM_TIMEOUT);
        peer.options.idle_timeout = Some(Duration::from_secs(60));
        Ok(Box::new(peer))
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut RequestHeader,
        _ctx: &mut (),
    ) -> Result<()> {
        if let Some(ip) = session
            .client_addr()
            .and_then(|a| a.as_inet())
            .map(|a| a.ip())
        {
            req.insert_header("x-forwarded-for", ip.to_string())?;
        }
        if let Some(authority) = session.req_header().uri.authority().map(|a| a.to_string())
            && !req.headers.contains_key("host")
        {
            req.insert_header("host", authority)?;
        }
        Ok(())
    }

    async fn response_filter(
        &self,
        _session: &mut Session,
        resp: &mut ResponseHeader,
        _ctx: &mut (),
    ) -> Result<()> {
        for (name, value) in &self.answer {
            resp.insert_header(name.clone(), value.as_str())?;
        }
        Ok(())
    }
}

/// `name: value` lines.
fn answer_headers(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("PINGORA_MINIMAL_JOB names a readable file")
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

fn listen<P>(server: &mut Server, proxy: P, addr: &str, tls: TlsSettings)
where
    P: ProxyHttp + Send + Sync + 'static,
    P::CTX: Send + Sync,
{
    let mut service = pingora::proxy::http_proxy_service(&server.configuration, proxy);
    service.add_tls_with_settings(addr, None, tls);
    server.add_service(service);
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
    match std::env::var("PINGORA_MINIMAL_JOB") {
        Ok(path) => {
            let answer = answer_headers(&path);
            listen(&mut server, SameJob { upstream, answer }, &args[1], tls)
        }
        Err(_) => listen(&mut server, Minimal(upstream), &args[1], tls),
    }
    server.run_forever();
}
