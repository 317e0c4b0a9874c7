//! **Render**: Markdown and templates, in parallel, into output files.
//!
//! Boundary type: [`RenderedSite`], the files to write (and the paths of the pages handed to a
//! [`PageSink`] as they were rendered: the write stage's writer, in a one-shot build). This
//! stage reads the [`ResolvedSite`] only; it never walks the whole site for one page (every
//! list a page needs was computed by **resolve**) and never touches the disk itself.

pub mod cache;
mod calendar;
pub mod dates;
mod feeds;
mod incremental;
pub mod markdown;
mod partials;
mod search;
pub mod shortcodes;
mod sitemap;
mod structured_data;
mod templates;
pub(crate) mod values;

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use tera::{Context, Value};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{Section, StaticSource};
use crate::resolve::{GroupId, ItemId, LangId, ResolvedSite};
use cache::{CachedMarkdown, ItemKey, RenderCache};
pub use incremental::{RenderState, RenderedUpdate, TextEdits, rerender_texts};
pub use markdown::{RenderedMarkdown, render_item_markdown};
use std::collections::HashMap;
use std::hash::Hash;
pub use templates::Templates;
use values::{MapBuilder, SiteValues, opt_str};

/// What one output file holds.
#[derive(Debug, Clone)]
pub enum OutputContents {
    /// Shared, so that a rebuild can hand on a page it did not need to render again.
    Bytes(Arc<Vec<u8>>),
    CopyOf(std::path::PathBuf),
    BuiltIn(&'static [u8]),
}

impl OutputContents {
    pub fn text(text: String) -> OutputContents {
        OutputContents::Bytes(Arc::new(text.into_bytes()))
    }
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated: `en/news/kick-off/index.html`.
    pub path: String,
    pub contents: OutputContents,
}

/// The whole site, rendered, ready to write.
#[derive(Debug, Default)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    /// The paths of the pages handed to a [`PageSink`] as they were rendered (not in `files`).
    pub written: Vec<String>,
    /// How many of the files, and of the pages written, are HTML pages.
    pub pages: usize,
    /// How many pages were handed on from the previous build instead of being rendered.
    pub reused_pages: usize,
    /// How many pages a template failed to render (their errors are in the diagnostics).
    pub failed_pages: usize,
}

/// Takes each page as soon as it is rendered, so that a build need not hold every page until
/// they are all rendered (`write::OutputWriter` does, in a one-shot build: then pages are
/// written while others are being rendered, from a buffer each thread reuses).
pub trait PageSink: Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic>;

    /// Whether the sink takes no more pages (herald was stopped): the pages left are not
    /// rendered.
    fn stopped(&self) -> bool {
        false
    }
}

/// A language switcher entry: language, URL, whether the page exists in that language.
type SwitcherEntry = (LangId, String, bool);

/// One page to render.
#[derive(Debug, Clone, Copy)]
enum Page {
    Item(ItemId),
    Section {
        lang: LangId,
        section: Section,
        number: usize,
    },
    Home(LangId),
    Tags(LangId),
    Tag {
        lang: LangId,
        tag: usize,
        number: usize,
    },
    Search(LangId),
    Accessibility(LangId),
    NotFound(LangId),
    RootNotFound,
    LanguageChooser,
}

#[derive(Hash)]
enum JsonLd {
    None,
    Item(ItemId),
    Website(LangId),
}

/// What a kind of page decides; the variables every template receives are built from it.
/// Together with `deps` it is also what the page's fingerprint is made of.
#[derive(Hash)]
struct PageFrame {
    lang: LangId,
    template: &'static str,
    kind: &'static str,
    title: String,
    url: String,
    /// The canonical URL when it is not `url` (fallback pages name their original).
    canonical: Option<String>,
    alternates: Vec<(LangId, String)>,
    /// The translation group whose members are `alternates` (an item's page that is not a
    /// fallback): every member's page shows the same list, made once.
    alternates_group: Option<GroupId>,
    x_default: Option<String>,
    switcher: Vec<SwitcherEntry>,
    /// `(title, url)` from the home page to the page's parent.
    breadcrumbs: Vec<(String, String)>,
    description: Option<String>,
    /// Absolute URL of the page's image.
    image: Option<String>,
    og_type: &'static str,
    /// Which schema.org description the page gets; built only when the page is rendered.
    jsonld: JsonLd,
    /// `(title, url)` of feeds besides the language's own.
    feeds: Vec<(String, String)>,
    robots: Option<&'static str>,
    /// The items whose values the page shows.
    deps: Vec<ItemId>,
    /// Anything else the page shows that the fields above do not cover (pager numbers, tag
    /// counts).
    extra: u64,
}

impl PageFrame {
    fn new(
        lang: LangId,
        template: &'static str,
        kind: &'static str,
        title: String,
        url: String,
    ) -> Self {
        PageFrame {
            lang,
            template,
            kind,
            title,
            url,
            canonical: None,
            alternates: Vec::new(),
            alternates_group: None,
            x_default: None,
            switcher: Vec::new(),
            breadcrumbs: Vec::new(),
            description: None,
            image: None,
            og_type: "website",
            jsonld: JsonLd::None,
            feeds: Vec::new(),
            robots: None,
            deps: Vec::new(),
            extra: 0,
        }
    }
}

/// The items on page `number` (1-based) of a list.
fn page_slice(ids: &[ItemId], number: usize, per_page: usize) -> &[ItemId] {
    let start = number
        .saturating_sub(1)
        .saturating_mul(per_page)
        .min(ids.len());
    let end = start.saturating_add(per_page).min(ids.len());
    &ids[start..end]
}

