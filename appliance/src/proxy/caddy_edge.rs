//! The edge driven by a Caddyfile (`appliance proxy --caddyfile`): each
//! request is evaluated against the compiled routes (caddy-compat's serve
//! module) and the plan carried out here — answer, redirect, serve a file,
//! ask for credentials, or proxy to an upstream chosen by the route's
//! policy among the healthy ones. The routes sit behind a lock so SIGHUP
//! can swap in a new file while requests are in flight.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use caddy_compat::serve::{self, BasicAuth, End, HeaderOps, Plan, Policy};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::modules::http::HttpModules;
use pingora::modules::http::compression::{ResponseCompression, ResponseCompressionBuilder};
use pingora::prelude::*;
use pingora::proxy::FailToProxy;
use rustls_acme::ResolvesServerCertAcme;

use super::headers::forwarded;
use super::hooks::{self, client_ip};
use super::limits::{Admitted, Limits};
use super::redirect::{answer_acme, redirect, request_host};
use super::refusals::Refusal;

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

    fn busy(&self, addr: SocketAddr) -> Arc<AtomicUsize> {
        if let Some(c) = self.busy.read().ok().and_then(|b| b.get(&addr).cloned()) {
            return c;
        }
        match self.busy.write() {
            Ok(mut b) => b.entry(addr).or_default().clone(),
            Err(_) => Arc::new(AtomicUsize::new(0)),
        }
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

pub struct CaddyEdge {
    pub routes: Arc<Routes>,
    /// This listener is the HTTPS one (else plain HTTP).
    pub https: bool,
    pub https_port: u16,
    pub limits: Arc<Limits>,
    pub acme: Option<Arc<ResolvesServerCertAcme>>,
}

pub struct Ctx {
    started: Instant,
    _admitted: Option<Admitted>,
    received: u64,
    max_body: Option<u64>,
    plan: Option<Plan>,
    upstream: Option<SocketAddr>,
    _busy: Option<BusyGuard>,
}

/// Counts a request against its upstream while it is in flight.
struct BusyGuard(Arc<AtomicUsize>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Basic-auth passwords: bcrypt, or argon2id in its PHC form.
fn verify(auth: &BasicAuth, user: &str, password: &str) -> bool {
    auth.accounts.iter().any(|(u, hash)| {
        u == user
            && if auth.argon2 {
                use argon2::PasswordVerifier;
                argon2::PasswordHash::new(hash).is_ok_and(|h| {
                    argon2::Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
            } else {
                bcrypt::verify(password, hash).unwrap_or(false)
            }
    })
}

fn facts(session: &Session, https: bool) -> serve::Request {
    let req = session.req_header();
    serve::Request {
        method: req.method.as_str().to_owned(),
        host: request_host(req).to_ascii_lowercase(),
        path: req.uri.path().to_owned(),
        query: req.uri.query().unwrap_or_default().to_owned(),
        headers: req
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        client: client_ip(session),
        https,
    }
}

/// Apply header operations to a response or request header.
trait Fields {
    fn get_field(&self, name: &str) -> Option<String>;
    fn set_field(&mut self, name: &str, values: &[String]) -> Result<()>;
    fn add_field(&mut self, name: &str, value: &str) -> Result<()>;
    fn remove_field(&mut self, name: &str);
}

macro_rules! fields_for {
    ($t:ty) => {
        impl Fields for $t {
            fn get_field(&self, name: &str) -> Option<String> {
                self.headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            }
            fn set_field(&mut self, name: &str, values: &[String]) -> Result<()> {
                self.remove_header(name);
                for v in values {
                    self.append_header(name.to_owned(), v.as_str())?;
                }
                Ok(())
            }
            fn add_field(&mut self, name: &str, value: &str) -> Result<()> {
                self.append_header(name.to_owned(), value).map(|_| ())
            }
            fn remove_field(&mut self, name: &str) {
                self.remove_header(name);
            }
        }
    };
}
fields_for!(ResponseHeader);
fields_for!(RequestHeader);

fn apply_ops(target: &mut impl Fields, ops: &[HeaderOps], facts: &serve::Request) -> Result<()> {
    for op in ops {
        if let Some(name) = &op.only_if_missing
            && target.get_field(name).is_some()
        {
            continue;
        }
        for name in &op.delete {
            target.remove_field(name);
        }
        for (name, values) in &op.set {
            let values: Vec<String> = values.iter().map(|v| facts.expand(v)).collect();
            target.set_field(name, &values)?;
        }
        for (name, values) in &op.add {
            for v in values {
                target.add_field(name, &facts.expand(v))?;
            }
        }
        for (name, regex, with) in &op.replace {
            if let Some(current) = target.get_field(name) {
                let replaced = regex.replace_all(&current, with.as_str()).into_owned();
                target.set_field(name, &[replaced])?;
            }
        }
    }
    Ok(())
}

impl CaddyEdge {
    fn choose(
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
            .filter(|a| self.routes.healthy(*a, proxy.health_uri.as_deref()))
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
                    .min_by_key(|a| self.routes.busy(**a).load(Ordering::Relaxed))
                    .copied();
            }
        };
        Some(healthy[pick % healthy.len()])
    }

    async fn respond(
        &self,
        session: &mut Session,
        status: u16,
        headers: &[(String, Vec<String>)],
        body: Bytes,
        plan: &Plan,
    ) -> Result<()> {
        let mut resp = ResponseHeader::build(status, Some(headers.len() + 2))?;
        for (name, values) in headers {
            resp.set_field(name, values)?;
        }
        if !body.is_empty() && resp.headers.get("content-type").is_none() {
            resp.insert_header("Content-Type", "text/plain; charset=utf-8")?;
        }
        resp.insert_header("Content-Length", body.len().to_string())?;
        apply_ops(&mut resp, &plan.response_headers, &plan.request)?;
        session
            .write_response_header(Box::new(resp), body.is_empty())
            .await?;
        if !body.is_empty() {
            session.write_response_body(Some(body), true).await?;
        }
        Ok(())
    }

    /// `file_server`: the file under the root, `index.html` for a directory.
    async fn serve_file(&self, session: &mut Session, plan: &Plan) -> Result<()> {
        let root = PathBuf::from(plan.root.clone().unwrap_or_else(|| ".".into()));
        let relative = Path::new(plan.request.path.trim_start_matches('/'));
        // Only plain names: no `..`, no absolute parts.
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let mut path = root.join(relative);
        if safe && tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
            path = path.join("index.html");
        }
        let file = if safe {
            tokio::fs::read(&path).await.ok()
        } else {
            None
        };
        match file {
            Some(bytes) => {
                let kind = mime_guess::from_path(&path)
                    .first_or_octet_stream()
                    .to_string();
                self.respond(
                    session,
                    200,
                    &[("Content-Type".into(), vec![kind])],
                    Bytes::from(bytes),
                    plan,
                )
                .await
            }
            None => {
                self.respond(
                    session,
                    404,
                    &[],
                    Bytes::from_static(b"404 Not Found"),
                    plan,
                )
                .await
            }
        }
    }
}

#[async_trait]
impl ProxyHttp for CaddyEdge {
    type CTX = Ctx;

    fn new_ctx(&self) -> Ctx {
        Ctx {
            started: Instant::now(),
            _admitted: None,
            received: 0,
            max_body: None,
            plan: None,
            upstream: None,
            _busy: None,
        }
    }

    fn init_downstream_modules(&self, modules: &mut HttpModules) {
        // Off until a route says `encode`.
        modules.add_module(ResponseCompressionBuilder::enable(0));
    }

    async fn early_request_filter(&self, session: &mut Session, _ctx: &mut Ctx) -> Result<()> {
        hooks::before_request(session, &self.limits)
    }

    async fn request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> Result<bool> {
        if let Err(refusal) = self
            .limits
            .admit(client_ip(session))
            .map(|a| ctx._admitted = Some(a))
        {
            refusal.write(session, false).await?;
            return Ok(true);
        }
        if !self.https && answer_acme(session, self.acme.as_deref()).await? {
            return Ok(true);
        }
        let loaded = self.routes.current();
        let routes = if self.https {
            &loaded.config.https
        } else {
            &loaded.config.http
        };
        let plan = serve::plan(routes, facts(session, self.https), &verify);
        if !self.https && matches!(plan.end, End::Nothing) && loaded.config.redirect {
            redirect(session, self.https_port).await?;
            return Ok(true);
        }
        let max_body = plan
            .max_body
            .map_or(self.limits.max_body(), |m| m.min(self.limits.max_body()));
        ctx.max_body = Some(max_body);
        let length = session
            .req_header()
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if length.is_some_and(|n| n > max_body) {
            Refusal::TooLarge.write(session, false).await?;
            return Ok(true);
        }
        if plan.encode {
            // The module read no Accept-Encoding while it was off: give it now.
            let req = session.req_header().clone();
            if let Some(c) = session
                .downstream_modules_ctx
                .get_mut::<ResponseCompression>()
            {
                c.adjust_level(5);
                c.request_filter(&req);
            }
        }
        let done = match &plan.end {
            End::Respond(r) => {
                let body = Bytes::from(r.body.clone());
                if r.close {
                    session.set_keepalive(None);
                }
                self.respond(session, r.status, &r.headers, body, &plan)
                    .await?;
                true
            }
            End::Unauthorized(realm) => {
                let challenge = format!("Basic realm=\"{}\"", realm.replace('"', ""));
                self.respond(
                    session,
                    401,
                    &[("WWW-Authenticate".into(), vec![challenge])],
                    Bytes::new(),
                    &plan,
                )
                .await?;
                true
            }
            End::Files => {
                self.serve_file(session, &plan).await?;
                true
            }
            End::Nothing => {
                self.respond(session, 200, &[], Bytes::new(), &plan).await?;
                true
            }
            End::Proxy(id) => {
                match self.choose(&loaded, *id, client_ip(session), &plan.request.path) {
                    Some(addr) => {
                        let busy = self.routes.busy(addr);
                        busy.fetch_add(1, Ordering::Relaxed);
                        ctx._busy = Some(BusyGuard(busy));
                        ctx.upstream = Some(addr);
                        false
                    }
                    None => {
                        log::warn!("no healthy upstream for {}", plan.request.path);
                        Refusal::Unavailable.write(session, false).await?;
                        true
                    }
                }
            }
        };
        ctx.plan = Some(plan);
        Ok(done)
    }

    async fn request_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        _end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> Result<()> {
        let max = ctx.max_body.unwrap_or(self.limits.max_body());
        hooks::count_body(&mut ctx.received, body, max)
    }

    async fn upstream_peer(&self, _session: &mut Session, ctx: &mut Ctx) -> Result<Box<HttpPeer>> {
        let addr = ctx
            .upstream
            .ok_or_else(|| Error::explain(ErrorType::InternalError, "no upstream chosen"))?;
        Ok(hooks::peer(addr, &self.limits))
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut RequestHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        let Some(plan) = &ctx.plan else { return Ok(()) };
        // The rewritten path and query.
        let uri = if plan.request.query.is_empty() {
            plan.request.path.clone()
        } else {
            format!("{}?{}", plan.request.path, plan.request.query)
        };
        if let Ok(uri) = uri.parse::<http::Uri>() {
            req.set_uri(uri);
        }
        if req.headers.get("host").is_none() {
            req.insert_header("Host", plan.request.host.as_str())?;
        }
        let port = self.https.then_some(self.https_port);
        for (name, value) in forwarded(client_ip(session), port) {
            req.insert_header(name, value)?;
        }
        apply_ops(req, &plan.request_headers, &plan.request)
    }

    async fn response_filter(
        &self,
        _session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        // Answers written by request_filter already carry their changes.
        if ctx.upstream.is_some()
            && let Some(plan) = &ctx.plan
        {
            apply_ops(resp, &plan.response_headers, &plan.request)?;
        }
        Ok(())
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, _ctx: &mut Ctx) -> FailToProxy {
        hooks::fail(session, e, false).await
    }

    async fn logging(&self, session: &mut Session, e: Option<&Error>, ctx: &mut Ctx) {
        hooks::log_access(session, e, ctx.started);
    }
}
