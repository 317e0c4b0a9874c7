//! The `directory` target: a folder on this machine, published atomically.
//!
//! ```text
//! /srv/www/site                     → .site.releases/000007-20250630T101500Z   (a symbolic link)
//! /srv/www/.site.releases/000006-…/  the previous release, for --rollback
//! /srv/www/.site.releases/000007-…/  the live release, with its .herald-manifest
//! ```
//!
//! A deploy fills a new release folder (hard-linking the files that did not change from the
//! live release, copying the rest), then replaces the link with one `rename`: a visitor gets
//! the whole old site or the whole new one, never a mix. A deploy interrupted before the
//! rename leaves the live release untouched and a `.partial` folder that the next deploy
//! removes. One deploy to a target at a time.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::manifest::{LocalTree, MANIFEST_FILE, Manifest, Plan};
use super::{DeployError, Publisher};

/// Ends the name of a release folder being filled (after a leading `.`).
pub const PARTIAL_SUFFIX: &str = ".partial";

pub struct DirectoryPublisher {
    target: String,
    /// The path the web server serves: herald's link to the live release.
    path: PathBuf,
    /// Releases kept, the live one included.
    keep: usize,
}

/// What is at the served path now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Live {
    Nothing,
    /// An empty folder (a web server's root made for herald): replaced by the link.
    EmptyFolder,
    Release(String),
}

impl DirectoryPublisher {
    pub fn new(target: &str, path: PathBuf, keep: usize) -> DirectoryPublisher {
        DirectoryPublisher {
            target: target.to_string(),
            path: strip_trailing_separators(path),
            keep: keep.max(1),
        }
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".to_string())
    }

