//! Headers every response carries.

use http::HeaderValue;
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

/// Every response gets these, so their values are not copied per response
/// (`from_static`; the names are too: pingora keeps a `&'static str`'s
/// spelling without copying it).
pub fn apply_security(resp: &mut ResponseHeader) -> pingora::Result<()> {
    for (name, value) in SECURITY {
        resp.insert_header(name, HeaderValue::from_static(value))?;
    }
    Ok(())
}

/// The `Alt-Svc` value that tells browsers HTTP/3 answers on `port` (for a
/// day), made once per listener.
pub fn alt_svc_value(port: u16) -> HeaderValue {
    lasting(format!("h3=\":{port}\"; ma=86400"))
}

/// A header value made once for the life of the process (a listener's port
/// and what is said about it): kept as a `'static` text, so the copy each
/// answer takes is a pointer, not a shared reference count that every
/// request on every thread increments and decrements.
fn lasting(text: String) -> HeaderValue {
    HeaderValue::from_static(Box::leak(text.into_boxed_str()))
}

/// `X-Forwarded-Port` for requests to the HTTPS listener on `port`.
pub fn port_value(port: u16) -> HeaderValue {
    lasting(port.to_string())
}

/// `Alt-Svc` on a TCP answer, when the listener has HTTP/3 beside it.
pub fn apply_alt_svc(
    resp: &mut ResponseHeader,
    alt_svc: &Option<HeaderValue>,
) -> pingora::Result<()> {
    if let Some(value) = alt_svc {
        resp.insert_header(http::header::ALT_SVC, value.clone())?;
    }
    Ok(())
}

/// The headers an upstream gets about the client, replacing whatever the
/// client sent under those names (a client must not choose its own address).
/// `https_port`: the port of an HTTPS request ([`port_value`]), `None` for
/// plain HTTP.
pub fn forwarded(
    client: Option<std::net::IpAddr>,
    https_port: Option<&HeaderValue>,
) -> impl Iterator<Item = (&'static str, HeaderValue)> {
    let proto = if https_port.is_some() {
        "https"
    } else {
        "http"
    };
    [
        Some(("X-Forwarded-Proto", HeaderValue::from_static(proto))),
        https_port.map(|port| ("X-Forwarded-Port", port.clone())),
        client.and_then(|ip| {
            Some((
                "X-Forwarded-For",
                HeaderValue::try_from(ip.to_string()).ok()?,
            ))
        }),
    ]
    .into_iter()
    .flatten()
}
