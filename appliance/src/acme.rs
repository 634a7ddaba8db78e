//! Automatic HTTPS: certificates for the host's public names from an ACME
//! CA (Let's Encrypt by default) through rustls-acme, kept in the data
//! directory and renewed at two thirds of their life without a restart (the
//! resolver hands out the new certificate on the next handshake).
//!
//! The local CA's certificate (which also names the public domains) is what
//! the edge serves while no ACME certificate exists, for names that cannot
//! have public certificates, and for clients that send no or another name:
//! the site keeps working while the CA is unreachable, and the attempts go on
//! with rustls-acme's backoff. Progress and failures go to `STATUS=` and the
//! log.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures::StreamExt;
use pingora::listeners::PreTlsProcess;
use pingora::protocols::l4::stream::Stream as L4Stream;
use rustls::server::{ClientHello, ResolvesServerCert, ServerConfig};
use rustls::sign::CertifiedKey;
use rustls_acme::caches::DirCache;
use rustls_acme::{AcmeConfig, AcmeState, EventOk, ResolvesServerCertAcme, UseChallenge};

use crate::cli::{AcmeArgs, Challenge};
use crate::systemd;
use crate::tls::{LOCAL_NAMES, LocalCa};

/// What the edge needs from automatic HTTPS.
pub struct Certificates {
    /// The resolver for every HTTPS handshake.
    pub resolver: Arc<EdgeResolver>,
    /// Hooks for the listeners; empty without public names.
    pub hooks: AcmeHooks,
    /// The task that orders and renews; spawn it on a runtime that lives as long as the edge.
    pub driver: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
}

/// Where the listeners answer the CA's checks.
#[derive(Default, Clone)]
pub struct AcmeHooks {
    /// HTTP-01: `/.well-known/acme-challenge/<token>` on the HTTP listener.
    pub http01: Option<Arc<ResolvesServerCertAcme>>,
    /// TLS-ALPN-01: handshakes offering only `acme-tls/1` on the HTTPS listener.
    pub tls_alpn01: Option<Arc<TlsAlpnChallenges>>,
}

/// A certificate from files, for the names it is chosen for.
pub struct FileCert {
    pub names: Vec<String>,
    pub key: Arc<CertifiedKey>,
}

impl FileCert {
    /// Read a PEM certificate chain and its private key.
    pub fn read(cert: &str, key: &str, names: Vec<String>) -> anyhow::Result<FileCert> {
        let chain = rustls_pemfile::certs(
            &mut std::fs::read(cert)
                .with_context(|| format!("reading {cert}"))?
                .as_slice(),
        )
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {cert}"))?;
        anyhow::ensure!(!chain.is_empty(), "{cert} holds no certificate");
        let private = rustls_pemfile::private_key(
            &mut std::fs::read(key)
                .with_context(|| format!("reading {key}"))?
                .as_slice(),
        )
        .with_context(|| format!("reading {key}"))?
        .with_context(|| format!("{key} holds no private key"))?;
        let signing = rustls::crypto::ring::sign::any_supported_type(&private)
            .with_context(|| format!("{key}: unsupported key"))?;
        Ok(FileCert {
            names,
            key: Arc::new(CertifiedKey::new(chain, signing)),
        })
    }
}

impl Certificates {
    /// Certificates for the command-line names (`--domain`).
    pub fn new(args: &AcmeArgs, ca: &LocalCa, tls_dir: &std::path::Path) -> anyhow::Result<Self> {
        Self::with(args, &[], Vec::new(), ca, tls_dir)
    }

    /// Also: names served with the local CA whatever they look like, and
    /// certificates from files.
    pub fn with(
        args: &AcmeArgs,
        internal: &[String],
        files: Vec<FileCert>,
        ca: &LocalCa,
        tls_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let mut names: Vec<&str> = LOCAL_NAMES.to_vec();
        names.extend(args.domains.iter().map(String::as_str));
        names.extend(
            internal
                .iter()
                .filter(|n| !n.contains('*'))
                .map(String::as_str),
        );
        let local = ca.issue(&names)?;
        let public: Vec<String> = args
            .domains
            .iter()
            .filter(|d| caddy_compat::names::is_public(d))
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .collect();
        for private in args
            .domains
            .iter()
            .filter(|d| !caddy_compat::names::is_public(d))
        {
            log::info!("{private} cannot have a public certificate; the local CA covers it");
        }
        if public.is_empty() {
            return Ok(Certificates {
                resolver: Arc::new(EdgeResolver {
                    local,
                    acme: None,
                    files,
                }),
                hooks: AcmeHooks::default(),
                driver: None,
            });
        }

        let mut config = AcmeConfig::new_with_client_config(&public, client_config(args)?)
            .directory(&args.acme_directory)
            .challenge_type(match args.acme_challenge {
                Challenge::TlsAlpn01 => UseChallenge::TlsAlpn01,
                Challenge::Http01 => UseChallenge::Http01,
            })
            .cache(DirCache::new(tls_dir.join("acme")));
        if let Some(email) = &args.acme_email {
            config = config.contact_push(format!("mailto:{email}"));
        }
        let state = config.state();
        let acme = state.resolver();
        let hooks = match args.acme_challenge {
            Challenge::Http01 => AcmeHooks {
                http01: Some(acme.clone()),
                tls_alpn01: None,
            },
            Challenge::TlsAlpn01 => AcmeHooks {
                http01: None,
                tls_alpn01: Some(Arc::new(TlsAlpnChallenges {
                    config: state.challenge_rustls_config(),
                })),
            },
        };
        let label = public.join(", ");
        systemd::status(&format!(
            "HTTPS for {label}: asking {} for a certificate; the local CA's serves meanwhile",
            args.acme_directory
        ));
        Ok(Certificates {
            resolver: Arc::new(EdgeResolver {
                local,
                acme: Some((public, acme)),
                files,
            }),
            hooks,
            driver: Some(Box::pin(drive(state, label))),
        })
    }
}

