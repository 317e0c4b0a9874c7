//! `herald translate`: the stub of a translation, and `--refresh`, which records that a
//! translation caught up with its source.
//!
//! The stub sits next to its source with the target language's suffix. Its front matter is the
//! source's, line for line: the translatable entries ([`TRANSLATABLE_KEYS`]) carry a
//! `# TODO translate` comment, the others (dates, partners, links) stay as they are. The
//! source's `slug` becomes a comment, because a slug is words of one language (without one, the
//! translation's URL uses the file name); `aliases` are left out, because they are old URLs of
//! the source. The stub is a draft, so that untranslated text is not published by accident,
//! and records `translated_from: {lang, digest}` (see [`super::digest`]).

use std::path::{Path, PathBuf};

use super::digest::{TRANSLATABLE_KEYS, digest_of, translation_digest};
use super::front_matter_text::{Entry, entries_match_yaml, split_entries};
use super::status::translation_group_key;
use super::{CommandError, replace_file, site_relative, write_new_file};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, did_you_mean_hint};
use crate::load::front_matter::{TranslatedFrom, split_front_matter};
use crate::load::{ContentFile, FrontMatter, LoadedSite, load_site};

/// The comment that marks what a translator has to translate; `status` does not read it, so
/// editors may delete it as they go.
pub const TODO_MARK: &str = "TODO translate";

/// What `herald translate` created.
#[derive(Debug, Clone)]
pub struct CreatedTranslation {
    /// The new file, relative to the site's root.
    pub path: PathBuf,
    pub source: PathBuf,
    pub from: String,
    pub to: String,
}

/// What `herald translate --refresh` recorded.
#[derive(Debug, Clone)]
pub struct RefreshedTranslation {
    pub path: PathBuf,
    pub source: PathBuf,
    pub from: String,
    pub digest: String,
    /// Whether the file had to change (it was stale, or recorded no source).
    pub changed: bool,
    /// Lines that still carry the [`TODO_MARK`].
    pub todo_left: usize,
}

/// Creates the translation of the content file `source` into `to`.
pub fn translate(root: &Path, source: &Path, to: &str) -> Result<CreatedTranslation, CommandError> {
    let (site, diagnostics) = load_site(root);
    let Some(site) = site else {
        return Err(CommandError::Site(diagnostics));
    };
    let index = find_content_file(&site, &diagnostics, root, source)?;
    let file = &site.content[index];
    check_language(&site, to)?;
    if file.lang == to {
        return Err(CommandError::Usage(format!(
            "{} is already the `{to}` version; pass the language to translate into with --to",
            file.path.display()
        )));
    }
    let group = translation_group_key(file);
    if let Some(existing) = site
        .content
        .iter()
        .find(|other| other.lang == to && translation_group_key(other) == group)
    {
        return Err(CommandError::one(
            Diagnostic::error(
                Location::file(&existing.path),
                format!("this is already the `{to}` version of {}", file.path.display()),
            )
            .with_hint(format!(
                "to record that it is up to date with its source: herald translate --refresh {} --from {}",
                existing.path.display(),
                file.lang
            )),
        ));
    }
    let path = translation_path(file, to);
    if root.join(&path).exists() {
        return Err(CommandError::one(
            Diagnostic::error(
                Location::file(&path),
                "this file exists already; herald never overwrites a file",
            )
            .with_hint("fix the problems herald build reports for it, or delete it first"),
        ));
    }
    let digest = translation_digest(file);
    let text = translation_text(file, to, &digest).map_err(CommandError::one)?;
    write_new_file(&root.join(&path), &text).map_err(|err| {
        CommandError::one(Diagnostic::error(
            Location::file(&path),
            format!("cannot write this file: {err}"),
        ))
    })?;
    Ok(CreatedTranslation {
        path,
        source: file.path.clone(),
        from: file.lang.clone(),
        to: to.to_string(),
    })
}

