//! What is published where: the digests of a built site (`LocalTree`), the manifest herald
//! keeps on a target (`.herald-manifest`), and the plan between the two (`Plan`).
//!
//! The manifest lists only files herald published, so a re-deploy deletes nothing that someone
//! else put on the target (an `.htaccess`, a partner's uploads).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::DeployError;

/// The manifest's file name, at the root of what a target serves.
pub const MANIFEST_FILE: &str = ".herald-manifest";

const MANIFEST_VERSION: u32 = 1;

/// The files herald published on a target: site-relative path (with `/`) → SHA-256, hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    pub fn new(files: BTreeMap<String, String>) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION,
            files,
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a map of strings serializes");
        text.push('\n');
        text
    }

    /// Reads a manifest found on a target. Its paths are checked, since herald deletes files
    /// by them: a manifest edited to name `../../etc/passwd` is refused, not followed.
    pub fn parse(text: &str, location: &str) -> Result<Manifest, DeployError> {
        let invalid = |reason: String| DeployError::BadManifest {
            location: location.to_string(),
            reason,
        };
        let manifest: Manifest =
            serde_json::from_str(text).map_err(|err| invalid(err.to_string()))?;
        if manifest.version != MANIFEST_VERSION {
            return Err(invalid(format!(
                "it is version {}, this herald knows version {MANIFEST_VERSION}",
                manifest.version
            )));
        }
        for (path, digest) in &manifest.files {
            if !is_safe_relative_path(path) {
                return Err(invalid(format!(
                    "it names `{path}`, which is not a path inside the site"
                )));
            }
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(format!("the digest of `{path}` is not a SHA-256")));
            }
        }
        Ok(manifest)
    }
}

/// `news/index.html`: relative, `/`-separated, no `.`, `..` or empty segment, no backslash,
/// and not the manifest itself.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path != MANIFEST_FILE
        && !path.contains('\\')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub digest: String,
    pub size: u64,
}

/// The built site on this machine, with the digest of every file.
#[derive(Debug, Clone)]
pub struct LocalTree {
    pub root: PathBuf,
    pub files: BTreeMap<String, LocalFile>,
}

