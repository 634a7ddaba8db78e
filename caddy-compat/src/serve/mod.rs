//! The adapted configuration (the JSON `adapt` prints) compiled for serving:
//! typed routes with their matchers and handlers, and the evaluation of a
//! request against them into a [`Plan`] the proxy carries out. What the
//! proxy cannot carry out is refused when compiling, with its name: nothing
//! in a Caddyfile is silently ignored.
//!
//! Evaluation follows Caddy's: routes in order, every matching route's
//! handlers run, `terminal` routes end the list, only the first matching
//! route of a group runs, rewrites change what later matchers see, and the
//! first responding handler (respond, file_server, reverse_proxy) ends it.

pub mod handlers;
pub mod matchers;
mod reads;

use std::net::IpAddr;

use serde_json::Value;

pub use handlers::{BasicAuth, Handler, HeaderOps, Policy, Proxy, Respond, Route};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError(pub String);

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompileError {}

pub type Compile<T> = Result<T, CompileError>;

pub(crate) fn err(message: impl Into<String>) -> CompileError {
    CompileError(message.into())
}

/// Certificates the configuration asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificates {
    /// Names to get from the ACME CA.
    pub acme: Vec<String>,
    pub email: Option<String>,
    pub ca: Option<String>,
    pub ca_root: Option<String>,
    /// Names served with the local CA.
    pub internal: Vec<String>,
    /// Certificate file, key file, the names they are for (`*`: every
    /// name no other certificate is for).
    pub files: Vec<(String, String, Vec<String>)>,
    /// The folder certificates, keys and the local CA are kept in
    /// (`storage file_system`), when the Caddyfile names one.
    pub storage: Option<String>,
}

/// How a file certificate chosen by a catch-all connection policy is named.
pub const ANY_NAME: &str = "*";

