//! `reverse_proxy`: upstreams, load-balancing policy, active health check
//! URI, and request/response header changes. TLS or h2c to the upstream,
//! retries, buffering and the other subdirectives are refused by name.

use serde_json::{Map, Value, json};

use super::directives::{Routes, route};
use super::matchers::{Matcher, canonical_header};
use super::{AdaptError, unsupported, unsupported_subdirective};
use crate::tree::Directive;

const POLICIES: &[&str] = &[
    "random",
    "least_conn",
    "round_robin",
    "first",
    "ip_hash",
    "client_ip_hash",
    "uri_hash",
];

/// "host:port", "http://host[:port]", "unix//path", "{placeholder}" → what Caddy dials.
fn dial(at: &Directive, upstream: &str) -> Result<String, AdaptError> {
    let (scheme, rest) = match upstream.split_once("://") {
        Some((s, r)) => (s, r),
        None => ("", upstream),
    };
    match scheme {
        "" | "http" => {}
        other => {
            return Err(unsupported(
                at,
                &format!("upstream scheme {other}:// of reverse_proxy"),
            ));
        }
    }
    if rest.contains('/') && !rest.starts_with("unix/") {
        return Err(AdaptError::line(
            at,
            format!("upstream {upstream}: a path is not allowed in an upstream address"),
        ));
    }
    if rest.starts_with("unix/") || rest.contains('{') {
        return Ok(rest.to_owned());
    }
    let has_port = match rest.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && !port.is_empty() && !host.ends_with(':'),
        None => false,
    } || (rest.starts_with('[') && rest.contains("]:"));
    Ok(if has_port {
        rest.to_owned()
    } else {
        format!("{rest}:80")
    })
}

fn header_op(
    at: &Directive,
    side: &mut Map<String, Value>,
    args: &[&str],
) -> Result<(), AdaptError> {
    let Some((field, values)) = args.split_first() else {
        return Err(AdaptError::line(at, format!("{} needs a field", at.name)));
    };
    let (op, name) = match field.chars().next() {
        Some('+') => ("add", &field[1..]),
        Some('-') => ("delete", &field[1..]),
        _ => ("set", *field),
    };
    let name = canonical_header(name);
    match (op, values) {
        ("delete", []) => {
            let list = side.entry("delete").or_insert_with(|| json!([]));
            if let Value::Array(l) = list {
                l.push(json!(name));
            }
        }
        ("add" | "set", [value]) => {
            let map = side.entry(op).or_insert_with(|| json!({}));
            if let Value::Object(m) = map {
                let values = m.entry(name).or_insert_with(|| json!([]));
                if let Value::Array(l) = values {
                    l.push(json!(value));
                }
            }
        }
        _ => {
            return Err(unsupported(
                at,
                &format!("form of {} {field} with {} values", at.name, values.len()),
            ));
        }
    }
    Ok(())
}

pub fn reverse_proxy(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    let mut upstreams: Vec<String> = Vec::new();
    for a in args {
        upstreams.push(dial(d, a)?);
    }
    let mut h = Map::new();
    h.insert("handler".into(), json!("reverse_proxy"));
    let mut request = Map::new();
    let mut response = Map::new();
    for sub in &d.block {
        let sargs = sub.arg_texts();
        match sub.name.as_str() {
            "to" => {
                for a in &sargs {
                    upstreams.push(dial(sub, a)?);
                }
            }
            "lb_policy" => match sargs.as_slice() {
                [policy] if POLICIES.contains(policy) => {
                    h.insert(
                        "load_balancing".into(),
                        json!({"selection_policy": {"policy": policy}}),
                    );
                }
                _ => return Err(unsupported(sub, &format!("lb_policy {}", sargs.join(" ")))),
            },
            "health_uri" => match sargs.as_slice() {
                [uri] => {
                    h.insert("health_checks".into(), json!({"active": {"uri": uri}}));
                }
                _ => return Err(AdaptError::line(sub, "health_uri takes one URI")),
            },
            "header_up" => header_op(sub, &mut request, &sargs)?,
            "header_down" => header_op(sub, &mut response, &sargs)?,
            _ => {
                return Err(unsupported_subdirective(sub, "reverse_proxy"));
            }
        }
    }
    if upstreams.is_empty() {
        return Err(AdaptError::line(
            d,
            "reverse_proxy needs at least one upstream",
        ));
    }
    let mut headers = Map::new();
    if !request.is_empty() {
        headers.insert("request".into(), Value::Object(request));
    }
    if !response.is_empty() {
        headers.insert("response".into(), Value::Object(response));
    }
    if !headers.is_empty() {
        h.insert("headers".into(), Value::Object(headers));
    }
    h.insert(
        "upstreams".into(),
        Value::Array(upstreams.into_iter().map(|u| json!({"dial": u})).collect()),
    );
    Ok(Routes {
        directive: "reverse_proxy".into(),
        routes: vec![route(m, vec![Value::Object(h)])],
    })
}

#[cfg(test)]
mod tests {
    use crate::adapt::adapt;
    use crate::tree::Caddyfile;
    use serde_json::json;

    #[test]
    fn upstreams_policy_health_and_headers() {
        let cf = Caddyfile::parse(
            "Caddyfile",
            ":8080 {\n\treverse_proxy /api/* api:3001 http://10.0.0.2 {\n\t\tto unix//run/api.sock\n\t\tlb_policy first\n\t\thealth_uri /api/health\n\t\theader_up x-real-ip {remote_host}\n\t\theader_down -server\n\t}\n}\n",
        )
        .expect("parses");
        let json = adapt(&cf).expect("adapts");
        let handler = &json["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0];
        assert_eq!(
            handler,
            &json!({
                "handler": "reverse_proxy",
                "upstreams": [{"dial": "api:3001"}, {"dial": "10.0.0.2:80"}, {"dial": "unix//run/api.sock"}],
                "load_balancing": {"selection_policy": {"policy": "first"}},
                "health_checks": {"active": {"uri": "/api/health"}},
                "headers": {
                    "request": {"set": {"X-Real-Ip": ["{http.request.remote.host}"]}},
                    "response": {"delete": ["Server"]}
                }
            })
        );
    }

    #[test]
    fn what_is_not_adapted_is_named() {
        let refuse = |src: &str| {
            let cf = Caddyfile::parse("Caddyfile", src).expect("parses");
            adapt(&cf).expect_err("refused").to_string()
        };
        assert!(
            refuse("a.hn {\n\treverse_proxy https://x\n}\n").contains("upstream scheme https://")
        );
        let e = refuse("a.hn {\n\treverse_proxy x:1 {\n\t\tflush_interval -1\n\t}\n}\n");
        assert!(
            e.contains("subdirective 'flush_interval' of reverse_proxy")
                && e.ends_with("at Caddyfile:3"),
            "{e}"
        );
    }
}
