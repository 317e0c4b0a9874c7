//! The translation matrix: every item × every language of the site, `ok`, `missing`, `stale`
//! or `orphan`.
//!
//! It works on the loaded site, drafts included: a translation in progress is a translation.
//! Items are grouped the way resolve groups them (the file's key, or its section and
//! `translation_key`), so a row is one item of the built site.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::digest::translation_digest;
use crate::load::{ContentFile, LoadedSite, Section};

/// Where one item stands in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslationState {
    /// The file exists and is up to date: an original, a translation whose source has not
    /// changed since, or a translation that records no source.
    Ok,
    /// No file in this language.
    Missing,
    /// A translation whose source changed since its digest was recorded.
    Stale,
    /// A translation whose source (`translated_from.lang`) is gone.
    Orphan,
}

impl TranslationState {
    pub const ALL: [TranslationState; 4] = [
        TranslationState::Ok,
        TranslationState::Missing,
        TranslationState::Stale,
        TranslationState::Orphan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TranslationState::Ok => "ok",
            TranslationState::Missing => "missing",
            TranslationState::Stale => "stale",
            TranslationState::Orphan => "orphan",
        }
    }
}

/// One item in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranslationCell {
    pub state: TranslationState,
    /// Index into [`LoadedSite::content`] of the file in this language.
    #[serde(skip)]
    pub file: Option<usize>,
    /// The file, relative to the site's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// The language it was translated from, as the file records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translated_from: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
}

/// One item: its key and a cell per language, in the order of the site's languages.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationRow {
    /// `news/kick-off`, or the section and `translation_key`.
    pub key: String,
    #[serde(serialize_with = "serialize_section")]
    pub section: Section,
    pub cells: Vec<TranslationCell>,
}

/// The counts of one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LanguageSummary {
    pub lang: String,
    pub ok: usize,
    pub missing: usize,
    pub stale: usize,
    pub orphan: usize,
}

impl LanguageSummary {
    pub fn count(&self, state: TranslationState) -> usize {
        match state {
            TranslationState::Ok => self.ok,
            TranslationState::Missing => self.missing,
            TranslationState::Stale => self.stale,
            TranslationState::Orphan => self.orphan,
        }
    }
}

/// Items × languages.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationMatrix {
    /// The site's language codes, in `site.yaml` order: the columns.
    pub languages: Vec<String>,
    /// One row per item, by section and key.
    pub rows: Vec<TranslationRow>,
    /// Row and column of each content file (indexed like [`LoadedSite::content`]); `None` for
    /// a second file that claims a language its item already has (a build error).
    #[serde(skip)]
    cell_of_file: Vec<Option<(usize, usize)>>,
}

impl TranslationMatrix {
    /// The state of the content file `file` (an index into [`LoadedSite::content`], as in
    /// `resolve::Item::file`): what a page needs to say "this translation may be out of date".
    pub fn state_of_file(&self, file: usize) -> Option<TranslationState> {
        self.cell_of_file_index(file).map(|cell| cell.state)
    }

    /// The cell of the content file `file`.
    pub fn cell_of_file_index(&self, file: usize) -> Option<&TranslationCell> {
        let (row, column) = self.cell_of_file.get(file).copied().flatten()?;
        Some(&self.rows[row].cells[column])
    }

    /// Counts per language, in the order of the columns.
    pub fn summary(&self) -> Vec<LanguageSummary> {
        self.languages
            .iter()
            .enumerate()
            .map(|(column, lang)| {
                let mut summary = LanguageSummary {
                    lang: lang.clone(),
                    ..Default::default()
                };
                for row in &self.rows {
                    match row.cells[column].state {
                        TranslationState::Ok => summary.ok += 1,
                        TranslationState::Missing => summary.missing += 1,
                        TranslationState::Stale => summary.stale += 1,
                        TranslationState::Orphan => summary.orphan += 1,
                    }
                }
                summary
            })
            .collect()
    }
}

