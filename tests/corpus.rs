//! The corpus of broken inputs: every mistake an editor can make, with the message herald must
//! give.
//!
//! Each folder of `tests/corpus/` holds the files of one mistake, at their place in a site,
//! and `expected.txt`: the texts the error output must contain, one per line (`#` starts a
//! comment), file and line included. The test copies them over the small fixture site, builds
//! it, and checks that the build fails with exit status 1, without a panic, saying all of that.
//! A line `@schema-rejects` says that the JSON Schema of front matter must refuse the case's
//! Markdown files too (see tests/schema.rs).

mod common;

use std::path::{Path, PathBuf};

use common::{Fixture, stderr};

pub const EXPECTED: &str = "expected.txt";

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The texts the output must contain.
fn expected(case: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(case.join(EXPECTED)).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('@'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_broken_input_fails_with_its_message() {
    let cases = cases();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let fixture = Fixture::small();
        fixture.copy_tree(case, &[EXPECTED]);
        let output = fixture.build();
        let err = stderr(&output);
        let expected = expected(case);
        let mut problems = Vec::new();
        if expected.is_empty() {
            problems.push("expected.txt is missing or empty".to_string());
        }
        if output.status.code() != Some(1) {
            problems.push(format!("exit status {:?}, not 1", output.status.code()));
        }
        if err.contains("panicked") {
            problems.push("herald panicked".to_string());
        }
        for needle in &expected {
            if !err.contains(needle.as_str()) {
                problems.push(format!("no `{needle}` in the output"));
            }
        }
        if fixture.path("public").exists() {
            problems.push("a failed build wrote public/".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}\n{err}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
