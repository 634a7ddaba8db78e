//! The error answers every operation can give for the way it is called,
//! added to the document in one place instead of on each handler: the
//! extractors and the session layer answer them before the handler runs,
//! always as problem+json.
//!
//! - every operation: 429 (the edge's and the login's rate limits);
//! - behind the session (all but the public ones): 401 and 403;
//! - with path parameters: 400 (`invalid_path`) and 404 (so with
//!   `companies`, naming a company the user is not in);
//! - with query parameters: 400 (`invalid_query`) and 422 (a value of the
//!   right type the operation refuses: a period, a cursor, a company);
//! - with a body: 400 (`malformed_json`), 413, 415 (`json_required`) and
//!   422 (`invalid_body`, `invalid_input`).
//!
//! And one rule of the bodies: changing a record needs the version read.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{
    AllOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::problem::CONTENT_TYPE;

/// Operations anyone may call.
const PUBLIC: &[(&str, &str)] = &[("get", "/api/v1/health"), ("post", "/api/v1/session")];

pub fn document_errors(doc: &mut OpenApi) {
    let optional_version = bodies_with_optional_version(doc);
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
                version_required_on_change(op, &optional_version);
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
    let names_companies = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query) && p.name == "companies");
    if in_path || names_companies {
        add(
            "404",
            "No such resource in the active company (or a company named that the user is not in)",
        );
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

/// The input types one body shape serves for creating and changing alike,
/// with `version` optional (a new record has none).
fn bodies_with_optional_version(doc: &OpenApi) -> Vec<String> {
    let Some(components) = &doc.components else {
        return Vec::new();
    };
    components
        .schemas
        .iter()
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(o))
                if o.properties.contains_key("version")
                    && !o.required.iter().any(|r| r == "version") =>
            {
                Some(name.clone())
            }
            _ => None,
        })
        .collect()
}

/// Changing a record (an operation on one, named in the path) needs the
/// version that was read (optimistic concurrency): its body is the shared
/// input with `version` required.
fn version_required_on_change(op: &mut Operation, optional_version: &[String]) {
    let on_one = op
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let Some(body) = op.request_body.as_mut().filter(|_| on_one) else {
        return;
    };
    for content in body.content.values_mut() {
        let Some(RefOr::Ref(r)) = &content.schema else {
            continue;
        };
        let name = r.ref_location.rsplit('/').next().unwrap_or_default();
        if optional_version.iter().any(|n| n == name) {
            let version = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)));
            let with_version = AllOfBuilder::new()
                .item(r.clone())
                .item(
                    ObjectBuilder::new()
                        .property("version", version)
                        .required("version"),
                )
                .build();
            content.schema = Some(RefOr::T(Schema::AllOf(with_version)));
        }
    }
}
