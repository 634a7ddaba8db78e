//! `appliance admin status`: one screen on an install of quadlets, read from
//! systemd (units), podman (containers: version and health), the proxy
//! itself (the certificate it serves), the backups volume and the job queue.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;

use super::Settings;
use super::backups::Host;

/// What `status` found: the screen, and whether all of it is well.
pub struct Report {
    pub text: String,
    pub healthy: bool,
}

/// A certificate closer to its end than this needs the admin (ACME renews
/// 30 days before).
const CERTIFICATE_WARNING: Duration = Duration::from_secs(14 * 24 * 3600);
/// The daily backup plus some slack.
const BACKUP_WARNING: Duration = Duration::from_secs(26 * 3600);

pub async fn report(host: &Host, settings: &Settings) -> anyhow::Result<Report> {
    let mut text = String::new();
    let mut healthy = true;
    let mut attention = |text: &mut String, line: String, ok: bool| {
        let _ = writeln!(text, "{}{line}", if ok { "  " } else { "! " });
        healthy &= ok;
    };
    let _ = writeln!(
        text,
        "ERP appliance at {} ({})\n",
        settings.domain,
        moment(SystemTime::now())
    );

    let containers = containers(host)?;
    let _ = writeln!(
        text,
        "  {:<24} {:<22} {:<12} {:<10} status",
        "unit", "state", "version", "health"
    );
    for unit in units(host)? {
        let container = containers.get(&unit.name);
        let version = container.map_or("", |c| c.version.as_str());
        let health = container.map_or("", |c| c.health.as_str());
        // A backup is a one-shot: inactive between runs is its rest.
        let resting = unit.name == "erp-backup.service" && unit.active == "inactive";
        let ok = (unit.active == "active" || resting) && health != "unhealthy";
        attention(
            &mut text,
            format!(
                "{:<24} {:<22} {:<12} {:<10} {}",
                unit.name.trim_end_matches(".service"),
                format!("{} ({})", unit.active, unit.sub),
                version,
                health,
                unit.status
            ),
            ok,
        );
    }
    let _ = writeln!(text);

    match served_certificate(settings).await {
        Ok((subject, not_after)) => {
            let left = not_after
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            attention(
                &mut text,
                format!(
                    "certificate   {subject}, valid until {} ({} days left)",
                    moment(not_after),
                    left.as_secs() / 86_400
                ),
                left > CERTIFICATE_WARNING,
            );
        }
        Err(e) => attention(
            &mut text,
            format!(
                "certificate   not read from port {}: {e:#}",
                settings.https_port
            ),
            false,
        ),
    }

    match host.list() {
        Ok(backups) => match backups.first() {
            Some(newest) => {
                let meta = std::fs::metadata(newest)?;
                let age = meta.modified()?.elapsed().unwrap_or_default();
                attention(
                    &mut text,
                    format!(
                        "last backup   {} ({:.1} MiB, {} ago; {} kept)",
                        newest.display(),
                        meta.len() as f64 / 1_048_576.0,
                        ago(age),
                        backups.len()
                    ),
                    age < BACKUP_WARNING,
                );
            }
            None => attention(&mut text, "last backup   none yet".to_owned(), false),
        },
        Err(e) => attention(&mut text, format!("last backup   {e:#}"), false),
    }

    let queue = host.podman_output(&["exec", "erp-release", "appliance", "admin", "queue"])?;
    let said = String::from_utf8_lossy(&queue.stdout).trim().to_owned();
    let ok = queue.status.success() && said.ends_with(" 0 dead");
    attention(
        &mut text,
        if queue.status.success() {
            format!("job queue     {said}")
        } else {
            "job queue     not read: erp-release is not running".to_owned()
        },
        ok,
    );
    Ok(Report { text, healthy })
}

