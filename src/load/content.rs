//! Finding the content files of a site and reading each into a [`ContentFile`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use super::front_matter::{FrontMatter, SplitError, split_front_matter};
use super::{Section, decode_str, is_editor_leftover};
use crate::config::{SiteConfig, is_language_code};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, did_you_mean_hint};
use crate::yaml::{line_of_key, yaml_diagnostic};

/// One Markdown file of `content/`, read and with its front matter parsed.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Site-relative path, as shown to editors: `content/news/kick-off.es.md`.
    pub path: PathBuf,
    pub source: Arc<str>,
    pub section: Section,
    /// The file's path under `content/` without language suffix and extension:
    /// `news/kick-off`; for a bundle, its folder: `news/kick-off`.
    pub key: String,
    pub lang: String,
    /// The bundle folder (absolute) when the file is a bundle's `index.<lang>.md`.
    pub bundle_dir: Option<PathBuf>,
    pub front_matter: FrontMatter,
    pub front_matter_text_line: usize,
    pub body_offset: usize,
}

impl ContentFile {
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// The key's last segment: the default slug.
    pub fn stem(&self) -> &str {
        self.key.rsplit('/').next().unwrap_or(&self.key)
    }

    /// The file line of a front matter key, or the first front matter line.
    pub fn line_of(&self, key: &str) -> usize {
        let fm_end = self.body_offset.min(self.source.len());
        line_of_key(&self.source[..fm_end], key).unwrap_or(1)
    }

    pub fn location_of(&self, key: &str) -> Location {
        Location::at(&self.path, self.line_of(key), 1)
    }

    /// The line of `value` within the entry of `key` (a partner slug in a list).
    pub fn location_of_value(&self, key: &str, value: &str) -> Location {
        let fm_end = self.body_offset.min(self.source.len());
        let line = crate::yaml::line_of_value(&self.source[..fm_end], key, value).unwrap_or(1);
        let column = self
            .source
            .lines()
            .nth(line - 1)
            .and_then(|l| l.find(value))
            .map_or(1, |c| c + 1);
        Location::at(&self.path, line, column)
    }

    pub fn error(&self, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(location, message).with_source(self.source.clone())
    }

    pub fn warning(&self, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(location, message).with_source(self.source.clone())
    }
}

/// Content files of earlier loads, by path, with the modification time and size they had, so
/// that `serve` re-reads only the files that changed.
#[derive(Default)]
pub struct ContentCache {
    /// Whether to keep what was read for a next load (a one-shot build keeps nothing).
    pub keep: bool,
    files: HashMap<PathBuf, CachedFile>,
    /// The configuration they were read with (languages decide how file names are read).
    config: Option<Arc<str>>,
}

struct CachedFile {
    stamp: (Option<std::time::SystemTime>, u64),
    file: Arc<ContentFile>,
}

impl ContentCache {
    pub fn new() -> ContentCache {
        ContentCache::default()
    }

    /// Drops everything when the configuration changed.
    pub fn check_config(&mut self, config_source: &Arc<str>) {
        if self.config.as_deref() != Some(&**config_source) {
            self.files.clear();
            self.config = Some(config_source.clone());
        }
    }

    /// Records `file`, read from `path` just now, as the current version of that path.
    pub fn update(&mut self, path: PathBuf, file: Arc<ContentFile>) {
        let stamp = std::fs::metadata(&path)
            .ok()
            .map(|m| (m.modified().ok(), m.len()));
        if let Some(stamp) = stamp {
            self.files.insert(path, CachedFile { stamp, file });
        }
    }

    /// Forgets `paths`, so that they are read again even if their time stamps look the same.
    pub fn forget(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.files.remove(path);
        }
    }
}

/// A file that lives in a bundle beside its `index.<lang>.md` (an image, a PDF).
#[derive(Debug, Clone)]
pub struct BundleAsset {
    /// The key of the bundle it belongs to.
    pub key: String,
    /// Its path inside the bundle folder, with `/` separators.
    pub name: String,
    pub path: PathBuf,
}

/// Where a Markdown file sits: which item, which language.
struct ContentPath {
    section: Section,
    key: String,
    lang: String,
    bundle: bool,
}

