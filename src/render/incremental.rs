//! Re-rendering after an edit of item texts only (`serve`, while an editor types).
//!
//! When the front matter of the edited files is as it was, the site graph is as it was: the
//! same items, URLs, lists, tags and pages. What can differ is each edited item's rendered
//! Markdown, the translation state of its translations (their source's digest changed), the
//! template values built from those, and every output that shows them. A full render leaves
//! behind, in [`RenderState`], which pages show which items and which items' values list which
//! others; an edit then costs what it touches, not what the site holds.

use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{CachedMarkdown, ItemKey, RenderCache};
use super::markdown::{RenderedMarkdown, render_item_markdown};
use super::search::SearchIndexParts;
use super::templates::Templates;
use super::values::{ItemTexts, SiteValues, listed_by};
use super::{OutputContents, OutputFile, Page, PageOutput, PageRenderer, RenderedPage};
use crate::diagnostics::Diagnostics;
use crate::load::Section;
use crate::resolve::{ItemId, LangId, ResolvedSite};
use crate::workflow::TranslationMatrix;

/// What a full render worked out, handed to [`RenderState::new`].
pub(super) struct RenderedParts {
    pub markdown: Vec<RenderedMarkdown>,
    pub markdown_versions: Vec<u64>,
    pub status: TranslationMatrix,
    pub translation_states: Vec<&'static str>,
    pub values: SiteValues,
    pub templates: Arc<Templates>,
    pub common: Vec<u64>,
    pub pages: Vec<Page>,
    /// The items each page of `pages` shows, in the same order.
    pub page_deps: Vec<Vec<ItemId>>,
}

/// A full render's pieces and the reverse indexes an edit of texts needs.
pub struct RenderState {
    parts: RenderedParts,
    /// Per item: indexes into `parts.pages` of the pages that show it.
    pages_of_item: Vec<Vec<u32>>,
    /// Per item: the items whose references list it.
    listed_by: Vec<Vec<ItemId>>,
    /// Per content file: its items (its fallback pages included).
    items_of_file: Vec<Vec<ItemId>>,
    /// Per language: the search index, an entry per item.
    search: Vec<SearchIndexParts>,
}

impl RenderState {
    pub(super) fn new(site: &ResolvedSite, mut parts: RenderedParts) -> RenderState {
        let mut pages_of_item: Vec<Vec<u32>> = vec![Vec::new(); site.items.len()];
        for (page, deps) in parts.page_deps.iter().enumerate() {
            for &id in deps {
                pages_of_item[id].push(page as u32);
            }
        }
        // Only needed to build the index.
        parts.page_deps = Vec::new();
        let mut items_of_file = vec![Vec::new(); site.loaded.content.len()];
        for (id, item) in site.items.iter().enumerate() {
            items_of_file[item.file].push(id);
        }
        let search = (0..site.languages.len())
            .map(|lang| SearchIndexParts::new(site, &parts.markdown, lang))
            .collect();
        RenderState {
            parts,
            pages_of_item,
            listed_by: listed_by(site),
            items_of_file,
            search,
        }
    }

    /// Whether an edit of texts can be rendered alone: not when a template may show any item
    /// on any page (`get_item`).
    pub fn can_rerender_texts(&self) -> bool {
        !self.parts.templates.uses_get_item()
    }
}

/// The content files an edit of texts changed (indexes into the site's content files).
#[derive(Debug, Default)]
pub struct TextEdits {
    /// Every file whose text changed.
    pub files: Vec<usize>,
    /// Those of them whose front matter changed too (in keys that leave the site's shape
    /// as it was).
    pub front_matter: Vec<usize>,
}

/// The outputs an edit of texts may have changed.
#[derive(Debug, Default)]
pub struct RenderedUpdate {
    /// Every output that was made again; each may or may not differ from the one before.
    pub files: Vec<OutputFile>,
    /// How many pages were rendered with their templates.
    pub rendered_pages: usize,
}

/// Renders again what shows the content files of `edits`, whose text changed in `site` while
/// the site's shape stayed the same, using what the last full render left in `cache`.
/// Diagnostics of the edited files go to `diagnostics`. Returns `None` (and leaves no state in
/// `cache`, so that the next render is a full one) when the edit needs a full render: there
/// is no state, or an error was found (a full render reports it, with every other problem of
/// the site, as a build does).
pub fn rerender_texts(
    site: &ResolvedSite,
    cache: &mut RenderCache,
    edits: &TextEdits,
    diagnostics: &mut Diagnostics,
) -> Option<RenderedUpdate> {
    let mut state = cache.last.take()?;
    if !state.can_rerender_texts() {
        return None;
    }
    let mut problems = Diagnostics::new();
    let update = rerender(site, &mut state, cache, edits, &mut problems)?;
    if problems.has_errors() {
        return None;
    }
    diagnostics.extend(problems.iter().cloned());
    cache.last = Some(state);
    Some(update)
}

