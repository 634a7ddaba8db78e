//! Site directives → Caddy routes, in Caddy's directive order, with its
//! grouping of mutually exclusive routes. The directives the appliance
//! supports are adapted here; any other is refused by name and line.

use serde_json::{Map, Value, json};

use super::matchers::{self, Defs, Matcher};
use super::{AdaptError, Groups, unsupported, unsupported_subdirective};
use crate::tree::Directive;

/// The order Caddy runs handler directives in (its default order, for the
/// directives this adapter knows).
const ORDER: &[&str] = &[
    "root",
    "header",
    "request_body",
    "redir",
    "rewrite",
    "uri",
    "basicauth",
    "basic_auth",
    "encode",
    "handle",
    "route",
    "respond",
    "reverse_proxy",
    "file_server",
];

/// One directive's contribution: its routes, for sorting by `directive`.
#[derive(Debug, Clone)]
pub struct Routes {
    pub directive: String,
    pub routes: Vec<Value>,
}

fn position(name: &str) -> usize {
    ORDER.iter().position(|d| *d == name).unwrap_or(usize::MAX)
}

/// Adapt the directives of one block (a site, a `handle`, a `route`) into
/// the routes of a subroute. `sorted`: in Caddy's order (sites and
/// `handle`), or as written (`route`).
pub fn block_routes(
    directives: &[Directive],
    parent_defs: &Defs,
    groups: &mut Groups,
    sorted: bool,
) -> Result<Vec<Value>, AdaptError> {
    let mut defs = parent_defs.clone();
    defs.extend(matchers::definitions(directives)?);
    let mut all = Vec::new();
    for d in directives.iter().filter(|d| !d.name.starts_with('@')) {
        all.push(directive(d, &defs, groups)?);
    }
    if sorted {
        all.sort_by(|a, b| {
            position(&a.directive)
                .cmp(&position(&b.directive))
                .then_with(|| by_path(a, b))
        });
    }
    // Several `handle` (or `root`) at one level exclude each other, and
    // `rewrite`s always do. Group numbers are drawn per block after its
    // inner blocks, in the order of these names, and one is drawn for
    // `rewrite` even where there is none: Caddy numbers groups that way and
    // the adapted JSON should read the same.
    let mut names = std::collections::HashMap::new();
    for name in ["handle", "rewrite", "root"] {
        let count = all.iter().filter(|r| r.directive == name).count();
        if count > 1 || name == "rewrite" {
            names.insert(name, groups.next());
        }
    }
    let mut routes = Vec::new();
    for r in all {
        for mut route in r.routes {
            if let Some(group) = names.get(r.directive.as_str())
                && let Value::Object(map) = &mut route
            {
                map.insert("group".into(), Value::String(group.clone()));
            }
            routes.push(route);
        }
    }
    Ok(consolidate(routes))
}

/// What sorting looks at in a route: whether it has matchers, and its
/// path when it matches on exactly one path.
fn path_key(r: &Routes) -> (bool, Option<&str>) {
    let sets = r
        .routes
        .first()
        .and_then(|r| r.get("match"))
        .and_then(Value::as_array);
    let path = sets
        .filter(|s| s.len() == 1)
        .and_then(|s| s[0].get("path"))
        .and_then(Value::as_array)
        .filter(|p| p.len() == 1)
        .and_then(|p| p[0].as_str());
    (sets.is_some_and(|s| !s.is_empty()), path)
}

/// Whether `a` goes before `b`: the longer path (without its `*`) first,
/// the shorter pattern for the same path, then by text; routes with
/// matchers before those without (Caddy's tie-break within one directive).
fn goes_before(a: (bool, Option<&str>), b: (bool, Option<&str>)) -> bool {
    match (a.1, b.1) {
        (Some(ap), Some(bp)) => {
            let (at, bt) = (ap.trim_end_matches('*'), bp.trim_end_matches('*'));
            if at == bt {
                ap.len() < bp.len()
            } else if at.len() == bt.len() {
                at < bt
            } else {
                at.len() > bt.len()
            }
        }
        _ => a.0 && !b.0,
    }
}

