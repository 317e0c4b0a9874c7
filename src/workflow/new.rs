//! `herald new`: a content file with the right name and front matter, from its type's
//! archetype.
//!
//! The archetype is the site's `archetypes/<type>.md`, else the theme's
//! `themes/<theme>/archetypes/<type>.md`, else the one built into herald. Archetypes are plain
//! text with four placeholders: `{{title}}`, `{{date}}` (YYYY-MM-DD), `{{slug}}` and `{{lang}}`.
//! In the front matter `{{title}}` becomes a quoted YAML text (inside quotes the archetype
//! wrote, it is escaped for them), so that any title is valid YAML; in the body it is the title
//! as typed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use super::{CommandError, write_new_file};
use crate::config::{LoadedConfig, load_config};
use crate::diagnostics::{Diagnostic, Location, did_you_mean_hint};
use crate::load::front_matter::split_front_matter;
use crate::load::{FrontMatter, Section, decode_text};

/// The content types `herald new` creates, named as editors say them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ContentType {
    News,
    Meeting,
    Partner,
    Page,
}

impl ContentType {
    pub fn section(self) -> Section {
        match self {
            ContentType::News => Section::News,
            ContentType::Meeting => Section::Meetings,
            ContentType::Partner => Section::Partners,
            ContentType::Page => Section::Pages,
        }
    }

    /// The archetype's file name: `meeting.md`.
    pub fn archetype_file(self) -> &'static str {
        match self {
            ContentType::News => "news.md",
            ContentType::Meeting => "meeting.md",
            ContentType::Partner => "partner.md",
            ContentType::Page => "page.md",
        }
    }

    fn built_in_archetype(self) -> &'static str {
        match self {
            ContentType::News => include_str!("archetypes/news.md"),
            ContentType::Meeting => include_str!("archetypes/meeting.md"),
            ContentType::Partner => include_str!("archetypes/partner.md"),
            ContentType::Page => include_str!("archetypes/page.md"),
        }
    }
}

/// What `herald new` is asked for.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: ContentType,
    pub title: String,
    /// The site's default language when not given.
    pub lang: Option<String>,
    /// Today when not given.
    pub date: Option<NaiveDate>,
}

/// What `herald new` created.
#[derive(Debug, Clone)]
pub struct CreatedItem {
    /// Relative to the site's root: `content/news/reunion-en-bruselas.es.md`.
    pub path: PathBuf,
    /// Where the archetype came from, as shown in messages.
    pub archetype: String,
    /// Files of other languages that share the name: the new file is their translation.
    pub translation_of: Vec<PathBuf>,
}

/// A URL slug for `title`: ASCII letters, digits and hyphens. Accents and other scripts are
/// transliterated (by the `slug` crate); Greek the way Greeks and the EU write their names in
/// Latin letters (ELOT 743, simplified: `Συνάντηση` → `synantisi`, where the crate would give
/// `sunantese`); the Catalan `l·l` stays one word (`col·legi` → `collegi`).
pub fn slug_of_title(title: &str) -> String {
    let joined = greek_to_latin(title)
        .replace("l·l", "ll")
        .replace("L·L", "LL")
        .replace("L·l", "Ll")
        .replace("l\u{2027}l", "ll")
        .replace("L\u{2027}L", "LL")
        .replace('\u{0140}', "l")
        .replace('\u{013F}', "L");
    slug::slugify(joined)
}

