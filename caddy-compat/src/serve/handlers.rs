//! Handlers of the adapted configuration, compiled.

use serde_json::{Map, Value};

use super::matchers::MatchSet;
use super::{Compile, err};

#[derive(Debug, Clone)]
pub struct Route {
    pub sets: Vec<MatchSet>,
    pub handlers: Vec<Handler>,
    pub terminal: bool,
    pub group: Option<String>,
}

/// Changes to a header map, applied in this order.
#[derive(Debug, Clone, Default)]
pub struct HeaderOps {
    /// Only when the field is absent (`header ?Name value`).
    pub only_if_missing: Option<String>,
    pub delete: Vec<String>,
    pub set: Vec<(String, Vec<String>)>,
    pub add: Vec<(String, Vec<String>)>,
    pub replace: Vec<(String, regex::Regex, String)>,
}

#[derive(Debug, Clone)]
pub enum Handler {
    Subroute(Vec<Route>),
    /// `root`: where file_server looks.
    Root(String),
    Rewrite(Rewrite),
    Headers {
        request: Option<HeaderOps>,
        response: Option<HeaderOps>,
    },
    RequestBody {
        max_size: u64,
    },
    /// The encodings a response may get, in the route's order of preference.
    /// The encodings, and the shortest answer to encode (Caddy's
    /// `minimum_length`; `None`: the proxy's default).
    Encode(Vec<String>, Option<u64>),
    BasicAuth(BasicAuth),
    Respond(Respond),
    FileServer,
    ReverseProxy(Proxy),
}

#[derive(Debug, Clone, Default)]
pub struct Rewrite {
    pub uri: Option<String>,
    pub strip_prefix: Option<String>,
    pub strip_suffix: Option<String>,
    /// find, replace, limit (0: all).
    pub substring: Vec<(String, String, usize)>,
}

#[derive(Debug, Clone)]
pub struct Respond {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, Vec<String>)>,
    pub close: bool,
}

#[derive(Debug, Clone)]
pub struct BasicAuth {
    pub realm: String,
    pub argon2: bool,
    /// User name and password hash.
    pub accounts: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Random,
    RoundRobin,
    First,
    LeastConn,
    IpHash,
    UriHash,
}

#[derive(Debug, Clone)]
pub struct Proxy {
    /// Numbered across the configuration, for state kept per proxy (turns, health).
    pub id: usize,
    pub upstreams: Vec<String>,
    pub policy: Policy,
    pub health_uri: Option<String>,
    pub request: HeaderOps,
    pub response: HeaderOps,
}

fn text(v: &Value, what: &str) -> Compile<String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| err(format!("{what}: expected text")))
}

fn list_map(v: &Value, what: &str) -> Compile<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (name, values) in v
        .as_object()
        .ok_or_else(|| err(format!("{what}: expected an object")))?
    {
        let values = values
            .as_array()
            .ok_or_else(|| err(format!("{what}: expected a list")))?
            .iter()
            .map(|x| text(x, what))
            .collect::<Compile<_>>()?;
        out.push((name.clone(), values));
    }
    Ok(out)
}

/// A field of an object, null when absent (indexing a map panics).
fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> &'a Value {
    obj.get(key).unwrap_or(&Value::Null)
}

fn known(obj: &Map<String, Value>, what: &str, keys: &[&str]) -> Compile<()> {
    match obj.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(err(format!("{what}: '{k}' is not served by the appliance"))),
        None => Ok(()),
    }
}

impl HeaderOps {
    /// Changes nothing (a `reverse_proxy` without `header_up`, say): a
    /// plan leaves it out rather than carry it through every request.
    pub fn is_empty(&self) -> bool {
        self.only_if_missing.is_none()
            && self.delete.is_empty()
            && self.set.is_empty()
            && self.add.is_empty()
            && self.replace.is_empty()
    }

