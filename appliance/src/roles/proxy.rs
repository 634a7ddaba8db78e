//! `appliance proxy`: the edge alone (its quadlet in production).

use crate::acme::Certificates;
use crate::cli::ProxyArgs;
use crate::proxy::{self, ProxyConfig, Upstreams};
use crate::tls::LocalCa;
use crate::{shutdown, systemd};

pub fn run(args: ProxyArgs) -> anyhow::Result<()> {
    // First, before any thread: taking the sockets clears their variables.
    let inherited = proxy::Inherited::from_env()?;
    let activated = !inherited.is_empty();
    let ca = LocalCa::load_or_create(&args.tls_dir)?;
    let certificates = Certificates::new(&args.acme, &ca, &args.tls_dir)?;
    let (server, bound) = proxy::build(ProxyConfig {
        http: args.http,
        https: args.https,
        upstreams: Upstreams {
            api: args.api_upstream,
            web: args.web_upstream,
        },
        resolver: certificates.resolver,
        limits: args.limits,
        inherited,
        acme: certificates.hooks,
        http3: args.http3,
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
        proxy::wait_http(bound.http).await?;
        proxy::wait_https(bound.https, ca.root_der.clone()).await?;
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
        shutdown::signalled().await;
        systemd::stopping();
        let _ = tx.send(true);
        anyhow::Ok(())
    })?;
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("the proxy thread panicked"))
}
