//! The error answers every operation can give for the way it is called,
//! added to the document in one place instead of on each handler: the
//! extractors and the session layer answer them before the handler runs,
//! always as problem+json.
//!
//! - every operation: 429 (the edge's and the login's rate limits);
//! - behind the session (all but the public ones): 401 and 403;
//! - with path parameters: 400 (`invalid_path`) and 404;
//! - with query parameters: 400 (`invalid_query`) and 422 (a value of the
//!   right type the operation refuses: a period, a cursor, a company);
//! - with a body: 400 (`malformed_json`), 413, 415 (`json_required`) and
//!   422 (`invalid_body`, `invalid_input`).

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};

use crate::problem::CONTENT_TYPE;

/// Operations anyone may call.
const PUBLIC: &[(&str, &str)] = &[("get", "/api/v1/health"), ("post", "/api/v1/session")];

pub fn document_errors(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", item.get.as_mut()),
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ];
        for (method, op) in operations {
            if let Some(op) = op {
                let public = PUBLIC.contains(&(method, path.as_str()));
                add_errors(op, public);
            }
        }
    }
}

fn add_errors(op: &mut Operation, public: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.is_some();
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        CONTENT_TYPE,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    };
    add(
        "429",
        "Too many requests from this client; `Retry-After` says when to try again",
    );
    if !public {
        add("401", "Not logged in (no session, or it expired)");
        add("403", "The user's role does not allow this");
    }
    if in_path || in_query || body {
        add(
            "400",
            "A path parameter, query parameter or body that cannot be read; `errors` names it",
        );
    }
    if in_path {
        add("404", "No such resource in the active company");
    }
    if in_query || body {
        add(
            "422",
            "Values of the right type the operation refuses; `errors` names each field",
        );
    }
    if body {
        add("413", "The body is larger than the edge accepts");
        add("415", "The body is not sent as `application/json`");
    }
}
