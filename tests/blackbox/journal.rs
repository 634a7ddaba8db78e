//! Logs reach the journal when `JOURNAL_STREAM` says stderr is the journal.
//! The binary runs in a private mount namespace whose
//! `/run/systemd/journal` is a directory of the test, where the test listens
//! on the journal's socket and reads the native-protocol datagrams.

use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::time::Duration;

use crate::harness::{BIN, TestResult, free_port};

#[test]
fn logs_go_to_the_journal_with_the_role_as_identifier() -> TestResult {
    let dir = tempfile::tempdir()?;
    let journal = dir.path().join("journal");
    std::fs::create_dir(&journal)?;
    let socket = UnixDatagram::bind(journal.join("socket"))?;
    socket.set_read_timeout(Some(Duration::from_secs(20)))?;

    // stderr is "the journal": a file whose device:inode goes in JOURNAL_STREAM.
    let stderr = std::fs::File::create(dir.path().join("stderr"))?;
    let meta = stderr.metadata()?;
    let closed = free_port();
    let status = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && mount --bind "$JOURNAL_DIR" /run/systemd/journal && exec "$APPLIANCE" healthcheck --api "127.0.0.1:$CLOSED_PORT""#)
        .env("JOURNAL_DIR", &journal)
        .env("APPLIANCE", BIN)
        .env("CLOSED_PORT", closed.to_string())
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stderr(stderr)
        .status()?;
    assert!(!status.success(), "the probe of a closed port fails");

    // The logger probes the socket with an empty datagram first; the entry follows.
    let mut buf = vec![0u8; 65536];
    let mut n = 0;
    while n == 0 {
        n = socket.recv(&mut buf)?;
    }
    let entry = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        entry.contains("SYSLOG_IDENTIFIER=appliance-healthcheck\n"),
        "{entry}"
    );
    assert!(
        entry.contains("PRIORITY=3\n"),
        "an error is priority 3: {entry}"
    );
    // MESSAGE uses the protocol's length-prefixed form: `MESSAGE\n<u64 LE><bytes>\n`.
    assert!(
        entry.contains("MESSAGE\n") && entry.contains("Connection refused"),
        "{entry}"
    );
    // Nothing went to stderr except the one-sentence error for a human.
    let text = std::fs::read_to_string(dir.path().join("stderr"))?;
    assert!(text.lines().count() <= 1, "{text}");
    Ok(())
}

/// The proxy's access log reaches the journal with each fact as a field of
/// its own, so an admin can filter with `journalctl STATUS=413 CLIENT=…`.
#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_has_one_field_per_fact() -> TestResult {
    use crate::edge_harness::{Proxy, Upstream};

    let upstream = Upstream::start().await?;
    let mut proxy = Proxy::new()?;
    let journal = proxy.dir.path().join("journal");
    std::fs::create_dir(&journal)?;
    let socket = UnixDatagram::bind(journal.join("socket"))?;
    socket.set_read_timeout(Some(Duration::from_secs(20)))?;
    // Proxy::spawn sends stderr to proxy.log; the same inode stays behind truncation.
    let meta = std::fs::File::create(proxy.dir.path().join("proxy.log"))?.metadata()?;
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && mount --bind "$JOURNAL_DIR" /run/systemd/journal && exec "$APPLIANCE" "$@""#)
        .arg("sh")
        .args(proxy.args(upstream.addr))
        .env("JOURNAL_DIR", &journal)
        .env("APPLIANCE", BIN)
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()));
    proxy.spawn(cmd)?;
    let client = proxy.client()?;
    let answer = client
        .post(proxy.url("/orders?page=2"))
        .body("twelve bytes")
        .send()
        .await?;
    assert_eq!(answer.text().await?, "upstream got 12 bytes");

    let mut buf = vec![0u8; 65536];
    let fields = loop {
        let n = socket.recv(&mut buf)?;
        let fields = journal_fields(&buf[..n]);
        if fields.get("METHOD").map(String::as_str) == Some("POST") {
            break fields;
        }
    };
    for (key, value) in [
        ("SYSLOG_IDENTIFIER", "appliance-proxy"),
        ("TARGET", "access"),
        ("PATH", "/orders"),
        ("STATUS", "200"),
        ("BYTES", "21"),
        ("PROTOCOL", "HTTP/2.0"),
        ("CLIENT", "127.0.0.1"),
    ] {
        assert_eq!(
            fields.get(key).map(String::as_str),
            Some(value),
            "{fields:?}"
        );
    }
    assert!(!fields.contains_key("ERROR"), "{fields:?}");
    let duration: f64 = fields.get("DURATION_MS").ok_or("no DURATION_MS")?.parse()?;
    assert!(duration > 0.0 && duration < 10_000.0, "{duration}");
    Ok(())
}

/// The fields of one native-protocol datagram: `KEY=value\n`, or for values
/// that may hold newlines `KEY\n<u64 LE length><bytes>\n`.
fn journal_fields(datagram: &[u8]) -> std::collections::HashMap<String, String> {
    let mut fields = std::collections::HashMap::new();
    let mut rest = datagram;
    while let Some(end) = rest.iter().position(|b| *b == b'\n' || *b == b'=') {
        let key = String::from_utf8_lossy(&rest[..end]).into_owned();
        let value: &[u8];
        if rest[end] == b'=' {
            let line_end = rest[end..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(rest.len(), |p| end + p);
            value = &rest[end + 1..line_end];
            rest = rest.get(line_end + 1..).unwrap_or_default();
        } else {
            let Some(len) = rest
                .get(end + 1..end + 9)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
            else {
                break;
            };
            let start = end + 9;
            let stop = (start + len as usize).min(rest.len());
            value = &rest[start..stop];
            rest = rest.get(stop + 1..).unwrap_or_default();
        }
        fields.insert(key, String::from_utf8_lossy(value).into_owned());
    }
    fields
}
