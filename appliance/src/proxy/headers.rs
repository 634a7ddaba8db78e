//! Headers every response carries.

use http::{HeaderName, HeaderValue, header};
use pingora::http::{RequestHeader, ResponseHeader};

/// The Content-Security-Policy: same-origin only, no inline script or style;
/// `wasm-unsafe-eval` lets the Leptos islands' WebAssembly instantiate.
/// Styles, fonts and connections fall back to `default-src 'self'` (spelling
/// them out sent 50 more bytes with every answer for the same policy).
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Set on every response, whatever the protocol; the names are parsed when
/// the program is compiled and the values are never copied per response.
pub const SECURITY: [(HeaderName, HeaderValue); 6] = [
    (
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    ),
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    ),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    ),
];

/// A response the edge answers itself (a redirect), with the security
/// headers.
pub fn apply_security(resp: &mut ResponseHeader) -> pingora::Result<()> {
    for (name, value) in SECURITY {
        resp.insert_header(name, value)?;
    }
    Ok(())
}

/// An upstream's answer to a built-in route as it leaves: the security
/// headers, and `Alt-Svc` when HTTP/3 listens too, put straight into its
/// header map.
///
/// The answer leaves without the upstream's spelling of header names: over
/// HTTP/1.1 they go in lower case (pingora capitalises a few common ones,
/// such as Content-Type), as HTTP/2 and HTTP/3 always send them; names are
/// case-insensitive (RFC 9110 §5.1) and the roles send lower case anyway.
/// Keeping the spelling is what made each added header expensive: pingora's
/// `insert_header` parses the name again and inserts it twice (its map of
/// spellings beside the header map), growing both past the size they were
/// read at — a quarter of what the appliance spent per request beyond
/// pingora itself (docs/edge.md).
pub fn finish_answer(resp: &mut ResponseHeader, alt_svc: &Option<HeaderValue>) {
    in_header_map(resp, |headers| {
        headers.reserve(SECURITY.len() + 1);
        for (name, value) in SECURITY {
            headers.insert(name, value);
        }
        if let Some(value) = alt_svc {
            headers.insert(header::ALT_SVC, value.clone());
        }
    })
}

/// Change an answer's headers in its header map, leaving pingora's map of
/// spellings behind (see [`finish_answer`] for why, and what that means for
/// HTTP/1.1 clients).
pub fn in_header_map<T>(
    resp: &mut ResponseHeader,
    edit: impl FnOnce(&mut http::HeaderMap) -> T,
) -> T {
    let placeholder = ResponseHeader::from(http::Response::new(()).into_parts().0);
    let mut parts: http::response::Parts = std::mem::replace(resp, placeholder).into();
    let out = edit(&mut parts.headers);
    *resp = ResponseHeader::from(parts);
    out
}

/// The length a request or an answer says it has (Content-Length), if it
/// says one that reads as a number.
pub fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
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
) -> impl Iterator<Item = (HeaderName, HeaderValue)> + 'a {
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
        client.map(|ip| (X_FORWARDED_FOR, address_text(ip))),
        proto.map(|proto| (X_FORWARDED_PROTO, proto)),
        host.map(|host| (X_FORWARDED_HOST, host.clone())),
    ]
    .into_iter()
    .flatten()
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Headers set on the request that goes upstream, replacing the client's
/// under those names. As with [`finish_answer`], straight into the header
/// map, without pingora's second map of spellings (the upstream gets lower
/// case names, as from an HTTP/2 client): pingora's `insert_header` cost
/// ~2,500 instructions per header here, most of it growing both maps.
/// Only when the request's target is what its URI gives back (origin form
/// in UTF-8: every request a browser or API client sends); any other
/// target is kept verbatim by pingora's own insert, as before.
pub fn set_on_request(
    req: &mut RequestHeader,
    headers: impl Iterator<Item = (HeaderName, HeaderValue)>,
) -> pingora::Result<()> {
    let from_uri = req
        .uri
        .path_and_query()
        .is_some_and(|target| req.raw_path() == target.as_str().as_bytes());
    if !from_uri {
        for (name, value) in headers {
            req.insert_header(name, value)?;
        }
        return Ok(());
    }
    let end_stream = req.send_end_stream();
    let placeholder = RequestHeader::from(http::Request::new(()).into_parts().0);
    let mut parts: http::request::Parts = std::mem::replace(req, placeholder).into();
    let map = &mut parts.headers;
    // Room for what comes, grown once: at most X-Forwarded-For, -Proto,
    // -Host and Host when the iterator cannot say.
    let (_, most) = headers.size_hint();
    map.reserve(most.unwrap_or(4));
    for (name, value) in headers {
        map.insert(name, value);
    }
    *req = RequestHeader::from(parts);
    if let Some(end_stream) = end_stream {
        req.set_send_end_stream(end_stream);
    }
    Ok(())
}

