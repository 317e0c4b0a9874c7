//! **Write**: put the rendered files on disk, without ever leaving a half-written output.
//!
//! Boundary: an [`OutputWriter`] takes files one by one ([`OutputWriter::put`], from any
//! thread: a one-shot build hands it each page as soon as it is rendered, so that no build holds
//! all its pages), then [`OutputWriter::commit`] makes them the output, given the
//! [`RenderedSite`]; [`write_site`] does both for a site rendered in memory.
//!
//! A first build writes the whole site into a fresh folder beside the output folder, which takes
//! its place once every file is in place. A rebuild into an existing output updates it in two
//! phases: every file whose bytes changed is first written beside its target under a temporary
//! name (files whose bytes did not change are left alone, with their dates); only at the commit
//! do they replace their targets, by renames, and are the files the site no longer has removed.
//! A failure while writing (a full disk), or a build that fails, leaves the files of the previous
//! output exactly as they were ([`OutputWriter::abort`], or dropping the writer).
//! So does a build stopped by Ctrl-C once [`stop_writing`] is called: writers take no more
//! files and commit nothing, so the build fails and its writer removes what it wrote; once a
//! commit's renames have begun, they all happen first.

// ahash rather than SipHash: a rebuild looks up every output path and its folders, and no
// input here comes from someone who could aim collisions at it.
use ahash::{AHashMap as HashMap, AHashSet as HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Location};
use crate::render::{OutputContents, OutputFile, PageSink, RenderedSite};

mod record;

use record::{Digest, OutputRecord, RecordedFile, Stamp};

#[derive(Debug, Clone)]
pub struct WriteSummary {
    pub files: usize,
    pub bytes: u64,
}

/// Why a commit did not happen.
#[derive(Debug)]
pub enum CommitError {
    /// Nothing was changed; the problem is in the diagnostic.
    Failed(Diagnostic),
    /// The existing output has a file where the site now has a folder, or the other way round:
    /// it cannot be updated in place. Nothing was changed; write the site as a whole
    /// ([`OutputWriter::whole`]).
    NeedsWhole,
}

/// Writes `rendered` to `output`: updates an existing output in place, else writes it whole.
pub fn write_site(rendered: &RenderedSite, output: &Path) -> Result<WriteSummary, Diagnostic> {
    match OutputWriter::prepare(output)?.commit(rendered) {
        Ok(summary) => Ok(summary),
        Err(CommitError::Failed(diagnostic)) => Err(diagnostic),
        Err(CommitError::NeedsWhole) => match OutputWriter::whole(output)?.commit(rendered) {
            Ok(summary) => Ok(summary),
            Err(CommitError::Failed(diagnostic)) => Err(diagnostic),
            Err(CommitError::NeedsWhole) => unreachable!("a fresh folder has nothing in the way"),
        },
    }
}

/// Two output files with one path, or a file where another file needs a folder: one would
/// silently replace the other, or neither could be written.
pub fn check_unique_paths(files: &[OutputFile]) -> Result<(), Diagnostic> {
    unique_paths(files.iter().map(|f| f.path.as_str())).map(drop)
}

/// The paths as a set, and the set of the folders they are in, once both are checked.
type PathSets<'a> = (HashSet<&'a str>, HashSet<&'a str>);

fn unique_paths<'a>(
    paths: impl Iterator<Item = &'a str> + Clone,
) -> Result<PathSets<'a>, Diagnostic> {
    // Room for every path at once: a large site's 48 000 would regrow the set fifteen times.
    let mut seen = HashSet::with_capacity(paths.size_hint().0);
    for path in paths.clone() {
        if !seen.insert(path) {
            return Err(Diagnostic::error(
                Location::file(path),
                format!("two things would be written to `{path}`"),
            )
            .with_hint("a static file, an alias or a bundle file has the same path as a page; rename one of them"));
        }
    }
    let folders = folders_of(paths);
    if let Some(path) = seen.iter().find(|path| folders.contains(*path)) {
        return Err(Diagnostic::error(
            Location::file(*path),
            format!("`{path}` would be both a file and the folder of other files"),
        )
        .with_hint("a static file or a bundle file has the name of a page's folder; rename it"));
    }
    Ok((seen, folders))
}

/// Files from this size on are compared in a buffer of their own, not the one each writing
/// thread keeps.
const LARGEST_SHARED_BUFFER: usize = 1 << 20;

