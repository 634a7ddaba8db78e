//! Authentication: password hashing, login with rate limits, and the session
//! payload both the API and the web UI store.

pub mod login;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod totp;

pub use login::{Credentials, Step, login, login_with_code};
pub use session::SessionUser;

/// The address failed logins are counted against: the proxy's
/// `X-Forwarded-For` (its last entry is the client it saw) when the peer is
/// local — the proxy — and the peer address otherwise.
pub fn client_address(forwarded_for: Option<&str>, peer: std::net::IpAddr) -> String {
    let from_proxy = peer.is_loopback();
    match forwarded_for
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
    {
        Some(addr) if from_proxy && !addr.is_empty() => addr.to_owned(),
        _ => peer.to_string(),
    }
}