/// The page numbers a pager shows: the first, the last, and two on each side of `current`.
fn pager_window(current: usize, total: usize) -> Vec<usize> {
    let mut pages: Vec<usize> = [1, total]
        .into_iter()
        .chain(current.saturating_sub(2).max(1)..=(current + 2).min(total))
        .collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// `en-GB` → `en_GB`, the form Open Graph uses.
fn og_locale(locale: &str) -> String {
    locale.replace('-', "_")
}

/// Renders every page of `site`. Errors of all pages are collected, not only the first.
pub fn render_site(site: &ResolvedSite, diagnostics: &mut Diagnostics) -> RenderedSite {
    render_site_with(site, diagnostics, &mut RenderCache::new())
}

/// Renders every page of `site`, reusing from `cache` whatever the changes since the build that
/// filled it did not touch, and leaving this build's pieces in it.
pub fn render_site_with(
    site: &ResolvedSite,
    diagnostics: &mut Diagnostics,
    cache: &mut RenderCache,
) -> RenderedSite {
    render_site_into(site, diagnostics, cache, None)
}

/// [`render_site_with`], handing each page to `sink` (when there is one) instead of keeping
/// it. A cache that keeps pages for a next build takes no sink.
pub fn render_site_into(
    site: &ResolvedSite,
    diagnostics: &mut Diagnostics,
    cache: &mut RenderCache,
    sink: Option<&dyn PageSink>,
) -> RenderedSite {
    debug_assert!(
        sink.is_none() || !cache.keep_pieces,
        "pages kept for a next build are not written"
    );
    // What the previous render left to be freed (serve keeps one cache for every rebuild),
    // and its state, which this render replaces whether it succeeds or not.
    cache.retired.clear();
    cache.last = None;
    let timer = crate::timings::Timer::start();
    // Items across builds, for the pieces kept for the next one (none in a one-shot build).
    let keys: Vec<ItemKey> = if cache.keep_pieces {
        (0..site.items.len())
            .map(|id| ItemKey::of(site, id))
            .collect()
    } else {
        Vec::new()
    };
    let theme_fingerprint = theme_fingerprint(site);
    // What templates say of a translation ("may be out of date"): the same as `herald status`.
    // Made beside the Markdown, which it does not need: alone it kept one core busy and the
    // other idle (16 ms at 10 000 × 3).
    let ((mut markdown, markdown_versions), status) = rayon::join(
        || render_all_markdown(site, &keys, cache, theme_fingerprint),
        || crate::workflow::translation_status(&site.loaded),
    );
    // Fallback pages show their original's text, rendered once.
    for id in 0..site.items.len() {
        if let Some(original) = site.items[id].fallback_of {
            markdown[id] = RenderedMarkdown {
                problems: Vec::new(),
                ..markdown[original].clone()
            };
        }
    }
    for rendered in &markdown {
        diagnostics.extend(rendered.problems.iter().cloned());
    }
    timer.lap("render: markdown");
    let timer = crate::timings::Timer::start();
    let translation_states: Vec<&'static str> = (0..site.items.len())
        .map(|id| translation_state(site, &status, id))
        .collect();
    let values = SiteValues::build(
        site,
        &markdown,
        &markdown_versions,
        &translation_states,
        &keys,
        cache,
    );
    timer.lap("render: values");
    let timer = crate::timings::Timer::start();
    let templates = match &cache.templates {
        Some((fingerprint, templates)) if *fingerprint == theme_fingerprint => templates.clone(),
        _ => match Templates::compile(&site.loaded.theme, site) {
            Ok(templates) => {
                let templates = Arc::new(templates);
                // Pages need not be rendered again: each one's fingerprint holds those of its
                // template and of the templates that one uses.
                cache.templates = Some((theme_fingerprint, templates.clone()));
                templates
            }
            Err(diagnostic) => {
                cache.templates = None;
                diagnostics.push(diagnostic);
                return RenderedSite::default();
            }
        },
    };
    diagnostics.extend(unknown_item_templates(site, &templates));
    diagnostics.extend(accessibility_clashes(site));
    templates.set_items(site, &values.refs);
    templates.start_partials(
        site.languages
            .iter()
            .enumerate()
            .map(|(lang, language)| {
                (
                    language.code.clone(),
                    [
                        values.languages[lang].clone(),
                        values.ui[lang].clone(),
                        values.site[lang].clone(),
                    ],
                )
            })
            .collect(),
    );
    // `get_item` can show any item on any page: then no page can be trusted to be unchanged.
    let no_pages = HashMap::new();
    let common = common_fingerprints(site);
    let mut renderer = PageRenderer {
        site,
        values: &values,
        markdown: &markdown,
        markdown_versions: &markdown_versions,
        templates: &templates,
        previous: if templates.uses_get_item() {
            &no_pages
        } else {
            &cache.pages
        },
        common: &common,
        keep: cache.keep_pieces,
        sink,
        shared: SharedPageValues::per_language(site, &values),
        publishers: structured_data::Publishers::new(site),
        group_alternates: PageRenderer::alternates_per_group(site),
    };
    timer.lap("render: templates");
    let timer = crate::timings::Timer::start();
    let page_list = renderer.pages();
    let ui = |lang: LangId, key: &str| ui_string(site, lang, key);
    // The other outputs need no page: made beside the pages, they fill the cores the pages
    // leave idle (between their tasks and at their end), and each other's.
    let (results, ((feeds, calendars), (sitemap, search))) = rayon::join(
        || -> Vec<Result<RenderedPage, Diagnostic>> {
            page_list
                .par_iter()
                .map(|&page| renderer.render(page))
                .collect()
        },
        || {
            rayon::join(
                || {
                    rayon::join(
                        || feeds::render_feeds(site, &markdown, &ui),
                        || calendar::render_calendars(site, &markdown, &ui),
                    )
                },
                || {
                    rayon::join(
                        || sitemap::render_sitemap(site),
                        || search::render_search_indexes(site, &markdown),
                    )
                },
            )
        },
    );
    // Freeing them takes a core a while: left with the other parts (below).
    let group_alternates = std::mem::take(&mut renderer.group_alternates);
    let mut page_deps = Vec::with_capacity(if cache.keep_state { results.len() } else { 0 });
    let mut files = Vec::with_capacity(if sink.is_some() {
        site.loaded.theme.static_files.len()
    } else {
        results.len() + site.loaded.theme.static_files.len()
    });
    let mut written = Vec::with_capacity(if sink.is_some() { results.len() } else { 0 });
    let mut rendered_pages = HashMap::with_capacity(results.len());
    let mut reused_pages = 0;
    // A broken template fails every page that uses it: report each place in a template once,
    // naming the first page, and count the others.
    let mut failures: Vec<(Diagnostic, usize)> = Vec::new();
    let mut failed_pages = 0;
    for result in results {
        match result {
            Ok(RenderedPage {
                output,
                fingerprint,
                deps,
            }) => {
                if cache.keep_state {
                    page_deps.push(deps);
                }
                let file = match output {
                    PageOutput::Kept(file) => file,
                    PageOutput::Written(path) => {
                        written.push(path);
                        continue;
                    }
                };
                if let OutputContents::Bytes(bytes) = &file.contents {
                    if renderer
                        .previous
                        .get(&file.path)
                        .is_some_and(|(_, old)| Arc::ptr_eq(old, bytes))
                    {
                        reused_pages += 1;
                    }
                    if cache.keep_pieces {
                        rendered_pages.insert(file.path.clone(), (fingerprint, bytes.clone()));
                    }
                }
                files.push(file);
            }
            Err(diagnostic) => {
                failed_pages += 1;
                match failures
                    .iter_mut()
                    .find(|(d, _)| d.location == diagnostic.location)
                {
                    Some((_, others)) => *others += 1,
                    None => failures.push((diagnostic, 0)),
                }
            }
        }
    }
    for (mut diagnostic, others) in failures {
        if others > 0 {
            diagnostic.message.push_str(&format!(
                " (and {others} more page{})",
                if others == 1 { "" } else { "s" }
            ));
        }
        diagnostics.push(diagnostic);
    }
    let pages = files.len() + written.len();
    cache.pages = rendered_pages;
    timer.lap("render: pages, feeds, calendars, sitemap and search indexes");
    let timer = crate::timings::Timer::start();
    let page_paths: std::collections::HashSet<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(written.iter().map(String::as_str))
        .collect();
    let aliases = alias_pages(site, &page_paths, diagnostics);
    drop(page_paths);
    files.extend(aliases);
    files.extend(feeds);
    files.extend(calendars);
    files.extend(sitemap);
    files.extend(search);
    files.extend(static_files(site));
    timer.lap("render: aliases and the list of files");
    let parts = incremental::RenderedParts {
        markdown,
        markdown_versions,
        status,
        translation_states,
        values,
        templates,
        common,
        pages: page_list,
        page_deps,
    };
    if cache.keep_state && failed_pages == 0 && !diagnostics.has_errors() {
        cache.last = Some(incremental::RenderState::new(site, parts));
    } else {
        // Freeing every item's values and Markdown takes a tenth of a large build on one
        // thread: left to whoever drops the cache (`build_site` hands it to its caller).
        cache.retired.push(Box::new(parts));
    }
    cache.retired.push(Box::new(group_alternates));
    RenderedSite {
        files,
        written,
        pages,
        reused_pages,
        failed_pages,
    }
}

/// A page as rendered: its file, its fingerprint, and the items it shows.
struct RenderedPage {
    output: PageOutput,
    fingerprint: u64,
    deps: Vec<ItemId>,
}

enum PageOutput {
    Kept(OutputFile),
    /// Handed to the sink; its path.
    Written(String),
}

/// A breadcrumb or a feed link, `(title, url)`, with the value templates see.
struct SharedLink {
    title: String,
    url: String,
    value: Value,
}

impl SharedLink {
    fn new(title: String, url: String) -> SharedLink {
        let value = link_value(&title, &url);
        SharedLink { title, url, value }
    }

    fn crumb(title: String, url: String, home_url: &str) -> SharedLink {
        let value = crumb_value(&title, &url, home_url);
        SharedLink { title, url, value }
    }
}

/// `{title, url}`, as templates see a feed link.
fn link_value(title: &str, url: &str) -> Value {
    Value::from_serializable(&LinkValue { title, url })
}

/// `{title, url, name}`, as templates see a breadcrumb: `name` is what the trail shows, the
/// home page's title up to its first ` — ` (a site title such as "EUPROJ — Clusters for the
/// green transition" is too long for a trail). Made here rather than by the template, once
/// per language: a `split` filter on every page cost 1.3% of a build's instructions.
fn crumb_value(title: &str, url: &str, home_url: &str) -> Value {
    let name = if url == home_url {
        title.split(" — ").next().unwrap_or(title)
    } else {
        title
    };
    Value::from_serializable(&CrumbValue { title, url, name })
}

// The small maps every page gets, written by serde straight into the map Tera keeps: a
// `MapBuilder` fills a map that Tera then copies entry by entry (a third slower for these).
// Fields of strings, numbers and booleans only, which cannot fail to serialize (Tera's
// serializer fails on nothing but map keys that are not strings, numbers or booleans).

#[derive(serde::Serialize)]
struct LinkValue<'a> {
    title: &'a str,
    url: &'a str,
}

