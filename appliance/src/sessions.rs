//! The session layer shared by the API and the web UI: sessions in Redis
//! (through fred), cookie `erp_session`, Secure, HttpOnly, SameSite=Lax.

use erp::kv::Kv;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::Pool;

pub const COOKIE: &str = "erp_session";

pub fn layer(kv: &Kv) -> SessionManagerLayer<RedisStore<Pool>> {
    SessionManagerLayer::new(RedisStore::new(kv.pool.clone()))
        .with_name(COOKIE)
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(Duration::hours(12)))
}
