//! What every page handler needs to know about the request: the session, the
//! language, the CSRF token and, when logged in, the user.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use erp::{Erp, SessionUser};
use tower_sessions::Session;

use crate::csrf;
use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "erp_lang";

#[derive(Clone)]
pub struct Visitor {
    pub session: Session,
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<SessionUser>,
    /// The active company requires two-step verification this user has not
    /// set up yet.
    pub must_enrol: bool,
}

/// Where two-step verification is set up.
pub const SECURITY_PAGE: &str = "/account/security";

impl Visitor {
    /// The logged-in user, or a redirect to the login page (or, while the
    /// company requires two-step verification, to the page that sets it up).
    pub fn require_user(&self) -> Result<&SessionUser, Response> {
        if self.must_enrol {
            return Err(Redirect::to(SECURITY_PAGE).into_response());
        }
        self.require_login()
    }

    /// The user behind a form post: its CSRF token checked first (403 page
    /// when it does not match the session's), then [`Visitor::require_user`].
    pub async fn posting_user(&self, csrf: &str) -> Result<SessionUser, Response> {
        if !crate::csrf::verify(&self.session, csrf).await {
            return Err(crate::pages::csrf_rejected(self));
        }
        self.require_user().cloned()
    }

    /// The logged-in user even before two-step verification is set up (for
    /// the page that sets it up, and for leaving).
    pub fn require_login(&self) -> Result<&SessionUser, Response> {
        self.user
            .as_ref()
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(name)?.strip_prefix('='))
}

/// The language a request asks for without a logged-in user: the language
/// cookie, else `Accept-Language`, else Spanish.
pub fn requested_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::DEFAULT)
}

pub fn unavailable(e: impl std::fmt::Display) -> Response {
    log::error!("web: {e}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Lang::DEFAULT.t("error-unavailable"),
    )
        .into_response()
}

/// A page handler's visitor who is signed in (and has nothing left to set
/// up): anyone else is sent to the login or security page before the handler
/// runs. Handlers of forms use [`Visitor::posting_user`] instead, which checks
/// the CSRF token first.
pub struct SignedIn(pub Visitor, pub SessionUser);

impl FromRequestParts<Erp> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, erp: &Erp) -> Result<Self, Response> {
        let v = Visitor::from_request_parts(parts, erp).await?;
        let user = v.require_user()?.clone();
        Ok(SignedIn(v, user))
    }
}

impl FromRequestParts<Erp> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, erp: &Erp) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, erp)
            .await
            .map_err(|(_, m)| unavailable(m))?;
        let mut user: Option<SessionUser> =
            session.get(SessionUser::KEY).await.map_err(unavailable)?;
        let mut must_enrol = false;
        if let Some(u) = user.take() {
            let check = erp::auth::login::check_session(erp, &u)
                .await
                .map_err(unavailable)?;
            if check.active {
                must_enrol = check.must_enrol;
                user = Some(u.checked(&check));
            } else {
                session.flush().await.map_err(unavailable)?;
            }
        }
        let lang = user
            .as_ref()
            .and_then(|u| Lang::parse(&u.locale))
            .unwrap_or_else(|| requested_lang(&parts.headers));
        let csrf = csrf::token(&session).await.map_err(unavailable)?;
        Ok(Visitor {
            session,
            lang,
            csrf,
            user,
            must_enrol,
        })
    }
}
