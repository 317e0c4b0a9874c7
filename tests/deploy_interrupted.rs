//! Deploys cut off in the middle, against real servers on 127.0.0.1 (see
//! `common/servers.rs`): the herald process killed for a `directory` target, the server killed
//! for `rsync` (atomic), `sftp` and `ftp`. A deploy takes a small site to one with sixty more
//! news items (hundreds of new and changed files). What is served when the deploy stops:
//! - `directory` and atomic `rsync`: wholly the old site or wholly the new one;
//! - `sftp` and `ftp`: every file is whole (the old one or the new one), and no page that a
//!   visitor can reach from the home page links to a file that is not there.
//!
//! The next deploy completes and serves the new site exactly.

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Fixture, SITE_YAML, stderr};
use herald::deploy::manifest::MANIFEST_FILE;
use servers::{Ftpd, Sshd};
use tempfile::TempDir;

type Tree = BTreeMap<String, Vec<u8>>;

/// Every file under `dir` (through links) with its bytes, without the manifest.
fn tree(dir: &Path) -> Tree {
    let mut files: Tree = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some((rel, fs::read(e.path()).ok()?))
        })
        .collect();
    files.remove(MANIFEST_FILE);
    files
}

/// The site's `public/` after a build, as the old and new site of a deploy.
fn built(site: &Fixture) -> Tree {
    let output = site.build();
    assert!(output.status.success(), "{}", stderr(&output));
    site.output()
}

/// Sixty news items: new pages in every language, and every list page changes.
fn add_bulk_news(site: &Fixture) {
    for i in 0..60 {
        site.write(
            &format!("content/news/bulk-{i:02}.en.md"),
            &format!(
                "---\ntitle: Bulk news {i}\ndate: 2023-{:02}-{:02}\ntags: [textile]\n---\n{}\n",
                1 + i / 28,
                1 + i % 28,
                "A paragraph of the news item, long enough to be a page. ".repeat(40)
            ),
        );
    }
}

/// The local targets of `href` and `src` in an HTML page, as site paths of files.
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for part in html.split(attribute).skip(1) {
            let Some(url) = part.split('"').next() else {
                continue;
            };
            let url = url.strip_prefix("https://test.example.eu").unwrap_or(url);
            if !url.starts_with('/') || url.starts_with("//") {
                continue;
            }
            let path = url.split(['#', '?']).next().unwrap_or("");
            let path = path.trim_start_matches('/');
            let file = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            found.push(file);
        }
    }
    found
}

/// What a visitor of a site interrupted in the middle of a file-by-file deploy may see:
/// every file whole (as in `old` or in `new`), and from the home page on, every page links
/// only to files that are there (among those the builds have).
fn assert_consistent(served: &Tree, old: &Tree, new: &Tree, what: &str) {
    for (path, bytes) in served {
        if path.ends_with(".herald-tmp") {
            continue;
        }
        assert!(
            old.get(path) == Some(bytes) || new.get(path) == Some(bytes),
            "{what}: {path} is neither the old file nor the new one (a partial upload?)"
        );
    }
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["index.html".to_string()]);
    while let Some(page) = queue.pop_front() {
        if !seen.insert(page.clone()) {
            continue;
        }
        let Some(bytes) = served.get(&page) else {
            continue;
        };
        if !page.ends_with(".html") {
            continue;
        }
        for target in links(&String::from_utf8_lossy(bytes)) {
            if !old.contains_key(&target) && !new.contains_key(&target) {
                continue;
            }
            assert!(
                served.contains_key(&target),
                "{what}: {page}, which visitors reach from the home page, links to {target}, \
                 which is not there"
            );
            queue.push_back(target);
        }
    }
    assert!(
        seen.len() > 10,
        "{what}: the check walked {} pages",
        seen.len()
    );
}

fn assert_wholly_old_or_new(served: &Tree, old: &Tree, new: &Tree, what: &str) {
    assert!(
        served == old || served == new,
        "{what}: the served tree is a mix ({} files; old has {}, new has {})",
        served.len(),
        old.len(),
        new.len()
    );
}

/// Files in folders named `.*.partial` under `releases`: the upload in progress.
fn partial_files(releases: &Path) -> usize {
    let Ok(entries) = fs::read_dir(releases) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .map(|e| {
            walkdir::WalkDir::new(e.path())
                .into_iter()
                .filter_map(Result::ok)
                .filter(|f| f.file_type().is_file())
                .count()
        })
        .sum()
}

/// The release a `directory` or atomic `rsync` target serves, read through its link once.
fn served_release(served: &Path) -> Tree {
    match fs::read_link(served) {
        Ok(link) => tree(&served.parent().unwrap().join(link)),
        Err(_) => Tree::new(),
    }
}

