//! Request matchers: the token after a directive (`*`, `/path…`, `@name`)
//! and named matcher definitions `@name { … }` / `@name kind args`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{AdaptError, unsupported};
use crate::lexer::Token;
use crate::tree::Directive;

/// Named matcher sets of one site (or one block), by `@name`.
pub type Defs = HashMap<String, Value>;

/// What the first argument of a directive says about matching.
pub enum Matcher {
    /// No matcher token: the directive applies to every request.
    None,
    /// `*`: every request, and the token is consumed.
    All,
    /// A matcher set, and the token is consumed.
    Set(Value),
}

/// Read the matcher token at `args[0]`, if it is one.
pub fn from_token(token: Option<&Token>, defs: &Defs) -> Result<Matcher, AdaptError> {
    let Some(t) = token else {
        return Ok(Matcher::None);
    };
    if t.quoted() {
        return Ok(Matcher::None);
    }
    if t.text == "*" {
        return Ok(Matcher::All);
    }
    if t.text.starts_with('/') {
        return Ok(Matcher::Set(json!({"path": [t.text]})));
    }
    if t.text.starts_with('@') {
        return match defs.get(&t.text) {
            Some(set) => Ok(Matcher::Set(set.clone())),
            None => Err(AdaptError::at(
                t,
                format!("unrecognized matcher name: {}", t.text),
            )),
        };
    }
    Ok(Matcher::None)
}

impl Matcher {
    pub fn consumed(&self) -> usize {
        match self {
            Matcher::None => 0,
            _ => 1,
        }
    }
    /// The route's "match" list.
    pub fn sets(&self) -> Vec<Value> {
        match self {
            Matcher::Set(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}

/// Collect the `@name` definitions among `directives`.
pub fn definitions(directives: &[Directive]) -> Result<Defs, AdaptError> {
    let mut defs = Defs::new();
    for d in directives.iter().filter(|d| d.name.starts_with('@')) {
        let mut set = Map::new();
        if d.block.is_empty() {
            let Some((kind, args)) = d.args.split_first() else {
                return Err(AdaptError::line(
                    d,
                    format!("matcher {} has no conditions", d.name),
                ));
            };
            add(&mut set, &kind.text, args, &[], d)?;
        } else {
            if !d.args.is_empty() {
                return Err(AdaptError::line(
                    d,
                    format!("matcher {} has both arguments and a block", d.name),
                ));
            }
            for line in &d.block {
                add(&mut set, &line.name, &line.args, &line.block, line)?;
            }
        }
        defs.insert(d.name.clone(), Value::Object(set));
    }
    Ok(defs)
}

fn texts(args: &[Token]) -> Vec<String> {
    args.iter().map(|t| t.text.clone()).collect()
}

fn push_all(set: &mut Map<String, Value>, key: &str, values: Vec<String>) {
    let entry = set.entry(key).or_insert_with(|| json!([]));
    if let Value::Array(list) = entry {
        list.extend(values.into_iter().map(Value::String));
    }
}

/// One condition of a matcher set.
fn add(
    set: &mut Map<String, Value>,
    kind: &str,
    args: &[Token],
    block: &[Directive],
    at: &Directive,
) -> Result<(), AdaptError> {
    match kind {
        "path" | "host" | "method" | "protocol" => {
            if args.is_empty() {
                return Err(AdaptError::line(
                    at,
                    format!("matcher {kind} needs at least one value"),
                ));
            }
            if kind == "protocol" {
                set.insert(kind.into(), Value::String(args[0].text.clone()));
            } else {
                let values = if kind == "method" {
                    texts(args).into_iter().map(|m| m.to_uppercase()).collect()
                } else {
                    texts(args)
                };
                push_all(set, kind, values);
            }
        }
        "header" => {
            let Some((field, values)) = args.split_first() else {
                return Err(AdaptError::line(at, "matcher header needs a field"));
            };
            let headers = set.entry("header").or_insert_with(|| json!({}));
            if let Value::Object(h) = headers {
                let name = canonical_header(&field.text);
                if values.is_empty() {
                    h.insert(name, Value::Null);
                } else {
                    let entry = h.entry(name).or_insert_with(|| json!([]));
                    if let Value::Array(list) = entry {
                        list.extend(texts(values).into_iter().map(Value::String));
                    }
                }
            }
        }
        "query" => {
            let q = set.entry("query").or_insert_with(|| json!({}));
            for a in args {
                let (k, v) = a.text.split_once('=').unwrap_or((a.text.as_str(), ""));
                if let Value::Object(map) = q {
                    let entry = map.entry(k).or_insert_with(|| json!([]));
                    if let Value::Array(list) = entry {
                        list.push(Value::String(v.to_owned()));
                    }
                }
            }
        }
        "remote_ip" | "client_ip" => {
            let ranges: Vec<String> = texts(args)
                .into_iter()
                .filter(|a| a != "forwarded")
                .collect();
            let entry = set.entry(kind).or_insert_with(|| json!({"ranges": []}));
            if let Some(Value::Array(list)) = entry.get_mut("ranges") {
                list.extend(ranges.into_iter().map(Value::String));
            }
        }
        "expression" => {
            let text: Vec<String> = texts(args);
            set.insert("expression".into(), Value::String(text.join(" ")));
        }
        "not" => {
            let mut inner = Map::new();
            if block.is_empty() {
                let Some((k, a)) = args.split_first() else {
                    return Err(AdaptError::line(at, "matcher not needs a condition"));
                };
                add(&mut inner, &k.text, a, &[], at)?;
            } else {
                for line in block {
                    add(&mut inner, &line.name, &line.args, &line.block, line)?;
                }
            }
            let entry = set.entry("not").or_insert_with(|| json!([]));
            if let Value::Array(list) = entry {
                list.push(Value::Object(inner));
            }
        }
        other => return Err(unsupported(at, &format!("matcher '{other}'"))),
    }
    Ok(())
}

/// "x-forwarded-for" → "X-Forwarded-For", as Go's net/http writes field
/// names (Caddy's JSON carries them so); a name with a byte that is not a
/// token character stays as written.
pub fn canonical_header(name: &str) -> String {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_|~`".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return name.to_owned();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}
