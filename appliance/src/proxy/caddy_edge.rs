//! The edge driven by a Caddyfile (`appliance proxy --caddyfile`): each
//! request is evaluated against the compiled routes (caddy-compat's serve
//! module) and the plan carried out here — answer, redirect, serve a file,
//! ask for credentials, or proxy to an upstream chosen by the route's
//! policy among the healthy ones (`caddy_routes`); the answers and header
//! operations it shares with HTTP/3 are in `caddy_answers`.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use caddy_compat::serve::{self, End, Plan};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::*;
use pingora::proxy::FailToProxy;
use rustls_acme::ResolvesServerCertAcme;

use super::caddy_answers::{apply_ops, direct_answer, facts, verify};
use super::caddy_routes::{Chosen, Routes};
use super::compression::{Allowed, Encoder};
use super::headers::{AsCaddy, content_length, forwarded, in_header_map, set_on_request};
use super::hooks::{self, client_ip};
use super::limits::{Admitted, Limits, UpstreamTurn};
use super::redirect::{answer_acme, redirect, request_host};
use super::refusals::Refusal;

pub struct CaddyEdge {
    pub routes: Arc<Routes>,
    /// This listener is the HTTPS one (else plain HTTP).
    pub https: bool,
    pub https_port: u16,
    pub limits: Arc<Limits>,
    pub acme: Option<Arc<ResolvesServerCertAcme>>,
    /// `Alt-Svc` for every answer when HTTP/3 listens too.
    pub alt_svc: Option<http::HeaderValue>,
}

pub struct Ctx {
    started: Instant,
    admitted: Option<Admitted>,
    received: u64,
    max_body: Option<u64>,
    plan: Option<Plan>,
    /// The upstream the request goes to (none: the edge answered).
    chosen: Option<Chosen>,
    /// The request's turn at its upstream, given back when the request ends.
    turn: Option<UpstreamTurn>,
    /// Compression where the route says `encode` (none elsewhere).
    encoder: Encoder,
}

/// Whether a request target (as it goes on the wire) is `path`, then `?`
/// and `query` when there is one.
fn is_target(raw: &[u8], path: &str, query: &str) -> bool {
    match raw.strip_prefix(path.as_bytes()) {
        Some(rest) if query.is_empty() => rest.is_empty(),
        Some([b'?', rest @ ..]) => rest == query.as_bytes(),
        _ => false,
    }
}

impl CaddyEdge {
    /// Write an answer the plan made (not from an upstream), compressed as
    /// the route's `encode` says.
    async fn write(
        &self,
        session: &mut Session,
        encoder: &mut Encoder,
        answer: http::Response<Bytes>,
    ) -> Result<()> {
        let (mut parts, body) = answer.into_parts();
        if let Some(value) = &self.alt_svc {
            parts.headers.insert(http::header::ALT_SVC, value.clone());
        }
        let mut resp = ResponseHeader::from(parts);
        // HEAD: the header GET would get, and no body (over HTTP/2 a body
        // there breaks the stream).
        let end = body.is_empty() || session.req_header().method == http::Method::HEAD;
        encoder.response_header(&mut resp, end);
        session.write_response_header(Box::new(resp), end).await?;
        if !end {
            let mut body = Some(body);
            encoder.body_filter(&mut body, true);
            session.write_response_body(body, true).await?;
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
            admitted: None,
            received: 0,
            max_body: None,
            plan: None,
            chosen: None,
            turn: None,
            encoder: Encoder::default(),
        }
    }

    async fn early_request_filter(&self, session: &mut Session, _ctx: &mut Ctx) -> Result<()> {
        hooks::before_request(session, &self.limits);
        Ok(())
    }

