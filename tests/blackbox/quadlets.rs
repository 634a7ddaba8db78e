//! `appliance quadlets render`: the units an install gets pass podman 5's
//! quadlet generator and `systemd-analyze --user verify` without a word, and
//! a settings file with a mistake is refused by the setting's name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::harness::{BIN, TestResult, manifest_dir};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Podman 5's quadlet generator, which `scripts/setup-debian.sh` unpacks.
fn generator() -> Result<PathBuf, Error> {
    let path = std::env::var_os("ERP_QUADLET_GENERATOR")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cache")))?;
            Some(cache.join("erp-tools/podman5/usr/libexec/podman/quadlet"))
        })
        .ok_or("no HOME to find podman 5's quadlet generator under")?;
    if !path.exists() {
        return Err(format!(
            "podman 5's quadlet generator is not at {} (scripts/setup-debian.sh fetches it)",
            path.display()
        )
        .into());
    }
    Ok(path)
}

fn render(settings: &Path, out: &Path) -> Result<Output, Error> {
    Ok(Command::new(BIN)
        .args(["quadlets", "render", "--settings"])
        .arg(settings)
        .arg("--out")
        .arg(out)
        .output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The generator's complaints about the units in `dir` (its dry run prints
/// the units on stdout and one "Loading source unit file" line per file).
fn generator_complaints(dir: &Path) -> Result<(bool, Vec<String>), Error> {
    let out = Command::new(generator()?)
        .args(["-dryrun", "-user"])
        .env("QUADLET_UNIT_DIRS", dir)
        .output()?;
    let complaints = text(&out.stderr)
        .lines()
        .filter(|l| !l.contains("Loading source unit file"))
        .map(str::to_owned)
        .collect();
    Ok((out.status.success(), complaints))
}

#[test]
fn the_rendered_units_pass_the_quadlet_generator_and_systemd_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let units = dir.path().join("units");
    let example = manifest_dir().join("../quadlets/appliance.example.toml");
    let out = render(&example, &units)?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("19 unit files written to"));

    let (ok, complaints) = generator_complaints(&units)?;
    assert!(ok && complaints.is_empty(), "{complaints:#?}");

    // With e-mail set up, the worker's extra lines pass too.
    let with_mail = dir.path().join("mail.toml");
    std::fs::write(
        &with_mail,
        std::fs::read_to_string(&example)?.replace(
            "\n[images]",
            "\nmail_from = \"sistema@example.hn\"\n[images]",
        ),
    )?;
    let mail_units = dir.path().join("mail-units");
    let out = render(&with_mail, &mail_units)?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let worker = std::fs::read_to_string(mail_units.join("erp-worker@.container"))?;
    assert!(worker.contains("Secret=erp-smtp-url,"), "{worker}");
    let (ok, complaints) = generator_complaints(&mail_units)?;
    assert!(ok && complaints.is_empty(), "{complaints:#?}");

    // The services podman would run, beside the socket and the target.
    let generated = dir.path().join("generated");
    std::fs::create_dir(&generated)?;
    let out = Command::new(generator()?)
        .arg("-user")
        .args([&generated, &generated, &generated])
        .env("QUADLET_UNIT_DIRS", &units)
        .output()?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    for plain in ["erp-proxy.socket", "erp-backup.timer", "erp.target"] {
        std::fs::copy(units.join(plain), generated.join(plain))?;
    }
    let mut names: Vec<String> = std::fs::read_dir(&generated)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.contains("@."))
        .collect();
    names.sort();
    // A template is checked as an instance.
    names.push("erp-worker@1.service".into());
    for role in [
        "erp-api.service",
        "erp-web.service",
        "erp-scheduler.service",
        "erp-migrate.service",
        "erp-proxy.service",
        "erp-release.service",
        "erp-backup.service",
        "erp-postgres.service",
        "erp-redis.service",
        "erp-network.service",
        "erp-files-volume.service",
    ] {
        assert!(names.iter().any(|n| n == role), "{role} in {names:?}");
    }
    let runtime = tempfile::tempdir()?;
    let verify = Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .args(&names)
        .current_dir(&generated)
        .env("SYSTEMD_UNIT_PATH", format!("{}:", generated.display()))
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()?;
    let said = format!("{}{}", text(&verify.stdout), text(&verify.stderr));
    assert!(
        verify.status.success() && said.is_empty(),
        "systemd-analyze verify said:\n{said}"
    );
    Ok(())
}

/// The check above can fail: a unit the generator does not accept is named.
#[test]
fn the_generator_check_finds_a_broken_unit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let units = dir.path().join("units");
    let out = render(
        &manifest_dir().join("../quadlets/appliance.example.toml"),
        &units,
    )?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let api = units.join("erp-api.container");
    let unit =
        std::fs::read_to_string(&api)?.replace("Network=erp.network", "Network=nowhere.network");
    std::fs::write(&api, unit)?;
    let (ok, complaints) = generator_complaints(&units)?;
    assert!(!ok, "a network that no unit defines is refused");
    assert!(
        complaints.iter().any(|c| c.contains("nowhere.network")),
        "{complaints:#?}"
    );
    Ok(())
}

