//! Response compression, the same for every protocol: gzip or zstd at one
//! level, chosen by the client's Accept-Encoding (never brotli, see
//! [`LEVEL`]), for the content types pingora deems
//! compressible. Each edge (both TCP ones from their hooks, HTTP/3 from its
//! handler) drives pingora's compression context through [`Encoder`], so
//! all decide alike. Not pingora's compression module: it made a context
//! for every request, with Accept-Encoding or without, and that cost ~8 µs
//! of CPU per request in `bench/edge.py` (docs/edge.md); a request that
//! accepts no coding costs nothing here.

use bytes::Bytes;
use http::{HeaderMap, Response};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::protocols::http::compression::ResponseCompressionCtx;

use super::headers::content_length;

/// gzip and zstd at level 5, for text, JSON, SVG and the like (pingora
/// skips images, archives and bodies under 20 bytes): most of the size win
/// for pages sent to branches on slow links, at a fraction of the top
/// levels' CPU. Not brotli: pingora 0.9 never ends its brotli streams
/// (cloudflare/pingora#1013), which strict decoders (Node's fetch, the
/// brotli tools) reject.
pub const LEVEL: u32 = 5;

/// Answers that say they are shorter than this go as they are (no
/// compression, no `Vary: Accept-Encoding`), as Caddy's `encode` does by
/// default (its `minimum_length`). Under a packet, compressing shortens no
/// transfer, and each compressed answer costs a fresh gzip or zstd context:
/// zeroing its tables alone was ~200,000 instructions per answer, 2.5 times
/// what proxying a small answer costs otherwise (`bench/edge_instructions.py
/// --browser`, docs/edge.md). Most JSON answers of the API are this small.
pub const MIN_LENGTH: u64 = 512;

/// Whether the answer says it is shorter than `minimum` bytes. An answer
/// that does not say (streamed, chunked) is compressed.
fn too_short(resp: &ResponseHeader, minimum: u64) -> bool {
    content_length(&resp.headers).is_some_and(|length| length < minimum)
}

/// The encodings a response may get: every one the edge offers (its own
/// routes), or those of a Caddyfile route's `encode` (none without one).
/// Never brotli.
#[derive(Clone, Copy)]
pub enum Allowed<'a> {
    All,
    Only(&'a [String]),
}

impl Allowed<'_> {
    fn permits(self, coding: &[u8]) -> bool {
        !coding.eq_ignore_ascii_case(b"br")
            && match self {
                Allowed::All => true,
                Allowed::Only(names) => names
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(coding)),
            }
    }
}

/// The codings of an Accept-Encoding value that `keep` accepts by name
/// (any case; parameters such as `;q=` stay with their coding); `None`
/// when it keeps them all. Pingora compresses with the first coding the
/// client lists, so what may not be used is taken out before it reads them.
fn keep_codings(value: &str, keep: impl Fn(&[u8]) -> bool) -> Option<String> {
    // Run for every request that has the header (every browser's): the
    // common answer, "keep them all", allocates nothing. Cut as bytes, not
    // as text: splitting at a char pattern and trimming Unicode white space
    // cost ~2,300 instructions per browser request ("gzip, deflate, br,
    // zstd"; bench/edge_instructions.py --browser).
    let codings = || {
        value
            .as_bytes()
            .split(|b| *b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|c| !c.is_empty())
    };
    let kept = |c: &&[u8]| {
        keep(
            c.split(|b| *b == b';')
                .next()
                .unwrap_or_default()
                .trim_ascii(),
        )
    };
    if codings().all(|c| kept(&c)) {
        return None;
    }
    let mut out = Vec::with_capacity(value.len());
    for coding in codings().filter(kept) {
        if !out.is_empty() {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(coding);
    }
    // Pieces of text cut at ASCII commas and white space are text.
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The Accept-Encoding value as the compression context is to read it: the
/// client's codings that are allowed.
pub fn usable(value: &str, allowed: Allowed<'_>) -> String {
    keep_codings(value, |name| allowed.permits(name)).unwrap_or_else(|| value.to_owned())
}

/// The request's Accept-Encoding, if it is text.
pub fn accept_encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

/// A compression context at [`LEVEL`] that has read `accepted` (the
/// client's codings that are allowed, never empty) as the request's
/// Accept-Encoding.
fn context(accepted: &str) -> Option<ResponseCompressionCtx> {
    // The context reads only Accept-Encoding from the request.
    let mut req = RequestHeader::build("GET", b"/", Some(1)).ok()?;
    req.insert_header(http::header::ACCEPT_ENCODING, accepted)
        .ok()?;
    let mut ctx = ResponseCompressionCtx::new(0, false, false);
    ctx.adjust_level(LEVEL);
    ctx.request_filter(&req);
    Some(ctx)
}

/// One response's compression.
pub struct Encoder {
    state: State,
    /// The shortest answer compressed ([`MIN_LENGTH`] unless a Caddyfile's
    /// `encode` says otherwise).
    minimum: u64,
}

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder {
            state: State::Off,
            minimum: MIN_LENGTH,
        }
    }
}

