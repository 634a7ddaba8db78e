//! The access log: one line per request, whatever the protocol. In the
//! journal each fact is also a field of its own (METHOD, PATH, STATUS,
//! BYTES, DURATION_MS, PROTOCOL, CLIENT, and ERROR when there was one), so
//! `journalctl STATUS=429` finds every refusal.

use std::net::IpAddr;
use std::time::Instant;

pub struct Entry<'a> {
    pub client: Option<IpAddr>,
    pub method: &'a str,
    pub path: &'a str,
    /// `HTTP/1.1`, `HTTP/2.0`, `HTTP/3.0`.
    pub protocol: &'a str,
    /// 0 when no answer was sent.
    pub status: u16,
    /// Response body bytes sent.
    pub bytes: usize,
    pub started: Instant,
    /// Formatted only when the line is written.
    pub error: Option<&'a dyn std::fmt::Display>,
}

/// How a version is written in the line (`HTTP/1.1`), without formatting it.
pub fn protocol(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_11 => "HTTP/1.1",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP",
    }
}

impl Entry<'_> {
    pub fn write(self) {
        // The line's text costs a few allocations per request: none when
        // the access log is off (`RUST_LOG=warn`, or `access=warn`).
        if !log::log_enabled!(target: "access", log::Level::Info) {
            return;
        }
        let Entry {
            method,
            path,
            protocol,
            status,
            bytes,
            ..
        } = self;
        let client = self.client.map(|ip| ip.to_string()).unwrap_or_default();
        let client = client.as_str();
        let duration_ms = format!("{:.3}", self.started.elapsed().as_secs_f64() * 1000.0);
        let line = format!("{client} {method} {path} {protocol} {status} {bytes} {duration_ms}ms");
        match self.error.map(|e| e.to_string()) {
            None => log::info!(
                target: "access",
                method, path, status, bytes, duration_ms, protocol, client;
                "{line}"
            ),
            Some(error) => log::info!(
                target: "access",
                method, path, status, bytes, duration_ms, protocol, client, error;
                "{line} {error}"
            ),
        }
    }
}
