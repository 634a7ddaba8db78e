//! The caller's own two-step verification: start an enrolment (a QR code
//! for the authenticator app), confirm it with a code, turn it off.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::auth::totp::{self, Enrolment};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Caller;
use crate::json;
use crate::problem::{ApiResult, Problem};

/// Where the secret of an enrolment waits until a code confirms it.
const PENDING: &str = "erp.totp_pending";

fn session_error(e: impl std::fmt::Display) -> Problem {
    Problem::from(erp::Error::internal(anyhow::anyhow!("session store: {e}")))
}

#[derive(Serialize, ToSchema)]
pub struct TotpState {
    pub enabled: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeDto {
    /// The six digits the app shows now.
    pub code: String,
}

#[utoipa::path(get, path = "/api/v1/me/totp", tag = "session", responses((status = 200, body = TotpState)))]
async fn state(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<TotpState>> {
    Ok(Json(TotpState {
        enabled: totp::enabled(&erp.db, caller.user.user_id).await?,
    }))
}

/// A new secret as a QR code; nothing changes until it is confirmed.
#[utoipa::path(post, path = "/api/v1/me/totp/enrolment", tag = "session", responses((status = 200, body = Enrolment)))]
async fn enrol(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Enrolment>> {
    let me = erp::companies::me(&erp.db, caller.user.user_id).await?;
    let secret = totp::new_secret();
    caller
        .session
        .insert(PENDING, &secret)
        .await
        .map_err(session_error)?;
    Ok(Json(totp::enrolment(&secret, &me.email)?))
}

/// Confirm the enrolment with the app's code: verification is on from now.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "session", request_body = CodeDto,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn confirm(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(body): json::Json<CodeDto>,
) -> ApiResult<StatusCode> {
    let secret: Option<String> = caller.session.get(PENDING).await.map_err(session_error)?;
    let secret =
        secret.ok_or_else(|| erp::Error::conflict("no_enrolment", "start an enrolment first"))?;
    totp::enable(&erp.db, caller.user.user_id, &secret, &body.code).await?;
    let _ = caller.session.remove::<String>(PENDING).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn verification off (with a current code), unless a company requires it.
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "session", request_body = CodeDto,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn disable(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(body): json::Json<CodeDto>,
) -> ApiResult<StatusCode> {
    totp::disable(&erp.db, caller.user.user_id, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(state, confirm, disable))
        .routes(routes!(enrol))
}
