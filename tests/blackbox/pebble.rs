//! pebble, the ACME test CA (Debian package), run by a test: its own TLS
//! certificate made here, its fake DNS (pebble-challtestsrv) answering
//! 127.0.0.1 for every name, and its validator calling back on the proxy's
//! ports.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use crate::harness::{KillOnDrop, free_port};

type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Pebble {
    pub dir: tempfile::TempDir,
    pub port: u16,
    management: u16,
    config: PathBuf,
    dns: u16,
    _dns_server: KillOnDrop,
    server: Option<KillOnDrop>,
}

impl Pebble {
    /// Configure pebble to validate on the given proxy ports and issue
    /// certificates valid for `validity`; start its DNS, not pebble itself.
    pub fn prepare(http_port: u16, https_port: u16, validity: Duration) -> Result<Pebble, Error> {
        crate::versions::announce();
        let dir = tempfile::tempdir()?;
        // pebble's own HTTPS: a CA and a leaf for localhost.
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key)?;
        let leaf_key = KeyPair::generate()?;
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?
            .signed_by(&leaf_key, &Issuer::new(ca, ca_key))?;
        std::fs::write(dir.path().join("tls-ca.pem"), ca_cert.pem())?;
        std::fs::write(dir.path().join("cert.pem"), leaf.pem())?;
        std::fs::write(dir.path().join("key.pem"), leaf_key.serialize_pem())?;

        let (port, management, dns) = (free_port(), free_port(), free_port());
        let config = dir.path().join("pebble.json");
        let json = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": dir.path().join("cert.pem"),
            "privateKey": dir.path().join("key.pem"),
            "httpPort": http_port,
            "tlsPort": https_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
            "certificateValidityPeriod": validity.as_secs(),
        }});
        std::fs::write(&config, json.to_string())?;
        let dns_server = Command::new("pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-management", &format!("127.0.0.1:{}", free_port())])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Pebble {
            dir,
            port,
            management,
            config,
            dns,
            _dns_server: KillOnDrop(dns_server),
            server: None,
        })
    }

    /// Start pebble and wait until it listens.
    pub fn start(&mut self) -> Result<(), Error> {
        let log = std::fs::File::create(self.dir.path().join("pebble.log"))?;
        let child = Command::new("pebble")
            .arg("-config")
            .arg(&self.config)
            .args([
                "-strict=false",
                "-dnsserver",
                &format!("127.0.0.1:{}", self.dns),
            ])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.server = Some(KillOnDrop(child));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err()
            || TcpStream::connect(("127.0.0.1", self.management)).is_err()
        {
            if Instant::now() > deadline {
                return Err(format!("pebble did not start: {}", self.log_text()).into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// Stop pebble (its configuration and DNS stay).
    pub fn stop(&mut self) {
        self.server = None;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pebble.log")).unwrap_or_default()
    }

    pub fn directory(&self) -> String {
        format!("https://localhost:{}/dir", self.port)
    }

    /// The root pebble's own HTTPS is signed with (for `--acme-ca-root`).
    pub fn tls_root(&self) -> PathBuf {
        self.dir.path().join("tls-ca.pem")
    }

    /// The root of the certificates pebble issues (a new one per start).
    pub async fn issuing_root(&self) -> Result<Vec<u8>, Error> {
        let ca = reqwest::Certificate::from_pem(&std::fs::read(self.tls_root())?)?;
        let client = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .build()?;
        let pem = client
            .get(format!("https://127.0.0.1:{}/roots/0", self.management))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let der = rustls_pemfile::certs(&mut pem.as_ref())
            .next()
            .ok_or("no root from pebble")??;
        Ok(der.to_vec())
    }
}
