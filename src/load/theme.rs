//! Templates, UI strings and static files of the theme, with the site's own overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use indexmap::IndexMap;
use walkdir::WalkDir;

use super::{decode_text, is_editor_leftover};
use crate::config::LoadedConfig;
use crate::diagnostics::{Diagnostic, Diagnostics, Location, did_you_mean_hint, display_path};
use crate::yaml::yaml_diagnostic;

/// The default theme, compiled into the binary for sites without a `themes/` folder.
static BUILT_IN_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// How a built-in file is shown in messages.
const BUILT_IN_PREFIX: &str = "(built-in theme)";

#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// The name templates use for it: `base.html`, `partials/card.html`.
    pub name: String,
    /// Where it comes from, as shown in messages.
    pub origin: PathBuf,
    pub text: Arc<str>,
}

#[derive(Debug, Clone)]
pub enum StaticSource {
    Disk(PathBuf),
    BuiltIn(&'static [u8]),
}

/// A file copied as is into the output, at `output_path` (relative, `/`-separated).
#[derive(Debug, Clone)]
pub struct StaticFile {
    pub output_path: String,
    pub source: StaticSource,
}

/// UI strings per language: `lang → key → text`.
pub type UiStrings = BTreeMap<String, IndexMap<String, String>>;

#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Vec<TemplateSource>,
    pub strings: UiStrings,
    pub static_files: Vec<StaticFile>,
}

/// Loads the theme named in the configuration, then the site's `templates/`, `i18n/` and
/// `static/`, which override it file by file (and key by key for UI strings).
pub fn load_theme(root: &Path, config: &LoadedConfig, diagnostics: &mut Diagnostics) -> Theme {
    let mut theme = Theme::default();
    let name = &config.config.theme;
    let themes_dir = root.join("themes");
    if themes_dir.is_dir() {
        let dir = themes_dir.join(name);
        if dir.is_dir() && !name.contains(['/', '\\']) && name != ".." {
            read_dir_layer(root, &dir, &mut theme, diagnostics);
        } else {
            let available: Vec<String> = std::fs::read_dir(&themes_dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.path().is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let hint = did_you_mean_hint(name, available.iter().map(String::as_str))
                .unwrap_or_else(|| {
                    if available.is_empty() {
                        "the `themes/` folder is empty; remove it to use the built-in default theme"
                            .to_string()
                    } else {
                        format!("the themes in `themes/` are: {}", available.join(", "))
                    }
                });
            diagnostics.push(
                Diagnostic::error(
                    config.location_of("theme"),
                    format!("the theme `{name}` is missing: there is no folder `themes/{name}/`"),
                )
                .with_hint(hint)
                .with_source(config.source.clone()),
            );
            return theme;
        }
    } else if name == "default" {
        read_built_in_layer(&mut theme, diagnostics);
    } else {
        diagnostics.push(
            Diagnostic::error(
                config.location_of("theme"),
                format!("the theme `{name}` is missing: this site has no `themes/` folder"),
            )
            .with_hint("put the theme into `themes/{name}/`, or write `theme: default` to use the built-in theme")
            .with_source(config.source.clone()),
        );
        return theme;
    }
    // The site's own files override the theme's.
    read_dir_layer(root, root, &mut theme, diagnostics);
    theme
}

fn read_dir_layer(root: &Path, dir: &Path, theme: &mut Theme, diagnostics: &mut Diagnostics) {
    for (rel, path) in files_under(&dir.join("templates")) {
        let origin = display_path(root, &path);
        match std::fs::read(&path)
            .map_err(|err| {
                Diagnostic::error(
                    Location::file(&origin),
                    format!("cannot read this template: {err}"),
                )
            })
            .and_then(|bytes| decode_text(&bytes, &origin))
        {
            Ok(text) => add_template(
                theme,
                TemplateSource {
                    name: rel,
                    origin,
                    text: Arc::from(text),
                },
            ),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    for (rel, path) in files_under(&dir.join("i18n")) {
        let Some(lang) = rel
            .strip_suffix(".yaml")
            .or_else(|| rel.strip_suffix(".yml"))
        else {
            continue;
        };
        let origin = display_path(root, &path);
        let text = std::fs::read(&path)
            .map_err(|err| {
                Diagnostic::error(
                    Location::file(&origin),
                    format!("cannot read this file: {err}"),
                )
            })
            .and_then(|bytes| decode_text(&bytes, &origin));
        match text {
            Ok(text) => add_strings(theme, lang, &origin, Arc::from(text), diagnostics),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    for (rel, path) in files_under(&dir.join("static")) {
        add_static(
            theme,
            StaticFile {
                output_path: rel,
                source: StaticSource::Disk(path),
            },
        );
    }
}

fn read_built_in_layer(theme: &mut Theme, diagnostics: &mut Diagnostics) {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
        out.extend(dir.files());
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&BUILT_IN_THEME, &mut files);
    for file in files {
        let path = file.path();
        let rel = path
            .components()
            .skip(1)
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let origin = Path::new(BUILT_IN_PREFIX).join(path);
        match path
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .as_deref()
        {
            Some("templates") => {
                let text = String::from_utf8_lossy(file.contents());
                add_template(
                    theme,
                    TemplateSource {
                        name: rel,
                        origin,
                        text: Arc::from(text.as_ref()),
                    },
                );
            }
            Some("i18n") => {
                if let Some(lang) = rel.strip_suffix(".yaml") {
                    let text = String::from_utf8_lossy(file.contents());
                    add_strings(theme, lang, &origin, Arc::from(text.as_ref()), diagnostics);
                }
            }
            Some("static") => add_static(
                theme,
                StaticFile {
                    output_path: rel,
                    source: StaticSource::BuiltIn(file.contents()),
                },
            ),
            _ => {}
        }
    }
}

fn add_template(theme: &mut Theme, template: TemplateSource) {
    theme.templates.retain(|t| t.name != template.name);
    theme.templates.push(template);
}

fn add_static(theme: &mut Theme, file: StaticFile) {
    theme
        .static_files
        .retain(|f| f.output_path != file.output_path);
    theme.static_files.push(file);
}

fn add_strings(
    theme: &mut Theme,
    lang: &str,
    origin: &Path,
    text: Arc<str>,
    diagnostics: &mut Diagnostics,
) {
    match serde_yaml::from_str::<Option<IndexMap<String, String>>>(&text) {
        Ok(strings) => theme
            .strings
            .entry(lang.to_string())
            .or_default()
            .extend(strings.unwrap_or_default()),
        Err(err) => diagnostics.push(yaml_diagnostic(&err, origin, &text, 0)),
    }
}

/// Files below `dir` as (relative `/`-separated path, absolute path), editor leftovers skipped.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_leftover(e.file_name()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (rel, e.into_path())
        })
        .collect()
}
