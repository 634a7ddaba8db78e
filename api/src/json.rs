//! A JSON body extractor whose every rejection is problem+json: bad syntax is
//! a 400 that says where, a body of the wrong shape a 422 with the field's
//! JSON pointer, a missing content type a 415.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Bodies above this size are refused before parsing (the proxy limits too).
const MAX_BODY: usize = 1024 * 1024;

pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_required",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("the body exceeds {MAX_BODY} bytes"),
                )
            })?;
        let _ = state;
        parse(&bytes).map(Json)
    }
}

/// What a text holding the NUL character is told (PostgreSQL cannot store it).
pub(crate) const NUL_TEXT: &str = "text may not contain the NUL character (\\u0000)";

pub fn parse<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, Problem> {
    if let Some(pointer) = nul_in(bytes) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("{pointer}: {NUL_TEXT}"),
        )
        .with_field(pointer, NUL_TEXT));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let pointer = pointer_of(err.path());
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            ),
            _ => {
                let pointer = with_unknown_field(pointer, &inner.to_string());
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!("{pointer}: {inner}"),
                )
                .with_field(pointer, inner.to_string())
            }
        }
    })
}

/// serde reports an unknown field at its parent; point at the field itself.
pub(crate) fn with_unknown_field(pointer: String, message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return pointer;
    };
    let name = rest.split('`').next().unwrap_or_default();
    let name = name.replace('~', "~0").replace('/', "~1");
    if pointer.ends_with(&format!("/{name}")) {
        return pointer;
    }
    format!("{}/{name}", pointer.trim_end_matches('/'))
}

pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
    }

    #[test]
    fn syntax_errors_are_400_and_say_where() {
        let p = parse::<Login>(&Bytes::from_static(b"{\"email\": ")).err();
        assert_eq!(p.as_ref().map(|p| p.status), Some(400));
        assert!(p.is_some_and(|p| p.detail.contains("line 1")));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let p = parse::<Login>(&Bytes::from_static(b"{\"email\": 5, \"password\": \"x\"}")).err();
        assert_eq!(p.as_ref().map(|p| p.status), Some(422));
        assert_eq!(
            p.and_then(|p| p.errors.first().map(|e| e.pointer.clone())),
            Some("/email".to_owned())
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let p = parse::<Login>(&Bytes::from_static(
            b"{\"email\":\"a\",\"password\":\"b\",\"admin\":true}",
        ))
        .err();
        assert!(
            p.as_ref()
                .is_some_and(|p| p.status == 422 && p.detail.contains("admin"))
        );
        assert_eq!(
            p.and_then(|p| p.errors.first().map(|e| e.pointer.clone())),
            Some("/admin".to_owned())
        );
    }
}

/// The pointer of the first string (or key) holding NUL, when the body has
/// one: the escape is looked for in the bytes (cheap, and rare to find);
/// only then is the body walked as a value to name the field.
fn nul_in(bytes: &[u8]) -> Option<String> {
    let mut i = 0;
    let mut found = false;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1] == b'u' && bytes.get(i + 2..i + 6) == Some(b"0000") {
                found = true;
                break;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    if !found {
        return None;
    }
    fn walk(v: &serde_json::Value, at: String) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(at),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(n, item)| walk(item, format!("{at}/{n}"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                let key = k.replace('~', "~0").replace('/', "~1");
                if k.contains('\0') {
                    Some(format!("{at}/{key}"))
                } else {
                    walk(item, format!("{at}/{key}"))
                }
            }),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some(walk(&value, String::new()).unwrap_or_else(|| "/".to_owned()))
}

#[cfg(test)]
mod nul_tests {
    use super::nul_in;

    #[test]
    fn nul_is_found_with_its_field_and_an_escaped_backslash_is_not_nul() {
        assert_eq!(
            nul_in(br#"{"a":"x","b":["ok","n\u0000"]}"#),
            Some("/b/1".to_owned())
        );
        assert_eq!(nul_in(br#"{"a":"\\u0000"}"#), None);
        assert_eq!(nul_in(br#"{"a":"plain"}"#), None);
    }
}