fn rerender(
    site: &ResolvedSite,
    state: &mut RenderState,
    cache: &mut RenderCache,
    edits: &TextEdits,
    problems: &mut Diagnostics,
) -> Option<RenderedUpdate> {
    let parts = &mut state.parts;
    let timer = crate::timings::Timer::start();
    // 1. The Markdown of the edited items; their fallback pages show the same text.
    let mut text_changed: Vec<ItemId> = Vec::new();
    // Items whose summary or front matter changed: search indexes and calendars show them.
    let mut entries_changed: Vec<ItemId> = edits
        .front_matter
        .iter()
        .flat_map(|&file| state.items_of_file[file].iter().copied())
        .filter(|&id| site.items[id].fallback_of.is_none())
        .collect();
    for &file in &edits.files {
        for &id in state.items_of_file.get(file)? {
            if site.items[id].fallback_of.is_some() {
                continue;
            }
            let rendered = render_item_markdown(site, id);
            problems.extend(rendered.problems.iter().cloned());
            if rendered.summary_text != parts.markdown[id].summary_text
                && !entries_changed.contains(&id)
            {
                entries_changed.push(id);
            }
            let version = cache.next_version();
            cache.markdown.insert(
                ItemKey::of(site, id),
                CachedMarkdown {
                    source: site.file(id).source.clone(),
                    rendered: rendered.clone(),
                    version,
                },
            );
            parts.markdown[id] = rendered;
            parts.markdown_versions[id] = version;
            text_changed.push(id);
        }
        for &id in &state.items_of_file[file] {
            if let Some(original) = site.items[id].fallback_of {
                parts.markdown[id] = RenderedMarkdown {
                    problems: Vec::new(),
                    ..parts.markdown[original].clone()
                };
                parts.markdown_versions[id] = parts.markdown_versions[original];
                text_changed.push(id);
            }
        }
    }
    if problems.has_errors() {
        return None;
    }
    timer.lap("texts: markdown");
    let timer = crate::timings::Timer::start();
    // 2. Translations whose source's digest changed are now, or no longer, out of date.
    let mut candidates = text_changed.clone();
    // (A fallback page has its original's file, so it is among that file's items.)
    for &file in &edits.files {
        for other in parts.status.refresh_row_of(&site.loaded, file) {
            candidates.extend(state.items_of_file[other].iter().copied());
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    for &id in &candidates {
        parts.translation_states[id] = super::translation_state(site, &parts.status, id);
    }
    // 3. The values built from them, and the values that list those.
    let texts = ItemTexts {
        markdown: &parts.markdown,
        markdown_versions: &parts.markdown_versions,
        translation_states: &parts.translation_states,
    };
    let values_changed = parts
        .values
        .update(site, texts, &candidates, &state.listed_by, cache);
    timer.lap("texts: values");
    let timer = crate::timings::Timer::start();
    // 4. The pages that show any of them.
    // Partials rendered with the old values are not wanted again.
    parts.templates.forget_partials();
    // An item's text is shown on its own page; everywhere else through its values.
    let page_list = &parts.pages;
    let own_pages = text_changed.iter().flat_map(|&id| {
        state.pages_of_item[id].iter().copied().filter(
            move |&page| matches!(page_list[page as usize], Page::Item(shown) if shown == id),
        )
    });
    let mut pages: Vec<u32> = own_pages
        .chain(
            values_changed
                .iter()
                .flat_map(|&id| state.pages_of_item[id].iter().copied()),
        )
        .collect();
    pages.sort_unstable();
    pages.dedup();
    let renderer = PageRenderer {
        site,
        values: &parts.values,
        markdown: &parts.markdown,
        markdown_versions: &parts.markdown_versions,
        templates: &parts.templates,
        previous: &cache.pages,
        common: &parts.common,
        keep: true,
        sink: None,
        shared: super::SharedPageValues::per_language(site, &parts.values),
        publishers: super::structured_data::Publishers::new(site),
        // A few pages: each makes its own alternates (cells for every group would cost more).
        group_alternates: Vec::new(),
    };
    let results: Vec<Result<RenderedPage, _>> = pages
        .par_iter()
        .map(|&page| renderer.render(parts.pages[page as usize]))
        .collect();
    let mut files = Vec::with_capacity(results.len() + 16);
    let mut rendered_pages = 0;
    for result in results {
        match result {
            Ok(RenderedPage {
                output: PageOutput::Kept(file),
                fingerprint,
                ..
            }) => {
                if let OutputContents::Bytes(bytes) = &file.contents {
                    let old = cache.pages.get(&file.path);
                    if !old.is_some_and(|(_, old)| Arc::ptr_eq(old, bytes)) {
                        rendered_pages += 1;
                    }
                    cache
                        .pages
                        .insert(file.path.clone(), (fingerprint, bytes.clone()));
                }
                files.push(file);
            }
            Ok(RenderedPage {
                output: PageOutput::Written(_),
                ..
            }) => unreachable!("a render without a sink keeps its pages"),
            Err(diagnostic) => {
                problems.push(diagnostic);
                return None;
            }
        }
    }
    timer.lap("texts: pages");
    let timer = crate::timings::Timer::start();
    // 5. The outputs made without templates that show texts.
    let ui = |lang: LangId, key: &str| super::ui_string(site, lang, key);
    if text_changed
        .iter()
        .any(|&id| super::feeds::shows_item(site, id))
    {
        files.extend(super::feeds::render_feeds(site, &parts.markdown, &ui));
    }
    // Calendars show meetings' summaries.
    let meetings: Vec<ItemId> = entries_changed
        .iter()
        .copied()
        .filter(|&id| site.items[id].section == Section::Meetings)
        .collect();
    files.extend(super::calendar::render_calendars_of(
        site,
        &parts.markdown,
        &ui,
        &meetings,
    ));
    // Search indexes hold titles and summaries; a fallback page is in none.
    let mut search_languages: Vec<LangId> = Vec::new();
    for &id in &entries_changed {
        let lang = site.items[id].lang;
        if state.search[lang].update(site, &parts.markdown, id) && !search_languages.contains(&lang)
        {
            search_languages.push(lang);
        }
    }
    files.extend(
        search_languages
            .iter()
            .map(|&lang| state.search[lang].file(site)),
    );
    timer.lap("texts: other outputs");
    Some(RenderedUpdate {
        files,
        rendered_pages,
    })
}