    pub fn compile(v: &Value, what: &str) -> Compile<HeaderOps> {
        let obj = v
            .as_object()
            .ok_or_else(|| err(format!("{what}: expected an object")))?;
        known(
            obj,
            what,
            &["set", "add", "delete", "replace", "require", "deferred"],
        )?;
        let mut ops = HeaderOps::default();
        if let Some(set) = obj.get("set") {
            ops.set = list_map(set, what)?;
        }
        if let Some(add) = obj.get("add") {
            ops.add = list_map(add, what)?;
        }
        if let Some(delete) = obj.get("delete") {
            for name in delete
                .as_array()
                .ok_or_else(|| err("delete: expected a list"))?
            {
                ops.delete.push(text(name, "delete")?);
            }
        }
        if let Some(replace) = obj.get("replace") {
            for (name, rules) in replace
                .as_object()
                .ok_or_else(|| err("replace: expected an object"))?
            {
                for rule in rules
                    .as_array()
                    .ok_or_else(|| err("replace: expected a list"))?
                {
                    let pattern = rule
                        .get("search_regexp")
                        .or_else(|| rule.get("search"))
                        .ok_or_else(|| err("replace: no search"))?;
                    let pattern = text(pattern, "replace")?;
                    let regex = if rule.get("search_regexp").is_some() {
                        regex::Regex::new(&pattern)
                    } else {
                        regex::Regex::new(&regex::escape(&pattern))
                    }
                    .map_err(|e| err(format!("replace: {e}")))?;
                    let with = text(rule.get("replace").unwrap_or(&Value::Null), "replace")?;
                    ops.replace.push((name.clone(), regex, with));
                }
            }
        }
        if let Some(require) = obj.get("require") {
            let fields = require["headers"]
                .as_object()
                .ok_or_else(|| err("require: expected headers"))?;
            match fields.iter().next() {
                Some((name, Value::Null))
                    if fields.len() == 1 && require.as_object().is_some_and(|r| r.len() == 1) =>
                {
                    ops.only_if_missing = Some(name.clone());
                }
                _ => return Err(err("require: only 'set when missing' is served")),
            }
        }
        Ok(ops)
    }
}

pub fn routes(v: &Value, next_proxy: &mut usize) -> Compile<Vec<Route>> {
    let Some(list) = v.as_array() else {
        return Ok(Vec::new());
    };
    list.iter().map(|r| route(r, next_proxy)).collect()
}

fn route(v: &Value, next_proxy: &mut usize) -> Compile<Route> {
    let obj = v.as_object().ok_or_else(|| err("a route is an object"))?;
    known(obj, "route", &["match", "handle", "terminal", "group"])?;
    let mut sets = Vec::new();
    if let Some(m) = obj.get("match") {
        for set in m.as_array().ok_or_else(|| err("match: expected a list"))? {
            sets.push(MatchSet::compile(set)?);
        }
    }
    let mut handlers = Vec::new();
    if let Some(h) = obj.get("handle") {
        for handler in h.as_array().ok_or_else(|| err("handle: expected a list"))? {
            handlers.push(self::handler(handler, next_proxy)?);
        }
    }
    Ok(Route {
        sets,
        handlers,
        terminal: obj
            .get("terminal")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        group: obj.get("group").and_then(Value::as_str).map(str::to_owned),
    })
}