#[test]
fn a_settings_file_with_a_mistake_is_refused_by_the_setting_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let example =
        std::fs::read_to_string(manifest_dir().join("../quadlets/appliance.example.toml"))?;
    let images_line = example
        .lines()
        .position(|l| l == "[images]")
        .ok_or("no [images] in the example")?
        + 1;
    let bad_toml = format!("is not valid TOML (line {images_line})");
    for (change, expected) in [
        (
            example.replace("acme_email = \"ti@example.hn\"\n", ""),
            "the setting acme_email is missing",
        ),
        (
            example.replace("workers = 2", "workers = \"dos\""),
            "the setting workers: invalid type",
        ),
        (
            example.replace("docker.io/library/postgres:15", "postgres"),
            "the setting images.postgres: \"postgres\" is not a fully qualified image name",
        ),
        (
            example.replace("https_port = 443", "https_port = 80"),
            "the settings http_port and https_port are both 80",
        ),
        (example.replace("[images]", "[images"), bad_toml.as_str()),
    ] {
        let settings = dir.path().join("appliance.toml");
        std::fs::write(&settings, &change)?;
        let out_dir = dir.path().join("out");
        let out = render(&settings, &out_dir)?;
        let err = text(&out.stderr);
        assert!(!out.status.success(), "accepted: {change}");
        assert!(err.contains(expected), "{expected:?} in {err:?}");
        assert!(!out_dir.exists(), "nothing is written for a bad file");
    }
    let out = render(Path::new("/nonexistent/appliance.toml"), dir.path())?;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("reading the settings file /nonexistent/appliance.toml"));
    Ok(())
}

/// `admin init` makes the install's secrets in podman (a private store
/// here), each once, with a random value it never prints.
#[test]
fn admin_init_makes_each_secret_once_and_never_prints_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let conf = dir.path().join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
            dir.path().display()
        ),
    )?;
    let init = || {
        Command::new(BIN)
            .args(["admin", "init"])
            .env("CONTAINERS_STORAGE_CONF", &conf)
            .env_remove("ERP_DATABASE_URL")
            .output()
    };
    // What podman's file driver keeps: secret id → base64 of the value.
    let stored = || -> Result<Vec<String>, Error> {
        let path = dir.path().join("graph/secrets/filedriver/secretsdata.json");
        let data: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(path)?)?;
        use base64::Engine;
        data.values()
            .map(|v| {
                let bytes =
                    base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or(""))?;
                Ok(String::from_utf8(bytes)?)
            })
            .collect()
    };

    let first = init()?;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(
        text(&first.stdout),
        "secret erp-db-owner-password: created with a random value\n\
         secret erp-db-server-password: created with a random value\n"
    );
    let mut values = stored()?;
    values.sort();
    assert_eq!(values.len(), 2);
    assert_ne!(values[0], values[1]);
    for value in &values {
        assert_eq!(value.len(), 43, "256 random bits in URL-safe base64");
        assert!(!text(&first.stdout).contains(value) && !text(&first.stderr).contains(value));
    }

    let again = init()?;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        text(&again.stdout),
        "secret erp-db-owner-password: exists, kept\nsecret erp-db-server-password: exists, kept\n"
    );
    let mut kept = stored()?;
    kept.sort();
    assert_eq!(kept, values, "the values the data was made with stay");

    let missing = Command::new(BIN)
        .args(["admin", "init"])
        .env("ERP_PODMAN", "/nonexistent/podman")
        .output()?;
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("install podman 5.2 or newer"));
    Ok(())
}

/// `admin restore` of something that is not a backup says so and stops
/// before it touches the install: with podman and systemctl pointed nowhere,
/// any step past the check would fail with another sentence.
#[test]
fn admin_restore_of_a_file_that_is_not_a_backup_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let restore = |file: &Path| {
        Command::new(BIN)
            .args(["admin", "restore"])
            .arg(file)
            .env("ERP_PODMAN", "/nonexistent/podman")
            .env("ERP_SYSTEMCTL", "/nonexistent/systemctl")
            .output()
    };
    for (name, content) in [
        ("notas.txt", &b"Ventas de noviembre\n"[..]),
        ("vacio.dump", &b""[..]),
        ("cortado.dump", &b"PGD"[..]),
        (
            "plano.sql",
            &b"--\n-- PostgreSQL database dump\n--\nCREATE TABLE t (x int);\n"[..],
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, content)?;
        let out = restore(&file)?;
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{name} was accepted");
        assert!(
            err.contains(&format!(
                "{} is not a backup of the appliance",
                file.display()
            )) && err.contains("nothing was changed"),
            "{name}: {err}"
        );
    }
    let out = restore(Path::new("/nonexistent/erp-20261206T030000Z.dump"))?;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("reading /nonexistent/erp-20261206T030000Z.dump"));
    Ok(())
}
