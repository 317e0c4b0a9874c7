//! `herald deploy` to `rsync` targets against a real OpenSSH server on 127.0.0.1, started by
//! the test (see `common/servers.rs`), with the system's `rsync` and `ssh`. Skipped, saying
//! so, where sshd or rsync are missing (`.ci/run` installs them).

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::fs;
use std::path::PathBuf;

use common::{Fixture, SITE_YAML, live_release, release_names, rewritten, stamps, stderr, tree};
use herald::deploy::manifest::{MANIFEST_FILE, Manifest};
use herald::deploy::{DeployOptions, deploy};
use servers::Sshd;
use tempfile::TempDir;

struct Remote {
    site: Fixture,
    sshd: Sshd,
    /// The server's side: the served path is `www` in it.
    target: TempDir,
}

/// The small fixture site with an rsync target `prod` on a fresh sshd; `None` (after saying
/// so) when the programs are missing.
fn remote(test: &str, extra: &str) -> Option<Remote> {
    if let Some(missing) = servers::missing(&["rsync"]) {
        eprintln!("SKIPPED {test}: needs {missing} (Debian: apt-get install rsync)");
        return None;
    }
    let sshd = Sshd::start_or_skip(test)?;
    let site = Fixture::small();
    let target = tempfile::tempdir().expect("temp dir");
    let yaml = sshd.target_yaml("prod", "rsync", &target.path().join("www"), extra);
    site.write("site.yaml", &format!("{SITE_YAML}deploy:\n{yaml}"));
    Some(Remote { site, sshd, target })
}

impl Remote {
    fn served(&self) -> PathBuf {
        self.target.path().join("www")
    }

    fn deploy_ok(&self, args: &[&str]) -> String {
        let mut all = vec!["deploy", "prod"];
        all.extend_from_slice(args);
        let output = self.site.herald(&all);
        assert!(
            output.status.success(),
            "{}\nsshd: {}",
            stderr(&output),
            self.sshd.log()
        );
        stderr(&output)
    }

    fn releases(&self) -> Vec<String> {
        release_names(&self.target.path().join(".www.releases"))
    }

    fn live_release(&self) -> String {
        live_release(&self.served())
    }

    /// Checks that the served tree is exactly the built site plus its manifest (and the
    /// `.htaccess` that a test put there, which is not herald's).
    fn assert_serves_the_build(&self) {
        let mut served = tree(&self.served());
        served.remove(".htaccess");
        let manifest = served
            .remove(MANIFEST_FILE)
            .expect("a manifest on the target");
        let manifest = Manifest::parse(&String::from_utf8(manifest).unwrap(), "test").unwrap();
        let output = self.site.output();
        assert_eq!(
            served.keys().collect::<Vec<_>>(),
            output.keys().collect::<Vec<_>>()
        );
        assert!(served == output, "the target serves exactly public/");
        assert_eq!(manifest.files.len(), output.len());
    }
}

const REVISED: &str = "---\ntitle: First results\ndate: 2024-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro, revised.\n\n<!-- more -->\n\nDetails.\n";

#[test]
fn rsync_in_place_uploads_only_what_changed_and_deletes_only_its_own_files() {
    let Some(r) = remote(
        "rsync_in_place_uploads_only_what_changed_and_deletes_only_its_own_files",
        "",
    ) else {
        return;
    };
    let message = r.deploy_ok(&[]);
    assert!(message.contains("deployed to `prod`"), "{message}");
    assert!(message.contains("rsync"), "{message}");
    r.assert_serves_the_build();
    assert!(fs::symlink_metadata(r.served()).unwrap().is_dir());

    // The same site again: nothing is written on the server.
    let before = stamps(&r.served());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let message = r.deploy_ok(&[]);
    assert!(message.contains("is up to date"), "{message}");
    assert_eq!(
        rewritten(&before, &stamps(&r.served())),
        Vec::<String>::new()
    );

    // One item changed: its page and the pages that list it, and the manifest.
    r.site.write("content/news/results.en.md", REVISED);
    let before = stamps(&r.served());
    let report = deploy(r.site.root(), "prod", DeployOptions::default()).unwrap();
    let mut planned: Vec<String> = report.plan.uploads.iter().map(|u| u.path.clone()).collect();
    planned.push(MANIFEST_FILE.to_string());
    planned.sort();
    assert!(
        planned.contains(&"en/news/results/index.html".to_string()),
        "{planned:?}"
    );
    assert!(planned.len() < 25, "{planned:?}");
    assert_eq!(rewritten(&before, &stamps(&r.served())), planned);
    r.assert_serves_the_build();

    // Files herald did not publish stay, in the served folder and beside it; a page that is
    // gone is deleted.
    fs::write(r.served().join(".htaccess"), "Options -Indexes\n").unwrap();
    fs::write(r.target.path().join("beside.txt"), "not ours\n").unwrap();
    r.site.remove("content/news/later.en.md");
    r.deploy_ok(&[]);
    assert!(!r.served().join("en/news/later/index.html").exists());
    assert!(
        !r.served().join("en/news/later").exists(),
        "the emptied folder goes too"
    );
    assert_eq!(
        fs::read_to_string(r.served().join(".htaccess")).unwrap(),
        "Options -Indexes\n"
    );
    assert!(r.target.path().join("beside.txt").is_file());
    let mut served = tree(&r.served());
    served.remove(".htaccess");
    served.remove(MANIFEST_FILE);
    assert!(served == r.site.output());
}

