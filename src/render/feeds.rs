//! Atom feeds per language: the whole site (news and meetings) and each dated section. Each
//! holds the newest `feed_limit` items with their full content.

use quick_xml::escape::escape;

use super::markdown::RenderedMarkdown;
use super::{OutputContents, OutputFile};
use crate::load::Section;
use crate::resolve::{ItemId, LangId, ResolvedSite};

/// The sections that have feeds (items with dates).
pub const FEED_SECTIONS: [Section; 2] = [Section::News, Section::Meetings];

/// Root-relative URL of the site-wide feed of `lang`, or of a section's feed.
pub fn feed_url(site: &ResolvedSite, lang: LangId, section: Option<Section>) -> String {
    match section {
        Some(section) => format!("{}atom.xml", site.section_url(lang, section)),
        None => site.lang_url(lang, "atom.xml"),
    }
}

/// Whether any feed shows `id`: feeds take the newest `feed_limit` items of each section
/// (the language's feed, the newest of those).
pub fn shows_item(site: &ResolvedSite, id: ItemId) -> bool {
    let item = &site.items[id];
    item.fallback_of.is_none()
        && FEED_SECTIONS.contains(&item.section)
        && site.sections[item.lang]
            .get(&item.section)
            .is_some_and(|ids| {
                ids.iter()
                    .filter(|&&other| site.items[other].fallback_of.is_none())
                    .take(site.loaded.config.config.feed_limit)
                    .any(|&other| other == id)
            })
}

pub fn render_feeds(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    ui: &dyn Fn(LangId, &str) -> Option<String>,
) -> Vec<OutputFile> {
    let limit = site.loaded.config.config.feed_limit;
    let mut files = Vec::new();
    for lang in 0..site.languages.len() {
        let site_title = site.title_in(lang).to_string();
        let newest = |section: Section| -> Vec<ItemId> {
            site.sections[lang]
                .get(&section)
                .map(|ids| {
                    ids.iter()
                        .copied()
                        .filter(|&id| site.items[id].fallback_of.is_none())
                        .take(limit)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut all: Vec<ItemId> = FEED_SECTIONS.iter().flat_map(|&s| newest(s)).collect();
        all.sort_by(|&a, &b| {
            site.items[b]
                .date
                .map(|d| d.instant)
                .cmp(&site.items[a].date.map(|d| d.instant))
        });
        all.truncate(limit);
        let feed = Feed {
            site,
            markdown,
            lang,
            site_title: &site_title,
        };
        files.push(feed.render(
            &site_title,
            &feed_url(site, lang, None),
            &site.lang_url(lang, ""),
            &all,
        ));
        for section in FEED_SECTIONS {
            let label = ui(lang, &format!("section_{}", section.folder()))
                .unwrap_or_else(|| section.folder().to_string());
            let title = format!("{site_title}: {label}");
            files.push(feed.render(
                &title,
                &feed_url(site, lang, Some(section)),
                &site.section_url(lang, section),
                &newest(section),
            ));
        }
    }
    files
}

struct Feed<'a> {
    site: &'a ResolvedSite,
    markdown: &'a [RenderedMarkdown],
    lang: LangId,
    site_title: &'a str,
}

impl Feed<'_> {
    fn render(&self, title: &str, self_url: &str, page_url: &str, ids: &[ItemId]) -> OutputFile {
        let site = self.site;
        let updated = ids
            .iter()
            .filter_map(|&id| site.items[id].date.map(|d| d.instant))
            .max()
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "2000-01-01T00:00:00+00:00".to_string());
        let self_link = site.permalink(self_url);
        let mut xml = String::with_capacity(4096 + ids.len() * 4096);
        xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        xml.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{}</title>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<id>{}</id>\n<updated>{updated}</updated>\n<generator>herald</generator>\n",
            escape(site.lang_code(self.lang)),
            escape(title),
            escape(&self_link),
            escape(site.permalink(page_url)),
            escape(&self_link),
        ));
        for &id in ids {
            self.entry(&mut xml, id);
        }
        xml.push_str("</feed>\n");
        OutputFile {
            path: super::output_path(site, self_url),
            contents: OutputContents::text(xml),
        }
    }

    fn entry(&self, xml: &mut String, id: ItemId) {
        let site = self.site;
        let item = &site.items[id];
        let fm = &site.file(id).front_matter;
        let permalink = site.permalink(&item.url);
        let date = item
            .date
            .map(|d| d.instant.to_rfc3339())
            .unwrap_or_default();
        let author = fm.author.as_deref().unwrap_or(self.site_title);
        // xml:base makes the root-relative and bundle-relative links of the content resolve.
        xml.push_str(&format!(
            "<entry xml:base=\"{p}\">\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{p}\"/>\n<id>{p}</id>\n<published>{date}</published>\n<updated>{date}</updated>\n<author><name>{}</name></author>\n",
            escape(&fm.title),
            escape(author),
            p = escape(&permalink),
        ));
        for &tag in &item.tags {
            if let Some((_, tag)) = site.tags[item.lang].get_index(tag) {
                xml.push_str(&format!(
                    "<category term=\"{}\" label=\"{}\"/>\n",
                    escape(&tag.slug),
                    escape(&tag.name)
                ));
            }
        }
        let rendered = &self.markdown[id];
        if !rendered.summary.is_empty() {
            xml.push_str(&format!(
                "<summary type=\"html\">{}</summary>\n",
                escape(&*rendered.summary)
            ));
        }
        xml.push_str(&format!(
            "<content type=\"html\">{}</content>\n</entry>\n",
            escape(&*rendered.html)
        ));
    }
}
