//! The settings file of one install (`appliance.toml`): the few site values
//! the unit templates need. Every mistake is reported by the setting's name.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// What an admin writes once per install.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The public name of the appliance (its certificate is for this name).
    pub domain: String,
    /// Contact address given to the ACME certificate authority.
    pub acme_email: String,
    /// Worker instances (`erp-worker@1` … `erp-worker@N`).
    #[serde(default = "default_workers")]
    pub workers: u8,
    /// Host ports the proxy's socket listens on.
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    #[serde(default = "default_https_port")]
    pub https_port: u16,
    /// The containers' private network, an IPv4 /24 (`a.b.c.0/24`): fixed
    /// addresses for the servers below .128, the worker instances above.
    #[serde(default = "default_subnet")]
    pub subnet: String,
    /// Database backups kept in the backups volume (the newest ones); one is
    /// taken at every start and update of the appliance and once a day.
    #[serde(default = "default_backups_keep")]
    pub backups_keep: u16,
    /// The address the appliance's e-mail comes from when a company has no
    /// sender of its own. Without it no e-mail is sent.
    #[serde(default)]
    pub mail_from: Option<String>,
    pub images: Images,
}

/// Fully qualified image names with their tags: `podman auto-update` pulls
/// by name, and PostgreSQL's and Redis's major versions stay where the tag
/// pins them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    pub appliance: String,
    pub postgres: String,
    pub redis: String,
}

fn default_workers() -> u8 {
    2
}
fn default_http_port() -> u16 {
    80
}
fn default_https_port() -> u16 {
    443
}
fn default_backups_keep() -> u16 {
    14
}
fn default_subnet() -> String {
    "10.89.42.0/24".to_owned()
}

/// The most workers one host is given; more would only wait on the same two
/// PostgreSQL and Redis connections' worth of work per core.
pub const MAX_WORKERS: u8 = 16;

impl Settings {
    /// Read and check the settings file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the settings file {}", path.display()))?;
        Settings::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parse and check settings; the error names the setting.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let de = toml::Deserializer::parse(text).map_err(|e| syntax(text, &e))?;
        let settings: Settings = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().message().to_owned();
            let setting = |field: &str| {
                let field = field.trim_matches('`');
                if path == "." { field.to_owned() } else { format!("{path}.{field}") }
            };
            if let Some(field) = message.strip_prefix("missing field ") {
                format!("the setting {} is missing", setting(field))
            } else if message.starts_with("unknown field") {
                format!("{message} (the settings are domain, acme_email, workers, http_port, https_port, subnet, backups_keep, mail_from and [images] appliance, postgres, redis)")
            } else {
                format!("the setting {path}: {message}")
            }
        })?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        check_domain(&self.domain).map_err(|e| format!("the setting domain: {e}"))?;
        check_email(&self.acme_email).map_err(|e| format!("the setting acme_email: {e}"))?;
        if let Some(from) = &self.mail_from {
            check_email(from).map_err(|e| format!("the setting mail_from: {e}"))?;
        }
        if !(1..=MAX_WORKERS).contains(&self.workers) {
            return Err(format!(
                "the setting workers: {} is not between 1 and {MAX_WORKERS}",
                self.workers
            ));
        }
        for (name, port) in [
            ("http_port", self.http_port),
            ("https_port", self.https_port),
        ] {
            if port == 0 {
                return Err(format!("the setting {name}: 0 is not a port"));
            }
        }
        self.network_prefix()
            .map_err(|e| format!("the setting subnet: {e}"))?;
        if self.backups_keep == 0 {
            return Err(
                "the setting backups_keep: 0 would delete every backup; keep at least 1".to_owned(),
            );
        }
        if self.http_port == self.https_port {
            return Err(format!(
                "the settings http_port and https_port are both {}",
                self.http_port
            ));
        }
        for (name, image, major) in [
            ("images.appliance", &self.images.appliance, false),
            ("images.postgres", &self.images.postgres, true),
            ("images.redis", &self.images.redis, true),
        ] {
            check_image(image, major).map_err(|e| format!("the setting {name}: {e}"))?;
        }
        Ok(())
    }
}

impl Settings {
    /// The first three octets of the /24 subnet (`10.89.42`).
    pub fn network_prefix(&self) -> Result<String, String> {
        let wrong = || {
            format!(
                "{:?} is not an IPv4 /24 network like 10.89.42.0/24",
                self.subnet
            )
        };
        let (address, bits) = self.subnet.split_once('/').ok_or_else(wrong)?;
        let address: std::net::Ipv4Addr = address.parse().map_err(|_| wrong())?;
        let [a, b, c, d] = address.octets();
        if bits != "24" || d != 0 {
            return Err(wrong());
        }
        Ok(format!("{a}.{b}.{c}"))
    }
}

