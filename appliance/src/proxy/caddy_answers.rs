//! What a Caddyfile plan needs besides an upstream, the same over TCP and
//! HTTP/3: the answers the edge makes itself (respond, redirect, a
//! credentials challenge, a file), basic-auth password checks, and the
//! `header` / `header_up` / `header_down` operations on either side's
//! headers.

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use caddy_compat::serve::{self, BasicAuth, End, HeaderOps, Plan};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::*;

/// What the routes read from a request, over TCP or HTTP/3: its method,
/// host (lower case, without the port), path and query, and of its header
/// fields only those the configuration reads.
pub fn facts(
    config: &serve::Config,
    head: (&http::Method, &http::Uri, &http::HeaderMap),
    host: &str,
    client: Option<IpAddr>,
    https: bool,
) -> serve::Request {
    let (method, uri, fields) = head;
    let mut headers = Vec::new();
    for name in &config.read_headers {
        for value in fields.get_all(name.as_str()) {
            if let Ok(value) = value.to_str() {
                headers.push((name.clone(), value.to_owned()));
            }
        }
    }
    serve::Request {
        method: method.as_str().to_owned(),
        host: host.to_ascii_lowercase(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers,
        client,
        https,
    }
}

/// The answer for a plan that does not go upstream (respond, redirect,
/// credentials asked for, a file, or Caddy's empty 200), with the plan's
/// header changes applied; `None` when it proxies.
pub async fn direct_answer(plan: &Plan) -> Option<http::Response<Bytes>> {
    let (status, headers, body): (u16, Vec<(String, Vec<String>)>, Bytes) = match &plan.end {
        End::Proxy(_) => return None,
        End::Respond(r) => (r.status, r.headers.clone(), Bytes::from(r.body.clone())),
        End::Unauthorized(realm) => {
            let challenge = format!("Basic realm=\"{}\"", realm.replace('"', ""));
            (
                401,
                vec![("WWW-Authenticate".into(), vec![challenge])],
                Bytes::new(),
            )
        }
        End::Files => read_file(plan).await,
        End::Nothing => (200, Vec::new(), Bytes::new()),
    };
    let mut headers_out = http::HeaderMap::new();
    for (name, values) in &headers {
        headers_out.set_field(name, values).ok()?;
    }
    if !body.is_empty() && !headers_out.contains_key(http::header::CONTENT_TYPE) {
        headers_out.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    headers_out.insert(http::header::CONTENT_LENGTH, body.len().into());
    apply_ops(&mut headers_out, &plan.response_headers, &plan.request).ok()?;
    let mut resp = http::Response::new(body);
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    *resp.headers_mut() = headers_out;
    Some(resp)
}

/// `file_server`: the file under the root, `index.html` for a directory.
async fn read_file(plan: &Plan) -> (u16, Vec<(String, Vec<String>)>, Bytes) {
    let root = PathBuf::from(plan.root.clone().unwrap_or_else(|| ".".into()));
    let relative = Path::new(plan.request.path.trim_start_matches('/'));
    // Only plain names: no `..`, no absolute parts.
    let safe = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let mut path = root.join(relative);
    if safe && tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        path = path.join("index.html");
    }
    let file = if safe {
        tokio::fs::read(&path).await.ok()
    } else {
        None
    };
    match file {
        Some(bytes) => {
            let kind = mime_guess::from_path(&path)
                .first_or_octet_stream()
                .to_string();
            (
                200,
                vec![("Content-Type".into(), vec![kind])],
                Bytes::from(bytes),
            )
        }
        None => (404, Vec::new(), Bytes::from_static(b"404 Not Found")),
    }
}

/// Basic-auth passwords: bcrypt, or argon2id in its PHC form.
pub fn verify(auth: &BasicAuth, user: &str, password: &str) -> bool {
    auth.accounts.iter().any(|(u, hash)| {
        u == user
            && if auth.argon2 {
                use argon2::PasswordVerifier;
                argon2::PasswordHash::new(hash).is_ok_and(|h| {
                    argon2::Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
            } else {
                bcrypt::verify(password, hash).unwrap_or(false)
            }
    })
}

/// Apply header operations to a response or request header.
pub trait Fields {
    fn get_field(&self, name: &str) -> Option<String>;
    fn set_field(&mut self, name: &str, values: &[String]) -> Result<()>;
    fn add_field(&mut self, name: &str, value: &str) -> Result<()>;
    fn remove_field(&mut self, name: &str);
}

macro_rules! fields_for {
    ($t:ty) => {
        impl Fields for $t {
            fn get_field(&self, name: &str) -> Option<String> {
                self.headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            }
            fn set_field(&mut self, name: &str, values: &[String]) -> Result<()> {
                self.remove_header(name);
                for v in values {
                    self.append_header(name.to_owned(), v.as_str())?;
                }
                Ok(())
            }
            fn add_field(&mut self, name: &str, value: &str) -> Result<()> {
                self.append_header(name.to_owned(), value).map(|_| ())
            }
            fn remove_field(&mut self, name: &str) {
                self.remove_header(name);
            }
        }
    };
}
fields_for!(ResponseHeader);
fields_for!(RequestHeader);

impl Fields for http::HeaderMap {
    fn get_field(&self, name: &str) -> Option<String> {
        self.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    fn set_field(&mut self, name: &str, values: &[String]) -> Result<()> {
        self.remove_field(name);
        for v in values {
            self.add_field(name, v)?;
        }
        Ok(())
    }
    fn add_field(&mut self, name: &str, value: &str) -> Result<()> {
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) else {
            return Error::e_explain(
                ErrorType::InternalError,
                "a header the plan made is not valid",
            );
        };
        self.append(name, value);
        Ok(())
    }
    fn remove_field(&mut self, name: &str) {
        if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
            self.remove(name);
        }
    }
}

pub fn apply_ops(
    target: &mut impl Fields,
    ops: &[HeaderOps],
    facts: &serve::Request,
) -> Result<()> {
    for op in ops {
        if let Some(name) = &op.only_if_missing
            && target.get_field(name).is_some()
        {
            continue;
        }
        for name in &op.delete {
            target.remove_field(name);
        }
        for (name, values) in &op.set {
            let values: Vec<String> = values.iter().map(|v| facts.expand(v)).collect();
            target.set_field(name, &values)?;
        }
        for (name, values) in &op.add {
            for v in values {
                target.add_field(name, &facts.expand(v))?;
            }
        }
        for (name, regex, with) in &op.replace {
            if let Some(current) = target.get_field(name) {
                let replaced = regex.replace_all(&current, with.as_str()).into_owned();
                target.set_field(name, &[replaced])?;
            }
        }
    }
    Ok(())
}
