//! **Load**: read `site.yaml`, the content files and the theme from disk.
//!
//! Boundary type: [`LoadedSite`]. This stage only reads and parses; it never decides URLs or
//! links items to each other (that is **resolve**).

mod content;
pub mod front_matter;
mod plain_front_matter;
mod theme;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use content::{BundleAsset, ContentCache, ContentFile, load_content, read_again};
pub use front_matter::FrontMatter;
pub use theme::{StaticFile, StaticSource, TemplateSource, Theme, UiStrings, load_theme};

use crate::config::{LoadedConfig, load_config};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, line_col};

/// The content types, one per folder under `content/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    News,
    Meetings,
    Partners,
    Pages,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::News,
        Section::Meetings,
        Section::Partners,
        Section::Pages,
    ];
    pub const FOLDERS: [&'static str; 4] = ["news", "meetings", "partners", "pages"];

    pub fn from_folder(folder: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.folder() == folder)
    }

    pub fn folder(self) -> &'static str {
        match self {
            Section::News => "news",
            Section::Meetings => "meetings",
            Section::Partners => "partners",
            Section::Pages => "pages",
        }
    }

    /// Sections with a list page; pages stand alone at `/<lang>/<slug>/`.
    pub fn has_list(self) -> bool {
        self != Section::Pages
    }
}

/// Everything read from disk, parsed but not yet linked together.
#[derive(Debug, Clone)]
pub struct LoadedSite {
    pub root: PathBuf,
    pub config: LoadedConfig,
    /// Shared, so that a rebuild hands unchanged files on without copying them.
    pub content: Vec<Arc<ContentFile>>,
    pub assets: Vec<BundleAsset>,
    pub theme: Theme,
}

/// Loads the site in `root`. Returns the diagnostics (errors and warnings) of this stage.
pub fn load_site(root: &Path) -> (Option<LoadedSite>, Diagnostics) {
    load_site_with(root, &mut ContentCache::new())
}

/// Loads the site in `root`, re-reading only the content files that changed since `cache` was
/// filled.
pub fn load_site_with(root: &Path, cache: &mut ContentCache) -> (Option<LoadedSite>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let config = match load_config(root) {
        Ok(config) => config,
        Err(problems) => {
            diagnostics.extend(problems);
            return (None, diagnostics);
        }
    };
    let (theme, (content, assets)) = {
        let mut theme_diagnostics = Diagnostics::new();
        let mut content_diagnostics = Diagnostics::new();
        let result = rayon::join(
            || load_theme(root, &config, &mut theme_diagnostics),
            || {
                cache.check_config(&config.source);
                load_content(root, &config.config, &mut content_diagnostics, cache)
            },
        );
        diagnostics.extend(theme_diagnostics);
        diagnostics.extend(content_diagnostics);
        result
    };
    let site = LoadedSite {
        root: root.to_path_buf(),
        config,
        content,
        assets,
        theme,
    };
    (Some(site), diagnostics)
}

/// UTF-8 text of a file, without a byte order mark; an error naming the line of the first
/// byte that is not UTF-8.
pub fn decode_text(bytes: &[u8], path: &Path) -> Result<String, Diagnostic> {
    decode_str(bytes, path).map(str::to_string)
}

/// [`decode_text`], borrowed from `bytes`: for text that is copied once more anyway (into an
/// `Arc<str>`), so that each content file is copied once, not twice.
pub fn decode_str<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The check with SIMD first: content in Catalan or Spanish is far from pure ASCII, where
    // the standard library's check slows down (a sixth of a 10 000-item build's load).
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => {
            let valid = String::from_utf8_lossy(&bytes[..err.valid_up_to()]);
            let (line, column) = line_col(&valid, valid.len());
            Err(Diagnostic::error(
                Location::at(path, line, column),
                "this file is not UTF-8 text",
            )
            .with_hint("save it as UTF-8 in your editor (\"Save with encoding\" → UTF-8)"))
        }
    }
}

/// Files editors and tools leave behind: swap, backup and lock files, hidden files.
pub fn is_editor_leftover(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_editor_leftovers() {
        for name in [
            ".kick-off.en.md.swp",
            "kick-off.en.md~",
            ".#kick-off.en.md",
            "#x#",
            ".DS_Store",
            "4913",
        ] {
            assert!(is_editor_leftover(OsStr::new(name)), "{name}");
        }
        assert!(!is_editor_leftover(OsStr::new("kick-off.en.md")));
    }

    #[test]
    fn decodes_bom_and_rejects_latin1() {
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFhi", Path::new("a")).unwrap(),
            "hi"
        );
        let err = decode_text(b"ok\nn\xF1o", Path::new("a.md")).unwrap_err();
        assert_eq!(err.location.line, 2);
    }
}
