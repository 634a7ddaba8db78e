//! `GET /metrics` in the Prometheus exposition format (OpenMetrics text):
//! the API's requests (count by route, method and status; latency by route)
//! and the job queue (read from Redis at each scrape; see `jobs::metrics`).
//!
//! Served on the API's own listener, which the edge does not route to: in
//! an install a scraper on the `erp` network reads `erp-api:3001/metrics`;
//! `appliance up --metrics-listen ADDR` serves it on an address of its own.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use erp::Erp;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/v1/parties/{id}`), never the raw path, so
    /// the number of series stays bounded.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

struct Http {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

static HTTP: LazyLock<Http> = LazyLock::new(|| Http {
    requests: Family::default(),
    latency: Family::new_with_constructor(|| {
        Histogram::new([
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ])
    }),
});

/// Middleware (a route layer: it sees the matched route) counting requests.
pub async fn track(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    HTTP.latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    HTTP.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// The scrape.
pub async fn metrics(State(erp): State<Erp>) -> Response {
    let mut registry = Registry::default();
    registry.register(
        "erp_api_requests",
        "API requests answered, by route, method and status.",
        HTTP.requests.clone(),
    );
    registry.register(
        "erp_api_request_seconds",
        "API request latency in this process, by route and method.",
        HTTP.latency.clone(),
    );
    match jobs::Queue::on(erp.kv.pool.clone()).snapshot().await {
        Ok(snapshot) => snapshot.register(&mut registry),
        // The request figures are still worth having; the queue's series
        // are simply absent from this scrape.
        Err(e) => log::warn!("metrics: reading the job queue: {e:#}"),
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &registry) {
        log::error!("metrics: encoding: {e}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `/metrics` alone, for a listener of its own.
pub fn router(erp: Erp) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(erp)
}
