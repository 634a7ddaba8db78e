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

use super::compression;
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

/// The answer for a plan that does not go upstream (respond, redirect,
/// credentials asked for, a file, or Caddy's empty 200), with the plan's
/// header changes applied; `None` when it proxies.
pub async fn direct_answer(plan: &Plan) -> Option<http::Response<Bytes>> {
    let (status, headers, body): (u16, Vec<(String, Vec<String>)>, Bytes) = match &plan.end {
        End::Proxy(_) => return None,
        End::Respond(r) => (r.status, r.headers.clone(), Bytes::from(r.body.clone())),
        End::Unauthorized(realm) => {
            let challenge = format!("Basic realm=\"{}\"", realm.replace('"', ""));
            (
                401,
                vec![("WWW-Authenticate".into(), vec![challenge])],
                Bytes::new(),
            )
        }
        End::Files => read_file(plan).await,
        End::Nothing => (200, Vec::new(), Bytes::new()),
    };
    let mut headers_out = http::HeaderMap::new();
    for (name, values) in &headers {
        headers_out.set_field(name, values).ok()?;
    }
    if !body.is_empty() && !headers_out.contains_key(http::header::CONTENT_TYPE) {
        headers_out.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    headers_out.insert(http::header::CONTENT_LENGTH, body.len().into());
    apply_ops(&mut headers_out, &plan.response_headers, &plan.request).ok()?;
    let mut resp = http::Response::new(body);
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    *resp.headers_mut() = headers_out;
    Some(resp)
}

/// `file_server`: the file under the root, `index.html` for a directory.
async fn read_file(plan: &Plan) -> (u16, Vec<(String, Vec<String>)>, Bytes) {
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
            (
                200,
                vec![("Content-Type".into(), vec![kind])],
                Bytes::from(bytes),
            )
        }
        None => (404, Vec::new(), Bytes::from_static(b"404 Not Found")),
    }
}

pub struct CaddyEdge {
    pub routes: Arc<Routes>,
    /// This listener is the HTTPS one (else plain HTTP).
    pub https: bool,
    pub https_port: u16,
    pub limits: Arc<Limits>,
    pub acme: Option<Arc<ResolvesServerCertAcme>>,
    /// `Alt-Svc` for every answer when HTTP/3 listens too.
    pub alt_svc: Option<String>,
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
pub fn verify(auth: &BasicAuth, user: &str, password: &str) -> bool {
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
pub trait Fields {
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

impl Fields for http::HeaderMap {
    fn get_field(&self, name: &str) -> Option<String> {
        self.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    fn set_field(&mut self, name: &str, values: &[String]) -> Result<()> {
        self.remove_field(name);
        for v in values {
            self.add_field(name, v)?;
        }
        Ok(())
    }
    fn add_field(&mut self, name: &str, value: &str) -> Result<()> {
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) else {
            return Error::e_explain(
                ErrorType::InternalError,
                "a header the plan made is not valid",
            );
        };
        self.append(name, value);
        Ok(())
    }
    fn remove_field(&mut self, name: &str) {
        if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
            self.remove(name);
        }
    }
}

pub fn apply_ops(
    target: &mut impl Fields,
    ops: &[HeaderOps],
    facts: &serve::Request,
) -> Result<()> {
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
    /// Write an answer the plan made (not from an upstream).
    async fn write(&self, session: &mut Session, answer: http::Response<Bytes>) -> Result<()> {
        let (parts, body) = answer.into_parts();
        let mut resp = ResponseHeader::build(parts.status, Some(parts.headers.len() + 1))?;
        for (name, value) in &parts.headers {
            resp.append_header(name.clone(), value.clone())?;
        }
        if let Some(alt_svc) = &self.alt_svc {
            resp.insert_header("Alt-Svc", alt_svc)?;
        }
        session
            .write_response_header(Box::new(resp), body.is_empty())
            .await?;
        if !body.is_empty() {
            session.write_response_body(Some(body), true).await?;
        }
        Ok(())
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
                c.adjust_level(compression::LEVEL);
                c.request_filter(&req);
            }
        }
        if let End::Respond(r) = &plan.end
            && r.close
        {
            session.set_keepalive(None);
        }
        let done = match (&plan.end, direct_answer(&plan).await) {
            (_, Some(answer)) => {
                self.write(session, answer).await?;
                true
            }
            (End::Proxy(id), None) => {
                match self
                    .routes
                    .choose(&loaded, *id, client_ip(session), &plan.request.path)
                {
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
            (_, None) => {
                Refusal::Unavailable.write(session, false).await?;
                true
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
            if let Some(alt_svc) = &self.alt_svc {
                resp.insert_header("Alt-Svc", alt_svc)?;
            }
        }
        Ok(())
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, _ctx: &mut Ctx) -> FailToProxy {
        hooks::fail(session, e, false).await
    }

    async fn logging(&self, session: &mut Session, e: Option<&Error>, ctx: &mut Ctx) {
        hooks::log_access(session, e, ctx.started);
    }

    /// An upstream that is down has its WARN line from `fail_to_proxy`;
    /// pingora's ERROR for each such request would bury real failures in
    /// `journalctl -p err` while an upstream restarts.
    fn suppress_error_log(&self, _session: &Session, _ctx: &Ctx, e: &Error) -> bool {
        hooks::upstream_down(e)
    }
}