/// Reads every content file under `root/content`; problems go to `diagnostics`.
pub fn load_content(
    root: &Path,
    config: &SiteConfig,
    diagnostics: &mut Diagnostics,
    cache: &mut ContentCache,
) -> (Vec<Arc<ContentFile>>, Vec<BundleAsset>) {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        return (Vec::new(), Vec::new());
    }
    let mut markdown = Vec::new();
    let mut others = Vec::new();
    // Sorted after the walk, not by it: walkdir's sort takes each name out of its path at
    // every comparison (0.9% of a 10 000 × 3 build's CPU time, in the serial walk).
    for entry in WalkDir::new(&content_dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_leftover(e.file_name()))
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| p.to_path_buf())
                    .unwrap_or(content_dir.clone());
                diagnostics.push(Diagnostic::error(
                    Location::file(crate::diagnostics::display_path(root, &path)),
                    format!("cannot read this folder: {err}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        // Time stamps only serve a next load.
        let stamp = if cache.keep {
            entry.metadata().ok().map(|m| (m.modified().ok(), m.len()))
        } else {
            None
        };
        let path = entry.into_path();
        if path.extension().is_some_and(|e| e == "md") {
            markdown.push((path, stamp));
        } else {
            others.push(path);
        }
    }

    let markdown = in_walk_order(markdown, &content_dir, |(path, _)| path);
    let others = in_walk_order(others, &content_dir, |path| path);

    // Files unchanged since the last load of this cache are handed on as they are.
    let results: Vec<Result<Arc<ContentFile>, Vec<Diagnostic>>> = markdown
        .par_iter()
        .map(|(path, stamp)| match (cache.files.get(path), stamp) {
            (Some(cached), Some(stamp)) if cached.stamp == *stamp => Ok(cached.file.clone()),
            _ => read_content_file(root, &content_dir, path, config).map(Arc::new),
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut cached = HashMap::with_capacity(results.len());
    for ((path, stamp), result) in markdown.into_iter().zip(results) {
        match result {
            Ok(file) => {
                if let Some(stamp) = stamp.filter(|_| cache.keep) {
                    cached.insert(
                        path,
                        CachedFile {
                            stamp,
                            file: file.clone(),
                        },
                    );
                }
                files.push(file);
            }
            Err(problems) => diagnostics.extend(problems),
        }
    }
    cache.files = cached;

    // Bundle folders by path, so that finding a file's bundle does not scan every item.
    let bundles: std::collections::HashMap<&Path, &ContentFile> = files
        .iter()
        .filter_map(|f| f.bundle_dir.as_deref().map(|dir| (dir, f.as_ref())))
        .collect();
    let mut assets = Vec::new();
    for path in others {
        let rel = crate::diagnostics::display_path(root, &path);
        let bundle = path
            .ancestors()
            .skip(1)
            .take_while(|dir| dir.starts_with(&content_dir))
            .find_map(|dir| bundles.get(dir).map(|file| (dir, *file)));
        match bundle {
            Some((dir, file)) => {
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                assets.push(BundleAsset {
                    key: file.key.clone(),
                    name,
                    path,
                });
            }
            None => diagnostics.push(
                Diagnostic::warning(
                    Location::file(rel),
                    "this file is not part of a bundle, so it is not published",
                )
                .with_hint(
                    "put files the whole site uses into `static/`, or make a bundle: a folder with an `index.<lang>.md` beside the file",
                ),
            ),
        }
    }
    (files, assets)
}

/// What the path of `file` holds now, read once: the file with its new text, and whether its
/// front matter changed. When the text up to the end of the front matter is as it was, so is
/// everything read from the front matter, and nothing is parsed again. `None` when the path
/// holds no valid content file any more (a full load tells why).
pub fn read_again(
    root: &Path,
    file: &ContentFile,
    config: &SiteConfig,
) -> Option<(ContentFile, bool)> {
    let path = root.join(&file.path);
    let bytes = std::fs::read(&path).ok()?;
    let text = decode_str(&bytes, &file.path).ok()?;
    let front_matter = &file.source[..file.body_offset];
    // Where the closing `---` ends the file, text typed after it may make it no fence any more.
    let fenced = file.body_offset > 0 && front_matter.ends_with('\n');
    if fenced && text.get(..file.body_offset) == Some(front_matter) {
        let file = ContentFile {
            source: Arc::from(text),
            ..file.clone()
        };
        return Some((file, false));
    }
    let content_path = classify(&root.join("content"), &path, config).ok()?;
    let file = parse_content_file(file.path.clone(), content_path, &path, Arc::from(text)).ok()?;
    Some((file, true))
}

/// `entries` in the order of a walk that visits each folder's entries by name: their paths
/// compared component by component, as `Path`'s order does, with each path taken apart once
/// (comparing `Path`s takes both apart again, past their common start, at every comparison:
/// at 1 000 × 3 that cost as much as walkdir's sort).
fn in_walk_order<T>(entries: Vec<T>, dir: &Path, path: impl Fn(&T) -> &PathBuf) -> Vec<T> {
    let mut keys: Vec<(Vec<std::path::Component<'_>>, usize)> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| {
            let path = path(entry);
            (
                path.strip_prefix(dir)
                    .unwrap_or(path)
                    .components()
                    .collect(),
                at,
            )
        })
        .collect();
    keys.sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|(_, at)| at).collect();
    let mut entries: Vec<Option<T>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|at| entries[at].take())
        .collect()
}