/// Greek letters in Latin ones after ELOT 743, without its rules for `αυ`/`ευ` before voiceless
/// consonants (`av`, `ev` throughout) and for `μπ`/`ντ` (kept `mp`, `nt`).
fn greek_to_latin(text: &str) -> String {
    if !text.chars().any(|c| ('\u{0370}'..='\u{03FF}').contains(&c)) {
        return text.to_string();
    }
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let pair = match (c, next) {
            ('ο' | 'ό', Some('υ' | 'ύ')) => Some("ou"),
            ('α' | 'ά', Some('υ' | 'ύ')) => Some("av"),
            ('ε' | 'έ', Some('υ' | 'ύ')) => Some("ev"),
            ('γ', Some('γ')) => Some("ng"),
            _ => None,
        };
        if let Some(pair) = pair {
            out.push_str(pair);
            chars.next();
            continue;
        }
        let latin = match c {
            'α' | 'ά' => "a",
            'β' => "v",
            'γ' => "g",
            'δ' => "d",
            'ε' | 'έ' => "e",
            'ζ' => "z",
            'η' | 'ή' => "i",
            'θ' => "th",
            'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
            'κ' => "k",
            'λ' => "l",
            'μ' => "m",
            'ν' => "n",
            'ξ' => "x",
            'ο' | 'ό' => "o",
            'π' => "p",
            'ρ' => "r",
            'σ' | 'ς' => "s",
            'τ' => "t",
            'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
            'φ' => "f",
            'χ' => "ch",
            'ψ' => "ps",
            'ω' | 'ώ' => "o",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(latin);
    }
    out
}

/// Creates the file for `request` in the site at `root`.
pub fn create_item(root: &Path, request: &NewItem) -> Result<CreatedItem, CommandError> {
    let title = request
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        return Err(CommandError::Usage("the title is empty".into()));
    }
    let loaded =
        load_config(root).map_err(|problems| CommandError::Site(problems.into_iter().collect()))?;
    let config = &loaded.config;
    let lang = request
        .lang
        .clone()
        .unwrap_or_else(|| config.default_language.clone());
    if !config.languages.contains_key(&lang) {
        let codes: Vec<&str> = config.languages.keys().map(String::as_str).collect();
        let mut message = format!(
            "`{lang}` is not one of the site's languages ({})",
            codes.join(", ")
        );
        if let Some(hint) = did_you_mean_hint(&lang, codes.iter().copied()) {
            message.push_str("; ");
            message.push_str(&hint);
        }
        return Err(CommandError::Usage(message));
    }
    let slug = slug_of_title(&title);
    if slug.is_empty() {
        return Err(CommandError::Usage(format!(
            "`{title}` has no letters or digits to make a file name of"
        )));
    }
    let section = request.kind.section();
    let folder = PathBuf::from("content").join(section.folder());
    let path = folder.join(format!("{slug}.{lang}.md"));
    check_free(root, &loaded, &folder, &slug, &lang)?;

    let (archetype_origin, archetype) = archetype(root, &loaded, request.kind)?;
    let date = request
        .date
        .unwrap_or_else(|| chrono::Local::now().date_naive())
        .format("%Y-%m-%d")
        .to_string();
    let placeholders = Placeholders {
        title: &title,
        date: &date,
        slug: &slug,
        lang: &lang,
    };
    let text = expand(&archetype, &placeholders).ok_or_else(|| {
        archetype_error(
            &archetype_origin,
            &archetype,
            "it does not start with front matter between `---` lines",
        )
    })?;
    check_front_matter(&text, section).map_err(|reason| {
        archetype_error(
            &archetype_origin,
            &archetype,
            &format!("with the title filled in, {reason}"),
        )
    })?;
    write_new_file(&root.join(&path), &text).map_err(|err| {
        let message = if err.kind() == std::io::ErrorKind::AlreadyExists {
            "this file exists already; herald never overwrites a file".to_string()
        } else {
            format!("cannot write this file: {err}")
        };
        CommandError::one(Diagnostic::error(Location::file(&path), message))
    })?;
    let translation_of = same_item_in_other_languages(root, &loaded, &folder, &slug, &lang);
    Ok(CreatedItem {
        path,
        archetype: archetype_origin,
        translation_of,
    })
}

