//! `herald deploy` to `directory` targets: releases, only what changed, rollback, and the
//! refusals that keep a broken or local site from going out.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Fixture, SITE_YAML, live_release, release_names, stderr, tree};
use herald::deploy::manifest::{MANIFEST_FILE, Manifest};
use herald::deploy::{DeployError, DeployOptions, deploy};
use tempfile::TempDir;

/// The small fixture site with a `directory` target `staging` in its own temporary folder.
struct Deployed {
    site: Fixture,
    target: TempDir,
}

impl Deployed {
    fn new(extra: &str) -> Deployed {
        let site = Fixture::small();
        let target = tempfile::tempdir().expect("temp dir");
        let served = target.path().join("www");
        site.write(
            "site.yaml",
            &format!(
                "{SITE_YAML}deploy:\n  staging:\n    type: directory\n    path: {}\n{extra}",
                served.display()
            ),
        );
        Deployed { site, target }
    }

    fn served(&self) -> PathBuf {
        self.target.path().join("www")
    }

    fn releases(&self) -> Vec<String> {
        release_names(&self.target.path().join(".www.releases"))
    }

    fn live_release(&self) -> String {
        live_release(&self.served())
    }

    fn deploy(&self, args: &[&str]) -> Output {
        let mut all = vec!["deploy", "staging"];
        all.extend_from_slice(args);
        self.site.herald(&all)
    }

    fn deploy_ok(&self, args: &[&str]) -> String {
        let output = self.deploy(args);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    }