#[derive(serde::Serialize)]
struct CrumbValue<'a> {
    title: &'a str,
    url: &'a str,
    name: &'a str,
}

/// One of `alternates`: a translation of the page, for `<link rel="alternate">`.
#[derive(serde::Serialize)]
struct AlternateValue<'a> {
    lang: &'a str,
    name: &'a str,
    permalink: String,
    url: &'a str,
}

/// One of `switcher`: a language of the language switcher.
#[derive(serde::Serialize)]
struct SwitcherValue<'a> {
    lang: &'a str,
    name: &'a str,
    url: &'a str,
    current: bool,
    available: bool,
}

/// One of a paginator's `pages`.
#[derive(serde::Serialize)]
struct PagerLinkValue {
    number: usize,
    url: String,
    current: bool,
    gap_before: bool,
}

/// One of `menu`.
#[derive(serde::Serialize)]
struct MenuEntryValue<'a> {
    name: &'a str,
    url: &'a str,
    external: bool,
    active: bool,
}

/// Per language: what many pages of the language show alike, made once per render (a page
/// of a 10 000-item site built each of these maps again before).
struct SharedPageValues {
    lang: Value,
    /// The language's locale in Open Graph form (`en_GB`).
    locale: Value,
    search_url: Value,
    search_index_url: Value,
    accessibility_url: Value,
    home_crumb: SharedLink,
    /// The crumb of each section, its title as every page names the section.
    section_crumbs: Vec<(Section, SharedLink)>,
    /// The language's own feed, the first of every page's `feeds`.
    site_feed: Value,
    /// The feed of each section that has one.
    section_feeds: Vec<(Section, SharedLink)>,
    /// The entries of the language's menu, each made both ways (active or not): a page only
    /// picks one of each (it formatted every entry's address and made its map before).
    menu: Vec<MenuEntry>,
    /// What a page's context starts from: the variables above that every page of the
    /// language gets alike, with `language`, `ui` and `site`, copied as one map instead of
    /// inserted one by one into every page's.
    base_context: Context,
}

/// One entry of a language's menu, as every page of the language shows it.
struct MenuEntry {
    url: String,
    /// A section's entry is active on every page under the section's address.
    section: bool,
    external: bool,
    inactive: Value,
    active: Value,
}

impl MenuEntry {
    fn all(site: &ResolvedSite, lang: LangId) -> Vec<MenuEntry> {
        let Some(entries) = site.loaded.config.config.menus.get(site.lang_code(lang)) else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|entry| {
                let (url, external) = if let Some(section) = &entry.section {
                    (site.lang_url(lang, &format!("{section}/")), false)
                } else if let Some(page) = &entry.page {
                    let url = site
                        .group_by_key
                        .get(&format!("pages/{page}"))
                        .and_then(|&g| site.member_or_default(g, lang))
                        .map(|id| site.items[id].url.clone())
                        .unwrap_or_else(|| site.lang_url(lang, ""));
                    (url, false)
                } else {
                    let url = entry.url.clone().unwrap_or_default();
                    let external = url.contains("://");
                    (url, external)
                };
                let value = |active| {
                    Value::from_serializable(&MenuEntryValue {
                        name: &entry.name,
                        url: &url,
                        external,
                        active,
                    })
                };
                MenuEntry {
                    inactive: value(false),
                    active: value(true),
                    section: entry.section.is_some(),
                    external,
                    url,
                }
            })
            .collect()
    }

    fn value_on(&self, page_url: &str) -> Value {
        let active = !self.external
            && (page_url == self.url || (self.section && page_url.starts_with(&self.url)));
        if active {
            self.active.clone()
        } else {
            self.inactive.clone()
        }
    }
}

impl SharedPageValues {
    /// Those of every language, by language.
    fn per_language(site: &ResolvedSite, values: &SiteValues) -> Vec<SharedPageValues> {
        (0..site.languages.len())
            .map(|lang| SharedPageValues::new(site, values, lang))
            .collect()
    }

    fn new(site: &ResolvedSite, values: &SiteValues, lang: LangId) -> SharedPageValues {
        let ui = |key: &str| ui_string(site, lang, key);
        let site_title = site.title_in(lang).to_string();
        let home_url = site.lang_url(lang, "");
        let section_title = |section: Section| {
            ui(&format!("section_{}", section.folder()))
                .unwrap_or_else(|| section.folder().to_string())
        };
        SharedPageValues {
            lang: Value::from(site.lang_code(lang)),
            locale: Value::from(og_locale(&site.languages[lang].locale)),
            search_url: Value::from(search::search_page_url(site, lang)),
            search_index_url: Value::from(search::search_index_url(site, lang)),
            accessibility_url: if site.loaded.config.config.accessibility.is_some() {
                Value::from(accessibility_url(site, lang))
            } else {
                Value::none()
            },
            home_crumb: SharedLink::crumb(
                ui("home").unwrap_or_else(|| site_title.clone()),
                home_url.clone(),
                &home_url,
            ),
            section_crumbs: Section::ALL
                .into_iter()
                .map(|s| {
                    let url = site.section_url(lang, s);
                    (s, SharedLink::crumb(section_title(s), url, &home_url))
                })
                .collect(),
            site_feed: SharedLink::new(site_title.clone(), feeds::feed_url(site, lang, None)).value,
            section_feeds: feeds::FEED_SECTIONS
                .into_iter()
                .map(|s| {
                    let title = format!("{site_title}: {}", section_title(s));
                    (
                        s,
                        SharedLink::new(title, feeds::feed_url(site, lang, Some(s))),
                    )
                })
                .collect(),
            menu: MenuEntry::all(site, lang),
            base_context: Context::new(),
        }
        .with_base_context(values, lang)
    }

    fn with_base_context(mut self, values: &SiteValues, lang: LangId) -> SharedPageValues {
        let mut ctx = Context::new();
        ctx.insert_value("lang", self.lang.clone());
        ctx.insert_value("language", values.languages[lang].clone());
        ctx.insert_value("ui", values.ui[lang].clone());
        ctx.insert_value("site", values.site[lang].clone());
        ctx.insert_value("locale", self.locale.clone());
        ctx.insert_value("search_url", self.search_url.clone());
        ctx.insert_value("accessibility_url", self.accessibility_url.clone());
        ctx.insert_value("search_index_url", self.search_index_url.clone());
        self.base_context = ctx;
        self
    }

    /// The menu as the page at `page_url` shows it.
    fn menu_on(&self, page_url: &str) -> Value {
        let entries: Vec<Value> = self
            .menu
            .iter()
            .map(|entry| entry.value_on(page_url))
            .collect();
        Value::from(entries)
    }

    fn section_crumb(&self, section: Section) -> &SharedLink {
        self.section_crumbs
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, link)| link)
            .expect("every section has a crumb")
    }

    fn section_feed(&self, section: Section) -> Option<&SharedLink> {
        self.section_feeds
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, link)| link)
    }

    /// The value of a crumb: the shared one when the page's is one of them.
    fn crumb_value(&self, (title, url): &(String, String)) -> Value {
        std::iter::once(&self.home_crumb)
            .chain(self.section_crumbs.iter().map(|(_, link)| link))
            .find(|link| link.url == *url && link.title == *title)
            .map_or_else(
                || crumb_value(title, url, &self.home_crumb.url),
                |link| link.value.clone(),
            )
    }

    /// The value of a feed link: the shared one when the page's is one of them.
    fn feed_value(&self, (title, url): &(String, String)) -> Value {
        self.section_feeds
            .iter()
            .map(|(_, link)| link)
            .find(|link| link.url == *url && link.title == *title)
            .map_or_else(|| link_value(title, url), |link| link.value.clone())
    }
}

