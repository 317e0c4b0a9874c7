//! The `rsync` target: a server reached over SSH, with the system's `rsync` and `ssh`.
//!
//! Files are compared by checksum, not by time (a fresh build gives every file a new time).
//! Nothing outside the configured path is touched, and nothing in it that herald did not
//! publish: instead of `--delete`, which would remove anything else found there, rsync gets
//! the exact list of the site's files (`--files-from`), and after the transfer one ssh command
//! removes the files herald published before and no longer has (the list goes on its standard
//! input), with the folders that this leaves empty. `--delay-updates` puts every changed file
//! in place at the end of the transfer, each through a temporary name; the manifest goes up
//! last, so a deploy interrupted anywhere is finished by the next one.
//!
//! With `atomic: true`, the layout is the one of the `directory` target: each deploy uploads a
//! new release folder (hard-linking unchanged files to the live release with `--link-dest`),
//! then one `mv` over SSH replaces the served path, a link, with one to the new release.
//!
//! Authentication is ssh's: an agent, `key`, or `~/.ssh/config`. `BatchMode` makes ssh fail
//! instead of asking for a password, so a CI job never hangs.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::directory::{PARTIAL_SUFFIX, next_release_name, release_before, release_number};
use super::manifest::{LocalTree, MANIFEST_FILE, Manifest, Plan};
use super::{DeployError, Publisher};
use crate::config::RsyncTarget;

/// Mode bits for what is uploaded: readable by the web server whatever the local umask.
const CHMOD: &str = "--chmod=Du=rwx,Dgo=rx,Fu=rw,Fgo=r";

pub struct RsyncPublisher {
    target: String,
    config: RsyncTarget,
    remote: RemotePath,
    /// `key` and `known_hosts`, relative to the site's folder when written relative.
    key: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
    /// With [`RsyncPublisher::share_connection`]: the folder of the socket through which
    /// every ssh and rsync of one deploy goes over one SSH connection.
    control: Option<tempfile::TempDir>,
}

impl RsyncPublisher {
    pub fn new(target: &str, config: RsyncTarget, root: &Path) -> Result<Self, DeployError> {
        let remote = RemotePath::parse(&config.path)?;
        if config.host.is_empty()
            || config.host.starts_with('-')
            || config.host.contains(['@', ' ', '\n'])
        {
            return Err(DeployError::Target(format!(
                "`{}` is not a host name (write the user under `user`)",
                config.host
            )));
        }
        if let Some(user) = &config.user
            && (user.is_empty() || user.starts_with('-') || user.contains(['@', ' ', '\n']))
        {
            return Err(DeployError::Target(format!("`{user}` is not a user name")));
        }
        Ok(RsyncPublisher {
            target: target.to_string(),
            key: config.key.as_ref().map(|k| super::site_relative(root, k)),
            known_hosts: config
                .known_hosts
                .as_ref()
                .map(|k| super::site_relative(root, k)),
            remote,
            config,
            control: None,
        })
    }

    /// Makes the ssh and rsync runs of this deploy share one SSH connection (OpenSSH's
    /// `ControlMaster`), instead of a key exchange and a login each: the first run opens it,
    /// and it is closed when the publisher is dropped (or, if herald is killed, by ssh a
    /// minute after its last use).
    pub fn share_connection(mut self) -> Self {
        self.control = tempfile::Builder::new()
            .prefix("herald-ssh-")
            .tempdir()
            .ok();
        self
    }

    fn control_path(&self) -> Option<PathBuf> {
        self.control.as_ref().map(|dir| dir.path().join("%C"))
    }

    /// `user@host`, or `host` when ssh picks the user.
    pub fn destination(&self) -> String {
        match &self.config.user {
            Some(user) => format!("{user}@{}", self.config.host),
            None => self.config.host.clone(),
        }
    }

