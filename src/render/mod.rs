//! **Render**: Markdown and templates, in parallel, into output files in memory.
//!
//! Boundary type: [`RenderedSite`], the list of files to write. This stage reads the
//! [`ResolvedSite`] only; it never walks the whole site for one page (every list a page needs
//! was computed by **resolve**) and never touches the disk.

pub mod dates;
pub mod markdown;
mod templates;
mod values;

use rayon::prelude::*;
use tera::{Context, Value};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{Section, StaticSource};
use crate::resolve::{ItemId, LangId, ResolvedSite};
pub use markdown::{RenderedMarkdown, render_item_markdown};
pub use templates::Templates;
use values::{MapBuilder, SiteValues};

/// What one output file holds.
#[derive(Debug, Clone)]
pub enum OutputContents {
    Bytes(Vec<u8>),
    CopyOf(std::path::PathBuf),
    BuiltIn(&'static [u8]),
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
    /// How many of the files are HTML pages.
    pub pages: usize,
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
    NotFound(LangId),
    RootNotFound,
    LanguageChooser,
}

/// Renders every page of `site`. Errors of all pages are collected, not only the first.
pub fn render_site(site: &ResolvedSite, diagnostics: &mut Diagnostics) -> RenderedSite {
    let markdown: Vec<RenderedMarkdown> = (0..site.items.len())
        .into_par_iter()
        .map(|id| render_item_markdown(site, id))
        .collect();
    for rendered in &markdown {
        diagnostics.extend(rendered.problems.iter().cloned());
    }
    let values = SiteValues::build(site, &markdown);
    let templates = match Templates::compile(&site.loaded.theme, site, &values.refs) {
        Ok(templates) => templates,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return RenderedSite::default();
        }
    };
    let renderer = PageRenderer {
        site,
        values: &values,
        markdown: &markdown,
        templates: &templates,
    };
    let pages = renderer.pages();
    let results: Vec<Result<OutputFile, Diagnostic>> = pages
        .par_iter()
        .map(|&page| renderer.render(page))
        .collect();
    let mut files = Vec::with_capacity(results.len() + site.loaded.theme.static_files.len());
    // A broken template fails every page that uses it: report each place in a template once,
    // naming the first page, and count the others.
    let mut failures: Vec<(Diagnostic, usize)> = Vec::new();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(diagnostic) => match failures.iter_mut().find(|(d, _)| d.location == diagnostic.location) {
                Some((_, others)) => *others += 1,
                None => failures.push((diagnostic, 0)),
            },
        }
    }
    for (mut diagnostic, others) in failures {
        if others > 0 {
            diagnostic.message.push_str(&format!(" (and {others} more page{})", if others == 1 { "" } else { "s" }));
        }
        diagnostics.push(diagnostic);
    }
    let pages = files.len();
    files.extend(alias_pages(site, diagnostics));
    files.extend(static_files(site));
    RenderedSite { files, pages }
}