struct PageRenderer<'a> {
    site: &'a ResolvedSite,
    values: &'a SiteValues,
    markdown: &'a [RenderedMarkdown],
    markdown_versions: &'a [u64],
    templates: &'a Templates,
    /// The pages of the previous build, by output path, with their fingerprints.
    previous: &'a HashMap<String, (u64, Arc<Vec<u8>>)>,
    /// Per language: everything every page of that language depends on.
    common: &'a [u64],
    /// Whether the pages are kept for a next build (then they get fingerprints).
    keep: bool,
    sink: Option<&'a dyn PageSink>,
    /// Per language.
    shared: Vec<SharedPageValues>,
    /// The project as every page's JSON-LD names it, per language, written once.
    publishers: structured_data::Publishers,
    /// Per translation group, the `alternates` of its members' pages, made by the first of
    /// them that is rendered (three maps and permalinks a page before). Empty when only a few
    /// pages are rendered (serve's rerender): then each page makes its own.
    group_alternates: Vec<OnceLock<Value>>,
}

/// Renders the Markdown of every item whose text or link targets changed since the build that
/// filled `cache`; returns each item's rendering and its version (fallback pages get theirs
/// from their original's).
fn render_all_markdown(
    site: &ResolvedSite,
    keys: &[ItemKey],
    cache: &mut RenderCache,
    theme_fingerprint: u64,
) -> (Vec<RenderedMarkdown>, Vec<u64>) {
    let same_theme = cache
        .templates
        .as_ref()
        .is_some_and(|(fingerprint, _)| *fingerprint == theme_fingerprint);
    let keep = cache.keep_pieces;
    let rendered: Vec<(RenderedMarkdown, Option<u64>)> = (0..site.items.len())
        .into_par_iter()
        .map(|id| {
            if site.items[id].fallback_of.is_some() {
                return (RenderedMarkdown::default(), Some(0));
            }
            let cached = keep.then(|| cache.markdown.get(&keys[id])).flatten();
            match cached {
                Some(cached)
                    if Arc::ptr_eq(&cached.source, &site.file(id).source)
                        && cached.rendered.page_url == site.items[id].url
                        && (same_theme || !cached.rendered.uses_ui_strings)
                        && markdown::links_unchanged(site, id, &cached.rendered) =>
                {
                    (cached.rendered.clone(), Some(cached.version))
                }
                _ => (render_item_markdown(site, id), None),
            }
        })
        .collect();
    let mut markdown = Vec::with_capacity(rendered.len());
    let mut versions = Vec::with_capacity(rendered.len());
    for (id, (rendered, version)) in rendered.into_iter().enumerate() {
        let version = match version {
            Some(version) => version,
            None => {
                let version = cache.next_version();
                if keep {
                    cache.markdown.insert(
                        keys[id].clone(),
                        CachedMarkdown {
                            source: site.file(id).source.clone(),
                            rendered: rendered.clone(),
                            version,
                        },
                    );
                }
                version
            }
        };
        markdown.push(rendered);
        versions.push(version);
    }
    for id in 0..site.items.len() {
        versions[id] = versions[site.text_of(id)];
    }
    if keep {
        let live: std::collections::HashSet<&ItemKey> = keys.iter().collect();
        cache.markdown.retain(|key, _| live.contains(key));
    }
    (markdown, versions)
}

/// What templates are told of an item's translation: `ok`, `stale` or `orphan`.
fn translation_state(
    site: &ResolvedSite,
    status: &crate::workflow::TranslationMatrix,
    id: ItemId,
) -> &'static str {
    match status.state_of_file(site.items[site.text_of(id)].file) {
        Some(crate::workflow::TranslationState::Stale) => "stale",
        Some(crate::workflow::TranslationState::Orphan) => "orphan",
        _ => "ok",
    }
}

/// Everything the compiled templates depend on: their text, the UI strings, the configuration.
fn theme_fingerprint(site: &ResolvedSite) -> u64 {
    let mut h = cache::hasher();
    for template in &site.loaded.theme.templates {
        template.name.hash(&mut h);
        template.text.hash(&mut h);
    }
    settings_fingerprint(site).hash(&mut h);
    cache::finish(h)
}

/// What every page depends on besides its template: the UI strings, the configuration, the
/// base URL.
pub(super) fn settings_fingerprint(site: &ResolvedSite) -> u64 {
    let mut h = cache::hasher();
    for (lang, strings) in &site.loaded.theme.strings {
        lang.hash(&mut h);
        for (key, text) in strings {
            key.hash(&mut h);
            text.hash(&mut h);
        }
    }
    site.loaded.config.source.hash(&mut h);
    site.base_url.hash(&mut h);
    cache::finish(h)
}

/// Per language, what every page depends on besides its own inputs and its template: the
/// settings, the options, and the menu's targets.
fn common_fingerprints(site: &ResolvedSite) -> Vec<u64> {
    let settings = settings_fingerprint(site);
    (0..site.languages.len())
        .map(|lang| {
            let mut h = cache::hasher();
            settings.hash(&mut h);
            lang.hash(&mut h);
            (site.options.drafts, site.options.future).hash(&mut h);
            let menu_pages = site.loaded.config.config.menus.get(site.lang_code(lang));
            for entry in menu_pages.into_iter().flatten() {
                if let Some(page) = &entry.page {
                    let url = site
                        .group_by_key
                        .get(&format!("pages/{page}"))
                        .and_then(|&g| site.member_or_default(g, lang))
                        .map(|id| &site.items[id].url);
                    url.hash(&mut h);
                }
            }
            // Fallback pages link the static files of their original's bundle.
            site.loaded.assets.len().hash(&mut h);
            cache::finish(h)
        })
        .collect()
}