/// What one file is made of.
#[derive(Clone, Copy)]
enum Source<'a> {
    Bytes(&'a [u8]),
    CopyOf(&'a Path),
}

impl<'a> Source<'a> {
    fn of(contents: &'a OutputContents) -> Source<'a> {
        match contents {
            OutputContents::Bytes(bytes) => Source::Bytes(bytes),
            OutputContents::BuiltIn(bytes) => Source::Bytes(bytes),
            OutputContents::CopyOf(path) => Source::CopyOf(path),
        }
    }

    /// Writes a new file at `path` (see [`create_new`]); returns its size. A copy has its
    /// source's permissions from the start.
    fn write_to(self, path: &Path) -> std::io::Result<u64> {
        match self {
            Source::Bytes(bytes) => {
                let mut file = create_new(path, 0o666)?;
                file.write_all(bytes)?;
                Ok(bytes.len() as u64)
            }
            Source::CopyOf(source) => {
                let mut from = fs::File::open(source)?;
                let permissions = from.metadata()?.permissions();
                #[cfg(unix)]
                let mode = std::os::unix::fs::PermissionsExt::mode(&permissions);
                #[cfg(not(unix))]
                let mode = 0o666;
                let mut file = create_new(path, mode)?;
                let size = std::io::copy(&mut from, &mut file)?;
                file.set_permissions(permissions)?;
                Ok(size)
            }
        }
    }

    /// The digest of the bytes, when they are at hand (not for copies of static files).
    fn digest(self) -> Option<Digest> {
        match self {
            Source::Bytes(bytes) => Some(record::digest(bytes)),
            Source::CopyOf(_) => None,
        }
    }

    /// Whether the file at `target` already holds exactly these bytes: then `Some`, with its
    /// stamp (taken before the read) when it has one.
    fn found_in(self, target: &Path) -> Option<Option<Stamp>> {
        thread_local! {
            // The previous bytes of one file at a time, per writing thread.
            static FOUND: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let same = |expected: &[u8]| -> std::io::Result<Option<Option<Stamp>>> {
            let mut file = fs::File::open(target)?;
            let metadata = file.metadata()?;
            let stamp = Stamp::observe(&metadata);
            // A large static file (a video) is read whole into a buffer freed after, so that no
            // thread keeps its size for the rest of a `serve`.
            if expected.len() >= LARGEST_SHARED_BUFFER {
                if metadata.len() != expected.len() as u64 {
                    return Ok(None);
                }
                let mut found = Vec::with_capacity(expected.len());
                file.read_to_end(&mut found)?;
                return Ok((found == expected).then_some(stamp));
            }
            // A page: one read of one byte more than expected, into the thread's buffer. A
            // regular file reads whole up to its end, so a file of the same bytes gives exactly
            // these (a read cut short otherwise only writes the file again). No second read for
            // the end, no allocation.
            let same = FOUND.with_borrow_mut(|found| {
                let wanted = expected.len() + 1;
                if found.len() < wanted {
                    found.resize(wanted, 0);
                }
                let read = file.read(&mut found[..wanted])?;
                std::io::Result::Ok(found[..read] == *expected)
            })?;
            Ok(same.then_some(stamp))
        };
        let result = match self {
            Source::Bytes(bytes) => same(bytes),
            Source::CopyOf(source) => fs::metadata(source).and_then(|m| {
                if fs::metadata(target)?.len() != m.len() {
                    return Ok(None);
                }
                same(&fs::read(source)?)
            }),
        };
        // Anything unreadable is written again (which reports the real problem, if any).
        result.ok().flatten()
    }

    fn size(self) -> std::io::Result<u64> {
        match self {
            Source::Bytes(bytes) => Ok(bytes.len() as u64),
            Source::CopyOf(source) => fs::metadata(source).map(|m| m.len()),
        }
    }
}

/// Writes files into an output folder that becomes the site's output only at the commit.
/// Dropped without a commit (a failed build, a panic), it removes what it wrote.
pub struct OutputWriter {
    output: PathBuf,
    mode: Mode,
    /// Files taken so far, and their bytes.
    files: AtomicU64,
    bytes: AtomicU64,
    /// A file could not be written: the build fails, and the writer writes nothing more.
    failed: AtomicBool,
    committed: bool,
    /// Every file taken, for the output's record.
    recorded: Mutex<Vec<(String, RecordedFile)>>,
    /// The digest of the record the existing output was checked by.
    previous_record: Option<Digest>,
    /// Whether the output was found exactly as its record says, and every file taken so far
    /// was vouched for by it: then a commit that changes nothing need not write the record.
    as_recorded: AtomicBool,
}

/// What an existing output holds at one path.
#[derive(Debug, Clone, Copy)]
struct Existing {
    is_dir: bool,
    /// Its stamp, when told from the output's record.
    stamp: Option<Stamp>,
    /// The digest of a file's bytes, when its stamp vouches for them.
    digest: Option<Digest>,
}

impl Existing {
    fn file(stamp: Option<Stamp>, digest: Option<Digest>) -> Existing {
        Existing {
            is_dir: false,
            stamp,
            digest,
        }
    }

    fn folder(stamp: Option<Stamp>) -> Existing {
        Existing {
            is_dir: true,
            stamp,
            digest: None,
        }
    }
}

// One writer per build: the size of the smaller variant is of no account.
#[allow(clippy::large_enum_variant)]
enum Mode {
    /// The existing output, updated in place: changed files are written beside their targets.
    InPlace {
        /// Relative path → what is there.
        existing: HashMap<String, Existing>,
        /// The output folder's stamp, taken before it was listed.
        root: Option<Stamp>,
        /// Folders made for new files.
        created: Mutex<HashSet<String>>,
        /// Files written under their temporary names.
        staged: Mutex<Vec<String>>,
        /// A file was put where the existing output has a folder, or the other way round.
        in_the_way: AtomicBool,
        temporary_suffix: String,
    },
    /// A fresh folder beside the output (made by the first file), which replaces it whole.
    Whole { staging: PathBuf, retired: PathBuf },
}

fn io_error(path: &Path, err: std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Location::file(path),
        format!("cannot write the output: {err}"),
    )
}

fn file_error(path: &str, err: std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Location::file(path),
        format!("cannot write this output file: {err}"),
    )
}

impl OutputWriter {
    /// A writer that updates `output` in place when it is a folder of files and folders only,
    /// else writes a fresh one. Reads what the existing output holds.
    pub fn prepare(output: &Path) -> Result<OutputWriter, Diagnostic> {
        if !fs::symlink_metadata(output).is_ok_and(|m| m.is_dir()) {
            return OutputWriter::whole(output);
        }
        let timer = crate::timings::Timer::start();
        let record = OutputRecord::read(output);
        let checked = record.as_ref().and_then(|record| record.check(output));
        let previous_record = record
            .filter(|_| checked.is_some())
            .map(|record| record.text_digest);
        let exact = checked.as_ref().is_some_and(|checked| checked.exact);
        let (root, existing): (_, HashMap<String, Existing>) = match checked {
            Some(checked) => (checked.root, checked.entries.into_iter().collect()),
            None => {
                let root = fs::symlink_metadata(output).map_err(|e| io_error(output, e))?;
                let root = Stamp::observe(&root);
                let scanned = scan(output, "", &|_, _| false);
                let Some(scanned) = scanned.map_err(|e| io_error(output, e))? else {
                    return OutputWriter::whole(output);
                };
                (root, scanned.into_iter().collect())
            }
        };
        timer.lap("write: previous output read");
        let (parent, name) = beside(output);
        remove_abandoned_folders(&parent, &name);
        let mut writer = OutputWriter::new(
            output,
            Mode::InPlace {
                existing,
                root,
                created: Mutex::new(HashSet::new()),
                staged: Mutex::new(Vec::new()),
                in_the_way: AtomicBool::new(false),
                temporary_suffix: format!(".herald-new-{}", std::process::id()),
            },
        );
        writer.previous_record = previous_record;
        writer.as_recorded = AtomicBool::new(exact);
        Ok(writer)
    }

    /// A writer that writes the whole site into a fresh folder, which replaces `output` (if
    /// any) at the commit.
    pub fn whole(output: &Path) -> Result<OutputWriter, Diagnostic> {
        let (parent, name) = beside(output);
        let pid = std::process::id();
        let staging = parent.join(format!(".{name}.herald-new-{pid}"));
        let retired = parent.join(format!(".{name}.herald-old-{pid}"));
        remove_abandoned_folders(&parent, &name);
        if fs::symlink_metadata(&staging).is_ok() {
            remove_any(&staging).map_err(|e| io_error(&staging, e))?;
        }
        Ok(OutputWriter::new(output, Mode::Whole { staging, retired }))
    }

    fn new(output: &Path, mode: Mode) -> OutputWriter {
        OutputWriter {
            output: output.to_path_buf(),
            mode,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            committed: false,
            recorded: Mutex::new(Vec::new()),
            previous_record: None,
            as_recorded: AtomicBool::new(false),
        }
    }

    fn put_source(&self, path: &str, source: Source<'_>) -> Result<(), Diagnostic> {
        // After a failure the build fails: the first errors are the ones to report.
        if self.failed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let result = if stopped() {
            Err(self.stopped_error())
        } else {
            self.write_source(path, source)
        };
        if result.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        result
    }

    fn write_source(&self, path: &str, source: Source<'_>) -> Result<(), Diagnostic> {
        // A digest is worth its time only beside a stamp: for a file left as it is.
        let (size, stamp, digest) = match &self.mode {
            Mode::Whole { staging, .. } => {
                let target = staging.join(path);
                let write = || {
                    if let Some(parent) = target.parent() {
                        fs::create_dir_all(parent)?;
                    }
                    source.write_to(&target)
                };
                // Just written, it has no stamp yet (see `record`).
                (write().map_err(|err| file_error(path, err))?, None, None)
            }
            Mode::InPlace {
                existing,
                created,
                staged,
                in_the_way,
                temporary_suffix,
                ..
            } => {
                // Once the output is known to be in the way, it is written whole instead.
                if in_the_way.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let folders = || std::iter::successors(parent_of(path), |dir| parent_of(dir));
                let is_dir = |path| existing.get(path).map(|e| e.is_dir);
                if is_dir(path) == Some(true) || folders().any(|dir| is_dir(dir) == Some(false)) {
                    in_the_way.store(true, Ordering::Relaxed);
                    return Ok(());
                }
                let target = self.output.join(path);
                // The record's digest tells whether the bytes changed, without reading them;
                // without one, the file is read.
                let unchanged =
                    existing
                        .get(path)
                        .and_then(|found| match found.stamp.zip(found.digest) {
                            Some((stamp, before)) if matches!(source, Source::Bytes(_)) => {
                                let now = source.digest();
                                (now == Some(before)).then_some((Some(stamp), now))
                            }
                            _ => source
                                .found_in(&target)
                                .map(|stamp| (stamp, stamp.and_then(|_| source.digest()))),
                        });
                if let Some((stamp, digest)) = unchanged {
                    let found = existing.get(path);
                    if stamp.is_none()
                        || found.is_none_or(|f| (f.stamp, f.digest) != (stamp, digest))
                    {
                        self.as_recorded.store(false, Ordering::Relaxed);
                    }
                    (
                        source.size().map_err(|err| file_error(path, err))?,
                        stamp,
                        digest,
                    )
                } else {
                    self.as_recorded.store(false, Ordering::Relaxed);
                    if let Some(dir) = parent_of(path)
                        && !existing.contains_key(dir)
                        && !self.make_folders(dir, existing, created)?
                    {
                        in_the_way.store(true, Ordering::Relaxed);
                        return Ok(());
                    }
                    let temporary = self.temporary_of(path, temporary_suffix);
                    let size = source.write_to(&temporary).map_err(|err| {
                        let _ = fs::remove_file(&temporary);
                        file_error(path, err)
                    })?;
                    staged
                        .lock()
                        .expect("no writer panics holding the lock")
                        .push(path.to_string());
                    (size, None, None)
                }
            }
        };
        self.recorded
            .lock()
            .expect("no writer panics holding the lock")
            .push((path.to_string(), RecordedFile { stamp, digest }));
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(size, Ordering::Relaxed);
        Ok(())
    }

    /// Makes `dir` and its missing parents, remembering each, so that an abort removes them.
    /// `false` when something else than a folder is at one of their paths (a link the output
    /// was not known to hold): the output is then replaced whole.
    fn make_folders(
        &self,
        dir: &str,
        existing: &HashMap<String, Existing>,
        created: &Mutex<HashSet<String>>,
    ) -> Result<bool, Diagnostic> {
        let mut created = created.lock().expect("no writer panics holding the lock");
        if created.contains(dir) {
            return Ok(true);
        }
        let mut missing: Vec<&str> = std::iter::successors(Some(dir), |d| parent_of(d))
            .take_while(|d| !existing.contains_key(*d) && !created.contains(*d))
            .collect();
        missing.reverse();
        for dir in missing {
            let path = self.output.join(dir);
            match fs::create_dir(&path) {
                Ok(()) => {
                    created.insert(dir.to_string());
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                        return Ok(false);
                    }
                }
                Err(err) => return Err(io_error(&path, err)),
            }
        }
        Ok(true)
    }

    /// Leaves the record of the output just committed, for the next build. Stamps are those
    /// taken before each file was read and each folder listed: the record vouches for
    /// nothing that was not seen. What this build wrote or changed gets no stamp.
    fn record(&self, root: Option<Stamp>, mut folders: Vec<(&str, Option<Stamp>)>) {
        let timer = crate::timings::Timer::start();
        let mut files = self
            .recorded
            .lock()
            .expect("no writer panics holding the lock");
        // In order, so that the record of an output that did not change is the same text.
        folders.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        OutputRecord::write(&self.output, root, &folders, &files, self.previous_record);
        timer.lap("write: record");
    }

    fn temporary_of(&self, path: &str, suffix: &str) -> PathBuf {
        match path.rsplit_once('/') {
            Some((dir, name)) => self.output.join(format!("{dir}/.{name}{suffix}")),
            None => self.output.join(format!(".{path}{suffix}")),
        }
    }

    /// Removes everything written so far: the output's files are as they were before the
    /// writer was made.
    pub fn abort(self) {
        drop(self);
    }

    fn remove_written(&self) {
        match &self.mode {
            Mode::Whole { staging, .. } => {
                if fs::symlink_metadata(staging).is_ok() {
                    let _ = remove_any(staging);
                }
            }
            Mode::InPlace {
                created,
                staged,
                temporary_suffix,
                ..
            } => {
                let staged = staged.lock().expect("no writer panics holding the lock");
                staged.par_iter().for_each(|path| {
                    let _ = fs::remove_file(self.temporary_of(path, temporary_suffix));
                });
                let created = created.lock().expect("no writer panics holding the lock");
                // Folders that now hold renamed files stay (they are not empty).
                for dir in deepest_first(created.iter().map(String::as_str)) {
                    let _ = fs::remove_dir(self.output.join(dir));
                }
            }
        }
    }

    /// Writes the files of `rendered` not taken yet, and makes everything the writer took the
    /// output: the output then holds exactly the files of `rendered` and the pages it lists as
    /// written. On error the output's files are as they were, except when a rename fails
    /// (which the message says).
    pub fn commit(mut self, rendered: &RenderedSite) -> Result<WriteSummary, CommitError> {
        let failed = |diagnostic| Err(CommitError::Failed(diagnostic));
        if stopped() {
            return failed(self.stopped_error());
        }
        let paths = || {
            rendered
                .files
                .iter()
                .map(|f| f.path.as_str())
                .chain(rendered.written.iter().map(String::as_str))
        };
        let timer = crate::timings::Timer::start();
        let (wanted, dirs) = match unique_paths(paths()) {
            Ok(sets) => sets,
            Err(diagnostic) => return failed(diagnostic),
        };
        timer.lap("write: paths checked");
        let timer = crate::timings::Timer::start();
        if let Err(diagnostic) = rendered
            .files
            .par_iter()
            .try_for_each(|file| self.put_source(&file.path, Source::of(&file.contents)))
        {
            return failed(diagnostic);
        }
        timer.lap("write: remaining files");
        if self.failed.load(Ordering::Relaxed) {
            return failed(Diagnostic::error(
                Location::file(&self.output),
                "an output file could not be written while the site was rendered",
            ));
        }
        let summary = WriteSummary {
            files: self.files.load(Ordering::Relaxed) as usize,
            bytes: self.bytes.load(Ordering::Relaxed),
        };
        let timer = crate::timings::Timer::start();
        match &self.mode {
            Mode::Whole { staging, retired } => {
                let Some(_renames) = Renames::begin() else {
                    return failed(self.stopped_error());
                };
                // A site without files still gets its (empty) folder.
                if let Err(err) = fs::create_dir_all(staging) {
                    return failed(io_error(staging, err));
                }
                let had_output = fs::symlink_metadata(&self.output).is_ok();
                if had_output && let Err(err) = fs::rename(&self.output, retired) {
                    return failed(io_error(&self.output, err));
                }
                if let Err(err) = fs::rename(staging, &self.output) {
                    // Put the previous site back rather than leave none.
                    if had_output {
                        let _ = fs::rename(retired, &self.output);
                    }
                    return failed(io_error(&self.output, err));
                }
                self.committed = true;
                if had_output {
                    let _ = remove_any(retired);
                }
                // All just made: no stamps yet.
                self.record(None, dirs.iter().map(|dir| (*dir, None)).collect());
            }
            Mode::InPlace {
                existing,
                root,
                staged,
                in_the_way,
                temporary_suffix,
                created,
            } => {
                if in_the_way.load(Ordering::Relaxed) {
                    return Err(CommitError::NeedsWhole);
                }
                let Some(_renames) = Renames::begin() else {
                    return failed(self.stopped_error());
                };
                // The changed files take their targets' places; what the site no longer has
                // goes.
                let staged = staged.lock().expect("no writer panics holding the lock");
                let renamed = staged.par_iter().try_for_each(|path| {
                    let target = self.output.join(path);
                    fs::rename(self.temporary_of(path, temporary_suffix), &target)
                        .map_err(|err| (target, err))
                });
                if let Err((target, err)) = renamed {
                    return failed(Diagnostic::error(
                        Location::file(&target),
                        format!(
                            "cannot replace this output file: {err}; the output is partly updated, build again"
                        ),
                    ));
                }
                self.committed = true;
                // The 90 000 entries of a large output, looked up side by side (rayon walks
                // the standard map an `AHashMap` wraps).
                let entries: &std::collections::HashMap<_, _, _> = existing;
                let stale_files: Vec<&str> = entries
                    .par_iter()
                    .filter(|(path, e)| !e.is_dir && !wanted.contains(path.as_str()))
                    .map(|(path, _)| path.as_str())
                    .collect();
                stale_files.par_iter().for_each(|path| {
                    let _ = fs::remove_file(self.output.join(path));
                });
                let stale_dirs: Vec<&str> = entries
                    .par_iter()
                    .filter(|(path, e)| e.is_dir && !dirs.contains(path.as_str()))
                    .map(|(path, _)| path.as_str())
                    .collect();
                for dir in deepest_first(stale_dirs.iter().copied()) {
                    let _ = fs::remove_dir(self.output.join(dir));
                }
                // A folder keeps the stamp it was listed with unless this commit added or
                // removed a name in it (or failed to: a file left behind must be found by the
                // next build), and then gets its stamp from the next build that lists it.
                let created = created.lock().expect("no writer panics holding the lock");
                let changed = || {
                    staged
                        .iter()
                        .map(String::as_str)
                        .chain(stale_files.iter().copied())
                        .chain(stale_dirs.iter().copied())
                        .chain(created.iter().map(String::as_str))
                };
                let touched: HashSet<&str> = changed()
                    .filter_map(parent_of)
                    .chain(created.iter().map(String::as_str))
                    .collect();
                if self.as_recorded.load(Ordering::Relaxed) && changed().next().is_none() {
                    // The output is as its record says, and so is the record.
                    timer.lap("write: replaced and removed");
                    return Ok(summary);
                }
                let root = root.filter(|_| changed().all(|path| parent_of(path).is_some()));
                let folders: Vec<(&str, Option<Stamp>)> = dirs
                    .iter()
                    .map(|dir| {
                        let kept = existing.get(*dir).and_then(|e| e.stamp);
                        (*dir, kept.filter(|_| !touched.contains(dir)))
                    })
                    .collect();
                self.record(root, folders);
            }
        }
        timer.lap("write: replaced and removed");
        Ok(summary)
    }
}