/// Every file under `root`: its path relative to `root`, and its full path.
pub(crate) fn files_under(
    root: &Path,
    follow_links: bool,
    context: &str,
) -> Result<Vec<(PathBuf, PathBuf)>, DeployError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(follow_links)
    {
        let entry = entry.map_err(|err| DeployError::Io {
            context: context.to_string(),
            source: err.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(root)
            .expect("walkdir yields paths under its root")
            .to_path_buf();
        files.push((relative, entry.into_path()));
    }
    Ok(files)
}

impl LocalTree {
    /// Reads every file under `root` (in parallel) and digests it. A manifest left there is
    /// not part of the site.
    pub fn scan(root: &Path) -> Result<LocalTree, DeployError> {
        let mut paths = Vec::new();
        let context = format!("cannot read the built site in {}", root.display());
        for (relative, path) in files_under(root, true, &context)? {
            let Some(name) = relative_name(&relative) else {
                return Err(DeployError::UnpublishablePath(path));
            };
            if name != MANIFEST_FILE {
                paths.push((name, path));
            }
        }
        let files = paths
            .into_par_iter()
            .map(|(name, path)| {
                digest_file(&path)
                    .map(|file| (name, file))
                    .map_err(|source| DeployError::Io {
                        context: format!("cannot read {}", path.display()),
                        source,
                    })
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        Ok(LocalTree {
            root: root.to_path_buf(),
            files,
        })
    }

    pub fn manifest(&self) -> Manifest {
        Manifest::new(
            self.files
                .iter()
                .map(|(path, file)| (path.clone(), file.digest.clone()))
                .collect(),
        )
    }

    pub fn path_of(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

/// The `/`-separated name of a relative path, when every part is valid UTF-8 and safe.
fn relative_name(relative: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    let name = parts?.join("/");
    (is_safe_relative_path(&name) || name == MANIFEST_FILE).then_some(name)
}

fn digest_file(path: &Path) -> std::io::Result<LocalFile> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok(LocalFile {
        digest: hex(&hasher.finalize()),
        size,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub path: String,
    pub size: u64,
    pub change: Change,
}

/// What a deploy transfers: uploads in a safe order, then deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files that linked files need first (images, styles), then new pages, then changed
    /// pages, then the indexes that list pages (feeds, sitemap, search index): at no moment
    /// does an uploaded page link to a file that is not there yet.
    pub uploads: Vec<Upload>,
    /// Files herald published before that the site no longer has: the indexes that list
    /// pages first, then pages, then the files pages used.
    pub deletes: Vec<String>,
    /// Files already on the target as they are.
    pub unchanged: usize,
}

impl Plan {
    /// The plan from what the target has (`live`, `None` for a target herald never published
    /// to) to `local`.
    pub fn between(local: &LocalTree, live: Option<&Manifest>) -> Plan {
        let empty = BTreeMap::new();
        let live_files = live.map(|m| &m.files).unwrap_or(&empty);
        let mut uploads = Vec::new();
        let mut unchanged = 0;
        for (path, file) in &local.files {
            match live_files.get(path) {
                Some(digest) if *digest == file.digest => unchanged += 1,
                Some(_) => uploads.push(Upload {
                    path: path.clone(),
                    size: file.size,
                    change: Change::Changed,
                }),
                None => uploads.push(Upload {
                    path: path.clone(),
                    size: file.size,
                    change: Change::Added,
                }),
            }
        }
        uploads.sort_by(|a, b| (upload_rank(a), &a.path).cmp(&(upload_rank(b), &b.path)));
        let mut deletes: Vec<String> = live_files
            .keys()
            .filter(|path| !local.files.contains_key(*path))
            .cloned()
            .collect();
        deletes.sort_by(|a, b| (3 - kind_rank(a), a).cmp(&(3 - kind_rank(b), b)));
        Plan {
            uploads,
            deletes,
            unchanged,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletes.is_empty()
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.size).sum()
    }
}

/// 0: files pages use; 1: pages; 3: files that list pages.
fn kind_rank(path: &str) -> u8 {
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => 1,
        "xml" | "json" | "txt" => 3,
        _ => 0,
    }
}

fn upload_rank(upload: &Upload) -> u8 {
    match (kind_rank(&upload.path), upload.change) {
        (1, Change::Changed) => 2,
        (rank, _) => rank,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> LocalTree {
        LocalTree {
            root: PathBuf::from("/nowhere"),
            files: files
                .iter()
                .map(|(path, text)| {
                    (
                        path.to_string(),
                        LocalFile {
                            digest: sha256_hex(text.as_bytes()),
                            size: text.len() as u64,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn first_deploy_uploads_everything_assets_first() {
        let local = tree(&[
            ("en/index.html", "home"),
            ("en/atom.xml", "feed"),
            ("images/logo.svg", "logo"),
            ("en/news/a/index.html", "a"),
        ]);
        let plan = Plan::between(&local, None);
        let order: Vec<&str> = plan.uploads.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            order,
            [
                "images/logo.svg",
                "en/index.html",
                "en/news/a/index.html",
                "en/atom.xml"
            ]
        );
        assert!(plan.deletes.is_empty());
        assert_eq!(plan.upload_bytes(), 4 + 4 + 4 + 1);
    }

    #[test]
    fn new_pages_go_up_before_the_changed_pages_that_link_to_them() {
        let before = tree(&[("en/index.html", "home"), ("en/news/index.html", "list")]);
        let local = tree(&[
            ("en/index.html", "home"),
            ("en/news/index.html", "list with b"),
            ("en/news/b/index.html", "b"),
        ]);
        let plan = Plan::between(&local, Some(&before.manifest()));
        let order: Vec<(&str, Change)> = plan
            .uploads
            .iter()
            .map(|u| (u.path.as_str(), u.change))
            .collect();
        assert_eq!(
            order,
            [
                ("en/news/b/index.html", Change::Added),
                ("en/news/index.html", Change::Changed)
            ]
        );
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn deletes_only_what_the_manifest_lists_pages_first() {
        let before = tree(&[
            ("old/index.html", "x"),
            ("old/photo.jpg", "y"),
            ("keep.html", "k"),
        ]);
        let local = tree(&[("keep.html", "k")]);
        let plan = Plan::between(&local, Some(&before.manifest()));
        assert_eq!(plan.deletes, ["old/index.html", "old/photo.jpg"]);
        assert!(plan.uploads.is_empty());
    }

    #[test]
    fn same_site_gives_an_empty_plan() {
        let local = tree(&[("a.html", "a"), ("b.css", "b")]);
        let plan = Plan::between(&local, Some(&local.manifest()));
        assert!(plan.is_empty());
        assert_eq!(plan.unchanged, 2);
    }

    #[test]
    fn manifest_round_trips() {
        let manifest = tree(&[("a.html", "a")]).manifest();
        assert_eq!(Manifest::parse(&manifest.to_json(), "t").unwrap(), manifest);
    }

    #[test]
    fn manifest_with_escaping_paths_is_refused() {
        let digest = sha256_hex(b"x");
        for path in ["../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a\\b", ""] {
            let text = serde_json::json!({"version": 1, "files": {path: digest}}).to_string();
            let err = Manifest::parse(&text, "target").unwrap_err();
            assert!(
                matches!(err, DeployError::BadManifest { .. }),
                "{path}: {err}"
            );
        }
    }

    #[test]
    fn manifest_with_a_bad_digest_is_refused() {
        let text = r#"{"version": 1, "files": {"a.html": "nope"}}"#;
        assert!(Manifest::parse(text, "t").is_err());
    }

    #[test]
    fn scan_digests_files_and_skips_a_manifest() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("en")).unwrap();
        fs::write(dir.path().join("en/index.html"), "hello").unwrap();
        fs::write(dir.path().join(MANIFEST_FILE), "{}").unwrap();
        let local = LocalTree::scan(dir.path()).unwrap();
        assert_eq!(local.files.len(), 1);
        assert_eq!(local.files["en/index.html"].digest, sha256_hex(b"hello"));
        assert_eq!(local.files["en/index.html"].size, 5);
    }
}