/// The admin endpoint: the appliance has none, which `admin off` says (and
/// `persist_config off`, which only says the configuration is not saved
/// back, is true of it as well). An address for one is refused.
fn no_admin_endpoint(admin: &Value) -> Compile<()> {
    if admin.is_null() || admin["disabled"].as_bool() == Some(true) {
        return Ok(());
    }
    match admin["listen"].as_str() {
        None => Ok(()),
        Some(listen) => Err(err(format!(
            "unsupported admin endpoint {listen}: the appliance has none (SIGHUP reloads the \
             Caddyfile, `appliance admin status` shows the state); write `admin off`"
        ))),
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub http_port: u16,
    pub https_port: u16,
    /// Routes of the sites served over HTTPS.
    pub https: Vec<Route>,
    /// Routes of the sites served over plain HTTP (`http://` addresses).
    pub http: Vec<Route>,
    /// Plain HTTP requests for other names go to HTTPS.
    pub redirect: bool,
    pub certificates: Certificates,
    /// Every `reverse_proxy`, by id.
    pub proxies: Vec<Proxy>,
    /// The request header fields (lower case) the routes read: all a
    /// [`Request`] needs to carry.
    pub read_headers: Vec<String>,
}

fn port(v: &Value, default: u16) -> u16 {
    v.as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(default)
}

fn collect_proxies(routes: &[Route], out: &mut Vec<Proxy>) {
    for r in routes {
        for h in &r.handlers {
            match h {
                Handler::Subroute(inner) => collect_proxies(inner, out),
                Handler::ReverseProxy(p) => out.push(p.clone()),
                _ => {}
            }
        }
    }
}

/// The host names the top-level routes of a server match.
fn route_hosts(server: &Value) -> Vec<String> {
    let mut hosts = Vec::new();
    for r in server["routes"].as_array().into_iter().flatten() {
        for set in r["match"].as_array().into_iter().flatten() {
            for h in set["host"].as_array().into_iter().flatten() {
                if let Some(h) = h.as_str()
                    && !hosts.iter().any(|x: &String| x == h)
                {
                    hosts.push(h.to_owned());
                }
            }
        }
    }
    hosts
}

impl Config {
    /// Compile the JSON `adapt` made.
    pub fn compile(json: &Value) -> Compile<Config> {
        no_admin_endpoint(&json["admin"])?;
        let http_app = &json["apps"]["http"];
        let http_port = port(&http_app["http_port"], 80);
        let https_port = port(&http_app["https_port"], 443);
        let mut config = Config {
            http_port,
            https_port,
            https: Vec::new(),
            http: Vec::new(),
            redirect: true,
            certificates: Certificates::default(),
            proxies: Vec::new(),
            read_headers: reads::read_headers(json),
        };
        let mut next_proxy = 0;
        let mut https_hosts = Vec::new();
        for (name, server) in http_app["servers"].as_object().into_iter().flatten() {
            let listen: Vec<&str> = server["listen"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let [listen] = listen.as_slice() else {
                return Err(err(format!("{name}: one listener per server is served")));
            };
            let listen_port: u16 = listen
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| err(format!("{name}: listener '{listen}'")))?;
            let routes = handlers::routes(&server["routes"], &mut next_proxy)?;
            let auto = &server["automatic_https"];
            if auto["disable"].as_bool() == Some(true)
                || auto["disable_redirects"].as_bool() == Some(true)
            {
                config.redirect = false;
            }
            if listen_port == https_port {
                config.https = routes;
                https_hosts = route_hosts(server);
            } else if listen_port == http_port {
                config.http = routes;
            } else {
                return Err(err(format!(
                    "sites on port {listen_port}: the appliance serves the HTTP port ({http_port}) and the HTTPS port ({https_port}) only"
                )));
            }
        }
        collect_proxies(&config.https, &mut config.proxies);
        collect_proxies(&config.http, &mut config.proxies);
        config.certificates = certificates(&json["apps"]["tls"], &https_hosts)?;
        config.certificates.storage = json["storage"]["root"].as_str().map(str::to_owned);
        // Which names each loaded certificate file serves (by its tag).
        for server in http_app["servers"]
            .as_object()
            .into_iter()
            .flat_map(|s| s.values())
        {
            for policy in server["tls_connection_policies"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let tag = policy["certificate_selection"]["any_tag"][0].as_str();
                let index = tag
                    .and_then(|t| t.strip_prefix("cert"))
                    .and_then(|n| n.parse::<usize>().ok());
                if let Some(file) = index.and_then(|i| config.certificates.files.get_mut(i)) {
                    if policy.get("match").is_none() {
                        file.2.push(ANY_NAME.to_owned());
                    }
                    for name in policy["match"]["sni"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        file.2.push(name.to_owned());
                    }
                }
            }
        }
        let with_files: Vec<String> = config
            .certificates
            .files
            .iter()
            .flat_map(|f| f.2.clone())
            .collect();
        config.certificates.acme.retain(|h| !with_files.contains(h));
        config
            .certificates
            .internal
            .retain(|h| !with_files.contains(h));
        Ok(config)
    }
}

/// What the tls app and the HTTPS hosts ask for: files and `internal` as
/// said; every other public name from the ACME CA (automatic HTTPS).
fn certificates(tls: &Value, https_hosts: &[String]) -> Compile<Certificates> {
    let mut c = Certificates::default();
    for f in tls["certificates"]["load_files"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let (Some(cert), Some(key)) = (f["certificate"].as_str(), f["key"].as_str()) else {
            return Err(err("load_files: certificate and key"));
        };
        c.files.push((cert.to_owned(), key.to_owned(), Vec::new()));
    }
    let mut claimed: Vec<String> = Vec::new();
    for p in tls["automation"]["policies"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let subjects: Vec<String> = p["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        let issuer = &p["issuers"][0];
        match issuer["module"].as_str() {
            Some("internal") => {
                c.internal.extend(subjects.iter().cloned());
                claimed.extend(subjects);
            }
            Some("acme") => {
                c.email = c
                    .email
                    .take()
                    .or(issuer["email"].as_str().map(str::to_owned));
                c.ca = c.ca.take().or(issuer["ca"].as_str().map(str::to_owned));
                c.ca_root = c.ca_root.take().or(issuer["trusted_roots_pem_files"][0]
                    .as_str()
                    .map(str::to_owned));
            }
            other => return Err(err(format!("certificate issuer {other:?} is not served"))),
        }
    }
    // The file certificates are selected by name in the connection
    // policies; a file serves the hosts no policy gave to something else.
    for host in https_hosts {
        if claimed.contains(host) {
            continue;
        }
        if crate::names::is_public(host) && !host.contains('*') {
            c.acme.push(host.clone());
        } else {
            c.internal.push(host.clone());
        }
    }
    Ok(c)
}

/// What the matchers and placeholders read from a request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// Without the port, lower case.
    pub host: String,
    pub path: String,
    /// Without the `?`.
    pub query: String,
    /// Lower-case names; the proxy fills in those the configuration
    /// reads ([`Config::read_headers`]).
    pub headers: Vec<(String, String)>,
    pub client: Option<IpAddr>,
    pub https: bool,
}

impl Request {
    pub fn header(&self, lower_name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == lower_name)
            .map(|(_, v)| v.as_str())
    }

    fn uri(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// `{http.request.…}` placeholders; unknown ones become empty, as in Caddy.
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            let name = &rest[start + 1..start + len];
            out.push_str(&self.placeholder(name));
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    fn placeholder(&self, name: &str) -> String {
        let Some(key) = name.strip_prefix("http.request.") else {
            return String::new();
        };
        match key {
            "uri" => self.uri(),
            "uri.path" => self.path.clone(),
            "uri.query" => self.query.clone(),
            "host" => self.host.clone(),
            "method" => self.method.clone(),
            "scheme" => if self.https { "https" } else { "http" }.into(),
            "remote.host" => self.client.map(|c| c.to_string()).unwrap_or_default(),
            _ => match key.strip_prefix("header.") {
                Some(h) => self
                    .header(&h.to_ascii_lowercase())
                    .unwrap_or_default()
                    .to_owned(),
                None => String::new(),
            },
        }
    }
}

/// How the request ends.
#[derive(Debug, Clone)]
pub enum End {
    Respond(Respond),
    Files,
    Proxy(usize),
    /// Basic authentication failed: 401 with the realm.
    Unauthorized(String),
    /// No handler answered: Caddy's empty 200.
    Nothing,
}

/// What the proxy does with a request.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The request after rewrites.
    pub request: Request,
    /// Changes to the request headers (on the way upstream).
    pub request_headers: Vec<HeaderOps>,
    /// Changes to the response headers, in order.
    pub response_headers: Vec<HeaderOps>,
    /// The encodings the response may get (`encode`); none: as it is.
    pub encode: Vec<String>,
    /// The shortest answer to encode (`encode`'s `minimum_length`); `None`:
    /// the proxy's default, 512 bytes as Caddy's.
    pub encode_minimum_length: Option<u64>,
    pub max_body: Option<u64>,
    pub root: Option<String>,
    pub end: End,
}

