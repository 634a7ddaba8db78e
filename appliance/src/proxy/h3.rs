//! HTTP/3: a QUIC listener (quinn + h3) on the HTTPS port's UDP side, with
//! the TCP edge's certificates (the same resolver), routing, security
//! headers, limits and access log. Pingora speaks no HTTP/3, so each request
//! is forwarded to its upstream here over HTTP/1.1 (hyper, pooled), its body
//! streamed through as it arrives, counted against the same size limit.
//! Responses are compressed as over TCP (`compression::Encoder`).

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use bytes::{Buf, Bytes};
use caddy_compat::serve::{self, End, Plan};
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;
use rustls::server::ResolvesServerCert;

use super::access;
use super::caddy_answers::{apply_ops, direct_answer, facts, verify};
use super::caddy_routes::{Chosen, Routes};
use super::compression::{Allowed, Encoder};
use super::edge::Upstreams;
use super::headers::{AsCaddy, SECURITY, alt_svc_value, content_length, forwarded};
use super::limits::{Admitted, Limits};
use super::refusals::Refusal;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type UpstreamBody = UnsyncBoxBody<Bytes, BoxError>;
type Upstream = Client<HttpConnector, UpstreamBody>;
type RequestStream = h3::server::RequestStream<h3_quinn::BidiStream<Bytes>, Bytes>;
/// The response side of a request's stream.
type Sender = h3::server::RequestStream<h3_quinn::SendStream<Bytes>, Bytes>;
/// The request body side of a request's stream.
type Receiver = h3::server::RequestStream<h3_quinn::RecvStream, Bytes>;

pub struct Http3 {
    socket: std::sync::Mutex<Option<UdpSocket>>,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
}

/// How requests find their upstream: the built-in API/web split, or a
/// Caddyfile's routes (the same plans as over TCP).
pub enum Routing {
    Builtin(Upstreams),
    Caddy(Arc<Routes>),
}

/// What every request handler reads.
struct Shared {
    routing: Routing,
    /// Made once: every answer the edge sends over HTTP/3 carries it.
    alt_svc: HeaderValue,
    limits: Arc<Limits>,
    client: Upstream,
}

impl Shared {
    /// The built-in routes (else a Caddyfile's): they add the security
    /// headers and answer the API's refusals as problem+json.
    fn builtin(&self) -> bool {
        matches!(self.routing, Routing::Builtin(_))
    }
}

/// Headers that describe one hop, not the message: never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

impl Http3 {
    /// The listener on `socket` (bound or inherited), not yet serving.
    pub fn new(
        socket: UdpSocket,
        resolver: Arc<dyn ResolvesServerCert>,
        routing: Routing,
        https_port: u16,
        limits: Arc<Limits>,
    ) -> anyhow::Result<Http3> {
        let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
        tls.alpn_protocols = vec![b"h3".to_vec()];
        let mut client = Client::builder(TokioExecutor::new());
        client.pool_idle_timeout(Duration::from_secs(60));
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        connector.set_nodelay(true);
        Ok(Http3 {
            socket: std::sync::Mutex::new(Some(socket)),
            tls: Arc::new(tls),
            shared: Arc::new(Shared {
                routing,
                alt_svc: alt_svc_value(https_port),
                limits,
                client: client.build(connector),
            }),
        })
    }

    fn endpoint(&self) -> anyhow::Result<quinn::Endpoint> {
        let socket = self
            .socket
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .context("the HTTP/3 listener was started twice")?;
        socket.set_nonblocking(true)?;
        let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(self.tls.clone())?;
        let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
        let mut transport = quinn::TransportConfig::default();
        transport.max_idle_timeout(Some(Duration::from_secs(60).try_into()?));
        config.transport_config(Arc::new(transport));
        Ok(quinn::Endpoint::new(
            quinn::EndpointConfig::default(),
            Some(config),
            socket,
            Arc::new(quinn::TokioRuntime),
        )?)
    }
}

#[async_trait]
impl BackgroundService for Http3 {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let endpoint = match self.endpoint() {
            Ok(e) => e,
            Err(e) => {
                log::error!("HTTP/3 is off: {e:#}");
                return;
            }
        };
        loop {
            tokio::select! {
                incoming = endpoint.accept() => {
                    let Some(incoming) = incoming else { break };
                    tokio::spawn(connection(incoming, self.shared.clone()));
                }
                _ = shutdown.changed() => break,
            }
        }
        // Tell clients to go elsewhere (h2) and give open requests a moment.
        log::info!("HTTP/3 listener stopping");
        endpoint.close(0u32.into(), b"shutting down");
        let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
    }
}

