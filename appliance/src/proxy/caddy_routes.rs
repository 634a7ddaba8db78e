//! A Caddyfile's routes as the edges use them: the loaded file (compiled
//! routes, each reverse_proxy's resolved upstreams), swapped whole on
//! SIGHUP while requests in flight keep theirs; which upstream a request
//! goes to by the route's policy among the healthy ones; and the active
//! health checks that decide which are healthy.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use caddy_compat::serve::{self, Policy};

use super::limits::{Limits, Turns};

/// One loaded Caddyfile: its routes and each reverse_proxy's upstreams.
pub struct Loaded {
    pub config: serve::Config,
    /// By proxy id: the upstreams, resolved when loading.
    upstreams: Vec<Vec<Upstream>>,
    /// By proxy id: the round-robin turn.
    turns: Vec<AtomicUsize>,
}

/// One upstream of a `reverse_proxy`, with what requests to it share.
struct Upstream {
    addr: SocketAddr,
    /// Requests in flight to this address (for least_conn), shared with
    /// every other proxy and loaded file that names it (see [`adopt`]).
    busy: Arc<AtomicUsize>,
    /// Its turns (see [`Limits::turns`]), looked up at its first request
    /// rather than in the shared map at every one.
    turns: OnceLock<Turns>,
}

impl Loaded {
    /// Read, adapt and compile a Caddyfile; every error names its place.
    pub fn read(path: &Path) -> anyhow::Result<Loaded> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path.display().to_string();
        let parsed = caddy_compat::tree::Caddyfile::parse(&name, &text)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let json = caddy_compat::adapt::adapt(&parsed).map_err(|e| anyhow::anyhow!("{e}"))?;
        let config = serve::Config::compile(&json).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let mut upstreams = Vec::new();
        for p in &config.proxies {
            let mut addrs = Vec::new();
            for dial in &p.upstreams {
                let addr = dial
                    .to_socket_addrs()
                    .with_context(|| format!("{name}: upstream {dial}"))?
                    .next()
                    .with_context(|| format!("{name}: upstream {dial} has no address"))?;
                addrs.push(Upstream {
                    addr,
                    busy: Arc::default(),
                    turns: OnceLock::new(),
                });
            }
            upstreams.push(addrs);
        }
        let turns = config.proxies.iter().map(|_| AtomicUsize::new(0)).collect();
        Ok(Loaded {
            config,
            upstreams,
            turns,
        })
    }
}

/// What the listeners share: the current routes, and which upstreams fail
/// their health checks.
pub struct Routes {
    current: RwLock<Arc<Loaded>>,
    /// (upstream, health URI) pairs that failed their last check.
    down: RwLock<HashSet<(SocketAddr, String)>>,
    /// Requests in flight per upstream address, for least_conn; read when
    /// a file is loaded, never by a request.
    busy: Mutex<HashMap<SocketAddr, Arc<AtomicUsize>>>,
}

/// Give `loaded`'s upstreams the in-flight counts of their addresses, so
/// least_conn sees every request to one, whichever proxy and whichever
/// loaded file sent it.
fn adopt(busy: &Mutex<HashMap<SocketAddr, Arc<AtomicUsize>>>, loaded: &mut Loaded) {
    let mut busy = busy.lock().unwrap_or_else(PoisonError::into_inner);
    for upstream in loaded.upstreams.iter_mut().flatten() {
        upstream.busy = busy.entry(upstream.addr).or_default().clone();
    }
}

/// The upstream a request goes to, counted as busy with it until dropped.
pub struct Chosen {
    loaded: Arc<Loaded>,
    proxy: usize,
    index: usize,
}

impl Chosen {
    fn upstream(&self) -> &Upstream {
        &self.loaded.upstreams[self.proxy][self.index]
    }

    pub fn addr(&self) -> SocketAddr {
        self.upstream().addr
    }

    /// The upstream's turns under `limits` (the same for every request).
    pub fn turns(&self, limits: &Limits) -> &Turns {
        let upstream = self.upstream();
        upstream.turns.get_or_init(|| limits.turns(upstream.addr))
    }
}

