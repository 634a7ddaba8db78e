//! Headers every response carries, and the page shown when an upstream is down.

use bytes::Bytes;
use pingora::http::ResponseHeader;
use pingora::proxy::Session;

/// The Content-Security-Policy: same-origin only, no inline script or style;
/// `wasm-unsafe-eval` lets the Leptos islands' WebAssembly instantiate.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

pub fn apply_security(resp: &mut ResponseHeader) -> pingora::Result<()> {
    resp.insert_header("Strict-Transport-Security", "max-age=31536000")?;
    resp.insert_header("Content-Security-Policy", CSP)?;
    resp.insert_header("X-Content-Type-Options", "nosniff")?;
    resp.insert_header("Referrer-Policy", "strict-origin-when-cross-origin")?;
    resp.insert_header("X-Frame-Options", "DENY")?;
    resp.insert_header(
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=()",
    )?;
    Ok(())
}

const UNAVAILABLE_PAGE: &str = include_str!("unavailable.html");

/// Answer 503 with the Spanish page (or problem+json for API clients).
pub async fn write_unavailable(session: &mut Session, api: bool) -> pingora::Result<()> {
    let (content_type, body) = if api {
        (
            "application/problem+json",
            Bytes::from_static(
                br#"{"type":"urn:erp:problem:upstream_unavailable","title":"Service Unavailable","status":503,"detail":"El servicio no est\u00e1 disponible en este momento.","code":"upstream_unavailable"}"#,
            ),
        )
    } else {
        (
            "text/html; charset=utf-8",
            Bytes::from_static(UNAVAILABLE_PAGE.as_bytes()),
        )
    };
    let mut resp = ResponseHeader::build(503, Some(6))?;
    resp.insert_header("Content-Type", content_type)?;
    resp.insert_header("Content-Length", body.len().to_string())?;
    resp.insert_header("Retry-After", "10")?;
    resp.insert_header("Cache-Control", "no-store")?;
    apply_security(&mut resp)?;
    session.set_keepalive(None);
    session.write_response_header(Box::new(resp), false).await?;
    session.write_response_body(Some(body), true).await
}
