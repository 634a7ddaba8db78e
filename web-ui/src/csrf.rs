//! CSRF tokens for HTML forms: one random token per session, sent back in a
//! hidden field and compared in constant time. (The JSON API instead relies on
//! SameSite=Lax cookies plus a JSON content type, which a cross-site form
//! cannot send without a CORS preflight.)

use base64::Engine;
use rand::RngCore;
use tower_sessions::Session;

const KEY: &str = "erp.csrf";
pub const FIELD: &str = "csrf";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(KEY).await? {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session.insert(KEY, &t).await?;
    Ok(t)
}

pub async fn verify(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(KEY).await {
        Ok(Some(expected)) => constant_time_eq(expected.as_bytes(), submitted.as_bytes()),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_tokens() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
    }
}
