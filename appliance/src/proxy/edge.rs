//! The HTTPS edge: route, forward client facts, add headers, and answer for
//! an upstream that is down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::*;
use pingora::proxy::FailToProxy;

use super::compression::{Allowed, Encoder};
use super::headers::{alt_svc_value, content_length, finish_answer, forwarded, set_on_request};
use super::hooks::{self, client_ip};
use super::limits::{Admitted, Limits, Turns, UpstreamTurn};

#[derive(Debug, Clone, Copy)]
pub struct Upstreams {
    pub api: SocketAddr,
    pub web: SocketAddr,
}

impl Upstreams {
    /// `/api` and below go to the API, the rest to the web UI.
    pub fn route(&self, path: &str) -> (SocketAddr, bool) {
        if is_api(path) {
            (self.api, true)
        } else {
            (self.web, false)
        }
    }
}

pub struct Edge {
    upstreams: Upstreams,
    /// The turns at the API and at the web UI, looked up once.
    turns: (Turns, Turns),
    limits: Arc<Limits>,
    /// `Alt-Svc` for every answer when HTTP/3 listens too.
    alt_svc: Option<http::HeaderValue>,
}

impl Edge {
    pub fn new(upstreams: Upstreams, https_port: u16, limits: Arc<Limits>, http3: bool) -> Edge {
        Edge {
            upstreams,
            turns: (limits.turns(upstreams.api), limits.turns(upstreams.web)),
            limits,
            alt_svc: http3.then(|| alt_svc_value(https_port)),
        }
    }
}

/// Per-request facts the hooks share.
pub struct Ctx {
    api: bool,
    started: Instant,
    /// The client's place in the in-flight count, given back when the request ends.
    admitted: Option<Admitted>,
    /// Request body bytes received so far.
    received: u64,
    /// The request's turn at its upstream, given back when the request ends.
    turn: Option<UpstreamTurn>,
    encoder: Encoder,
}

pub(super) fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

#[async_trait]
impl ProxyHttp for Edge {
    type CTX = Ctx;
    fn new_ctx(&self) -> Ctx {
        Ctx {
            api: false,
            started: Instant::now(),
            admitted: None,
            received: 0,
            turn: None,
            encoder: Encoder::default(),
        }
    }

    async fn early_request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> Result<()> {
        hooks::before_request(session, &self.limits);
        ctx.encoder = Encoder::for_request(&session.req_header().headers, Allowed::All);
        Ok(())
    }

    /// The client's limits, before anything goes upstream.
    async fn request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> Result<bool> {
        ctx.api = self.upstreams.route(session.req_header().uri.path()).1;
        let verdict = self.limits.admit(client_ip(session)).and_then(|admitted| {
            ctx.admitted = Some(admitted);
            self.limits
                .check_length(content_length(&session.req_header().headers))
        });
        match verdict {
            Ok(()) => Ok(false),
            Err(refusal) => {
                refusal.write(session, ctx.api).await?;
                Ok(true)
            }
        }
    }

    /// A body sent without a length (chunked, or h2 without content-length)
    /// is counted as it streams through.
    async fn request_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<bytes::Bytes>,
        _end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> Result<()> {
        hooks::count_body(&mut ctx.received, body, self.limits.max_body())
    }

    async fn upstream_peer(&self, session: &mut Session, ctx: &mut Ctx) -> Result<Box<HttpPeer>> {
        let (addr, api) = self.upstreams.route(session.req_header().uri.path());
        let turns = if api { &self.turns.0 } else { &self.turns.1 };
        hooks::take_turn(turns, &mut ctx.turn).await?;
        Ok(hooks::peer(addr, &self.limits))
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut RequestHeader,
        _ctx: &mut Ctx,
    ) -> Result<()> {
        // h2 requests carry the authority in the URI; HTTP/1.1 upstreams need Host.
        let host = match session.req_header().uri.authority() {
            Some(authority) if !req.headers.contains_key(http::header::HOST) => Some((
                http::header::HOST,
                http::HeaderValue::from_str(authority.as_str())
                    .explain_err(ErrorType::InvalidHTTPHeader, |_| "the authority as Host")?,
            )),
            _ => None,
        };
        set_on_request(req, forwarded(client_ip(session), None).chain(host))
    }

    async fn response_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        finish_answer(resp, &self.alt_svc);
        ctx.encoder
            .proxied_header(&session.req_header().method, resp);
        Ok(())
    }

    fn response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<bytes::Bytes>,
        end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> Result<Option<std::time::Duration>> {
        ctx.encoder.body_filter(body, end_of_stream);
        if end_of_stream {
            ctx.admitted = None;
        }
        Ok(None)
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, ctx: &mut Ctx) -> FailToProxy {
        hooks::fail(session, e, ctx.api).await
    }

    async fn logging(&self, session: &mut Session, e: Option<&Error>, ctx: &mut Ctx) {
        hooks::log_access(session, e, ctx.started);
    }

    fn suppress_error_log(&self, _session: &Session, _ctx: &Ctx, e: &Error) -> bool {
        hooks::said_elsewhere(e)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_api_prefix_goes_to_the_api() {
        assert!(super::is_api("/api/health"));
        assert!(super::is_api("/api"));
        assert!(!super::is_api("/apiary"));
        assert!(!super::is_api("/login"));
    }
}
