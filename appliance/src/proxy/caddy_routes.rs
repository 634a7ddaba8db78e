//! A Caddyfile's routes as the edges use them: the loaded file (compiled
//! routes, each reverse_proxy's resolved upstreams), swapped whole on
//! SIGHUP while requests in flight keep theirs; which upstream a request
//! goes to by the route's policy among the healthy ones; and the active
//! health checks that decide which are healthy.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use caddy_compat::serve::{self, Policy};

/// One loaded Caddyfile: its routes and each reverse_proxy's upstreams.
pub struct Loaded {
    pub config: serve::Config,
    /// By proxy id: the upstreams, resolved when loading.
    upstreams: Vec<Vec<SocketAddr>>,
    /// By proxy id: the round-robin turn.
    turns: Vec<AtomicUsize>,
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
                addrs.push(addr);
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
    /// Requests in flight per upstream, for least_conn.
    busy: RwLock<std::collections::HashMap<SocketAddr, Arc<AtomicUsize>>>,
}

impl Routes {
    pub fn new(loaded: Loaded) -> Arc<Routes> {
        Arc::new(Routes {
            current: RwLock::new(Arc::new(loaded)),
            down: RwLock::new(HashSet::new()),
            busy: RwLock::new(Default::default()),
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
    pub fn replace(&self, loaded: Loaded) {
        match self.current.write() {
            Ok(mut c) => *c = Arc::new(loaded),
            Err(p) => *p.into_inner() = Arc::new(loaded),
        }
    }

    fn healthy(&self, addr: SocketAddr, uri: Option<&str>) -> bool {
        let Some(uri) = uri else { return true };
        self.down
            .read()
            .map(|d| !d.contains(&(addr, uri.to_owned())))
            .unwrap_or(true)
    }

    pub(super) fn busy(&self, addr: SocketAddr) -> Arc<AtomicUsize> {
        if let Some(c) = self.busy.read().ok().and_then(|b| b.get(&addr).cloned()) {
            return c;
        }
        match self.busy.write() {
            Ok(mut b) => b.entry(addr).or_default().clone(),
            Err(_) => Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The upstream for proxy `id`, by its policy among the healthy ones.
    pub fn choose(
        &self,
        loaded: &Loaded,
        id: usize,
        client: Option<IpAddr>,
        path: &str,
    ) -> Option<SocketAddr> {
        let proxy = &loaded.config.proxies[id];
        let addrs = &loaded.upstreams[id];
        let healthy: Vec<SocketAddr> = addrs
            .iter()
            .copied()
            .filter(|a| self.healthy(*a, proxy.health_uri.as_deref()))
            .collect();
        if healthy.is_empty() {
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
            Policy::LeastConn => {
                return healthy
                    .iter()
                    .min_by_key(|a| self.busy(**a).load(Ordering::Relaxed))
                    .copied();
            }
        };
        Some(healthy[pick % healthy.len()])
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
        for (proxy, addrs) in loaded.config.proxies.iter().zip(&loaded.upstreams) {
            let Some(uri) = &proxy.health_uri else {
                continue;
            };
            for addr in addrs {
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