    fn read_served(&self, rel: &str) -> String {
        fs::read_to_string(self.served().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

#[test]
fn first_deploy_publishes_the_built_site_behind_a_release_link() {
    let d = Deployed::new("");
    let message = d.deploy_ok(&[]);
    assert!(message.contains("deployed to `staging`"), "{message}");
    assert_eq!(d.releases().len(), 1);
    assert!(fs::symlink_metadata(d.served()).unwrap().is_symlink());
    let mut served = tree(&d.served());
    let manifest = served.remove(MANIFEST_FILE).expect("a manifest");
    assert_eq!(served, d.site.output(), "the target serves exactly public/");
    let manifest = Manifest::parse(&String::from_utf8(manifest).unwrap(), "test").unwrap();
    assert_eq!(manifest.files.len(), served.len());
}

#[test]
fn second_deploy_of_the_same_site_uploads_nothing() {
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    let release = d.live_release();
    let message = d.deploy_ok(&[]);
    assert!(message.contains("is up to date"), "{message}");
    assert_eq!(d.releases(), std::slice::from_ref(&release));
    assert_eq!(d.live_release(), release);

    let report = deploy(d.site.root(), "staging", DeployOptions::default()).unwrap();
    assert!(report.plan.uploads.is_empty());
    assert!(report.plan.deletes.is_empty());
    assert!(report.plan.unchanged > 50, "{}", report.plan.unchanged);
}

#[test]
fn a_changed_item_uploads_its_page_and_the_pages_that_list_it() {
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    let first = d.live_release();
    d.site.write(
        "content/news/results.en.md",
        "---\ntitle: First results\ndate: 2024-03-01\npartners: [citeve]\ntags: [textile]\n---\nIntro, revised.\n\n<!-- more -->\n\nDetails.\n",
    );
    let report = deploy(d.site.root(), "staging", DeployOptions::default()).unwrap();
    let uploaded: Vec<&str> = report
        .plan
        .uploads
        .iter()
        .map(|u| u.path.as_str())
        .collect();
    assert!(
        uploaded.contains(&"en/news/results/index.html"),
        "{uploaded:?}"
    );
    assert!(report.plan.deletes.is_empty(), "{:?}", report.plan.deletes);
    // The item's page, the lists and feeds that show its summary, the search index, the
    // fallback pages that show its text: a handful, not the site.
    assert!(
        uploaded.len() <= 20 && uploaded.len() * 4 < report.plan.unchanged,
        "{} uploaded, {} unchanged: {uploaded:?}",
        uploaded.len(),
        report.plan.unchanged
    );
    assert!(
        uploaded
            .iter()
            .all(|p| p.ends_with(".html") || p.ends_with(".xml") || p.ends_with(".json")),
        "{uploaded:?}"
    );
    assert!(
        d.read_served("en/news/results/index.html")
            .contains("Intro, revised.")
    );
    assert_eq!(d.releases().len(), 2);
    assert_ne!(d.live_release(), first);
}

#[test]
fn rollback_makes_the_previous_release_live_again() {
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    let first = d.live_release();
    let before = tree(&d.served());
    d.site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nA new body.\n",
    );
    d.deploy_ok(&[]);
    assert!(
        d.read_served("en/news/later/index.html")
            .contains("A new body.")
    );

    let dry = d.deploy_ok(&["--rollback", "--dry-run"]);
    assert!(dry.contains("would make release"), "{dry}");
    assert!(
        d.read_served("en/news/later/index.html")
            .contains("A new body.")
    );

    let message = d.deploy_ok(&["--rollback"]);
    assert!(
        message.contains(&format!("release {first} is live again")),
        "{message}"
    );
    assert_eq!(d.live_release(), first);
    assert_eq!(
        tree(&d.served()),
        before,
        "the whole previous release is served"
    );

    let again = d.deploy(&["--rollback"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("no earlier release"),
        "{}",
        stderr(&again)
    );

    // The next deploy starts from the release that is live, and goes out again.
    d.deploy_ok(&[]);
    assert!(
        d.read_served("en/news/later/index.html")
            .contains("A new body.")
    );
}

#[test]
fn old_releases_beyond_keep_are_removed() {
    let d = Deployed::new("    keep: 2\n");
    for body in ["one", "two", "three"] {
        d.site.write(
            "content/news/later.en.md",
            &format!("---\ntitle: Later news\ndate: 2024-05-01\n---\n{body}\n"),
        );
        d.deploy_ok(&[]);
    }
    let releases = d.releases();
    assert_eq!(releases.len(), 2, "{releases:?}");
    assert_eq!(releases.last().unwrap(), &d.live_release());
}

#[test]
fn max_deletes_refuses_a_deploy_that_deletes_too_much() {
    let d = Deployed::new("    max_deletes: 1\n");
    d.deploy_ok(&[]);
    let release = d.live_release();
    d.site.remove("content/news/later.en.md");
    d.site.remove("content/meetings/assembly.en.md");
    let output = d.deploy(&[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("more than `max_deletes`"), "{message}");
    assert!(message.contains("hint:"), "{message}");
    assert_eq!(d.live_release(), release);
    assert_eq!(d.releases(), [release]);

    let err = deploy(d.site.root(), "staging", DeployOptions::default()).unwrap_err();
    let DeployError::TooManyDeletes { count, max, .. } = err else {
        panic!("{err}");
    };
    assert!(count > 1 && max == 1);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let d = Deployed::new("");
    let output = d.deploy(&["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        listed.contains("upload en/news/results/index.html (new"),
        "{listed}"
    );
    assert!(stderr(&output).contains("nothing was changed"));
    assert!(
        fs::read_dir(d.target.path()).unwrap().next().is_none(),
        "the target folder is untouched"
    );

    d.deploy_ok(&[]);
    let release = d.live_release();
    let before = tree(&d.served());
    d.site.remove("content/news/later.en.md");
    let output = d.deploy(&["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        listed.contains("delete en/news/later/index.html"),
        "{listed}"
    );
    assert!(listed.contains("(changed"), "{listed}");
    assert_eq!(d.releases(), [release]);
    assert_eq!(tree(&d.served()), before);
}

#[test]
fn files_herald_did_not_publish_stay() {
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    fs::write(d.served().join(".htaccess"), "Options -Indexes\n").unwrap();
    d.site.remove("content/news/later.en.md");
    d.deploy_ok(&[]);
    assert!(!d.served().join("en/news/later/index.html").exists());
    assert_eq!(d.read_served(".htaccess"), "Options -Indexes\n");
}

#[test]
fn a_localhost_base_url_is_refused() {
    let d = Deployed::new("");
    let yaml = d
        .site
        .read("site.yaml")
        .replace("https://test.example.eu", "http://localhost:1111");
    d.site.write("site.yaml", &yaml);
    let output = d.deploy(&[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("`http://localhost:1111` points at this machine"),
        "{message}"
    );
    assert!(fs::read_dir(d.target.path()).unwrap().next().is_none());
}

#[test]
fn a_site_that_check_finds_broken_is_not_deployed() {
    // The build accepts a link to a page that does not exist; `herald check` does not.
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    let release = d.live_release();
    d.site.write(
        "content/news/later.en.md",
        "---\ntitle: Later news\ndate: 2024-05-01\n---\nSee [the report](/en/reports/2024/).\n",
    );
    assert!(d.site.build().status.success());
    let output = d.deploy(&[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("content/news/later.en.md:5"), "{message}");
    assert!(message.contains("broken link"), "{message}");
    assert!(message.contains("nothing was deployed"), "{message}");
    assert_eq!(d.live_release(), release);
}

#[test]
fn the_demonstration_site_deploys_twice_changes_one_item_and_rolls_back() {
    let site = Fixture::empty();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["content", "static"] {
        for (rel, bytes) in tree(&repo.join(folder)) {
            site.write_bytes(&format!("{folder}/{rel}"), &bytes);
        }
    }
    let target = tempfile::tempdir().expect("temp dir");
    let served = target.path().join("www");
    let yaml = fs::read_to_string(repo.join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &format!(
            "{yaml}deploy:\n  demo:\n    type: directory\n    path: {}\n",
            served.display()
        ),
    );
    let deploy = |args: &[&str]| {
        let mut all = vec!["deploy", "demo"];
        all.extend_from_slice(args);
        let output = site.herald(&all);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    let first = deploy(&[]);
    assert!(first.contains("deployed to `demo`"), "{first}");
    let mut published = tree(&served);
    published.remove(MANIFEST_FILE);
    assert_eq!(
        published,
        site.output(),
        "the target serves exactly public/"
    );
    assert!(published.len() > 200);

    let second = deploy(&[]);
    assert!(
        second.contains("is up to date: nothing to upload or delete"),
        "{second}"
    );

    let item = "content/news/circuweave-kicks-off-in-terrassa.en.md";
    let text = site.read(item);
    site.write(
        item,
        &text.replacen("\n---\n", "\n---\nA sentence added for the test.\n\n", 1),
    );
    let plan = site.herald(&["deploy", "demo", "--dry-run"]);
    let listed = String::from_utf8_lossy(&plan.stdout).into_owned();
    let uploads: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix("upload "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert!(
        uploads.contains(&"en/news/circuweave-kicks-off-in-terrassa/index.html"),
        "{listed}"
    );
    assert!(
        uploads.contains(&"en/atom.xml") && uploads.contains(&"en/news/atom.xml"),
        "{listed}"
    );
    assert!(
        uploads.len() < 20,
        "only the item and what lists it: {listed}"
    );
    assert!(!listed.contains("delete "), "{listed}");
    deploy(&[]);
    assert!(
        fs::read_to_string(served.join("en/news/circuweave-kicks-off-in-terrassa/index.html"))
            .unwrap()
            .contains("A sentence added for the test.")
    );
    let rolled = deploy(&["--rollback"]);
    assert!(rolled.contains("rolled back"), "{rolled}");
    assert!(
        !fs::read_to_string(served.join("en/news/circuweave-kicks-off-in-terrassa/index.html"))
            .unwrap()
            .contains("A sentence added for the test.")
    );
}

#[test]
fn a_site_with_errors_is_not_deployed() {
    let d = Deployed::new("");
    d.deploy_ok(&[]);
    let release = d.live_release();
    d.site.write(
        "content/news/broken.en.md",
        "---\ntitle: Broken\ndate: 2024-06-01\npartners: [nobody]\n---\nBody.\n",
    );
    let output = d.deploy(&[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("nothing was deployed"), "{message}");
    assert!(message.contains("broken.en.md"), "{message}");
    assert_eq!(d.live_release(), release);
}

#[test]
fn no_build_refuses_an_output_with_drafts() {
    let d = Deployed::new("");
    let built = d.site.herald(&["build", "--drafts"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let output = d.deploy(&["--no-build"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("contains drafts: en/news/draft/index.html"),
        "{message}"
    );
    assert!(fs::read_dir(d.target.path()).unwrap().next().is_none());

    // Built as `herald build` does, it goes out as it is.
    assert!(d.site.build().status.success());
    let message = d.deploy_ok(&["--no-build"]);
    assert!(!message.contains("built "), "{message}");
    assert!(d.served().join("en/index.html").is_file());
}

#[test]
fn no_build_refuses_an_output_built_for_this_machine() {
    let d = Deployed::new("");
    let built = d
        .site
        .herald(&["build", "--base-url", "http://127.0.0.1:1111"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let output = d.deploy(&["--no-build"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("points at this machine"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn no_build_without_an_output_says_so() {
    let d = Deployed::new("");
    let output = d.deploy(&["--no-build"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no built site"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_target_is_a_usage_error_with_a_suggestion() {
    let d = Deployed::new("");
    let output = d.site.herald(&["deploy", "stagin"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("no deploy target `stagin`"), "{message}");
    assert!(message.contains("did you mean `staging`?"), "{message}");
}

#[test]
fn unsupported_target_types_say_so() {
    let site = Fixture::small();
    site.write(
        "site.yaml",
        &format!(
            "{SITE_YAML}deploy:\n  cloud:\n    type: s3\n    host: s3.example.eu\n    path: bucket\n"
        ),
    );
    let output = site.herald(&["deploy", "cloud"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("deploying to `s3` targets is not supported yet"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_misspelt_target_setting_names_the_key() {
    let d = Deployed::new("    kep: 3\n");
    let output = d.deploy(&[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("unknown key `kep`"), "{message}");
    assert!(message.contains("did you mean `keep`?"), "{message}");
}
