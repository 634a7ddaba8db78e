//! The plain-HTTP listener: every request gets 308 to the same path on
//! HTTPS, except the ACME CA's HTTP-01 checks, which get their key.

use std::sync::Arc;

use async_trait::async_trait;
use pingora::http::ResponseHeader;
use pingora::prelude::*;
use rustls_acme::ResolvesServerCertAcme;

use super::headers::apply_security;

pub struct Redirect {
    pub https_port: u16,
    /// Answers HTTP-01 checks while an order is pending.
    pub acme: Option<Arc<ResolvesServerCertAcme>>,
}

const CHALLENGE_PATH: &str = "/.well-known/acme-challenge/";

/// The same path and query on HTTPS.
pub fn location(session: &Session, https_port: u16) -> String {
    let req = session.req_header();
    let host = request_host(req);
    let path = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    if https_port == 443 {
        format!("https://{host}{path}")
    } else {
        format!("https://{host}:{https_port}{path}")
    }
}

/// The host the request names (Host, or the h2 authority), without its port.
pub fn request_host(req: &pingora::http::RequestHeader) -> &str {
    let host_header = req
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri.host())
        .unwrap_or("localhost");
    strip_port(host_header)
}

/// Answer an ACME HTTP-01 check when the request is one; true when answered.
pub async fn answer_acme(
    session: &mut Session,
    acme: Option<&ResolvesServerCertAcme>,
) -> Result<bool> {
    let path = session.req_header().uri.path();
    let (Some(acme), Some(token)) = (acme, path.strip_prefix(CHALLENGE_PATH)) else {
        return Ok(false);
    };
    let (status, body) = match acme.get_http_01_key_auth(token) {
        Some(key) => {
            log::info!("answered an ACME HTTP-01 check");
            (200, key)
        }
        None => (404, String::new()),
    };
    let mut resp = ResponseHeader::build(status, Some(3))?;
    resp.insert_header("Content-Type", "text/plain")?;
    resp.insert_header("Content-Length", body.len().to_string())?;
    session.write_response_header(Box::new(resp), false).await?;
    session
        .write_response_body(Some(bytes::Bytes::from(body)), true)
        .await?;
    Ok(true)
}

/// 308 to HTTPS.
pub async fn redirect(session: &mut Session, https_port: u16) -> Result<()> {
    let mut resp = ResponseHeader::build(308, Some(4))?;
    resp.insert_header("Location", location(session, https_port))?;
    resp.insert_header("Content-Length", "0")?;
    apply_security(&mut resp)?;
    session.write_response_header(Box::new(resp), true).await
}

/// `example.hn:80` → `example.hn`; `[::1]:80` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if let Some(end) = host.find(']') {
        return &host[..=end];
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

#[async_trait]
impl ProxyHttp for Redirect {
    type CTX = ();
    fn new_ctx(&self) {}

    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> Result<bool> {
        if !answer_acme(session, self.acme.as_deref()).await? {
            redirect(session, self.https_port).await?;
        }
        Ok(true)
    }

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Err(Error::new(ErrorType::InternalError))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_ports_from_hosts() {
        assert_eq!(super::strip_port("erp.example.hn:8080"), "erp.example.hn");
        assert_eq!(super::strip_port("erp.example.hn"), "erp.example.hn");
        assert_eq!(super::strip_port("[::1]:8080"), "[::1]");
    }
}
