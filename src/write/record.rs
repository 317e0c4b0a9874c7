//! The record a build leaves beside its output (`.public.herald-record` for `public`): the
//! size, modification and status change times and inode of each file and folder of the
//! output, and the digest of the bytes of each page those vouch for.
//!
//! The next build checks the record with one `lstat` per entry instead of listing every folder
//! and reading every file back: a file whose stamp did not change still holds the bytes of its
//! digest, and a folder whose stamp did not change still holds the same names. Whatever
//! differs (a file edited by hand, a file put into a folder) is listed and read as without a
//! record. A stamp is taken before what it vouches for is read (a file's bytes, a folder's
//! names), and only of what was last changed [`RACY_WINDOW`] or more before: the clock that
//! dates files ticks coarsely, and a file changed again within the same tick would keep its
//! stamp (git calls these entries "racily clean"). Files herald has just written therefore
//! get their stamps from the next build that reads them.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ahash::AHashMap as HashMap;
use rayon::prelude::*;

use super::{Existing, parent_of, scan};

const HEADER: &str = "herald output record 1";

/// What was changed less than this before it is looked at gets no stamp. (Unit tests wait
/// it out after dating their files back, which changes their status change times to now.)
pub(super) const RACY_WINDOW: Duration = if cfg!(test) {
    Duration::from_millis(300)
} else {
    Duration::from_secs(2)
};

/// What tells that a file or folder was not changed since it was recorded: its size, its
/// modification time (which `touch` can set), its status change time (which nothing but the
/// clock sets: a modification time put back still shows) and its inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
}

