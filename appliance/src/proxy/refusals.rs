//! Answers the edge gives itself instead of the upstream's: a Spanish page
//! for people, problem+json (RFC 9457) under /api for programs.

use bytes::Bytes;
use pingora::http::ResponseHeader;
use pingora::proxy::Session;

use super::headers::SECURITY;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The upstream cannot be reached (starting, restarting, down).
    Unavailable,
    /// The client went over its request rate or its requests in flight.
    TooManyRequests,
    /// The request body is larger than the edge accepts.
    TooLarge,
}

struct Text {
    status: u16,
    code: &'static str,
    title_en: &'static str,
    title: &'static str,
    message: &'static str,
    /// Seconds after which trying again makes sense.
    retry_after: Option<u32>,
}

impl Refusal {
    fn text(self) -> Text {
        match self {
            Refusal::Unavailable => Text {
                status: 503,
                code: "upstream_unavailable",
                title_en: "Service Unavailable",
                title: "Servicio no disponible",
                message: "El sistema se está iniciando o está en mantenimiento. \
                          Esta página se actualizará sola en unos segundos.",
                retry_after: Some(10),
            },
            Refusal::TooManyRequests => Text {
                status: 429,
                code: "too_many_requests",
                title_en: "Too Many Requests",
                title: "Demasiadas solicitudes",
                message: "Llegaron demasiadas solicitudes desde su dirección en poco tiempo. \
                          Espere un momento y vuelva a intentarlo.",
                retry_after: Some(1),
            },
            Refusal::TooLarge => Text {
                status: 413,
                code: "payload_too_large",
                title_en: "Content Too Large",
                title: "Contenido demasiado grande",
                message: "Lo que envió supera el tamaño máximo que acepta el sistema.",
                retry_after: None,
            },
        }
    }

    pub fn status(self) -> u16 {
        self.text().status
    }

    /// The body and its content type.
    fn body(self, api: bool) -> (&'static str, Bytes) {
        let t = self.text();
        if api {
            let problem = serde_json::json!({
                "type": format!("urn:erp:problem:{}", t.code),
                "title": t.title_en,
                "status": t.status,
                "detail": t.message,
                "code": t.code,
            });
            ("application/problem+json", Bytes::from(problem.to_string()))
        } else {
            let refresh = match t.retry_after {
                Some(s) if self == Refusal::Unavailable => {
                    format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n")
                }
                _ => String::new(),
            };
            let page = include_str!("refusal.html")
                .replace("{{refresh}}", &refresh)
                .replace("{{title}}", t.title)
                .replace("{{message}}", t.message);
            ("text/html; charset=utf-8", Bytes::from(page))
        }
    }

    /// The whole answer: status, headers (security ones included) and body.
    pub fn response(self, api: bool) -> http::Response<Bytes> {
        let t = self.text();
        let (content_type, body) = self.body(api);
        let mut resp = http::Response::new(body.clone());
        *resp.status_mut() =
            http::StatusCode::from_u16(t.status).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE);
        let headers = resp.headers_mut();
        let mut put = |name: &str, value: String| {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::try_from(value),
            ) {
                headers.insert(name, value);
            }
        };
        put("content-type", content_type.to_owned());
        put("content-length", body.len().to_string());
        if let Some(s) = t.retry_after {
            put("retry-after", s.to_string());
        }
        put("cache-control", "no-store".to_owned());
        for (name, value) in SECURITY {
            headers.insert(name, value);
        }
        resp
    }

    /// Write the whole answer and close the exchange (the connection is not
    /// kept: what the client still sends is not worth reading).
    pub async fn write(self, session: &mut Session, api: bool) -> pingora::Result<()> {
        let (parts, body) = self.response(api).into_parts();
        let mut resp = ResponseHeader::build(parts.status, Some(parts.headers.len()))?;
        for (name, value) in &parts.headers {
            resp.insert_header(name.clone(), value.clone())?;
        }
        session.set_keepalive(None);
        session.write_response_header(Box::new(resp), false).await?;
        session.write_response_body(Some(body), true).await
    }
}

#[cfg(test)]
mod tests {
    use super::Refusal;

    #[test]
    fn pages_are_spanish_and_problems_name_their_status() {
        for r in [
            Refusal::Unavailable,
            Refusal::TooManyRequests,
            Refusal::TooLarge,
        ] {
            let (kind, page) = r.body(false);
            let page = String::from_utf8_lossy(&page).into_owned();
            assert_eq!(kind, "text/html; charset=utf-8");
            assert!(
                page.contains("lang=\"es-HN\"") && !page.contains("{{"),
                "{page}"
            );
            assert_eq!(
                page.contains("http-equiv=\"refresh\""),
                r == Refusal::Unavailable
            );
            let (kind, problem) = r.body(true);
            assert_eq!(kind, "application/problem+json");
            let problem: serde_json::Value = serde_json::from_slice(&problem).expect("JSON");
            assert_eq!(problem["status"], r.status());
        }
    }
}