/// Where the process is, for [`stop_writing`]: writing, asked to stop, or in the renames of
/// a commit, which then all happen.
struct StopState(AtomicU8);

const RUNNING: u8 = 0;
const STOPPING: u8 = 1;
const COMMITTING: u8 = 2;

static STATE: StopState = StopState::new();

/// What asking to stop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopRequest {
    /// Writers take no more files and commit nothing: the build fails, and dropping its
    /// writer removes the files it wrote.
    Stopping,
    /// Asked before: the caller may quit at once.
    AlreadyStopping,
    /// A commit's renames have begun: they all happen (half of them would leave an output of
    /// two builds), and the build ends as if it had not been asked.
    Committing,
}

impl StopState {
    const fn new() -> StopState {
        StopState(AtomicU8::new(RUNNING))
    }

    fn swap(&self, from: u8, to: u8) -> Result<u8, u8> {
        self.0
            .compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst)
    }

    fn stop(&self) -> StopRequest {
        match self.swap(RUNNING, STOPPING) {
            Ok(_) => StopRequest::Stopping,
            Err(STOPPING) => StopRequest::AlreadyStopping,
            Err(_) => StopRequest::Committing,
        }
    }

    fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst) == STOPPING
    }

    /// False when the writers were stopped first.
    fn begin_renames(&self) -> bool {
        matches!(self.swap(RUNNING, COMMITTING), Ok(_) | Err(COMMITTING))
    }

    fn end_renames(&self) {
        let _ = self.swap(COMMITTING, RUNNING);
    }
}

