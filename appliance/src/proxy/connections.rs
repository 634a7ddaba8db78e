//! The door of the HTTPS listener, before the TLS handshake: count the
//! connection against its client (closing it when the client holds too many
//! already), then hand over to ACME's TLS-ALPN-01 hook when there is one.
//!
//! Pingora tells nobody when a downstream connection closes, but it drops
//! the connection's L4 stream then, and with it the stream's tracer: the
//! counter's guard rides in that tracer, so closing gives the place back.

use std::sync::Arc;

use pingora::listeners::PreTlsProcess;
use pingora::protocols::GetSocketDigest;
use pingora::protocols::l4::stream::Stream as L4Stream;
use pingora::upstreams::peer::{Tracer, Tracing};

use super::limits::{Connected, Limits};
use crate::acme::TlsAlpnChallenges;

pub struct Door {
    pub limits: Arc<Limits>,
    pub challenges: Option<Arc<TlsAlpnChallenges>>,
}

#[async_trait::async_trait]
impl PreTlsProcess for Door {
    async fn process(&self, stream: &mut L4Stream) -> pingora::Result<()> {
        let client = stream
            .get_socket_digest()
            .and_then(|d| d.peer_addr().and_then(|a| a.as_inet()).map(|a| a.ip()));
        if let Some(client) = client {
            match self.limits.connect(client) {
                Ok(held) if held.counted() => {
                    stream.tracer = Some(Tracer(Box::new(Held(Some(held)))));
                }
                // The limit is off: nothing to hold.
                Ok(_) => {}
                Err(_) => {
                    log::debug!("closing a connection from {client}: it holds too many");
                    return pingora::Error::e_explain(
                        pingora::ErrorType::ConnectRefused,
                        "too many connections from one client",
                    );
                }
            }
        }
        match &self.challenges {
            Some(challenges) => challenges.process(stream).await,
            None => Ok(()),
        }
    }
}

/// The connection's place in its client's count, given back on drop.
struct Held(#[allow(dead_code)] Option<Connected>);

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection slot")
    }
}

impl Tracing for Held {
    fn on_connected(&self) {}
    fn on_disconnected(&self) {}
    /// A copy is not the connection: it holds no place.
    fn boxed_clone(&self) -> Box<dyn Tracing> {
        Box::new(Held(None))
    }
}
