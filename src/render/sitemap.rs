//! `sitemap.xml` with `xhtml:link` hreflang alternates, and `robots.txt` naming it.

use quick_xml::escape::escape;

use super::{OutputContents, OutputFile};
use crate::load::Section;
use crate::resolve::{LangId, ResolvedSite};

/// The most URLs one sitemap file may hold (sitemaps.org).
const URLS_PER_FILE: usize = 50_000;

/// One page in the sitemap with its translations (`(lang, url)`, itself included).
struct SitemapEntry {
    url: String,
    alternates: Vec<(LangId, String)>,
    lastmod: Option<String>,
}

pub fn render_sitemap(site: &ResolvedSite) -> Vec<OutputFile> {
    let mut entries = Vec::new();
    let every_language = |url: &dyn Fn(LangId) -> String| -> Vec<(LangId, String)> {
        (0..site.languages.len()).map(|l| (l, url(l))).collect()
    };
    for lang in 0..site.languages.len() {
        let home = every_language(&|l| site.lang_url(l, ""));
        entries.push(SitemapEntry {
            url: site.lang_url(lang, ""),
            alternates: home,
            lastmod: None,
        });
        for section in Section::ALL.into_iter().filter(|s| s.has_list()) {
            let alternates = every_language(&|l| site.section_url(l, section));
            entries.push(SitemapEntry {
                url: site.section_url(lang, section),
                alternates,
                lastmod: None,
            });
        }
    }
    for item in site.items.iter().filter(|i| i.fallback_of.is_none()) {
        let alternates = site.groups[item.group]
            .members
            .iter()
            .enumerate()
            .filter_map(|(l, m)| m.map(|m| (l, site.items[m].url.clone())))
            .collect();
        let lastmod = (item.section == Section::News)
            .then(|| item.date.map(|d| d.day.to_string()))
            .flatten();
        entries.push(SitemapEntry {
            url: item.url.clone(),
            alternates,
            lastmod,
        });
    }
    for (lang, tags) in site.tags.iter().enumerate() {
        entries.push(SitemapEntry {
            url: site.lang_url(lang, "tags/"),
            alternates: Vec::new(),
            lastmod: None,
        });
        for tag in tags.values() {
            entries.push(SitemapEntry {
                url: tag.url.clone(),
                alternates: Vec::new(),
                lastmod: None,
            });
        }
    }

    let mut files = Vec::new();
    let chunks: Vec<&[SitemapEntry]> = entries.chunks(URLS_PER_FILE).collect();
    if chunks.len() <= 1 {
        files.push(urlset_file(site, "sitemap.xml", &entries));
    } else {
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (n, chunk) in chunks.iter().enumerate() {
            let name = format!("sitemap-{}.xml", n + 1);
            index.push_str(&format!(
                "<sitemap><loc>{}</loc></sitemap>\n",
                escape(site.permalink(&format!("{}/{name}", site.base_path)))
            ));
            files.push(urlset_file(site, &name, chunk));
        }
        index.push_str("</sitemapindex>\n");
        files.push(OutputFile {
            path: "sitemap.xml".into(),
            contents: OutputContents::text(index),
        });
    }
    let robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.permalink(&format!("{}/sitemap.xml", site.base_path))
    );
    files.push(OutputFile {
        path: "robots.txt".into(),
        contents: OutputContents::text(robots),
    });
    files
}

fn urlset_file(site: &ResolvedSite, name: &str, entries: &[SitemapEntry]) -> OutputFile {
    let mut xml = String::with_capacity(entries.len() * 400);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
    // Written in place: the sitemap of a large site has 100 000 lines, each a `format!` before.
    let permalink = |xml: &mut String, url: &str| {
        let (base, path) = site.permalink_parts(url);
        xml.push_str(&escape(base));
        xml.push_str(&escape(path));
    };
    for entry in entries {
        xml.push_str("<url>\n<loc>");
        permalink(&mut xml, &entry.url);
        xml.push_str("</loc>\n");
        if let Some(lastmod) = &entry.lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(lastmod);
            xml.push_str("</lastmod>\n");
        }
        if entry.alternates.len() > 1 {
            for (lang, url) in &entry.alternates {
                xml.push_str("<xhtml:link rel=\"alternate\" hreflang=\"");
                xml.push_str(&escape(site.lang_code(*lang)));
                xml.push_str("\" href=\"");
                permalink(&mut xml, url);
                xml.push_str("\"/>\n");
            }
            let default = entry
                .alternates
                .iter()
                .find(|(l, _)| *l == site.default_lang)
                .or(entry.alternates.first());
            if let Some((_, url)) = default {
                xml.push_str("<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"");
                permalink(&mut xml, url);
                xml.push_str("\"/>\n");
            }
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile {
        path: name.to_string(),
        contents: OutputContents::text(xml),
    }
}