impl PageRenderer<'_> {
    fn pages(&self) -> Vec<Page> {
        let site = self.site;
        let per_page = site.loaded.config.config.pagination.max(1);
        let page_count = |n: usize| n.div_ceil(per_page).max(1);
        let mut pages: Vec<Page> = (0..site.items.len()).map(Page::Item).collect();
        for lang in 0..site.languages.len() {
            pages.push(Page::Home(lang));
            pages.push(Page::NotFound(lang));
            pages.push(Page::Tags(lang));
            pages.push(Page::Search(lang));
            if site.loaded.config.config.accessibility.is_some() {
                pages.push(Page::Accessibility(lang));
            }
            for section in Section::ALL.into_iter().filter(|s| s.has_list()) {
                let count = site.sections[lang].get(&section).map_or(0, Vec::len);
                let count = if section == Section::Partners {
                    count.min(1)
                } else {
                    count
                };
                pages.extend((1..=page_count(count)).map(|number| Page::Section {
                    lang,
                    section,
                    number,
                }));
            }
            for (tag, entry) in site.tags[lang].values().enumerate() {
                pages.extend((1..=page_count(entry.items.len())).map(|number| Page::Tag {
                    lang,
                    tag,
                    number,
                }));
            }
        }
        pages.push(Page::RootNotFound);
        pages.push(Page::LanguageChooser);
        pages
    }

    /// Renders `page`, or hands on the previous build's bytes when nothing it shows changed.
    fn render(&self, page: Page) -> Result<RenderedPage, Diagnostic> {
        let site = self.site;
        if self.sink.is_some_and(|sink| sink.stopped()) {
            return Err(Diagnostic::error(
                crate::diagnostics::Location::file("."),
                "herald was stopped before this page was rendered",
            ));
        }
        let based_on = self.page_lang(page);
        let mut ctx =
            based_on.map_or_else(Context::new, |lang| self.shared[lang].base_context.clone());
        let frame = self.frame(page, &mut ctx);
        let path = match page {
            Page::NotFound(lang) => format!("{}/404.html", site.lang_code(lang)),
            Page::RootNotFound => "404.html".to_string(),
            Page::LanguageChooser => "index.html".to_string(),
            _ => output_path(site, &frame.url),
        };
        // A `template` the theme lacks was reported by `unknown_item_templates`: the page gets
        // its section's template, so that the one mistake is reported once.
        let template = match page {
            Page::Item(id) => site
                .file(id)
                .front_matter
                .template
                .clone()
                .filter(|name| self.templates.has(name))
                .unwrap_or_else(|| frame.template.to_string()),
            _ => frame.template.to_string(),
        };
        // A one-shot build has nothing to compare a fingerprint with.
        let fingerprint = if self.keep {
            self.fingerprint(&frame, &template)
        } else {
            0
        };
        if let Some((previous, bytes)) = self.previous.get(&path)
            && *previous == fingerprint
        {
            return Ok(RenderedPage {
                output: PageOutput::Kept(OutputFile {
                    path,
                    contents: OutputContents::Bytes(bytes.clone()),
                }),
                fingerprint,
                deps: frame.deps,
            });
        }
        self.insert_page_values(page, &mut ctx);
        self.insert_common(&mut ctx, &frame, based_on);
        // The references this page shows, read once in order before the template reads them
        // a variable at a time (`values::read_through`).
        if let Some(item) = ctx.get("item") {
            values::read_through(item, true);
        }
        if let Some(items) = ctx.get("items").and_then(tera::Value::as_array) {
            items
                .iter()
                .for_each(|item| values::read_through(item, false));
        }
        let what = || match page {
            Page::Item(id) => format!("{} from {}", frame.url, site.file(id).path.display()),
            _ => frame.url.clone(),
        };
        let output = match self.sink {
            Some(sink) => {
                thread_local! {
                    // Most pages of a theme are 10 to 20 KB: a buffer per thread, grown to the
                    // largest page, instead of an allocation per page.
                    static PAGE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                }
                PAGE.with_borrow_mut(|buffer| {
                    buffer.clear();
                    self.templates.render_into(&template, &ctx, &what, buffer)?;
                    sink.put(&path, buffer)
                })?;
                PageOutput::Written(path)
            }
            None => PageOutput::Kept(OutputFile {
                path,
                contents: OutputContents::Bytes(Arc::new(
                    self.templates.render(&template, &ctx, &what)?,
                )),
            }),
        };
        Ok(RenderedPage {
            output,
            fingerprint,
            deps: frame.deps,
        })
    }

    /// Everything the page shows, as one number: its frame, the fingerprints of the items it
    /// lists, and what all pages of its language share.
    fn fingerprint(&self, frame: &PageFrame, template: &str) -> u64 {
        let mut h = cache::hasher();
        self.common[frame.lang].hash(&mut h);
        template.hash(&mut h);
        self.templates.fingerprint_of(template).hash(&mut h);
        frame.hash(&mut h);
        for &id in &frame.deps {
            self.values.full_fingerprints[id].hash(&mut h);
        }
        // Only an item's own page shows its rendered text (`content`, the description, JSON-LD);
        // lists show values, whose fingerprints cover what of the text they hold.
        if frame.kind == "item" {
            for &id in &frame.deps {
                self.markdown_versions[id].hash(&mut h);
            }
        }
        cache::finish(h)
    }

    /// The language of `page`, when it has one before its frame is made.
    fn page_lang(&self, page: Page) -> Option<LangId> {
        match page {
            Page::Item(id) => Some(self.site.items[id].lang),
            Page::Section { lang, .. }
            | Page::Home(lang)
            | Page::Tags(lang)
            | Page::Tag { lang, .. }
            | Page::Search(lang)
            | Page::Accessibility(lang)
            | Page::NotFound(lang) => Some(lang),
            Page::RootNotFound | Page::LanguageChooser => None,
        }
    }

    /// Values only needed when the page is really rendered (the item's content).
    fn insert_page_values(&self, page: Page, ctx: &mut Context) {
        if let Page::Item(id) = page {
            ctx.insert_value("item", self.values.refs[id].clone());
        }
    }

    /// The frame of `page`; the page's own list values go into `ctx`.
    fn frame(&self, page: Page, ctx: &mut Context) -> PageFrame {
        let site = self.site;
        match page {
            Page::Item(id) => self.item_frame(id, ctx),
            Page::Section {
                lang,
                section,
                number,
            } => self.section_frame(lang, section, number, ctx),
            Page::Home(lang) => self.home_frame(lang, ctx),
            Page::Tags(lang) => {
                let title = self
                    .ui_string(lang, "tags")
                    .unwrap_or_else(|| "Tags".into());
                let mut frame = PageFrame::new(
                    lang,
                    "tags.html",
                    "tags",
                    title,
                    site.lang_url(lang, "tags/"),
                );
                let tags: Vec<Value> = site.tags[lang].values().map(tag_value).collect();
                ctx.insert_value("tags", Value::from(tags));
                frame.extra = cache::fingerprint(
                    &site.tags[lang]
                        .values()
                        .map(|t| (&t.name, &t.url, t.items.len()))
                        .collect::<Vec<_>>(),
                );
                frame.alternates = self.every_language(|other| Some(site.lang_url(other, "tags/")));
                frame.switcher = self.switch_to(|other| site.lang_url(other, "tags/"));
                frame.breadcrumbs = vec![self.home_crumb(lang)];
                frame
            }
            Page::Tag { lang, tag, number } => {
                let (_, entry) = site.tags[lang]
                    .get_index(tag)
                    .expect("tag pages are made from the tag list");
                let url = ResolvedSite::pager_url(&entry.url, number);
                let mut frame =
                    PageFrame::new(lang, "tag.html", "tag", entry.name.clone(), url.clone());
                let (paginator, items) =
                    self.paginate(&entry.items, &entry.url, number, self.per_page(None));
                ctx.insert_value("items", items);
                ctx.insert_value("paginator", paginator);
                ctx.insert_value("tag", tag_value(entry));
                frame.deps = page_slice(&entry.items, number, self.per_page(None)).to_vec();
                frame.extra = cache::fingerprint(&(number, entry.items.len()));
                ctx.insert_value("countries", Value::none());
                ctx.insert_value("calendar_url", Value::none());
                frame.alternates = vec![(lang, url.clone())];
                frame.switcher = self.switch_to(|other| {
                    if other == lang {
                        url.clone()
                    } else {
                        site.lang_url(other, "tags/")
                    }
                });
                let tags_title = self
                    .ui_string(lang, "tags")
                    .unwrap_or_else(|| "Tags".into());
                frame.breadcrumbs = vec![
                    self.home_crumb(lang),
                    (tags_title, site.lang_url(lang, "tags/")),
                ];
                frame
            }
            Page::Search(lang) => {
                let title = self
                    .ui_string(lang, "search")
                    .unwrap_or_else(|| "Search".into());
                let mut frame = PageFrame::new(
                    lang,
                    "search.html",
                    "search",
                    title,
                    search::search_page_url(site, lang),
                );
                frame.alternates =
                    self.every_language(|other| Some(search::search_page_url(site, other)));
                frame.switcher = self.switch_to(|other| search::search_page_url(site, other));
                frame.breadcrumbs = vec![self.home_crumb(lang)];
                frame.robots = Some("noindex");
                frame
            }
            Page::Accessibility(lang) => {
                let title = self
                    .ui_string(lang, "a11y_title")
                    .unwrap_or_else(|| "Accessibility statement".into());
                let mut frame = PageFrame::new(
                    lang,
                    "accessibility.html",
                    "accessibility",
                    title,
                    accessibility_url(site, lang),
                );
                ctx.insert_value("accessibility", accessibility_value(site, lang));
                frame.alternates =
                    self.every_language(|other| Some(accessibility_url(site, other)));
                frame.switcher = self.switch_to(|other| accessibility_url(site, other));
                frame.breadcrumbs = vec![self.home_crumb(lang)];
                frame
            }
            Page::NotFound(_) | Page::RootNotFound => {
                let (lang, url) = match page {
                    Page::NotFound(lang) => (lang, site.lang_url(lang, "404.html")),
                    _ => (site.default_lang, format!("{}/404.html", site.base_path)),
                };
                let title = self
                    .ui_string(lang, "not_found_title")
                    .unwrap_or_else(|| "Page not found".into());
                let mut frame = PageFrame::new(lang, "404.html", "not_found", title, url);
                frame.switcher = self.switch_to(|other| site.lang_url(other, ""));
                frame.robots = Some("noindex");
                frame
            }
            Page::LanguageChooser => {
                let lang = site.default_lang;
                let mut frame = PageFrame::new(
                    lang,
                    "language_chooser.html",
                    "language_chooser",
                    self.site_title(lang),
                    format!("{}/", site.base_path),
                );
                frame.alternates = self.every_language(|other| Some(site.lang_url(other, "")));
                frame.switcher = self.switch_to(|other| site.lang_url(other, ""));
                frame.x_default = Some(site.permalink(&frame.url));
                frame
            }
        }
    }

    fn item_frame(&self, id: ItemId, ctx: &mut Context) -> PageFrame {
        let site = self.site;
        let item = &site.items[id];
        let fm = &site.file(id).front_matter;
        let lang = item.lang;
        let template = match item.section {
            Section::News => "news.html",
            Section::Meetings => "meeting.html",
            Section::Partners => "partner.html",
            Section::Pages => "page.html",
        };
        let mut frame = PageFrame::new(lang, template, "item", fm.title.clone(), item.url.clone());
        frame.deps = vec![id];
        let group = &site.groups[item.group];
        frame.switcher = (0..site.languages.len())
            .map(|l| match (group.members[l], group.fallbacks[l]) {
                (Some(m), _) => (l, site.items[m].url.clone(), true),
                (None, Some(f)) => (l, site.items[f].url.clone(), false),
                (None, None) if item.section.has_list() => {
                    (l, site.section_url(l, item.section), false)
                }
                (None, None) => (l, site.lang_url(l, ""), false),
            })
            .collect();
        match item.fallback_of {
            Some(original) => {
                // Not a translation: point search engines at the original, list no alternates.
                let original_item = &site.items[original];
                frame.canonical = Some(original_item.url.clone());
                frame.robots = Some("noindex");
                ctx.insert_value(
                    "fallback",
                    MapBuilder::new()
                        .set("lang", site.lang_code(original_item.lang))
                        .set("name", site.languages[original_item.lang].name.as_str())
                        .set("url", original_item.url.as_str())
                        .build(),
                );
            }
            None => {
                frame.alternates = group
                    .members
                    .iter()
                    .enumerate()
                    .filter_map(|(l, m)| m.map(|m| (l, site.items[m].url.clone())))
                    .collect();
                frame.alternates_group = Some(item.group);
            }
        }
        frame.breadcrumbs.push(self.home_crumb(lang));
        if item.section.has_list() {
            frame.breadcrumbs.push((
                self.section_title(lang, item.section),
                site.section_url(lang, item.section),
            ));
        }
        let summary = &self.markdown[id].summary_text;
        if !summary.is_empty() {
            frame.description = Some(summary.to_string());
        }
        frame.image = fm.image.as_ref().map(|image| {
            site.permalink(&values::item_asset_url(
                site,
                &site.items[site.text_of(id)].url,
                &image.src,
            ))
        });
        frame.og_type = if item.section == Section::News {
            "article"
        } else {
            "website"
        };
        frame.jsonld = JsonLd::Item(id);
        frame.feeds.extend(self.section_feed(lang, item.section));
        frame
    }

    fn section_frame(
        &self,
        lang: LangId,
        section: Section,
        number: usize,
        ctx: &mut Context,
    ) -> PageFrame {
        let site = self.site;
        let label = self.section_title(lang, section);
        let first = site.section_url(lang, section);
        let per_page = self.per_page(Some(section));
        let mut frame = PageFrame::new(
            lang,
            "section.html",
            "section",
            label.clone(),
            ResolvedSite::pager_url(&first, number),
        );
        let ids = site.sections[lang]
            .get(&section)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (paginator, items) = self.paginate(ids, &first, number, per_page);
        ctx.insert_value("items", items);
        ctx.insert_value("paginator", paginator);
        frame.deps = page_slice(ids, number, per_page).to_vec();
        frame.extra = cache::fingerprint(&(number, ids.len()));
        ctx.insert_value(
            "section",
            MapBuilder::new()
                .set("name", section.folder())
                .set("title", label)
                .set("url", first.as_str())
                .build(),
        );
        let countries = if section == Section::Partners {
            Value::from(self.partners_by_country(lang, ids))
        } else {
            Value::none()
        };
        ctx.insert_value("countries", countries);
        let calendar =
            (section == Section::Meetings).then(|| calendar::language_calendar_url(site, lang));
        ctx.insert_value(
            "calendar_url",
            calendar.map_or_else(Value::none, Value::from),
        );
        frame.alternates = self.every_language(|other| {
            let count = site.sections[other].get(&section).map_or(0, Vec::len);
            (number == 1 || count > (number - 1) * per_page)
                .then(|| ResolvedSite::pager_url(&site.section_url(other, section), number))
        });
        frame.switcher = self.switch_to(|other| site.section_url(other, section));
        frame.breadcrumbs = vec![self.home_crumb(lang)];
        if number > 1 {
            frame
                .breadcrumbs
                .push((self.section_title(lang, section), first));
        }
        frame.feeds.extend(self.section_feed(lang, section));
        frame
    }

    /// Partners grouped by country, ordered by the country's name in `lang`; those without a
    /// country come last.
    fn partners_by_country(&self, lang: LangId, ids: &[ItemId]) -> Vec<Value> {
        let mut by_country: std::collections::HashMap<String, Vec<ItemId>> =
            std::collections::HashMap::new();
        for &id in ids {
            let country = self
                .site
                .file(id)
                .front_matter
                .country
                .clone()
                .unwrap_or_default()
                .to_uppercase();
            by_country.entry(country).or_default().push(id);
        }
        let mut groups: Vec<(Option<String>, String, Vec<ItemId>)> = by_country
            .into_iter()
            .map(|(code, ids)| {
                if code.is_empty() {
                    return (None, String::new(), ids);
                }
                let name = country_name(self.site, lang, &code);
                (Some(name), code, ids)
            })
            .collect();
        groups.sort_by(|a, b| match (&a.0, &b.0) {
            (Some(x), Some(y)) => slug::slugify(x).cmp(&slug::slugify(y)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        groups
            .into_iter()
            .map(|(name, code, ids)| {
                let code = if code.is_empty() {
                    Value::none()
                } else {
                    Value::from(code)
                };
                MapBuilder::new()
                    .set("code", code)
                    .set("name", name.map_or_else(Value::none, Value::from))
                    .set("partners", self.values.refs_of(&ids))
                    .build()
            })
            .collect()
    }

    fn home_frame(&self, lang: LangId, ctx: &mut Context) -> PageFrame {
        let site = self.site;
        let mut frame = PageFrame::new(
            lang,
            "home.html",
            "home",
            self.site_title(lang),
            site.lang_url(lang, ""),
        );
        let section = |s: Section| {
            site.sections[lang]
                .get(&s)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        let latest: Vec<ItemId> = section(Section::News).iter().copied().take(6).collect();
        let mut upcoming: Vec<ItemId> = section(Section::Meetings)
            .iter()
            .copied()
            .filter(|&m| site.items[m].upcoming)
            .collect();
        upcoming.reverse();
        ctx.insert_value("latest_news", self.values.refs_of(&latest));
        ctx.insert_value("upcoming_meetings", self.values.refs_of(&upcoming));
        ctx.insert_value("partners", self.values.refs_of(section(Section::Partners)));
        frame.deps = latest
            .iter()
            .chain(&upcoming)
            .chain(section(Section::Partners))
            .copied()
            .collect();
        frame.alternates = self.every_language(|other| Some(site.lang_url(other, "")));
        frame.switcher = self.switch_to(|other| site.lang_url(other, ""));
        frame.x_default = Some(site.permalink(&format!("{}/", site.base_path)));
        frame.jsonld = JsonLd::Website(lang);
        frame
    }

    /// The variables every template receives; those of the language's base context only when
    /// `ctx` did not start from it (`based_on`).
    fn insert_common(&self, ctx: &mut Context, frame: &PageFrame, based_on: Option<LangId>) {
        let site = self.site;
        let lang = frame.lang;
        let language = &site.languages[lang];
        let shared = &self.shared[lang];
        if based_on != Some(lang) {
            ctx.extend(shared.base_context.clone());
        }
        ctx.insert_value("menu", shared.menu_on(&frame.url));
        ctx.insert_value("kind", Value::from(frame.kind));
        ctx.insert_value("title", Value::from(frame.title.as_str()));
        ctx.insert_value("url", Value::from(frame.url.as_str()));
        ctx.insert_value(
            "permalink",
            Value::from(site.permalink(frame.canonical.as_deref().unwrap_or(&frame.url))),
        );
        let description = frame.description.clone().or_else(|| {
            let config = &site.loaded.config.config;
            config
                .description
                .as_ref()
                .and_then(|d| d.get(&language.code, site.lang_code(site.default_lang)))
                .map(str::to_string)
        });
        ctx.insert_value(
            "description",
            Value::from(description.unwrap_or_else(|| frame.title.clone())),
        );
        ctx.insert_value(
            "image",
            frame.image.as_deref().map_or_else(Value::none, Value::from),
        );
        ctx.insert_value("og_type", Value::from(frame.og_type));
        let alternate_locales: Vec<Value> = frame
            .alternates
            .iter()
            .filter(|(l, _)| *l != lang)
            .map(|(l, _)| self.shared[*l].locale.clone())
            .collect();
        ctx.insert_value("alternate_locales", Value::from(alternate_locales));
        let x_default = frame.x_default.clone().or_else(|| {
            (frame.alternates.len() > 1)
                .then(|| {
                    frame
                        .alternates
                        .iter()
                        .find(|(l, _)| *l == site.default_lang)
                        .or(frame.alternates.first())
                })
                .flatten()
                .map(|(_, url)| site.permalink(url))
        });
        ctx.insert_value("x_default", x_default.map_or_else(Value::none, Value::from));
        let jsonld = match frame.jsonld {
            JsonLd::None => None,
            JsonLd::Item(id) => structured_data::item(
                site,
                id,
                self.markdown,
                frame.image.as_deref(),
                &self.publishers,
            ),
            JsonLd::Website(lang) => Some(structured_data::website(site, lang, &self.publishers)),
        };
        ctx.insert_value(
            "jsonld",
            jsonld
                .as_deref()
                .map_or_else(Value::none, Value::safe_string),
        );
        let crumbs: Vec<Value> = frame
            .breadcrumbs
            .iter()
            .map(|crumb| shared.crumb_value(crumb))
            .collect();
        ctx.insert_value("breadcrumbs", Value::from(crumbs));
        let feeds: Vec<Value> = std::iter::once(shared.site_feed.clone())
            .chain(frame.feeds.iter().map(|feed| shared.feed_value(feed)))
            .collect();
        ctx.insert_value("feeds", Value::from(feeds));
        if !ctx.contains_key("fallback") {
            ctx.insert_value("fallback", Value::none());
        }
        ctx.insert_value("robots", frame.robots.map_or_else(Value::none, Value::from));
        let alternates = || {
            let alternates: Vec<Value> = frame
                .alternates
                .iter()
                .map(|(l, u)| {
                    Value::from_serializable(&AlternateValue {
                        lang: site.lang_code(*l),
                        name: &site.languages[*l].name,
                        permalink: site.permalink(u),
                        url: u,
                    })
                })
                .collect();
            Value::from(alternates)
        };
        ctx.insert_value(
            "alternates",
            match frame
                .alternates_group
                .and_then(|group| self.group_alternates.get(group))
            {
                Some(cell) => cell.get_or_init(alternates).clone(),
                None => alternates(),
            },
        );
        let switcher: Vec<Value> = frame
            .switcher
            .iter()
            .map(|(l, u, available)| {
                Value::from_serializable(&SwitcherValue {
                    lang: site.lang_code(*l),
                    name: &site.languages[*l].name,
                    url: u,
                    current: *l == lang,
                    available: *available,
                })
            })
            .collect();
        ctx.insert_value("switcher", Value::from(switcher));
    }

    fn site_title(&self, lang: LangId) -> String {
        self.site.title_in(lang).to_string()
    }

    fn section_title(&self, lang: LangId, section: Section) -> String {
        self.shared[lang].section_crumb(section).title.clone()
    }

    /// `(title, url)` of the feed of `section` in `lang`, for the sections that have one.
    fn section_feed(&self, lang: LangId, section: Section) -> Option<(String, String)> {
        self.shared[lang]
            .section_feed(section)
            .map(|feed| (feed.title.clone(), feed.url.clone()))
    }

    fn home_crumb(&self, lang: LangId) -> (String, String) {
        let crumb = &self.shared[lang].home_crumb;
        (crumb.title.clone(), crumb.url.clone())
    }

    /// Items per list page: partner lists are not split (they are grouped by country).
    fn per_page(&self, section: Option<Section>) -> usize {
        match section {
            Some(Section::Partners) => usize::MAX,
            _ => self.site.loaded.config.config.pagination.max(1),
        }
    }

    fn every_language(&self, url: impl Fn(LangId) -> Option<String>) -> Vec<(LangId, String)> {
        (0..self.site.languages.len())
            .filter_map(|l| url(l).map(|u| (l, u)))
            .collect()
    }

    fn switch_to(&self, url: impl Fn(LangId) -> String) -> Vec<SwitcherEntry> {
        (0..self.site.languages.len())
            .map(|l| (l, url(l), true))
            .collect()
    }

    fn ui_string(&self, lang: LangId, key: &str) -> Option<String> {
        ui_string(self.site, lang, key)
    }

    /// The paginator and the references of page `number` of a list.
    fn paginate(
        &self,
        ids: &[ItemId],
        first_url: &str,
        number: usize,
        per_page: usize,
    ) -> (Value, Value) {
        let total_pages = ids.len().div_ceil(per_page).max(1);
        let url_of = |n: usize| ResolvedSite::pager_url(first_url, n);
        // A window of page numbers, not all of them: a list of 1000 pages must not link 1000
        // pages from each of its pages.
        let window = pager_window(number, total_pages);
        let pages: Vec<Value> = window
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                Value::from_serializable(&PagerLinkValue {
                    number: n,
                    url: url_of(n),
                    current: n == number,
                    gap_before: i > 0 && window[i - 1] + 1 != n,
                })
            })
            .collect();
        let paginator = MapBuilder::new()
            .set("current_page", number)
            .set("total_pages", total_pages)
            .set("total_items", ids.len())
            .set(
                "previous_url",
                if number > 1 {
                    Value::from(url_of(number - 1))
                } else {
                    Value::none()
                },
            )
            .set(
                "next_url",
                if number < total_pages {
                    Value::from(url_of(number + 1))
                } else {
                    Value::none()
                },
            )
            .set("pages", Value::from(pages))
            .build();
        (
            paginator,
            self.values.refs_of(page_slice(ids, number, per_page)),
        )
    }

    fn alternates_per_group(site: &ResolvedSite) -> Vec<OnceLock<Value>> {
        site.groups.iter().map(|_| OnceLock::new()).collect()
    }
}

/// The name of the country `code` (ISO 3166, any case) in `lang`: the UI string
/// `country_<code>`, the EU's own `EL` and `UK` read as `GR` and `GB`; the code as written when
/// there is none. Made once per item, so that a page naming partners looks nothing up.
pub(crate) fn country_name(site: &ResolvedSite, lang: LangId, code: &str) -> String {
    let lower = code.trim().to_ascii_lowercase();
    let iso = match lower.as_str() {
        "el" => "gr",
        "uk" => "gb",
        other => other,
    };
    let is_code = iso.len() == 2 && iso.bytes().all(|b| b.is_ascii_lowercase());
    is_code
        .then(|| ui_string(site, lang, &format!("country_{iso}")))
        .flatten()
        .unwrap_or_else(|| code.to_string())
}

/// A UI string of the theme (with the site's overrides) in `lang`, else the default language.
pub(crate) fn ui_string(site: &ResolvedSite, lang: LangId, key: &str) -> Option<String> {
    let strings = &site.loaded.theme.strings;
    strings
        .get(site.lang_code(lang))
        .and_then(|s| s.get(key))
        .or_else(|| {
            strings
                .get(site.lang_code(site.default_lang))
                .and_then(|s| s.get(key))
        })
        .cloned()
}

fn tag_value(tag: &crate::resolve::Tag) -> Value {
    MapBuilder::new()
        .set("name", tag.name.as_str())
        .set("slug", tag.slug.as_str())
        .set("url", tag.url.as_str())
        .set("count", tag.items.len())
        .build()
}

/// `/base/en/news/kick-off/` → `en/news/kick-off/index.html`.
pub(crate) fn output_path(site: &ResolvedSite, url: &str) -> String {
    let path = url
        .strip_prefix(&site.base_path)
        .unwrap_or(url)
        .trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

/// `/en/accessibility/`: the accessibility statement in `lang`.
pub fn accessibility_url(site: &ResolvedSite, lang: LangId) -> String {
    site.lang_url(lang, "accessibility/")
}

/// Items whose URL is the accessibility statement's.
fn accessibility_clashes(site: &ResolvedSite) -> Vec<Diagnostic> {
    if site.loaded.config.config.accessibility.is_none() {
        return Vec::new();
    }
    site.items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.fallback_of.is_none() && item.url == accessibility_url(site, item.lang))
        .map(|(id, item)| {
            let file = site.file(id);
            file.error(
                file.location_of("title"),
                format!("{} is the address of the accessibility statement that site.yaml asks for", item.url),
            )
            .with_hint("give this page another `slug`, or remove `accessibility:` from site.yaml to write the statement yourself")
        })
        .collect()
}

/// The statement's facts for templates, in `lang`.
fn accessibility_value(site: &ResolvedSite, lang: LangId) -> Value {
    let config = &site.loaded.config.config;
    let Some(a11y) = &config.accessibility else {
        return Value::none();
    };
    let code = site.lang_code(lang);
    let default = site.lang_code(site.default_lang);
    let locale = &site.languages[lang].locale;
    let date = |day: chrono::NaiveDate| {
        let iso = day.format("%Y-%m-%d").to_string();
        dates::format_date(&iso, locale, false).unwrap_or(iso)
    };
    let (exceptions, exceptions_lang) = match a11y.exceptions.get(code) {
        Some(list) => (Some(list), None),
        None => (a11y.exceptions.get(default), Some(default)),
    };
    let exceptions: Vec<Value> = exceptions
        .map(|list| list.iter().map(|e| Value::from(e.as_str())).collect())
        .unwrap_or_default();
    let exceptions_lang = exceptions_lang.filter(|_| !exceptions.is_empty());
    let contact_url = if a11y.contact.contains("://") {
        a11y.contact.clone()
    } else {
        format!("mailto:{}", a11y.contact)
    };
    MapBuilder::new()
        .set("status", a11y.status.as_str())
        .set("standard", opt_str(a11y.standard.as_deref()))
        .set("exceptions", Value::from(exceptions))
        .set("exceptions_lang", opt_str(exceptions_lang))
        .set("contact", a11y.contact.as_str())
        .set("contact_url", contact_url)
        .set("prepared", date(a11y.prepared))
        .set(
            "reviewed",
            a11y.reviewed
                .map_or_else(Value::none, |d| Value::from(date(d))),
        )
        .set("method", a11y.method.as_str())
        .set("enforcement_url", a11y.enforcement_url.as_str())
        .set(
            "enforcement_body",
            opt_str(
                a11y.enforcement_body
                    .as_ref()
                    .and_then(|b| b.get(code, default)),
            ),
        )
        .build()
}

/// Items whose front matter names a `template` the theme does not have.
fn unknown_item_templates(site: &ResolvedSite, templates: &Templates) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (id, item) in site.items.iter().enumerate() {
        let file = site.file(id);
        let Some(name) = &file.front_matter.template else {
            continue;
        };
        if item.fallback_of.is_some() || templates.has(name) {
            continue;
        }
        let hint = crate::diagnostics::did_you_mean(name, templates.names())
            .map(|known| format!("did you mean `{known}`?"))
            .unwrap_or_else(|| {
                format!("add `templates/{name}` to the site, or leave `template` out to use the section's own")
            });
        problems.push(
            file.error(
                file.location_of("template"),
                format!("the theme has no template `{name}`"),
            )
            .with_hint(hint),
        );
    }
    problems
}

