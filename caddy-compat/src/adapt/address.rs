//! Site addresses: `[scheme://]host[:port][/path]`, as Caddy reads them.

use super::{AdaptError, Options, SiteBlock};
use crate::lexer::Token;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// As written.
    pub original: String,
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
            original: text.to_owned(),
            scheme,
            host: host.to_lowercase(),
            port: port.to_owned(),
            path,
        })
    }

    /// What Caddy refuses in a site address before it looks at the site:
    /// a directive's name (a directive written outside any block), a
    /// scheme it does not serve, `http://` on the HTTPS port or the other
    /// way round.
    pub fn check(&self, token: &Token, opts: &Options) -> Result<(), AdaptError> {
        if DIRECTIVES.contains(&token.text.as_str()) {
            return Err(AdaptError::plain(format!(
                "{}:{}: parsed '{}' as a site address, but it is a known directive; directives must appear in a site block",
                token.file, token.line, token.text
            )));
        }
        let refuse = |m: String| Err(AdaptError::at(token, m));
        match self.scheme.as_str() {
            "" | "http" | "https" => {}
            "wss" => {
                return refuse(
                    "the scheme wss:// is only supported in browsers; use https:// instead".into(),
                );
            }
            "ws" => {
                return refuse(
                    "the scheme ws:// is only supported in browsers; use http:// instead".into(),
                );
            }
            other => return refuse(format!("unsupported URL scheme {other}://")),
        }
        let port = self.listen_port(opts.http_port, opts.https_port);
        if (self.scheme == "http" && port == opts.https_port.to_string())
            || (self.scheme == "https" && port == opts.http_port.to_string())
        {
            return refuse(format!(
                "[{}] scheme and port violate convention",
                self.original
            ));
        }
        Ok(())
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

/// Every directive Caddy (with its standard modules) knows: a site address
/// spelled like one is a directive written outside a block.
const DIRECTIVES: &[&str] = &[
    "abort",
    "acme_server",
    "basic_auth",
    "basicauth",
    "bind",
    "copy_response",
    "copy_response_headers",
    "encode",
    "error",
    "file_server",
    "forward_auth",
    "fs",
    "handle",
    "handle_errors",
    "handle_path",
    "header",
    "intercept",
    "invoke",
    "log",
    "log_append",
    "log_name",
    "log_skip",
    "map",
    "method",
    "metrics",
    "php_fastcgi",
    "push",
    "redir",
    "request_body",
    "request_header",
    "respond",
    "reverse_proxy",
    "rewrite",
    "root",
    "route",
    "skip_log",
    "templates",
    "tls",
    "tracing",
    "try_files",
    "uri",
    "vars",
];

/// One listener cannot serve plain HTTP and HTTPS: an address is plain when
/// it says `http://` or the HTTP port (or has neither host nor TLS), and
/// HTTPS when it says `https://`, the HTTPS port, or the server has TLS
/// connection policies. Caddy's words for the conflict.
pub(super) fn conflicting_schemes(
    sites: &[SiteBlock],
    has_policies: bool,
    listen: &str,
    opts: &Options,
) -> Result<(), AdaptError> {
    let (http_port, https_port) = (opts.http_port.to_string(), opts.https_port.to_string());
    let mut seen: Option<bool> = None; // Some(true): HTTPS
    for a in sites.iter().flat_map(|s| &s.addresses) {
        let https = if a.scheme == "http" || a.port == http_port {
            false
        } else if a.scheme == "https" || a.port == https_port || has_policies {
            true
        } else if a.host.is_empty() {
            false
        } else {
            continue;
        };
        if let Some(earlier) = seen
            && earlier != https
        {
            let mut m = format!(
                "server listening on [{listen}] is configured for {} and cannot natively multiplex HTTP and HTTPS: {}",
                if earlier { "HTTPS" } else { "HTTP" },
                a.original
            );
            if !https && a.scheme.is_empty() && a.host.is_empty() {
                m.push_str(" (try specifying https:// in the address)");
            }
            return Err(AdaptError::plain(m));
        }
        if !https && has_policies {
            return Err(AdaptError::plain(format!(
                "server listening on [{listen}] is HTTP, but attempts to configure TLS connection policies"
            )));
        }
        seen = Some(https);
    }
    Ok(())
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