fn handler(v: &Value, next_proxy: &mut usize) -> Compile<Handler> {
    let obj = v.as_object().ok_or_else(|| err("a handler is an object"))?;
    let name = obj
        .get("handler")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(match name {
        "subroute" => {
            known(obj, name, &["handler", "routes"])?;
            Handler::Subroute(routes(
                obj.get("routes").unwrap_or(&Value::Null),
                next_proxy,
            )?)
        }
        "vars" => {
            known(obj, name, &["handler", "root"])?;
            Handler::Root(text(field(obj, "root"), "root")?)
        }
        "rewrite" => {
            known(
                obj,
                name,
                &[
                    "handler",
                    "uri",
                    "strip_path_prefix",
                    "strip_path_suffix",
                    "uri_substring",
                ],
            )?;
            let mut r = Rewrite {
                uri: obj.get("uri").map(|u| text(u, "rewrite")).transpose()?,
                strip_prefix: obj
                    .get("strip_path_prefix")
                    .map(|u| text(u, "rewrite"))
                    .transpose()?,
                strip_suffix: obj
                    .get("strip_path_suffix")
                    .map(|u| text(u, "rewrite"))
                    .transpose()?,
                substring: Vec::new(),
            };
            for s in obj
                .get("uri_substring")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                r.substring.push((
                    text(&s["find"], "uri_substring")?,
                    text(&s["replace"], "uri_substring")?,
                    s.get("limit").and_then(Value::as_u64).unwrap_or(0) as usize,
                ));
            }
            Handler::Rewrite(r)
        }
        "headers" => {
            known(obj, name, &["handler", "request", "response"])?;
            Handler::Headers {
                request: obj
                    .get("request")
                    .map(|r| HeaderOps::compile(r, "headers"))
                    .transpose()?,
                response: obj
                    .get("response")
                    .map(|r| HeaderOps::compile(r, "headers"))
                    .transpose()?,
            }
        }
        "request_body" => {
            known(obj, name, &["handler", "max_size"])?;
            Handler::RequestBody {
                max_size: obj
                    .get("max_size")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX),
            }
        }
        "encode" => {
            known(
                obj,
                name,
                &["handler", "encodings", "prefer", "minimum_length"],
            )?;
            let mut names: Vec<String> = obj
                .get("prefer")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
            for name in obj
                .get("encodings")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|e| e.keys())
            {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            let minimum_length = match obj.get("minimum_length") {
                None => None,
                Some(bytes) => Some(bytes.as_u64().ok_or_else(|| {
                    err(format!(
                        "encode: minimum_length {bytes} is not a number of bytes"
                    ))
                })?),
            };
            Handler::Encode(names, minimum_length)
        }
        "authentication" => {
            known(obj, name, &["handler", "providers"])?;
            let basic = &field(obj, "providers")["http_basic"];
            let algorithm = basic["hash"]["algorithm"].as_str().unwrap_or("bcrypt");
            let mut accounts = Vec::new();
            for a in basic["accounts"].as_array().into_iter().flatten() {
                accounts.push((
                    text(&a["username"], "account")?,
                    text(&a["password"], "account")?,
                ));
            }
            Handler::BasicAuth(BasicAuth {
                realm: basic["realm"].as_str().unwrap_or("restricted").to_owned(),
                argon2: algorithm == "argon2id",
                accounts,
            })
        }
        "static_response" => {
            known(
                obj,
                name,
                &["handler", "status_code", "body", "headers", "close"],
            )?;
            let status = match obj.get("status_code") {
                None => 200,
                Some(Value::Number(n)) => n.as_u64().unwrap_or(200) as u16,
                Some(Value::String(s)) => s.parse().map_err(|_| {
                    err(format!("status '{s}' is not served (placeholders are not)"))
                })?,
                Some(_) => return Err(err("status_code: expected a number")),
            };
            Handler::Respond(Respond {
                status,
                body: obj
                    .get("body")
                    .map(|b| text(b, "body"))
                    .transpose()?
                    .unwrap_or_default(),
                headers: obj
                    .get("headers")
                    .map(|h| list_map(h, "headers"))
                    .transpose()?
                    .unwrap_or_default(),
                close: obj.get("close").and_then(Value::as_bool).unwrap_or(false),
            })
        }
        "file_server" => {
            known(obj, name, &["handler", "hide"])?;
            Handler::FileServer
        }
        "reverse_proxy" => {
            known(
                obj,
                name,
                &[
                    "handler",
                    "upstreams",
                    "load_balancing",
                    "health_checks",
                    "headers",
                ],
            )?;
            let mut upstreams = Vec::new();
            for u in obj
                .get("upstreams")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let dial = text(&u["dial"], "upstream")?;
                if dial.starts_with("unix/") || dial.contains('{') {
                    return Err(err(format!(
                        "upstream '{dial}' is not served (a host and port only)"
                    )));
                }
                upstreams.push(dial);
            }
            if upstreams.is_empty() {
                return Err(err("reverse_proxy without upstreams"));
            }
            let policy = match field(obj, "load_balancing")["selection_policy"]["policy"].as_str() {
                None | Some("random") => Policy::Random,
                Some("round_robin") => Policy::RoundRobin,
                Some("first") => Policy::First,
                Some("least_conn") => Policy::LeastConn,
                Some("ip_hash" | "client_ip_hash") => Policy::IpHash,
                Some("uri_hash") => Policy::UriHash,
                Some(other) => return Err(err(format!("lb_policy {other} is not served"))),
            };
            let headers = obj.get("headers");
            let side = |key: &str| -> Compile<HeaderOps> {
                match headers.and_then(|h| h.get(key)) {
                    Some(v) => HeaderOps::compile(v, "reverse_proxy headers"),
                    None => Ok(HeaderOps::default()),
                }
            };
            let id = *next_proxy;
            *next_proxy += 1;
            Handler::ReverseProxy(Proxy {
                id,
                upstreams,
                policy,
                health_uri: field(obj, "health_checks")["active"]["uri"]
                    .as_str()
                    .map(str::to_owned),
                request: side("request")?,
                response: side("response")?,
            })
        }
        other => {
            return Err(err(format!(
                "handler '{other}' is not served by the appliance"
            )));
        }
    })
}
