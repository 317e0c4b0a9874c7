//! The record a build leaves beside its output (`.public.herald-record` for `public`): the
//! size, modification time and inode of each file and folder of the output, and the digest of
//! each file's bytes.
//!
//! The next build checks the record with one `lstat` per entry instead of listing every folder
//! and reading every file back: a file whose stamp did not change still holds the bytes of its
//! digest, and a folder whose stamp did not change still holds the same names. Whatever
//! differs (a file edited by hand, a file put into a folder) is listed and read as without a
//! record. A stamp taken less than [`RACY_WINDOW`] before the record was written is not kept:
//! the clock that dates files ticks coarsely, and a file changed again within the same tick
//! would keep its stamp (git calls these entries "racily clean").

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ahash::AHashMap as HashMap;
use rayon::prelude::*;

use super::{Existing, scan};

const HEADER: &str = "herald output record 1";

/// Stamps younger than this when the record is written are left out of it.
const RACY_WINDOW: Duration = Duration::from_secs(2);

/// What tells that a file or folder was not changed since it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    size: u64,
    seconds: i64,
    nanoseconds: i64,
    inode: u64,
}

impl Stamp {
    pub(super) fn of(metadata: &fs::Metadata) -> Stamp {
        Stamp {
            size: metadata.size(),
            seconds: metadata.mtime(),
            nanoseconds: metadata.mtime_nsec(),
            inode: metadata.ino(),
        }
    }

    /// Whether the stamp is too recent to be trusted by the next build.
    fn is_racy(&self, written_at: SystemTime) -> bool {
        let modified = if self.seconds >= 0 {
            UNIX_EPOCH + Duration::new(self.seconds as u64, self.nanoseconds as u32)
        } else {
            UNIX_EPOCH
        };
        modified + RACY_WINDOW > written_at
    }
}

/// The digest of a file's bytes.
pub(super) type Digest = u128;

