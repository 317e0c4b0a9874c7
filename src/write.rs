//! **Write**: put the rendered files on disk, without ever leaving a half-written output.
//!
//! Boundary: takes a [`RenderedSite`]; returns what was written. A first build writes the whole
//! site into a fresh folder beside the output folder, which takes its place once every file is
//! in place. A rebuild into an existing output updates it in two phases: every file whose bytes
//! changed is first written beside its target under a temporary name (files whose bytes did not
//! change are left alone, with their dates); only when all of them are written do they replace
//! their targets, by renames, and are the files the site no longer has removed. A failure while
//! writing (a full disk) leaves the previous output exactly as it was.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Location};
use crate::render::{OutputContents, OutputFile, RenderedSite};

#[derive(Debug, Clone)]
pub struct WriteSummary {
    pub files: usize,
    pub bytes: u64,
}

/// Writes `rendered` to `output`: updates an existing output in place, else writes it whole.
pub fn write_site(rendered: &RenderedSite, output: &Path) -> Result<WriteSummary, Diagnostic> {
    check_unique_paths(&rendered.files)?;
    if fs::symlink_metadata(output).is_ok_and(|m| m.is_dir())
        && let Some(summary) = update_in_place(&rendered.files, output)?
    {
        return Ok(summary);
    }
    replace_whole(rendered, output)
}

/// Writes the site into a fresh folder, which then replaces `output` (if any) as a whole.
fn replace_whole(rendered: &RenderedSite, output: &Path) -> Result<WriteSummary, Diagnostic> {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".to_string());
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.herald-new-{pid}"));
    let retired = parent.join(format!(".{name}.herald-old-{pid}"));
    let io_error = |path: &Path, err: std::io::Error| {
        Diagnostic::error(
            Location::file(path),
            format!("cannot write the output: {err}"),
        )
    };
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
    }
    fs::create_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
    let timer = crate::timings::Timer::start();
    let result = write_all(&staging, &rendered.files);
    timer.lap("write: files");
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(diagnostic) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(diagnostic);
        }
    };
    if output.exists() {
        fs::rename(output, &retired).map_err(|e| io_error(output, e))?;
    }
    if let Err(err) = fs::rename(&staging, output) {
        // Put the previous site back rather than leave none.
        let _ = fs::rename(&retired, output);
        let _ = fs::remove_dir_all(&staging);
        return Err(io_error(output, err));
    }
    let timer = crate::timings::Timer::start();
    let _ = remove_tree(&retired);
    timer.lap("write: previous removed");
    Ok(WriteSummary {
        files: rendered.files.len(),
        bytes,
    })
}

/// Two output files with one path: one would silently replace the other.
pub fn check_unique_paths(files: &[OutputFile]) -> Result<(), Diagnostic> {
    let mut seen = HashSet::with_capacity(files.len());
    for file in files {
        if !seen.insert(file.path.as_str()) {
            return Err(Diagnostic::error(
                Location::file(&file.path),
                format!("two things would be written to `{}`", file.path),
            )
            .with_hint("a static file, an alias or a bundle file has the same path as a page; rename one of them"));
        }
    }
    Ok(())
}

