//! A Caddyfile as people write it for Caddy, opening with `admin off`,
//! `persist_config off` and a `storage` folder, and a site without a host
//! name carrying its own certificate: `appliance proxy --caddyfile` takes
//! it, keeps its certificates where `storage` says, and serves the site's
//! certificate for any name. An admin endpoint, which the appliance does
//! not have, is refused at start with a sentence naming it.

use std::process::{Command, Stdio};

use crate::edge_harness::{Proxy, Upstream, self_signed_site, served_certificate_and_body};
use crate::harness::{BIN, TestResult};

#[tokio::test(flavor = "multi_thread")]
async fn admin_off_and_a_storage_folder_are_taken_and_a_hostless_site_serves_its_certificate()
-> TestResult {
    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    let dir = proxy.dir.path().to_path_buf();
    let (site, cert, key) = self_signed_site(&dir, "erp.example.hn")?;
    let storage = dir.join("caddy-data");
    let caddyfile = dir.join("Caddyfile");
    std::fs::write(
        &caddyfile,
        format!(
            "{{\n\tadmin off\n\tpersist_config off\n\tstorage file_system {{\n\t\troot {}\n\t}}\n\
             \thttp_port {}\n\thttps_port {}\n}}\n\n\
             https:// {{\n\ttls {} {}\n\trespond /hola \"hola\"\n}}\n",
            storage.display(),
            proxy.http,
            proxy.https,
            cert.display(),
            key.display()
        ),
    )?;
    let mut cmd = Command::new(BIN);
    cmd.args(proxy.args(upstream.addr))
        .arg("--caddyfile")
        .arg(&caddyfile);
    // Before: refused at line 2 ("unsupported global option 'admin'").
    proxy.spawn(cmd)?;

    // The local CA lives in the storage folder, not in --tls-dir.
    assert!(
        storage.join("local-ca.pem").is_file(),
        "the local CA is kept in the Caddyfile's storage folder"
    );
    assert!(!dir.join("tls").join("local-ca.pem").exists());

    // Any name, and an address (no SNI at all): the site's certificate.
    // Before: the catch-all site's certificate was chosen for no name and
    // the local CA's was served instead.
    for host in ["localhost", "127.0.0.1"] {
        let (served, body) =
            served_certificate_and_body(&format!("https://{host}:{}/hola", proxy.https)).await?;
        assert_eq!(
            served.as_deref(),
            Some(site.cert.der().as_ref()),
            "{host}: the site's own certificate"
        );
        assert_eq!(body, "hola");
    }
    assert!(
        proxy.log_text().contains("caddy-data"),
        "the log says where certificates are kept: {}",
        proxy.log_text()
    );
    assert!(proxy.terminate()?.success());
    Ok(())
}

#[test]
fn an_admin_endpoint_is_refused_by_name_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let caddyfile = dir.path().join("Caddyfile");
    for (global, named) in [
        ("admin localhost:2019", "admin endpoint localhost:2019"),
        (
            "admin {\n\t\torigins localhost:2019\n\t}",
            "admin endpoint localhost:2019",
        ),
        ("storage redis", "storage module 'redis'"),
    ] {
        std::fs::write(
            &caddyfile,
            format!("{{\n\t{global}\n}}\nlocalhost {{\n\trespond hi\n}}\n"),
        )?;
        let out = Command::new(BIN)
            .args(["proxy", "--http", "127.0.0.1:1", "--https", "127.0.0.1:1"])
            .arg("--tls-dir")
            .arg(dir.path().join("tls"))
            .arg("--caddyfile")
            .arg(&caddyfile)
            .stdin(Stdio::null())
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{global}: refused");
        assert!(stderr.contains(named), "{global}: names it: {stderr}");
        assert!(
            !dir.path().join("tls").exists(),
            "{global}: refused before anything is written"
        );
    }
    Ok(())
}