/// Checks a basic-auth password against its stored hash.
pub type Verify<'a> = &'a dyn Fn(&BasicAuth, &str, &str) -> bool;

/// Evaluate `routes` for `request`.
pub fn plan(routes: &[Route], request: Request, verify: Verify<'_>) -> Plan {
    let mut plan = Plan {
        request,
        request_headers: Vec::new(),
        response_headers: Vec::new(),
        encode: Vec::new(),
        encode_minimum_length: None,
        max_body: None,
        root: None,
        end: End::Nothing,
    };
    run(routes, &mut plan, verify);
    plan
}

/// Run matching routes until one ends the request; true when it ended.
fn run(routes: &[Route], plan: &mut Plan, verify: Verify<'_>) -> bool {
    let mut groups_done: Vec<&str> = Vec::new();
    for route in routes {
        if let Some(g) = &route.group
            && groups_done.contains(&g.as_str())
        {
            continue;
        }
        if !matchers::any(&route.sets, &plan.request) {
            continue;
        }
        if let Some(g) = &route.group {
            groups_done.push(g);
        }
        for h in &route.handlers {
            if apply(h, plan, verify) {
                return true;
            }
        }
        if route.terminal {
            return false;
        }
    }
    false
}

fn apply(h: &Handler, plan: &mut Plan, verify: Verify<'_>) -> bool {
    match h {
        Handler::Subroute(routes) => return run(routes, plan, verify),
        Handler::Root(root) => plan.root = Some(plan.request.expand(root)),
        Handler::Rewrite(r) => rewrite(r, &mut plan.request),
        Handler::Headers { request, response } => {
            push_ops(&mut plan.request_headers, request.as_ref());
            push_ops(&mut plan.response_headers, response.as_ref());
        }
        Handler::RequestBody { max_size } => {
            plan.max_body = Some(plan.max_body.map_or(*max_size, |m| m.min(*max_size)));
        }
        Handler::Encode(names, minimum_length) => {
            plan.encode = names.clone();
            plan.encode_minimum_length = *minimum_length;
        }
        Handler::BasicAuth(auth) => {
            if !authorized(auth, &plan.request, verify) {
                plan.end = End::Unauthorized(auth.realm.clone());
                return true;
            }
        }
        Handler::Respond(r) => {
            let mut r = r.clone();
            r.body = plan.request.expand(&r.body);
            for (_, values) in &mut r.headers {
                for v in values.iter_mut() {
                    *v = plan.request.expand(v);
                }
            }
            plan.end = End::Respond(r);
            return true;
        }
        Handler::FileServer => {
            plan.end = End::Files;
            return true;
        }
        Handler::ReverseProxy(p) => {
            push_ops(&mut plan.request_headers, Some(&p.request));
            push_ops(&mut plan.response_headers, Some(&p.response));
            plan.end = End::Proxy(p.id);
            return true;
        }
    }
    false
}

