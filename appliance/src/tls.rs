//! The local certificate authority: created on first run in the TLS
//! directory (`local-ca.pem` public, `local-ca-key.pem` private, 0600); it
//! issues the HTTPS certificate for localhost and loopback addresses, which
//! is regenerated at every start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

pub const CA_FILE: &str = "local-ca.pem";
const CA_KEY_FILE: &str = "local-ca-key.pem";

pub struct LocalCa {
    pub root_path: PathBuf,
    pub root_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

impl LocalCa {
    /// Load the CA from `dir`, creating it on first use.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<LocalCa> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let root_path = dir.join(CA_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        if !(root_path.exists() && key_path.exists()) {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CommonName, "ERP appliance local CA");
            dn.push(DnType::OrganizationName, "ERP appliance");
            params.distinguished_name = dn;
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let (from, to) = validity(3650);
            params.not_before = from;
            params.not_after = to;
            let cert = params.self_signed(&key)?;
            write_private(&key_path, &key.serialize_pem())?;
            std::fs::write(&root_path, cert.pem())?;
            log::info!("created the local CA at {}", root_path.display());
        }
        let key = KeyPair::from_pem(&std::fs::read_to_string(&key_path)?)?;
        let root_pem = std::fs::read_to_string(&root_path)?;
        let issuer =
            Issuer::from_ca_cert_pem(&root_pem, key).context("reading the local CA certificate")?;
        let root_der = rustls_pemfile::certs(&mut root_pem.as_bytes())
            .next()
            .context("the local CA file holds no certificate")??;
        Ok(LocalCa {
            root_path,
            root_der,
            issuer,
        })
    }

    /// A fresh server certificate for the given names (DNS names or IPs).
    pub fn issue(&self, names: &[&str]) -> anyhow::Result<Arc<CertifiedKey>> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName((*n).try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("localhost"),
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let (from, to) = validity(365);
        params.not_before = from;
        params.not_after = to;
        let cert = params.signed_by(&key, &self.issuer)?;
        let der_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = rustls::crypto::ring::sign::any_supported_type(&der_key)?;
        Ok(Arc::new(CertifiedKey::new(
            vec![CertificateDer::from(cert.der().to_vec())],
            signing,
        )))
    }
}

/// Valid from yesterday (clock skew) for `days`.
fn validity(days: i64) -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = time::OffsetDateTime::now_utc();
    (
        now - time::Duration::days(1),
        now + time::Duration::days(days),
    )
}

/// The names the local certificate covers.
pub const LOCAL_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
