//! Caddy's own adapter cases (see caddyfile_adapt/README.md): every file
//! either adapt to the JSON `caddy adapt` gives (compared as JSON), or fail
//! with Caddy's error, or be refused with an error that names the
//! directive, option or form the appliance does not support.

use std::path::PathBuf;

use caddy_compat::{Caddyfile, adapt};

/// The cases in the checkout running the tests: cargo says where at run
/// time; the compile-time folder can be another checkout's when a target
/// directory is shared between checkouts and cargo finds the binary fresh.
fn cases_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("tests/caddyfile_adapt")
}

struct Case {
    name: String,
    caddyfile: String,
    /// The JSON `caddy adapt` gives, or the error substring it reports.
    expected: Expected,
}

enum Expected {
    Json(serde_json::Value),
    Error(String),
}

fn cases() -> Vec<Case> {
    let dir = cases_dir();
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("test data folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("readable case");
        let mut caddyfile = String::new();
        let mut rest = String::new();
        let mut seen_dashes = false;
        for line in text.split_inclusive('\n') {
            if !seen_dashes && line.trim_end() == "----------" {
                seen_dashes = true;
                continue;
            }
            if seen_dashes {
                rest.push_str(line);
            } else {
                caddyfile.push_str(line);
            }
        }
        assert!(seen_dashes, "{} has no dashes line", path.display());
        let expected = match serde_json::from_str(rest.trim()) {
            Ok(json) if rest.trim_start().starts_with('{') => Expected::Json(json),
            _ => Expected::Error(rest.trim().to_owned()),
        };
        out.push(Case {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            caddyfile,
            expected,
        });
    }
    out
}

#[test]
fn every_case_adapts_or_fails_as_expected() {
    let dir = cases_dir();
    // Imports in the cases are relative to the Caddyfile's folder.
    let file = dir.join("Caddyfile").to_string_lossy().to_string();
    let (mut adapted, mut failed_as_expected, mut unsupported) = (0, 0, 0);
    let mut wrong = Vec::new();
    let all = cases();
    assert!(all.len() > 230, "the whole suite is there: {}", all.len());
    for case in &all {
        // Caddy's cases name the file `Caddyfile`, as `caddy adapt` run in
        // its folder would: errors are compared that way.
        let relative = |e: String| e.replace(&format!("{}/", dir.display()), "");
        let result = Caddyfile::parse(&file, &case.caddyfile)
            .map_err(|e| (relative(e.to_string()), false))
            .and_then(|tree| {
                adapt(&tree).map_err(|e| (relative(e.to_string()), e.is_unsupported()))
            });
        match (&case.expected, result) {
            (Expected::Json(want), Ok(got)) => {
                if &got == want {
                    adapted += 1;
                } else {
                    wrong.push(format!("{}: adapted to\n{got}\nnot\n{want}", case.name));
                }
            }
            (Expected::Error(want), Err((e, _))) if e.contains(want.as_str()) => {
                failed_as_expected += 1;
            }
            (_, Err((e, true))) => {
                println!("{}: {e}", case.name);
                unsupported += 1;
            }
            (Expected::Json(_), Err((e, false))) => {
                wrong.push(format!("{}: refused: {e}", case.name))
            }
            (Expected::Error(want), Err((e, false))) => {
                wrong.push(format!("{}: expected «{want}», got «{e}»", case.name))
            }
            (Expected::Error(want), Ok(_)) => wrong.push(format!(
                "{}: adapted, but Caddy refuses it: {want}",
                case.name
            )),
        }
    }
    println!(
        "caddyfile_adapt: {} cases: {adapted} adapt to Caddy's JSON, {failed_as_expected} fail with \
         Caddy's error, {unsupported} refused naming what the appliance does not support",
        all.len()
    );
    assert!(
        wrong.is_empty(),
        "{} cases went wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