async fn connection(incoming: quinn::Incoming, shared: Arc<Shared>) {
    // The same count as TCP connections (`connections::Door`), held until
    // this connection ends.
    let Ok(_held) = shared.limits.connect(incoming.remote_address().ip()) else {
        log::debug!(
            "refusing a QUIC connection from {}: it holds too many",
            incoming.remote_address().ip()
        );
        incoming.refuse();
        return;
    };
    let conn = match incoming.await {
        Ok(c) => c,
        Err(e) => {
            log::debug!("QUIC handshake failed: {e}");
            return;
        }
    };
    let client = conn.remote_address().ip();
    let mut h3 =
        match h3::server::Connection::<_, Bytes>::new(h3_quinn::Connection::new(conn)).await {
            Ok(h) => h,
            Err(e) => {
                log::debug!("HTTP/3 setup failed with {client}: {e}");
                return;
            }
        };
    loop {
        match h3.accept().await {
            Ok(Some(resolver)) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    match resolver.resolve_request().await {
                        Ok((req, stream)) => request(req, stream, client, &shared).await,
                        Err(e) => log::debug!("HTTP/3 request from {client} unreadable: {e}"),
                    }
                });
            }
            Ok(None) => break,
            Err(e) => {
                log::debug!("HTTP/3 connection with {client} ended: {e}");
                break;
            }
        }
    }
}

/// What answering one request came to, for the access log.
struct Outcome {
    status: u16,
    bytes: usize,
    error: Option<String>,
}

impl Outcome {
    /// This outcome, with what went wrong for the access log.
    fn because(mut self, error: impl Into<String>) -> Outcome {
        self.error = Some(error.into());
        self
    }
}

async fn request(req: Request<()>, stream: RequestStream, client: IpAddr, shared: &Shared) {
    let started = Instant::now();
    let (mut send, recv) = stream.split();
    let mut unread = Some(recv);
    let outcome = answer(&req, &mut send, &mut unread, client, shared).await;
    if let Some(mut recv) = unread {
        // The answer did not need the request body (none was expected, or
        // the edge answered from the head): ask the client to stop sending
        // with H3_NO_ERROR (RFC 9114, 4.1), not the error code 0 quinn
        // sends for a stream dropped unread. No read was started on it, so
        // the stream is at hand.
        recv.stop_sending(h3::error::Code::H3_NO_ERROR);
    }
    access::Entry {
        client: Some(client),
        method: req.method().as_str(),
        path: req.uri().path(),
        protocol: "HTTP/3.0",
        status: outcome.status,
        bytes: outcome.bytes,
        started,
        error: outcome.error.as_ref().map(|e| e as &dyn std::fmt::Display),
    }
    .write();
}

/// Where a request goes, decided from its head.
// Made once per request and taken apart at once: boxing the plan would
// cost an allocation per request to save a move.
#[allow(clippy::large_enum_variant)]
enum Decision {
    Upstream {
        addr: SocketAddr,
        api: bool,
        plan: Option<Plan>,
        chosen: Option<Chosen>,
    },
    Answer(Response<Bytes>),
    Refuse(Refusal),
}

async fn decide(req: &Request<()>, client: IpAddr, shared: &Shared) -> Decision {
    let routes = match &shared.routing {
        Routing::Builtin(upstreams) => {
            let (addr, api) = upstreams.route(req.uri().path());
            return Decision::Upstream {
                addr,
                api,
                plan: None,
                chosen: None,
            };
        }
        Routing::Caddy(routes) => routes,
    };
    let loaded = routes.current();
    let facts = facts(
        &loaded.config,
        (req.method(), req.uri(), req.headers()),
        req.uri().host().unwrap_or_default(),
        Some(client),
        true,
    );
    let plan = serve::plan(&loaded.config.https, facts, &verify);
    if let Some(answer) = direct_answer(&plan).await {
        return Decision::Answer(answer);
    }
    let chosen = match plan.end {
        End::Proxy(id) => routes.choose(&loaded, id, Some(client), &plan.request.path),
        _ => None,
    };
    match chosen {
        Some(chosen) => Decision::Upstream {
            addr: chosen.addr(),
            api: false,
            plan: Some(plan),
            chosen: Some(chosen),
        },
        None => Decision::Refuse(Refusal::Unavailable),
    }
}

