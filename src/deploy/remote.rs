//! What `sftp`, `ftp` and `ftps` targets share: a server that only stores files (no shell, no
//! releases), published file by file in an order that keeps the served site whole.
//!
//! - Every file is uploaded under a temporary name in its own folder (`.name.herald-tmp`), then
//!   renamed over its final name: a visitor gets the old file or the new one, never half of one.
//! - Uploads follow the [`Plan`]'s order: the files pages use (images, styles), then new pages,
//!   then changed pages, then the lists of pages (feeds, sitemap, search index). At no moment
//!   does a page on the server link to a file that is not there yet.
//! - Before anything is deleted, the manifest is written listing the new site and the files
//!   still to delete; then the deletes (pages first, then what they used), then the folders
//!   those leave empty, then the final manifest. A deploy interrupted anywhere leaves a site
//!   whose every page works, and the next deploy finishes the job: it uploads what the
//!   manifest does not show as there and deletes what it still lists.

use std::collections::{BTreeMap, BTreeSet};

use super::manifest::{LocalTree, MANIFEST_FILE, Manifest, Plan};
use super::{DeployError, Publisher};

/// The suffix of the temporary name a file is uploaded under.
pub const TEMPORARY_SUFFIX: &str = ".herald-tmp";

/// The operations herald needs from a server that stores files. Paths are absolute or relative
/// to the login folder, `/`-separated, and never contain `..` (see [`RemoteRoot`]).
pub(crate) trait RemoteFiles {
    /// The file's bytes; `None` when there is no such file.
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, DeployError>;
    /// Makes the folder; succeeds when it exists already.
    fn make_dir(&mut self, path: &str) -> Result<(), DeployError>;
    /// Writes `bytes` into `path`, creating or replacing it.
    fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), DeployError>;
    /// Renames `from` to `to`, replacing `to` when it exists, in one step where the server
    /// can.
    fn replace(&mut self, from: &str, to: &str) -> Result<(), DeployError>;
    /// Removes the file; succeeds when it is not there.
    fn remove_file(&mut self, path: &str) -> Result<(), DeployError>;
    /// Removes the folder when it is empty; `false` when it is not (or cannot be removed).
    fn remove_dir(&mut self, path: &str) -> bool;
}

/// The configured folder on the server, checked: herald deletes under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRoot {
    /// Without a trailing `/` (except for `/` itself, which is refused).
    pub path: String,
}

impl RemoteRoot {
    pub fn parse(path: &str) -> Result<RemoteRoot, DeployError> {
        let trimmed = path.trim_end_matches('/');
        let refuse = |why: &str| {
            Err(DeployError::Target(format!(
                "the deploy path `{path}` {why}"
            )))
        };
        if trimmed.is_empty() || trimmed == "." || trimmed == "~" {
            return refuse("is a whole home or root folder; name the site's own folder");
        }
        if trimmed.split('/').any(|s| s == "..") {
            return refuse("goes up with `..`; write the folder's path without it");
        }
        if trimmed.contains(['\n', '\r', '\0']) {
            return refuse("contains a line break or NUL");
        }
        Ok(RemoteRoot {
            path: trimmed.to_string(),
        })
    }

    /// The server path of the site-relative `name`.
    pub fn join(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }
}

/// A [`Publisher`] over any [`RemoteFiles`].
pub(crate) struct FilesPublisher<F> {
    target: String,
    kind: &'static str,
    /// `sftp user@host:/path`, for messages.
    description: String,
    root: RemoteRoot,
    files: F,
}

impl<F: RemoteFiles> FilesPublisher<F> {
    pub fn new(
        target: &str,
        kind: &'static str,
        description: String,
        root: RemoteRoot,
        files: F,
    ) -> Self {
        FilesPublisher {
            target: target.to_string(),
            kind,
            description,
            root,
            files,
        }
    }

    /// Makes every folder `names` need (and the root), parents first, once each.
    fn make_dirs<'a>(&mut self, names: impl Iterator<Item = &'a str>) -> Result<(), DeployError> {
        let mut folders = BTreeSet::new();
        for name in names {
            let mut rest = name;
            while let Some((parent, _)) = rest.rsplit_once('/') {
                folders.insert(parent.to_string());
                rest = parent;
            }
        }
        // The root and its parents, for a root that is not there yet.
        let absolute = self.root.path.starts_with('/');
        let mut prefix = String::new();
        for segment in self.root.path.split('/').filter(|s| !s.is_empty()) {
            if absolute || !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
            self.files.make_dir(&prefix)?;
        }
        // BTreeSet order puts `a` before `a/b`.
        for folder in folders {
            let path = self.root.join(&folder);
            self.files.make_dir(&path)?;
        }
        Ok(())
    }

    /// Uploads `bytes` as `name` through a temporary name beside it.
    fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), DeployError> {
        let final_path = self.root.join(name);
        let temporary = temporary_name(&final_path);
        self.files.write(&temporary, bytes)?;
        self.files.replace(&temporary, &final_path)
    }

    fn put_manifest(&mut self, manifest: &Manifest) -> Result<(), DeployError> {
        self.put(MANIFEST_FILE, manifest.to_json().as_bytes())
    }
}

