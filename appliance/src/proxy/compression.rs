//! Response compression, the same for every protocol: gzip or zstd at one
//! level, chosen by the client's Accept-Encoding (brotli left out, see
//! `hooks::without_brotli`), for the content types pingora deems
//! compressible. Over TCP pingora's compression module does the work; the
//! HTTP/3 handler, which is ours, drives the same pingora context through
//! [`Encoder`], so both decide alike.

use bytes::Bytes;
use http::{HeaderMap, Response};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::protocols::http::compression::ResponseCompressionCtx;

use super::hooks::without_brotli;

/// gzip and zstd at level 5, for text, JSON, SVG and the like (pingora
/// skips images, archives and bodies under 20 bytes): most of the size win
/// for pages sent to branches on slow links, at a fraction of the top
/// levels' CPU. Not brotli: pingora 0.9 never ends its brotli streams
/// (cloudflare/pingora#1013), which strict decoders (Node's fetch, the
/// brotli tools) reject.
pub const LEVEL: u32 = 5;

/// One response's compression outside pingora's module (HTTP/3).
pub struct Encoder(Option<ResponseCompressionCtx>);

impl Encoder {
    /// For a request with these headers; `level` 0 leaves responses as they are.
    pub fn for_request(headers: &HeaderMap, level: u32) -> Encoder {
        let accepted = headers
            .get(http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(|v| without_brotli(v).unwrap_or_else(|| v.to_owned()))
            .filter(|v| !v.is_empty());
        let (Some(accepted), true) = (accepted, level != 0) else {
            return Encoder(None);
        };
        // The context reads only Accept-Encoding from the request.
        let Ok(mut req) = RequestHeader::build("GET", b"/", Some(1)) else {
            return Encoder(None);
        };
        if req
            .insert_header(http::header::ACCEPT_ENCODING, accepted)
            .is_err()
        {
            return Encoder(None);
        }
        let mut ctx = ResponseCompressionCtx::new(level, false, false);
        ctx.request_filter(&req);
        Encoder(Some(ctx))
    }

    /// Decide from the response head and adjust it (Content-Encoding, Vary,
    /// no Content-Length, a weak ETag); `end`: no body follows.
    pub fn head(&mut self, head: &mut Response<()>, end: bool) {
        let Some(ctx) = &mut self.0 else { return };
        let Ok(mut resp) = ResponseHeader::build(head.status(), Some(head.headers().len())) else {
            self.0 = None;
            return;
        };
        for (name, value) in head.headers() {
            if resp.append_header(name.clone(), value.clone()).is_err() {
                self.0 = None;
                return;
            }
        }
        ctx.response_header_filter(&mut resp, end);
        if !ctx.is_enabled() {
            // Nothing to do for this response (its type, its size, the client).
            self.0 = None;
            return;
        }
        let mut headers = resp.headers.clone();
        // Pingora frames the new body for HTTP/1 (chunked); HTTP/3 frames
        // its own, and forbids the header (RFC 9114, 4.2).
        headers.remove(http::header::TRANSFER_ENCODING);
        *head.headers_mut() = headers;
    }

    /// The bytes to send for this piece of the body; `end` once the body is
    /// over (with or without a last piece). The piece itself when the
    /// response goes as it is.
    pub fn body(&mut self, data: Bytes, end: bool) -> Bytes {
        match &mut self.0 {
            // None: the encoder gave up (and logged why); as pingora's module does, the bytes go on.
            Some(ctx) => ctx.response_body_filter(Some(&data), end).unwrap_or(data),
            None => data,
        }
    }

    /// Whether the body is being rewritten (then its end must be fed too).
    pub fn active(&self) -> bool {
        self.0.is_some()
    }
}