/// Refuses when a file for this item and language exists: `<slug>.<lang>.md`, a bundle
/// `<slug>/index.<lang>.md`, or the same without the suffix in the default language.
fn check_free(
    root: &Path,
    loaded: &LoadedConfig,
    folder: &Path,
    slug: &str,
    lang: &str,
) -> Result<(), CommandError> {
    let mut candidates = vec![
        folder.join(format!("{slug}.{lang}.md")),
        folder.join(slug).join(format!("index.{lang}.md")),
    ];
    if lang == loaded.config.default_language {
        candidates.push(folder.join(format!("{slug}.md")));
        candidates.push(folder.join(slug).join("index.md"));
    }
    match candidates.iter().find(|c| root.join(c).exists()) {
        Some(existing) => Err(CommandError::one(
            Diagnostic::error(
                Location::file(existing),
                format!("there is already a file for `{slug}` in `{lang}`; herald never overwrites a file"),
            )
            .with_hint("choose another title, or open this file to edit it"),
        )),
        None => Ok(()),
    }
}

fn same_item_in_other_languages(
    root: &Path,
    loaded: &LoadedConfig,
    folder: &Path,
    slug: &str,
    lang: &str,
) -> Vec<PathBuf> {
    let mut names: Vec<String> = loaded
        .config
        .languages
        .keys()
        .filter(|other| *other != lang)
        .map(|other| format!("{slug}.{other}.md"))
        .collect();
    if lang != loaded.config.default_language {
        names.push(format!("{slug}.md"));
    }
    names
        .iter()
        .map(|name| folder.join(name))
        .filter(|path| root.join(path).is_file())
        .collect()
}

/// The archetype for `kind`, and where it comes from.
fn archetype(
    root: &Path,
    loaded: &LoadedConfig,
    kind: ContentType,
) -> Result<(String, String), CommandError> {
    let site = PathBuf::from("archetypes").join(kind.archetype_file());
    let theme = PathBuf::from("themes")
        .join(&loaded.config.theme)
        .join("archetypes")
        .join(kind.archetype_file());
    for candidate in [site, theme] {
        let full = root.join(&candidate);
        if !full.is_file() {
            continue;
        }
        let bytes = std::fs::read(&full).map_err(|err| {
            CommandError::one(Diagnostic::error(
                Location::file(&candidate),
                format!("cannot read this archetype: {err}"),
            ))
        })?;
        let text = decode_text(&bytes, &candidate).map_err(CommandError::one)?;
        return Ok((candidate.display().to_string(), text));
    }
    Ok((
        format!("(built-in archetype {})", kind.archetype_file()),
        kind.built_in_archetype().to_string(),
    ))
}

fn archetype_error(origin: &str, text: &str, reason: &str) -> CommandError {
    CommandError::one(
        Diagnostic::error(
            Location::at(origin, 1, 1),
            format!("this archetype does not make a valid content file: {reason}"),
        )
        .with_source(Arc::from(text))
        .with_hint("placeholders are {{title}}, {{date}}, {{slug}} and {{lang}}; {{title}} becomes a quoted text in front matter"),
    )
}

struct Placeholders<'a> {
    title: &'a str,
    date: &'a str,
    slug: &'a str,
    lang: &'a str,
}

/// The archetype with its placeholders filled in; `None` when it has no front matter.
fn expand(archetype: &str, values: &Placeholders) -> Option<String> {
    let document = split_front_matter(archetype).ok()?;
    let front_matter_end = document.body_offset;
    let head = &archetype[..front_matter_end];
    let escaped = yaml_double_quoted_content(values.title);
    let single_quoted = values.title.replace('\'', "''");
    let mut head = head.to_string();
    for name in ["{{title}}", "{{ title }}"] {
        head = head
            .replace(&format!("\"{name}\""), &format!("\"{escaped}\""))
            .replace(&format!("'{name}'"), &format!("'{single_quoted}'"))
            .replace(name, &format!("\"{escaped}\""));
    }
    let mut body = archetype[front_matter_end..].to_string();
    for name in ["{{title}}", "{{ title }}"] {
        body = body.replace(name, values.title);
    }
    let mut text = head + &body;
    for (names, value) in [
        (["{{date}}", "{{ date }}"], values.date),
        (["{{slug}}", "{{ slug }}"], values.slug),
        (["{{lang}}", "{{ lang }}"], values.lang),
    ] {
        for name in names {
            text = text.replace(name, value);
        }
    }
    Some(text)
}