/// Redirect pages for the old URLs listed in `aliases`. An alias that would replace one of
/// the site's `pages`, or another alias, is an error: a redirect must never hide a page.
fn alias_pages(
    site: &ResolvedSite,
    page_paths: &std::collections::HashSet<&str>,
    diagnostics: &mut Diagnostics,
) -> Vec<OutputFile> {
    // Which item's alias took a path first.
    let mut alias_owners: HashMap<String, ItemId> = HashMap::new();
    let mut files = Vec::new();
    for (id, item) in site
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.fallback_of.is_none())
    {
        let file = site.file(id);
        for alias in &file.front_matter.aliases {
            let clean = alias.trim().trim_start_matches('/');
            if clean.is_empty()
                || clean.split('/').any(|part| part == ".." || part == ".")
                || clean.contains('\\')
            {
                diagnostics.push(
                    file.error(file.location_of_value("aliases", alias), format!("`{alias}` cannot be used as an alias"))
                        .with_hint("write the old address as a path from the site's root, e.g. `/old/news/kick-off/`"),
                );
                continue;
            }
            let path = if clean.ends_with(".html") {
                clean.to_string()
            } else {
                format!("{}/index.html", clean.trim_end_matches('/'))
            };
            if page_paths.contains(path.as_str()) {
                diagnostics.push(
                    file.error(
                        file.location_of_value("aliases", alias),
                        format!("the alias `{alias}` is the address of a page of the site; its redirect would replace that page"),
                    )
                    .with_hint("an alias is an old address that no page uses any more: remove this one"),
                );
                continue;
            }
            if let Some(&owner) = alias_owners.get(&path) {
                if owner != id {
                    diagnostics.push(
                        file.error(
                            file.location_of_value("aliases", alias),
                            format!(
                                "the alias `{alias}` is also an alias of {}; one old address can lead to one page only",
                                site.file(owner).path.display()
                            ),
                        )
                        .with_hint("keep the alias in the file of the page that replaced the old one"),
                    );
                }
                continue;
            }
            alias_owners.insert(path.clone(), id);
            let target = site.permalink(&item.url);
            let target = escape_attribute(&target);
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{target}</title><link rel=\"canonical\" href=\"{target}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"></head><body><p><a href=\"{target}\">{target}</a></p></body></html>\n",
                lang = site.lang_code(item.lang)
            );
            files.push(OutputFile {
                path,
                contents: OutputContents::text(html),
            });
        }
    }
    files
}