/// Asks every writer of the process to take no more files and to commit nothing (called when
/// the user stops herald: Ctrl-C). The build then fails, and dropping its writer removes the
/// files it wrote, its staging folder and the temporary files beside the output's files. There
/// is no way back: a process asked to stop writes nothing more.
pub fn stop_writing() -> StopRequest {
    STATE.stop()
}

/// Whether [`stop_writing`] stopped the writers.
pub fn stopped() -> bool {
    STATE.stopped()
}

/// The renames of a commit, from [`Renames::begin`] until dropped: a stop asked meanwhile
/// waits for them.
struct Renames;

impl Renames {
    /// `None` when the writers were stopped first.
    fn begin() -> Option<Renames> {
        STATE.begin_renames().then_some(Renames)
    }
}

impl Drop for Renames {
    fn drop(&mut self) {
        STATE.end_renames();
    }
}

impl OutputWriter {
    fn stopped_error(&self) -> Diagnostic {
        Diagnostic::error(
            Location::file(&self.output),
            "herald was stopped before the output was written",
        )
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        if !self.committed {
            self.remove_written();
        }
    }
}

impl PageSink for OutputWriter {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.put_source(path, Source::Bytes(bytes))
    }

    fn stopped(&self) -> bool {
        stopped()
    }
}

