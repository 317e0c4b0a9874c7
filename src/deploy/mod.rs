//! **Deploy**: publish the built site to a target named in `site.yaml` (`deploy:`).
//!
//! Every target works from the same two things: the digests of the built site
//! ([`manifest::LocalTree`]) and the manifest herald left on the target last time
//! ([`manifest::Manifest`]); the [`manifest::Plan`] between them says what to upload and what
//! to delete. A target only knows how to read its manifest, carry out a plan and, where it
//! keeps releases, go back to the previous one.
//!
//! Before anything is sent, [`deploy`] refuses a site that is not fit to publish: a build with
//! errors, drafts in the output, a `base_url` on this machine.

pub mod cli;
pub mod directory;
pub mod ftp;
pub mod manifest;
pub mod remote;
pub mod rsync;
pub mod sftp;

use std::path::{Path, PathBuf};

use crate::config::{DeployTarget, load_config};
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean_hint};
use crate::{BuildOptions, BuildReport};
use manifest::{LocalTree, Manifest, Plan};

/// The folder `herald deploy` builds into and publishes from, as `herald build` does.
pub const OUTPUT_DIR: &str = "public";

#[derive(Debug, Clone, Copy, Default)]
pub struct DeployOptions {
    /// Print what would be uploaded and deleted; write nothing.
    pub dry_run: bool,
    /// Publish `public/` as it is, without building it first.
    pub no_build: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("site.yaml has errors")]
    Config(Vec<Diagnostic>),
    #[error("site.yaml has no deploy target `{name}`")]
    UnknownTarget { name: String, known: Vec<String> },
    #[error("the site has errors; nothing was deployed")]
    Build(Diagnostics),
    #[error(
        "base_url `{0}` points at this machine; a deployed site would link to the visitor's own computer"
    )]
    LocalBaseUrl(String),
    #[error("{} contains drafts: {}", .output.display(), .pages.join(", "))]
    DraftsInOutput { output: PathBuf, pages: Vec<String> },
    #[error("there is no built site in {}", .0.display())]
    NoOutput(PathBuf),
    #[error("the built site has a file whose name cannot be published: {}", .0.display())]
    UnpublishablePath(PathBuf),
    #[error(
        "this deploy would delete {count} files, more than `max_deletes` of target `{target}` allows ({max})"
    )]
    TooManyDeletes {
        target: String,
        count: usize,
        max: usize,
    },
    #[error("the manifest on the target ({location}) is not one herald can use: {reason}")]
    BadManifest { location: String, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Target(String),
    #[error("there is no earlier release of target `{0}` to roll back to")]
    NothingToRollBack(String),
    #[error("target `{target}` ({kind}) keeps no releases, so it cannot roll back")]
    RollbackUnsupported { target: String, kind: &'static str },
    #[error("deploying to `{0}` targets is not supported yet")]
    Unsupported(&'static str),
}

impl DeployError {
    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            DeployError::UnknownTarget { name, known } if known.is_empty() => Some(format!(
                "add one under `deploy:` in site.yaml, e.g.\n  deploy:\n    {name}:\n      type: directory\n      path: /var/www/site"
            )),
            DeployError::UnknownTarget { name, known } => {
                did_you_mean_hint(name, known.iter().map(String::as_str))
                    .or_else(|| Some(format!("the targets are: {}", known.join(", "))))
            }
            DeployError::LocalBaseUrl(_) => Some(
                "set base_url in site.yaml to the address the site will have, e.g. `https://project.example.eu`"
                    .into(),
            ),
            DeployError::DraftsInOutput { .. } => Some(
                "it was built with --drafts: deploy without --no-build, or run `herald build` first"
                    .into(),
            ),
            DeployError::NoOutput(_) => {
                Some("run `herald build` first, or deploy without --no-build".into())
            }
            DeployError::TooManyDeletes { .. } => Some(
                "check with --dry-run what would go; if it is right, raise `max_deletes` for this deploy"
                    .into(),
            ),
            DeployError::Unsupported(_) => Some(
                "use a `directory`, `rsync`, `sftp` or `ftps` target, or upload public/ with another tool"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// What a deploy did, or with `dry_run` would do.
#[derive(Debug)]
pub struct DeployReport {
    pub target: String,
    /// The build it made first (none with `no_build`).
    pub build: Option<BuildReport>,
    pub plan: Plan,
    pub dry_run: bool,
    /// For targets that keep releases: the release live now (with `dry_run`, live still).
    pub release: Option<String>,
}

/// What a rollback did, or with `dry_run` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackReport {
    pub target: String,
    /// The release that was live.
    pub from: String,
    /// The release that is live now.
    pub to: String,
    pub dry_run: bool,
}

/// A place herald publishes to.
pub(crate) trait Publisher {
    /// `directory /srv/www/site`: what the target is, for messages (never a secret).
    fn describe(&self) -> String;
    /// The manifest of what the target serves now; `None` when herald never published there.
    fn live_manifest(&mut self) -> Result<Option<Manifest>, DeployError>;
    /// Carries out `plan`, so that the target serves `local`. Returns the release now live, for
    /// targets that keep releases.
    fn publish(&mut self, local: &LocalTree, plan: &Plan) -> Result<Option<String>, DeployError>;
    /// Makes the release before the live one live again.
    fn rollback(&mut self, dry_run: bool) -> Result<(String, String), DeployError>;
}

/// Builds the site in `root` (unless `no_build`), checks that it is fit to publish, and
/// publishes `public/` to the target `name`.
pub fn deploy(
    root: &Path,
    name: &str,
    options: DeployOptions,
) -> Result<DeployReport, DeployError> {
    let loaded = load_config(root).map_err(DeployError::Config)?;
    let target = find_target(&loaded.config.deploy, name)?;
    check_base_url(&loaded.config.base_url)?;
    let mut publisher = open_target(root, name, target)?;
    let output = root.join(OUTPUT_DIR);
    // What `herald check` finds (broken links and anchors, missing images…) must not go out
    // either; the build alone lets some of it pass.
    // The site the check rendered is the one a build writes: it is written, not rendered
    // again.
    let (checked, rendered) =
        crate::check::check_and_render(root, crate::check::CheckOptions::default());
    if checked.has_errors() {
        return Err(DeployError::Build(checked.diagnostics));
    }
    let build = match rendered {
        _ if options.no_build => {
            check_built_output(root, &output)?;
            None
        }
        Some(rendered) => {
            let written = crate::write::write_site(&rendered, &output)
                .map_err(|problem| DeployError::Build(std::iter::once(problem).collect()))?;
            Some(BuildReport {
                output: output.clone(),
                pages: rendered.pages,
                files: written.files,
                bytes: written.bytes,
                warnings: checked.diagnostics,
                leftovers: Default::default(),
            })
        }
        // No site was loaded, and that is an error the check reported.
        None => return Err(DeployError::Build(checked.diagnostics)),
    };
    let local = LocalTree::scan(&output)?;
    let live = publisher.live_manifest()?;
    let plan = Plan::between(&local, live.as_ref());
    if let Some(max) = max_deletes(target)
        && plan.deletes.len() > max
    {
        return Err(DeployError::TooManyDeletes {
            target: name.to_string(),
            count: plan.deletes.len(),
            max,
        });
    }
    let release = if options.dry_run {
        None
    } else {
        publisher.publish(&local, &plan)?
    };
    Ok(DeployReport {
        target: name.to_string(),
        build,
        plan,
        dry_run: options.dry_run,
        release,
    })
}

/// Makes the previous release of target `name` live again. Builds nothing.
pub fn rollback(root: &Path, name: &str, dry_run: bool) -> Result<RollbackReport, DeployError> {
    let loaded = load_config(root).map_err(DeployError::Config)?;
    let target = find_target(&loaded.config.deploy, name)?;
    let mut publisher = open_target(root, name, target)?;
    let (from, to) = publisher.rollback(dry_run)?;
    Ok(RollbackReport {
        target: name.to_string(),
        from,
        to,
        dry_run,
    })
}

/// `directory /srv/www/site`, for the target `name` of the site in `root`.
pub fn describe_target(root: &Path, name: &str) -> Result<String, DeployError> {
    let loaded = load_config(root).map_err(DeployError::Config)?;
    let target = find_target(&loaded.config.deploy, name)?;
    Ok(open_target(root, name, target)?.describe())
}

fn find_target<'a>(
    targets: &'a indexmap::IndexMap<String, DeployTarget>,
    name: &str,
) -> Result<&'a DeployTarget, DeployError> {
    targets.get(name).ok_or_else(|| DeployError::UnknownTarget {
        name: name.to_string(),
        known: targets.keys().cloned().collect(),
    })
}

fn open_target(
    root: &Path,
    name: &str,
    target: &DeployTarget,
) -> Result<Box<dyn Publisher>, DeployError> {
    match target {
        DeployTarget::Directory(config) => Ok(Box::new(directory::DirectoryPublisher::new(
            name,
            site_relative(root, &config.path),
            config.keep,
        ))),
        DeployTarget::Rsync(config) => Ok(Box::new(
            rsync::RsyncPublisher::new(name, config.clone(), root)?.share_connection(),
        )),
        DeployTarget::Sftp(config) => {
            let files = sftp::SftpFiles::new(config.clone(), root)?;
            Ok(Box::new(remote::FilesPublisher::new(
                name,
                "sftp",
                files.describe(),
                remote::RemoteRoot::parse(&config.path)?,
                files,
            )))
        }
        DeployTarget::Ftp(config) | DeployTarget::Ftps(config) => {
            let secure = matches!(target, DeployTarget::Ftps(_));
            let files = ftp::FtpFiles::new(config.clone(), secure, root)?;
            Ok(Box::new(remote::FilesPublisher::new(
                name,
                if secure { "ftps" } else { "ftp" },
                files.describe(),
                remote::RemoteRoot::parse(&config.path)?,
                files,
            )))
        }
        DeployTarget::S3(_) => Err(DeployError::Unsupported("s3")),
    }
}

/// `path` as written in site.yaml, taken relative to the site's folder.
fn site_relative(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new(".") {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

fn max_deletes(target: &DeployTarget) -> Option<usize> {
    match target {
        DeployTarget::Directory(config) => config.max_deletes,
        DeployTarget::Rsync(config) => config.max_deletes,
        DeployTarget::Sftp(config) => config.max_deletes,
        DeployTarget::Ftp(config) | DeployTarget::Ftps(config) => config.max_deletes,
        DeployTarget::S3(config) => config.max_deletes,
    }
}

/// Refuses a base URL whose host is this machine: every link and feed of the deployed site
/// would lead visitors to their own computer.
pub fn check_base_url(base_url: &str) -> Result<(), DeployError> {
    if is_local_url(base_url) {
        Err(DeployError::LocalBaseUrl(base_url.to_string()))
    } else {
        Ok(())
    }
}

/// Whether the host of `url` is this machine: `localhost` (and `*.localhost`), the loopback
/// addresses `127.0.0.0/8` and `::1`, or the unspecified `0.0.0.0`.
pub fn is_local_url(url: &str) -> bool {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// With `--no-build`, `public/` was built by someone else: check that it exists, was not built
/// for this machine, and holds no drafts.
fn check_built_output(root: &Path, output: &Path) -> Result<(), DeployError> {
    if !output.join("index.html").is_file() {
        return Err(DeployError::NoOutput(output.to_path_buf()));
    }
    // The sitemap holds absolute addresses: it tells the base URL the site was built with
    // (`herald build --base-url` may have replaced the one in site.yaml).
    if let Ok(sitemap) = std::fs::read_to_string(output.join("sitemap.xml"))
        && let Some(first) = sitemap
            .split("<loc>")
            .nth(1)
            .and_then(|rest| rest.split("</loc>").next())
        && is_local_url(first)
    {
        return Err(DeployError::LocalBaseUrl(first.trim().to_string()));
    }
    let drafts = drafts_in_output(root, output);
    if drafts.is_empty() {
        Ok(())
    } else {
        Err(DeployError::DraftsInOutput {
            output: output.to_path_buf(),
            pages: drafts,
        })
    }
}

/// The pages of draft items that exist in `output`.
fn drafts_in_output(root: &Path, output: &Path) -> Vec<String> {
    let options = BuildOptions {
        drafts: true,
        ..BuildOptions::default()
    };
    let (Some(site), _) = crate::resolve_site(root, options) else {
        return Vec::new();
    };
    let mut pages: Vec<String> = site
        .items
        .iter()
        .filter(|item| item.fallback_of.is_none())
        .filter(|item| site.loaded.content[item.file].front_matter.draft)
        .filter_map(|item| {
            let path = item.url.strip_prefix(&site.base_path).unwrap_or(&item.url);
            let page = format!("{}index.html", path.trim_start_matches('/'));
            output.join(&page).is_file().then_some(page)
        })
        .collect();
    pages.sort();
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_base_urls_are_recognised() {
        for url in [
            "http://localhost:1111",
            "http://localhost",
            "https://LOCALHOST/",
            "http://127.0.0.1:8080/site",
            "http://127.1.2.3",
            "http://[::1]:1111/",
            "http://0.0.0.0",
            "http://site.localhost",
            "http://user@localhost/",
        ] {
            assert!(is_local_url(url), "{url}");
        }
        for url in [
            "https://project.example.eu",
            "https://localhost.example.eu",
            "https://example.eu/localhost",
            "http://10.0.0.1",
            "http://[2001:db8::1]/",
        ] {
            assert!(!is_local_url(url), "{url}");
        }
    }
}