/// A TOML syntax error in one line, with where it is.
fn syntax(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
    let what = e.message().lines().next().unwrap_or("unreadable");
    match line {
        Some(line) => format!("the file is not valid TOML (line {line}): {what}"),
        None => format!("the file is not valid TOML: {what}"),
    }
}

fn check_domain(name: &str) -> Result<(), String> {
    let labels_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(format!("{name:?} is not a host name"));
    }
    Ok(())
}

fn check_email(address: &str) -> Result<(), String> {
    match address.split_once('@') {
        Some((user, host))
            if !user.is_empty()
                && host.contains('.')
                && check_domain(host).is_ok()
                && !address.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(format!("{address:?} is not an e-mail address")),
    }
}

/// `registry.host/path/name:tag`: a registry host (it has a dot or a port,
/// or is `localhost`) so `podman auto-update` knows where to look, and a tag;
/// for the servers, a tag that starts with the major version.
fn check_image(image: &str, major_pinned: bool) -> Result<(), String> {
    let (host, rest) = image.split_once('/').unwrap_or(("", image));
    let qualified = host.contains('.') || host.contains(':') || host == "localhost";
    if !qualified || rest.is_empty() || image.contains(char::is_whitespace) {
        return Err(format!(
            "{image:?} is not a fully qualified image name (registry/name:tag, e.g. docker.io/library/postgres:15)"
        ));
    }
    let tag = match rest.rsplit_once(':') {
        Some((name, tag)) if !name.is_empty() && !tag.is_empty() && !tag.contains('/') => tag,
        _ => return Err(format!("{image:?} has no tag")),
    };
    if major_pinned && !tag.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "{image:?}: the tag must pin the major version (e.g. :15), not {tag:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
domain = "erp.motos.hn"
acme_email = "ti@motos.hn"
workers = 3
[images]
appliance = "registry.motos.hn/erp/appliance:1.4"
postgres = "docker.io/library/postgres:15"
redis = "docker.io/library/redis:7.2"
"#;

    fn error_of(text: &str) -> String {
        match Settings::parse(text) {
            Ok(s) => panic!("accepted: {s:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_complete_file_is_read_with_its_defaults() -> Result<(), String> {
        let s = Settings::parse(GOOD)?;
        assert_eq!((s.workers, s.http_port, s.https_port), (3, 80, 443));
        assert_eq!(s.images.redis, "docker.io/library/redis:7.2");
        Ok(())
    }

    #[test]
    fn a_missing_setting_is_named() {
        let e = error_of(&GOOD.replace("acme_email = \"ti@motos.hn\"\n", ""));
        assert_eq!(e, "the setting acme_email is missing");
        let e = error_of(&GOOD.replace("redis = \"docker.io/library/redis:7.2\"\n", ""));
        assert_eq!(e, "the setting images.redis is missing");
    }

    #[test]
    fn a_malformed_setting_is_named() {
        let e = error_of(&GOOD.replace("workers = 3", "workers = \"tres\""));
        assert!(e.starts_with("the setting workers: invalid type"), "{e}");
        let e = error_of(&GOOD.replace("workers = 3", "workers = 40"));
        assert_eq!(e, "the setting workers: 40 is not between 1 and 16");
        let e = error_of(&GOOD.replace("erp.motos.hn", "erp motos"));
        assert_eq!(e, "the setting domain: \"erp motos\" is not a host name");
        let e = error_of(&GOOD.replace("postgres:15", "postgres:latest"));
        assert!(e.starts_with("the setting images.postgres:"), "{e}");
        assert!(e.contains("must pin the major version"), "{e}");
        let e = error_of(&GOOD.replace("docker.io/library/redis:7.2", "redis:7"));
        assert!(e.contains("not a fully qualified image name"), "{e}");
        let e = error_of(&format!("{GOOD}\n[extra]\nx = 1\n"));
        assert!(e.starts_with("unknown field `extra`"), "{e}");
        let e = error_of(&format!("subnet = \"10.89.42.0/16\"\n{GOOD}"));
        assert!(e.starts_with("the setting subnet:"), "{e}");
        let e = error_of("domain = ");
        assert!(e.starts_with("the file is not valid TOML"), "{e}");
    }
}
