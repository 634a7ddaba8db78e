//! The Caddyfile as Caddy's JSON configuration, in the shape `caddy adapt`
//! prints it, for the directives and options the appliance supports: so an
//! admin can compare the two, and the proxy reads one well-known shape.
//! Anything else is an error naming the directive (or option) and its line.

mod address;
mod admin_storage;
mod auth_encode;
mod conn_policies;
mod directives;
mod header;
mod matchers;
mod placeholders;
mod reverse_proxy;
mod size;
mod tls;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::lexer::Token;
use crate::tree::{Caddyfile, Directive};
use address::{Address, specificity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdaptError {
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl AdaptError {
    fn at(token: &Token, message: impl Into<String>) -> AdaptError {
        AdaptError {
            message: message.into(),
            file: Some(token.file.clone()),
            line: Some(token.line),
        }
    }
    fn line(d: &Directive, message: impl Into<String>) -> AdaptError {
        AdaptError {
            message: message.into(),
            file: Some(d.file.clone()),
            line: Some(d.line),
        }
    }
    fn plain(message: impl Into<String>) -> AdaptError {
        AdaptError {
            message: message.into(),
            file: None,
            line: None,
        }
    }
    /// Whether this is a refusal of something the appliance does not support.
    pub fn is_unsupported(&self) -> bool {
        self.message.starts_with("unsupported ")
    }
}

impl fmt::Display for AdaptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}, at {file}:{line}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for AdaptError {}

/// "unsupported directive 'php_fastcgi'": what the appliance does not do.
fn unsupported(d: &Directive, what: &str) -> AdaptError {
    AdaptError::line(
        d,
        format!("unsupported {what} (the appliance does not adapt it)"),
    )
}

/// "unsupported subdirective 'flush_interval' of reverse_proxy", at `sub`'s line.
fn unsupported_subdirective(sub: &Directive, parent: &str) -> AdaptError {
    unsupported(sub, &format!("subdirective '{}' of {parent}", sub.name))
}

/// Group names for mutually exclusive routes, numbered across the file.
#[derive(Default)]
pub struct Groups(usize);

impl Groups {
    fn next(&mut self) -> String {
        let name = format!("group{}", self.0);
        self.0 += 1;
        name
    }
}

struct Options {
    http_port: u16,
    https_port: u16,
    auto_https: Vec<String>,
    certificates: tls::Globals,
    /// The ports as written, for `apps.http` (Caddy prints them when set).
    ports_set: Map<String, Value>,
    /// The top-level `admin` and `storage`, when written.
    admin: Option<Value>,
    storage: Option<Value>,
}

fn port_option(d: &Directive) -> Result<u16, AdaptError> {
    match d.arg_texts().as_slice() {
        [p] => p
            .parse()
            .map_err(|_| AdaptError::line(d, format!("{}: '{p}' is not a port", d.name))),
        _ => Err(AdaptError::line(d, format!("{} takes one port", d.name))),
    }
}

fn options(global: &[Directive]) -> Result<Options, AdaptError> {
    let mut o = Options {
        http_port: 80,
        https_port: 443,
        auto_https: Vec::new(),
        certificates: tls::Globals::default(),
        ports_set: Map::new(),
        admin: None,
        storage: None,
    };
    // Applied after the loop: it goes into whatever `admin` says.
    let mut persist_off = None;
    for d in global {
        if tls::global(d, &mut o.certificates)? {
            continue;
        }
        match d.name.as_str() {
            "http_port" => {
                o.http_port = port_option(d)?;
                o.ports_set.insert("http_port".into(), json!(o.http_port));
            }
            "https_port" => {
                o.https_port = port_option(d)?;
                o.ports_set.insert("https_port".into(), json!(o.https_port));
            }
            "auto_https" => match d.arg_texts().as_slice() {
                [v @ ("off" | "disable_redirects" | "disable_certs" | "ignore_loaded_certs")] => {
                    o.auto_https.push((*v).to_owned())
                }
                _ => {
                    return Err(AdaptError::line(
                        d,
                        "auto_https takes off, disable_redirects, disable_certs or ignore_loaded_certs",
                    ));
                }
            },
            "admin" => o.admin = Some(admin_storage::admin(d)?),
            "storage" => o.storage = Some(admin_storage::storage(d)?),
            "persist_config" => persist_off = Some(d),
            other => return Err(unsupported(d, &format!("global option '{other}'"))),
        }
    }
    if let Some(d) = persist_off {
        admin_storage::persist_config(d, &mut o.admin)?;
    }
    Ok(o)
}

struct SiteBlock<'a> {
    addresses: Vec<Address>,
    keys: Vec<String>,
    directives: &'a [Directive],
}