    fn parent(&self) -> PathBuf {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// `.site.releases`, beside the served path.
    fn releases_name(&self) -> String {
        format!(".{}.releases", self.name())
    }

    pub fn releases_dir(&self) -> PathBuf {
        self.parent().join(self.releases_name())
    }

    fn io_error(&self, what: &str, path: &Path) -> impl FnOnce(io::Error) -> DeployError {
        let context = format!("{what} {}", path.display());
        move |source| DeployError::Io { context, source }
    }

    fn live(&self) -> Result<Live, DeployError> {
        let metadata = match fs::symlink_metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Live::Nothing),
            Err(err) => return Err(self.io_error("cannot look at", &self.path)(err)),
        };
        if metadata.is_symlink() {
            let link = fs::read_link(&self.path)
                .map_err(self.io_error("cannot read the link", &self.path))?;
            return self.release_of_link(&link).map(Live::Release);
        }
        if metadata.is_dir() {
            let mut entries =
                fs::read_dir(&self.path).map_err(self.io_error("cannot read", &self.path))?;
            if entries.next().is_none() {
                return Ok(Live::EmptyFolder);
            }
        }
        Err(DeployError::Target(format!(
            "{} is a {} herald did not make: herald publishes into release folders in {} and \
             makes {} a link to the live one; move it away (or empty it) first",
            self.path.display(),
            if metadata.is_dir() { "folder" } else { "file" },
            self.releases_dir().display(),
            self.path.display(),
        )))
    }

    /// The release a link made by herald points to: `.site.releases/<release>`.
    fn release_of_link(&self, link: &Path) -> Result<String, DeployError> {
        let mut parts = link.components().map(|c| c.as_os_str().to_str());
        match (parts.next(), parts.next(), parts.next()) {
            (Some(Some(dir)), Some(Some(release)), None)
                if dir == self.releases_name() && release_number(release).is_some() =>
            {
                Ok(release.to_string())
            }
            _ => Err(DeployError::Target(format!(
                "{} is a link to {}, which herald did not make; remove the link first",
                self.path.display(),
                link.display()
            ))),
        }
    }

    /// The releases on disk, oldest first.
    fn releases(&self) -> Result<Vec<String>, DeployError> {
        let dir = self.releases_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(self.io_error("cannot read", &dir)(err)),
        };
        let mut releases: Vec<(u64, String)> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
            .filter_map(|name| release_number(&name).map(|n| (n, name)))
            .collect();
        releases.sort();
        Ok(releases.into_iter().map(|(_, name)| name).collect())
    }

    /// Replaces the served path with a link to `release`, in one rename.
    fn swap_link(&self, release: &str, live: &Live) -> Result<(), DeployError> {
        let link_target = Path::new(&self.releases_name()).join(release);
        let temporary = self.parent().join(format!(
            ".{}.herald-link-{}",
            self.name(),
            std::process::id()
        ));
        let _ = fs::remove_file(&temporary);
        make_symlink(&link_target, &temporary)
            .map_err(self.io_error("cannot create the link", &temporary))?;
        if *live == Live::EmptyFolder {
            // A folder cannot be renamed over; it is empty, so nothing is served from it.
            fs::remove_dir(&self.path).map_err(self.io_error("cannot replace", &self.path))?;
        }
        fs::rename(&temporary, &self.path).map_err(|err| {
            let _ = fs::remove_file(&temporary);
            self.io_error("cannot replace", &self.path)(err)
        })
    }

    /// Removes all but the newest `keep` releases, never the live one; and folders of
    /// interrupted deploys.
    fn prune(&self, live: &str) -> Result<(), DeployError> {
        let releases = self.releases()?;
        let excess = releases.len().saturating_sub(self.keep);
        for old in releases.iter().take(excess).filter(|r| *r != live) {
            let path = self.releases_dir().join(old);
            fs::remove_dir_all(&path).map_err(self.io_error("cannot remove", &path))?;
        }
        Ok(())
    }

    fn remove_partial_releases(&self) -> Result<(), DeployError> {
        let dir = self.releases_dir();
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(());
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(PARTIAL_SUFFIX) {
                let path = entry.path();
                fs::remove_dir_all(&path).map_err(self.io_error("cannot remove", &path))?;
            }
        }
        Ok(())
    }

    /// Fills `release` with `local`: unchanged files hard-linked from `previous`, others copied.
    fn fill_release(
        &self,
        release: &Path,
        local: &LocalTree,
        plan: &Plan,
        previous: Option<&Path>,
    ) -> Result<(), DeployError> {
        let uploads: std::collections::HashSet<&str> =
            plan.uploads.iter().map(|u| u.path.as_str()).collect();
        let mut dirs: Vec<PathBuf> = local
            .files
            .keys()
            .filter_map(|name| Path::new(name).parent().map(|p| release.join(p)))
            .collect();
        dirs.sort();
        dirs.dedup();
        fs::create_dir_all(release).map_err(self.io_error("cannot create", release))?;
        for dir in &dirs {
            fs::create_dir_all(dir).map_err(self.io_error("cannot create", dir))?;
        }
        local.files.par_iter().try_for_each(|(name, _)| {
            let destination = release.join(name);
            let source = local.path_of(name);
            let linked = match previous {
                Some(previous) if !uploads.contains(name.as_str()) => {
                    fs::hard_link(previous.join(name), &destination).is_ok()
                }
                _ => false,
            };
            if linked {
                return Ok(());
            }
            fs::copy(&source, &destination)
                .map(|_| ())
                .map_err(self.io_error("cannot copy into", &destination))
        })?;
        if let Some(previous) = previous {
            self.carry_over_foreign_files(release, local, previous)?;
        }
        let manifest = release.join(MANIFEST_FILE);
        fs::write(&manifest, local.manifest().to_json())
            .map_err(self.io_error("cannot write", &manifest))
    }

    /// Links into `release` the files of `previous` that herald did not publish (an
    /// `.htaccess`, a partner's uploads): a deploy deletes only what herald published.
    fn carry_over_foreign_files(
        &self,
        release: &Path,
        local: &LocalTree,
        previous: &Path,
    ) -> Result<(), DeployError> {
        let published = match fs::read_to_string(previous.join(MANIFEST_FILE)) {
            Ok(text) => Manifest::parse(&text, &previous.display().to_string())?.files,
            Err(_) => Default::default(),
        };
        let context = format!("cannot read {}", previous.display());
        for (relative, path) in super::manifest::files_under(previous, false, &context)? {
            let name = relative.to_string_lossy().replace('\\', "/");
            if name == MANIFEST_FILE
                || published.contains_key(&name)
                || local.files.contains_key(&name)
            {
                continue;
            }
            let destination = release.join(&relative);
            if let Some(parent) = destination.parent() {
                fs::create_dir_all(parent).map_err(self.io_error("cannot create", parent))?;
            }
            fs::hard_link(&path, &destination)
                .or_else(|_| fs::copy(&path, &destination).map(|_| ()))
                .map_err(self.io_error("cannot copy into", &destination))?;
        }
        Ok(())
    }
}