/// A request cleared to go upstream.
struct Cleared {
    /// The client's place in the in-flight count (see [`Admitted`]).
    admitted: Admitted,
    /// A Caddyfile's upstream, counted busy while the request is relayed.
    _chosen: Option<Chosen>,
    upstream: SocketAddr,
    api: bool,
    plan: Option<Plan>,
    max_body: u64,
    /// The request's Content-Length.
    length: Option<u64>,
}

/// What ends a request before its body is read.
enum Early {
    Refuse(Refusal, bool),
    Answer(Response<Bytes>),
}

/// The limits and the route, from the request's head.
async fn clear(req: &Request<()>, client: IpAddr, shared: &Shared) -> Result<Cleared, Early> {
    let limits = &shared.limits;
    let api_path = shared.builtin() && super::edge::is_api(req.uri().path());
    let admitted = limits
        .admit(Some(client))
        .map_err(|refusal| Early::Refuse(refusal, api_path))?;
    let (upstream, api, plan, chosen) = match decide(req, client, shared).await {
        Decision::Upstream {
            addr,
            api,
            plan,
            chosen,
        } => (addr, api, plan, chosen),
        Decision::Answer(answer) => return Err(Early::Answer(answer)),
        Decision::Refuse(refusal) => return Err(Early::Refuse(refusal, api_path)),
    };
    let max_body = plan
        .as_ref()
        .and_then(|p| p.max_body)
        .map_or(limits.max_body(), |m| m.min(limits.max_body()));
    let length = content_length(req.headers());
    if length.is_some_and(|n| n > max_body) {
        return Err(Early::Refuse(Refusal::TooLarge, api));
    }
    Ok(Cleared {
        admitted,
        _chosen: chosen,
        upstream,
        api,
        plan,
        max_body,
        length,
    })
}

