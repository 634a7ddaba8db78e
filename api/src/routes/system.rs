//! `/api/health`: whether this process can reach what it needs.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use erp::Erp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::problem::Problem;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `down`.
    pub postgres: &'static str,
    pub redis: &'static str,
}

/// 200 when PostgreSQL and Redis answer; otherwise 503 naming what does not.
#[utoipa::path(get, path = "/api/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn health(State(erp): State<Erp>) -> Response {
    let timeout = std::time::Duration::from_secs(2);
    let (pg, redis) = tokio::join!(
        tokio::time::timeout(timeout, erp.db.ping()),
        tokio::time::timeout(timeout, erp.kv.ping())
    );
    let pg_ok = matches!(pg, Ok(Ok(())));
    let redis_ok = matches!(redis, Ok(Ok(())));
    if pg_ok && redis_ok {
        return Json(Health {
            postgres: "ok",
            redis: "ok",
        })
        .into_response();
    }
    let down: Vec<&str> = [
        (!pg_ok).then_some("PostgreSQL"),
        (!redis_ok).then_some("Redis"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut p = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "dependency_down",
        format!("{} does not answer", down.join(" and ")),
    );
    for name in down {
        p = p.with_field(format!("/{}", name.to_lowercase()), "down");
    }
    p.into_response()
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new().routes(routes!(health))
}
