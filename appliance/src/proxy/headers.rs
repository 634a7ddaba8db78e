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

/// A header value made once for the life of the process (what is said
/// about a listener): kept as a `'static` text, so the copy each
/// answer takes is a pointer, not a shared reference count that every
/// request on every thread increments and decrements.
fn lasting(text: String) -> HeaderValue {
    HeaderValue::from_static(Box::leak(text.into_boxed_str()))
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

/// What a Caddyfile's upstream is told besides the client's address, as
/// Caddy's `reverse_proxy` tells it: the scheme and the Host the client
/// asked for.
pub struct AsCaddy<'a> {
    pub https: bool,
    /// The client's Host (HTTP/1.1) or authority (HTTP/2, HTTP/3), as sent.
    pub host: Option<&'a HeaderValue>,
}

/// The headers an upstream gets about the request, replacing whatever the
/// client sent under those names (a client must not choose its own
/// address): `X-Forwarded-For` always (the roles' per-client limits read
/// it); for a Caddyfile's upstreams also `X-Forwarded-Proto` and
/// `X-Forwarded-Host`, the headers Caddy sends. (The built-in roles read
/// neither: they always sit behind HTTPS on the Host they are asked for.)
pub fn forwarded<'a>(
    client: Option<std::net::IpAddr>,
    caddy: Option<AsCaddy<'a>>,
) -> impl Iterator<Item = (&'static str, HeaderValue)> + 'a {
    let (proto, host) = match caddy {
        Some(AsCaddy { https, host }) => (
            Some(HeaderValue::from_static(if https {
                "https"
            } else {
                "http"
            })),
            host,
        ),
        None => (None, None),
    };
    [
        client.and_then(|ip| {
            Some((
                "X-Forwarded-For",
                HeaderValue::try_from(ip.to_string()).ok()?,
            ))
        }),
        proto.map(|proto| ("X-Forwarded-Proto", proto)),
        host.map(|host| ("X-Forwarded-Host", host.clone())),
    ]
    .into_iter()
    .flatten()
}
