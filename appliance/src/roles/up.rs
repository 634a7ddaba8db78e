//! `appliance up`: every role in one process, with a private PostgreSQL and
//! Redis unless `ERP_DATABASE_URL` / `ERP_REDIS_URL` point elsewhere.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::acme::Certificates;
use crate::cli::UpArgs;
use crate::config::{Endpoints, default_data_dir};
use crate::embedded::{Supervised, postgres, redis};
use crate::proxy::{self, ProxyConfig, Upstreams};
use crate::roles::{serve, work};
use crate::tls::LocalCa;
use crate::{services, shutdown, systemd};

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let data_dir = absolute(args.data_dir.clone().unwrap_or_else(default_data_dir))?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let mut children: Vec<Supervised> = Vec::new();
    let result = serve_until_signalled(&args, &data_dir, &mut children).await;
    for child in children.into_iter().rev() {
        child.stop().await;
    }
    result
}

fn absolute(path: PathBuf) -> anyhow::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path
    } else {
        std::env::current_dir()?.join(path)
    })
}

async fn serve_until_signalled(
    args: &UpArgs,
    data_dir: &std::path::Path,
    children: &mut Vec<Supervised>,
) -> anyhow::Result<()> {
    let database_url = match crate::config::database_url()? {
        Some(url) => url,
        None => {
            systemd::status("starting the private PostgreSQL");
            let pg = postgres::start(data_dir).await?;
            children.push(pg.process);
            pg.url
        }
    };
    let redis_url = match std::env::var("ERP_REDIS_URL") {
        Ok(url) => url,
        Err(_) => {
            systemd::status("starting the private Redis");
            let r = redis::start(data_dir).await?;
            children.push(r.process);
            r.url
        }
    };
    let endpoints = Endpoints {
        database_url,
        redis_url,
        file_store: crate::config::file_store(&data_dir.join("files")),
    };

    systemd::status("applying database migrations");
    services::migrate(&endpoints.database_url).await?;
    let demo_owner = match args.demo {
        true => {
            let owner = erp::Db::connect_owner(&endpoints.database_url).await?;
            let fresh = erp::demo::load(&owner)
                .await
                .map_err(|e| anyhow::anyhow!("loading demo data: {e}"))?;
            Some((owner, fresh))
        }
        false => None,
    };
    let connected = services::connect(&endpoints).await?;
    if let Some((owner, fresh)) = demo_owner {
        // Stock goes in through the documents people use, as a user.
        if fresh {
            erp::demo::load_stock(&owner, &connected.erp.db)
                .await
                .map_err(|e| anyhow::anyhow!("loading demo stock: {e}"))?;
            systemd::status("demo data loaded");
        }
        owner.close().await;
    }

    let tls_dir = data_dir.join("tls");
    let ca = LocalCa::load_or_create(&tls_dir)?;
    let certificates = Certificates::new(&args.edge.acme, &ca, &tls_dir)?;
    if let Some(driver) = certificates.driver {
        tokio::spawn(driver);
    }

    let (trigger, stop) = shutdown::channel();
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let (api_addr, api_task) =
        serve::spawn(serve::Role::Api, &connected.erp, loopback, stop.clone()).await?;
    let (web_addr, web_task) =
        serve::spawn(serve::Role::Web, &connected.erp, loopback, stop.clone()).await?;
    let metrics = match args.metrics_listen {
        Some(addr) => {
            let (bound, task) = serve::spawn_metrics(&connected.erp, addr, stop.clone()).await?;
            log::info!("metrics on http://{bound}/metrics");
            Some(task)
        }
        None => None,
    };
    // Links in e-mail: the first public name, else this machine.
    let host = args
        .edge
        .acme
        .domains
        .first()
        .cloned()
        .unwrap_or_else(|| "localhost".to_owned());
    let public_url = match args.https_port {
        443 => format!("https://{host}"),
        port => format!("https://{host}:{port}"),
    };
    let worker = work::spawn(
        work::Role::Worker,
        connected.erp.clone(),
        connected.queue.clone(),
        public_url.clone(),
        stop.clone(),
    );
    let scheduler = work::spawn(
        work::Role::Scheduler,
        connected.erp.clone(),
        connected.queue.clone(),
        public_url,
        stop.clone(),
    );

    let https = SocketAddr::new(args.listen_address, args.https_port);
    let http = SocketAddr::new(args.listen_address, args.http_port);
    let (server, _) = proxy::build(ProxyConfig {
        http,
        https,
        upstreams: Upstreams {
            api: api_addr,
            web: web_addr,
        },
        resolver: certificates.resolver,
        limits: args.edge.limits,
        inherited: proxy::Inherited::default(),
        acme: certificates.hooks,
        http3: args.edge.http3,
        caddyfile: None,
        health: None,
    })?;
    let (proxy_stop_tx, proxy_stop_rx) = tokio::sync::watch::channel(false);
    let proxy_thread = proxy::spawn(server, proxy_stop_rx)?;
    proxy::wait_http(http).await?;
    proxy::wait_https(https).await?;

    let host = if args.listen_address.is_unspecified() || args.listen_address.is_loopback() {
        "localhost".to_owned()
    } else {
        args.listen_address.to_string()
    };
    let url = if args.https_port == 443 {
        format!("https://{host}/")
    } else {
        format!("https://{host}:{}/", args.https_port)
    };
    println!("ERP appliance ready at {url}");
    println!(
        "Local CA root (trust it in your browser): {}",
        ca.root_path.display()
    );
    systemd::ready(&format!("serving {url}"));

    shutdown::signalled().await;
    systemd::stopping();
    // Stop taking connections at the edge first, then drain the roles behind it.
    let _ = proxy_stop_tx.send(true);
    trigger.fire();
    let serving = async {
        let _ = tokio::task::spawn_blocking(move || proxy_thread.join()).await;
        for task in [api_task, web_task, scheduler].into_iter().chain(metrics) {
            let _ = task.await;
        }
    };
    // The worker lets running jobs finish for its DRAIN, then gives back
    // what is left to the queue: it gets that long (as the worker unit's
    // StopTimeout does), so nothing waits for a lease to expire at the next
    // start. With no job running it stops at once.
    let background = async {
        let _ = worker.await;
    };
    let (served, worked) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(6), serving),
        tokio::time::timeout(jobs::worker::DRAIN + Duration::from_secs(3), background),
    );
    if served.is_err() {
        log::warn!("the edge and the serving roles did not stop within 6 s; stopping anyway");
    }
    if worked.is_err() {
        log::warn!("the worker did not hand its jobs back in time; their leases expire in 30 s");
    }
    Ok(())
}
