//! Problems in the client's language: with `Accept-Language: es` (or es-HN,
//! es-419 …) a problem's `detail` and each field's `detail` are the
//! catalogue's Spanish for their `code` (erp's `messages`, the one the web
//! pages use), `Content-Language` says so. Codes never change; a code
//! without a Spanish message keeps the English detail. Without the header,
//! or asking for English, the answer is as the domain wrote it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use erp::messages::{self, Language};
use serde_json::Value;

use crate::problem::CONTENT_TYPE;

/// Problems are small; a larger body is left as it is.
const MAX_PROBLEM: usize = 256 * 1024;

pub async fn in_language(req: Request, next: Next) -> Response {
    let language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::of_accept_language);
    let mut resp = next.run(req).await;
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(CONTENT_TYPE.as_bytes()));
    if !is_problem {
        return resp;
    }
    resp.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    let Some(Language::Spanish) = language else {
        return resp;
    };
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut problem) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    translate(&mut problem, Language::Spanish);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(Language::Spanish.tag()),
    );
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec());
    Response::from_parts(parts, Body::from(body))
}

/// Each field's detail by its code; the problem's by its code, or the one
/// field's, or "N fields are invalid".
fn translate(problem: &mut Value, language: Language) {
    let mut fields = 0;
    let mut only_field = None;
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        fields = errors.len();
        for e in errors.iter_mut() {
            let text = e["code"]
                .as_str()
                .and_then(|code| messages::for_code(language, code));
            if let Some(text) = text {
                e["detail"] = Value::String(text);
            }
            only_field = Some(e["detail"].clone());
        }
    }
    let code = problem["code"].as_str().unwrap_or_default().to_owned();
    let detail = match (fields, messages::for_code(language, &code)) {
        (1, _) if code == "invalid_input" || only_field_is_the_problem(problem, &code) => {
            only_field
        }
        (n, _) if n > 1 && code == "invalid_input" => {
            Some(Value::String(messages::fields_invalid(language, n)))
        }
        (_, Some(text)) => Some(Value::String(text)),
        _ => None,
    };
    if let Some(detail) = detail {
        problem["detail"] = detail;
    }
}

/// A problem about one field under the same code: its detail is the field's.
fn only_field_is_the_problem(problem: &Value, code: &str) -> bool {
    problem["errors"][0]["code"].as_str() == Some(code)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn details_follow_their_codes_and_codes_stay() {
        let mut p = json!({"code": "invalid_input", "detail": "2 fields are invalid", "errors": [
            {"pointer": "/name", "code": "required", "detail": "this field is required"},
            {"pointer": "/x", "code": "no_message_for_this", "detail": "as written"}]});
        translate(&mut p, Language::Spanish);
        assert_eq!(p["detail"], "2 campos no son válidos.");
        assert_eq!(p["errors"][0]["detail"], "Este campo es obligatorio.");
        assert_eq!(p["errors"][0]["code"], "required");
        assert_eq!(p["errors"][1]["detail"], "as written");

        let mut p = json!({"code": "invalid_sar_code", "detail": "three digits, e.g. 001",
            "errors": [{"pointer": "/code", "code": "invalid_sar_code", "detail": "three digits, e.g. 001"}]});
        translate(&mut p, Language::Spanish);
        assert_eq!(p["detail"], "Tres dígitos, por ejemplo 001.");

        let mut p = json!({"code": "party_not_found", "detail": "not found"});
        translate(&mut p, Language::Spanish);
        assert_eq!(p["detail"], "No existe en la empresa activa.");
    }
}