#[test]
fn rsync_atomic_publishes_releases_hard_links_unchanged_files_and_rolls_back() {
    let Some(r) = remote(
        "rsync_atomic_publishes_releases_hard_links_unchanged_files_and_rolls_back",
        "    atomic: true\n    keep: 3\n",
    ) else {
        return;
    };
    let message = r.deploy_ok(&[]);
    assert!(message.contains("release 000001-"), "{message}");
    assert!(fs::symlink_metadata(r.served()).unwrap().is_symlink());
    r.assert_serves_the_build();
    let first = r.live_release();
    let before = tree(&r.served());

    // The same site again: no new release.
    let message = r.deploy_ok(&[]);
    assert!(message.contains("is up to date"), "{message}");
    assert_eq!(r.releases(), std::slice::from_ref(&first));

    // One item changed: a new release, whose unchanged files are the previous release's;
    // a file herald did not publish goes along.
    fs::write(r.served().join(".htaccess"), "Options -Indexes\n").unwrap();
    r.site.write("content/news/results.en.md", REVISED);
    let message = r.deploy_ok(&[]);
    assert!(message.contains("release 000002-"), "{message}");
    let second = r.live_release();
    assert_ne!(first, second);
    assert_eq!(r.releases(), [first.clone(), second.clone()]);
    assert_eq!(
        fs::read_to_string(r.served().join(".htaccess")).unwrap(),
        "Options -Indexes\n"
    );
    r.assert_serves_the_build();
    let releases = r.target.path().join(".www.releases");
    let one = stamps(&releases.join(&first));
    let two = stamps(&releases.join(&second));
    let shared: Vec<&String> = two
        .iter()
        .filter(|(path, (ino, ..))| one.get(*path).is_some_and(|s| s.0 == *ino))
        .map(|(path, _)| path)
        .collect();
    assert!(
        shared.len() * 2 > two.len(),
        "most files are hard links: {} of {}",
        shared.len(),
        two.len()
    );
    assert!(
        !shared.iter().any(|p| *p == "en/news/results/index.html"),
        "the changed page is a new file"
    );
    assert!(
        fs::read_to_string(r.served().join("en/news/results/index.html"))
            .unwrap()
            .contains("Intro, revised.")
    );

    let message = r.deploy_ok(&["--rollback"]);
    assert!(
        message.contains(&format!("release {first} is live again")),
        "{message}"
    );
    assert_eq!(r.live_release(), first);
    let mut served = tree(&r.served());
    assert!(served.remove(".htaccess").is_some());
    let differing: Vec<&String> = before
        .keys()
        .chain(served.keys())
        .filter(|k| before.get(*k) != served.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "the whole first release is served: {differing:?}"
    );

    // The next deploy goes from the live release to the site, as a new release.
    let message = r.deploy_ok(&[]);
    assert!(message.contains("release 000003-"), "{message}");
    r.assert_serves_the_build();
}

#[test]
fn rsync_refuses_a_server_whose_key_is_not_the_known_one() {
    let Some(r) = remote("rsync_refuses_a_server_whose_key_is_not_the_known_one", "") else {
        return;
    };
    let other = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(other.path().join("k"))
        .status()
        .unwrap();
    assert!(status.success());
    let key = fs::read_to_string(other.path().join("k.pub")).unwrap();
    let fields: Vec<&str> = key.split_whitespace().collect();
    fs::write(
        r.sshd.known_hosts(),
        format!("[127.0.0.1]:{} {} {}\n", r.sshd.port, fields[0], fields[1]),
    )
    .unwrap();
    let output = r.site.herald(&["deploy", "prod"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("ssh"), "{message}");
    assert!(
        message.to_lowercase().contains("host key"),
        "ssh says why: {message}"
    );
    assert!(!r.served().exists(), "nothing was written");
}
