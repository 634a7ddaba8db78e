//! Socket activation: when systemd (or podman, or a test) hands the proxy
//! its listening sockets through `LISTEN_FDS`, the proxy serves on those
//! instead of binding. That is how a rootless proxy gets ports 80 and 443,
//! and it keeps the real client address (no port-forwarding hop).
//!
//! Sockets are told apart by `LISTEN_FDNAMES` (`http`, `https`, `h3`, as a
//! `.socket` unit's `FileDescriptorName=` sets them) or, without names, by
//! order and kind: the first TCP socket is HTTP, the second HTTPS, a UDP
//! socket is HTTP/3.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::fd::{IntoRawFd, RawFd};

use anyhow::Context;
use async_trait::async_trait;
use pingora::server::ListenFds;
use pingora::server::ShutdownWatch;
use pingora::services::{ServiceReadyNotifier, ServiceWithDependents};

/// The sockets handed over, by role.
#[derive(Default)]
pub struct Inherited {
    pub http: Option<TcpListener>,
    pub https: Option<TcpListener>,
    pub h3: Option<UdpSocket>,
}

impl Inherited {
    /// Take the sockets from the environment (once: the variables are
    /// removed). No `LISTEN_FDS`, or one meant for another process: nothing.
    pub fn from_env() -> anyhow::Result<Inherited> {
        // Read the names before listenfd clears the other variables.
        let names: Vec<String> = std::env::var("LISTEN_FDNAMES")
            .map(|v| v.split(':').map(str::to_owned).collect())
            .unwrap_or_default();
        let mut fds = listenfd::ListenFd::from_env();
        let mut inherited = Inherited::default();
        let mut unnamed_tcp = 0;
        for i in 0..fds.len() {
            let name = names.get(i).map(String::as_str).unwrap_or("");
            // A socket is either TCP or UDP; listenfd checks the kind.
            if let Ok(Some(tcp)) = fds.take_tcp_listener(i) {
                let role = match name {
                    "http" | "https" => name,
                    _ => {
                        unnamed_tcp += 1;
                        if unnamed_tcp == 1 { "http" } else { "https" }
                    }
                };
                let slot = if role == "http" {
                    &mut inherited.http
                } else {
                    &mut inherited.https
                };
                anyhow::ensure!(
                    slot.is_none(),
                    "socket activation handed over two {role} sockets (LISTEN_FDNAMES={})",
                    names.join(":")
                );
                tcp.set_nonblocking(true)?;
                *slot = Some(tcp);
            } else if let Some(udp) = fds
                .take_udp_socket(i)
                .with_context(|| format!("inherited socket {} ({name})", i + 3))?
            {
                anyhow::ensure!(
                    inherited.h3.is_none(),
                    "socket activation handed over two UDP sockets"
                );
                udp.set_nonblocking(true)?;
                inherited.h3 = Some(udp);
            }
        }
        Ok(inherited)
    }

    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none() && self.h3.is_none()
    }
}

/// A listening socket ready for pingora: the address it is known by and
/// the descriptor, which pingora takes over.
pub struct Handover {
    pub addr: SocketAddr,
    fd: RawFd,
}

impl Handover {
    pub fn new(listener: TcpListener) -> anyhow::Result<Handover> {
        Ok(Handover {
            addr: listener.local_addr()?,
            fd: listener.into_raw_fd(),
        })
    }
}

/// A pingora service whose listener is an inherited socket: pingora binds
/// only addresses missing from its descriptor table, so the socket goes into
/// the table under the listener's address just before the service starts.
pub struct Activated<S> {
    pub inner: S,
    pub sockets: Vec<Handover>,
}

#[async_trait]
impl<S: ServiceWithDependents> ServiceWithDependents for Activated<S> {
    async fn start_service(
        &mut self,
        fds: Option<ListenFds>,
        shutdown: ShutdownWatch,
        listeners_per_fd: usize,
        ready_notifier: ServiceReadyNotifier,
    ) {
        if let Some(table) = &fds {
            let mut table = table.lock();
            for socket in self.sockets.drain(..) {
                table.add(socket.addr.to_string(), socket.fd);
            }
        }
        self.inner
            .start_service(fds, shutdown, listeners_per_fd, ready_notifier)
            .await
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn threads(&self) -> Option<usize> {
        self.inner.threads()
    }

    fn listen_addresses(&self) -> Option<Vec<String>> {
        self.inner.listen_addresses()
    }
}
