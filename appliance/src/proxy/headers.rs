//! Headers every response carries.

use pingora::http::ResponseHeader;

/// The Content-Security-Policy: same-origin only, no inline script or style;
/// `wasm-unsafe-eval` lets the Leptos islands' WebAssembly instantiate.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// Set on every response, whatever the protocol.
pub const SECURITY: [(&str, &str); 6] = [
    ("Strict-Transport-Security", "max-age=31536000"),
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=()",
    ),
];

pub fn apply_security(resp: &mut ResponseHeader) -> pingora::Result<()> {
    for (name, value) in SECURITY {
        resp.insert_header(name, value)?;
    }
    Ok(())
}

/// The `Alt-Svc` value that tells browsers HTTP/3 answers on `port` (for a day).
pub fn alt_svc(port: u16) -> String {
    format!("h3=\":{port}\"; ma=86400")
}

/// The headers an upstream gets about the client, replacing whatever the
/// client sent under those names (a client must not choose its own address).
/// `https_port`: the port of an HTTPS request, `None` for plain HTTP.
pub fn forwarded(
    client: Option<std::net::IpAddr>,
    https_port: Option<u16>,
) -> Vec<(&'static str, String)> {
    let mut headers = match https_port {
        Some(port) => vec![
            ("X-Forwarded-Proto", "https".to_owned()),
            ("X-Forwarded-Port", port.to_string()),
        ],
        None => vec![("X-Forwarded-Proto", "http".to_owned())],
    };
    if let Some(ip) = client {
        headers.push(("X-Forwarded-For", ip.to_string()));
    }
    headers
}
