//! The client-side search index of each language: titles, summaries and dates of its items,
//! read by the theme's search script. No third-party service is involved.

use serde::Serialize;

use super::markdown::RenderedMarkdown;
use super::{OutputContents, OutputFile};
use crate::resolve::{LangId, ResolvedSite};

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
pub fn render_search_index(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    lang: LangId,
) -> OutputFile {
    let entries: Vec<SearchEntry> = site
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.lang == lang && item.fallback_of.is_none())
        .map(|(id, item)| SearchEntry {
            t: &site.file(id).front_matter.title,
            u: &item.url,
            s: &markdown[id].summary_text,
            d: item
                .date
                .map(|d| d.day.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            k: item.section.folder(),
        })
        .collect();
    let json = serde_json::to_vec(&entries).unwrap_or_else(|_| b"[]".to_vec());
    OutputFile {
        path: super::output_path(site, &search_index_url(site, lang)),
        contents: OutputContents::Bytes(std::sync::Arc::new(json)),
    }
}