fn read_content_file(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    config: &SiteConfig,
) -> Result<ContentFile, Vec<Diagnostic>> {
    let rel = crate::diagnostics::display_path(root, path);
    let content_path = classify(content_dir, path, config).map_err(|(message, hint)| {
        vec![Diagnostic::error(Location::file(&rel), message).with_hint_opt(hint)]
    })?;
    thread_local! {
        // The text is copied into its `Arc<str>` anyway: read into one buffer per thread.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|bytes| {
        let length = read_whole(path, bytes).map_err(|err| {
            vec![Diagnostic::error(
                Location::file(&rel),
                format!("cannot read this file: {err}"),
            )]
        })?;
        let text = decode_str(&bytes[..length], &rel).map_err(|d| vec![d])?;
        let source = Arc::from(text);
        parse_content_file(rel, content_path, path, source)
    })
}

/// Reads the file at `path` into `buffer`; returns how many bytes it holds. Unlike `fs::read`,
/// asks the system for no size first (a `statx` was one of the five system calls per file):
/// the buffer, kept from file to file, is zeroed only when it grows, and keeps the size of the
/// largest file its thread read.
fn read_whole(path: &Path, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    const GROWTH: usize = 64 * 1024;
    let mut file = std::fs::File::open(path)?;
    let mut filled = 0;
    loop {
        if buffer.len() - filled < GROWTH / 4 {
            buffer.resize(buffer.len() + GROWTH.max(buffer.len()), 0);
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// The content file at `path` (`rel` from the site's root) whose text is `source`.
fn parse_content_file(
    rel: PathBuf,
    content_path: ContentPath,
    path: &Path,
    source: Arc<str>,
) -> Result<ContentFile, Vec<Diagnostic>> {
    let doc = split_front_matter(&source).map_err(|err| {
        let (message, hint) = match err {
            SplitError::NoOpening => (
                "the file does not start with front matter",
                "begin the file with a line `---`, then `title: …` and the other keys, then another `---` line",
            ),
            SplitError::NoClosing => (
                "the front matter is not closed",
                "add a line `---` after the last key of the front matter",
            ),
        };
        vec![Diagnostic::error(Location::at(&rel, 1, 1), message)
            .with_hint(hint)
            .with_source(source.clone())]
    })?;
    let front_matter: FrontMatter = if doc.front_matter.trim().is_empty() {
        return Err(vec![
            Diagnostic::error(
                Location::at(&rel, 1, 1),
                "the front matter is empty: the required key `title` is missing",
            )
            .with_hint("add a line `title: …` between the `---` lines")
            .with_source(source.clone()),
        ]);
    } else if let Some(front_matter) = super::plain_front_matter::read(doc.front_matter) {
        front_matter
    } else {
        serde_yaml::from_str(doc.front_matter).map_err(|err| {
            vec![yaml_diagnostic(
                &err,
                &rel,
                &source,
                doc.front_matter_line - 1,
            )]
        })?
    };
    let body_offset = doc.body_offset;
    let front_matter_text_line = doc.front_matter_line;
    let bundle_dir = content_path
        .bundle
        .then(|| path.parent().map(Path::to_path_buf))
        .flatten();
    let file = ContentFile {
        path: rel,
        source,
        section: content_path.section,
        key: content_path.key,
        lang: content_path.lang,
        bundle_dir,
        front_matter,
        front_matter_text_line,
        body_offset,
    };
    let problems = check_front_matter(&file);
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}

/// Checks that need the section: required keys, keys of other sections.
fn check_front_matter(file: &ContentFile) -> Vec<Diagnostic> {
    let fm = &file.front_matter;
    let mut problems = Vec::new();
    if fm.title.trim().is_empty() {
        problems.push(
            file.error(file.location_of("title"), "the title is empty")
                .with_hint("write the item's title after `title:`"),
        );
    }
    if matches!(file.section, Section::News | Section::Meetings) && fm.date.is_none() {
        problems.push(
            file.error(
                Location::at(&file.path, 1, 1),
                format!(
                    "the required key `date` is missing ({} need a date)",
                    file.section.folder()
                ),
            )
            .with_hint("add a line `date: 2024-05-31` to the front matter"),
        );
    }
    for key in fm.misplaced_keys(file.section) {
        problems.push(
            file.error(
                file.location_of(key),
                format!("`{key}` is not a key of {} items", file.section.folder()),
            )
            .with_hint("remove it, or move the file to the section it belongs to"),
        );
    }
    if let Some(tz) = &fm.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        problems.push(
            file.error(
                file.location_of("timezone"),
                format!("`{tz}` is not a time zone"),
            )
            .with_hint("write an IANA time zone name such as `Europe/Madrid` or `UTC`"),
        );
    }
    if let Some(slug) = &fm.slug
        && (slug.is_empty() || slug.contains(['/', '\\', '?', '#', ' ']) || slug.starts_with('.'))
    {
        problems.push(
            file.error(
                file.location_of("slug"),
                format!("`{slug}` cannot be used as a slug"),
            )
            .with_hint(format!(
                "use lowercase letters, digits and hyphens, e.g. `{}`",
                slug::slugify(slug)
            )),
        );
    }
    problems
}

/// Works out section, key and language from where the file sits under `content/`.
fn classify(
    content_dir: &Path,
    path: &Path,
    config: &SiteConfig,
) -> Result<ContentPath, (String, Option<String>)> {
    let rel = path.strip_prefix(content_dir).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.len() < 2 {
        return Err((
            "content files belong in a section folder".into(),
            Some(format!(
                "move it into one of {}",
                Section::FOLDERS
                    .map(|f| format!("`content/{f}/`"))
                    .join(", ")
            )),
        ));
    }
    let section = Section::from_folder(&parts[0]).ok_or_else(|| {
        (
            format!("`{}` is not a section herald knows", parts[0]),
            did_you_mean_hint(&parts[0], Section::FOLDERS.iter().copied()).or_else(|| {
                Some(format!(
                    "the sections are {}",
                    Section::FOLDERS.map(|f| format!("`{f}`")).join(", ")
                ))
            }),
        )
    })?;
    let file_name = parts.last().map(String::as_str).unwrap_or_default();
    let stem = file_name.strip_suffix(".md").unwrap_or(file_name);
    let (stem, lang) = match stem.rsplit_once('.') {
        Some((name, suffix)) if config.languages.contains_key(suffix) => (name, suffix.to_string()),
        Some((_, suffix)) if is_language_code(suffix) => {
            let codes: Vec<&str> = config.languages.keys().map(String::as_str).collect();
            return Err((
                format!(
                    "`{suffix}` in the file name is not one of the site's languages ({})",
                    codes.join(", ")
                ),
                did_you_mean_hint(suffix, codes.iter().copied()).or_else(|| {
                    Some(format!(
                        "add `{suffix}` to `languages` in site.yaml, or rename the file"
                    ))
                }),
            ));
        }
        _ => (stem, config.default_language.clone()),
    };
    let dirs = &parts[..parts.len() - 1];
    let (key, bundle) = if stem == "index" && dirs.len() >= 2 {
        (dirs.join("/"), true)
    } else {
        let mut key = dirs.join("/");
        key.push('/');
        key.push_str(stem);
        (key, false)
    };
    Ok(ContentPath {
        section,
        key,
        lang,
        bundle,
    })
}

#[cfg(test)]
mod tests {
    use super::{in_walk_order, read_whole};
    use walkdir::WalkDir;

    /// One buffer for files larger than its first size and then smaller ones: each read
    /// returns exactly that file's bytes, whatever the buffer held before.
    #[test]
    fn one_buffer_reads_each_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let large: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let files: [&[u8]; 4] = [b"small", &large, b"", b"after the large one"];
        let mut buffer = Vec::new();
        for (n, bytes) in files.iter().enumerate() {
            let path = dir.path().join(format!("{n}.md"));
            std::fs::write(&path, bytes).unwrap();
            let length = read_whole(&path, &mut buffer).unwrap();
            assert_eq!(&buffer[..length], *bytes, "file {n}");
        }
        assert!(read_whole(&dir.path().join("missing.md"), &mut buffer).is_err());
    }

    /// Names where the order of whole paths and the order of a walk by names part: `a/…`
    /// comes before `a-b` and `a.b` in a walk, though `/` sorts after `-` and `.` as a byte.
    #[test]
    fn files_come_in_the_order_of_a_walk_sorted_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "a/x.md", "a/b/y.md", "a-b/z.md", "a.b/w.md", "a.md", "B.md", "b/a.md", "é.md",
            "e/é.md", "ab.md",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let files = |walk: WalkDir| -> Vec<_> {
            walk.into_iter()
                .map(Result::unwrap)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .collect()
        };
        let walked = files(WalkDir::new(dir.path()).sort_by_file_name());
        let mut shuffled = files(WalkDir::new(dir.path()));
        shuffled.reverse();
        assert_eq!(in_walk_order(shuffled, dir.path(), |p| p), walked);
        assert_eq!(walked.len(), 10);
    }
}