/// A client's address as header text. IPv4, nearly every client, is
/// written digit by digit: through `Display` it took 1,500 instructions per
/// request (the formatter machinery, four times over), 1.5 % of all the
/// proxy spent on one.
fn address_text(ip: std::net::IpAddr) -> HeaderValue {
    let std::net::IpAddr::V4(v4) = ip else {
        return HeaderValue::try_from(ip.to_string()).expect("an IPv6 address is header text");
    };
    let mut text = [0u8; 15];
    let mut len = 0;
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text[len] = b'.';
            len += 1;
        }
        let digits = [octet / 100, octet / 10 % 10, octet % 10];
        let first = if octet >= 100 {
            0
        } else if octet >= 10 {
            1
        } else {
            2
        };
        for digit in &digits[first..] {
            text[len] = b'0' + digit;
            len += 1;
        }
    }
    HeaderValue::from_bytes(&text[..len]).expect("digits and dots are header text")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer as an HTTP/1.1 client reads it.
    fn on_the_wire(resp: &ResponseHeader) -> String {
        let mut wire = Vec::new();
        resp.header_to_h1_wire(&mut wire);
        String::from_utf8(wire).expect("header text is ASCII")
    }

    #[test]
    fn an_upstream_answer_leaves_with_every_security_header_replacing_the_upstream_s() {
        let mut resp = ResponseHeader::build(200, Some(3)).expect("a 200 head");
        resp.insert_header("Content-Type", "text/html; charset=utf-8")
            .expect("content type");
        resp.insert_header("X-Frame-Options", "SAMEORIGIN")
            .expect("the upstream's own frame option");
        resp.insert_header("x-request-id", "abc")
            .expect("a header of its own");
        let alt_svc = Some(alt_svc_value(8443));

        finish_answer(&mut resp, &alt_svc);

        let wire = on_the_wire(&resp);
        for (name, value) in SECURITY {
            let sent: Vec<_> = resp.headers.get_all(&name).iter().collect();
            assert_eq!(sent, [&value], "{name} once, with the edge's value");
        }
        // Names in lower case, as HTTP/2 sends them; pingora capitalises
        // a few common ones (Content-Type) on its own.
        assert!(
            wire.contains("strict-transport-security: max-age=31536000\r\n"),
            "{wire}"
        );
        assert!(wire.contains("x-frame-options: DENY\r\n"), "{wire}");
        assert!(
            wire.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{wire}"
        );
        assert!(
            wire.contains("alt-svc: h3=\":8443\"; ma=86400\r\n"),
            "{wire}"
        );
        assert!(wire.contains("x-request-id: abc\r\n"), "{wire}");
        assert!(!wire.contains("SAMEORIGIN"), "{wire}");
        assert_eq!(resp.status, http::StatusCode::OK);
    }

    #[test]
    fn a_client_s_address_is_written_as_display_writes_it() {
        let addresses = [
            "0.0.0.0",
            "10.0.7.255",
            "127.0.0.1",
            "192.168.100.9",
            "255.255.255.255",
            "::1",
            "2001:db8::17",
        ];
        for text in addresses {
            let ip: std::net::IpAddr = text.parse().expect("an address");
            assert_eq!(address_text(ip), text);
        }
        for octet in 0..=255u8 {
            let ip = std::net::IpAddr::from([octet, octet, 1, octet]);
            assert_eq!(address_text(ip), ip.to_string().as_str());
        }
    }

    #[test]
    fn the_upstream_request_gets_the_client_s_address_in_place_of_the_one_it_claimed() {
        for target in ["/ventas?page=2", "http://localhost/ventas?page=2"] {
            let mut req =
                RequestHeader::build("GET", target.as_bytes(), Some(2)).expect("a request");
            req.insert_header("Host", "localhost").expect("host");
            req.insert_header("X-Forwarded-For", "6.6.6.6")
                .expect("a claimed address");
            let client = "10.1.2.3".parse().ok();
            set_on_request(&mut req, forwarded(client, None)).expect("set");
            let sent: Vec<_> = req.headers.get_all(X_FORWARDED_FOR).iter().collect();
            assert_eq!(sent, ["10.1.2.3"], "{target}");
            assert_eq!(req.headers[header::HOST], "localhost", "{target}");
            assert_eq!(req.raw_path(), target.as_bytes(), "the target as sent");
            assert_eq!(req.method, http::Method::GET);
        }
    }

    #[test]
    fn without_http3_an_answer_gets_no_alt_svc() {
        let mut resp = ResponseHeader::build(404, None).expect("a 404 head");
        finish_answer(&mut resp, &None);
        assert!(!resp.headers.contains_key(header::ALT_SVC));
        assert_eq!(resp.headers.len(), SECURITY.len());
        assert_eq!(resp.status, http::StatusCode::NOT_FOUND);
    }
}