async fn answer(
    req: &Request<()>,
    send: &mut Sender,
    unread: &mut Option<Receiver>,
    client: IpAddr,
    shared: &Shared,
) -> Outcome {
    let limits = &shared.limits;
    let builtin = shared.builtin();
    let cleared = match clear(req, client, shared).await {
        Ok(c) => c,
        Err(Early::Refuse(refusal, api)) => return refuse(send, refusal, api, builtin).await,
        Err(Early::Answer(answer)) => {
            let (parts, body) = answer.into_parts();
            let head = Response::from_parts(parts, ());
            return send_whole(send, head, body, Some(&shared.alt_svc), false).await;
        }
    };
    let (api, plan) = (cleared.api, cleared.plan.as_ref());
    // Held until the answer is relayed: the upstream connection is busy until then.
    let Ok(_turn) = limits.upstream_turn(cleared.upstream).await else {
        log::warn!(
            "upstream busy for {}: no turn within the upstream timeout",
            req.uri().path()
        );
        return refuse(send, Refusal::Unavailable, api, builtin)
            .await
            .because("the upstream had its most requests in flight");
    };
    let allowed = plan.map_or(Allowed::All, |p| Allowed::Only(&p.encode));
    let mut encoder = Encoder::for_request(req.headers(), allowed)
        .at_least(plan.and_then(|p| p.encode_minimum_length));
    let cut: Arc<OnceLock<Cut>> = Arc::default();
    // Hyper sends no body for a zero length, or a GET or HEAD without one;
    // the rest stream through as they arrive.
    let bodiless = match cleared.length {
        Some(n) => n == 0,
        None => matches!(*req.method(), http::Method::GET | http::Method::HEAD),
    };
    let body = match unread.take_if(|_| !bodiless) {
        Some(recv) => streamed(recv, limits.client_timeout(), cleared.max_body, cut.clone()),
        None => http_body_util::Empty::new()
            .map_err(BoxError::from)
            .boxed_unsync(),
    };
    let forwarded = match upstream_request(req, body, cleared.upstream, client, plan) {
        // A body of unknown length may be answered before it is all
        // sent (an upstream refusing it early), and the upstream then
        // closes a connection the pool would still hand to the next
        // request, which fails (503) with its own body half sent and
        // not to be sent again: such a request's connection is not kept.
        Ok(mut r) if cleared.length.is_none() && !bodiless => {
            r.headers_mut()
                .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
        Ok(r) => r,
        Err(e) => {
            let _ = respond(send, bad_request(), None, builtin).await;
            return Outcome {
                status: 400,
                bytes: 0,
                error: Some(e.to_string()),
            };
        }
    };
    let sent =
        tokio::time::timeout(limits.upstream_timeout(), shared.client.request(forwarded)).await;
    let resp = match sent {
        Ok(Ok(resp)) => resp,
        // The request failed because its body did: the client's doing.
        Ok(Err(_)) if cut.get() == Some(&Cut::TooLarge) => {
            return refuse(send, Refusal::TooLarge, api, builtin).await;
        }
        Ok(Err(_)) if cut.get().is_some() => {
            let reason = cut.get().map(|cut| format!("reading the request: {cut}"));
            return Outcome {
                status: 0,
                bytes: 0,
                error: reason,
            };
        }
        Ok(Err(e)) => {
            log::warn!("upstream unavailable for {}: {e}", req.uri().path());
            return refuse(send, Refusal::Unavailable, api, builtin)
                .await
                .because(e.to_string());
        }
        Err(_) => {
            return refuse(send, Refusal::Unavailable, api, builtin)
                .await
                .because("the upstream did not answer in time");
        }
    };
    let status = resp.status().as_u16();
    let (parts, body) = resp.into_parts();
    let empty = hyper::body::Body::is_end_stream(&body);
    let mut head = Response::builder()
        .status(parts.status)
        .body(())
        .unwrap_or_default();
    *head.headers_mut() = without_hop_by_hop(&parts.headers);
    if let Some(plan) = plan
        && let Err(e) = apply_ops(head.headers_mut(), &plan.response_headers, &plan.request)
    {
        log::debug!("a response header change failed: {e}");
    }
    encoder.head(&mut head, empty);
    if let Err(e) = respond(send, head, Some(&shared.alt_svc), builtin).await {
        return Outcome {
            status,
            bytes: 0,
            error: Some(e),
        };
    }
    let (bytes, error) = relay(
        body,
        &mut encoder,
        send,
        limits.upstream_timeout(),
        cleared.admitted,
    )
    .await;
    Outcome {
        status,
        bytes,
        error,
    }
}

/// Why a streamed request body ended early, for the answer when the
/// upstream request then fails.
#[derive(Debug, PartialEq, Eq)]
enum Cut {
    TooLarge,
    ClientFailed(String),
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::TooLarge => f.write_str("the request body passed the size limit"),
            Cut::ClientFailed(why) => f.write_str(why),
        }
    }
}

/// The request body as it arrives, for the upstream request: each piece
/// within the client timeout, and an error once it passes `max` (the
/// client is then asked to stop sending). `cut` says why it ended early.
fn streamed(recv: Receiver, timeout: Duration, max: u64, cut: Arc<OnceLock<Cut>>) -> UpstreamBody {
    let pieces = futures::stream::try_unfold((recv, 0u64), move |(mut recv, received)| {
        let cut = cut.clone();
        async move {
            let end = |why: Cut| {
                let error = BoxError::from(why.to_string());
                let _ = cut.set(why);
                error
            };
            let piece = tokio::time::timeout(timeout, recv.recv_data())
                .await
                .map_err(|_| end(Cut::ClientFailed("the client stopped sending".into())))?
                .map_err(|e| end(Cut::ClientFailed(e.to_string())))?;
            let Some(mut piece) = piece else {
                return Ok(None);
            };
            let data = piece.copy_to_bytes(piece.remaining());
            let received = received + data.len() as u64;
            if received > max {
                // No read is pending: the stream is at hand to stop.
                recv.stop_sending(h3::error::Code::H3_NO_ERROR);
                return Err(end(Cut::TooLarge));
            }
            Ok(Some((Frame::data(data), (recv, received))))
        }
    });
    StreamBody::new(pieces).boxed_unsync()
}

