//! `appliance proxy`: the edge alone (its quadlet in production).

use std::net::SocketAddr;
use std::sync::Arc;

use crate::acme::{Certificates, FileCert};
use crate::cli::{AcmeArgs, ProxyArgs};
use crate::proxy::{self, Loaded, ProxyConfig, Routes, Upstreams};
use crate::tls::LocalCa;
use crate::{shutdown, systemd};

pub fn run(args: ProxyArgs) -> anyhow::Result<()> {
    // First, before any thread: taking the sockets clears their variables.
    let inherited = proxy::Inherited::from_env()?;
    let activated = !inherited.is_empty();
    let caddyfile = match &args.caddyfile {
        Some(path) => Some(Loaded::read(path)?),
        None => None,
    };
    // The Caddyfile's `storage file_system <path>` is where certificates
    // are kept, as it is for Caddy; else --tls-dir.
    let tls_dir = match caddyfile
        .as_ref()
        .and_then(|c| c.config.certificates.storage.as_ref())
    {
        Some(path) => {
            log::info!("keeping certificates in {path} (the Caddyfile's storage)");
            std::path::PathBuf::from(path)
        }
        None => args.tls_dir.clone(),
    };
    let ca = LocalCa::load_or_create(&tls_dir)?;
    let (mut http, mut https) = (args.http, args.https);
    let certificates = match &caddyfile {
        None => Certificates::new(&args.edge.acme, &ca, &tls_dir)?,
        Some(loaded) => {
            let c = &loaded.config;
            http = SocketAddr::new(http.ip(), c.http_port);
            https = SocketAddr::new(https.ip(), c.https_port);
            let wanted = &c.certificates;
            let acme = AcmeArgs {
                domains: wanted.acme.clone(),
                acme_email: wanted.email.clone().or(args.edge.acme.acme_email.clone()),
                acme_directory: wanted
                    .ca
                    .clone()
                    .unwrap_or(args.edge.acme.acme_directory.clone()),
                acme_ca_root: wanted.ca_root.clone().map(Into::into).or(args
                    .edge
                    .acme
                    .acme_ca_root
                    .clone()),
                acme_challenge: args.edge.acme.acme_challenge,
            };
            let files = wanted
                .files
                .iter()
                .map(|(cert, key, names)| FileCert::read(cert, key, names.clone()))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Certificates::with(&acme, &wanted.internal, files, &ca, &tls_dir)?
        }
    };
    let routes = caddyfile.map(Routes::new);
    let (server, bound) = proxy::build(ProxyConfig {
        http,
        https,
        upstreams: Upstreams {
            api: args.api_upstream,
            web: args.web_upstream,
        },
        resolver: certificates.resolver,
        limits: args.edge.limits,
        inherited,
        acme: certificates.hooks,
        http3: args.edge.http3,
        caddyfile: routes.clone(),
        health: args.health_listen,
    })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let handle = proxy::spawn(server, rx)?;
    rt.block_on(async {
        if let Some(driver) = certificates.driver {
            tokio::spawn(driver);
        }
        match args.health_listen {
            // The handed-over sockets may live in another network namespace
            // (a container's host): ask the health listener, which is ours.
            Some(health) if activated => proxy::wait_health(health).await?,
            health => {
                proxy::wait_listeners(bound).await?;
                if let Some(health) = health {
                    proxy::wait_health(health).await?;
                }
            }
        }
        systemd::ready(&format!(
            "proxy serving https on {} and http on {}{}",
            bound.https,
            bound.http,
            if activated {
                " (sockets from socket activation)"
            } else {
                ""
            }
        ));
        let reload = routes.as_ref().zip(args.caddyfile.as_deref());
        serve_until_stopped(reload).await?;
        systemd::stopping();
        let _ = tx.send(true);
        anyhow::Ok(())
    })?;
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("the proxy thread panicked"))
}

/// Serve until SIGTERM or SIGINT; on SIGHUP read the Caddyfile again and
/// serve its routes from the next request on. A file with errors changes
/// nothing: the error goes to the log and STATUS=. Without a Caddyfile
/// there is nothing to reload (SIGHUP must not stop the proxy either).
async fn serve_until_stopped(
    reload: Option<(&Arc<Routes>, &std::path::Path)>,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup())?;
    let stop = shutdown::signalled();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = hangup.recv() => {
                let Some((routes, path)) = reload else {
                    log::info!("SIGHUP: nothing to reload without --caddyfile");
                    continue;
                };
                reload_from(routes, path);
            }
        }
    }
}

fn reload_from(routes: &Routes, path: &std::path::Path) {
    match Loaded::read(path) {
        Ok(loaded) => {
            let before = routes.current();
            let (old, new) = (&before.config, &loaded.config);
            let restart = old.http_port != new.http_port
                || old.https_port != new.https_port
                || old.certificates != new.certificates;
            routes.replace(loaded);
            systemd::status(&format!("reloaded {}", path.display()));
            if restart {
                log::warn!(
                    "{}: ports or certificates changed; they apply at the next restart",
                    path.display()
                );
            }
        }
        Err(e) => {
            log::error!("reloading {}: {e:#}", path.display());
            systemd::status(&format!(
                "reloading {} failed ({e:#}); still serving the previous configuration",
                path.display()
            ));
        }
    }
}
