//! Caddyfile placeholder shorthands (`{host}`, `{header.X}` …) written out
//! as the full names Caddy's JSON uses (`{http.request.host}` …). The names
//! are Caddy's documented vocabulary.

use crate::tree::Directive;

const SIMPLE: &[(&str, &str)] = &[
    ("host", "http.request.host"),
    ("hostport", "http.request.hostport"),
    ("port", "http.request.port"),
    ("orig_method", "http.request.orig_method"),
    ("orig_uri", "http.request.orig_uri"),
    ("orig_path", "http.request.orig_uri.path"),
    ("orig_dir", "http.request.orig_uri.path.dir"),
    ("orig_file", "http.request.orig_uri.path.file"),
    ("orig_query", "http.request.orig_uri.query"),
    ("orig_?query", "http.request.orig_uri.prefixed_query"),
    ("method", "http.request.method"),
    ("uri", "http.request.uri"),
    ("%uri", "http.request.uri_escaped"),
    ("path", "http.request.uri.path"),
    ("%path", "http.request.uri.path_escaped"),
    ("dir", "http.request.uri.path.dir"),
    ("file", "http.request.uri.path.file"),
    ("query", "http.request.uri.query"),
    ("%query", "http.request.uri.query_escaped"),
    ("?query", "http.request.uri.prefixed_query"),
    ("remote", "http.request.remote"),
    ("remote_host", "http.request.remote.host"),
    ("remote_port", "http.request.remote.port"),
    ("scheme", "http.request.scheme"),
    ("uuid", "http.request.uuid"),
    ("tls_cipher", "http.request.tls.cipher_suite"),
    ("tls_version", "http.request.tls.version"),
    (
        "tls_client_fingerprint",
        "http.request.tls.client.fingerprint",
    ),
    ("tls_client_issuer", "http.request.tls.client.issuer"),
    ("tls_client_serial", "http.request.tls.client.serial"),
    ("tls_client_subject", "http.request.tls.client.subject"),
    (
        "tls_client_certificate_pem",
        "http.request.tls.client.certificate_pem",
    ),
    (
        "tls_client_certificate_der_base64",
        "http.request.tls.client.certificate_der_base64",
    ),
    ("upstream_hostport", "http.reverse_proxy.upstream.hostport"),
    ("client_ip", "http.vars.client_ip"),
];

/// `{prefix.rest}` → `{full.rest}`; `dots`: whether the rest may hold dots.
const PARAMETERIZED: &[(&str, &str, bool)] = &[
    ("header", "http.request.header", false),
    ("cookie", "http.request.cookie", false),
    ("labels", "http.request.host.labels", false),
    ("path", "http.request.uri.path", false),
    ("file", "http.request.uri.path.file", false),
    ("query", "http.request.uri.query", false),
    ("re", "http.regexp", true),
    ("vars", "http.vars", false),
    ("rp", "http.reverse_proxy", true),
    ("resp", "http.intercept", true),
    ("err", "http.error", true),
    ("file_match", "http.matchers.file", false),
];

fn expand_key(key: &str) -> Option<String> {
    if let Some((_, full)) = SIMPLE.iter().find(|(short, _)| *short == key) {
        return Some((*full).to_owned());
    }
    for (prefix, full, dots) in PARAMETERIZED {
        if let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) {
            let ok = rest
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || (*dots && c == '.'));
            if ok {
                return Some(format!("{full}.{rest}"));
            }
        }
    }
    None
}

/// Expand every shorthand in `text`; escaped braces (`\{`) stay.
pub fn expand(text: &str) -> String {
    if !text.contains('{') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 && rest.as_bytes()[open - 1] == b'\\' {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        }
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(['}', '{']) {
            Some(close) if after.as_bytes()[close] == b'}' => {
                let key = &after[..close];
                match expand_key(key) {
                    Some(full) => {
                        out.push('{');
                        out.push_str(&full);
                        out.push('}');
                    }
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The directive with every argument's shorthands expanded, recursively.
pub fn expand_directive(d: &Directive) -> Directive {
    let mut d = d.clone();
    for a in &mut d.args {
        a.text = expand(&a.text);
    }
    d.block = d.block.iter().map(expand_directive).collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands_become_full_names() {
        assert_eq!(
            expand("{host}{uri}"),
            "{http.request.host}{http.request.uri}"
        );
        assert_eq!(
            expand("{header.X-Real-IP}"),
            "{http.request.header.X-Real-IP}"
        );
        assert_eq!(expand("{re.first_label.1}"), "{http.regexp.first_label.1}");
        assert_eq!(expand("{upstream}:80"), "{upstream}:80");
        assert_eq!(expand(r"\{host}"), r"\{host}");
        assert_eq!(expand("{env.HOME}"), "{env.HOME}");
    }
}