fn upstream_request(
    req: &Request<()>,
    body: UpstreamBody,
    upstream: SocketAddr,
    client: IpAddr,
    plan: Option<&Plan>,
) -> anyhow::Result<Request<UpstreamBody>> {
    // The path and query after the plan's rewrites.
    let rewritten = plan.map(|p| {
        if p.request.query.is_empty() {
            p.request.path.clone()
        } else {
            format!("{}?{}", p.request.path, p.request.query)
        }
    });
    let path = match &rewritten {
        Some(p) => p.as_str(),
        None => req.uri().path_and_query().map_or("/", |p| p.as_str()),
    };
    let mut out = Request::builder()
        .method(req.method())
        .uri(format!("http://{upstream}{path}"))
        .body(body)?;
    let headers = out.headers_mut();
    *headers = without_hop_by_hop(req.headers());
    let host = req
        .uri()
        .authority()
        .map(|a| HeaderValue::from_str(a.as_str()))
        .transpose()?;
    if let Some(host) = &host {
        headers.insert(http::header::HOST, host.clone());
    }
    // A plan is a Caddyfile's: its upstreams are told what Caddy tells them.
    let caddy = plan.map(|_| AsCaddy {
        https: true,
        host: host.as_ref(),
    });
    for (name, value) in forwarded(Some(client), caddy) {
        headers.insert(name, value);
    }
    if let Some(plan) = plan {
        apply_ops(headers, &plan.request_headers, &plan.request)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(out)
}

fn without_hop_by_hop(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    for name in HOP_BY_HOP {
        kept.remove(name);
    }
    kept
}

fn bad_request() -> Response<()> {
    let mut resp = Response::new(());
    *resp.status_mut() = http::StatusCode::BAD_REQUEST;
    resp
}

/// Send the response head with Alt-Svc and, for the built-in routes, the
/// security headers (a Caddyfile sets its own).
async fn respond(
    stream: &mut Sender,
    mut head: Response<()>,
    alt_svc: Option<&HeaderValue>,
    security: bool,
) -> Result<(), String> {
    let headers = head.headers_mut();
    for (name, value) in SECURITY.into_iter().filter(|_| security) {
        headers.insert(name, value);
    }
    if let Some(v) = alt_svc {
        headers.insert(http::header::ALT_SVC, v.clone());
    }
    stream.send_response(head).await.map_err(|e| e.to_string())
}

async fn refuse(stream: &mut Sender, refusal: Refusal, api: bool, security: bool) -> Outcome {
    let (parts, body) = refusal.response(api).into_parts();
    let mut outcome = send_whole(
        stream,
        Response::from_parts(parts, ()),
        body,
        None,
        security,
    )
    .await;
    outcome.status = refusal.status();
    outcome
}

/// Send a whole answer the edge made itself.
async fn send_whole(
    stream: &mut Sender,
    head: Response<()>,
    body: Bytes,
    alt_svc: Option<&HeaderValue>,
    security: bool,
) -> Outcome {
    let status = head.status().as_u16();
    let bytes = body.len();
    let sent = async {
        respond(stream, head, alt_svc, security).await?;
        if !body.is_empty() {
            stream.send_data(body).await.map_err(|e| e.to_string())?;
        }
        stream.finish().await.map_err(|e| e.to_string())
    }
    .await;
    Outcome {
        status,
        bytes,
        error: sent.err(),
    }
}

/// Stream the upstream's body to the client, through the encoder; bytes
/// sent and what went wrong. The client's place in the in-flight count
/// is given back before the stream's end goes out.
async fn relay(
    mut body: hyper::body::Incoming,
    encoder: &mut Encoder,
    stream: &mut Sender,
    timeout: Duration,
    admitted: Admitted,
) -> (usize, Option<String>) {
    let mut sent = 0;
    loop {
        let frame = match tokio::time::timeout(timeout, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break,
            Ok(Some(Err(e))) => return (sent, Some(format!("upstream body: {e}"))),
            Err(_) => return (sent, Some("the upstream stopped sending".into())),
        };
        if let Ok(data) = frame.into_data() {
            let data = encoder.body(data, false);
            sent += data.len();
            if !data.is_empty()
                && let Err(e) = stream.send_data(data).await
            {
                return (sent, Some(e.to_string()));
            }
        }
    }
    if encoder.active() {
        // What the compressor still holds, and the end of its stream.
        let rest = encoder.body(Bytes::new(), true);
        sent += rest.len();
        if !rest.is_empty()
            && let Err(e) = stream.send_data(rest).await
        {
            return (sent, Some(e.to_string()));
        }
    }
    drop(admitted);
    match stream.finish().await {
        Ok(()) => (sent, None),
        Err(e) => (sent, Some(e.to_string())),
    }
}