impl Stamp {
    /// `None` on a system without inodes and status change times: there the record never
    /// vouches for anything, and every build lists and reads the output as without one.
    fn of(metadata: &fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Stamp {
                size: metadata.size(),
                modified: (metadata.mtime(), metadata.mtime_nsec()),
                changed: (metadata.ctime(), metadata.ctime_nsec()),
                inode: metadata.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }

    /// The stamp of what `metadata` describes, taken now, before what it vouches for is read;
    /// `None` when it changed too recently to vouch for anything.
    pub(super) fn observe(metadata: &fs::Metadata) -> Option<Stamp> {
        Stamp::of(metadata).and_then(Stamp::unless_racy)
    }

    /// The stamp, unless what it describes changed too recently for it to vouch for anything.
    fn unless_racy(self) -> Option<Stamp> {
        (!self.is_racy(SystemTime::now())).then_some(self)
    }

    fn is_racy(&self, observed_at: SystemTime) -> bool {
        let time = |(seconds, nanoseconds): (i64, i64)| {
            UNIX_EPOCH
                + Duration::new(
                    seconds.max(0) as u64,
                    nanoseconds.clamp(0, 999_999_999) as u32,
                )
        };
        time(self.modified).max(time(self.changed)) + RACY_WINDOW > observed_at
    }
}

/// The device and inode of a folder: a record of another folder is not used.
fn identity(metadata: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
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

/// What an existing output holds, as its record and a look at it tell.
#[derive(Debug)]
pub(super) struct CheckedOutput {
    /// The output folder's stamp, taken before it was listed.
    pub root: Option<Stamp>,
    pub entries: Vec<(String, Existing)>,
    /// Every stamp held and nothing was found that the record lacks: a build that then
    /// changes nothing leaves the same record.
    pub exact: bool,
}

/// The record of one output.
#[derive(Debug, Default)]
pub(super) struct OutputRecord {
    /// The output folder's device and inode: a record of another folder is not used.
    identity: (u64, u64),
    root: Option<Stamp>,
    folders: Vec<(String, Option<Stamp>)>,
    files: Vec<(String, RecordedFile)>,
    /// Of the record's text: a build that changed nothing need not write it again.
    pub text_digest: Digest,
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
            text_digest: digest(text.as_bytes()),
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
    /// read where they do not. `None` when the record is not of this folder or cannot be
    /// checked (an entry that cannot be looked at): then the output is listed whole.
    pub(super) fn check(&self, output: &Path) -> Option<CheckedOutput> {
        let (dir, root) = OutputFolder::open(output)?;
        if !root.is_dir() || identity(&root) != Some(self.identity) {
            return None;
        }
        let root_stamp = Stamp::observe(&root);
        let folders_found = self
            .folders
            .par_iter()
            .map(|(path, recorded)| Some((path.as_str(), *recorded, dir.look(path)?)))
            .collect::<Option<Vec<_>>>()?;
        // A folder is one only when every folder it is in is one: through a link a path can
        // lead out of the output, and the writer removes files by these paths.
        // In path order a folder comes before the folders in it (as a build writes them).
        let mut folders_found = folders_found;
        if !folders_found.is_sorted_by_key(|(path, _, _)| *path) {
            folders_found.sort_unstable_by_key(|(path, _, _)| *path);
        }
        let mut folders: HashMap<&str, (Option<Stamp>, bool)> =
            HashMap::with_capacity(folders_found.len());
        for (path, recorded, found) in folders_found {
            let Some(found) = found.filter(|found| found.is_dir) else {
                continue;
            };
            if parent_of(path).is_some_and(|parent| !folders.contains_key(parent)) {
                continue;
            }
            let unchanged = recorded.is_some() && recorded == found.stamp;
            let stamp = if unchanged {
                recorded
            } else {
                found.stamp.and_then(Stamp::unless_racy)
            };
            folders.insert(path, (stamp, !unchanged));
        }
        let in_a_folder =
            |path: &str| parent_of(path).is_none_or(|parent| folders.contains_key(parent));
        let files = self
            .files
            .par_iter()
            .filter(|(path, _)| in_a_folder(path))
            .map(|(path, recorded)| {
                let Some(found) = dir.look(path)?.filter(|found| found.is_file) else {
                    return Some(None);
                };
                let existing = if recorded.stamp.is_some() && recorded.stamp == found.stamp {
                    Existing::file(recorded.stamp, recorded.digest)
                } else {
                    Existing::file(None, None)
                };
                Some(Some((path.as_str(), existing)))
            })
            .collect::<Option<Vec<_>>>()?;
        let files: Vec<(&str, Existing)> = files.into_iter().flatten().collect();
        let exact = files.len() == self.files.len()
            && files.iter().all(|(_, e)| e.stamp.is_some())
            && folders.len() == self.folders.len()
            && folders.values().all(|(_, changed)| !changed);
        // Folders whose names may have changed are listed; what was not recorded in them is
        // scanned as a build without a record does.
        let root_unchanged = self.root.is_some() && self.root == Stamp::of(&root);
        let listed = std::iter::once("")
            .filter(|_| !root_unchanged)
            .chain(
                folders
                    .iter()
                    .filter(|(_, (_, changed))| *changed)
                    .map(|(path, _)| *path),
            )
            .collect::<Vec<&str>>();
        let found = if listed.is_empty() {
            Vec::new()
        } else {
            let mut known: HashMap<&str, bool> =
                HashMap::with_capacity(folders.len() + files.len());
            known.extend(folders.keys().map(|path| (*path, true)));
            known.extend(files.iter().map(|(path, _)| (*path, false)));
            listed
                .par_iter()
                .map(|dir| unrecorded_in(output, dir, &known))
                .collect::<Option<Vec<_>>>()?
        };
        let mut entries: Vec<(String, Existing)> = folders
            .into_iter()
            .map(|(path, (stamp, _))| (path.to_string(), Existing::folder(stamp)))
            .chain(files.into_iter().map(|(path, e)| (path.to_string(), e)))
            .collect();
        entries.extend(found.into_iter().flatten());
        Some(CheckedOutput {
            exact: exact && root_unchanged,
            root: if root_unchanged {
                self.root
            } else {
                root_stamp
            },
            entries,
        })
    }

    /// Writes the record of `output` as it now is, unless it is the record read before
    /// (`previous`, the digest of its text). A record that cannot be written is removed, so
    /// that no record describes an output it is not of; the next build then lists the
    /// output. Paths with line breaks cannot be recorded: then there is no record.
    pub(super) fn write(
        output: &Path,
        root: Option<Stamp>,
        folders: &[(&str, Option<Stamp>)],
        files: &[(String, RecordedFile)],
        previous: Option<Digest>,
    ) {
        let path = record_path(output);
        let written = (|| -> std::io::Result<()> {
            let (device, inode) = identity(&fs::symlink_metadata(output)?)
                .ok_or_else(|| std::io::Error::other("no inodes to record"))?;
            let unrecordable = |p: &str| p.contains(['\n', '\r']) || p.is_empty();
            if folders.iter().any(|(p, _)| unrecordable(p))
                || files.iter().any(|(p, _)| unrecordable(p))
            {
                return Err(std::io::Error::other("a path cannot be recorded"));
            }
            let head = head_of((device, inode), root);
            let folder_lines = folders.par_chunks(4096).map(|chunk| {
                let mut lines = String::with_capacity(chunk.len() * 64);
                for (path, stamp) in chunk {
                    lines.push_str("d ");
                    push_stamp(&mut lines, *stamp);
                    lines.push(' ');
                    lines.push_str(path);
                    lines.push('\n');
                }
                lines
            });
            let file_lines = files.par_chunks(4096).map(|chunk| {
                let mut lines = String::with_capacity(chunk.len() * 112);
                for (path, file) in chunk {
                    lines.push_str("f ");
                    push_stamp(&mut lines, file.stamp);
                    match file.digest.filter(|_| file.stamp.is_some()) {
                        Some(digest) => {
                            let _ = write!(lines, " {digest:032x} ");
                        }
                        None => lines.push_str(" - "),
                    }
                    lines.push_str(path);
                    lines.push('\n');
                }
                lines
            });
            let pieces: Vec<String> = std::iter::once(head)
                .chain(folder_lines.chain(file_lines).collect::<Vec<_>>())
                .chain(std::iter::once(format!(
                    "end {}\n",
                    folders.len() + files.len()
                )))
                .collect();
            let mut text_digest = xxhash_rust::xxh3::Xxh3::new();
            for piece in &pieces {
                text_digest.update(piece.as_bytes());
            }
            if previous == Some(text_digest.digest128()) {
                return Ok(());
            }
            let (parent, name) = super::beside(output);
            let temporary =
                parent.join(format!(".{name}.herald-record-new-{}", std::process::id()));
            let result = super::create_new(&temporary, 0o666)
                .and_then(|file| {
                    let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
                    pieces
                        .iter()
                        .try_for_each(|piece| file.write_all(piece.as_bytes()))?;
                    file.flush()
                })
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

/// An entry of the output, as the record's check finds it: never through a link at its own
/// name.
struct Found {
    is_dir: bool,
    is_file: bool,
    /// As [`Stamp::of`] gives it (racy or not).
    stamp: Option<Stamp>,
}

/// The output folder, whose entries the record's check looks at by their paths in it. On Unix
/// through an open handle of the folder (`fstatat`), so that a path is walked from the folder,
/// not from the root of the file system: a quarter less time for the 93 000 entries of the
/// benchmark's 10 000 × 3 output, four folders below `/`.
struct OutputFolder {
    #[cfg(unix)]
    handle: fs::File,
    #[cfg(not(unix))]
    path: PathBuf,
}

impl OutputFolder {
    /// The folder, if it is one and not a link, with what it is (taken through the handle: the
    /// folder looked at is the one whose identity is checked).
    fn open(output: &Path) -> Option<(OutputFolder, fs::Metadata)> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let handle = fs::File::from(rustix::fs::open(output, flags, Mode::empty()).ok()?);
            let metadata = handle.metadata().ok()?;
            Some((OutputFolder { handle }, metadata))
        }
        #[cfg(not(unix))]
        {
            let metadata = fs::symlink_metadata(output).ok()?;
            Some((
                OutputFolder {
                    path: output.to_path_buf(),
                },
                metadata,
            ))
        }
    }

    /// What is at `path` in the folder, not following a link there: `Some(None)` when nothing
    /// is (only a missing entry is gone), `None` when it cannot be looked at (then the record
    /// cannot be used).
    fn look(&self, path: &str) -> Option<Option<Found>> {
        #[cfg(unix)]
        {
            use rustix::fs::{AtFlags, FileType};
            use rustix::io::Errno;
            match rustix::fs::statat(&self.handle, path, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => {
                    let kind = FileType::from_raw_mode(stat.st_mode);
                    // The same fields `MetadataExt` gives `Stamp::of`, whatever their widths.
                    #[allow(clippy::unnecessary_cast)]
                    let stamp = Stamp {
                        size: stat.st_size as u64,
                        modified: (stat.st_mtime as i64, stat.st_mtime_nsec as i64),
                        changed: (stat.st_ctime as i64, stat.st_ctime_nsec as i64),
                        inode: stat.st_ino as u64,
                    };
                    Some(Some(Found {
                        is_dir: kind == FileType::Directory,
                        is_file: kind == FileType::RegularFile,
                        stamp: Some(stamp),
                    }))
                }
                Err(Errno::NOENT | Errno::NOTDIR) => Some(None),
                Err(_) => None,
            }
        }
        #[cfg(not(unix))]
        {
            match fs::symlink_metadata(self.path.join(path)) {
                Ok(metadata) => Some(Some(Found {
                    is_dir: metadata.is_dir(),
                    is_file: metadata.is_file(),
                    stamp: Stamp::of(&metadata),
                })),
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    Some(None)
                }
                Err(_) => None,
            }
        }
    }
}

/// The entries of `dir` (relative to `output`) the record does not have, with what is in
/// the folders among them; `None` when one is neither a file nor a folder, or cannot be read.
fn unrecorded_in(
    output: &Path,
    dir: &str,
    known: &HashMap<&str, bool>,
) -> Option<Vec<(String, Existing)>> {
    let known = |path: &str, is_dir: bool| known.get(path) == Some(&is_dir);
    scan(&output.join(dir), dir, &known).ok()?
}

enum Entry {
    Folder(String, Option<Stamp>),
    File(String, RecordedFile),
}

/// `d STAMP PATH` or `f STAMP DIGEST PATH`, where a stamp is `size modified (seconds and
/// nanoseconds) changed (the same) inode` or `-`, and a digest 32 hexadecimal digits or `-`.
/// Paths come last: they may hold spaces.
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

/// A stamp at the start of `text` (its six numbers, or `-`), and what follows it.
///
/// Read byte by byte: a record of a large site has a hundred thousand lines, and splitting
/// each field off with `split_once` and `str::parse` cost about 1 900 instructions a line.
fn take_stamp(text: &str) -> Option<(Option<Stamp>, &str)> {
    let mut at = 0;
    if let Some(rest) = text.strip_prefix('-')
        && (rest.is_empty() || rest.starts_with(' '))
    {
        return Some((None, rest.strip_prefix(' ').unwrap_or(rest)));
    }
    let stamp = Stamp {
        size: take_number(text, &mut at, false)?,
        modified: (
            take_number(text, &mut at, true)?,
            take_number(text, &mut at, true)?,
        ),
        changed: (
            take_number(text, &mut at, true)?,
            take_number(text, &mut at, true)?,
        ),
        inode: take_number(text, &mut at, false)?,
    };
    Some((Some(stamp), &text[at..]))
}

/// The decimal number at byte `at` of `text` (with a leading `-` when `signed`), up to a space
/// or the end; moves `at` past the number and its space. `None` for anything else, so that a
/// damaged record is not used (nor one with a number that does not fit `T`).
fn take_number<T: TryFrom<i128>>(text: &str, at: &mut usize, signed: bool) -> Option<T> {
    let bytes = &text.as_bytes()[*at..];
    let (negative, digits) = match bytes.first() {
        Some(b'-') if signed => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let length = digits
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or(digits.len());
    // 20 digits hold every u64 and i64, and cannot overflow an i128.
    if length == 0 || length > 20 {
        return None;
    }
    let mut number: i128 = 0;
    for &digit in &digits[..length] {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number * 10 + i128::from(digit - b'0');
    }
    let consumed = usize::from(negative) + length;
    *at += consumed + usize::from(consumed < bytes.len());
    T::try_from(if negative { -number } else { number }).ok()
}

/// The record's first two lines: what it is, and the output folder's identity and stamp.
fn head_of((device, inode): (u64, u64), root: Option<Stamp>) -> String {
    let mut head = format!("{HEADER}\nroot {device} {inode} ");
    push_stamp(&mut head, root);
    head.push('\n');
    head
}

fn push_stamp(text: &mut String, stamp: Option<Stamp>) {
    match stamp {
        Some(s) => {
            let _ = write!(
                text,
                "{} {} {} {} {} {}",
                s.size, s.modified.0, s.modified.1, s.changed.0, s.changed.1, s.inode
            );
        }
        None => text.push('-'),
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
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn folder_identity(folder: &Path) -> (u64, u64) {
        identity(&fs::symlink_metadata(folder).unwrap()).unwrap()
    }

    const OLD: Stamp = Stamp {
        size: 4,
        modified: (1_000_000_000, 5),
        changed: (1_000_000_001, 6),
        inode: 7,
    };

    #[test]
    fn stamps_read_back_as_written_and_damaged_ones_are_refused() {
        let before_1970 = Stamp {
            size: u64::MAX,
            modified: (-1, 999_999_999),
            changed: (i64::MIN, 0),
            inode: 0,
        };
        for stamp in [Some(OLD), Some(before_1970), None] {
            let mut text = String::new();
            push_stamp(&mut text, stamp);
            assert_eq!(take_stamp(&text), Some((stamp, "")));
            text.push_str(" 0123 en/index.html");
            assert_eq!(take_stamp(&text), Some((stamp, "0123 en/index.html")));
        }
        for damaged in [
            "",
            "4 1000000000 5 1000000001 6",
            "-4 1000000000 5 1000000001 6 7",
            "+4 1000000000 5 1000000001 6 7",
            "4 1000000000  5 1000000001 6 7",
            "4 10000x0000 5 1000000001 6 7",
            "4 1000000000 5 1000000001 6 18446744073709551616",
            "4 9223372036854775808 5 1000000001 6 7",
            "4 - 5 1000000001 6 7",
            "-x",
        ] {
            assert_eq!(take_stamp(damaged), None, "{damaged:?}");
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        fs::create_dir_all(output.join("en")).unwrap();
        let files = vec![
            (
                "en/index.html".to_string(),
                RecordedFile {
                    stamp: Some(OLD),
                    digest: Some(digest(b"home")),
                },
            ),
            (
                "style.css".to_string(),
                RecordedFile {
                    stamp: Some(OLD),
                    digest: None,
                },
            ),
            (
                " a b.txt".to_string(),
                RecordedFile {
                    stamp: None,
                    digest: Some(digest(b"x")),
                },
            ),
        ];
        OutputRecord::write(&output, Some(OLD), &[("en", Some(OLD))], &files, None);
        let record = OutputRecord::read(&output).unwrap();
        assert_eq!(record.root, Some(OLD));
        assert_eq!(record.folders, vec![("en".to_string(), Some(OLD))]);
        let read: Vec<_> = record
            .files
            .iter()
            .map(|(p, f)| (p.as_str(), f.stamp, f.digest))
            .collect();
        assert_eq!(
            read,
            vec![
                ("en/index.html", Some(OLD), Some(digest(b"home"))),
                ("style.css", Some(OLD), None),
                // No digest is kept without the stamp that vouches for it.
                (" a b.txt", None, None),
            ]
        );
        // Written again unchanged, it is left as it is.
        let before = fs::metadata(record_path(&output)).unwrap();
        let previous = Some(record.text_digest);
        OutputRecord::write(&output, Some(OLD), &[("en", Some(OLD))], &files, previous);
        assert_eq!(
            fs::metadata(record_path(&output)).unwrap().ino(),
            before.ino()
        );
    }

    #[test]
    fn what_changed_within_the_window_gets_no_stamp() {
        let now = SystemTime::now();
        let at = |modified: SystemTime, changed: SystemTime| {
            let seconds = |t: SystemTime| {
                let since = t.duration_since(UNIX_EPOCH).unwrap();
                (since.as_secs() as i64, since.subsec_nanos() as i64)
            };
            Stamp {
                size: 1,
                modified: seconds(modified),
                changed: seconds(changed),
                inode: 1,
            }
        };
        let long_ago = now - Duration::from_secs(3600);
        assert!(at(now, now).is_racy(now));
        assert!(at(long_ago, now - RACY_WINDOW / 2).is_racy(now));
        assert!(at(now - RACY_WINDOW / 2, long_ago).is_racy(now));
        assert!(!at(long_ago, now - RACY_WINDOW * 2).is_racy(now));
        // A file just written has no stamp.
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("new.html"), "new").unwrap();
        let metadata = fs::metadata(dir.path().join("new.html")).unwrap();
        assert_eq!(Stamp::observe(&metadata), None);
    }

    #[test]
    fn a_record_that_names_a_path_outside_the_output_is_refused() {
        let line = |path: &str| format!("{HEADER}\nroot 1 2 -\nf 1 2 3 4 5 6 - {path}\nend 1\n");
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
        assert!(OutputRecord::parse("herald output record 0\nroot 1 2 -\nend 0\n").is_none());
        let entry = |line: &str, end: &str| format!("{HEADER}\nroot 1 2 -\n{line}\n{end}");
        assert!(OutputRecord::parse(&entry("f 1 x 3 4 5 6 - a", "end 1\n")).is_none());
        assert!(OutputRecord::parse(&entry("f 1 2 3 4 - a", "end 1\n")).is_none());
        // Cut short.
        assert!(OutputRecord::parse(&entry("f 1 2 3 4 5 6 - a", "")).is_none());
        assert!(OutputRecord::parse(&entry("f 1 2 3 4 5 6 - a", "end 2\n")).is_none());
    }

    /// A record edited by hand may list a folder after the folders in it.
    #[test]
    fn folders_are_checked_parents_first_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        fs::create_dir_all(output.join("en/news")).unwrap();
        fs::write(output.join("en/news/index.html"), "news").unwrap();
        let stamp = |path: &str| Stamp::of(&fs::symlink_metadata(output.join(path)).unwrap());
        let mut text = head_of(folder_identity(&output), stamp(""));
        for (kind, path) in [("d", "en/news"), ("d", "en"), ("f", "en/news/index.html")] {
            let _ = write!(text, "{kind} ");
            push_stamp(&mut text, stamp(path));
            if kind == "f" {
                text.push_str(" -");
            }
            let _ = writeln!(text, " {path}");
        }
        text.push_str("end 3\n");
        let checked = OutputRecord::parse(&text).unwrap().check(&output).unwrap();
        let mut paths: Vec<&str> = checked.entries.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort();
        assert_eq!(paths, ["en", "en/news", "en/news/index.html"]);
        assert!(checked.exact);
    }

    /// A record that names a file behind a link in the output (edited by hand, or of an
    /// output where a folder became a link) never leads a build to a file outside it.
    #[test]
    fn a_record_cannot_lead_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let outside = dir.path().join("outside");
        fs::create_dir_all(&output).unwrap();
        fs::create_dir_all(outside.join("sub")).unwrap();
        fs::write(outside.join("precious"), "keep").unwrap();
        std::os::unix::fs::symlink("../outside", output.join("link")).unwrap();
        let stamp = |path: &Path| Stamp::of(&fs::symlink_metadata(path).unwrap());
        let precious = stamp(&outside.join("precious"));
        // The link itself is recorded as a folder, with the stamp of the folder it leads to:
        // only a look that does not follow it tells that it is no folder of the output.
        let text = |root: Option<Stamp>| {
            let mut text = head_of(folder_identity(&output), root);
            text.push_str("d ");
            push_stamp(&mut text, stamp(&outside));
            text.push_str(" link\nd ");
            push_stamp(&mut text, stamp(&outside.join("sub")));
            text.push_str(" link/sub\nf ");
            push_stamp(&mut text, precious);
            let _ = write!(text, " {:032x} link/precious\nend 3\n", digest(b"keep"));
            text
        };
        let record = OutputRecord::parse(&text(stamp(&output))).unwrap();
        let checked = record.check(&output).unwrap();
        assert!(checked.entries.is_empty(), "{:?}", checked.entries);
        fs::write(record_path(&output), text(stamp(&output))).unwrap();
        crate::write::write_site(&crate::render::RenderedSite::default(), &output).unwrap();
        assert_eq!(
            fs::read_to_string(outside.join("precious")).unwrap(),
            "keep"
        );
        assert!(outside.join("sub").is_dir());

        // Nor does it lead the build to write through one: a record that vouches for the
        // output folder, which now holds a link where a page's folder goes.
        std::os::unix::fs::symlink("../outside", output.join("en")).unwrap();
        std::thread::sleep(RACY_WINDOW + Duration::from_millis(50));
        let mut text = head_of(folder_identity(&output), stamp(&output));
        text.push_str("end 0\n");
        fs::write(record_path(&output), text).unwrap();
        let page = |path: &str| crate::render::OutputFile {
            path: path.to_string(),
            contents: crate::render::OutputContents::Bytes(std::sync::Arc::new(b"page".to_vec())),
        };
        let site = crate::render::RenderedSite {
            files: vec![page("en/index.html"), page("en/news/index.html")],
            ..Default::default()
        };
        crate::write::write_site(&site, &output).unwrap();
        assert!(!outside.join("index.html").exists());
        assert!(!outside.join("news").exists());
        assert!(fs::symlink_metadata(output.join("en")).unwrap().is_dir());
        assert_eq!(
            fs::read_to_string(output.join("en/index.html")).unwrap(),
            "page"
        );
    }
}
