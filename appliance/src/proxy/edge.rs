//! The HTTPS edge: route, forward client facts, add headers, and answer for
//! an upstream that is down.

use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::modules::http::HttpModules;
use pingora::modules::http::compression::ResponseCompressionBuilder;
use pingora::prelude::*;
use pingora::proxy::FailToProxy;

use super::headers::{apply_security, write_unavailable};

#[derive(Debug, Clone, Copy)]
pub struct Upstreams {
    pub api: SocketAddr,
    pub web: SocketAddr,
}

pub struct Edge {
    upstreams: Upstreams,
    https_port: u16,
}

impl Edge {
    pub fn new(upstreams: Upstreams, https_port: u16) -> Edge {
        Edge {
            upstreams,
            https_port,
        }
    }
}

/// Per-request facts the hooks share.
#[derive(Default)]
pub struct Ctx {
    api: bool,
}

/// gzip and zstd at level 5, chosen by the client's Accept-Encoding, for
/// text, JSON, SVG and the like (pingora skips images, archives and bodies
/// under 20 bytes): most of the size win for pages sent to branches on slow
/// links, at a fraction of the top levels' CPU. Not brotli: pingora 0.9
/// never ends its brotli streams (cloudflare/pingora#1013), which strict
/// decoders (Node's fetch, the brotli tools) reject.
const COMPRESSION_LEVEL: u32 = 5;

/// The Accept-Encoding value without `br`, when it had one.
fn without_brotli(value: &str) -> Option<String> {
    let codings: Vec<&str> = value.split(',').map(str::trim).collect();
    let is_br = |c: &&str| {
        c.split(';')
            .next()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("br"))
    };
    if !codings.iter().any(is_br) {
        return None;
    }
    Some(
        codings
            .into_iter()
            .filter(|c| !is_br(c) && !c.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

#[async_trait]
impl ProxyHttp for Edge {
    type CTX = Ctx;
    fn new_ctx(&self) -> Ctx {
        Ctx::default()
    }

    fn init_downstream_modules(&self, modules: &mut HttpModules) {
        modules.add_module(ResponseCompressionBuilder::enable(COMPRESSION_LEVEL));
    }

    /// Runs before the compression module reads Accept-Encoding: brotli is
    /// taken out of it, so "br, gzip" gets gzip (see COMPRESSION_LEVEL).
    async fn early_request_filter(&self, session: &mut Session, _ctx: &mut Ctx) -> Result<()> {
        let header = session.req_header().headers.get("accept-encoding");
        if let Some(kept) = header
            .and_then(|v| v.to_str().ok())
            .and_then(without_brotli)
        {
            let req = session.req_header_mut();
            if kept.is_empty() {
                req.remove_header("accept-encoding");
            } else {
                req.insert_header("accept-encoding", kept)?;
            }
        }
        Ok(())
    }

    async fn upstream_peer(&self, session: &mut Session, ctx: &mut Ctx) -> Result<Box<HttpPeer>> {
        ctx.api = is_api(session.req_header().uri.path());
        let addr = if ctx.api {
            self.upstreams.api
        } else {
            self.upstreams.web
        };
        let mut peer = HttpPeer::new(addr, false, String::new());
        peer.options.connection_timeout = Some(Duration::from_secs(2));
        peer.options.total_connection_timeout = Some(Duration::from_secs(3));
        peer.options.read_timeout = Some(Duration::from_secs(60));
        peer.options.idle_timeout = Some(Duration::from_secs(60));
        Ok(Box::new(peer))
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut RequestHeader,
        _ctx: &mut Ctx,
    ) -> Result<()> {
        // Overwrite, never append: a client must not choose its own address.
        if let Some(ip) = session
            .client_addr()
            .and_then(|a| a.as_inet())
            .map(|a| a.ip().to_string())
        {
            req.insert_header("X-Forwarded-For", ip)?;
        }
        req.insert_header("X-Forwarded-Proto", "https")?;
        req.insert_header("X-Forwarded-Port", self.https_port.to_string())?;
        // h2 requests carry the authority in the URI; HTTP/1.1 upstreams need Host.
        if req.headers.get("host").is_none()
            && let Some(authority) = session.req_header().uri.authority().map(|a| a.to_string())
        {
            req.insert_header("Host", authority)?;
        }
        Ok(())
    }

    async fn response_filter(
        &self,
        _session: &mut Session,
        resp: &mut ResponseHeader,
        _ctx: &mut Ctx,
    ) -> Result<()> {
        apply_security(resp)
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, ctx: &mut Ctx) -> FailToProxy {
        let upstream_down = matches!(e.esource(), ErrorSource::Upstream)
            || matches!(
                e.etype(),
                ErrorType::ConnectRefused | ErrorType::ConnectTimedout | ErrorType::ConnectError
            );
        if upstream_down && session.response_written().is_none() {
            log::warn!(
                "upstream unavailable for {}: {e}",
                session.req_header().uri.path()
            );
            if let Err(write_err) = write_unavailable(session, ctx.api).await {
                log::debug!("could not send the 503 page: {write_err}");
            }
            return FailToProxy {
                error_code: 503,
                can_reuse_downstream: false,
            };
        }
        let code = match e.etype() {
            ErrorType::HTTPStatus(code) => *code,
            _ if matches!(e.esource(), ErrorSource::Downstream) => 400,
            _ => 500,
        };
        if session.response_written().is_none() {
            let _ = session.respond_error(code).await;
        }
        FailToProxy {
            error_code: code,
            can_reuse_downstream: false,
        }
    }

    async fn logging(&self, session: &mut Session, e: Option<&Error>, _ctx: &mut Ctx) {
        let status = session
            .response_written()
            .map(|r| r.status.as_u16())
            .unwrap_or(0);
        let req = session.req_header();
        log::info!(
            target: "access",
            "{} {} {:?} {} {}{}",
            session.client_addr().map(|a| a.to_string()).unwrap_or_default(),
            req.method,
            req.version,
            req.uri.path(),
            status,
            e.map(|e| format!(" error={e}")).unwrap_or_default()
        );
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

    #[test]
    fn brotli_is_taken_out_of_accept_encoding() {
        use super::without_brotli;
        assert_eq!(without_brotli("gzip, deflate"), None);
        assert_eq!(
            without_brotli("gzip, deflate, br, zstd").as_deref(),
            Some("gzip, deflate, zstd")
        );
        assert_eq!(
            without_brotli("br;q=1.0, gzip;q=0.8").as_deref(),
            Some("gzip;q=0.8")
        );
        assert_eq!(without_brotli("BR").as_deref(), Some(""));
    }
}
