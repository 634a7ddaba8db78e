//! The proxy's own health listener (`--health-listen`), plain HTTP on an
//! address of the proxy's network namespace. Under socket activation in a
//! container, the public listeners belong to the host's namespace: neither
//! the proxy's readiness check nor the container's health probe (`appliance
//! healthcheck --proxy`) can reach them, so both ask here. It answers
//! `GET /health` with 200 once pingora's services run, anything else 404.

use async_trait::async_trait;
use pingora::http::ResponseHeader;
use pingora::prelude::*;

pub struct Health;

/// The one path the health listener answers.
pub const PATH: &str = "/health";

#[async_trait]
impl ProxyHttp for Health {
    type CTX = ();
    fn new_ctx(&self) {}

    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> Result<bool> {
        let (status, body) = if session.req_header().uri.path() == PATH {
            (200, "ok\n")
        } else {
            (404, "")
        };
        let mut resp = ResponseHeader::build(status, Some(2))?;
        resp.insert_header("Content-Type", "text/plain")?;
        resp.insert_header("Content-Length", body.len().to_string())?;
        session.write_response_header(Box::new(resp), false).await?;
        session
            .write_response_body(Some(bytes::Bytes::from_static(body.as_bytes())), true)
            .await?;
        Ok(true)
    }

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Err(Error::new(ErrorType::InternalError))
    }
}