struct PageRenderer<'a> {
    site: &'a ResolvedSite,
    values: &'a SiteValues,
    markdown: &'a [RenderedMarkdown],
    templates: &'a Templates,
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
            for section in Section::ALL.into_iter().filter(|s| s.has_list()) {
                let count = site.sections[lang].get(&section).map_or(0, Vec::len);
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

    fn render(&self, page: Page) -> Result<OutputFile, Diagnostic> {
        let site = self.site;
        let (template, context, url) = self.context(page);
        let what = match page {
            Page::Item(id) => format!("{} from {}", url, site.file(id).path.display()),
            _ => url.clone(),
        };
        let template = match page {
            Page::Item(id) => site
                .file(id)
                .front_matter
                .template
                .clone()
                .unwrap_or(template),
            _ => template,
        };
        let html = self.templates.render(&template, &context, &what)?;
        let path = match page {
            Page::NotFound(lang) => format!("{}/404.html", site.lang_code(lang)),
            Page::RootNotFound => "404.html".to_string(),
            Page::LanguageChooser => "index.html".to_string(),
            _ => output_path(site, &url),
        };
        Ok(OutputFile {
            path,
            contents: OutputContents::Bytes(html.into_bytes()),
        })
    }

    /// The template, the context and the URL of `page`.
    fn context(&self, page: Page) -> (String, Context, String) {
        let site = self.site;
        let values = self.values;
        let per_page = site.loaded.config.config.pagination.max(1);
        let mut ctx = Context::new();
        // Each kind of page sets these; the common variables are built from them below.
        let lang: LangId;
        let template: &str;
        let kind: &str;
        let title: String;
        let url: String;
        let alternates: Vec<(LangId, String)>;
        let switcher: Vec<SwitcherEntry>;
        match page {
            Page::Item(id) => {
                let item = &site.items[id];
                let fm = &site.file(id).front_matter;
                lang = item.lang;
                template = match item.section {
                    Section::News => "news.html",
                    Section::Meetings => "meeting.html",
                    Section::Partners => "partner.html",
                    Section::Pages => "page.html",
                };
                kind = "item";
                title = fm.title.clone();
                url = item.url.clone();
                let members = &site.groups[item.group].members;
                alternates = members
                    .iter()
                    .enumerate()
                    .filter_map(|(l, m)| m.map(|m| (l, site.items[m].url.clone())))
                    .collect();
                switcher = (0..site.languages.len())
                    .map(|l| match members[l] {
                        Some(m) => (l, site.items[m].url.clone(), true),
                        None if item.section.has_list() => {
                            (l, site.section_url(l, item.section), false)
                        }
                        None => (l, site.lang_url(l, ""), false),
                    })
                    .collect();
                let mut full =
                    MapBuilder::from_map(values.refs[id].as_map().expect("refs are maps"));
                full = full.set("content", Value::safe_string(&self.markdown[id].html));
                ctx.insert_value("item", full.build());
            }
            Page::Section {
                lang: l,
                section,
                number,
            } => {
                lang = l;
                template = "section.html";
                kind = "section";
                let label = self
                    .ui_string(l, &format!("section_{}", section.folder()))
                    .unwrap_or_else(|| section.folder().to_string());
                title = label.clone();
                let first = site.section_url(l, section);
                url = ResolvedSite::pager_url(&first, number);
                let ids = site.sections[l]
                    .get(&section)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let (paginator, items) = self.paginate(ids, &first, number, per_page);
                ctx.insert_value("items", items);
                ctx.insert_value("paginator", paginator);
                ctx.insert_value(
                    "section",
                    MapBuilder::new()
                        .set("name", section.folder())
                        .set("title", label)
                        .set("url", first.as_str())
                        .build(),
                );
                alternates = self.every_language(|other| {
                    let count = site.sections[other].get(&section).map_or(0, Vec::len);
                    (number == 1 || count > (number - 1) * per_page)
                        .then(|| ResolvedSite::pager_url(&site.section_url(other, section), number))
                });
                switcher = self.switch_to(|other| site.section_url(other, section));
            }
            Page::Home(l) => {
                lang = l;
                template = "home.html";
                kind = "home";
                title = site
                    .loaded
                    .config
                    .config
                    .title
                    .get(site.lang_code(l), site.lang_code(site.default_lang))
                    .unwrap_or_default()
                    .to_string();
                url = site.lang_url(l, "");
                let section = |s: Section| {
                    site.sections[l]
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
                ctx.insert_value("latest_news", values.refs_of(&latest));
                ctx.insert_value("upcoming_meetings", values.refs_of(&upcoming));
                ctx.insert_value("partners", values.refs_of(section(Section::Partners)));
                alternates = self.every_language(|other| Some(site.lang_url(other, "")));
                switcher = self.switch_to(|other| site.lang_url(other, ""));
            }
            Page::Tags(l) => {
                lang = l;
                template = "tags.html";
                kind = "tags";
                title = self.ui_string(l, "tags").unwrap_or_else(|| "Tags".into());
                url = site.lang_url(l, "tags/");
                let tags: Vec<Value> = site.tags[l].values().map(tag_value).collect();
                ctx.insert_value("tags", Value::from(tags));
                alternates = self.every_language(|other| Some(site.lang_url(other, "tags/")));
                switcher = self.switch_to(|other| site.lang_url(other, "tags/"));
            }
            Page::Tag {
                lang: l,
                tag,
                number,
            } => {
                lang = l;
                template = "tag.html";
                kind = "tag";
                let (_, entry) = site.tags[l]
                    .get_index(tag)
                    .expect("tag pages are made from the tag list");
                title = entry.name.clone();
                url = ResolvedSite::pager_url(&entry.url, number);
                let (paginator, items) = self.paginate(&entry.items, &entry.url, number, per_page);
                ctx.insert_value("items", items);
                ctx.insert_value("paginator", paginator);
                ctx.insert_value("tag", tag_value(entry));
                alternates = vec![(l, url.clone())];
                switcher = self.switch_to(|other| {
                    if other == l {
                        url.clone()
                    } else {
                        site.lang_url(other, "tags/")
                    }
                });
            }
            Page::NotFound(_) | Page::RootNotFound => {
                lang = match page {
                    Page::NotFound(l) => l,
                    _ => site.default_lang,
                };
                template = "404.html";
                kind = "not_found";
                title = self
                    .ui_string(lang, "not_found_title")
                    .unwrap_or_else(|| "Page not found".into());
                url = match page {
                    Page::NotFound(l) => site.lang_url(l, "404.html"),
                    _ => format!("{}/404.html", site.base_path),
                };
                alternates = Vec::new();
                switcher = self.switch_to(|other| site.lang_url(other, ""));
            }
            Page::LanguageChooser => {
                lang = site.default_lang;
                template = "language_chooser.html";
                kind = "language_chooser";
                title = site
                    .loaded
                    .config
                    .config
                    .title
                    .get(site.lang_code(lang), site.lang_code(lang))
                    .unwrap_or_default()
                    .to_string();
                url = format!("{}/", site.base_path);
                alternates = self.every_language(|other| Some(site.lang_url(other, "")));
                switcher = self.switch_to(|other| site.lang_url(other, ""));
            }
        }
        ctx.insert_value("lang", Value::from(site.lang_code(lang)));
        ctx.insert_value("language", values.languages[lang].clone());
        ctx.insert_value("site", values.site[lang].clone());
        ctx.insert_value("menu", self.menu(lang, &url));
        ctx.insert_value("kind", Value::from(kind));
        ctx.insert_value("title", Value::from(title));
        ctx.insert_value("permalink", Value::from(site.permalink(&url)));
        ctx.insert_value("url", Value::from(url.as_str()));
        let alternates: Vec<Value> = alternates
            .into_iter()
            .map(|(l, u)| {
                MapBuilder::new()
                    .set("lang", site.lang_code(l))
                    .set("name", site.languages[l].name.as_str())
                    .set("permalink", site.permalink(&u))
                    .set("url", u)
                    .build()
            })
            .collect();
        ctx.insert_value("alternates", Value::from(alternates));
        let switcher: Vec<Value> = switcher
            .into_iter()
            .map(|(l, u, available)| {
                MapBuilder::new()
                    .set("lang", site.lang_code(l))
                    .set("name", site.languages[l].name.as_str())
                    .set("url", u)
                    .set("current", l == lang)
                    .set("available", available)
                    .build()
            })
            .collect();
        ctx.insert_value("switcher", Value::from(switcher));
        (template.to_string(), ctx, url)
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
        let strings = &self.site.loaded.theme.strings;
        strings
            .get(self.site.lang_code(lang))
            .and_then(|s| s.get(key))
            .or_else(|| {
                strings
                    .get(self.site.lang_code(self.site.default_lang))
                    .and_then(|s| s.get(key))
            })
            .cloned()
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
        let start = ((number - 1) * per_page).min(ids.len());
        let end = (start + per_page).min(ids.len());
        let url_of = |n: usize| ResolvedSite::pager_url(first_url, n);
        let pages: Vec<Value> = (1..=total_pages)
            .map(|n| {
                MapBuilder::new()
                    .set("number", n)
                    .set("url", url_of(n))
                    .set("current", n == number)
                    .build()
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
        (paginator, self.values.refs_of(&ids[start..end]))
    }

    fn menu(&self, lang: LangId, page_url: &str) -> Value {
        let site = self.site;
        let Some(entries) = site.loaded.config.config.menus.get(site.lang_code(lang)) else {
            return Value::from(Vec::<Value>::new());
        };
        let entries: Vec<Value> = entries
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
                let active = !external
                    && (page_url == url || (entry.section.is_some() && page_url.starts_with(&url)));
                MapBuilder::new()
                    .set("name", entry.name.as_str())
                    .set("url", url)
                    .set("external", external)
                    .set("active", active)
                    .build()
            })
            .collect();
        Value::from(entries)
    }
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
fn output_path(site: &ResolvedSite, url: &str) -> String {
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

/// Redirect pages for the old URLs listed in `aliases`.
fn alias_pages(site: &ResolvedSite, diagnostics: &mut Diagnostics) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for (id, item) in site.items.iter().enumerate() {
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
            let target = site.permalink(&item.url);
            let target = escape_attribute(&target);
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{target}</title><link rel=\"canonical\" href=\"{target}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"></head><body><p><a href=\"{target}\">{target}</a></p></body></html>\n",
                lang = site.lang_code(item.lang)
            );
            files.push(OutputFile {
                path,
                contents: OutputContents::Bytes(html.into_bytes()),
            });
        }
    }
    files
}

fn escape_attribute(text: &str) -> String {
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