pub(super) fn digest(bytes: &[u8]) -> Digest {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// One file of an output, as the record keeps it.
#[derive(Debug, Clone, Copy)]
pub(super) struct RecordedFile {
    pub stamp: Option<Stamp>,
    /// Of the bytes herald wrote; unknown for copies of static files.
    pub digest: Option<Digest>,
}

/// The record of one output.
#[derive(Debug, Default)]
pub(super) struct OutputRecord {
    /// The output folder's device and inode: a record of another folder is not used.
    identity: (u64, u64),
    root: Option<Stamp>,
    folders: Vec<(String, Option<Stamp>)>,
    files: Vec<(String, RecordedFile)>,
}

/// Where the record of `output` is kept: beside it, as its staging folders are.
pub(super) fn record_path(output: &Path) -> PathBuf {
    let (parent, name) = super::beside(output);
    parent.join(format!(".{name}.herald-record"))
}

impl OutputRecord {
    /// Reads the record of `output`; `None` when there is none or it cannot be used.
    pub(super) fn read(output: &Path) -> Option<OutputRecord> {
        let text = fs::read_to_string(record_path(output)).ok()?;
        OutputRecord::parse(&text)
    }

    fn parse(text: &str) -> Option<OutputRecord> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut root = lines.next()?.strip_prefix("root ")?.splitn(3, ' ');
        let identity = (root.next()?.parse().ok()?, root.next()?.parse().ok()?);
        let (root, rest) = take_stamp(root.next()?)?;
        if !rest.is_empty() {
            return None;
        }
        let mut entries: Vec<&str> = lines.collect();
        // The count at the end tells a whole record from one cut short.
        let count: usize = entries.pop()?.strip_prefix("end ")?.parse().ok()?;
        if count != entries.len() {
            return None;
        }
        let parsed = entries
            .par_iter()
            .map(|line| parse_entry(line))
            .collect::<Option<Vec<_>>>()?;
        let mut record = OutputRecord {
            identity,
            root,
            ..OutputRecord::default()
        };
        for entry in parsed {
            match entry {
                Entry::Folder(path, stamp) => record.folders.push((path, stamp)),
                Entry::File(path, file) => record.files.push((path, file)),
            }
        }
        Some(record)
    }

    /// What `output` holds, told from the record where its stamps still hold and listed or
    /// read where they do not. `None` when the record is not of this folder, or when the
    /// output holds anything else than files and folders (then it is replaced whole).
    pub(super) fn check(&self, output: &Path) -> Option<Vec<(String, Existing)>> {
        let root = fs::symlink_metadata(output).ok()?;
        if !root.is_dir() || (root.dev(), root.ino()) != self.identity {
            return None;
        }
        let root_now = Stamp::of(&root);
        let folders: Vec<(&str, Option<Stamp>, bool)> = self
            .folders
            .par_iter()
            .filter_map(|(path, recorded)| {
                let metadata = fs::symlink_metadata(output.join(path)).ok()?;
                if !metadata.is_dir() {
                    return None;
                }
                let now = Stamp::of(&metadata);
                Some((path.as_str(), Some(now), *recorded != Some(now)))
            })
            .collect();
        let files: Vec<(&str, Existing)> = self
            .files
            .par_iter()
            .filter_map(|(path, recorded)| {
                let metadata = fs::symlink_metadata(output.join(path)).ok()?;
                if !metadata.is_file() {
                    return None;
                }
                let now = Stamp::of(&metadata);
                let existing = if recorded.stamp == Some(now) {
                    Existing::file(Some(now), recorded.digest)
                } else {
                    Existing::file(None, None)
                };
                Some((path.as_str(), existing))
            })
            .collect();
        let mut known: HashMap<&str, bool> = HashMap::with_capacity(folders.len() + files.len());
        known.extend(folders.iter().map(|(path, _, _)| (*path, true)));
        known.extend(files.iter().map(|(path, _)| (*path, false)));
        // Folders whose names may have changed are listed; what was not recorded in them is
        // scanned as a build without a record does.
        let listed = std::iter::once("")
            .filter(|_| self.root != Some(root_now))
            .chain(
                folders
                    .iter()
                    .filter(|(_, _, changed)| *changed)
                    .map(|(path, _, _)| *path),
            )
            .collect::<Vec<&str>>();
        let found = listed
            .par_iter()
            .map(|dir| unrecorded_in(output, dir, &known))
            .collect::<Option<Vec<_>>>()?;
        let mut existing: Vec<(String, Existing)> = folders
            .into_iter()
            .map(|(path, stamp, _)| (path.to_string(), Existing::folder(stamp)))
            .chain(files.into_iter().map(|(path, e)| (path.to_string(), e)))
            .collect();
        existing.extend(found.into_iter().flatten());
        Some(existing)
    }

    /// Writes the record of `output` as it now is. A record that cannot be written is removed,
    /// so that no record describes an output it is not of; the next build then lists the
    /// output. Paths with line breaks cannot be recorded: then there is no record.
    pub(super) fn write(
        output: &Path,
        folders: &[(&str, Option<Stamp>)],
        files: &[(String, RecordedFile)],
    ) {
        let path = record_path(output);
        let written = (|| -> std::io::Result<()> {
            let root = fs::symlink_metadata(output)?;
            let unrecordable = |p: &str| p.contains(['\n', '\r']) || p.is_empty();
            if folders.iter().any(|(p, _)| unrecordable(p))
                || files.iter().any(|(p, _)| unrecordable(p))
            {
                return Err(std::io::Error::other("a path cannot be recorded"));
            }
            let now = SystemTime::now();
            let kept = |stamp: Option<Stamp>| stamp.filter(|s| !s.is_racy(now));
            let mut text = format!(
                "{HEADER}\nroot {} {} {}\n",
                root.dev(),
                root.ino(),
                stamp_text(kept(Some(Stamp::of(&root))))
            );
            let folder_lines: Vec<String> = folders
                .par_chunks(4096)
                .map(|chunk| {
                    let mut lines = String::with_capacity(chunk.len() * 64);
                    for (path, stamp) in chunk {
                        lines.push_str("d ");
                        lines.push_str(&stamp_text(kept(*stamp)));
                        lines.push(' ');
                        lines.push_str(path);
                        lines.push('\n');
                    }
                    lines
                })
                .collect();
            let file_lines: Vec<String> = files
                .par_chunks(4096)
                .map(|chunk| {
                    let mut lines = String::with_capacity(chunk.len() * 112);
                    for (path, file) in chunk {
                        let stamp = kept(file.stamp);
                        lines.push_str("f ");
                        lines.push_str(&stamp_text(stamp));
                        match file.digest.filter(|_| stamp.is_some()) {
                            Some(digest) => lines.push_str(&format!(" {digest:032x} ")),
                            None => lines.push_str(" - "),
                        }
                        lines.push_str(path);
                        lines.push('\n');
                    }
                    lines
                })
                .collect();
            for lines in folder_lines.iter().chain(&file_lines) {
                text.push_str(lines);
            }
            text.push_str(&format!("end {}\n", folders.len() + files.len()));
            let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
            let result = fs::File::create(&temporary)
                .and_then(|mut file| file.write_all(text.as_bytes()))
                .and_then(|()| fs::rename(&temporary, &path));
            if result.is_err() {
                let _ = fs::remove_file(&temporary);
            }
            result
        })();
        if written.is_err() {
            let _ = fs::remove_file(&path);
        }
    }
}

