//! **Write**: put the rendered files on disk, atomically.
//!
//! Boundary: takes a [`RenderedSite`]; returns what was written. The whole site is written into
//! a fresh folder beside the output folder, which replaces the old one only once every file is
//! in place: a failed build leaves the previous output exactly as it was.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Location};
use crate::render::{OutputContents, OutputFile, RenderedSite};

#[derive(Debug, Clone)]
pub struct WriteSummary {
    pub files: usize,
    pub bytes: u64,
}

/// Writes `rendered` to `output`, replacing it as a whole.
pub fn write_site(rendered: &RenderedSite, output: &Path) -> Result<WriteSummary, Diagnostic> {
    check_unique_paths(&rendered.files)?;
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

fn check_unique_paths(files: &[OutputFile]) -> Result<(), Diagnostic> {
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
