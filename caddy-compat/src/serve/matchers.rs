//! Request matchers of the adapted configuration, compiled: host, path,
//! method, protocol, header, query, client address and `not`.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::Value;

use super::{Compile, Request, err};

#[derive(Debug, Clone, Default)]
pub struct MatchSet {
    host: Option<Vec<String>>,
    path: Option<Vec<String>>,
    method: Option<Vec<String>>,
    https: Option<bool>,
    /// Field (lower case) → accepted values; `None`: the field must be absent.
    header: Vec<(String, Option<Vec<String>>)>,
    query: Vec<(String, Vec<String>)>,
    client: Option<Vec<ipnet::IpNet>>,
    not: Vec<MatchSet>,
}

/// A route matches when any of its sets does (none: always).
pub fn any(sets: &[MatchSet], req: &Request) -> bool {
    sets.is_empty() || sets.iter().any(|s| s.matches(req))
}

fn strings(v: &Value, what: &str) -> Compile<Vec<String>> {
    v.as_array()
        .ok_or_else(|| err(format!("{what}: expected a list")))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| err(format!("{what}: expected text")))
        })
        .collect()
}

impl MatchSet {
    pub fn compile(v: &Value) -> Compile<MatchSet> {
        let obj = v
            .as_object()
            .ok_or_else(|| err("a matcher set is an object"))?;
        let mut m = MatchSet::default();
        for (key, value) in obj {
            match key.as_str() {
                "host" => {
                    m.host = Some(
                        strings(value, "host")?
                            .iter()
                            .map(|h| h.to_ascii_lowercase())
                            .collect(),
                    )
                }
                "path" => {
                    m.path = Some(
                        strings(value, "path")?
                            .iter()
                            .map(|p| p.to_ascii_lowercase())
                            .collect(),
                    )
                }
                "method" => m.method = Some(strings(value, "method")?),
                "protocol" => match value.as_str() {
                    Some("https") => m.https = Some(true),
                    Some("http") => m.https = Some(false),
                    other => return Err(err(format!("protocol matcher {other:?} is not served"))),
                },
                "header" => {
                    for (name, values) in value.as_object().ok_or_else(|| err("header matcher"))? {
                        let values = match values {
                            Value::Null => None,
                            v => Some(strings(v, "header")?),
                        };
                        m.header.push((name.to_ascii_lowercase(), values));
                    }
                }
                "query" => {
                    for (name, values) in value.as_object().ok_or_else(|| err("query matcher"))? {
                        m.query.push((name.clone(), strings(values, "query")?));
                    }
                }
                "remote_ip" | "client_ip" => {
                    let ranges = strings(&value["ranges"], key)?;
                    let mut nets = Vec::new();
                    for r in ranges {
                        let net = r
                            .parse::<ipnet::IpNet>()
                            .or_else(|_| r.parse::<IpAddr>().map(ipnet::IpNet::from))
                            .map_err(|_| err(format!("{key}: '{r}' is not an address or range")))?;
                        nets.push(net);
                    }
                    m.client = Some(nets);
                }
                "not" => {
                    for set in value.as_array().ok_or_else(|| err("not matcher"))? {
                        m.not.push(MatchSet::compile(set)?);
                    }
                }
                other => {
                    return Err(err(format!(
                        "matcher '{other}' is not served by the appliance"
                    )));
                }
            }
        }
        Ok(m)
    }

    fn matches(&self, req: &Request) -> bool {
        if let Some(hosts) = &self.host
            && !hosts.iter().any(|h| crate::names::matches(h, &req.host))
        {
            return false;
        }
        if let Some(paths) = &self.path {
            // Compared in lower case, as the patterns are; a path already
            // in lower case (nearly all) is not copied.
            let path = if req.path.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(req.path.to_ascii_lowercase())
            } else {
                Cow::Borrowed(req.path.as_str())
            };
            if !paths.iter().any(|p| path_matches(p, &path)) {
                return false;
            }
        }
        if let Some(methods) = &self.method
            && !methods.iter().any(|m| m.eq_ignore_ascii_case(&req.method))
        {
            return false;
        }
        if self.https.is_some_and(|https| https != req.https) {
            return false;
        }
        for (name, values) in &self.header {
            let present = req.header(name);
            let ok = match (values, present) {
                (None, found) => found.is_none(),
                (Some(_), None) => false,
                (Some(values), Some(found)) => values.iter().any(|v| wildcard(v, found)),
            };
            if !ok {
                return false;
            }
        }
        for (name, values) in &self.query {
            let found: Vec<String> = form_pairs(&req.query)
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v)
                .collect();
            if !values
                .iter()
                .any(|v| v == "*" && !found.is_empty() || found.contains(v))
            {
                return false;
            }
        }
        if let Some(nets) = &self.client
            && !req
                .client
                .is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)))
        {
            return false;
        }
        !self.not.iter().any(|n| n.matches(req))
    }
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k.to_owned(), v.to_owned())
    })
}

/// Caddy's path patterns: `/x*` a prefix, `*.php` a suffix, `*x*`
/// containing, a `*` inside matching within one segment, else exact.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let starts = pattern.starts_with('*');
    let ends = pattern.ends_with('*') && pattern.len() > 1;
    match (starts, ends) {
        _ if pattern == "*" => true,
        (true, true) => path.contains(&pattern[1..pattern.len() - 1]),
        (false, true) => path.starts_with(&pattern[..pattern.len() - 1]),
        (true, false) => path.ends_with(&pattern[1..]),
        (false, false) if pattern.contains('*') => segment_glob(pattern, path),
        (false, false) => pattern == path,
    }
}

/// `*` matches any run of characters except `/`.
fn segment_glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            let limit = rest.find('/').unwrap_or(rest.len());
            (0..=limit).any(|i| segment_glob(tail, &rest[i..]))
        }
    }
}

/// `*` at either end of a header value pattern.
fn wildcard(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(p), Some(_)) => value.contains(p.trim_end_matches('*')),
        (Some(suffix), None) => value.ends_with(suffix),
        (None, Some(prefix)) => value.starts_with(prefix),
        (None, None) => value == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_caddy_matches_them() {
        assert!(path_matches("/api/*", "/api/x/y"));
        assert!(!path_matches("/api/*", "/apix"));
        assert!(path_matches("*.php", "/a/b.php"));
        assert!(path_matches("/a/*/c", "/a/b/c"));
        assert!(!path_matches("/a/*/c", "/a/b/x/c"));
        assert!(path_matches("/exact", "/exact"));
        assert!(!path_matches("/exact", "/exact/"));
    }
}