fn by_path(a: &Routes, b: &Routes) -> std::cmp::Ordering {
    let (ka, kb) = (path_key(a), path_key(b));
    if goes_before(ka, kb) {
        std::cmp::Ordering::Less
    } else if goes_before(kb, ka) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// Adjacent routes with the same matchers, terminal flag and group become one.
fn consolidate(routes: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for route in routes {
        if let Some(last) = out.last_mut() {
            let same = ["match", "terminal", "group"]
                .iter()
                .all(|k| last.get(k) == route.get(k));
            if same
                && let (Some(Value::Array(a)), Some(Value::Array(b))) =
                    (last.get_mut("handle"), route.get("handle"))
            {
                a.extend(b.iter().cloned());
                continue;
            }
        }
        out.push(route);
    }
    out
}

/// A route: its matchers (when any) and handlers.
pub(super) fn route(matcher: &Matcher, handlers: Vec<Value>) -> Value {
    let mut r = Map::new();
    let sets = matcher.sets();
    if !sets.is_empty() {
        r.insert("match".into(), Value::Array(sets));
    }
    r.insert("handle".into(), Value::Array(handlers));
    Value::Object(r)
}

pub(super) fn one(directive: &str, route: Value) -> Routes {
    Routes {
        directive: directive.to_owned(),
        routes: vec![route],
    }
}

fn no_block(d: &Directive) -> Result<(), AdaptError> {
    match d.block.first() {
        Some(sub) => Err(unsupported_subdirective(sub, &d.name)),
        None => Ok(()),
    }
}

fn number_or_text(s: &str) -> Value {
    match s.parse::<u64>() {
        Ok(n) => json!(n),
        Err(_) => Value::String(s.to_owned()),
    }
}

fn directive(d: &Directive, defs: &Defs, groups: &mut Groups) -> Result<Routes, AdaptError> {
    // Certificates are the tls app's business (see adapt): no routes, and
    // its arguments are file names, not matchers.
    if d.name == "tls" {
        super::tls::site_tls(d)?;
        return Ok(Routes {
            directive: "tls".into(),
            routes: Vec::new(),
        });
    }
    // `root /srv` is a path, not a path matcher: one argument is the root;
    // so is one argument of `rewrite` its URI (Caddy reads a matcher only
    // in front of a second argument).
    let m = if matches!(d.name.as_str(), "root" | "rewrite") && d.args.len() == 1 {
        Matcher::None
    } else {
        matchers::from_token(d.args.first(), defs)?
    };
    let args: Vec<&str> = d.args[m.consumed()..]
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    match d.name.as_str() {
        "respond" => respond(d, &m, &args),
        "header" => super::header::header(d, &m, &args),
        "reverse_proxy" => super::reverse_proxy::reverse_proxy(d, &m, &args),
        "root" => {
            no_block(d)?;
            match args.as_slice() {
                [path] => Ok(one(
                    "root",
                    route(&m, vec![json!({"handler": "vars", "root": path})]),
                )),
                _ => Err(AdaptError::line(d, "root takes one path")),
            }
        }
        "file_server" => {
            no_block(d)?;
            if !args.is_empty() {
                return Err(unsupported(
                    d,
                    &format!("argument '{}' of file_server", args[0]),
                ));
            }
            Ok(one(
                "file_server",
                route(
                    &m,
                    vec![json!({"handler": "file_server", "hide": ["./Caddyfile"]})],
                ),
            ))
        }
        "redir" => redir(d, &m, &args),
        "handle" => {
            let inner = block_routes(&d.block, defs, groups, true)?;
            Ok(one("handle", route(&m, vec![subroute(inner)])))
        }
        "handle_path" => {
            let Matcher::Set(set) = &m else {
                return Err(AdaptError::line(d, "handle_path needs a path matcher"));
            };
            let prefix = set
                .get("path")
                .and_then(Value::as_array)
                .and_then(|p| p.first())
                .and_then(Value::as_str)
                .map(|p| p.trim_end_matches('*').trim_end_matches('/').to_owned())
                .ok_or_else(|| AdaptError::line(d, "handle_path needs a path matcher"))?;
            let mut inner =
                vec![json!({"handle": [{"handler": "rewrite", "strip_path_prefix": prefix}]})];
            inner.extend(block_routes(&d.block, defs, groups, true)?);
            Ok(one("handle", route(&m, vec![subroute(inner)])))
        }
        "route" => {
            let inner = block_routes(&d.block, defs, groups, false)?;
            Ok(one("route", route(&m, vec![subroute(inner)])))
        }
        "rewrite" => {
            no_block(d)?;
            match args.as_slice() {
                [to] => Ok(one(
                    "rewrite",
                    route(&m, vec![json!({"handler": "rewrite", "uri": to})]),
                )),
                [] if d.args.is_empty() => Err(AdaptError::line(
                    d,
                    "too few arguments; must have at least a rewrite URI",
                )),
                _ if d.args.len() > 2 => Err(AdaptError::line(
                    d,
                    "too many arguments; should only be a matcher and a URI",
                )),
                _ => Err(AdaptError::line(
                    d,
                    format!(
                        "rewrite: '{}' is not a matcher (*, /path or @name)",
                        d.args[0].text
                    ),
                )),
            }
        }
        "uri" => uri(d, &m, &args),
        "request_body" => request_body(d, &m, &args),
        "encode" => super::auth_encode::encode(d, &m, &args),
        "basic_auth" | "basicauth" => super::auth_encode::basic_auth(d, &m, &args),
        // The site's access log: no routes, a field of the server (see adapt).
        "log" => {
            no_block(d)?;
            match args.as_slice() {
                [] => Ok(Routes {
                    directive: "log".into(),
                    routes: Vec::new(),
                }),
                _ => Err(unsupported(d, "log with a logger name")),
            }
        }
        other => Err(unsupported(d, &format!("directive '{other}'"))),
    }
}

/// `uri strip_prefix|strip_suffix <part>` and `uri replace <find> <replace> [<limit>]`.
fn uri(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    no_block(d)?;
    let handler = match args {
        ["strip_prefix", part] => {
            let part = if part.starts_with('/') {
                (*part).to_owned()
            } else {
                format!("/{part}")
            };
            json!({"handler": "rewrite", "strip_path_prefix": part})
        }
        ["strip_suffix", part] => json!({"handler": "rewrite", "strip_path_suffix": part}),
        ["replace", find, replace] => {
            json!({"handler": "rewrite", "uri_substring": [{"find": find, "replace": replace}]})
        }
        ["replace", find, replace, limit] => {
            let limit: i64 = limit.parse().map_err(|_| {
                AdaptError::line(d, format!("uri replace: limit '{limit}' is not a number"))
            })?;
            json!({"handler": "rewrite", "uri_substring": [{"find": find, "replace": replace, "limit": limit}]})
        }
        [op, ..] => return Err(unsupported(d, &format!("uri {op}"))),
        [] => return Err(AdaptError::line(d, "uri needs an operation")),
    };
    Ok(one("uri", route(m, vec![handler])))
}

/// `request_body { max_size <size> }`.
fn request_body(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    if !args.is_empty() {
        return Err(AdaptError::line(d, "request_body takes a block"));
    }
    let mut h = Map::new();
    h.insert("handler".into(), json!("request_body"));
    for sub in &d.block {
        match (sub.name.as_str(), sub.arg_texts().as_slice()) {
            ("max_size", [size]) => {
                let bytes = super::size::parse(size).ok_or_else(|| {
                    AdaptError::line(sub, format!("max_size: '{size}' is not a size (like 10MB)"))
                })?;
                h.insert("max_size".into(), json!(bytes));
            }
            _ => {
                return Err(unsupported_subdirective(sub, "request_body"));
            }
        }
    }
    Ok(one("request_body", route(m, vec![Value::Object(h)])))
}

fn subroute(routes: Vec<Value>) -> Value {
    let mut h = Map::new();
    h.insert("handler".into(), json!("subroute"));
    if !routes.is_empty() {
        h.insert("routes".into(), Value::Array(routes));
    }
    Value::Object(h)
}

fn respond(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    let mut h = Map::new();
    h.insert("handler".into(), json!("static_response"));
    let is_status = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit());
    match args {
        [] => {}
        [one] if is_status(one) => {
            h.insert("status_code".into(), number_or_text(one));
        }
        [body] => {
            h.insert("body".into(), json!(body));
        }
        [body, status] => {
            h.insert("body".into(), json!(body));
            h.insert("status_code".into(), number_or_text(status));
        }
        _ => {
            return Err(AdaptError::line(
                d,
                "respond takes a body and a status at most",
            ));
        }
    }
    for sub in &d.block {
        match (sub.name.as_str(), sub.arg_texts().as_slice()) {
            ("body", [text]) => {
                h.insert("body".into(), json!(text));
            }
            ("close", []) => {
                h.insert("close".into(), json!(true));
            }
            _ => {
                return Err(unsupported_subdirective(sub, "respond"));
            }
        }
    }
    Ok(one("respond", route(m, vec![Value::Object(h)])))
}

fn redir(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    no_block(d)?;
    let (to, code) = match args {
        [to] => (*to, "302"),
        [to, code] => (*to, *code),
        _ => {
            return Err(AdaptError::line(
                d,
                "redir takes a target and a code at most",
            ));
        }
    };
    let status = match code {
        "temporary" => "302",
        "permanent" => "301",
        c if c.len() == 3 && c.starts_with('3') && c.bytes().all(|b| b.is_ascii_digit()) => c,
        other => return Err(unsupported(d, &format!("redir code '{other}'"))),
    };
    let handler = json!({
        "handler": "static_response",
        "headers": {"Location": [to]},
        "status_code": number_or_text(status),
    });
    Ok(one("redir", route(m, vec![handler])))
}