/// Records in the translation `file` the digest its source has now, after a translator
/// brought it up to date. `from` names the source's language where the file records none.
pub fn refresh(
    root: &Path,
    file: &Path,
    from: Option<&str>,
) -> Result<RefreshedTranslation, CommandError> {
    let (site, diagnostics) = load_site(root);
    let Some(site) = site else {
        return Err(CommandError::Site(diagnostics));
    };
    let index = find_content_file(&site, &diagnostics, root, file)?;
    let translation = &site.content[index];
    let recorded = translation.front_matter.translated_from.as_ref();
    let from = match (from, recorded) {
        (Some(from), _) => from.to_string(),
        (None, Some(record)) => record.lang.clone(),
        (None, None) => {
            return Err(CommandError::Usage(format!(
                "{} does not record what it was translated from; name the source's language: herald translate --refresh {} --from {}",
                translation.path.display(),
                translation.path.display(),
                site.config.config.default_language
            )));
        }
    };
    check_language(&site, &from)?;
    if from == translation.lang {
        return Err(CommandError::Usage(format!(
            "{} is the `{from}` version itself; --from names the language it was translated from",
            translation.path.display()
        )));
    }
    let group = translation_group_key(translation);
    let Some(source) = site
        .content
        .iter()
        .find(|other| other.lang == from && translation_group_key(other) == group)
    else {
        return Err(CommandError::one(
            translation
                .error(
                    translation.location_of("translated_from"),
                    format!("there is no `{from}` version of this item to compare it with"),
                )
                .with_hint(
                    "restore the source, or name another language with --from; a translation that stands alone can drop its `translated_from` line",
                ),
        ));
    };
    let digest = translation_digest(source);
    let todo_left = translation
        .source
        .lines()
        .filter(|line| line.contains(TODO_MARK))
        .count();
    let record = TranslatedFrom {
        lang: from.clone(),
        digest: digest.clone(),
    };
    let changed = recorded != Some(&record);
    if changed {
        let text = with_translated_from(translation, &record).map_err(CommandError::one)?;
        replace_file(&root.join(&translation.path), &text).map_err(|err| {
            CommandError::one(Diagnostic::error(
                Location::file(&translation.path),
                format!("cannot write this file: {err}"),
            ))
        })?;
    }
    Ok(RefreshedTranslation {
        path: translation.path.clone(),
        source: source.path.clone(),
        from,
        digest,
        changed,
        todo_left,
    })
}

/// The loaded file that `given` names; its own load errors when it has some.
fn find_content_file(
    site: &LoadedSite,
    diagnostics: &Diagnostics,
    root: &Path,
    given: &Path,
) -> Result<usize, CommandError> {
    let Some(path) = site_relative(root, given) else {
        return Err(CommandError::Usage(format!(
            "there is no file {} in the site",
            given.display()
        )));
    };
    if let Some(index) = site.content.iter().position(|f| f.path == path) {
        return Ok(index);
    }
    let own: Diagnostics = diagnostics
        .iter()
        .filter(|d| d.location.file == path)
        .cloned()
        .collect();
    if own.has_errors() {
        return Err(CommandError::Site(own));
    }
    Err(CommandError::Usage(format!(
        "{} is not a content file (those are the .md files under content/)",
        path.display()
    )))
}

fn check_language(site: &LoadedSite, lang: &str) -> Result<(), CommandError> {
    let languages = &site.config.config.languages;
    if languages.contains_key(lang) {
        return Ok(());
    }
    let codes: Vec<&str> = languages.keys().map(String::as_str).collect();
    let mut message = format!(
        "`{lang}` is not one of the site's languages ({})",
        codes.join(", ")
    );
    if let Some(hint) = did_you_mean_hint(lang, codes.iter().copied()) {
        message.push_str("; ");
        message.push_str(&hint);
    }
    Err(CommandError::Usage(message))
}

/// `content/news/kick-off.es.md` for `content/news/kick-off.en.md` (or `kick-off.md`);
/// `index.es.md` beside a bundle's `index.en.md`.
fn translation_path(file: &ContentFile, to: &str) -> PathBuf {
    let name = if file.bundle_dir.is_some() {
        "index"
    } else {
        file.stem()
    };
    let folder = file.path.parent().unwrap_or(Path::new(""));
    folder.join(format!("{name}.{to}.md"))
}

/// One top-level front matter entry, owned: its key and its lines.
struct OwnedEntry {
    key: Option<String>,
    text: String,
}

/// The source's front matter entries, as written when they can be cut as text, else as YAML
/// writes them (a front matter given as one `{…}` mapping, say).
fn source_entries(front_matter: &str) -> Result<Vec<OwnedEntry>, String> {
    let entries = split_entries(front_matter);
    if entries_match_yaml(front_matter, &entries) {
        return Ok(entries
            .iter()
            .map(|e| OwnedEntry {
                key: e.key.clone(),
                text: with_line_end(e.text),
            })
            .collect());
    }
    let value: serde_yaml::Value = serde_yaml::from_str(front_matter).map_err(|e| e.to_string())?;
    let mapping = value
        .as_mapping()
        .ok_or_else(|| "the front matter is not a mapping".to_string())?;
    mapping
        .iter()
        .map(|(key, value)| {
            let mut single = serde_yaml::Mapping::new();
            single.insert(key.clone(), value.clone());
            let text = serde_yaml::to_string(&single).map_err(|e| e.to_string())?;
            Ok(OwnedEntry {
                key: key.as_str().map(str::to_string),
                text,
            })
        })
        .collect()
}

fn with_line_end(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// The comment that asks for `key` to be translated, when its value holds text.
fn todo_comment(key: &str, front_matter: &FrontMatter) -> Option<&'static str> {
    if !TRANSLATABLE_KEYS.contains(&key) {
        return None;
    }
    match key {
        "image" => front_matter
            .image
            .as_ref()
            .filter(|image| image.alt.is_some() || image.caption.is_some())
            .map(|_| "TODO translate alt and caption"),
        _ => Some(TODO_MARK),
    }
}