    /// ssh's options, without the program and the destination.
    pub fn ssh_options(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["-o".into(), "BatchMode=yes".into()];
        if let Some(port) = self.config.port {
            args.extend(["-p".into(), port.to_string().into()]);
        }
        if let Some(key) = &self.key {
            args.extend(["-i".into(), key.into()]);
            args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if let Some(known_hosts) = &self.known_hosts {
            let mut option = OsString::from("UserKnownHostsFile=");
            option.push(known_hosts);
            args.extend(["-o".into(), option]);
            args.extend(["-o".into(), "StrictHostKeyChecking=yes".into()]);
        }
        if let Some(control) = self.control_path() {
            let mut option = OsString::from("ControlPath=");
            option.push(control);
            args.extend([
                "-o".into(),
                "ControlMaster=auto".into(),
                "-o".into(),
                option,
            ]);
            args.extend(["-o".into(), "ControlPersist=60".into()]);
        }
        args
    }

    /// The remote shell for rsync's `-e`: one string that rsync splits, honouring quotes.
    pub fn rsync_shell(&self) -> String {
        let mut shell = String::from("ssh");
        for option in self.ssh_options() {
            shell.push(' ');
            shell.push_str(&shell_quote(&option.to_string_lossy()));
        }
        shell
    }

    /// `ssh … -- user@host 'script'`.
    pub fn ssh_args(&self, script: &str) -> Vec<OsString> {
        let mut args = self.ssh_options();
        args.push("--".into());
        args.push(self.destination().into());
        args.push(script.into());
        args
    }

    /// rsync's options common to every transfer.
    fn rsync_common(&self) -> Vec<OsString> {
        vec![
            "-e".into(),
            self.rsync_shell().into(),
            // Paths are sent as data, not through the remote shell: spaces are safe.
            "--protect-args".into(),
            "--checksum".into(),
            "--perms".into(),
            CHMOD.into(),
        ]
    }

    /// The transfer of a non-atomic deploy: every file of the site, listed in `list`
    /// (NUL-separated); rsync sends those whose checksum differs.
    pub fn in_place_args(&self, local_root: &Path, list: &Path) -> Vec<OsString> {
        let mut args = self.rsync_common();
        args.extend([
            "--delay-updates".into(),
            "--from0".into(),
            flag_with_path("--files-from=", list),
            dir_arg(local_root),
            format!("{}:{}/", self.destination(), self.remote.path).into(),
        ]);
        args
    }

    /// The transfer of an atomic deploy into the folder `partial` of the releases folder,
    /// hard-linking unchanged files to the live release `previous`.
    pub fn release_args(
        &self,
        local_root: &Path,
        partial: &str,
        previous: Option<&str>,
    ) -> Vec<OsString> {
        let mut args = self.rsync_common();
        args.extend(["--recursive".into(), "--links".into()]);
        if let Some(previous) = previous {
            // Relative to the destination folder.
            args.push(format!("--link-dest=../{previous}").into());
        }
        args.push(dir_arg(local_root));
        args.push(
            format!(
                "{}:{}/{partial}/",
                self.destination(),
                self.remote.releases_dir()
            )
            .into(),
        );
        args
    }

    /// The upload of the manifest file `file` to `remote_dir`, last.
    pub fn manifest_args(&self, file: &Path, remote_dir: &str) -> Vec<OsString> {
        let mut args = self.rsync_common();
        args.push(file.into());
        args.push(format!("{}:{remote_dir}/{MANIFEST_FILE}", self.destination()).into());
        args
    }

    fn inspect(&self) -> Result<RemoteState, DeployError> {
        let script = self.remote.inspect_script(self.config.atomic);
        let output = run("ssh", &self.ssh_args(&script))?;
        RemoteState::parse(
            &String::from_utf8_lossy(&output.stdout),
            &format!("{}:{}", self.config.host, self.remote.path),
        )
    }

    fn ssh(&self, script: &str) -> Result<(), DeployError> {
        run("ssh", &self.ssh_args(script)).map(|_| ())
    }

    fn upload_manifest(&self, local: &LocalTree, remote_dir: &str) -> Result<(), DeployError> {
        let staging = tempfile::tempdir().map_err(|source| DeployError::Io {
            context: "cannot create a temporary folder".into(),
            source,
        })?;
        let file = staging.path().join(MANIFEST_FILE);
        std::fs::write(&file, local.manifest().to_json()).map_err(|source| DeployError::Io {
            context: format!("cannot write {}", file.display()),
            source,
        })?;
        run("rsync", &self.manifest_args(&file, remote_dir)).map(|_| ())
    }

    fn publish_in_place(&self, local: &LocalTree, plan: &Plan) -> Result<(), DeployError> {
        if plan.is_empty() {
            return Ok(());
        }
        let mut list = tempfile::NamedTempFile::new().map_err(|source| DeployError::Io {
            context: "cannot create a temporary file".into(),
            source,
        })?;
        for name in local.files.keys() {
            list.write_all(name.as_bytes())
                .and_then(|_| list.write_all(b"\0"))
                .map_err(|source| DeployError::Io {
                    context: "cannot write the list of files".into(),
                    source,
                })?;
        }
        list.flush().map_err(|source| DeployError::Io {
            context: "cannot write the list of files".into(),
            source,
        })?;
        self.ssh(&format!("mkdir -p -- {}", shell_quote(&self.remote.path)))?;
        if !local.files.is_empty() {
            run("rsync", &self.in_place_args(&local.root, list.path()))?;
        }
        if !plan.deletes.is_empty() {
            run_with_input(
                "ssh",
                &self.ssh_args(&self.remote.delete_script()),
                &delete_list(&plan.deletes),
            )?;
        }
        self.upload_manifest(local, &self.remote.path)
    }

    fn publish_release(
        &self,
        local: &LocalTree,
        plan: &Plan,
        state: &RemoteState,
    ) -> Result<String, DeployError> {
        let previous = state.live_release(&self.remote)?;
        if let Some(previous) = &previous
            && plan.is_empty()
        {
            return Ok(previous.clone());
        }
        let release = next_release_name(&state.releases, chrono::Utc::now());
        let partial = format!(".{release}{PARTIAL_SUFFIX}");
        let stale: Vec<&String> = state
            .entries
            .iter()
            .filter(|e| e.starts_with('.') && e.ends_with(PARTIAL_SUFFIX))
            .collect();
        let mut prepare = format!("mkdir -p -- {}", shell_quote(&self.remote.releases_dir()));
        for name in stale {
            prepare.push_str(&format!(
                " && rm -rf -- {}",
                shell_quote(&format!("{}/{name}", self.remote.releases_dir()))
            ));
        }
        self.ssh(&prepare)?;
        run(
            "rsync",
            &self.release_args(&local.root, &partial, previous.as_deref()),
        )?;
        if let Some(previous) = &previous {
            let foreign = foreign_files(state, local);
            if !foreign.is_empty() {
                let mut input = Vec::new();
                for name in &foreign {
                    input.extend_from_slice(name.as_bytes());
                    input.push(0);
                }
                let script = self.remote.carry_over_script(previous, &partial);
                run_with_input("ssh", &self.ssh_args(&script), &input)?;
            }
        }
        self.upload_manifest(local, &format!("{}/{partial}", self.remote.releases_dir()))?;
        let mut releases = state.releases.clone();
        releases.push(release.clone());
        let prune = releases_to_prune(&releases, self.config.keep, &release);
        self.ssh(&self.remote.swap_script(
            Some(&partial),
            &release,
            state.live == LiveState::EmptyFolder,
            &prune,
        ))?;
        Ok(release)
    }
}

impl Publisher for RsyncPublisher {
    fn describe(&self) -> String {
        format!(
            "rsync {}:{}{}",
            self.destination(),
            self.remote.path,
            if self.config.atomic { " (atomic)" } else { "" }
        )
    }