/// The entries of `dir` (relative to `output`) the record does not have, with what is in
/// the folders among them; `None` when one is neither a file nor a folder.
fn unrecorded_in(
    output: &Path,
    dir: &str,
    known: &HashMap<&str, bool>,
) -> Option<Vec<(String, Existing)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(output.join(dir)).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name().into_string().ok()?;
        let path = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        let kind = entry.file_type().ok()?;
        match known.get(path.as_str()) {
            Some(true) if kind.is_dir() => continue,
            Some(false) if kind.is_file() => continue,
            _ => {}
        }
        if kind.is_file() {
            found.push((path, Existing::file(None, None)));
        } else if kind.is_dir() {
            let inside = scan(&output.join(&path), &path).ok()??;
            found.extend(
                inside
                    .into_iter()
                    .map(|(p, is_dir)| (p, Existing::scanned(is_dir))),
            );
            found.push((path, Existing::folder(None)));
        } else {
            return None;
        }
    }
    Some(found)
}

enum Entry {
    Folder(String, Option<Stamp>),
    File(String, RecordedFile),
}

/// `d STAMP PATH` or `f STAMP DIGEST PATH`, where a stamp is `size seconds nanoseconds
/// inode` or `-`, and a digest 32 hexadecimal digits or `-`. Paths come last: they may hold
/// spaces.
fn parse_entry(line: &str) -> Option<Entry> {
    let (kind, rest) = line.split_once(' ')?;
    let (stamp, rest) = take_stamp(rest)?;
    let entry = match kind {
        "d" => Entry::Folder(rest.to_string(), stamp),
        "f" => {
            let (digest, path) = rest.split_once(' ')?;
            let digest = match digest {
                "-" => None,
                hex if hex.len() == 32 => Some(Digest::from_str_radix(hex, 16).ok()?),
                _ => return None,
            };
            Entry::File(
                path.to_string(),
                RecordedFile {
                    stamp,
                    digest: digest.filter(|_| stamp.is_some()),
                },
            )
        }
        _ => return None,
    };
    let (Entry::Folder(path, _) | Entry::File(path, _)) = &entry;
    is_inside(path).then_some(entry)
}