/// Makes the file at `path` new, with `mode` (less the umask): whatever is at its name (a
/// link, a file of a killed build, another file's hard link) is removed first, never written
/// through.
fn create_new(path: &Path, mode: u32) -> std::io::Result<fs::File> {
    let create = || {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        options.open(path)
    };
    match create() {
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create()
        }
        file => file,
    }
}

/// Removes a folder tree, or a file or link (never what a link points to).
fn remove_any(path: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        remove_tree(path)
    } else {
        fs::remove_file(path)
    }
}

fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(dir, _)| dir)
}

/// `fs::remove_dir_all`, with the entries of each folder removed in parallel: removing the
/// previous output of a large site took as long as writing the new one, on one core.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let entries = fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|entry| {
        // Not followed: a link to a folder is removed as a link.
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())
        } else {
            fs::remove_file(entry.path())
        }
    })?;
    fs::remove_dir(dir)
}

/// What an existing output holds under `dir` (the folder at `prefix`): relative `/`-separated
/// paths, and what each is (each folder with its stamp, taken before it was listed), but the
/// entries `known(path, is_dir)` says are known already. `None` when it holds anything else
/// than files and folders (links, sockets, names that are not UTF-8): such an output is
/// replaced as a whole rather than updated.
fn scan(
    dir: &Path,
    prefix: &str,
    known: &(dyn Fn(&str, bool) -> bool + Sync),
) -> std::io::Result<Option<Vec<(String, Existing)>>> {
    let entries = fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    let found = entries
        .par_iter()
        .map(
            |entry| -> std::io::Result<Option<Vec<(String, Existing)>>> {
                let Ok(name) = entry.file_name().into_string() else {
                    return Ok(None);
                };
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let kind = entry.file_type()?;
                if (kind.is_file() || kind.is_dir()) && known(&path, kind.is_dir()) {
                    Ok(Some(Vec::new()))
                } else if kind.is_file() {
                    Ok(Some(vec![(path, Existing::file(None, None))]))
                } else if kind.is_dir() {
                    let stamp = Stamp::observe(&entry.metadata()?);
                    let Some(mut inside) = scan(&entry.path(), &path, known)? else {
                        return Ok(None);
                    };
                    inside.push((path, Existing::folder(stamp)));
                    Ok(Some(inside))
                } else {
                    Ok(None)
                }
            },
        )
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(found
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(|lists| lists.into_iter().flatten().collect()))
}

/// The folder `output` is in, and its name: where its staging and retired folders go.
fn beside(output: &Path) -> (PathBuf, String) {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".to_string());
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    (parent, name)
}

/// Removes the staging and retired folders beside the output (`.public.herald-new-<pid>`,
/// `.public.herald-old-<pid>`), and the record being written (`.public.herald-record-new-<pid>`),
/// of builds that ended without cleaning up (killed, or stopped by a second Ctrl-C): those
/// whose process no longer runs. Where `/proc` cannot tell,
/// nothing is removed. (The temporary files of a stopped rebuild are inside the output, and
/// the next rebuild removes them as files the site does not have.)
fn remove_abandoned_folders(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let ours = std::process::id();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix('.'))
            .and_then(|n| n.strip_prefix(name))
        else {
            continue;
        };
        let pid = rest
            .strip_prefix(".herald-new-")
            .or_else(|| rest.strip_prefix(".herald-old-"))
            .or_else(|| rest.strip_prefix(".herald-record-new-"))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != ours
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = remove_any(&entry.path());
        }
    }
}

/// Every folder the files are in, their parents included.
fn folders_of<'a>(paths: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
    // A page is a folder of its own (`news/kick-off/index.html`): about as many folders as
    // paths.
    let mut dirs = HashSet::with_capacity(paths.size_hint().0);
    for mut path in paths {
        while let Some(dir) = parent_of(path) {
            if !dirs.insert(dir) {
                break;
            }
            path = dir;
        }
    }
    dirs
}