    fn live_manifest(&mut self) -> Result<Option<Manifest>, DeployError> {
        let state = self.inspect()?;
        if self.config.atomic {
            state.live_release(&self.remote)?;
        }
        Ok(state.manifest)
    }

    fn publish(&mut self, local: &LocalTree, plan: &Plan) -> Result<Option<String>, DeployError> {
        if self.config.atomic {
            let state = self.inspect()?;
            self.publish_release(local, plan, &state).map(Some)
        } else {
            self.publish_in_place(local, plan).map(|_| None)
        }
    }

    fn rollback(&mut self, dry_run: bool) -> Result<(String, String), DeployError> {
        if !self.config.atomic {
            return Err(DeployError::RollbackUnsupported {
                target: self.target.clone(),
                kind: "rsync without `atomic: true`",
            });
        }
        let state = self.inspect()?;
        let current = state
            .live_release(&self.remote)?
            .ok_or_else(|| DeployError::NothingToRollBack(self.target.clone()))?;
        let previous = release_before(&state.releases, &current)
            .cloned()
            .ok_or_else(|| DeployError::NothingToRollBack(self.target.clone()))?;
        if !dry_run {
            self.ssh(&self.remote.swap_script(None, &previous, false, &[]))?;
        }
        Ok((current, previous))
    }
}

impl Drop for RsyncPublisher {
    fn drop(&mut self) {
        if self.control.is_none() {
            return;
        }
        // Closes the shared connection, if one was opened (the same options name the same
        // socket).
        let _ = Command::new("ssh")
            .args(self.ssh_options())
            .args(["-O", "exit", "--"])
            .arg(self.destination())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The configured path on the server, checked: herald deletes under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePath {
    /// Without a trailing `/`; relative paths are relative to the SSH user's home.
    pub path: String,
}

impl RemotePath {
    pub fn parse(path: &str) -> Result<RemotePath, DeployError> {
        // The checks of every remote target, then those of a path that goes through ssh's
        // remote shell and rsync's arguments.
        let root = super::remote::RemoteRoot::parse(path)?;
        let refuse = |why: &str| {
            Err(DeployError::Target(format!(
                "the deploy path `{path}` {why}"
            )))
        };
        if root.path.contains('\'') {
            return refuse("contains a quote");
        }
        if root.path.starts_with('-') {
            return refuse("starts with `-`");
        }
        Ok(RemotePath { path: root.path })
    }

    fn parent_and_name(&self) -> (String, String) {
        match self.path.rsplit_once('/') {
            Some(("", name)) => ("/".to_string(), name.to_string()),
            Some((parent, name)) => (parent.to_string(), name.to_string()),
            None => (".".to_string(), self.path.clone()),
        }
    }

    /// `.site.releases`, beside the served path (as for `directory` targets).
    pub fn releases_name(&self) -> String {
        format!(".{}.releases", self.parent_and_name().1)
    }

    pub fn releases_dir(&self) -> String {
        let (parent, _) = self.parent_and_name();
        if parent == "/" {
            format!("/{}", self.releases_name())
        } else {
            format!("{parent}/{}", self.releases_name())
        }
    }

    /// A read-only look at the target, in one round trip: what the served path is, the
    /// entries of the releases folder, with `files` every file the served path has, and the
    /// manifest.
    pub fn inspect_script(&self, files: bool) -> String {
        let list = if files {
            "if [ -d \"$P/\" ]; then (cd -- \"$P/\" && find . -type f | sed 's/^\\.\\//file:/'); fi; "
        } else {
            ""
        };
        format!(
            "P={p}; R={r}; \
             if [ -L \"$P\" ]; then printf 'link:%s\\n' \"$(readlink -- \"$P\")\"; \
             elif [ -d \"$P\" ] && [ -z \"$(ls -A -- \"$P\")\" ]; then echo empty; \
             elif [ -d \"$P\" ]; then echo folder; \
             elif [ -e \"$P\" ]; then echo file; \
             else echo none; fi; \
             if [ -d \"$R\" ]; then ls -1A -- \"$R\" | sed 's/^/entry:/'; fi; {list}\
             if [ -f \"$P/{MANIFEST_FILE}\" ]; then echo manifest:; cat -- \"$P/{MANIFEST_FILE}\"; fi",
            p = shell_quote(&self.path),
            r = shell_quote(&self.releases_dir()),
        )
    }

    /// Removes, in the served path, the files named on standard input (`f:` and a path,
    /// NUL-separated) and then the folders named there (`d:`) when they are empty. The names
    /// come from the manifest, whose paths are checked to stay inside the site.
    pub fn delete_script(&self) -> String {
        format!(
            "cd -- {} && xargs -0 sh -c 's=0; for x do case $x in \
             f:*) rm -f -- \"${{x#f:}}\" || s=1;; \
             d:*) rmdir -- \"${{x#d:}}\" 2>/dev/null;; esac; done; exit $s' sh",
            shell_quote(&self.path)
        )
    }

    /// Hard-links (or copies) into the release being uploaded, `partial`, the files of the
    /// live release `previous` named on standard input (NUL-separated): the files herald did
    /// not publish, which a deploy keeps.
    pub fn carry_over_script(&self, previous: &str, partial: &str) -> String {
        format!(
            "cd -- {} && xargs -0 sh -c 'for x do d=$(dirname -- \"$x\"); \
             mkdir -p -- {n}/\"$d\" && {{ ln -f -- {p}/\"$x\" {n}/\"$x\" \
             || cp -p -- {p}/\"$x\" {n}/\"$x\"; }} || exit 1; done' sh",
            shell_quote(&self.releases_dir()),
            p = shell_quote(previous),
            n = shell_quote(partial),
        )
    }

    /// Makes `release` live: renames the uploaded `partial` folder to it (for a deploy), points
    /// a new link at it and renames that over the served path, in one `mv` (GNU `-T`, BSD
    /// `-h`); then removes `prune`.
    pub fn swap_script(
        &self,
        partial: Option<&str>,
        release: &str,
        replace_empty_folder: bool,
        prune: &[String],
    ) -> String {
        let (parent, name) = self.parent_and_name();
        let releases = self.releases_name();
        let temporary = format!(".{name}.herald-link-{}", std::process::id());
        let mut script = format!("cd -- {} && ", shell_quote(&parent));
        if let Some(partial) = partial {
            script.push_str(&format!(
                "mv -- {} {} && ",
                shell_quote(&format!("{releases}/{partial}")),
                shell_quote(&format!("{releases}/{release}"))
            ));
        }
        script.push_str(&format!(
            "rm -f -- {t} && ln -s -- {target} {t} && ",
            t = shell_quote(&temporary),
            target = shell_quote(&format!("{releases}/{release}")),
        ));
        if replace_empty_folder {
            script.push_str(&format!("rmdir -- {} && ", shell_quote(&name)));
        }
        script.push_str(&format!(
            "{{ mv -Tf -- {t} {n} 2>/dev/null || mv -hf -- {t} {n}; }}",
            t = shell_quote(&temporary),
            n = shell_quote(&name),
        ));
        for old in prune {
            script.push_str(&format!(
                " && rm -rf -- {}",
                shell_quote(&format!("{releases}/{old}"))
            ));
        }
        script
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LiveState {
    Nothing,
    EmptyFolder,
    Folder,
    File,
    Link(String),
}

/// What [`RemotePath::inspect_script`] found.
#[derive(Debug, Clone, PartialEq)]
struct RemoteState {
    live: LiveState,
    /// Every entry of the releases folder.
    entries: Vec<String>,
    /// Every file the served path has (when asked for).
    files: Vec<String>,
    /// The entries that are releases.
    releases: Vec<String>,
    manifest: Option<Manifest>,
}

impl RemoteState {
    fn parse(output: &str, location: &str) -> Result<RemoteState, DeployError> {
        let (head, manifest_text) = match output.split_once("manifest:\n") {
            Some((head, manifest)) => (head, Some(manifest)),
            None => (output, None),
        };
        let mut lines = head.lines();
        let live = match lines.next() {
            Some("none") => LiveState::Nothing,
            Some("empty") => LiveState::EmptyFolder,
            Some("folder") => LiveState::Folder,
            Some("file") => LiveState::File,
            Some(line) if line.starts_with("link:") => LiveState::Link(line[5..].to_string()),
            _ => {
                return Err(DeployError::Target(format!(
                    "unexpected answer from the server about {location}: {output:.200}"
                )));
            }
        };
        let entries: Vec<String> = lines
            .filter_map(|l| l.strip_prefix("entry:"))
            .map(str::to_string)
            .collect();
        let files: Vec<String> = head
            .lines()
            .filter_map(|l| l.strip_prefix("file:"))
            .map(str::to_string)
            .collect();
        let releases = entries
            .iter()
            .filter(|e| release_number(e).is_some())
            .cloned()
            .collect();
        let manifest = manifest_text
            .map(|text| Manifest::parse(text, &format!("{location}/{MANIFEST_FILE}")))
            .transpose()?;
        Ok(RemoteState {
            live,
            entries,
            files,
            releases,
            manifest,
        })
    }

    /// For atomic deploys: the live release, or `None` when there is none yet; refuses a
    /// served path that herald did not make.
    fn live_release(&self, remote: &RemotePath) -> Result<Option<String>, DeployError> {
        match &self.live {
            LiveState::Nothing | LiveState::EmptyFolder => Ok(None),
            LiveState::Link(link) => link
                .strip_prefix(&format!("{}/", remote.releases_name()))
                .filter(|release| release_number(release).is_some())
                .map(|release| Some(release.to_string()))
                .ok_or_else(|| {
                    DeployError::Target(format!(
                        "{} on the server is a link to {link}, which herald did not make; remove it first",
                        remote.path
                    ))
                }),
            LiveState::Folder | LiveState::File => Err(DeployError::Target(format!(
                "{} on the server is a {} herald did not make: with `atomic: true` herald \
                 publishes into release folders in {} and makes {} a link to the live one; \
                 move it away (or empty it) first",
                remote.path,
                if self.live == LiveState::Folder { "folder" } else { "file" },
                remote.releases_dir(),
                remote.path,
            ))),
        }
    }
}

/// The files of the live release that herald did not publish and the new site does not
/// have: an `.htaccess`, a partner's uploads.
fn foreign_files(state: &RemoteState, local: &LocalTree) -> Vec<String> {
    let published = state.manifest.as_ref().map(|m| &m.files);
    state
        .files
        .iter()
        .filter(|f| f.as_str() != MANIFEST_FILE)
        .filter(|f| !published.is_some_and(|p| p.contains_key(*f)))
        .filter(|f| !local.files.contains_key(*f))
        .filter(|f| super::manifest::is_safe_relative_path(f))
        .cloned()
        .collect()
}

/// All but the newest `keep` releases, never `live`.
fn releases_to_prune(releases: &[String], keep: usize, live: &str) -> Vec<String> {
    let mut sorted: Vec<&String> = releases.iter().collect();
    sorted.sort_by_key(|r| release_number(r));
    let excess = sorted.len().saturating_sub(keep.max(1));
    sorted
        .into_iter()
        .take(excess)
        .filter(|r| *r != live)
        .cloned()
        .collect()
}

/// `'it'\''s'`: one word for a POSIX shell, whatever it holds.
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-=:,+@%".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn flag_with_path(flag: &str, path: &Path) -> OsString {
    let mut arg = OsString::from(flag);
    arg.push(path);
    arg
}

/// A local folder as rsync's source: its contents, not the folder itself.
fn dir_arg(path: &Path) -> OsString {
    let mut arg = path.as_os_str().to_owned();
    arg.push("/");
    arg
}

/// The standard input of [`RemotePath::delete_script`]: the files, then the folders they
/// leave behind, deepest first.
fn delete_list(deletes: &[String]) -> Vec<u8> {
    let mut input = Vec::new();
    let mut folders = std::collections::BTreeSet::new();
    for path in deletes {
        input.extend_from_slice(b"f:");
        input.extend_from_slice(path.as_bytes());
        input.push(0);
        let mut rest = path.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            folders.insert(parent);
            rest = parent;
        }
    }
    let mut folders: Vec<&str> = folders.into_iter().collect();
    folders.sort_by_key(|f| (std::cmp::Reverse(f.matches('/').count()), *f));
    for folder in folders {
        input.extend_from_slice(b"d:");
        input.extend_from_slice(folder.as_bytes());
        input.push(0);
    }
    input
}

/// Runs `program` with `args`; a failure carries what the program said.
fn run(program: &str, args: &[OsString]) -> Result<Output, DeployError> {
    run_with_input(program, args, &[])
}

/// Runs `program` with `args` and `input` on its standard input.
fn run_with_input(program: &str, args: &[OsString], input: &[u8]) -> Result<Output, DeployError> {
    let cannot_run = |err: std::io::Error| {
        DeployError::Target(format!(
            "cannot run `{program}` ({err}); install it (Debian: apt install rsync openssh-client)"
        ))
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot_run)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A program that stops reading early says why on stderr, below.
        let _ = stdin.write_all(input);
    }
    let output = child.wait_with_output().map_err(cannot_run)?;
    if output.status.success() {
        Ok(output)
    } else {
        let said = String::from_utf8_lossy(&output.stderr);
        Err(DeployError::Target(format!(
            "`{program}` failed ({}): {}",
            output.status,
            said.trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publisher(yaml: &str) -> RsyncPublisher {
        let config: RsyncTarget = serde_yaml::from_str(yaml).unwrap();
        RsyncPublisher::new("production", config, Path::new("/site")).unwrap()
    }

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn ssh_options_carry_port_key_and_known_hosts() {
        let p = publisher(
            "{host: www.example.eu, user: texmap, path: /var/www/texmap, port: 2222, key: deploy_key, known_hosts: ci/known_hosts}",
        );
        assert_eq!(p.destination(), "texmap@www.example.eu");
        assert_eq!(
            strings(&p.ssh_options()),
            [
                "-o",
                "BatchMode=yes",
                "-p",
                "2222",
                "-i",
                "/site/deploy_key",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "UserKnownHostsFile=/site/ci/known_hosts",
                "-o",
                "StrictHostKeyChecking=yes"
            ]
        );
        assert_eq!(
            p.rsync_shell(),
            "ssh -o BatchMode=yes -p 2222 -i /site/deploy_key -o IdentitiesOnly=yes \
             -o UserKnownHostsFile=/site/ci/known_hosts -o StrictHostKeyChecking=yes"
        );
    }

    #[test]
    fn defaults_leave_user_port_and_key_to_ssh() {
        let p = publisher("{host: www.example.eu, path: site}");
        assert_eq!(p.destination(), "www.example.eu");
        assert_eq!(strings(&p.ssh_options()), ["-o", "BatchMode=yes"]);
        assert_eq!(
            strings(&p.ssh_args("true")),
            ["-o", "BatchMode=yes", "--", "www.example.eu", "true"]
        );
    }

    #[test]
    fn in_place_transfer_deletes_only_the_listed_files() {
        let p = publisher("{host: h, user: u, path: /var/www/site/}");
        let args = strings(&p.in_place_args(Path::new("/site/public"), Path::new("/tmp/list")));
        assert_eq!(
            args,
            [
                "-e",
                "ssh -o BatchMode=yes",
                "--protect-args",
                "--checksum",
                "--perms",
                CHMOD,
                "--delay-updates",
                "--from0",
                "--files-from=/tmp/list",
                "/site/public/",
                "u@h:/var/www/site/"
            ]
        );
        assert!(!args.iter().any(|a| a.starts_with("--delete")));
    }

    #[test]
    fn deletes_name_files_then_the_folders_they_empty_deepest_first() {
        let input = delete_list(&["en/news/later/index.html".into(), "old.css".into()]);
        let items: Vec<&[u8]> = input.split(|b| *b == 0).filter(|i| !i.is_empty()).collect();
        assert_eq!(
            items,
            [
                &b"f:en/news/later/index.html"[..],
                b"f:old.css",
                b"d:en/news/later",
                b"d:en/news",
                b"d:en"
            ]
        );
        let remote = RemotePath::parse("/var/www/my site").unwrap();
        assert!(
            remote
                .delete_script()
                .starts_with("cd -- '/var/www/my site' && xargs -0")
        );
    }

    #[test]
    fn release_transfer_links_to_the_previous_release() {
        let p = publisher("{host: h, user: u, path: /var/www/site, atomic: true}");
        let args = strings(&p.release_args(
            Path::new("/site/public"),
            ".000002-20250101T000000Z.partial",
            Some("000001-20241231T000000Z"),
        ));
        assert_eq!(
            args[6..],
            [
                "--recursive",
                "--links",
                "--link-dest=../000001-20241231T000000Z",
                "/site/public/",
                "u@h:/var/www/.site.releases/.000002-20250101T000000Z.partial/"
            ]
        );
        let first = strings(&p.release_args(Path::new("/p"), ".x.partial", None));
        assert!(!first.iter().any(|a| a.starts_with("--link-dest")));
    }

    #[test]
    fn remote_paths_are_checked() {
        assert!(RemotePath::parse("/var/www/site").is_ok());
        assert!(RemotePath::parse("public_html").is_ok());
        for bad in ["/", "", ".", "~", "/var/www/../etc", "-rf", "/a'b"] {
            assert!(RemotePath::parse(bad).is_err(), "{bad}");
        }
        let home = RemotePath::parse("public_html").unwrap();
        assert_eq!(home.releases_dir(), "./.public_html.releases");
        let top = RemotePath::parse("/site").unwrap();
        assert_eq!(top.releases_dir(), "/.site.releases");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("/var/www/site"), "/var/www/site");
        assert_eq!(shell_quote("my site"), "'my site'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn swap_script_renames_the_link_in_one_move() {
        let remote = RemotePath::parse("/var/www/site").unwrap();
        let script = remote.swap_script(
            Some(".000002-x.partial"),
            "000002-x",
            false,
            &["000000-old".to_string()],
        );
        let pid = std::process::id();
        assert_eq!(
            script,
            format!(
                "cd -- /var/www && mv -- .site.releases/.000002-x.partial .site.releases/000002-x && \
                 rm -f -- .site.herald-link-{pid} && ln -s -- .site.releases/000002-x .site.herald-link-{pid} && \
                 {{ mv -Tf -- .site.herald-link-{pid} site 2>/dev/null || mv -hf -- .site.herald-link-{pid} site; }} && \
                 rm -rf -- .site.releases/000000-old"
            )
        );
    }

    #[test]
    fn remote_state_is_parsed() {
        let manifest = Manifest::new(Default::default()).to_json();
        let output = format!(
            "link:.site.releases/000002-20250101T000000Z\nentry:000001-20241231T000000Z\nentry:000002-20250101T000000Z\nentry:.000003-20250102T000000Z.partial\nmanifest:\n{manifest}"
        );
        let state = RemoteState::parse(&output, "h:/var/www/site").unwrap();
        let remote = RemotePath::parse("/var/www/site").unwrap();
        assert_eq!(
            state.live_release(&remote).unwrap().as_deref(),
            Some("000002-20250101T000000Z")
        );
        assert_eq!(state.releases.len(), 2);
        assert_eq!(state.entries.len(), 3);
        assert_eq!(state.manifest, Some(Manifest::new(Default::default())));

        let foreign = RemoteState::parse("folder\n", "h:p").unwrap();
        assert!(foreign.live_release(&remote).is_err());
        let fresh = RemoteState::parse("none\n", "h:p").unwrap();
        assert_eq!(fresh.live_release(&remote).unwrap(), None);
        assert_eq!(fresh.manifest, None);
    }

    #[test]
    fn pruning_keeps_the_newest_and_the_live_release() {
        let releases: Vec<String> = (1..=5)
            .map(|n| format!("{n:06}-20250101T000000Z"))
            .collect();
        assert_eq!(
            releases_to_prune(&releases, 2, &releases[4]),
            releases[..3].to_vec()
        );
        assert_eq!(
            releases_to_prune(&releases, 2, &releases[0]),
            releases[1..3].to_vec()
        );
    }
}
