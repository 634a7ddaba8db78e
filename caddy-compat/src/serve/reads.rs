//! Which request header fields a configuration reads: the ones its `header`
//! matchers test, its `{http.request.header.*}` placeholders name, and
//! `Authorization` where it asks for credentials. The proxy copies just
//! these into each request's [`Request`](super::Request), not every field a
//! browser sends (a dozen or more, two copies each, per request).

use serde_json::Value;

/// The lower-case names, each once, of the fields the adapted JSON reads.
pub fn read_headers(json: &Value) -> Vec<String> {
    let mut names = Vec::new();
    walk(json, &mut names);
    names
}

const PLACEHOLDER: &str = "{http.request.header.";

fn add(names: &mut Vec<String>, name: &str) {
    let name = name.to_ascii_lowercase();
    if !names.contains(&name) {
        names.push(name);
    }
}

/// Every place a field is read from, wherever it sits: matchers inside
/// subroutes and `not`, placeholders in any text (respond bodies, header
/// values, rewrites, roots). A key that only looks like a matcher adds a
/// name too many, which costs a copy and changes nothing.
fn walk(v: &Value, names: &mut Vec<String>) {
    match v {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find(PLACEHOLDER) {
                rest = &rest[start + PLACEHOLDER.len()..];
                let end = rest.find('}').unwrap_or(rest.len());
                add(names, &rest[..end]);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, names)),
        Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("header", Value::Object(matched)) => {
                        matched.keys().for_each(|name| add(names, name))
                    }
                    ("handler", Value::String(h)) if h == "authentication" => {
                        add(names, "authorization")
                    }
                    _ => {}
                }
                walk(value, names);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::read_headers;
    use serde_json::json;

    #[test]
    fn matchers_placeholders_and_credentials_are_found_anywhere() {
        let config = json!({"apps": {"http": {"servers": {"srv0": {"routes": [
            {"match": [{"host": ["a.example"]}], "handle": [{"handler": "subroute", "routes": [
                {"match": [{"not": [{"header": {"X-Beta": ["1"]}}]}],
                 "handle": [{"handler": "respond", "body": "hi {http.request.header.User-Agent}!"}]},
                {"handle": [{"handler": "authentication", "providers": {}}]},
                {"handle": [{"handler": "reverse_proxy", "headers": {"request": {"set":
                    {"X-Real": ["{http.request.header.x-beta}", "{http.request.header.Cookie}"]}}}}]}
            ]}]}
        ]}}}}});
        let mut names = read_headers(&config);
        names.sort();
        assert_eq!(names, ["authorization", "cookie", "user-agent", "x-beta"]);
    }

    #[test]
    fn a_plain_reverse_proxy_reads_no_field() {
        let config = json!({"apps": {"http": {"servers": {"srv0": {"routes": [
            {"match": [{"host": ["a.example"]}], "handle": [{"handler": "subroute", "routes": [
                {"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:8080"}]}]}
            ]}]}
        ]}}}}});
        assert!(read_headers(&config).is_empty());
    }
}
