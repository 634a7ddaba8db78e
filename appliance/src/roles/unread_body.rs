//! An answer given before the request's body was read (a 401 from the
//! session check, a 400 for a path, a 404) leaves hyper unable to keep the
//! connection: once the answer is out it closes the connection, without
//! having said so in the answer. The proxy then keeps that connection in its
//! pool, and the next request sent on it fails as "upstream unavailable" (a
//! 503 for a POST, which it must not retry). Seen under schemathesis: the
//! body arrives in its own packet after the head, the API answers from the
//! head alone. Saying `Connection: close` on such an answer makes the proxy
//! drop the connection itself.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use hyper::body::Frame;

/// The request's body, noting when it has been read to its end.
struct Watched {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &polled {
            Poll::Ready(None | Some(Err(_))) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            Poll::Pending => false,
        };
        if ended {
            self.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: `Connection: close` on an HTTP/1 answer whose request body
/// was left (partly) unread.
pub async fn close_when_unread(req: Request, next: Next) -> Response {
    let http1 = req.version() <= Version::HTTP_11;
    let read = Arc::new(AtomicBool::new(req.body().is_end_stream()));
    let req = req.map(|inner| {
        Body::new(Watched {
            inner,
            read: read.clone(),
        })
    });
    let mut resp = next.run(req).await;
    if http1 && !read.load(Ordering::Acquire) {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// A real server and a client that sends the body after the head, as
    /// the proxy's separate writes can: (the head of) the first answer, and
    /// whether a second request on the same connection is answered.
    async fn first_answer_and_reuse(path: &str) -> (String, bool) {
        let app = axum::Router::new()
            .route("/early", post(|| async { "answered from the head" }))
            .route("/read", post(|body: String| async move { body }))
            .layer(axum::middleware::from_fn(super::close_when_unread));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut conn = TcpStream::connect(addr).await.expect("connected");
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n");
        conn.write_all(head.as_bytes()).await.expect("head sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
        conn.write_all(b"body").await.expect("body sent");
        let mut buf = vec![0; 4096];
        let n = conn.read(&mut buf).await.expect("an answer");
        let first = String::from_utf8_lossy(&buf[..n]).to_lowercase();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let again = b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok";
        let reused = match conn.write_all(again).await {
            Ok(()) => matches!(conn.read(&mut buf).await, Ok(n) if n > 0),
            Err(_) => false,
        };
        (first, reused)
    }

    #[tokio::test]
    async fn an_answer_before_the_body_says_the_connection_closes() {
        let (first, reused) = first_answer_and_reuse("/early").await;
        assert!(first.starts_with("http/1.1 200"), "{first}");
        assert!(first.contains("connection: close"), "{first}");
        assert!(!reused, "hyper keeps a connection whose body went unread");
    }

    #[tokio::test]
    async fn an_answer_after_the_body_keeps_the_connection() {
        let (first, reused) = first_answer_and_reuse("/read").await;
        assert!(first.starts_with("http/1.1 200"), "{first}");
        assert!(!first.contains("connection: close"), "{first}");
        assert!(reused, "the connection was not kept");
    }
}
