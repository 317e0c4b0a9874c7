//! A build stopped by the user (Ctrl-C, which is SIGINT, or SIGTERM) while it writes: herald
//! removes what it wrote (the temporary files beside the output's files, or the staging folder
//! beside the output), leaves the output exactly as it was and exits with code 130.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Fixture, stderr};

const ITEMS: usize = 1500;

fn write_news(f: &Fixture, version: &str) {
    f.write(
        "content/pages/about.en.md",
        "---\ntitle: About\n---\nThe project.\n",
    );
    for n in 0..ITEMS {
        f.write(
            &format!("content/news/item-{n:04}.en.md"),
            &format!(
                "---\ntitle: {version} item {n}\ndate: 2024-01-01\ntags: [a, b]\n---\nThe text of item {n}, {version}.\n\nA second paragraph.\n"
            ),
        );
    }
}

/// The names under `dir` that a build writes before its commit.
fn build_leftovers(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".herald-new-") || name.contains(".herald-old-"))
        .collect()
}

/// Starts `herald build`, waits until it has written something that is not the output yet (a
/// file under `watch` named by [`build_leftovers`]), sends `signal`, and returns what it
/// printed and its exit code; `None` when the build ended before anything was seen, or
/// before the signal came (a signal during the commit's renames lets them finish: the build
/// then ends as built).
fn stop_a_build(f: &Fixture, watch: &Path, signal: &str) -> Option<(String, Option<i32>)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("build")
        .current_dir(f.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run herald");
    loop {
        if child.try_wait().expect("wait").is_some() {
            let _ = child.wait_with_output();
            return None;
        }
        if !build_leftovers(watch).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // The shell's own `kill`: a minimal system may have no `kill` program.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -{signal} {}", child.id())])
        .status()
        .expect("run sh");
    assert!(sent.success(), "kill -{signal} failed");
    let output = child.wait_with_output().expect("wait");
    if output.status.success() {
        return None;
    }
    Some((stderr(&output), output.status.code()))
}

#[test]
fn a_rebuild_stopped_while_it_writes_leaves_the_output_as_it_was() {
    let f = Fixture::empty();
    write_news(&f, "first");
    let first = f.build();
    assert!(first.status.success(), "{}", stderr(&first));
    let before = f.output();
    let mut stopped = 0;
    for (attempt, signal) in ["INT", "TERM", "INT"].into_iter().enumerate() {
        // Every page changes, so that the rebuild writes a temporary file beside each one.
        write_news(&f, &format!("version {attempt}"));
        let Some((printed, code)) = stop_a_build(&f, &f.path("public"), signal) else {
            // The build ended first: the output is the new site, whole; start again from it.
            assert_eq!(build_leftovers(f.root()), Vec::<String>::new());
            assert!(
                f.read("public/en/news/item-0000/index.html")
                    .contains(&format!("version {attempt} item 0"))
            );
            write_news(&f, "first");
            assert!(f.build().status.success());
            continue;
        };
        stopped += 1;
        assert_eq!(code, Some(130), "SIG{signal}: {printed}");
        assert!(printed.contains("was left as it was"), "{printed}");
        assert_eq!(
            build_leftovers(f.root()),
            Vec::<String>::new(),
            "SIG{signal}"
        );
        assert!(f.output() == before, "SIG{signal}: the output changed");
    }
    assert!(stopped > 0, "every build ended before it could be stopped");
}

#[test]
fn a_first_build_stopped_while_it_writes_leaves_no_output() {
    let f = Fixture::empty();
    write_news(&f, "first");
    for _ in 0..3 {
        let Some((printed, code)) = stop_a_build(&f, f.root(), "INT") else {
            // The build ended first (or the signal came during its two renames).
            assert_eq!(build_leftovers(f.root()), Vec::<String>::new());
            std::fs::remove_dir_all(f.path("public")).expect("remove the output");
            continue;
        };
        assert_eq!(code, Some(130), "{printed}");
        assert_eq!(build_leftovers(f.root()), Vec::<String>::new());
        assert!(
            !f.path("public").exists(),
            "a stopped first build made an output"
        );
        return;
    }
    panic!("every build ended before it could be stopped");
}
