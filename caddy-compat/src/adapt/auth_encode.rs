//! `encode` and `basic_auth`: the two handler directives whose whole
//! configuration is a list (encodings; accounts).

use serde_json::{Map, Value, json};

use super::directives::{Routes, one, route};
use super::matchers::Matcher;
use super::{AdaptError, unsupported, unsupported_subdirective};
use crate::tree::Directive;

/// The encodings the appliance compresses with.
const ENCODINGS: [&str; 2] = ["zstd", "gzip"];

/// `encode [<matcher>] [zstd|gzip ...] [{ minimum_length <bytes> }]`:
/// without formats, zstd then gzip.
pub fn encode(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    let mut minimum_length = None;
    for sub in &d.block {
        match (sub.name.as_str(), sub.arg_texts().as_slice()) {
            ("minimum_length", [bytes]) => {
                let bytes = bytes.parse::<u64>().map_err(|_| {
                    AdaptError::line(
                        sub,
                        format!("minimum_length: '{bytes}' is not a number of bytes"),
                    )
                })?;
                minimum_length = Some(bytes);
            }
            ("minimum_length", _) => {
                return Err(AdaptError::line(
                    sub,
                    "minimum_length takes one number of bytes",
                ));
            }
            _ => {
                return Err(unsupported_subdirective(sub, "encode"));
            }
        }
    }
    let formats: Vec<&str> = if args.is_empty() {
        ENCODINGS.to_vec()
    } else {
        args.to_vec()
    };
    let mut encodings = Map::new();
    for f in &formats {
        if !ENCODINGS.contains(f) {
            return Err(unsupported(d, &format!("encoding '{f}'")));
        }
        encodings.insert((*f).to_owned(), json!({}));
    }
    let mut handler = json!({"handler": "encode", "encodings": encodings, "prefer": formats});
    if let Some(bytes) = minimum_length {
        handler["minimum_length"] = json!(bytes);
    }
    Ok(one("encode", route(m, vec![handler])))
}

/// `basic_auth [<matcher>] [bcrypt|argon2id [<realm>]] { <user> <hash> ... }`
/// (also under its old name `basicauth`).
pub fn basic_auth(d: &Directive, m: &Matcher, args: &[&str]) -> Result<Routes, AdaptError> {
    let (algorithm, realm) = match args {
        [] => ("bcrypt", None),
        [a] => (*a, None),
        [a, r] => (*a, Some(*r)),
        _ => {
            return Err(AdaptError::line(
                d,
                "basic_auth takes a hash algorithm and a realm at most",
            ));
        }
    };
    if !matches!(algorithm, "bcrypt" | "argon2id") {
        return Err(AdaptError::line(
            d,
            format!("unrecognized hash algorithm: {algorithm}"),
        ));
    }
    let mut accounts = Vec::new();
    for sub in &d.block {
        match sub.arg_texts().as_slice() {
            [hash] => accounts.push(json!({"username": sub.name, "password": hash})),
            _ => {
                return Err(AdaptError::line(
                    sub,
                    "basic_auth: each line is a user name and its password hash",
                ));
            }
        }
    }
    let mut basic = Map::new();
    basic.insert("hash".into(), json!({"algorithm": algorithm}));
    basic.insert("hash_cache".into(), json!({}));
    if !accounts.is_empty() {
        basic.insert("accounts".into(), Value::Array(accounts));
    }
    if let Some(realm) = realm {
        basic.insert("realm".into(), json!(realm));
    }
    let handler = json!({"handler": "authentication", "providers": {"http_basic": basic}});
    Ok(one(&d.name, route(m, vec![handler])))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::adapt::adapt;
    use crate::tree::Caddyfile;

    fn site_routes(body: &str) -> serde_json::Value {
        let cf = Caddyfile::parse("Caddyfile", &format!("erp.example.hn {{\n{body}\n}}\n"))
            .expect("parses");
        let json = adapt(&cf).expect("adapts");
        json["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"].clone()
    }

    #[test]
    fn encode_prefers_the_formats_in_order_zstd_gzip_by_default() {
        assert_eq!(
            site_routes("encode")[0]["handle"][0],
            json!({"handler": "encode", "encodings": {"zstd": {}, "gzip": {}}, "prefer": ["zstd", "gzip"]})
        );
        assert_eq!(
            site_routes("encode gzip")[0]["handle"][0]["prefer"],
            json!(["gzip"])
        );
        let cf = Caddyfile::parse("Caddyfile", "a.hn {\n\tencode br\n}\n").expect("parses");
        let e = adapt(&cf).expect_err("br is not offered");
        assert!(e.is_unsupported() && e.message.contains("'br'"), "{e}");
    }

    #[test]
    fn encode_takes_a_minimum_length_as_caddy_does() {
        assert_eq!(
            site_routes("encode gzip {\n\tminimum_length 1024\n}")[0]["handle"][0],
            json!({"handler": "encode", "encodings": {"gzip": {}}, "prefer": ["gzip"], "minimum_length": 1024})
        );
        for (block, said) in [
            ("minimum_length many", "not a number of bytes"),
            ("minimum_length", "takes one number"),
            ("gzip 5", "subdirective 'gzip' of encode"),
        ] {
            let text = format!("a.hn {{\n\tencode {{\n\t\t{block}\n\t}}\n}}\n");
            let cf = Caddyfile::parse("Caddyfile", &text).expect("parses");
            let e = adapt(&cf).expect_err("refused");
            assert!(e.message.contains(said), "{block}: {e}");
        }
    }

    #[test]
    fn basic_auth_lists_accounts_under_its_matcher() {
        let routes = site_routes("basic_auth /admin/* {\n\tbob $2a$14$hash\n}\nrespond ok");
        assert_eq!(routes[0]["match"], json!([{"path": ["/admin/*"]}]));
        assert_eq!(
            routes[0]["handle"][0],
            json!({"handler": "authentication", "providers": {"http_basic": {
                "accounts": [{"username": "bob", "password": "$2a$14$hash"}],
                "hash": {"algorithm": "bcrypt"}, "hash_cache": {}}}})
        );
        let old = site_routes("basicauth bcrypt Oficina {\n\tana $2a$14$x\n}");
        assert_eq!(
            old[0]["handle"][0]["providers"]["http_basic"]["realm"],
            "Oficina"
        );
    }
}
