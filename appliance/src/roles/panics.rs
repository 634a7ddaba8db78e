//! The answer of a handler that panicked. Without it hyper drops the
//! connection, and the edge shows the client its "starting or in
//! maintenance" 503 page, which is not what happened (a quote with absurd
//! amounts did exactly that before the checks bounded them). With it the
//! client gets a 500 (problem+json from the API, a short page from the web
//! UI), the log an ERROR line with the panic's message, and the server
//! keeps serving.

use std::any::Any;

use api::problem::Problem;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;

use super::serve::Role;

type Answer = fn(Box<dyn Any + Send + 'static>) -> Response;

pub fn layer(role: Role) -> CatchPanicLayer<Answer> {
    CatchPanicLayer::custom(match role {
        Role::Api => api_answer as Answer,
        Role::Web => web_answer as Answer,
    })
}

/// What the panic said, when it said it with text.
fn message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)")
}

fn api_answer(panic: Box<dyn Any + Send + 'static>) -> Response {
    log::error!("an API handler panicked: {}", message(panic.as_ref()));
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
    .into_response()
}

fn web_answer(panic: Box<dyn Any + Send + 'static>) -> Response {
    log::error!("a web page handler panicked: {}", message(panic.as_ref()));
    let page = "<!doctype html><html lang=\"es-HN\"><meta charset=\"utf-8\">\
        <title>Error interno</title><h1>Ocurrió un error interno</h1>\
        <p>No se guardó nada de esta acción. Vuelva atrás e inténtelo de nuevo; \
        si se repite, avise al administrador.</p></html>";
    (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tokio::net::TcpListener;

    use super::*;

    fn a_bug() -> &'static str {
        panic!("a handler's bug")
    }

    /// A server whose one route panics, with the role's layer around it.
    async fn panicking(role: Role) -> std::net::SocketAddr {
        let app = axum::Router::new()
            .route("/boom", get(|| async { a_bug() }))
            .route("/fine", get(|| async { "still serving" }))
            .layer(layer(role));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    #[tokio::test]
    async fn a_panic_is_a_500_and_the_server_keeps_serving() {
        let client = reqwest::Client::new();
        for (role, kind) in [
            (Role::Api, "application/problem+json"),
            (Role::Web, "text/html"),
        ] {
            let addr = panicking(role).await;
            let res = client
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .expect("an answer, not a dropped connection");
            assert_eq!(res.status(), 500, "{role:?}");
            let content_type = res.headers()[http::header::CONTENT_TYPE].clone();
            assert!(
                content_type.to_str().unwrap_or_default().starts_with(kind),
                "{role:?}: {content_type:?}"
            );
            let body = res.text().await.expect("a body");
            if let Role::Api = role {
                assert!(body.contains("\"code\":\"internal\""), "{body}");
            }
            let again = client
                .get(format!("http://{addr}/fine"))
                .send()
                .await
                .expect("an answer");
            assert_eq!(again.status(), 200);
        }
    }
}