    async fn request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> Result<bool> {
        if let Err(refusal) = self
            .limits
            .admit(client_ip(session))
            .map(|a| ctx.admitted = Some(a))
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
        let req = session.req_header();
        let facts = facts(
            &loaded.config,
            (&req.method, &req.uri, &req.headers),
            request_host(req),
            client_ip(session),
            self.https,
        );
        let plan = serve::plan(routes, facts, &verify);
        if !self.https && matches!(plan.end, End::Nothing) && loaded.config.redirect {
            redirect(session, self.https_port).await?;
            return Ok(true);
        }
        let max_body = plan
            .max_body
            .map_or(self.limits.max_body(), |m| m.min(self.limits.max_body()));
        ctx.max_body = Some(max_body);
        let length = content_length(&session.req_header().headers);
        if length.is_some_and(|n| n > max_body) {
            Refusal::TooLarge.write(session, false).await?;
            return Ok(true);
        }
        if !plan.encode.is_empty() {
            // Only the codings the route's `encode` names.
            ctx.encoder =
                Encoder::for_request(&session.req_header().headers, Allowed::Only(&plan.encode))
                    .at_least(plan.encode_minimum_length);
        }
        if let End::Respond(r) = &plan.end
            && r.close
        {
            session.set_keepalive(None);
        }
        let done = match (&plan.end, direct_answer(&plan).await) {
            (_, Some(answer)) => {
                ctx.admitted = None;
                self.write(session, &mut ctx.encoder, answer).await?;
                true
            }
            (End::Proxy(id), None) => {
                match self
                    .routes
                    .choose(&loaded, *id, client_ip(session), &plan.request.path)
                {
                    Some(chosen) => {
                        ctx.chosen = Some(chosen);
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
        let chosen = ctx
            .chosen
            .as_ref()
            .ok_or_else(|| Error::explain(ErrorType::InternalError, "no upstream chosen"))?;
        hooks::take_turn(chosen.turns(&self.limits), &mut ctx.turn).await?;
        Ok(hooks::peer(chosen.addr(), &self.limits))
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut RequestHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        let Some(plan) = &ctx.plan else { return Ok(()) };
        // The rewritten path and query; a request no rewrite touched keeps
        // its target as the client sent it (and is not parsed again).
        if !is_target(req.raw_path(), &plan.request.path, &plan.request.query) {
            let uri = if plan.request.query.is_empty() {
                plan.request.path.clone()
            } else {
                format!("{}?{}", plan.request.path, plan.request.query)
            };
            if let Ok(uri) = uri.parse::<http::Uri>() {
                req.set_uri(uri);
            }
        }
        // The Host as the client sent it (an HTTP/2 client: its authority),
        // port and all, as Caddy passes it on.
        let downstream = session.req_header();
        let host = match downstream.headers.get(http::header::HOST) {
            Some(host) => Some(host.clone()),
            None => downstream
                .uri
                .authority()
                .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok()),
        };
        let host_header = host
            .clone()
            .filter(|_| !req.headers.contains_key(http::header::HOST))
            .map(|host| (http::header::HOST, host));
        let caddy = AsCaddy {
            https: self.https,
            host: host.as_ref(),
        };
        set_on_request(
            req,
            forwarded(client_ip(session), Some(caddy)).chain(host_header),
        )?;
        apply_ops(req, &plan.request_headers, &plan.request)
    }

    async fn response_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        // Answers written by request_filter already carry their changes.
        if ctx.chosen.is_some()
            && let Some(plan) = &ctx.plan
        {
            // Straight into the header map, as the built-in routes' answers.
            if !plan.response_headers.is_empty() || self.alt_svc.is_some() {
                in_header_map(resp, |headers| {
                    apply_ops(headers, &plan.response_headers, &plan.request)?;
                    if let Some(value) = &self.alt_svc {
                        headers.insert(http::header::ALT_SVC, value.clone());
                    }
                    Ok::<_, Box<Error>>(())
                })?;
            }
            ctx.encoder
                .proxied_header(&session.req_header().method, resp);
        }
        Ok(())
    }

    fn response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> Result<Option<std::time::Duration>> {
        ctx.encoder.body_filter(body, end_of_stream);
        if end_of_stream {
            ctx.admitted = None;
        }
        Ok(None)
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, _ctx: &mut Ctx) -> FailToProxy {
        hooks::fail(session, e, false).await
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
    use super::is_target;

    #[test]
    fn a_target_is_its_path_and_query_exactly() {
        assert!(is_target(b"/a/b", "/a/b", ""));
        assert!(is_target(b"/a?x=1&y", "/a", "x=1&y"));
        assert!(!is_target(b"/a?", "/a", ""));
        assert!(!is_target(b"/a?x=1", "/a", ""));
        assert!(!is_target(b"/a", "/a", "x=1"));
        assert!(!is_target(b"/ab", "/a", ""));
        assert!(!is_target(b"http://h/a", "/a", ""));
        assert!(!is_target(b"/a?x=2", "/a", "x=1"));
    }
}
