//! The `header` directive: response header fields set, added, deleted,
//! replaced, set only when missing (`?`), deferred (`>`, or `defer`), and
//! only for some statuses (`match status …`).

use serde_json::{Map, Value, json};

use super::directives::{Routes, route};
use super::matchers::{Matcher, canonical_header};
use super::{AdaptError, unsupported};
use crate::tree::Directive;

/// The response part of one `headers` handler being built.
#[derive(Default)]
struct Ops {
    response: Map<String, Value>,
}

impl Ops {
    fn list(&mut self, op: &str, field: &str, value: Value) {
        let ops = self.response.entry(op).or_insert_with(|| json!({}));
        if let Value::Object(map) = ops {
            let values = map.entry(field).or_insert_with(|| json!([]));
            if let Value::Array(list) = values {
                list.push(value);
            }
        }
    }
    fn flag(&mut self, key: &str) {
        self.response.insert(key.into(), json!(true));
    }
    fn handler(self) -> Value {
        json!({"handler": "headers", "response": Value::Object(self.response)})
    }
}

/// One field operation ("Name value", "+Name value", "-Name", ">Name value",
/// "Name search replacement"); a `?Name value` becomes its own handler.
fn field_op(
    at: &Directive,
    ops: &mut Ops,
    defaults: &mut Vec<Value>,
    field: &str,
    values: &[&str],
) -> Result<(), AdaptError> {
    let (prefix, name) = match field.chars().next() {
        Some(c @ ('+' | '-' | '?' | '>')) => (Some(c), &field[1..]),
        _ => (None, field),
    };
    let name = canonical_header(name.trim_end_matches(':'));
    let name = name.as_str();
    if name.is_empty() {
        return Err(AdaptError::line(at, "header: a field name is missing"));
    }
    match (prefix, values) {
        (Some('-'), []) => {
            let del = ops.response.entry("delete").or_insert_with(|| json!([]));
            if let Value::Array(list) = del {
                list.push(json!(name));
            }
            ops.flag("deferred");
        }
        (Some('+'), [value]) => ops.list("add", name, json!(value)),
        (Some('?'), [value]) => defaults.push(json!({
            "handler": "headers",
            "response": {"require": {"headers": {name: null}}, "set": {name: [value]}},
        })),
        (Some('>') | None, [value]) => {
            ops.list("set", name, json!(value));
            if prefix.is_some() {
                ops.flag("deferred");
            }
        }
        (Some('>') | None, [search, replacement]) => {
            ops.list(
                "replace",
                name,
                json!({"search_regexp": search, "replace": replacement}),
            );
            if prefix.is_some() {
                ops.flag("deferred");
            }
        }
        _ => {
            return Err(AdaptError::line(
                at,
                format!("header {field}: wrong number of values ({})", values.len()),
            ));
        }
    }
    Ok(())
}

/// `match status 200 …` (or its block form) → which statuses the handler waits for.
fn require(ops: &mut Ops, line: &Directive) -> Result<(), AdaptError> {
    let conditions: Vec<(String, Vec<String>)> = if line.block.is_empty() {
        let args = line.arg_texts();
        match args.split_first() {
            Some((kind, rest)) => vec![(
                (*kind).to_owned(),
                rest.iter().map(|s| (*s).to_owned()).collect(),
            )],
            None => Vec::new(),
        }
    } else {
        line.block
            .iter()
            .map(|b| {
                (
                    b.name.clone(),
                    b.arg_texts().iter().map(|s| (*s).to_owned()).collect(),
                )
            })
            .collect()
    };
    let mut req = Map::new();
    for (kind, values) in conditions {
        if kind != "status" {
            return Err(unsupported(
                line,
                &format!("response matcher '{kind}' of header"),
            ));
        }
        let codes: Result<Vec<u64>, _> = values.iter().map(|v| v.parse::<u64>()).collect();
        let codes = codes
            .map_err(|_| AdaptError::line(line, "header match status: status codes are numbers"))?;
        req.insert("status_code".into(), json!(codes));
    }
    ops.response.insert("require".into(), Value::Object(req));
    Ok(())
}

pub fn header(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    let mut ops = Ops::default();
    let mut defaults = Vec::new();
    if d.block.is_empty() {
        let Some((field, values)) = args.split_first() else {
            return Err(AdaptError::line(d, "header needs a field"));
        };
        field_op(d, &mut ops, &mut defaults, field, values)?;
    } else {
        if !args.is_empty() {
            return Err(AdaptError::line(
                d,
                "header takes a block or a field, not both",
            ));
        }
        for line in &d.block {
            match line.name.as_str() {
                "defer" => ops.flag("deferred"),
                "match" => require(&mut ops, line)?,
                field => field_op(line, &mut ops, &mut defaults, field, &line.arg_texts())?,
            }
        }
    }
    let mut handlers = Vec::new();
    let has_ops = ops
        .response
        .keys()
        .any(|k| !matches!(k.as_str(), "deferred" | "require"));
    if has_ops {
        handlers.push(ops.handler());
    }
    handlers.extend(defaults);
    Ok(Routes {
        directive: "header".into(),
        routes: vec![route(m, handlers)],
    })
}
