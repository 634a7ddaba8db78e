//! The appliance as rootless Podman quadlets: the unit templates in the
//! repository's `quadlets/` folder, rendered with minijinja from one settings
//! file (`appliance quadlets render`), and installed where podman's quadlet
//! generator and `systemd --user` read them (`appliance quadlets install`).
//! The templates are compiled into the binary, so the image renders its own
//! units.

pub mod backups;
pub mod secrets;
pub mod settings;
pub mod status;

use std::path::{Path, PathBuf};

use anyhow::Context;
use minijinja::{Environment, UndefinedBehavior, context};

pub use settings::Settings;

/// Who reads a rendered file: podman's quadlet generator (containers,
/// volumes, the network), or systemd itself (the socket and the target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Quadlet,
    Systemd,
}

/// One rendered unit file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    pub kind: Kind,
    pub text: String,
}

/// The image's user (`USER` in the Containerfile), owner of the secrets'
/// files in the role containers.
pub const APP_UID: u32 = 10001;
/// Seconds a role may go without telling systemd it is alive.
pub const WATCHDOG_SEC: u32 = 60;
/// Seconds PostgreSQL, a backup or the migrations may take to finish
/// starting: a first start initializes the database.
pub const TIMEOUT_START_SEC: u32 = 300;
/// Seconds a role may take from its start to READY=1 (it only connects).
pub const ROLE_TIMEOUT_START_SEC: u32 = 90;
/// Seconds between a role's exit and its restart: slow enough that a role
/// failing at once never reaches systemd's start limit (5 in 10 s), which
/// would refuse the start that rolls an update back.
pub const RESTART_SEC: u32 = 3;
/// Seconds a whole update (erp-release's restart: backup, migrations, every
/// role) may take before podman counts it as failed and rolls it back.
pub const UPDATE_TIMEOUT_SEC: u32 = 900;

macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../quadlets/", $name)))
    };
}

/// Every template, by its name in `quadlets/`.
const TEMPLATES: &[(&str, &str)] = &[
    template!("_role.container"),
    template!("_named.volume"),
    template!("erp.network"),
    template!("erp-postgres.container"),
    template!("erp-redis.container"),
    template!("erp-migrate.container"),
    template!("erp-api.container"),
    template!("erp-web.container"),
    template!("erp-scheduler.container"),
    template!("erp-worker@.container"),
    template!("erp-proxy.container"),
    template!("erp-proxy.socket"),
    template!("erp-release.container"),
    template!("erp-backup.container"),
    template!("erp-backup.timer"),
    template!("erp.target"),
];

/// The named volumes: the database, the queue, uploaded and exported files,
/// the edge's certificates and the database backups.
const VOLUMES: &[&str] = &["postgres", "redis", "files", "tls", "backups"];

/// One word of a unit's command line, quoted so that neither podman's
/// generator nor systemd changes it: systemd expands `%` specifiers and `$`
/// variables in `ExecStart=`, so they are doubled.
fn exec_word(value: String) -> String {
    let mut word = String::with_capacity(value.len() + 2);
    word.push('"');
    for c in value.chars() {
        match c {
            '"' => word.push_str("\\\""),
            '\\' => word.push_str("\\\\"),
            '\n' => word.push_str("\\n"),
            '$' => word.push_str("$$"),
            '%' => word.push_str("%%"),
            c => word.push(c),
        }
    }
    word.push('"');
    word
}