enum State {
    /// The answer goes as it is.
    Off,
    /// The client accepts these codings (allowed ones only); the answer's
    /// header decides. The context is made only then, for an answer that
    /// may be compressed: making it for every request that accepts a
    /// coding (every browser's) cost ~7,500 instructions per request,
    /// most of them for answers that then went as they were (short ones,
    /// images, 304s; bench/edge_instructions.py --browser).
    Asked(String),
    /// Compressing: the context has read the final answer's header (an
    /// informational one never reaches it, see `Asked`).
    On(ResponseCompressionCtx),
}

impl Encoder {
    /// For a request with these headers.
    pub fn for_request(headers: &HeaderMap, allowed: Allowed<'_>) -> Encoder {
        let state = match accept_encoding(headers).map(|value| usable(value, allowed)) {
            Some(accepted) if !accepted.is_empty() => State::Asked(accepted),
            _ => State::Off,
        };
        Encoder {
            state,
            ..Encoder::default()
        }
    }

    /// Compress only answers of at least `minimum` bytes (a Caddyfile's
    /// `minimum_length`); `None` keeps [`MIN_LENGTH`].
    pub fn at_least(mut self, minimum: Option<u64>) -> Encoder {
        self.minimum = minimum.unwrap_or(MIN_LENGTH);
        self
    }

    /// Decide from the response header and adjust it (Content-Encoding,
    /// Vary, no Content-Length, a weak ETag; chunked for HTTP/1); `end`: no
    /// body follows.
    pub fn response_header(&mut self, resp: &mut ResponseHeader, end: bool) {
        if let State::Asked(accepted) = &self.state {
            // An informational answer: the final one decides.
            if resp.status.is_informational() {
                return;
            }
            self.state = if too_short(resp, self.minimum) {
                State::Off
            } else {
                context(accepted).map_or(State::Off, State::On)
            };
        }
        let State::On(ctx) = &mut self.state else {
            return;
        };
        ctx.response_header_filter(resp, end);
        if !ctx.is_enabled() {
            // Nothing to do for this response (its type, the client).
            self.state = State::Off;
        }
    }

    /// [`Self::response_header`] for an answer pingora proxies: the end is
    /// known from the request and the status (pingora tells its module,
    /// not the hooks). HEAD gets the header as it is.
    pub fn proxied_header(&mut self, method: &http::Method, resp: &mut ResponseHeader) {
        let end = method == http::Method::HEAD
            || resp.status == http::StatusCode::NO_CONTENT
            || resp.status == http::StatusCode::NOT_MODIFIED;
        self.response_header(resp, end);
    }

    /// A piece of a body pingora proxies, compressed in place; `end` once
    /// the body is over (the rest of the stream comes with it).
    pub fn body_filter(&mut self, body: &mut Option<Bytes>, end: bool) {
        // Not compressing, or still waiting for the final answer's header.
        let State::On(ctx) = &mut self.state else {
            return;
        };
        if let Some(out) = ctx.response_body_filter(body.as_ref(), end) {
            *body = Some(out);
        }
    }

