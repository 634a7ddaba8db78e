//! A server's `tls_connection_policies`, decided as Caddy's adapter decides
//! them: a policy per site whose `tls` changes something (here: chooses a
//! certificate file), then a catch-all `{}` when some address of the server
//! is served over TLS and nothing else would cover its handshakes — because
//! no site's policy is a catch-all already, and either there are policies
//! (a handshake for another name must still find one) or automatic HTTPS
//! will not add one (it is off, or an address has no host and is not on
//! the HTTPS port). Then catch-alls go last, equal policies become one and
//! neighbours that differ only by their names are merged.

use serde_json::{Value, json};

use super::address::Address;

/// One site block of the server, as far as its handshakes go.
pub struct SitePolicy<'a> {
    pub addresses: &'a [Address],
    /// The site has a `tls` directive.
    pub has_tls: bool,
    /// The policy its `tls` makes, when that changes something.
    pub policy: Option<Value>,
}

pub struct Server<'a> {
    pub sites: Vec<SitePolicy<'a>>,
    pub http_port: String,
    pub https_port: String,
    /// `auto_https off`.
    pub auto_https_off: bool,
    /// Hosts automatic HTTPS leaves alone (plain `http://` elsewhere).
    pub skip: &'a [String],
}

pub fn for_server(s: &Server) -> Vec<Value> {
    let mut policies: Vec<Value> = Vec::new();
    let mut has_catch_all = false;
    let mut qualifies_for_tls = false;
    let mut auto_https_adds_one = !s.auto_https_off;
    for site in &s.sites {
        if let Some(p) = &site.policy {
            has_catch_all = p.get("match").is_none();
            policies.push(p.clone());
        }
        for a in site.addresses {
            let tls_on = site.has_tls || (!a.host.is_empty() && !s.skip.contains(&a.host));
            if a.scheme == "https" || (a.scheme != "http" && a.port != s.http_port && tls_on) {
                qualifies_for_tls = true;
            }
            auto_https_adds_one &=
                a.port == s.https_port || (a.port != s.http_port && !a.host.is_empty());
        }
    }
    if qualifies_for_tls && !has_catch_all && (!policies.is_empty() || !auto_https_adds_one) {
        policies.push(json!({}));
    }
    consolidate(policies)
}

/// Catch-alls last (keeping order otherwise), duplicates dropped, and
/// adjacent policies that match only by name and agree on the rest merged.
fn consolidate(mut policies: Vec<Value>) -> Vec<Value> {
    policies.sort_by_key(|p| p.get("match").is_none());
    let mut out: Vec<Value> = Vec::new();
    for p in policies {
        if out.contains(&p) {
            continue;
        }
        if let Some(last) = out.last_mut()
            && let (Some(a), Some(b)) = (sni_only(last), sni_only(&p))
            && without_match(last) == without_match(&p)
        {
            let mut names = a;
            names.extend(b);
            last["match"] = json!({"sni": names});
            continue;
        }
        out.push(p);
    }
    out
}

fn sni_only(p: &Value) -> Option<Vec<Value>> {
    let m = p.get("match")?.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.get("sni")?.as_array().cloned()
}

fn without_match(p: &Value) -> Value {
    let mut p = p.clone();
    if let Value::Object(map) = &mut p {
        map.remove("match");
    }
    p
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::adapt::adapt;
    use crate::tree::Caddyfile;

    fn policies(text: &str) -> serde_json::Value {
        let j = adapt(&Caddyfile::parse("Caddyfile", text).expect("parses")).expect("adapts");
        j["apps"]["http"]["servers"]["srv0"]["tls_connection_policies"].clone()
    }

    #[test]
    fn a_catch_all_is_added_only_when_nothing_else_covers_the_handshakes() {
        // Automatic HTTPS adds the policy for a named site itself.
        assert_eq!(policies("erp.example.hn {\n\trespond ok\n}\n"), json!(null));
        // With it off, the adapter must.
        assert_eq!(
            policies("{\n\tauto_https off\n}\nerp.example.hn {\n\trespond ok\n}\n"),
            json!([{}])
        );
        // A site's certificate for its names, and one for the rest.
        assert_eq!(
            policies("b.example.hn, a.example.hn {\n\ttls b.pem b.key\n}\n"),
            json!([{"match": {"sni": ["a.example.hn", "b.example.hn"]},
                    "certificate_selection": {"any_tag": ["cert0"]}}, {}])
        );
        // A site without a host name: its certificate is the catch-all.
        assert_eq!(
            policies(":443 {\n\ttls a.pem a.key\n}\n"),
            json!([{"certificate_selection": {"any_tag": ["cert0"]}}])
        );
        // Neighbours with the same certificate are one policy.
        assert_eq!(
            policies(
                "a.example.hn {\n\ttls c.pem c.key\n}\nb.example.hn {\n\ttls c.pem c.key\n}\n"
            )
            .as_array()
            .map(Vec::len),
            Some(3),
            "two files are two tags: not merged"
        );
    }

    #[test]
    fn one_listener_cannot_serve_http_and_https() {
        let e = adapt(
            &Caddyfile::parse(
                "Caddyfile",
                "http://a.example.hn:8080 {\n\trespond a\n}\nhttps://b.example.hn:8080 {\n\trespond b\n}\n",
            )
            .expect("parses"),
        )
        .expect_err("refused");
        assert!(
            e.message.contains("server listening on [:8080] is configured for HTTP and cannot natively multiplex HTTP and HTTPS: https://b.example.hn:8080"),
            "{e}"
        );
        let e = adapt(
            &Caddyfile::parse("Caddyfile", "http://erp.example.hn:443 {\n}\n").expect("parses"),
        )
        .expect_err("refused");
        assert!(
            e.message.contains("scheme and port violate convention"),
            "{e}"
        );
    }
}