/// A moment as the admin reads it: `2026-12-06 05:10 UTC`.
fn moment(at: SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// How long ago, to the minute: `2 h 5 min`.
fn ago(age: Duration) -> String {
    let minutes = age.as_secs() / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

struct Unit {
    name: String,
    active: String,
    sub: String,
    status: String,
}

/// The install's units as systemd has them, without the volumes' and the
/// network's helpers.
fn units(host: &Host) -> anyhow::Result<Vec<Unit>> {
    let listed = host.systemctl_output(&[
        "list-units",
        "--all",
        "--plain",
        "--no-legend",
        "--full",
        "erp*",
    ])?;
    let mut units: Vec<Unit> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|line| {
            let mut cols = line.split_whitespace();
            let name = cols.next()?.to_owned();
            let _load = cols.next()?;
            let active = cols.next()?.to_owned();
            let sub = cols.next()?.to_owned();
            let helper = name.ends_with("-volume.service") || name == "erp-network.service";
            (!helper).then_some(Unit {
                name,
                active,
                sub,
                status: String::new(),
            })
        })
        .collect();
    anyhow::ensure!(
        !units.is_empty(),
        "systemd --user knows no erp units: is the appliance installed for this account (appliance quadlets install)?"
    );
    let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
    let mut args = vec!["show", "--property=Id,StatusText"];
    args.extend(&names);
    let shown = host.systemctl_output(&args)?;
    let mut texts = HashMap::new();
    for block in String::from_utf8_lossy(&shown.stdout).split("\n\n") {
        let props: HashMap<&str, &str> = block.lines().filter_map(|l| l.split_once('=')).collect();
        if let Some(id) = props.get("Id") {
            texts.insert(
                (*id).to_owned(),
                props.get("StatusText").copied().unwrap_or("").to_owned(),
            );
        }
    }
    for unit in &mut units {
        unit.status = texts.remove(&unit.name).unwrap_or_default();
    }
    Ok(units)
}

struct Container {
    version: String,
    health: String,
}

/// The install's containers by their unit: the image's version label and
/// the health podman last saw.
fn containers(host: &Host) -> anyhow::Result<HashMap<String, Container>> {
    let out = host.podman_output(&["ps", "--all", "--format", "json"])?;
    anyhow::ensure!(
        out.status.success(),
        "podman ps: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).context("reading podman ps --format json")?;
    let mut by_unit = HashMap::new();
    for c in listed {
        let labels = &c["Labels"];
        let Some(unit) = labels["PODMAN_SYSTEMD_UNIT"].as_str() else {
            continue;
        };
        let status = c["Status"].as_str().unwrap_or("");
        let health = status
            .rsplit_once('(')
            .and_then(|(_, h)| h.strip_suffix(')'))
            .unwrap_or("")
            .to_owned();
        let version = labels["org.opencontainers.image.version"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                // The servers' images: their tag.
                c["Image"]
                    .as_str()
                    .and_then(|i| i.rsplit_once(':'))
                    .map(|(_, tag)| tag.to_owned())
                    .unwrap_or_default()
            });
        by_unit.insert(unit.to_owned(), Container { version, health });
    }
    Ok(by_unit)
}

/// The subject and end of the certificate the proxy serves for the domain,
/// read from a TLS handshake with it: what a browser is shown.
async fn served_certificate(settings: &Settings) -> anyhow::Result<(String, SystemTime)> {
    let domain = settings.domain.clone();
    let port = settings.https_port;
    tokio::task::spawn_blocking(move || {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::proxy::AnyCertificate(provider)))
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(domain)?;
        let mut conn = rustls::ClientConnection::new(Arc::new(config), name)?;
        let mut sock = std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(3),
        )?;
        sock.set_read_timeout(Some(Duration::from_secs(5)))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)?;
        }
        let leaf = conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .context("the proxy sent no certificate")?;
        let (_, cert) = x509_parser::parse_x509_certificate(leaf)
            .map_err(|e| anyhow::anyhow!("reading the certificate: {e}"))?;
        let not_after = SystemTime::UNIX_EPOCH
            + Duration::from_secs(cert.validity().not_after.timestamp().max(0) as u64);
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .map(general_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| cert.subject().to_string());
        Ok((names, not_after))
    })
    .await?
}

/// A subject alternative name as the admin writes it.
fn general_name(name: &x509_parser::extensions::GeneralName<'_>) -> String {
    use x509_parser::extensions::GeneralName;
    match name {
        GeneralName::DNSName(dns) => (*dns).to_owned(),
        GeneralName::IPAddress(bytes) => {
            match bytes.len() {
                4 => std::net::IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default())
                    .to_string(),
                16 => std::net::IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default())
                    .to_string(),
                _ => format!("{bytes:?}"),
            }
        }
        other => other.to_string(),
    }
}
