//! What both TCP edges (the built-in one and the Caddyfile one) do the same
//! way at the same points of a request: timeouts before anything, the body count, the upstream's timeouts, the answer when
//! proxying fails, and the access-log line.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use pingora::prelude::*;
use pingora::proxy::FailToProxy;

use super::access;
use super::limits::{Limits, Turns, UpstreamTurn};
use super::refusals::Refusal;

pub fn client_ip(session: &Session) -> Option<IpAddr> {
    session
        .client_addr()
        .and_then(|a| a.as_inet())
        .map(|a| a.ip())
}

/// First of all: the client's timeouts (a client that stalls mid-request
/// or stops reading gives its connection back).
///
/// The upstream gets the client's Accept-Encoding as sent, brotli
/// included, as Caddy's and nginx's upstreams do (and HTTP/3's here): the
/// edge never compresses in brotli itself ([`super::compression`]), and an
/// answer the upstream encoded goes through untouched. Taking brotli out
/// of the request cost ~2,800 instructions per browser request (a rewrite
/// of the value and of the request's header map) for no answer that
/// differed.
pub fn before_request(session: &mut Session, limits: &Limits) {
    session.set_read_timeout(Some(limits.client_timeout()));
    session.set_write_timeout(Some(limits.client_timeout()));
}

/// Count a piece of a streamed body; an error (413) once past `max`.
pub fn count_body(received: &mut u64, body: &Option<bytes::Bytes>, max: u64) -> Result<()> {
    *received += body.as_ref().map_or(0, |b| b.len() as u64);
    if *received > max {
        return Error::e_explain(
            ErrorType::HTTPStatus(Refusal::TooLarge.status()),
            "the request body passed the size limit",
        );
    }
    Ok(())
}

/// An upstream over plain HTTP with the edge's timeouts.
pub fn peer(addr: SocketAddr, limits: &Limits) -> Box<HttpPeer> {
    let mut peer = HttpPeer::new(addr, false, String::new());
    peer.options.connection_timeout = Some(Duration::from_secs(2));
    peer.options.total_connection_timeout = Some(Duration::from_secs(3));
    peer.options.read_timeout = Some(limits.upstream_timeout());
    peer.options.write_timeout = Some(limits.upstream_timeout());
    peer.options.idle_timeout = Some(Duration::from_secs(60));
    Box::new(peer)
}

/// A turn at the upstream of `turns` for this request (see [`Turns::take`]),
/// in place of one at the upstream a retry moved away from. Waiting past the
/// upstream timeout fails the request as if the upstream were down (the 503
/// page).
pub async fn take_turn(turns: &Turns, turn: &mut Option<UpstreamTurn>) -> Result<()> {
    *turn = None;
    match turns.take().await {
        Ok(t) => {
            *turn = Some(t);
            Ok(())
        }
        Err(_) => Error::e_explain(
            ErrorType::ConnectTimedout,
            "the upstream had its most requests in flight for the whole upstream timeout",
        ),
    }
}

/// Whether pingora's ERROR line for a failed request would say nothing the
/// log does not already hold: an upstream down has its WARN line from
/// [`fail`], and a client that went away (closed its connection, cancelled
/// its HTTP/2 stream, stopped reading) has its access line with the error.
/// Either one, repeated per request, would bury the proxy's own failures in
/// `journalctl -p err`.
pub fn said_elsewhere(e: &Error) -> bool {
    upstream_down(e) || client_went_away(e)
}

/// The client's side of the connection failed under the request: a
/// transport error from downstream, not a request the edge refused.
fn client_went_away(e: &Error) -> bool {
    matches!(e.esource(), ErrorSource::Downstream)
        && matches!(
            e.etype(),
            ErrorType::ReadError
                | ErrorType::WriteError
                | ErrorType::ReadTimedout
                | ErrorType::WriteTimedout
                | ErrorType::ConnectionClosed
                | ErrorType::H2Error
        )
}

/// The upstream could not be reached or failed mid-answer: the client gets
/// the 503 page and the log one WARN line saying so (see [`fail`]).
pub fn upstream_down(e: &Error) -> bool {
    matches!(e.esource(), ErrorSource::Upstream)
        || matches!(
            e.etype(),
            ErrorType::ConnectRefused | ErrorType::ConnectTimedout | ErrorType::ConnectError
        )
}

/// The answer when proxying failed: the Spanish 503 page (problem+json for
/// the API) when the upstream is down, 413 for a body cut off, else
/// pingora's plain answer for the status.
pub async fn fail(session: &mut Session, e: &Error, api: bool) -> FailToProxy {
    let upstream_down = upstream_down(e);
    let code = match e.etype() {
        _ if upstream_down => 503,
        ErrorType::HTTPStatus(code) => *code,
        _ if matches!(e.esource(), ErrorSource::Downstream) => 400,
        _ => 500,
    };
    if upstream_down {
        log::warn!(
            "upstream unavailable for {}: {e}",
            session.req_header().uri.path()
        );
    }
    if session.response_written().is_none() {
        let written = match code {
            503 => Refusal::Unavailable.write(session, api).await,
            413 => Refusal::TooLarge.write(session, api).await,
            _ => session.respond_error(code).await,
        };
        if let Err(write_err) = written {
            log::debug!("could not send the {code} answer: {write_err}");
        }
    }
    FailToProxy {
        error_code: code,
        can_reuse_downstream: false,
    }
}

pub fn log_access(session: &Session, e: Option<&Error>, started: Instant) {
    let req = session.req_header();
    access::Entry {
        client: client_ip(session),
        method: req.method.as_str(),
        path: req.uri.path(),
        protocol: access::protocol(req.version),
        status: session
            .response_written()
            .map(|r| r.status.as_u16())
            .unwrap_or(0),
        bytes: session.body_bytes_sent(),
        started,
        error: e.map(|e| e as &dyn std::fmt::Display),
    }
    .write();
}