/// A stamp at the start of `text` (its four numbers, or `-`), and what follows it.
fn take_stamp(text: &str) -> Option<(Option<Stamp>, &str)> {
    let mut rest = text;
    let mut field = || {
        let (field, after) = rest.split_once(' ').unwrap_or((rest, ""));
        rest = after;
        Some(field).filter(|f| !f.is_empty())
    };
    let size = field()?;
    if size == "-" {
        return Some((None, rest));
    }
    let stamp = Stamp {
        size: size.parse().ok()?,
        seconds: field()?.parse().ok()?,
        nanoseconds: field()?.parse().ok()?,
        inode: field()?.parse().ok()?,
    };
    Some((Some(stamp), rest))
}

fn stamp_text(stamp: Option<Stamp>) -> String {
    match stamp {
        Some(s) => format!("{} {} {} {}", s.size, s.seconds, s.nanoseconds, s.inode),
        None => "-".to_string(),
    }
}

/// A path the writer may remove files by: relative, `/`-separated, without `.`, `..` or
/// empty segments. A record edited by hand cannot make a build touch anything outside its
/// output.
fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        fs::create_dir_all(output.join("en")).unwrap();
        fs::write(output.join("en/index.html"), "home").unwrap();
        let old = Stamp {
            size: 4,
            seconds: 1_000_000_000,
            nanoseconds: 5,
            inode: 7,
        };
        let files = vec![
            (
                "en/index.html".to_string(),
                RecordedFile {
                    stamp: Some(old),
                    digest: Some(digest(b"home")),
                },
            ),
            (
                "style.css".to_string(),
                RecordedFile {
                    stamp: Some(old),
                    digest: None,
                },
            ),
            (
                "a b.txt".to_string(),
                RecordedFile {
                    stamp: None,
                    digest: Some(digest(b"x")),
                },
            ),
        ];
        OutputRecord::write(&output, &[("en", Some(old))], &files);
        let record = OutputRecord::read(&output).unwrap();
        assert_eq!(record.folders, vec![("en".to_string(), Some(old))]);
        let read: Vec<_> = record
            .files
            .iter()
            .map(|(p, f)| (p.as_str(), f.stamp, f.digest))
            .collect();
        assert_eq!(
            read,
            vec![
                ("en/index.html", Some(old), Some(digest(b"home"))),
                ("style.css", Some(old), None),
                // No digest is kept without the stamp that vouches for it.
                ("a b.txt", None, None),
            ]
        );
        // The root was just written: its stamp is too recent to keep.
        assert_eq!(record.root, None);
    }

    #[test]
    fn a_recent_stamp_is_not_kept() {
        let now = SystemTime::now();
        let at = |time: SystemTime| {
            let since = time.duration_since(UNIX_EPOCH).unwrap();
            Stamp {
                size: 1,
                seconds: since.as_secs() as i64,
                nanoseconds: since.subsec_nanos() as i64,
                inode: 1,
            }
        };
        assert!(at(now).is_racy(now));
        assert!(at(now - Duration::from_millis(1500)).is_racy(now));
        assert!(!at(now - Duration::from_secs(3)).is_racy(now));
    }

    #[test]
    fn a_record_that_names_a_path_outside_the_output_is_refused() {
        let line = |path: &str| format!("{HEADER}\nroot 1 2 -\nf 1 2 3 4 - {path}\nend 1\n");
        assert!(OutputRecord::parse(&line("en/index.html")).is_some());
        for path in [
            "../etc/passwd",
            "/etc/passwd",
            "en//index.html",
            "en/./x",
            "",
        ] {
            assert!(OutputRecord::parse(&line(path)).is_none(), "{path:?}");
        }
        assert!(OutputRecord::parse("herald output record 0\nroot 1 2 -\n").is_none());
        assert!(
            OutputRecord::parse(&format!("{HEADER}\nroot 1 2 -\nf 1 x 3 4 - a\nend 1\n")).is_none()
        );
        // Cut short.
        assert!(OutputRecord::parse(&format!("{HEADER}\nroot 1 2 -\nf 1 2 3 4 - a\n")).is_none());
        assert!(
            OutputRecord::parse(&format!("{HEADER}\nroot 1 2 -\nf 1 2 3 4 - a\nend 2\n")).is_none()
        );
    }
}