fn serialize_section<S: serde::Serializer>(section: &Section, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(section.folder())
}

/// The key of the translation group `file` belongs to: the rule of `resolve`, where files
/// that share it are translations of one another.
pub fn translation_group_key(file: &ContentFile) -> String {
    match &file.front_matter.translation_key {
        Some(key) => format!("{}/{}", file.section.folder(), key),
        None => file.key.clone(),
    }
}

/// The state of the file of `members[column]`, given the files of its item per language.
fn cell_state(
    site: &LoadedSite,
    languages: &[String],
    members: &[Option<usize>],
    column: usize,
) -> TranslationState {
    let Some(index) = members[column] else {
        return TranslationState::Missing;
    };
    let Some(record) = site.content[index].front_matter.translated_from.as_ref() else {
        return TranslationState::Ok;
    };
    let source = languages
        .iter()
        .position(|l| *l == record.lang)
        .filter(|&c| c != column)
        .and_then(|c| members[c]);
    match source {
        None => TranslationState::Orphan,
        Some(source) if translation_digest(&site.content[source]) == record.digest => {
            TranslationState::Ok
        }
        Some(_) => TranslationState::Stale,
    }
}

impl TranslationMatrix {
    /// Works out again the states of the row of `file`, after the text of that file changed
    /// (its place in the matrix did not: the same item and language). Returns the files whose
    /// state changed.
    pub fn refresh_row_of(&mut self, site: &LoadedSite, file: usize) -> Vec<usize> {
        let Some((row, _)) = self.cell_of_file.get(file).copied().flatten() else {
            return Vec::new();
        };
        let members: Vec<Option<usize>> = self.rows[row].cells.iter().map(|c| c.file).collect();
        let mut changed = Vec::new();
        for column in 0..members.len() {
            let state = cell_state(site, &self.languages, &members, column);
            let cell = &mut self.rows[row].cells[column];
            if let Some(index) = cell.file {
                cell.translated_from = site.content[index]
                    .front_matter
                    .translated_from
                    .as_ref()
                    .map(|r| r.lang.clone());
            }
            if cell.state != state {
                cell.state = state;
                changed.extend(cell.file);
            }
        }
        changed
    }
}

/// The translation matrix of `site`.
pub fn translation_status(site: &LoadedSite) -> TranslationMatrix {
    let languages: Vec<String> = site.config.config.languages.keys().cloned().collect();
    // Group key → (section, file per language).
    let mut groups: BTreeMap<(Section, String), Vec<Option<usize>>> = BTreeMap::new();
    let mut cell_of_file = vec![None; site.content.len()];
    for (index, file) in site.content.iter().enumerate() {
        let Some(column) = languages.iter().position(|l| *l == file.lang) else {
            continue;
        };
        let members = groups
            .entry((file.section, translation_group_key(file)))
            .or_insert_with(|| vec![None; languages.len()]);
        if members[column].is_none() {
            members[column] = Some(index);
        }
    }
    let mut rows = Vec::with_capacity(groups.len());
    for ((section, key), members) in groups {
        let row = rows.len();
        let cells = members
            .iter()
            .enumerate()
            .map(|(column, member)| {
                let Some(index) = *member else {
                    return TranslationCell {
                        state: TranslationState::Missing,
                        file: None,
                        path: None,
                        translated_from: None,
                        draft: false,
                    };
                };
                cell_of_file[index] = Some((row, column));
                let file = &site.content[index];
                let recorded = file.front_matter.translated_from.as_ref();
                let state = cell_state(site, &languages, &members, column);
                TranslationCell {
                    state,
                    file: Some(index),
                    path: Some(file.path.clone()),
                    translated_from: recorded.map(|r| r.lang.clone()),
                    draft: file.front_matter.draft,
                }
            })
            .collect();
        rows.push(TranslationRow {
            key,
            section,
            cells,
        });
    }
    TranslationMatrix {
        languages,
        rows,
        cell_of_file,
    }
}