impl Drop for Chosen {
    fn drop(&mut self) {
        self.upstream().busy.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Routes {
    pub fn new(mut loaded: Loaded) -> Arc<Routes> {
        let busy = Mutex::default();
        adopt(&busy, &mut loaded);
        Arc::new(Routes {
            current: RwLock::new(Arc::new(loaded)),
            down: RwLock::new(HashSet::new()),
            busy,
        })
    }

    pub fn current(&self) -> Arc<Loaded> {
        self.current
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Serve `loaded` from the next request on; requests in flight finish
    /// with what they started with.
    pub fn replace(&self, mut loaded: Loaded) {
        adopt(&self.busy, &mut loaded);
        match self.current.write() {
            Ok(mut c) => *c = Arc::new(loaded),
            Err(p) => *p.into_inner() = Arc::new(loaded),
        }
    }

    fn healthy(&self, addr: SocketAddr, uri: Option<&str>) -> bool {
        let Some(uri) = uri else { return true };
        self.down
            .read()
            .map(|d| !d.iter().any(|(a, u)| *a == addr && u == uri))
            .unwrap_or(true)
    }

    /// The upstream for proxy `id`, by its policy among the healthy ones.
    pub fn choose(
        &self,
        loaded: &Arc<Loaded>,
        id: usize,
        client: Option<IpAddr>,
        path: &str,
    ) -> Option<Chosen> {
        let proxy = &loaded.config.proxies[id];
        let upstreams = &loaded.upstreams[id];
        let healthy = |u: &Upstream| self.healthy(u.addr, proxy.health_uri.as_deref());
        let mut candidates = upstreams.iter().enumerate().filter(|(_, u)| healthy(u));
        let count = candidates.clone().count();
        if count == 0 {
            return None;
        }
        let hash = |s: &str| {
            s.bytes()
                .fold(5381usize, |h, b| h.wrapping_mul(33) ^ b as usize)
        };
        let pick = match proxy.policy {
            Policy::First => 0,
            Policy::RoundRobin => loaded.turns[id].fetch_add(1, Ordering::Relaxed),
            Policy::Random => rand::random::<usize>(),
            Policy::IpHash => hash(&client.map(|c| c.to_string()).unwrap_or_default()),
            Policy::UriHash => hash(path),
            Policy::LeastConn => candidates
                .clone()
                .min_by_key(|(_, u)| u.busy.load(Ordering::Relaxed))
                .map_or(0, |(i, _)| i),
        };
        let index = match proxy.policy {
            Policy::LeastConn => pick,
            _ => candidates.nth(pick % count)?.0,
        };
        upstreams[index].busy.fetch_add(1, Ordering::Relaxed);
        Some(Chosen {
            loaded: loaded.clone(),
            proxy: id,
            index,
        })
    }

    /// Check every upstream with a health URI once.
    pub async fn check_health(
        &self,
        client: &hyper_util::client::legacy::Client<
            hyper_util::client::legacy::connect::HttpConnector,
            http_body_util::Empty<Bytes>,
        >,
    ) {
        let loaded = self.current();
        let mut down = HashSet::new();
        for (proxy, upstreams) in loaded.config.proxies.iter().zip(&loaded.upstreams) {
            let Some(uri) = &proxy.health_uri else {
                continue;
            };
            for addr in upstreams.iter().map(|u| &u.addr) {
                let Ok(url) = format!("http://{addr}{uri}").parse::<http::Uri>() else {
                    continue;
                };
                let ok = matches!(
                    tokio::time::timeout(Duration::from_secs(3), client.get(url)).await,
                    Ok(Ok(r)) if r.status().is_success()
                );
                if !ok {
                    down.insert((*addr, uri.clone()));
                }
            }
        }
        let changed = self.down.read().map(|d| *d != down).unwrap_or(true);
        if changed {
            for (addr, uri) in &down {
                log::warn!("upstream {addr} fails its health check {uri}");
            }
            if let Ok(mut d) = self.down.write() {
                *d = down;
            }
        }
    }
}

/// Runs the active health checks every few seconds.
pub struct HealthChecks(pub Arc<Routes>);

const HEALTH_INTERVAL: Duration = Duration::from_secs(5);

#[async_trait]
impl pingora::services::background::BackgroundService for HealthChecks {
    async fn start(&self, mut shutdown: pingora::server::ShutdownWatch) {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Empty<Bytes>>();
        loop {
            self.0.check_health(&client).await;
            tokio::select! {
                _ = tokio::time::sleep(HEALTH_INTERVAL) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "127.0.0.1:9001";
    const B: &str = "127.0.0.1:9002";

    /// Routes loaded from `sites` (a Caddyfile's sites, HTTPS on 8443).
    fn routes(sites: &str) -> Arc<Routes> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("Caddyfile");
        let text = format!("{{\n\tadmin off\n\thttps_port 8443\n}}\n{sites}");
        std::fs::write(&path, text).expect("the Caddyfile written");
        Routes::new(Loaded::read(&path).expect("the Caddyfile loads"))
    }

    fn choose(routes: &Routes, id: usize) -> Chosen {
        routes
            .choose(&routes.current(), id, None, "/")
            .expect("a healthy upstream")
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn round_robin_takes_the_upstreams_in_turn() {
        let routes = routes(&format!(
            "localhost {{\n\treverse_proxy {A} {B} {{\n\t\tlb_policy round_robin\n\t}}\n}}\n"
        ));
        let order: Vec<SocketAddr> = (0..4).map(|_| choose(&routes, 0).addr()).collect();
        assert_eq!(order, [addr(A), addr(B), addr(A), addr(B)]);
    }

    /// The id of the proxy with `n` upstreams (the adapter orders them).
    fn proxy_of(routes: &Routes, n: usize) -> usize {
        routes
            .current()
            .config
            .proxies
            .iter()
            .position(|p| p.upstreams.len() == n)
            .expect("a proxy with that many upstreams")
    }

    #[test]
    fn least_conn_counts_every_request_in_flight_to_an_address() {
        // One proxy balances A and B; another sends everything to A. A
        // request of the second makes A the busier one for the first.
        let routes = routes(&format!(
            "localhost {{\n\thandle /one/* {{\n\t\treverse_proxy {A} {B} {{\n\t\t\tlb_policy least_conn\n\t\t}}\n\t}}\n\treverse_proxy {A}\n}}\n"
        ));
        let (balanced, only_a) = (proxy_of(&routes, 2), proxy_of(&routes, 1));
        let to_a = choose(&routes, only_a);
        assert_eq!(to_a.addr(), addr(A));
        let to_b = choose(&routes, balanced);
        assert_eq!(to_b.addr(), addr(B));
        drop(to_a);
        // A has none in flight now, B one.
        assert_eq!(choose(&routes, balanced).addr(), addr(A));
        drop(to_b);
        // A reloaded file keeps the counts of requests still in flight.
        let held = choose(&routes, only_a);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("Caddyfile");
        let text = format!(
            "{{\n\tadmin off\n\thttps_port 8443\n}}\nlocalhost {{\n\treverse_proxy {A} {B} {{\n\t\tlb_policy least_conn\n\t}}\n}}\n"
        );
        std::fs::write(&path, text).expect("the Caddyfile written");
        routes.replace(Loaded::read(&path).expect("the Caddyfile loads"));
        assert_eq!(choose(&routes, 0).addr(), addr(B));
        drop(held);
        assert_eq!(choose(&routes, 0).addr(), addr(A));
    }

    #[test]
    fn an_upstream_failing_its_health_check_is_passed_over() {
        let routes = routes(&format!(
            "localhost {{\n\treverse_proxy {A} {B} {{\n\t\thealth_uri /ok\n\t}}\n}}\n"
        ));
        // The default policy, random, may pick either while both are healthy.
        routes
            .down
            .write()
            .expect("the health set")
            .insert((addr(A), "/ok".to_owned()));
        for _ in 0..20 {
            assert_eq!(choose(&routes, 0).addr(), addr(B));
        }
        routes
            .down
            .write()
            .expect("the health set")
            .insert((addr(B), "/ok".to_owned()));
        assert!(routes.choose(&routes.current(), 0, None, "/").is_none());
    }
}