/// Adapt a parsed Caddyfile.
pub fn adapt(cf: &Caddyfile) -> Result<Value, AdaptError> {
    let opts = options(&cf.global)?;
    if let Some(r) = cf.named_routes.first() {
        return Err(AdaptError::at(
            &r.name,
            "unsupported named route (the appliance does not adapt it)",
        ));
    }
    // Sites by the port they listen on (Caddy sorts listeners as text).
    let mut by_port: BTreeMap<String, Vec<SiteBlock>> = BTreeMap::new();
    for site in &cf.sites {
        if site.addresses.is_empty() {
            return Err(AdaptError::plain(
                "a block without an address is the global options block, and it must come first",
            ));
        }
        let mut addresses = Vec::new();
        let mut ports = Vec::new();
        for key in &site.addresses {
            let a = Address::parse(key)?;
            a.check(key, &opts)?;
            if !a.path.is_empty() {
                return Err(AdaptError::at(
                    key,
                    "unsupported path in a site address (use handle)",
                ));
            }
            let port = a.listen_port(opts.http_port, opts.https_port);
            if !ports.contains(&port) {
                ports.push(port);
            }
            addresses.push(a);
        }
        if ports.len() > 1 {
            return Err(AdaptError::at(
                &site.addresses[0],
                "unsupported site on several ports (write one site block per port)",
            ));
        }
        let block = SiteBlock {
            addresses,
            keys: site.addresses.iter().map(|k| k.text.clone()).collect(),
            directives: &site.directives,
        };
        by_port
            .entry(format!(":{}", ports[0]))
            .or_default()
            .push(block);
    }

    let mut groups = Groups::default();
    let mut servers = Map::new();
    // Every site's certificate facts, in the order of the servers' sites.
    let mut cert_sites: Vec<tls::Site> = Vec::new();
    // Each server's sites and the hosts automatic HTTPS leaves alone.
    let mut server_sites: Vec<(String, String, Vec<SiteBlock>, Vec<String>)> = Vec::new();
    for (i, (listen, mut sites)) in by_port.into_iter().enumerate() {
        for (a, sa) in sites.iter().enumerate() {
            for (b, sb) in sites.iter().enumerate() {
                if a != b
                    && let Some(k) = sa.keys.iter().find(|k| sb.keys.contains(k))
                {
                    return Err(AdaptError::plain(format!("ambiguous site definition: {k}")));
                }
            }
        }
        sort_sites(&mut sites);
        let single = sites.len() == 1;
        let mut routes = Vec::new();
        for site in &sites {
            let expanded: Vec<Directive> = site
                .directives
                .iter()
                .map(placeholders::expand_directive)
                .collect();
            let inner =
                directives::block_routes(&expanded, &Default::default(), &mut groups, true)?;
            let hosts: Vec<String> = if site.addresses.iter().any(|a| a.host.is_empty()) {
                Vec::new()
            } else {
                let mut hs: Vec<String> = Vec::new();
                for a in &site.addresses {
                    if !hs.contains(&a.host) {
                        hs.push(a.host.clone());
                    }
                }
                hs
            };
            let inner_has_host = inner.iter().any(|r| {
                r.get("match")
                    .and_then(Value::as_array)
                    .is_some_and(|sets| sets.iter().any(|s| s.get("host").is_some()))
            });
            if hosts.is_empty() && single && !inner_has_host {
                routes.extend(inner);
                continue;
            }
            if hosts.is_empty() && inner.is_empty() {
                continue;
            }
            let mut r = Map::new();
            if !hosts.is_empty() {
                r.insert("match".into(), json!([{"host": hosts}]));
            }
            if !inner.is_empty() {
                r.insert(
                    "handle".into(),
                    json!([{"handler": "subroute", "routes": inner}]),
                );
            }
            r.insert("terminal".into(), json!(true));
            routes.push(Value::Object(r));
        }
        let mut server = Map::new();
        server.insert("listen".into(), json!([&listen]));
        if !routes.is_empty() {
            server.insert("routes".into(), Value::Array(routes));
        }
        let mut auto = Map::new();
        // Sites served over plain HTTP on another port than the HTTP port:
        // automatic HTTPS must leave their names alone.
        let mut skip: Vec<String> = Vec::new();
        for site in &sites {
            for a in &site.addresses {
                let plain_elsewhere = a.scheme == "http"
                    && a.listen_port(opts.http_port, opts.https_port) != opts.http_port.to_string();
                if plain_elsewhere && !a.host.is_empty() && !skip.contains(&a.host) {
                    skip.push(a.host.clone());
                }
            }
        }
        if !skip.is_empty() {
            auto.insert("skip".into(), json!(skip.clone()));
        }
        for v in &opts.auto_https {
            let key = match v.as_str() {
                "off" => "disable",
                "disable_redirects" => "disable_redirects",
                "disable_certs" => "disable_certificates",
                _ => "ignore_loaded_certificates",
            };
            auto.insert(key.into(), json!(true));
        }
        if !auto.is_empty() {
            server.insert("automatic_https".into(), Value::Object(auto));
        }
        if let Some(logs) = access_logs(&sites)? {
            server.insert("logs".into(), logs);
        }
        for site in &sites {
            let tls = match site.directives.iter().find(|d| d.name == "tls") {
                Some(d) => Some(tls::site_tls(d)?),
                None => None,
            };
            let mut hosts: Vec<String> = Vec::new();
            for a in site.addresses.iter().filter(|a| !a.host.is_empty()) {
                if !hosts.contains(&a.host) {
                    hosts.push(a.host.clone());
                }
            }
            let catch_all = site.addresses.iter().any(|a| a.host.is_empty());
            cert_sites.push(tls::Site {
                hosts,
                catch_all,
                tls,
            });
        }
        servers.insert(format!("srv{i}"), Value::Object(server));
        server_sites.push((format!("srv{i}"), listen, sites, skip));
    }
    let (tls_app, selections) = tls::app(&cert_sites, &opts.certificates);
    let mut site_index = 0;
    for (name, listen, sites, skip) in &server_sites {
        let mut with_policies = Vec::new();
        for site in sites {
            let policy = selections
                .iter()
                .find(|(i, _)| *i == site_index)
                .map(|(_, p)| p.clone());
            site_index += 1;
            with_policies.push(conn_policies::SitePolicy {
                addresses: &site.addresses,
                has_tls: site.directives.iter().any(|d| d.name == "tls"),
                policy,
            });
        }
        let policies = conn_policies::for_server(&conn_policies::Server {
            sites: with_policies,
            http_port: opts.http_port.to_string(),
            https_port: opts.https_port.to_string(),
            auto_https_off: opts.auto_https.iter().any(|v| v == "off"),
            skip,
        });
        address::conflicting_schemes(sites, !policies.is_empty(), listen, &opts)?;
        if !policies.is_empty()
            && let Some(Value::Object(server)) = servers.get_mut(name)
        {
            server.insert("tls_connection_policies".into(), Value::Array(policies));
        }
    }
    let mut apps = Map::new();
    if !servers.is_empty() {
        let mut http = opts.ports_set.clone();
        http.insert("servers".into(), Value::Object(servers));
        apps.insert("http".into(), Value::Object(http));
    }
    if let Some(app) = tls_app {
        apps.insert("tls".into(), app);
    }
    let mut config = Map::new();
    if let Some(admin) = &opts.admin {
        config.insert("admin".into(), admin.clone());
    }
    if let Some(storage) = &opts.storage {
        config.insert("storage".into(), storage.clone());
    }
    if !apps.is_empty() {
        config.insert("apps".into(), Value::Object(apps));
    }
    Ok(Value::Object(config))
}

