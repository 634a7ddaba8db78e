//! Site addresses: `[scheme://]host[:port][/path]`, as Caddy reads them.

use super::AdaptError;
use crate::lexer::Token;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub scheme: String,
    pub host: String,
    pub port: String,
    pub path: String,
}

impl Address {
    pub fn parse(token: &Token) -> Result<Address, AdaptError> {
        let text = token.text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => (String::new(), text),
        };
        let (hostport, path) = match rest.split_once('/') {
            Some((h, p)) => (h, format!("/{p}")),
            None => (rest, String::new()),
        };
        let (host, port) = split_host_port(hostport);
        if !port.is_empty() {
            match port.parse::<i64>() {
                Ok(n) if (0..=65535).contains(&n) => {}
                Ok(n) => return Err(AdaptError::at(token, format!("port {n} is out of range"))),
                Err(_) => {
                    return Err(AdaptError::at(token, format!("invalid port '{port}'")));
                }
            }
        }
        Ok(Address {
            scheme,
            host: host.to_lowercase(),
            port: port.to_owned(),
            path,
        })
    }

    /// The port this address is served on.
    pub fn listen_port(&self, http_port: u16, https_port: u16) -> String {
        if !self.port.is_empty() {
            self.port.clone()
        } else if self.scheme == "http" {
            http_port.to_string()
        } else {
            https_port.to_string()
        }
    }
}

/// "host:port", "[v6]:port", "host", ":port".
fn split_host_port(s: &str) -> (&str, &str) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (host, after.strip_prefix(':').unwrap_or(""));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p),
        _ => (s, ""),
    }
}

/// How specific a host is for sorting sites: its length, a wildcard
/// counting less than the letters it stands for.
pub fn specificity(host: &str) -> usize {
    host.len() - host.matches('*').count()
}