/// The folders, deepest first.
fn deepest_first<'a>(dirs: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut dirs: Vec<&str> = dirs.into_iter().collect();
    dirs.sort_unstable_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    dirs
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::os::unix::fs::MetadataExt;
    use std::sync::Arc;

    use super::*;

    fn page(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: OutputContents::Bytes(Arc::new(text.as_bytes().to_vec())),
        }
    }

    fn site(files: Vec<OutputFile>) -> RenderedSite {
        RenderedSite {
            pages: files.len(),
            files,
            written: Vec::new(),
            reused_pages: 0,
            failed_pages: 0,
        }
    }

    /// Every file under `dir` with its text, and every folder (as `path/`).
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if e.file_type().is_dir() {
                    (format!("{rel}/"), String::new())
                } else {
                    (rel, fs::read_to_string(e.path()).unwrap())
                }
            })
            .collect()
    }

    /// What `dir` holds but the outputs' records, sorted.
    fn beside(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| !name.ends_with(".herald-record"))
            .collect();
        names.sort();
        names
    }

    /// A writer into a fresh folder, or one that updates `output` in place.
    fn writer_for(output: &Path, fresh: bool) -> OutputWriter {
        if fresh {
            OutputWriter::whole(output).unwrap()
        } else {
            OutputWriter::prepare(output).unwrap()
        }
    }

    fn first_build() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(
            &site(vec![
                page("index.html", "home"),
                page("en/news/a/index.html", "a"),
                page("en/news/b/index.html", "b"),
                page("en/old/index.html", "old"),
            ]),
            &output,
        )
        .unwrap();
        (dir, output)
    }

    #[test]
    fn a_rebuild_updates_the_output_in_place() {
        let (dir, output) = first_build();
        let unchanged = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        fs::write(output.join("stray.txt"), "not ours").unwrap();
        let second = site(vec![
            page("index.html", "home"),
            page("en/news/a/index.html", "a"),
            page("en/news/b/index.html", "b, edited"),
            page("es/index.html", "new"),
        ]);
        let summary = write_site(&second, &output).unwrap();
        assert_eq!(summary.files, 4);
        assert_eq!(summary.bytes, (4 + 1 + 9 + 3) as u64);
        // Exactly what a build into a fresh folder gives.
        let fresh = dir.path().join("fresh");
        write_site(&second, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        // A file whose bytes did not change was left alone.
        let after = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        assert_eq!(
            (after.ino(), after.mtime_nsec()),
            (unchanged.ino(), unchanged.mtime_nsec())
        );
        // No temporary files, no folders of the previous output beside it.
        assert_eq!(beside(dir.path()), ["fresh", "public"]);
    }

    /// Dates every file and folder of `dir` an hour back, as if written long before, and
    /// waits until the change of their dates is old enough to be stamped.
    fn backdate(dir: &Path) {
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in walkdir::WalkDir::new(dir).contents_first(true) {
            let entry = entry.unwrap();
            fs::File::open(entry.path())
                .unwrap()
                .set_modified(past)
                .unwrap();
        }
        std::thread::sleep(record::RACY_WINDOW + std::time::Duration::from_millis(50));
    }

    #[test]
    fn the_record_vouches_for_files_left_alone_and_every_change_by_hand_is_seen() {
        let (dir, output) = first_build();
        let first = site(vec![
            page("index.html", "home"),
            page("en/news/a/index.html", "a"),
            page("en/news/b/index.html", "b"),
            page("en/old/index.html", "old"),
        ]);
        // Written just now, the first build's files and folders have no stamps yet; a rebuild
        // an hour later records them.
        let record = OutputRecord::read(&output).unwrap();
        let checked = record.check(&output).unwrap();
        assert!(checked.root.is_none());
        assert!(
            checked.entries.iter().all(|(_, e)| e.stamp.is_none()),
            "{checked:?}"
        );
        backdate(&output);
        write_site(&first, &output).unwrap();
        let record = OutputRecord::read(&output).unwrap();
        let checked: HashMap<String, Existing> =
            record.check(&output).unwrap().entries.into_iter().collect();
        assert_eq!(checked.len(), 4 + 5, "{checked:?}");
        for file in ["index.html", "en/news/a/index.html", "en/old/index.html"] {
            assert!(checked[file].digest.is_some(), "{file}");
        }
        for folder in ["en", "en/news", "en/news/a", "en/old"] {
            assert!(checked[folder].stamp.is_some(), "{folder}");
        }
        let unchanged = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        // A rebuild that changes nothing leaves the record as it is.
        let record_file = fs::metadata(record::record_path(&output)).unwrap();
        write_site(&first, &output).unwrap();
        let again = fs::metadata(record::record_path(&output)).unwrap();
        assert_eq!(again.ino(), record_file.ino());

        // Changes by hand: an edited file, a removed one, files and folders added.
        fs::write(output.join("en/news/b/index.html"), "B").unwrap();
        fs::remove_file(output.join("en/old/index.html")).unwrap();
        fs::write(output.join("en/news/stray.txt"), "not ours").unwrap();
        fs::create_dir_all(output.join("en/news/a/deep/er")).unwrap();
        fs::write(output.join("en/news/a/deep/er/x.txt"), "not ours").unwrap();
        let checked: HashMap<String, Existing> =
            record.check(&output).unwrap().entries.into_iter().collect();
        assert!(checked["en/news/b/index.html"].digest.is_none());
        assert!(!checked.contains_key("en/old/index.html"));
        for added in [
            "en/news/stray.txt",
            "en/news/a/deep",
            "en/news/a/deep/er",
            "en/news/a/deep/er/x.txt",
        ] {
            assert!(checked.contains_key(added), "{added}");
        }

        // The rebuild puts back exactly the site, and leaves alone what did not change.
        write_site(&first, &output).unwrap();
        let fresh = dir.path().join("fresh");
        write_site(&first, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        let after = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        assert_eq!(
            (after.ino(), after.mtime_nsec()),
            (unchanged.ino(), unchanged.mtime_nsec())
        );

        // A page the site changed is written again where the record vouches for the old
        // bytes, even when the new ones are as long.
        backdate(&output);
        write_site(&first, &output).unwrap();
        let checked: HashMap<String, Existing> = OutputRecord::read(&output)
            .unwrap()
            .check(&output)
            .unwrap()
            .entries
            .into_iter()
            .collect();
        assert!(checked["en/news/a/index.html"].digest.is_some());
        let second = site(vec![
            page("index.html", "home"),
            page("en/news/a/index.html", "A"),
            page("en/news/b/index.html", "b"),
        ]);
        write_site(&second, &output).unwrap();
        write_site(&second, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
    }

    #[test]
    fn the_record_is_written_again_exactly_when_the_output_changed() {
        let (dir, output) = first_build();
        let first = site(vec![
            page("index.html", "home"),
            page("en/news/a/index.html", "a"),
            page("en/news/b/index.html", "b"),
            page("en/old/index.html", "old"),
        ]);
        backdate(&output);
        write_site(&first, &output).unwrap();
        let record_inode = || fs::metadata(record::record_path(&output)).unwrap().ino();
        let record_text = || fs::read_to_string(record::record_path(&output)).unwrap();
        let recorded = |path: &str| {
            record_text()
                .lines()
                .any(|line| line.ends_with(&format!(" {path}")))
        };
        let before = record_inode();
        write_site(&first, &output).unwrap();
        assert_eq!(record_inode(), before, "nothing changed");
        // Dates changed by hand (here, put back an hour): nothing is written, but the record
        // takes the new stamps, and then stays as it is.
        let text = record_text();
        backdate(&output);
        write_site(&first, &output).unwrap();
        assert_ne!(record_text(), text);
        assert!(!record_text().contains(" - en/news/a/index.html"));
        let before = record_inode();
        write_site(&first, &output).unwrap();
        assert_eq!(record_inode(), before, "nothing changed again");
        let mut files = first.files.clone();
        files.push(page("en/news/c/index.html", "c"));
        let second = site(files);
        write_site(&second, &output).unwrap();
        assert_ne!(record_inode(), before, "a page was added");
        assert!(recorded("en/news/c/index.html"));
        backdate(&output);
        write_site(&second, &output).unwrap();
        let before = record_inode();
        fs::write(output.join("index.html"), "HOME").unwrap();
        write_site(&second, &output).unwrap();
        assert_ne!(record_inode(), before, "a page was put right");
        let fresh = dir.path().join("fresh");
        write_site(&second, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        write_site(&first, &output).unwrap();
        assert!(!recorded("en/news/c/index.html"), "a page was removed");
    }

    /// A file is always made new: a link (or another file's hard link) put at its temporary
    /// name while the site renders is replaced, not written through; a static file's copy
    /// has its permissions.
    #[test]
    fn nothing_is_written_through_a_link_and_copies_keep_their_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, output) = first_build();
        let outside = dir.path().join("outside.html");
        fs::write(&outside, "keep").unwrap();
        let secret = dir.path().join("secret.txt");
        fs::write(&secret, vec![b's'; LARGEST_SHARED_BUFFER + 1]).unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
        let writer = OutputWriter::prepare(&output).unwrap();
        let temporary =
            |name: &str| output.join(format!("{name}.herald-new-{}", std::process::id()));
        std::os::unix::fs::symlink(&outside, temporary("en/news/a/.index.html")).unwrap();
        std::os::unix::fs::symlink(&outside, temporary("en/.secret.txt")).unwrap();
        writer.put("en/news/a/index.html", b"a, edited").unwrap();
        let rendered = RenderedSite {
            files: vec![
                page("index.html", "home"),
                OutputFile {
                    path: "en/secret.txt".to_string(),
                    contents: OutputContents::CopyOf(secret.clone()),
                },
            ],
            written: vec!["en/news/a/index.html".to_string()],
            ..RenderedSite::default()
        };
        writer.commit(&rendered).unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        let page_file = fs::symlink_metadata(output.join("en/news/a/index.html")).unwrap();
        assert!(page_file.is_file());
        assert_eq!(
            fs::read_to_string(output.join("en/news/a/index.html")).unwrap(),
            "a, edited"
        );
        let copy = fs::symlink_metadata(output.join("en/secret.txt")).unwrap();
        assert!(copy.is_file());
        assert_eq!(copy.permissions().mode() & 0o777, 0o600);
        assert_eq!(copy.len(), LARGEST_SHARED_BUFFER as u64 + 1);
    }

    #[test]
    fn a_record_of_another_folder_or_in_pieces_is_not_used() {
        let (dir, output) = first_build();
        backdate(&output);
        let first = site(vec![
            page("index.html", "home"),
            page("en/index.html", "en"),
        ]);
        write_site(&first, &output).unwrap();
        let record = OutputRecord::read(&output).unwrap();
        assert!(record.check(&output).is_some());
        // The output made again by someone else, with the same names.
        fs::remove_dir_all(&output).unwrap();
        fs::create_dir_all(output.join("en")).unwrap();
        fs::write(output.join("index.html"), "HOME").unwrap();
        fs::write(output.join("en/index.html"), "EN").unwrap();
        fs::write(output.join("en/stray.txt"), "not ours").unwrap();
        // (The new folder may get the old one's inode: its files' dates still tell.)
        if let Some(checked) = record.check(&output) {
            assert!(
                checked.entries.iter().all(|(_, e)| e.digest.is_none()),
                "{checked:?}"
            );
        }
        write_site(&first, &output).unwrap();
        let fresh = dir.path().join("fresh");
        write_site(&first, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        // A damaged record is read as none.
        let path = record::record_path(&output);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, &text[..text.len() / 2]).unwrap();
        fs::write(output.join("index.html"), "HOME").unwrap();
        write_site(&first, &output).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        fs::write(&path, "not a record").unwrap();
        assert!(OutputRecord::read(&output).is_none());
    }

    #[test]
    fn a_stop_waits_for_the_renames_of_a_commit_and_a_stopped_process_commits_nothing() {
        // A state of its own: the process's is shared by every test of this binary.
        let state = StopState::new();
        assert!(state.begin_renames());
        assert_eq!(state.stop(), StopRequest::Committing);
        assert_eq!(
            state.stop(),
            StopRequest::Committing,
            "a second Ctrl-C waits too"
        );
        assert!(!state.stopped());
        state.end_renames();
        assert_eq!(state.stop(), StopRequest::Stopping);
        assert!(state.stopped());
        assert!(!state.begin_renames(), "a stopped process commits nothing");
        assert_eq!(state.stop(), StopRequest::AlreadyStopping);
        state.end_renames();
        assert!(state.stopped(), "stopped for good");
    }

    #[test]
    fn a_file_is_kept_only_when_it_holds_exactly_the_new_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("index.html");
        let new = b"<p>page</p>";
        for (previous, same) in [
            (&b"<p>page</p>"[..], true),
            (b"<p>page</p>\n", false),
            (b"<p>page</p", false),
            (b"<p>pagE</p>", false),
            (b"", false),
        ] {
            fs::write(&target, previous).unwrap();
            assert_eq!(
                Source::Bytes(new).found_in(&target).is_some(),
                same,
                "{previous:?}"
            );
        }
        // Larger than the buffer a thread keeps.
        let large = vec![b'x'; LARGEST_SHARED_BUFFER * 2];
        fs::write(&target, &large).unwrap();
        assert!(Source::Bytes(&large).found_in(&target).is_some());
        assert!(Source::Bytes(&large[1..]).found_in(&target).is_none());
        fs::write(&target, "").unwrap();
        assert!(Source::Bytes(b"").found_in(&target).is_some());
        assert!(
            Source::Bytes(b"")
                .found_in(&dir.path().join("missing.html"))
                .is_none()
        );
    }

    #[test]
    fn folders_left_by_a_stopped_build_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        // No process has a number above the kernel's largest (4 194 304).
        let abandoned = [
            ".public.herald-new-4000000000",
            ".public.herald-old-4000000001",
            ".public.herald-record-new-4000000002",
        ];
        let kept = [
            ".public.herald-new-notapid",
            ".other.herald-new-4000000000",
            "public.herald-new-4000000000",
        ];
        for name in abandoned.iter().chain(&kept) {
            fs::create_dir_all(dir.path().join(name).join("en")).unwrap();
            fs::write(dir.path().join(name).join("en/index.html"), "old").unwrap();
        }
        let mine = dir
            .path()
            .join(format!(".public.herald-old-{}", std::process::id()));
        fs::create_dir(&mine).unwrap();
        for fresh in [true, false] {
            write_site(&site(vec![page("index.html", "home")]), &output).unwrap();
            for name in abandoned {
                assert!(!dir.path().join(name).exists(), "{name} (fresh: {fresh})");
            }
            for name in kept {
                assert!(dir.path().join(name).exists(), "{name}");
            }
            // A running process's folders (here, this one's) are left alone.
            assert!(mine.exists());
            for name in abandoned {
                fs::create_dir(dir.path().join(name)).unwrap();
            }
        }
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output_as_it_was() {
        let (dir, output) = first_build();
        let before = tree(&output);
        let broken = site(vec![
            page("index.html", "home, edited"),
            page("en/news/c/index.html", "c"),
            OutputFile {
                path: "es/logo.png".to_string(),
                contents: OutputContents::CopyOf(dir.path().join("no-such-file.png")),
            },
        ]);
        assert!(write_site(&broken, &output).is_err());
        assert_eq!(tree(&output), before);
    }

    #[test]
    fn a_file_where_the_site_now_has_a_folder_is_replaced() {
        let (dir, output) = first_build();
        let second = site(vec![
            page("index.html/index.html", "a folder now"),
            page("en/old", "a file now"),
        ]);
        write_site(&second, &output).unwrap();
        let fresh = dir.path().join("fresh");
        write_site(&second, &fresh).unwrap();
        assert_eq!(tree(&output), tree(&fresh));
    }

    /// Pages handed to the writer while the site renders, the rest at the commit: the same
    /// output as a site written in one go, and unchanged pages are left alone.
    #[test]
    fn pages_put_one_by_one_then_committed() {
        let (dir, output) = first_build();
        let unchanged = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        let writer = OutputWriter::prepare(&output).unwrap();
        writer.put("en/news/a/index.html", b"a").unwrap();
        writer.put("en/news/new/index.html", b"new").unwrap();
        let rendered = RenderedSite {
            files: vec![page("index.html", "home, edited")],
            written: vec![
                "en/news/a/index.html".to_string(),
                "en/news/new/index.html".to_string(),
            ],
            pages: 3,
            ..RenderedSite::default()
        };
        let summary = writer.commit(&rendered).unwrap();
        assert_eq!((summary.files, summary.bytes), (3, 1 + 3 + 12));
        let fresh = dir.path().join("fresh");
        write_site(
            &site(vec![
                page("index.html", "home, edited"),
                page("en/news/a/index.html", "a"),
                page("en/news/new/index.html", "new"),
            ]),
            &fresh,
        )
        .unwrap();
        assert_eq!(tree(&output), tree(&fresh));
        let after = fs::metadata(output.join("en/news/a/index.html")).unwrap();
        assert_eq!(after.ino(), unchanged.ino());
    }

    /// A build that fails after some of its pages were put leaves nothing of them.
    #[test]
    fn an_aborted_writer_leaves_the_output_as_it_was() {
        for fresh in [false, true] {
            let (dir, output) = first_build();
            let before = tree(&output);
            let writer = writer_for(&output, fresh);
            writer.put("index.html", b"home, edited").unwrap();
            writer.put("en/news/c/index.html", b"c").unwrap();
            writer.put("de/deep/er/index.html", b"new folders").unwrap();
            writer.abort();
            assert_eq!(tree(&output), before);
            assert_eq!(beside(dir.path()), ["public"]);
        }
    }

    /// Two things with one path, one of them put while rendering: refused at the commit,
    /// and nothing changed.
    #[test]
    fn a_commit_refuses_two_files_with_one_path() {
        let (_dir, output) = first_build();
        let before = tree(&output);
        let writer = OutputWriter::prepare(&output).unwrap();
        writer.put("en/old/index.html", b"a page").unwrap();
        let rendered = RenderedSite {
            files: vec![page("en/old/index.html", "an alias")],
            written: vec!["en/old/index.html".to_string()],
            ..RenderedSite::default()
        };
        match writer.commit(&rendered) {
            Err(CommitError::Failed(d)) => assert!(d.message.contains("two things")),
            other => panic!("{other:?}"),
        }
        assert_eq!(tree(&output), before);
    }

    /// A page put where the existing output has a file as a folder: the writer says the output
    /// must be replaced whole, and has changed nothing.
    #[test]
    fn a_writer_says_when_the_output_is_in_the_way() {
        let (_dir, output) = first_build();
        let before = tree(&output);
        let writer = OutputWriter::prepare(&output).unwrap();
        writer.put("index.html", b"home, edited").unwrap();
        writer.put("en/old/index.html/index.html", b"x").unwrap();
        let rendered = RenderedSite {
            written: vec![
                "index.html".to_string(),
                "en/old/index.html/index.html".to_string(),
            ],
            ..RenderedSite::default()
        };
        assert!(matches!(
            writer.commit(&rendered),
            Err(CommitError::NeedsWhole)
        ));
        assert_eq!(tree(&output), before);
    }

    /// A file where other files need a folder is refused before anything changes, in both
    /// modes.
    #[test]
    fn a_file_and_a_folder_at_one_path_are_refused() {
        for fresh in [false, true] {
            let (_dir, output) = first_build();
            let before = tree(&output);
            let writer = writer_for(&output, fresh);
            writer.put("es/news/index.html", b"a page").unwrap();
            let rendered = RenderedSite {
                files: vec![page("es/news", "a static file")],
                written: vec!["es/news/index.html".to_string()],
                ..RenderedSite::default()
            };
            match writer.commit(&rendered) {
                Err(CommitError::Failed(d)) => assert!(d.message.contains("both a file")),
                other => panic!("{other:?}"),
            }
            assert_eq!(tree(&output), before);
        }
    }

    /// An output that is a link to a folder is replaced by the site; the folder it pointed to
    /// is left alone.
    #[test]
    fn an_output_that_is_a_link_is_replaced_and_its_target_kept() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("keep.txt"), "not ours").unwrap();
        let output = dir.path().join("public");
        std::os::unix::fs::symlink(&elsewhere, &output).unwrap();
        write_site(&site(vec![page("index.html", "home")]), &output).unwrap();
        assert!(fs::symlink_metadata(&output).unwrap().is_dir());
        assert_eq!(
            fs::read_to_string(elsewhere.join("keep.txt")).unwrap(),
            "not ours"
        );
        assert_eq!(beside(dir.path()), ["elsewhere", "public"]);
    }
}