/// Header changes that change something join the plan's; an empty list
/// costs a request nothing.
fn push_ops(list: &mut Vec<HeaderOps>, ops: Option<&HeaderOps>) {
    if let Some(ops) = ops.filter(|ops| !ops.is_empty()) {
        list.push(ops.clone());
    }
}

fn authorized(auth: &BasicAuth, req: &Request, verify: Verify<'_>) -> bool {
    use base64::Engine;
    let Some(credentials) = req
        .header("authorization")
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let Some((user, password)) = credentials.split_once(':') else {
        return false;
    };
    auth.accounts.iter().any(|(u, _)| u == user) && verify(auth, user, password)
}

fn rewrite(r: &handlers::Rewrite, req: &mut Request) {
    if let Some(uri) = &r.uri {
        let uri = req.expand(uri);
        match uri.split_once('?') {
            Some((path, query)) => {
                if !path.is_empty() {
                    req.path = path.to_owned();
                }
                req.query = query.to_owned();
            }
            None => req.path = uri,
        }
    }
    if let Some(prefix) = &r.strip_prefix
        && let Some(rest) = req.path.strip_prefix(prefix.as_str())
    {
        req.path = if rest.starts_with('/') {
            rest.to_owned()
        } else {
            format!("/{rest}")
        };
    }
    if let Some(suffix) = &r.strip_suffix
        && let Some(rest) = req.path.strip_suffix(suffix.as_str())
    {
        req.path = rest.to_owned();
    }
    for (find, replace, limit) in &r.substring {
        req.path = if *limit == 0 {
            req.path.replace(find.as_str(), replace)
        } else {
            req.path.replacen(find.as_str(), replace, *limit)
        };
    }
}

#[cfg(test)]
mod tests;