/// The units of one install, rendered from `settings` (read from `source`,
/// which the files' header names).
pub fn render(settings: &Settings, source: &str) -> anyhow::Result<Vec<Unit>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("exec_word", exec_word);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    for (name, text) in TEMPLATES {
        env.add_template(name, text)
            .with_context(|| format!("the unit template {name}"))?;
    }
    let prefix = settings.network_prefix().map_err(anyhow::Error::msg)?;
    let ctx = context! {
        header => format!(
            "Rendered by appliance {} from {source}. Change the settings and render again instead of editing this file.",
            env!("CARGO_PKG_VERSION")
        ),
        domain => &settings.domain,
        acme_email => &settings.acme_email,
        http_port => settings.http_port,
        https_port => settings.https_port,
        images => context! {
            appliance => &settings.images.appliance,
            postgres => &settings.images.postgres,
            redis => &settings.images.redis,
        },
        worker_ids => (1..=settings.workers).collect::<Vec<_>>(),
        roles => release_roles(settings.workers),
        watchdog_sec => WATCHDOG_SEC,
        timeout_start_sec => TIMEOUT_START_SEC,
        role_timeout_start_sec => ROLE_TIMEOUT_START_SEC,
        restart_sec => RESTART_SEC,
        update_timeout_sec => UPDATE_TIMEOUT_SEC,
        backups_keep => settings.backups_keep,
        subnet => &settings.subnet,
        dynamic_range => format!("{prefix}.128/25"),
        app_uid => APP_UID,
        secrets => context! {
            db_owner => secrets::DB_OWNER_PASSWORD,
            db_server => secrets::DB_SERVER_PASSWORD,
            smtp_url => secrets::SMTP_URL,
        },
        mail_from => &settings.mail_from,
        server_login => erp::db::SERVER_LOGIN,
        ip => context! {
            postgres => format!("{prefix}.10"),
            redis => format!("{prefix}.11"),
            api => format!("{prefix}.20"),
            web => format!("{prefix}.21"),
            proxy => format!("{prefix}.30"),
        },
    };
    let mut units = Vec::new();
    for (name, _) in TEMPLATES.iter().filter(|(n, _)| !n.starts_with('_')) {
        let kind = if [".socket", ".timer", ".target"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            Kind::Systemd
        } else {
            Kind::Quadlet
        };
        let text = env
            .get_template(name)?
            .render(&ctx)
            .with_context(|| format!("rendering {name}"))?;
        units.push(Unit {
            name: (*name).to_owned(),
            kind,
            text,
        });
    }
    let volume = env.get_template("_named.volume")?;
    for name in VOLUMES {
        units.push(Unit {
            name: format!("erp-{name}.volume"),
            kind: Kind::Quadlet,
            text: volume
                .render(context! { volume => *name, ..ctx.clone() })
                .with_context(|| format!("rendering the {name} volume"))?,
        });
    }
    Ok(units)
}

/// The units erp-release waits for and checks before it becomes active: the
/// migrations and every role of the image.
fn release_roles(workers: u8) -> Vec<String> {
    let mut roles: Vec<String> = ["erp-migrate", "erp-api", "erp-web", "erp-scheduler"]
        .iter()
        .map(|r| format!("{r}.service"))
        .collect();
    roles.extend((1..=workers).map(|n| format!("erp-worker@{n}.service")));
    roles.push("erp-proxy.service".to_owned());
    roles
}

/// Where `systemd --user` and podman's generator read the account's units:
/// `(quadlets, systemd units)` under `$XDG_CONFIG_HOME` (else `~/.config`).
pub fn user_dirs() -> anyhow::Result<(PathBuf, PathBuf)> {
    let config = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("HOME").context("neither XDG_CONFIG_HOME nor HOME is set")?,
        )
        .join(".config"),
    };
    Ok((
        config.join("containers/systemd"),
        config.join("systemd/user"),
    ))
}

