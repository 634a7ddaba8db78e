//! The plain-HTTP listener: every request gets 308 to the same path on HTTPS.

use async_trait::async_trait;
use pingora::http::ResponseHeader;
use pingora::prelude::*;

use super::headers::apply_security;

pub struct Redirect {
    pub https_port: u16,
}

impl Redirect {
    fn location(&self, session: &Session) -> String {
        let req = session.req_header();
        let host_header = req
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri.host())
            .unwrap_or("localhost");
        let host = strip_port(host_header);
        let path = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        if self.https_port == 443 {
            format!("https://{host}{path}")
        } else {
            format!("https://{host}:{}{path}", self.https_port)
        }
    }
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
        let mut resp = ResponseHeader::build(308, Some(4))?;
        resp.insert_header("Location", self.location(session))?;
        resp.insert_header("Content-Length", "0")?;
        apply_security(&mut resp)?;
        session.write_response_header(Box::new(resp), true).await?;
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