impl<F: RemoteFiles> Publisher for FilesPublisher<F> {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn live_manifest(&mut self) -> Result<Option<Manifest>, DeployError> {
        let path = self.root.join(MANIFEST_FILE);
        match self.files.read(&path)? {
            None => Ok(None),
            Some(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| DeployError::BadManifest {
                    location: path.clone(),
                    reason: "it is not text".into(),
                })?;
                Manifest::parse(&text, &path).map(Some)
            }
        }
    }

    fn publish(&mut self, local: &LocalTree, plan: &Plan) -> Result<Option<String>, DeployError> {
        if plan.is_empty() {
            return Ok(None);
        }
        self.make_dirs(plan.uploads.iter().map(|u| u.path.as_str()))?;
        for upload in &plan.uploads {
            let source = local.path_of(&upload.path);
            let bytes = std::fs::read(&source).map_err(|source_error| DeployError::Io {
                context: format!("cannot read {}", source.display()),
                source: source_error,
            })?;
            self.put(&upload.path, &bytes)?;
        }
        let manifest = local.manifest();
        if !plan.deletes.is_empty() {
            // The files still to delete stay listed until they are gone, so that an
            // interrupted deploy leaves them to the next one.
            let mut pending: BTreeMap<String, String> = manifest.files.clone();
            for path in &plan.deletes {
                pending.insert(path.clone(), PENDING_DIGEST.to_string());
            }
            self.put_manifest(&Manifest::new(pending))?;
            for path in &plan.deletes {
                let server_path = self.root.join(path);
                self.files.remove_file(&server_path)?;
            }
            for folder in emptied_folders(&plan.deletes, local) {
                let server_path = self.root.join(&folder);
                self.files.remove_dir(&server_path);
            }
        }
        self.put_manifest(&manifest)?;
        Ok(None)
    }

    fn rollback(&mut self, _dry_run: bool) -> Result<(String, String), DeployError> {
        Err(DeployError::RollbackUnsupported {
            target: self.target.clone(),
            kind: self.kind,
        })
    }
}

/// The digest a manifest gives a file that is being deleted: no built file has it, so the
/// next deploy deletes the file (or uploads it again, if the site has it once more).
const PENDING_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `dir/.name.herald-tmp` for `dir/name`.
pub fn temporary_name(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}{TEMPORARY_SUFFIX}"),
        None => format!(".{path}{TEMPORARY_SUFFIX}"),
    }
}