fn herald(site: &Fixture, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .args(["deploy", "prod"])
        .current_dir(site.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

fn deploy_ok(site: &Fixture, env: &[(&str, &str)]) {
    let output = herald(site, env).output().expect("run herald");
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Waits up to `limit` for `ready`, checking often.
fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[test]
fn a_killed_directory_deploy_leaves_the_old_site_whole() {
    let site = Fixture::small();
    let target = TempDir::new().unwrap();
    let served = target.path().join("www");
    site.write(
        "site.yaml",
        &format!(
            "{SITE_YAML}deploy:\n  prod:\n    type: directory\n    path: {}\n",
            served.display()
        ),
    );
    let old = built(&site);
    deploy_ok(&site, &[]);
    add_bulk_news(&site);
    let new = built(&site);
    let releases = target.path().join(".www.releases");

    // herald killed while it fills the new release; the served tree is looked at all along.
    let mut interrupted = false;
    for _ in 0..5 {
        let mut child = herald(&site, &[]).spawn().expect("run herald");
        let caught = wait_until(Duration::from_secs(60), || {
            assert_wholly_old_or_new(&served_release(&served), &old, &new, "during the deploy");
            partial_files(&releases) > 0 || matches!(child.try_wait(), Ok(Some(_)))
        });
        assert!(caught);
        let running = matches!(child.try_wait(), Ok(None));
        let _ = child.kill();
        let _ = child.wait();
        assert_wholly_old_or_new(&served_release(&served), &old, &new, "after the kill");
        if running && partial_files(&releases) > 0 {
            assert!(served_release(&served) == old, "the old site is served");
            interrupted = true;
            break;
        }
    }
    assert!(interrupted, "no deploy was caught in the middle");
    deploy_ok(&site, &[]);
    assert!(served_release(&served) == new, "the next deploy completes");
    assert_eq!(
        partial_files(&releases),
        0,
        "the interrupted release is gone"
    );
}

#[test]
fn an_atomic_rsync_deploy_cut_off_by_the_server_leaves_the_old_site_whole() {
    let test = "an_atomic_rsync_deploy_cut_off_by_the_server_leaves_the_old_site_whole";
    if let Some(missing) = servers::missing(&["rsync"]) {
        eprintln!("SKIPPED {test}: needs {missing} (Debian: apt-get install rsync)");
        return;
    }
    let Some(mut sshd) = Sshd::start_or_skip(test) else {
        return;
    };
    let site = Fixture::small();
    let target = TempDir::new().unwrap();
    let served = target.path().join("www");
    let yaml = sshd.target_yaml("prod", "rsync", &served, "    atomic: true\n");
    site.write("site.yaml", &format!("{SITE_YAML}deploy:\n{yaml}"));
    let old = built(&site);
    deploy_ok(&site, &[]);
    add_bulk_news(&site);
    let new = built(&site);
    let releases = target.path().join(".www.releases");

    let child = herald(&site, &[]).spawn().expect("run herald");
    let caught = wait_until(Duration::from_secs(60), || {
        assert_wholly_old_or_new(&served_release(&served), &old, &new, "during the deploy");
        partial_files(&releases) > 5
    });
    sshd.kill();
    let output = child.wait_with_output().expect("wait for herald");
    assert!(caught, "the upload was not seen");
    assert!(
        !output.status.success(),
        "the deploy fails when the server goes"
    );
    assert!(served_release(&served) == old, "the old site is served");

    sshd.restart();
    deploy_ok(&site, &[]);
    assert!(served_release(&served) == new, "the next deploy completes");
    assert_eq!(partial_files(&releases), 0);
}

/// Files of the new site's bulk items on the server.
fn bulk_files(served: &Path) -> usize {
    walkdir::WalkDir::new(served)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().to_string_lossy().contains("/bulk-"))
        .count()
}

#[test]
fn an_sftp_deploy_cut_off_by_the_server_leaves_every_page_working() {
    let test = "an_sftp_deploy_cut_off_by_the_server_leaves_every_page_working";
    let Some(mut sshd) = Sshd::start_or_skip(test) else {
        return;
    };
    let site = Fixture::small();
    let target = TempDir::new().unwrap();
    let served = target.path().join("www");
    let yaml = sshd.target_yaml("prod", "sftp", &served, "");
    site.write("site.yaml", &format!("{SITE_YAML}deploy:\n{yaml}"));
    let old = built(&site);
    deploy_ok(&site, &[]);
    add_bulk_news(&site);
    let new = built(&site);

    let child = herald(&site, &[]).spawn().expect("run herald");
    let caught = wait_until(Duration::from_secs(60), || bulk_files(&served) > 20);
    sshd.kill();
    let output = child.wait_with_output().expect("wait for herald");
    assert!(caught, "the upload was not seen");
    assert!(
        !output.status.success(),
        "the deploy fails when the server goes"
    );
    let during = tree(&served);
    assert!(during != new, "the deploy was cut off before the end");
    assert_consistent(&during, &old, &new, "after the cut");

    sshd.restart();
    deploy_ok(&site, &[]);
    let after = tree(&served);
    assert!(
        after == new,
        "the next deploy completes, with no temporary file left"
    );
}

#[test]
fn an_ftp_deploy_cut_off_by_the_server_leaves_every_page_working() {
    let test = "an_ftp_deploy_cut_off_by_the_server_leaves_every_page_working";
    let site = Fixture::small();
    let old = built(&site);
    let target = TempDir::new().unwrap();
    // The server dies when the 100th upload of the second deploy begins (the first deploy
    // uploads the site and its manifest).
    let Some(mut ftpd) = Ftpd::start_or_skip(test, target.path(), false, old.len() + 1 + 99) else {
        return;
    };
    let served = target.path().join("www");
    site.write(
        "site.yaml",
        &format!("{SITE_YAML}deploy:\n{}", ftpd.target_yaml("prod", "/www")),
    );
    let password = ftpd.password.clone();
    let env = [("HERALD_TEST_FTP_PASSWORD", password.as_str())];
    deploy_ok(&site, &env);
    assert!(tree(&served) == old);
    add_bulk_news(&site);
    let new = built(&site);

    let output = herald(&site, &env).output().expect("run herald");
    assert!(
        !output.status.success(),
        "the deploy fails when the server goes"
    );
    assert!(
        ftpd.has_exited(),
        "the server died: {}\n{}",
        stderr(&output),
        ftpd.log()
    );
    let during = tree(&served);
    assert!(during != new);
    assert_consistent(&during, &old, &new, "after the cut");

    ftpd.restart();
    deploy_ok(&site, &env);
    assert!(
        tree(&served) == new,
        "the next deploy completes, with no temporary file left"
    );
}
