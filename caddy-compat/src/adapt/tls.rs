//! Certificates: the global `email`, `acme_ca` and `acme_ca_root`, and the
//! site directive `tls` (`internal`, an email, or a certificate and key
//! file), as Caddy's `tls` app (automation policies, loaded files) and the
//! servers' connection policies.

use serde_json::{Map, Value, json};

use super::{AdaptError, unsupported, unsupported_subdirective};
use crate::tree::Directive;

/// ZeroSSL, which Caddy adds as a second ACME issuer when no CA is chosen.
const ZEROSSL: &str = "https://acme.zerossl.com/v2/DV90";

#[derive(Default)]
pub struct Globals {
    pub email: Option<String>,
    pub acme_ca: Option<String>,
    pub acme_ca_root: Option<String>,
}

impl Globals {
    pub fn any(&self) -> bool {
        self.email.is_some() || self.acme_ca.is_some() || self.acme_ca_root.is_some()
    }

    /// The ACME issuers for `email` (a site's own, else the global one).
    fn issuers(&self, email: Option<&str>) -> Vec<Value> {
        let email = email.or(self.email.as_deref());
        let issuer = |ca: Option<&str>| {
            let mut i = Map::new();
            i.insert("module".into(), json!("acme"));
            if let Some(ca) = ca {
                i.insert("ca".into(), json!(ca));
            }
            if let Some(e) = email {
                i.insert("email".into(), json!(e));
            }
            if let Some(root) = &self.acme_ca_root {
                i.insert("trusted_roots_pem_files".into(), json!([root]));
            }
            Value::Object(i)
        };
        match &self.acme_ca {
            Some(ca) => vec![issuer(Some(ca))],
            None => vec![issuer(None), issuer(Some(ZEROSSL))],
        }
    }
}

/// A global option this module reads; `false` when it is another one.
pub fn global(d: &Directive, g: &mut Globals) -> Result<bool, AdaptError> {
    let slot = match d.name.as_str() {
        "email" => &mut g.email,
        "acme_ca" => &mut g.acme_ca,
        "acme_ca_root" => &mut g.acme_ca_root,
        _ => return Ok(false),
    };
    match d.arg_texts().as_slice() {
        [v] => *slot = Some((*v).to_owned()),
        _ => return Err(AdaptError::line(d, format!("{} takes one value", d.name))),
    }
    Ok(true)
}

/// What a site's `tls` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteTls {
    Internal,
    Email(String),
    Files { cert: String, key: String },
}

pub fn site_tls(d: &Directive) -> Result<SiteTls, AdaptError> {
    if let Some(sub) = d.block.first() {
        return Err(unsupported_subdirective(sub, "tls"));
    }
    match d.arg_texts().as_slice() {
        ["internal"] => Ok(SiteTls::Internal),
        [email] if email.contains('@') => Ok(SiteTls::Email((*email).to_owned())),
        [cert, key] => Ok(SiteTls::Files {
            cert: (*cert).to_owned(),
            key: (*key).to_owned(),
        }),
        _ => Err(unsupported(
            d,
            "form of tls (the appliance takes internal, an email, or a certificate and key)",
        )),
    }
}

/// A site as far as certificates go.
pub struct Site {
    pub hosts: Vec<String>,
    /// An address of the site has no host: it answers every name.
    pub catch_all: bool,
    pub tls: Option<SiteTls>,
}

/// The `tls` app, and the connection policy of each site with certificate
/// files (by the index of the site in `sites`).
pub fn app(sites: &[Site], g: &Globals) -> (Option<Value>, Vec<(usize, Value)>) {
    let mut policies = Vec::new();
    let mut files = Vec::new();
    let mut selections = Vec::new();
    for (i, site) in sites.iter().enumerate() {
        match &site.tls {
            Some(SiteTls::Internal) => {
                policies.push(json!({"subjects": site.hosts, "issuers": [{"module": "internal"}]}));
            }
            Some(SiteTls::Email(email)) => {
                policies.push(json!({"subjects": site.hosts, "issuers": g.issuers(Some(email))}));
            }
            Some(SiteTls::Files { cert, key }) => {
                let tag = format!("cert{}", files.len());
                files.push(json!({"certificate": cert, "key": key, "tags": [tag]}));
                // The site's names, sorted; none for a site answering any
                // name (its policy is then the catch-all).
                let mut policy = json!({"certificate_selection": {"any_tag": [tag]}});
                if !site.catch_all {
                    let mut names = site.hosts.clone();
                    names.sort();
                    policy["match"] = json!({"sni": names});
                }
                selections.push((i, policy));
            }
            None => {}
        }
    }
    if g.any() {
        // Sites without their own `tls` get the global issuers: by name,
        // or for every name when a site answers any host.
        let catch_all = sites.iter().any(|s| s.tls.is_none() && s.hosts.is_empty());
        let mut subjects: Vec<&String> = Vec::new();
        for s in sites.iter().filter(|s| s.tls.is_none()) {
            for h in s.hosts.iter().filter(|h| crate::names::is_public(h)) {
                if !subjects.contains(&h) {
                    subjects.push(h);
                }
            }
        }
        if catch_all {
            policies.push(json!({"issuers": g.issuers(None)}));
        } else if !subjects.is_empty() {
            policies.push(json!({"subjects": subjects, "issuers": g.issuers(None)}));
        }
    }
    let mut app = Map::new();
    if !files.is_empty() {
        app.insert("certificates".into(), json!({"load_files": files}));
    }
    if !policies.is_empty() {
        app.insert("automation".into(), json!({"policies": policies}));
    }
    let app = (!app.is_empty()).then_some(Value::Object(app));
    (app, selections)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::adapt::adapt;
    use crate::tree::Caddyfile;

    fn adapted(text: &str) -> serde_json::Value {
        adapt(&Caddyfile::parse("Caddyfile", text).expect("parses")).expect("adapts")
    }

    #[test]
    fn a_chosen_ca_replaces_the_default_issuers() {
        let j = adapted(
            "{\n\temail ops@example.hn\n\tacme_ca https://ca.example/dir\n\tacme_ca_root /etc/ca.pem\n}\nerp.example.hn {\n\trespond ok\n}\n",
        );
        assert_eq!(
            j["apps"]["tls"]["automation"]["policies"],
            json!([{"subjects": ["erp.example.hn"], "issuers": [{"module": "acme",
                "ca": "https://ca.example/dir", "email": "ops@example.hn",
                "trusted_roots_pem_files": ["/etc/ca.pem"]}]}])
        );
    }

    #[test]
    fn certificate_files_are_loaded_and_selected_by_name() {
        let j = adapted("erp.example.hn {\n\ttls /etc/erp.pem /etc/erp.key\n}\n");
        assert_eq!(
            j["apps"]["tls"]["certificates"]["load_files"],
            json!([{"certificate": "/etc/erp.pem", "key": "/etc/erp.key", "tags": ["cert0"]}])
        );
        assert_eq!(
            j["apps"]["http"]["servers"]["srv0"]["tls_connection_policies"],
            json!([{"match": {"sni": ["erp.example.hn"]}, "certificate_selection": {"any_tag": ["cert0"]}}, {}])
        );
    }
}
