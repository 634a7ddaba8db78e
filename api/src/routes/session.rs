//! Login, logout, the current user and the active company.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use erp::auth::{Credentials, client_address};
use erp::{Erp, SessionUser};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::problem::{ApiResult, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The authenticator app's current code, for accounts with two-step
    /// verification (without it such a login answers 401 `totp_required`).
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyRole {
    pub company_id: Uuid,
    pub company_name: String,
    /// One of group_admin, company_admin, accountant, sales, warehouse, read_only.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub active_company_id: Option<Uuid>,
    pub companies: Vec<CompanyRole>,
    /// Notices not read yet (a report is ready, …).
    pub unread_notifications: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchCompany {
    pub company_id: Uuid,
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::from(erp::Error::internal(anyhow::anyhow!("session store: {e}")))
}

async fn me_response(erp: &Erp, user: &SessionUser) -> ApiResult<MeResponse> {
    let me = erp::companies::me(&erp.db, user.user_id).await?;
    Ok(MeResponse {
        user_id: me.user_id,
        email: me.email,
        display_name: me.display_name,
        locale: me.locale,
        active_company_id: user.company_id,
        companies: me
            .companies
            .into_iter()
            .map(|m| CompanyRole {
                company_id: m.company_id,
                company_name: m.company_name,
                role: m.role.to_string(),
            })
            .collect(),
        unread_notifications: me.unread_notifications,
    })
}

/// Log in: sets the session cookie (a fresh session id every time).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = MeResponse),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(erp): State<Erp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    json::Json(body): json::Json<LoginRequest>,
) -> ApiResult<Json<MeResponse>> {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = client_address(forwarded, peer.ip());
    let step = erp::auth::login(
        &erp,
        &ip,
        &Credentials {
            email: body.email,
            password: body.password,
            totp: body.totp,
        },
    )
    .await?;
    let user = match step {
        erp::auth::Step::Done(user) => user,
        erp::auth::Step::NeedsCode => {
            return Err(erp::Error::unauthenticated(
                "totp_required",
                "this account uses two-step verification: send the app's code as `totp`",
            )
            .into());
        }
    };
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(SessionUser::KEY, &user)
        .await
        .map_err(internal)?;
    Ok(Json(me_response(&erp, &user).await?))
}

/// Log out: the session is deleted from Redis.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn logout(caller: Caller) -> ApiResult<StatusCode> {
    caller.session.flush().await.map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The current user, their companies and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<MeResponse>> {
    Ok(Json(me_response(&erp, &caller.user).await?))
}

/// Choose the company to work in; only companies the user belongs to.
#[utoipa::path(put, path = "/api/v1/me/company", tag = "session", request_body = SwitchCompany,
    responses((status = 200, body = MeResponse), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn switch_company(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(body): json::Json<SwitchCompany>,
) -> ApiResult<Json<MeResponse>> {
    erp::companies::role_in(&erp.db, caller.user.user_id, body.company_id).await?;
    let user = caller.user.in_company(body.company_id);
    caller
        .session
        .insert(SessionUser::KEY, &user)
        .await
        .map_err(internal)?;
    Ok(Json(me_response(&erp, &user).await?))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(me))
        .routes(routes!(switch_company))
}
