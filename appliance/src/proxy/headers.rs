//! Headers every response carries.

use pingora::http::ResponseHeader;

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