/// The trust for the directory's own HTTPS: the public roots, plus the
/// configured extra root (a private CA, or pebble's in tests).
fn client_config(args: &AcmeArgs) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &args.acme_ca_root {
        let pem = std::fs::read(path)
            .with_context(|| format!("reading the ACME CA root {}", path.display()))?;
        let mut found = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots.add(cert.with_context(|| format!("reading {}", path.display()))?)?;
            found += 1;
        }
        anyhow::ensure!(found > 0, "{} holds no PEM certificate", path.display());
    }
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    ))
}

/// Order, store, renew, and say how it goes. rustls-acme waits between
/// failed attempts (1 s, 2 s, 4 s … doubling).
async fn drive(mut state: AcmeState<std::io::Error>, label: String) {
    let mut have_one = false;
    while let Some(event) = state.next().await {
        match event {
            Ok(EventOk::DeployedCachedCert) => {
                have_one = true;
                systemd::status(&format!(
                    "HTTPS for {label}: certificate from the data directory"
                ));
            }
            Ok(EventOk::DeployedNewCert) => {
                have_one = true;
                systemd::status(&format!("HTTPS for {label}: new certificate from the CA"));
            }
            Ok(EventOk::CertCacheStore | EventOk::AccountCacheStore) => {
                log::debug!("ACME state stored for {label}");
            }
            Err(e) => {
                let serving = if have_one {
                    "still serving the current certificate"
                } else {
                    "serving the local CA's certificate"
                };
                log::warn!("ACME for {label}: {e}");
                systemd::status(&format!(
                    "HTTPS for {label}: no certificate from the CA yet ({e}); {serving} and trying again"
                ));
            }
        }
    }
}

/// Every HTTPS handshake: the ACME certificate for the public names once
/// there is one, the local CA's otherwise.
pub struct EdgeResolver {
    local: Arc<CertifiedKey>,
    acme: Option<(Vec<String>, Arc<ResolvesServerCertAcme>)>,
    files: Vec<FileCert>,
}

impl std::fmt::Debug for EdgeResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeResolver").finish_non_exhaustive()
    }
}

impl ResolvesServerCert for EdgeResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = hello.server_name()
            && let Some(file) = self.files.iter().find(|f| {
                f.names
                    .iter()
                    .any(|n| caddy_compat::names::matches(n, name))
            })
        {
            return Some(file.key.clone());
        }
        // A certificate for every other name (a site without a host name
        // with its own `tls cert key`): after the names given elsewhere, as
        // Caddy puts the catch-all connection policy last.
        let any_name = self
            .files
            .iter()
            .find(|f| f.names.iter().any(|n| n == caddy_compat::serve::ANY_NAME));
        if let Some((domains, acme)) = &self.acme {
            let public = hello
                .server_name()
                .is_some_and(|n| domains.iter().any(|d| d.eq_ignore_ascii_case(n)));
            if (public || rustls_acme::is_tls_alpn_challenge(&hello))
                && let Some(cert) = acme.resolve(hello)
            {
                return Some(cert);
            }
        }
        if let Some(file) = any_name {
            return Some(file.key.clone());
        }
        Some(self.local.clone())
    }
}

/// TLS-ALPN-01 on the HTTPS listener. Pingora's ALPN list is h2 and
/// http/1.1 and cannot take `acme-tls/1` beside them, so this runs before
/// pingora's handshake: it reads the ClientHello, puts the bytes back, and
/// when the client offers `acme-tls/1` (only the CA's validator does)
/// completes that handshake itself with the challenge certificate and closes.
pub struct TlsAlpnChallenges {
    config: Arc<ServerConfig>,
}

/// A ClientHello is a few hundred bytes; a client that has not sent one
/// within this time is dropped.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

#[async_trait]
impl PreTlsProcess for TlsAlpnChallenges {
    async fn process(&self, stream: &mut L4Stream) -> pingora::Result<()> {
        use pingora::{Error, ErrorType};
        use tokio::io::AsyncReadExt;

        let mut acceptor = rustls::server::Acceptor::default();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        let challenge = loop {
            let n = match tokio::time::timeout(HELLO_TIMEOUT, stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    return Error::e_because(ErrorType::ReadError, "reading the ClientHello", e);
                }
                Err(_) => {
                    return Error::e_explain(ErrorType::ReadTimedout, "no ClientHello in time");
                }
            };
            seen.extend_from_slice(&buf[..n]);
            let mut fresh = &buf[..n];
            while !fresh.is_empty() {
                if acceptor.read_tls(&mut fresh).is_err() {
                    break;
                }
            }
            match acceptor.accept() {
                Ok(Some(accepted)) => {
                    break rustls_acme::is_tls_alpn_challenge(&accepted.client_hello());
                }
                // Not a whole ClientHello yet.
                Ok(None) if n > 0 => continue,
                // Closed, or not TLS: pingora's handshake reports it as usual.
                _ => break false,
            }
        };
        stream.rewind(&seen);
        if !challenge {
            return Ok(());
        }
        match pingora::tls::TlsAcceptor::from(self.config.clone())
            .accept(&mut *stream)
            .await
        {
            Ok(mut tls) => {
                log::info!("answered an ACME TLS-ALPN-01 check");
                let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
            }
            Err(e) => log::warn!("ACME TLS-ALPN-01 check failed: {e}"),
        }
        // The connection has served its purpose; pingora drops it.
        Error::e_explain(ErrorType::HandshakeError, "ACME TLS-ALPN-01 check answered")
    }
}
