//! The client-side search index of each language: titles, summaries and dates of its items,
//! read by the theme's search script. No third-party service is involved.

use serde::Serialize;

use super::markdown::RenderedMarkdown;
use super::{OutputContents, OutputFile};
use crate::resolve::{ItemId, LangId, ResolvedSite};

#[derive(Serialize)]
struct SearchEntry<'a> {
    /// Title.
    t: &'a str,
    /// URL.
    u: &'a str,
    /// Summary, as plain text.
    s: &'a str,
    /// Date (ISO), or empty.
    d: String,
    /// Section.
    k: &'static str,
}

pub fn search_index_url(site: &ResolvedSite, lang: LangId) -> String {
    site.lang_url(lang, "search-index.json")
}

pub fn search_page_url(site: &ResolvedSite, lang: LangId) -> String {
    site.lang_url(lang, "search/")
}

pub fn render_search_indexes(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
) -> Vec<OutputFile> {
    (0..site.languages.len())
        .map(|lang| render_search_index(site, markdown, lang))
        .collect()
}

/// The search index of `lang`.
fn render_search_index(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    lang: LangId,
) -> OutputFile {
    let entries: Vec<SearchEntry> = indexed_items(site, lang)
        .map(|id| search_entry(site, markdown, id))
        .collect();
    let json = serde_json::to_vec(&entries).unwrap_or_else(|_| b"[]".to_vec());
    index_file(site, lang, json)
}

/// The items of `lang` that its search index holds, in its order.
fn indexed_items(site: &ResolvedSite, lang: LangId) -> impl Iterator<Item = ItemId> + '_ {
    site.items
        .iter()
        .enumerate()
        .filter(move |(_, item)| item.lang == lang && item.fallback_of.is_none())
        .map(|(id, _)| id)
}

fn search_entry<'a>(
    site: &'a ResolvedSite,
    markdown: &'a [RenderedMarkdown],
    id: ItemId,
) -> SearchEntry<'a> {
    let item = &site.items[id];
    SearchEntry {
        t: &site.file(id).front_matter.title,
        u: &item.url,
        s: &markdown[id].summary_text,
        d: item.date.map(|d| d.day.to_string()).unwrap_or_default(),
        k: item.section.folder(),
    }
}

fn index_file(site: &ResolvedSite, lang: LangId, json: Vec<u8>) -> OutputFile {
    OutputFile {
        path: super::output_path(site, &search_index_url(site, lang)),
        contents: OutputContents::Bytes(std::sync::Arc::new(json)),
    }
}

/// A language's search index kept as one JSON text per item, so that an edit serializes its
/// own items again, not the whole index (`serve`). It writes what
/// [`render_search_index`] writes.
pub struct SearchIndexParts {
    lang: LangId,
    /// The indexed items, in increasing order.
    ids: Vec<ItemId>,
    entries: Vec<Vec<u8>>,
}

impl SearchIndexParts {
    pub fn new(site: &ResolvedSite, markdown: &[RenderedMarkdown], lang: LangId) -> Self {
        let ids: Vec<ItemId> = indexed_items(site, lang).collect();
        let entries = ids
            .iter()
            .map(|&id| entry_json(site, markdown, id))
            .collect();
        SearchIndexParts { lang, ids, entries }
    }

    /// Serializes the entry of `id` again; whether the index holds it.
    pub fn update(
        &mut self,
        site: &ResolvedSite,
        markdown: &[RenderedMarkdown],
        id: ItemId,
    ) -> bool {
        match self.ids.binary_search(&id) {
            Ok(at) => {
                self.entries[at] = entry_json(site, markdown, id);
                true
            }
            Err(_) => false,
        }
    }

    pub fn file(&self, site: &ResolvedSite) -> OutputFile {
        let length = self.entries.iter().map(|e| e.len() + 1).sum::<usize>() + 2;
        let mut json = Vec::with_capacity(length);
        json.push(b'[');
        for (n, entry) in self.entries.iter().enumerate() {
            if n > 0 {
                json.push(b',');
            }
            json.extend_from_slice(entry);
        }
        json.push(b']');
        index_file(site, self.lang, json)
    }
}

fn entry_json(site: &ResolvedSite, markdown: &[RenderedMarkdown], id: ItemId) -> Vec<u8> {
    serde_json::to_vec(&search_entry(site, markdown, id)).unwrap_or_else(|_| b"{}".to_vec())
}
