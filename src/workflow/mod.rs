//! The editors' workflow around a build: `herald init`, `new`, `translate`, `status` and
//! `schema`.
//!
//! Each command is a library function that works on the stages' types ([`crate::load`]) and
//! returns values; [`cli`] is the thin layer the binary calls, which prints and picks the exit
//! status.

pub mod cli;
pub mod digest;
mod front_matter_text;
pub mod init;
pub mod new;
pub mod schema;
pub mod status;
mod status_output;
pub mod translate;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};

pub use status::{
    LanguageSummary, TranslationCell, TranslationMatrix, TranslationRow, TranslationState,
    translation_status,
};
pub use status_output::{StatusFormat, format_matrix, summary_lines};

/// Why a workflow command did nothing.
#[derive(Debug)]
pub enum CommandError {
    /// The command line asks for something that cannot be (an unknown language, a file that is
    /// not content): exit status 2.
    Usage(String),
    /// The site or a file has problems, or the command refused (a file exists): exit status 1.
    Site(Diagnostics),
}

impl CommandError {
    pub fn one(diagnostic: Diagnostic) -> CommandError {
        CommandError::Site(std::iter::once(diagnostic).collect())
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Usage(message) => f.write_str(message),
            CommandError::Site(diagnostics) => {
                for (i, diagnostic) in diagnostics.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{diagnostic}")?;
                }
                Ok(())
            }
        }
    }
}

/// `given` (as typed: relative to the working folder or to the site, or absolute) as a path
/// relative to the site's root, the way [`crate::load::ContentFile::path`] shows it.
fn site_relative(root: &Path, given: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let candidates = [given.to_path_buf(), root.join(given)];
    candidates.iter().find_map(|candidate| {
        let full = candidate.canonicalize().ok()?;
        full.strip_prefix(&root).ok().map(Path::to_path_buf)
    })
}

/// Writes `text` into a new file `path`; fails when the file exists, even if it appeared a
/// moment ago (another editor, another herald).
fn write_new_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Replaces the file at `path` with `text` through a sibling temporary file, so that an
/// interrupted run leaves either the old or the new text, never half of one.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.herald-{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