fn write_all(root: &Path, files: &[OutputFile]) -> Result<u64, Diagnostic> {
    let dirs: HashSet<&str> = files
        .iter()
        .filter_map(|f| f.path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    // Folders level by level, each level in parallel: a parent exists before its children.
    let mut by_depth: Vec<Vec<&str>> = Vec::new();
    for dir in dirs {
        let depth = dir.matches('/').count();
        if by_depth.len() <= depth {
            by_depth.resize_with(depth + 1, Vec::new);
        }
        by_depth[depth].push(dir);
    }
    let timer = crate::timings::Timer::start();
    for level in &by_depth {
        level.par_iter().try_for_each(|dir| {
            let path = root.join(dir);
            fs::create_dir_all(&path).map_err(|err| {
                Diagnostic::error(
                    Location::file(&path),
                    format!("cannot create the folder: {err}"),
                )
            })
        })?;
    }
    timer.lap("write: folders");
    files
        .par_iter()
        .map(|file| {
            let target = root.join(&file.path);
            let written = match &file.contents {
                OutputContents::Bytes(bytes) => {
                    write_file(&target, bytes).map(|_| bytes.len() as u64)
                }
                OutputContents::BuiltIn(bytes) => {
                    write_file(&target, bytes).map(|_| bytes.len() as u64)
                }
                OutputContents::CopyOf(source) => fs::copy(source, &target),
            };
            written.map_err(|err| {
                Diagnostic::error(
                    Location::file(&file.path),
                    format!("cannot write this output file: {err}"),
                )
            })
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)
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

/// What an existing output holds: relative `/`-separated paths, and whether each is a folder.
/// `None` when it holds anything else than files and folders (links, sockets, names that are
/// not UTF-8): such an output is replaced as a whole rather than updated.
fn scan(dir: &Path, prefix: &str) -> std::io::Result<Option<Vec<(String, bool)>>> {
    let entries = fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    let found = entries
        .par_iter()
        .map(|entry| -> std::io::Result<Option<Vec<(String, bool)>>> {
            let Ok(name) = entry.file_name().into_string() else {
                return Ok(None);
            };
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_file() {
                Ok(Some(vec![(path, false)]))
            } else if kind.is_dir() {
                let Some(mut inside) = scan(&entry.path(), &path)? else {
                    return Ok(None);
                };
                inside.push((path, true));
                Ok(Some(inside))
            } else {
                Ok(None)
            }
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(found
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(|lists| lists.into_iter().flatten().collect()))
}

/// Every folder the files are in, their parents included.
fn folders_of(files: &[OutputFile]) -> HashSet<&str> {
    let mut dirs = HashSet::new();
    for file in files {
        let mut path = file.path.as_str();
        while let Some((dir, _)) = path.rsplit_once('/') {
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

/// Whether the file at `target` already holds exactly `contents`.
fn holds(target: &Path, contents: &OutputContents) -> bool {
    let same = |expected: &[u8]| -> std::io::Result<bool> {
        let mut file = fs::File::open(target)?;
        if file.metadata()?.len() != expected.len() as u64 {
            return Ok(false);
        }
        let mut found = Vec::with_capacity(expected.len());
        file.read_to_end(&mut found)?;
        Ok(found == expected)
    };
    let result = match contents {
        OutputContents::Bytes(bytes) => same(bytes),
        OutputContents::BuiltIn(bytes) => same(bytes),
        OutputContents::CopyOf(source) => fs::metadata(source).and_then(|m| {
            if fs::metadata(target)?.len() != m.len() {
                return Ok(false);
            }
            same(&fs::read(source)?)
        }),
    };
    // Anything unreadable is written again (which reports the real problem, if any).
    result.unwrap_or(false)
}

/// The size of what `contents` puts in a file.
fn size_of(contents: &OutputContents) -> std::io::Result<u64> {
    match contents {
        OutputContents::Bytes(bytes) => Ok(bytes.len() as u64),
        OutputContents::BuiltIn(bytes) => Ok(bytes.len() as u64),
        OutputContents::CopyOf(source) => fs::metadata(source).map(|m| m.len()),
    }
}

/// Updates the existing output folder `output` in place (see the module's text). `None` when
/// the output cannot be updated in place (a file where the site has a folder, or the other way
/// round; anything else than files and folders): then it is to be replaced as a whole.
fn update_in_place(
    files: &[OutputFile],
    output: &Path,
) -> Result<Option<WriteSummary>, Diagnostic> {
    let io_error = |path: &Path, err: std::io::Error| {
        Diagnostic::error(
            Location::file(path),
            format!("cannot write the output: {err}"),
        )
    };
    let timer = crate::timings::Timer::start();
    let Some(existing) = scan(output, "").map_err(|e| io_error(output, e))? else {
        return Ok(None);
    };
    let existing: HashMap<&str, bool> = existing
        .iter()
        .map(|(path, is_dir)| (path.as_str(), *is_dir))
        .collect();
    let dirs = folders_of(files);
    if files
        .iter()
        .any(|f| existing.get(f.path.as_str()) == Some(&true))
        || dirs.iter().any(|d| existing.get(d) == Some(&false))
    {
        return Ok(None);
    }
    timer.lap("write: previous output read");

    // Phase 1: new folders, then every changed file under a temporary name beside its target.
    let timer = crate::timings::Timer::start();
    let temporary = format!(".herald-new-{}", std::process::id());
    let temporary_of = |path: &str| match path.rsplit_once('/') {
        Some((dir, name)) => output.join(format!("{dir}/.{name}{temporary}")),
        None => output.join(format!(".{path}{temporary}")),
    };
    let mut created: Vec<&str> = dirs
        .iter()
        .copied()
        .filter(|d| !existing.contains_key(d))
        .collect();
    created.sort_unstable_by_key(|d| d.matches('/').count());
    let mut failure = None;
    for (made, dir) in created.iter().enumerate() {
        if let Err(err) = fs::create_dir(output.join(dir)) {
            failure = Some((made, io_error(&output.join(dir), err)));
            break;
        }
    }
    let undo_folders = |made: usize| {
        for dir in created[..made].iter().rev() {
            let _ = fs::remove_dir(output.join(dir));
        }
    };
    if let Some((made, diagnostic)) = failure {
        undo_folders(made);
        return Err(diagnostic);
    }
    // Per file: its size, and whether a temporary file was written for it.
    let results: Vec<Result<(u64, bool), Diagnostic>> = files
        .par_iter()
        .map(|file| {
            let target = output.join(&file.path);
            let fail = |err: std::io::Error| {
                Diagnostic::error(
                    Location::file(&file.path),
                    format!("cannot write this output file: {err}"),
                )
            };
            if existing.contains_key(file.path.as_str()) && holds(&target, &file.contents) {
                return size_of(&file.contents)
                    .map(|size| (size, false))
                    .map_err(fail);
            }
            let temp = temporary_of(&file.path);
            let written = match &file.contents {
                OutputContents::Bytes(bytes) => {
                    write_file(&temp, bytes).map(|_| bytes.len() as u64)
                }
                OutputContents::BuiltIn(bytes) => {
                    write_file(&temp, bytes).map(|_| bytes.len() as u64)
                }
                OutputContents::CopyOf(source) => fs::copy(source, &temp),
            };
            match written {
                Ok(size) => Ok((size, true)),
                Err(err) => {
                    let _ = fs::remove_file(&temp);
                    Err(fail(err))
                }
            }
        })
        .collect();
    timer.lap("write: changed files");
    if let Some(Err(diagnostic)) = results.iter().find(|r| r.is_err()) {
        files.par_iter().zip(&results).for_each(|(file, result)| {
            if let Ok((_, true)) = result {
                let _ = fs::remove_file(temporary_of(&file.path));
            }
        });
        undo_folders(created.len());
        return Err(diagnostic.clone());
    }

    // Phase 2: the changed files take their targets' places; what the site no longer has goes.
    let timer = crate::timings::Timer::start();
    files
        .par_iter()
        .zip(&results)
        .filter(|(_, result)| matches!(result, Ok((_, true))))
        .try_for_each(|(file, _)| {
            let target = output.join(&file.path);
            fs::rename(temporary_of(&file.path), &target).map_err(|err| io_error(&target, err))
        })?;
    let wanted: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    existing
        .par_iter()
        .filter(|(path, is_dir)| !**is_dir && !wanted.contains(**path))
        .for_each(|(path, _)| {
            let _ = fs::remove_file(output.join(path));
        });
    let stale_dirs = existing
        .iter()
        .filter(|(path, is_dir)| **is_dir && !dirs.contains(**path))
        .map(|(path, _)| *path);
    for dir in deepest_first(stale_dirs) {
        let _ = fs::remove_dir(output.join(dir));
    }
    timer.lap("write: replaced and removed");
    let bytes = results.iter().flatten().map(|(size, _)| size).sum();
    Ok(Some(WriteSummary {
        files: files.len(),
        bytes,
    }))
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
        let siblings: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(siblings.len(), 2, "{siblings:?}");
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
}