impl Publisher for DirectoryPublisher {
    fn describe(&self) -> String {
        format!("directory {}", self.path.display())
    }

    fn live_manifest(&mut self) -> Result<Option<Manifest>, DeployError> {
        let Live::Release(release) = self.live()? else {
            return Ok(None);
        };
        let path = self.releases_dir().join(&release).join(MANIFEST_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Manifest::parse(&text, &path.display().to_string()).map(Some),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(self.io_error("cannot read", &path)(err)),
        }
    }

    fn publish(&mut self, local: &LocalTree, plan: &Plan) -> Result<Option<String>, DeployError> {
        let live = self.live()?;
        if let Live::Release(release) = &live
            && plan.is_empty()
        {
            return Ok(Some(release.clone()));
        }
        self.remove_partial_releases()?;
        let releases_dir = self.releases_dir();
        fs::create_dir_all(&releases_dir).map_err(self.io_error("cannot create", &releases_dir))?;
        let release = next_release_name(&self.releases()?, chrono::Utc::now());
        let partial = releases_dir.join(format!(".{release}{PARTIAL_SUFFIX}"));
        let previous = match &live {
            Live::Release(previous) => Some(releases_dir.join(previous)),
            _ => None,
        };
        if let Err(err) = self.fill_release(&partial, local, plan, previous.as_deref()) {
            let _ = fs::remove_dir_all(&partial);
            return Err(err);
        }
        let complete = releases_dir.join(&release);
        fs::rename(&partial, &complete).map_err(self.io_error("cannot rename", &partial))?;
        self.swap_link(&release, &live)?;
        self.prune(&release)?;
        Ok(Some(release))
    }

    fn rollback(&mut self, dry_run: bool) -> Result<(String, String), DeployError> {
        let live = self.live()?;
        let Live::Release(current) = &live else {
            return Err(DeployError::NothingToRollBack(self.target.clone()));
        };
        let previous = release_before(&self.releases()?, current)
            .cloned()
            .ok_or_else(|| DeployError::NothingToRollBack(self.target.clone()))?;
        if !dry_run {
            self.swap_link(&previous, &live)?;
        }
        Ok((current.clone(), previous))
    }
}

/// `000007-20250630T101500Z`: a number that orders releases whatever the clock says, and the
/// moment, for people.
pub fn release_name(number: u64, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("{number:06}-{}", now.format("%Y%m%dT%H%M%SZ"))
}

/// The name of the release after `releases` (release folder names; other names are ignored).
pub fn next_release_name(releases: &[String], now: chrono::DateTime<chrono::Utc>) -> String {
    let last = releases.iter().filter_map(|r| release_number(r)).max();
    release_name(last.unwrap_or(0) + 1, now)
}

/// The newest of `releases` older than `current`: where a rollback goes.
pub fn release_before<'a>(releases: &'a [String], current: &str) -> Option<&'a String> {
    let current = release_number(current).unwrap_or(0);
    releases
        .iter()
        .filter(|r| release_number(r).is_some_and(|n| n < current))
        .max_by_key(|r| release_number(r))
}

