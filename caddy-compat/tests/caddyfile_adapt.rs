//! Caddy's own adapter cases (see caddyfile_adapt/README.md): every file
//! must tokenize and parse into the typed tree, or fail with the error the
//! case expects when that error belongs to the Caddyfile syntax. Errors of
//! the adapting step (unknown options, bad ports …) are counted separately
//! until the adapter reports them.

use std::path::Path;

use caddy_compat::Caddyfile;

struct Case {
    name: String,
    caddyfile: String,
    /// The JSON `caddy adapt` gives, or the error substring it reports.
    expected: Expected,
}

enum Expected {
    // Compared with the adapter's output once it exists (issue 5).
    #[allow(dead_code)]
    Json(serde_json::Value),
    Error(String),
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/caddyfile_adapt");
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
fn every_case_parses_or_fails_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/caddyfile_adapt");
    // Imports in the cases are relative to the Caddyfile's folder.
    let file = dir.join("Caddyfile").to_string_lossy().to_string();
    let (mut parsed, mut syntax_errors, mut later_errors) = (0, 0, 0);
    let mut wrong = Vec::new();
    let all = cases();
    assert!(all.len() > 150, "the whole suite is there: {}", all.len());
    for case in &all {
        let result = Caddyfile::parse(&file, &case.caddyfile);
        match (&case.expected, result) {
            (Expected::Json(_), Ok(tree)) => {
                if tree.sites.is_empty() && tree.global.is_empty() && tree.named_routes.is_empty() {
                    wrong.push(format!("{}: parsed into nothing", case.name));
                }
                parsed += 1;
            }
            (Expected::Json(_), Err(e)) => wrong.push(format!("{}: {e}", case.name)),
            (Expected::Error(want), Err(e)) => {
                if e.message.contains(want.as_str()) {
                    println!("{}: refused as expected: {e}", case.name);
                    syntax_errors += 1;
                } else {
                    wrong.push(format!("{}: expected «{want}», got «{e}»", case.name));
                }
            }
            // Parsed fine: the error belongs to adapting.
            (Expected::Error(want), Ok(_)) => {
                println!("{}: parses; the adapter is to refuse it: {want}", case.name);
                later_errors += 1;
            }
        }
    }
    println!(
        "caddyfile_adapt: {} cases; parsed {parsed}; syntax errors as expected {syntax_errors}; \
         errors left to the adapter {later_errors}",
        all.len()
    );
    assert!(
        wrong.is_empty(),
        "{} cases went wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
