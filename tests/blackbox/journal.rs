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