/// The number of a release folder's name; `None` for anything else.
pub fn release_number(name: &str) -> Option<u64> {
    let (number, moment) = name.split_once('-')?;
    let valid = number.len() >= 6
        && number.bytes().all(|b| b.is_ascii_digit())
        && moment.len() == 16
        && moment.ends_with('Z');
    if valid { number.parse().ok() } else { None }
}

fn strip_trailing_separators(path: PathBuf) -> PathBuf {
    path.components().collect()
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn make_symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "directory targets need symbolic links (Linux, macOS, BSD)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, LocalTree) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let local = LocalTree::scan(dir.path()).unwrap();
        (dir, local)
    }

    fn deploy(publisher: &mut DirectoryPublisher, local: &LocalTree) -> (Plan, String) {
        let live = publisher.live_manifest().unwrap();
        let plan = Plan::between(local, live.as_ref());
        let release = publisher.publish(local, &plan).unwrap().unwrap();
        (plan, release)
    }

    #[test]
    fn release_names_sort_and_parse() {
        let moment = chrono::Utc
            .with_ymd_and_hms(2025, 6, 30, 10, 15, 0)
            .unwrap();
        let name = release_name(7, moment);
        assert_eq!(name, "000007-20250630T101500Z");
        assert_eq!(release_number(&name), Some(7));
        assert_eq!(release_number(".000007-20250630T101500Z.partial"), None);
        assert_eq!(release_number("current"), None);
        assert_eq!(release_number("12-20250630T101500Z"), None);
    }

    #[test]
    fn the_next_and_the_previous_release() {
        let moment = chrono::Utc
            .with_ymd_and_hms(2025, 6, 30, 10, 15, 0)
            .unwrap();
        let releases: Vec<String> = [
            "000002-20250101T000000Z",
            ".000009-20250102T000000Z.partial",
            "000010-20250103T000000Z",
            "current",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            next_release_name(&releases, moment),
            "000011-20250630T101500Z"
        );
        assert_eq!(next_release_name(&[], moment), "000001-20250630T101500Z");
        assert_eq!(
            release_before(&releases, "000010-20250103T000000Z").map(String::as_str),
            Some("000002-20250101T000000Z")
        );
        assert_eq!(release_before(&releases, "000002-20250101T000000Z"), None);
    }

    #[test]
    fn publishes_releases_behind_a_relative_link() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 3);
        let (_dir, local) = site(&[("index.html", "one"), ("css/site.css", "css")]);
        let (plan, release) = deploy(&mut publisher, &local);
        assert_eq!(plan.uploads.len(), 2);
        assert_eq!(
            fs::read_link(&served).unwrap(),
            Path::new(".www.releases").join(&release)
        );
        assert_eq!(
            fs::read_to_string(served.join("index.html")).unwrap(),
            "one"
        );
        assert!(served.join(MANIFEST_FILE).is_file());
    }

    #[test]
    fn unchanged_files_are_hard_links_to_the_previous_release() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 3);
        let (_a, first) = site(&[("index.html", "one"), ("big.bin", "unchanged")]);
        let (_, one) = deploy(&mut publisher, &first);
        let (_b, second) = site(&[("index.html", "two"), ("big.bin", "unchanged")]);
        let (plan, two) = deploy(&mut publisher, &second);
        assert_eq!(plan.uploads.len(), 1);
        let releases = publisher.releases_dir();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ino = |r: &str| {
                fs::metadata(releases.join(r).join("big.bin"))
                    .unwrap()
                    .ino()
            };
            assert_eq!(ino(&one), ino(&two));
        }
        assert_eq!(
            fs::read_to_string(served.join("index.html")).unwrap(),
            "two"
        );
        assert_eq!(
            fs::read_to_string(releases.join(&one).join("index.html")).unwrap(),
            "one"
        );
    }

    #[test]
    fn files_herald_did_not_publish_are_carried_over() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 3);
        let (_a, first) = site(&[("index.html", "one"), ("old.html", "old")]);
        deploy(&mut publisher, &first);
        fs::write(served.join(".htaccess"), "Options -Indexes").unwrap();
        fs::create_dir_all(served.join("uploads")).unwrap();
        fs::write(served.join("uploads/report.pdf"), "pdf").unwrap();
        let (_b, second) = site(&[("index.html", "two")]);
        let (plan, _) = deploy(&mut publisher, &second);
        assert_eq!(plan.deletes, ["old.html"]);
        assert!(!served.join("old.html").exists());
        assert_eq!(
            fs::read_to_string(served.join(".htaccess")).unwrap(),
            "Options -Indexes"
        );
        assert!(served.join("uploads/report.pdf").is_file());
    }

    #[test]
    fn keeps_the_newest_releases() {
        let target = tempfile::tempdir().unwrap();
        let mut publisher = DirectoryPublisher::new("t", target.path().join("www"), 2);
        let mut names = Vec::new();
        for text in ["1", "2", "3", "4"] {
            let (_dir, local) = site(&[("index.html", text)]);
            names.push(deploy(&mut publisher, &local).1);
        }
        assert_eq!(publisher.releases().unwrap(), names[2..]);
    }

    #[test]
    fn an_empty_folder_becomes_the_link() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        fs::create_dir(&served).unwrap();
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 2);
        let (_dir, local) = site(&[("index.html", "x")]);
        deploy(&mut publisher, &local);
        assert!(fs::symlink_metadata(&served).unwrap().is_symlink());
    }

    #[test]
    fn a_folder_with_files_is_left_alone() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        fs::create_dir(&served).unwrap();
        fs::write(served.join("index.html"), "someone else's").unwrap();
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 2);
        let err = publisher.live_manifest().unwrap_err();
        assert!(err.to_string().contains("herald did not make"), "{err}");
        assert_eq!(
            fs::read_to_string(served.join("index.html")).unwrap(),
            "someone else's"
        );
    }

    #[test]
    fn a_foreign_link_is_refused() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        make_symlink(Path::new("/etc"), &served).unwrap();
        let mut publisher = DirectoryPublisher::new("t", served, 2);
        let err = publisher.live_manifest().unwrap_err();
        assert!(err.to_string().contains("herald did not make"), "{err}");
    }

    #[test]
    fn an_interrupted_release_is_cleaned_up_by_the_next_deploy() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 2);
        let (_a, first) = site(&[("index.html", "one")]);
        let (_, one) = deploy(&mut publisher, &first);
        let partial = publisher
            .releases_dir()
            .join(".000002-20250101T000000Z.partial");
        fs::create_dir_all(&partial).unwrap();
        fs::write(partial.join("index.html"), "half").unwrap();
        assert_eq!(
            fs::read_to_string(served.join("index.html")).unwrap(),
            "one",
            "the live release is untouched"
        );
        let (_b, second) = site(&[("index.html", "two")]);
        let (_, two) = deploy(&mut publisher, &second);
        assert!(!partial.exists());
        assert_eq!(publisher.releases().unwrap(), [one, two]);
    }

    #[test]
    fn rollback_goes_back_one_release_at_a_time() {
        let target = tempfile::tempdir().unwrap();
        let served = target.path().join("www");
        let mut publisher = DirectoryPublisher::new("t", served.clone(), 5);
        let mut names = Vec::new();
        for text in ["1", "2", "3"] {
            let (_dir, local) = site(&[("index.html", text)]);
            names.push(deploy(&mut publisher, &local).1);
        }
        assert_eq!(
            publisher.rollback(true).unwrap(),
            (names[2].clone(), names[1].clone())
        );
        assert_eq!(fs::read_to_string(served.join("index.html")).unwrap(), "3");
        assert_eq!(
            publisher.rollback(false).unwrap(),
            (names[2].clone(), names[1].clone())
        );
        assert_eq!(fs::read_to_string(served.join("index.html")).unwrap(), "2");
        publisher.rollback(false).unwrap();
        assert_eq!(fs::read_to_string(served.join("index.html")).unwrap(), "1");
        assert!(matches!(
            publisher.rollback(false),
            Err(DeployError::NothingToRollBack(_))
        ));
    }
}