    /// [`Self::response_header`] for HTTP/3's head.
    pub fn head(&mut self, head: &mut Response<()>, end: bool) {
        if matches!(self.state, State::Off) {
            return;
        }
        let Ok(mut resp) = ResponseHeader::build(head.status(), Some(head.headers().len())) else {
            self.state = State::Off;
            return;
        };
        for (name, value) in head.headers() {
            if resp.append_header(name.clone(), value.clone()).is_err() {
                self.state = State::Off;
                return;
            }
        }
        self.response_header(&mut resp, end);
        if !self.active() {
            return;
        }
        let mut parts = http::response::Parts::from(resp);
        // Pingora frames the new body for HTTP/1 (chunked); HTTP/3 frames
        // its own, and forbids the header (RFC 9114, 4.2).
        parts.headers.remove(http::header::TRANSFER_ENCODING);
        *head.headers_mut() = parts.headers;
    }

    /// The bytes to send for this piece of the body; `end` once the body is
    /// over (with or without a last piece). The piece itself when the
    /// response goes as it is.
    pub fn body(&mut self, data: Bytes, end: bool) -> Bytes {
        let mut body = Some(data);
        // None: the encoder gave up (and logged why); as pingora's module does, the bytes go on.
        self.body_filter(&mut body, end);
        body.unwrap_or_default()
    }

    /// Whether the body is being rewritten (then its end must be fed too).
    pub fn active(&self) -> bool {
        matches!(self.state, State::On(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_never_offered_to_the_compressor() {
        assert_eq!(usable("gzip, deflate", Allowed::All), "gzip, deflate");
        assert_eq!(
            usable("gzip, deflate, br, zstd", Allowed::All),
            "gzip, deflate, zstd"
        );
        assert_eq!(usable("br;q=1.0, gzip;q=0.8", Allowed::All), "gzip;q=0.8");
        assert_eq!(usable("BR", Allowed::All), "");
    }

    fn answer(length: Option<&str>) -> ResponseHeader {
        let mut resp = ResponseHeader::build(200, None).expect("a status");
        resp.insert_header("content-type", "application/json")
            .expect("a header");
        if let Some(length) = length {
            resp.insert_header("content-length", length)
                .expect("a header");
        }
        resp
    }

    #[test]
    fn a_short_answer_goes_as_it_is_and_a_longer_one_is_compressed() {
        let headers = |asked: &str| {
            let mut map = HeaderMap::new();
            map.insert(
                http::header::ACCEPT_ENCODING,
                asked.parse().expect("a value"),
            );
            map
        };
        for (length, compressed) in [
            (Some("511"), false),
            (Some("512"), true),
            (Some("40000"), true),
            // A streamed answer does not say its length: compressed.
            (None, true),
        ] {
            let mut encoder = Encoder::for_request(&headers("gzip"), Allowed::All);
            let mut resp = answer(length);
            encoder.response_header(&mut resp, false);
            assert_eq!(encoder.active(), compressed, "length {length:?}");
            let coding = resp.headers.get("content-encoding");
            let vary = resp.headers.get("vary");
            if compressed {
                assert_eq!(coding.map(|v| v.as_bytes()), Some(&b"gzip"[..]));
                assert!(vary.is_some(), "length {length:?}: Vary");
            } else {
                assert_eq!((coding, vary), (None, None), "length {length:?}");
                assert_eq!(resp.headers["content-length"], "511");
            }
        }
    }

    #[test]
    fn a_route_uses_only_the_encodings_it_names() {
        let gzip = ["gzip".to_owned()];
        assert_eq!(
            usable("zstd, gzip;q=0.9, br", Allowed::Only(&gzip)),
            "gzip;q=0.9"
        );
        assert_eq!(usable("zstd, br", Allowed::Only(&gzip)), "");
        assert_eq!(usable("zstd, gzip, br", Allowed::All), "zstd, gzip");
        assert_eq!(usable("zstd, gzip", Allowed::Only(&[])), "");
    }
}