/// The text of the translation of `file` into `to`.
fn translation_text(file: &ContentFile, to: &str, digest: &str) -> Result<String, Diagnostic> {
    let cannot = |reason: String| {
        file.error(
            Location::at(&file.path, 1, 1),
            format!("cannot copy this file's front matter: {reason}"),
        )
    };
    let document = split_front_matter(&file.source)
        .map_err(|_| cannot("the `---` lines are missing".into()))?;
    let entries = source_entries(document.front_matter).map_err(cannot)?;
    let fm = &file.front_matter;
    let mut front_matter = String::new();
    for entry in &entries {
        let Some(key) = entry.key.as_deref() else {
            front_matter.push_str(&entry.text);
            continue;
        };
        match key {
            "slug" => {
                if let Some(slug) = &fm.slug {
                    front_matter.push_str(&format!(
                        "# slug: {slug}  # TODO a slug in `{to}`, or none: the URL then uses the file name\n"
                    ));
                }
            }
            "aliases" | "translated_from" | "draft" => {}
            _ => match todo_comment(key, fm) {
                Some(comment) => {
                    let borrowed = Entry {
                        key: Some(key.to_string()),
                        text: &entry.text,
                    };
                    match borrowed.with_comment_on_key_line(comment) {
                        Some(marked) => front_matter.push_str(&marked),
                        None => {
                            front_matter.push_str(&format!("# {comment}: `{key}` below\n"));
                            front_matter.push_str(&entry.text);
                        }
                    }
                }
                None => front_matter.push_str(&entry.text),
            },
        }
    }
    front_matter.push_str("draft: true  # TODO remove this line once the translation is done\n");
    front_matter.push_str(&translated_from_line(&TranslatedFrom {
        lang: file.lang.clone(),
        digest: digest.to_string(),
    }));
    let text = format!("---\n{front_matter}---\n{}", document.body);
    check_copy(&text, file, &file.lang, digest).map_err(cannot)?;
    Ok(text)
}

fn translated_from_line(record: &TranslatedFrom) -> String {
    format!(
        "translated_from: {{lang: \"{}\", digest: \"{}\"}}  # written by herald translate; `herald translate --refresh` updates it\n",
        record.lang, record.digest
    )
}

/// Checks that `text` reads back as a valid item of `file`'s section that records `from` and
/// `digest`, and whose translatable text is still the source's.
fn check_copy(text: &str, file: &ContentFile, from: &str, digest: &str) -> Result<(), String> {
    let document = split_front_matter(text).map_err(|_| "no front matter".to_string())?;
    let copy: FrontMatter =
        serde_yaml::from_str(document.front_matter).map_err(|e| e.to_string())?;
    let expected = TranslatedFrom {
        lang: from.to_string(),
        digest: digest.to_string(),
    };
    if copy.translated_from.as_ref() != Some(&expected) {
        return Err("`translated_from` does not read back".into());
    }
    if !copy.misplaced_keys(file.section).is_empty() {
        return Err("keys of another section".into());
    }
    if digest_of(&copy, document.body) != translation_digest(file) {
        return Err("the copied text differs from the source".into());
    }
    Ok(())
}

/// The text of `translation` with `record` as its `translated_from`, every other line as it was.
fn with_translated_from(
    translation: &ContentFile,
    record: &TranslatedFrom,
) -> Result<String, Diagnostic> {
    let line = translated_from_line(record);
    let cannot = || {
        translation
            .error(
                translation.location_of("translated_from"),
                "herald cannot rewrite this front matter safely",
            )
            .with_hint(format!(
                "write the line yourself: {}",
                line.split("  #").next().unwrap_or(&line)
            ))
    };
    let document = split_front_matter(&translation.source).map_err(|_| cannot())?;
    let entries = split_entries(document.front_matter);
    if !entries_match_yaml(document.front_matter, &entries) {
        return Err(cannot());
    }
    // The front matter starts below the opening `---` line.
    let front_matter_start = translation
        .source
        .split_inclusive('\n')
        .next()
        .map_or(0, str::len);
    let mut text = translation.source[..front_matter_start].to_string();
    let mut written = false;
    for entry in &entries {
        if entry.key.as_deref() == Some("translated_from") {
            text.push_str(&line);
            written = true;
        } else {
            text.push_str(&with_line_end(entry.text));
        }
    }
    if !written {
        text.push_str(&line);
    }
    text.push_str(&translation.source[front_matter_start + document.front_matter.len()..]);
    let reread = split_front_matter(&text).map_err(|_| cannot())?;
    let front_matter: FrontMatter =
        serde_yaml::from_str(reread.front_matter).map_err(|_| cannot())?;
    if front_matter.translated_from.as_ref() != Some(record) || reread.body != document.body {
        return Err(cannot());
    }
    Ok(text)
}