pub(crate) fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The theme's and the site's static files, and the files of bundles beside each of their
/// pages.
fn static_files(site: &ResolvedSite) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = site
        .loaded
        .theme
        .static_files
        .iter()
        .map(|file| OutputFile {
            path: file.output_path.clone(),
            contents: match &file.source {
                StaticSource::Disk(path) => OutputContents::CopyOf(path.clone()),
                StaticSource::BuiltIn(bytes) => OutputContents::BuiltIn(bytes),
            },
        })
        .collect();
    for asset in &site.loaded.assets {
        let Some(&group) = site.group_by_key.get(&asset.key) else {
            continue;
        };
        for item in site.groups[group].members.iter().flatten() {
            let dir = output_path(site, &site.items[*item].url);
            let dir = dir.strip_suffix("index.html").unwrap_or(&dir);
            files.push(OutputFile {
                path: format!("{dir}{}", asset.name),
                contents: OutputContents::CopyOf(asset.path.clone()),
            });
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::pager_window;

    #[test]
    fn pagers_show_a_window() {
        assert_eq!(pager_window(1, 1), vec![1]);
        assert_eq!(pager_window(1, 3), vec![1, 2, 3]);
        assert_eq!(
            pager_window(500, 1000),
            vec![1, 498, 499, 500, 501, 502, 1000]
        );
        assert_eq!(pager_window(1000, 1000), vec![1, 998, 999, 1000]);
    }
}