/// Write `units` into `quadlets` and `systemd` (created when missing).
pub fn write(units: &[Unit], quadlets: &Path, systemd: &Path) -> anyhow::Result<()> {
    for dir in [quadlets, systemd] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for unit in units {
        let dir = match unit.kind {
            Kind::Quadlet => quadlets,
            Kind::Systemd => systemd,
        };
        let path = dir.join(&unit.name);
        std::fs::write(&path, &unit.text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(workers: u8) -> Settings {
        settings_with(workers, "")
    }

    fn settings_with(workers: u8, extra: &str) -> Settings {
        let text = format!(
            r#"domain = "erp.motos.hn"
acme_email = "ti@motos.hn"
workers = {workers}
subnet = "10.77.5.0/24"
{extra}
[images]
appliance = "registry.motos.hn/erp/appliance:1.4"
postgres = "docker.io/library/postgres:15"
redis = "docker.io/library/redis:7"
"#
        );
        Settings::parse(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn unit<'a>(units: &'a [Unit], name: &str) -> &'a str {
        units
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.text.as_str())
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn workers_get_the_mail_server_only_when_mail_is_set_up() -> anyhow::Result<()> {
        let plain = render(&settings(1), "appliance.toml")?;
        assert!(!unit(&plain, "erp-worker@.container").contains("SMTP"));
        let mail = render(
            &settings_with(1, r#"mail_from = "sistema@motos.hn""#),
            "appliance.toml",
        )?;
        let worker = unit(&mail, "erp-worker@.container");
        assert!(
            worker.contains("\nEnvironment=ERP_MAIL_FROM=sistema@motos.hn\n"),
            "{worker}"
        );
        assert!(
            worker.contains("\nSecret=erp-smtp-url,type=mount,target=/run/secrets/erp-smtp-url,"),
            "{worker}"
        );
        assert!(worker.contains("\nEnvironment=ERP_SMTP_URL_FILE=/run/secrets/erp-smtp-url\n"));
        let bad = Settings::parse(
            "domain = \"erp.motos.hn\"\nacme_email = \"ti@motos.hn\"\nmail_from = \"sistema\"\n[images]\nappliance = \"a/b:1\"\npostgres = \"a/p:15\"\nredis = \"a/r:7\"\n",
        );
        assert!(bad.is_err_and(|e| e.starts_with("the setting mail_from:")));
        Ok(())
    }

    #[test]
    fn every_unit_is_rendered_from_the_settings() -> anyhow::Result<()> {
        let units = render(&settings(3), "appliance.toml")?;
        let mut names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "erp-api.container",
                "erp-backup.container",
                "erp-backup.timer",
                "erp-backups.volume",
                "erp-files.volume",
                "erp-migrate.container",
                "erp-postgres.container",
                "erp-postgres.volume",
                "erp-proxy.container",
                "erp-proxy.socket",
                "erp-redis.container",
                "erp-redis.volume",
                "erp-release.container",
                "erp-scheduler.container",
                "erp-tls.volume",
                "erp-web.container",
                "erp-worker@.container",
                "erp.network",
                "erp.target",
            ]
        );
        let target = unit(&units, "erp.target");
        assert!(
            target.contains("Wants=erp-worker@1.service erp-worker@2.service erp-worker@3.service"),
            "{target}"
        );
        let proxy = unit(&units, "erp-proxy.container");
        assert!(
            proxy.contains(
                "Exec=proxy --api-upstream 10.77.5.20:3001 --web-upstream 10.77.5.21:3002"
            ),
            "{proxy}"
        );
        assert!(proxy.contains("--domain erp.motos.hn --acme-email ti@motos.hn"));
        let api = unit(&units, "erp-api.container");
        for line in [
            "Image=registry.motos.hn/erp/appliance:1.4",
            "IP=10.77.5.20",
            "Notify=true",
            "HealthOnFailure=kill",
            "ReadOnly=true",
            "NoNewPrivileges=true",
            "DropCapability=all",
            "LogDriver=journald",
            "Environment=WATCHDOG_USEC=60000000",
            "WatchdogSec=60",
            "Restart=on-failure",
            "RestartSec=3",
            "TimeoutStartSec=90",
            "PartOf=erp.target erp-release.service",
        ] {
            assert!(api.lines().any(|l| l == line), "{line} in:\n{api}");
        }
        // Only the release carries the auto-update label; its restart
        // restarts the roles, and it checks each of them before it is up.
        let labelled: Vec<&str> = units
            .iter()
            .filter(|u| u.text.contains("AutoUpdate=registry"))
            .map(|u| u.name.as_str())
            .collect();
        assert_eq!(
            labelled,
            [
                "erp-postgres.container",
                "erp-redis.container",
                "erp-release.container"
            ]
        );
        let release = unit(&units, "erp-release.container");
        for role in [
            "erp-migrate",
            "erp-api",
            "erp-web",
            "erp-scheduler",
            "erp-worker@3",
            "erp-proxy",
        ] {
            let check =
                format!("ExecStartPre=/usr/bin/systemctl --user is-active --quiet {role}.service");
            assert!(
                release.lines().any(|l| l == check),
                "{check} in:\n{release}"
            );
        }
        assert!(!release.contains("PartOf=erp.target erp-release.service"));
        // The backup's shell script survives systemd's expansion of % and $.
        let backup = unit(&units, "erp-backup.container");
        assert!(backup.contains("+%%Y%%m%%dT%%H%%M%%SZ"), "{backup}");
        assert!(
            backup.contains("$$(cat /run/secrets/erp-db-owner-password)"),
            "{backup}"
        );
        assert!(backup.contains("tail -n +15 "), "{backup}");
        assert!(api.starts_with("# Rendered by appliance "), "{api}");
        assert!(
            !units.iter().any(|u| u.text.contains("password=")),
            "no secret is ever written into a unit"
        );
        assert_eq!(
            unit(&units, "erp-redis.volume"),
            format!(
                "# {}\n[Unit]\nDescription=ERP appliance: the redis volume\n\n[Volume]\nVolumeName=erp-redis\n",
                api.lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("# ")
            )
        );
        Ok(())
    }
}