/// `text` escaped for a YAML double-quoted scalar (without the quotes).
fn yaml_double_quoted_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// What a build checks of a new file's front matter that the archetype decides.
fn check_front_matter(text: &str, section: Section) -> Result<(), String> {
    let document =
        split_front_matter(text).map_err(|_| "the front matter is not closed".to_string())?;
    let front_matter: FrontMatter = serde_yaml::from_str(document.front_matter)
        .map_err(|err| format!("its front matter is not valid: {err}"))?;
    if matches!(section, Section::News | Section::Meetings) && front_matter.date.is_none() {
        return Err(format!("it has no `date`, which {} need", section.folder()));
    }
    let misplaced = front_matter.misplaced_keys(section);
    if !misplaced.is_empty() {
        return Err(format!(
            "it sets keys that {} items do not have: {}",
            section.folder(),
            misplaced.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_transliterate() {
        assert_eq!(slug_of_title("Reunión en Bruselas"), "reunion-en-bruselas");
        assert_eq!(
            slug_of_title("Reunió d'inici a Terrassa"),
            "reunio-d-inici-a-terrassa"
        );
        assert_eq!(
            slug_of_title("Col·legi d’Enginyers i intel·ligència"),
            "collegi-d-enginyers-i-intelligencia"
        );
        assert_eq!(slug_of_title("COL·LEGI"), "collegi");
        assert_eq!(slug_of_title("Встреча в Брюсселе"), "vstrecha-v-briussele");
        assert_eq!(
            slug_of_title("Συνάντηση στις Βρυξέλλες"),
            "synantisi-stis-vryxelles"
        );
        assert_eq!(slug_of_title("Święto Łodzi: 2025!"), "swieto-lodzi-2025");
        assert_eq!(
            slug_of_title("Ευρωπαϊκή συνεργασία"),
            "evropaiki-synergasia"
        );
        assert_eq!(slug_of_title("?!"), "");
    }

    #[test]
    fn titles_become_valid_yaml() {
        let values = Placeholders {
            title: "Meeting: \"the\" results \\ 'next' steps # 2",
            date: "2024-05-31",
            slug: "meeting",
            lang: "en",
        };
        let archetype = "---\ntitle: {{title}}\nsummary: \"{{title}}\"\nauthor: '{{ title }}'\ndate: {{date}}\n---\n# {{title}}\n";
        let text = expand(archetype, &values).unwrap();
        let document = split_front_matter(&text).unwrap();
        let front_matter: FrontMatter = serde_yaml::from_str(document.front_matter).unwrap();
        assert_eq!(front_matter.title, values.title);
        assert_eq!(front_matter.summary.as_deref(), Some(values.title));
        assert_eq!(front_matter.author.as_deref(), Some(values.title));
        assert_eq!(document.body, format!("# {}\n", values.title));
    }

    #[test]
    fn built_in_archetypes_make_valid_files() {
        for kind in [
            ContentType::News,
            ContentType::Meeting,
            ContentType::Partner,
            ContentType::Page,
        ] {
            let values = Placeholders {
                title: "A title: with a colon",
                date: "2024-05-31",
                slug: "a-title",
                lang: "en",
            };
            let text = expand(kind.built_in_archetype(), &values).unwrap();
            assert_eq!(
                check_front_matter(&text, kind.section()),
                Ok(()),
                "{kind:?}"
            );
        }
    }
}