/// The server's `logs`: the hosts of sites with `log` log to the default
/// logger; the hosts of the others are skipped.
fn access_logs(sites: &[SiteBlock]) -> Result<Option<Value>, AdaptError> {
    fn logged<'a>(s: &SiteBlock<'a>) -> Option<&'a Directive> {
        s.directives.iter().find(|d| d.name == "log")
    }
    if !sites.iter().any(|s| logged(s).is_some()) {
        return Ok(None);
    }
    let mut names = Map::new();
    let mut skip: Vec<String> = Vec::new();
    for site in sites {
        for a in &site.addresses {
            match logged(site) {
                Some(d) if a.host.is_empty() => {
                    return Err(unsupported(d, "log on a site without a host name"));
                }
                Some(_) => {
                    names.insert(a.host.clone(), json!([""]));
                }
                None if !a.host.is_empty() && !skip.contains(&a.host) => skip.push(a.host.clone()),
                None => {}
            }
        }
    }
    skip.sort();
    let mut logs = Map::new();
    logs.insert("logger_names".into(), Value::Object(names));
    if !skip.is_empty() {
        logs.insert("skip_hosts".into(), json!(skip));
    }
    Ok(Some(Value::Object(logs)))
}

/// Most specific host first; sites matching every host last.
fn sort_sites(sites: &mut [SiteBlock]) {
    let facts = |s: &SiteBlock| {
        let wildcard = s
            .addresses
            .iter()
            .any(|a| a.host.contains('*') || a.host.is_empty());
        let longest = s
            .addresses
            .iter()
            .map(|a| specificity(&a.host))
            .max()
            .unwrap_or(0);
        (wildcard, longest)
    };
    sites.sort_by(|a, b| {
        use std::cmp::Ordering;
        let ((aw, al), (bw, bl)) = (facts(a), facts(b));
        if al == 0 && bl == 0 {
            return Ordering::Equal;
        }
        if al == 0 {
            return Ordering::Greater;
        }
        if bl == 0 {
            return Ordering::Less;
        }
        if aw != bw {
            return if bw {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        bl.cmp(&al)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_without_address_after_a_site_is_refused() {
        // Found by the fuzz target (it was an index out of bounds).
        let cf = Caddyfile::parse("Caddyfile", "a.hn {\n\trespond hi\n}\n{\n\trespond x\n}\n")
            .expect("parses");
        let e = adapt(&cf).expect_err("refused");
        assert!(e.message.contains("global options block"), "{e}");
    }
}