/// The folders of deleted files that the new site has nothing in, deepest first.
fn emptied_folders(deletes: &[String], local: &LocalTree) -> Vec<String> {
    let mut used = BTreeSet::new();
    for name in local.files.keys() {
        let mut rest = name.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            used.insert(parent);
            rest = parent;
        }
    }
    let mut folders = BTreeSet::new();
    for path in deletes {
        let mut rest = path.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if !used.contains(parent) {
                folders.insert(parent.to_string());
            }
            rest = parent;
        }
    }
    let mut folders: Vec<String> = folders.into_iter().collect();
    folders.sort_by_key(|f| (std::cmp::Reverse(f.matches('/').count()), f.clone()));
    folders
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::manifest::{LocalFile, sha256_hex};
    use std::path::PathBuf;

    /// A server in memory that records what was done to it.
    #[derive(Default)]
    struct Memory {
        files: BTreeMap<String, Vec<u8>>,
        dirs: BTreeSet<String>,
        log: Vec<String>,
    }

    impl RemoteFiles for Memory {
        fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, DeployError> {
            Ok(self.files.get(path).cloned())
        }
        fn make_dir(&mut self, path: &str) -> Result<(), DeployError> {
            self.dirs.insert(path.to_string());
            Ok(())
        }
        fn write(&mut self, path: &str, bytes: &[u8]) -> Result<(), DeployError> {
            self.log.push(format!("write {path}"));
            self.files.insert(path.to_string(), bytes.to_vec());
            Ok(())
        }
        fn replace(&mut self, from: &str, to: &str) -> Result<(), DeployError> {
            self.log.push(format!("rename {from} {to}"));
            let bytes = self.files.remove(from).expect("renamed file exists");
            self.files.insert(to.to_string(), bytes);
            Ok(())
        }
        fn remove_file(&mut self, path: &str) -> Result<(), DeployError> {
            self.log.push(format!("remove {path}"));
            self.files.remove(path);
            Ok(())
        }
        fn remove_dir(&mut self, path: &str) -> bool {
            self.log.push(format!("rmdir {path}"));
            self.dirs.remove(path)
        }
    }

    fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, LocalTree) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let local = LocalTree::scan(dir.path()).unwrap();
        (dir, local)
    }

    fn publisher() -> FilesPublisher<Memory> {
        FilesPublisher::new(
            "t",
            "sftp",
            "sftp test".into(),
            RemoteRoot::parse("/www/").unwrap(),
            Memory::default(),
        )
    }

    fn deploy(p: &mut FilesPublisher<Memory>, local: &LocalTree) -> Plan {
        let live = p.live_manifest().unwrap();
        let plan = Plan::between(local, live.as_ref());
        p.files.log.clear();
        p.publish(local, &plan).unwrap();
        plan
    }

    #[test]
    fn files_go_up_under_a_temporary_name_assets_first() {
        let mut p = publisher();
        let (_d, local) = site(&[("index.html", "<img src=a.png>"), ("a.png", "png")]);
        deploy(&mut p, &local);
        assert_eq!(
            p.files.log[..4],
            [
                "write /www/.a.png.herald-tmp",
                "rename /www/.a.png.herald-tmp /www/a.png",
                "write /www/.index.html.herald-tmp",
                "rename /www/.index.html.herald-tmp /www/index.html",
            ]
        );
        assert!(p.files.dirs.contains("/www"));
        let manifest = p.live_manifest().unwrap().unwrap();
        assert_eq!(manifest, local.manifest());
        assert!(!p.files.files.keys().any(|k| k.ends_with(TEMPORARY_SUFFIX)));
    }

    #[test]
    fn a_redeploy_sends_only_changes_and_deletes_last_with_their_folders() {
        let mut p = publisher();
        let (_a, first) = site(&[
            ("index.html", "home"),
            ("news/old/index.html", "old"),
            ("news/index.html", "list"),
        ]);
        deploy(&mut p, &first);
        let (_b, second) = site(&[("index.html", "home"), ("news/index.html", "new list")]);
        let plan = deploy(&mut p, &second);
        assert_eq!(plan.uploads.len(), 1);
        let log = &p.files.log;
        let remove = log
            .iter()
            .position(|l| l == "remove /www/news/old/index.html")
            .unwrap();
        let upload = log
            .iter()
            .position(|l| l == "rename /www/.news/index.html.herald-tmp /www/news/index.html")
            .or_else(|| {
                log.iter()
                    .position(|l| l.ends_with("/www/news/index.html") && l.starts_with("rename"))
            })
            .unwrap();
        assert!(upload < remove, "{log:?}");
        assert!(log.contains(&"rmdir /www/news/old".to_string()), "{log:?}");
        assert!(!log.contains(&"rmdir /www/news".to_string()), "{log:?}");
        assert_eq!(p.live_manifest().unwrap().unwrap(), second.manifest());
        // Nothing changed: nothing is sent.
        let plan = deploy(&mut p, &second);
        assert!(plan.is_empty());
        assert!(p.files.log.is_empty(), "{:?}", p.files.log);
    }

    #[test]
    fn files_that_herald_did_not_publish_stay() {
        let mut p = publisher();
        let (_a, first) = site(&[("index.html", "home"), ("old.html", "old")]);
        deploy(&mut p, &first);
        p.files
            .files
            .insert("/www/.htaccess".into(), b"Options -Indexes".to_vec());
        let (_b, second) = site(&[("index.html", "home")]);
        deploy(&mut p, &second);
        assert!(p.files.files.contains_key("/www/.htaccess"));
        assert!(!p.files.files.contains_key("/www/old.html"));
    }

    #[test]
    fn an_interrupted_delete_is_finished_by_the_next_deploy() {
        let mut p = publisher();
        let (_a, first) = site(&[("index.html", "home"), ("old.html", "old")]);
        deploy(&mut p, &first);
        // As if the last deploy stopped after its first manifest: old.html still listed.
        let mut files = BTreeMap::new();
        files.insert(
            "index.html".to_string(),
            LocalFile {
                digest: sha256_hex(b"home"),
                size: 4,
            },
        );
        let local = LocalTree {
            root: PathBuf::from("/nowhere"),
            files,
        };
        let mut pending = local.manifest().files;
        pending.insert("old.html".into(), PENDING_DIGEST.into());
        p.put_manifest(&Manifest::new(pending)).unwrap();
        let live = p.live_manifest().unwrap();
        let plan = Plan::between(&local, live.as_ref());
        assert!(plan.uploads.is_empty());
        assert_eq!(plan.deletes, ["old.html"]);
    }

    #[test]
    fn temporary_names_are_hidden_files_beside_the_file() {
        assert_eq!(
            temporary_name("/www/en/index.html"),
            "/www/en/.index.html.herald-tmp"
        );
        assert_eq!(temporary_name("index.html"), ".index.html.herald-tmp");
    }

    #[test]
    fn remote_roots_are_checked() {
        assert!(RemoteRoot::parse("/var/www/site").is_ok());
        assert!(RemoteRoot::parse("public_html").is_ok());
        for bad in ["/", "", ".", "~", "/var/www/../etc", "a\nb"] {
            assert!(RemoteRoot::parse(bad).is_err(), "{bad}");
        }
    }
}
