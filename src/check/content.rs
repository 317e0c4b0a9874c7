//! Checks that look at the content files themselves, where editors can be shown the line:
//! the links and images of each item's Markdown and front matter, titles used twice in one
//! language, and items missing in a language the site requires.

use std::collections::HashMap;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::html::LinkKind;
use crate::diagnostics::{Diagnostic, Location, line_col};
use crate::render::markdown::{options as markdown_options, rooted_url};
use crate::render::values::item_asset_url;
use crate::resolve::{ItemId, LinkResolution, ResolvedSite, parse_internal_link};

/// A link or image written in an item's file.
#[derive(Debug, Clone)]
pub struct SourceLink {
    pub kind: LinkKind,
    /// The address as the built page has it (an `@/` link resolved, a front matter image made
    /// relative to the item's page).
    pub rendered: String,
    /// The address as the editor wrote it.
    pub written: String,
    pub location: Location,
}

/// The links and images that `item`'s file writes, and its images without a description.
pub fn source_links(site: &ResolvedSite, item: ItemId) -> (Vec<SourceLink>, Vec<Diagnostic>) {
    let file = site.file(item);
    let lang = site.items[item].lang;
    let page_url = site.items[item].url.as_str();
    let languages: Vec<&str> = site.languages.iter().map(|l| l.code.as_str()).collect();
    let mut links = Vec::new();
    let mut problems = Vec::new();
    let at = |offset: usize| {
        let (line, column) = line_col(&file.source, file.body_offset + offset);
        Location::at(&file.path, line, column)
    };
    // The image being read: where it starts, and its description so far.
    let mut image: Option<(usize, String)> = None;
    for (event, range) in Parser::new_ext(file.body(), markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let rendered = match parse_internal_link(&dest_url, &languages) {
                    Some(target) => match site.resolve_link(&target, lang) {
                        LinkResolution::Found(url) | LinkResolution::OtherLanguage { url, .. } => {
                            url
                        }
                        // The build reports these.
                        LinkResolution::Unpublished | LinkResolution::Missing => continue,
                    },
                    None => rooted_url(link_type, dest_url.clone(), page_url).into_string(),
                };
                links.push(SourceLink {
                    kind: LinkKind::Link,
                    rendered,
                    written: dest_url.to_string(),
                    location: at(range.start),
                });
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                ..
            }) => {
                links.push(SourceLink {
                    kind: LinkKind::Image,
                    rendered: rooted_url(link_type, dest_url.clone(), page_url).into_string(),
                    written: dest_url.to_string(),
                    location: at(range.start),
                });
                image = Some((range.start, String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, alt)) = &mut image {
                    alt.push_str(&text);
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some((start, alt)) = image.take()
                    && alt.trim().is_empty()
                {
                    problems.push(
                        file.error(at(start), "this image has no description (alt text)")
                            .with_hint("say what the picture shows between the brackets: `![Partners at the kick-off in Terrassa](photo.jpg)`"),
                    );
                }
            }
            _ => {}
        }
    }
    // Front matter pictures sit beside the page of the item whose text it is.
    let asset_base = &site.items[site.text_of(item)].url;
    let fm = &file.front_matter;
    if let Some(picture) = &fm.image {
        links.push(SourceLink {
            kind: LinkKind::Image,
            rendered: item_asset_url(site, asset_base, &picture.src),
            written: picture.src.clone(),
            location: file.location_of_value("image", &picture.src),
        });
        if picture
            .alt
            .as_deref()
            .is_none_or(|alt| alt.trim().is_empty())
        {
            problems.push(
                file.error(file.location_of("image"), "the image has no description (`alt`)")
                    .with_hint("add what the picture shows, for people who cannot see it:\n  image:\n    src: photo.jpg\n    alt: Partners at the kick-off meeting in Terrassa"),
            );
        }
    }
    if let Some(logo) = &fm.logo {
        links.push(SourceLink {
            kind: LinkKind::Image,
            rendered: item_asset_url(site, asset_base, logo),
            written: logo.clone(),
            location: file.location_of("logo"),
        });
    }
    (links, problems)
}

/// Two items of one language with the same title: visitors and search engines cannot tell
/// them apart. A warning on the second one, naming the first.
pub fn duplicate_titles(site: &ResolvedSite) -> Vec<Diagnostic> {
    let mut first: HashMap<(usize, String), ItemId> = HashMap::new();
    let mut problems = Vec::new();
    // In the order of their files, so that the first one keeps its title.
    let mut ids: Vec<ItemId> = (0..site.items.len())
        .filter(|&id| site.items[id].fallback_of.is_none())
        .collect();
    ids.sort_by(|&a, &b| site.file(a).path.cmp(&site.file(b).path));
    for id in ids {
        let item = &site.items[id];
        let file = site.file(id);
        let title = file
            .front_matter
            .title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if title.is_empty() {
            continue;
        }
        match first.get(&(item.lang, title.clone())) {
            Some(&earlier) => problems.push(
                file.warning(
                    file.location_of("title"),
                    format!(
                        "{} has the same title in {}",
                        site.file(earlier).path.display(),
                        site.lang_code(item.lang)
                    ),
                )
                .with_hint("give each item its own title, so that lists, feeds and search results tell them apart"),
            ),
            None => {
                first.insert((item.lang, title), id);
            }
        }
    }
    problems
}

/// Published items that lack a language the site marks `required: true`.
pub fn missing_required_translations(site: &ResolvedSite) -> Vec<Diagnostic> {
    let required: Vec<(usize, &str)> = site
        .loaded
        .config
        .config
        .languages
        .iter()
        .filter(|(_, lang)| lang.required)
        .filter_map(|(code, _)| site.lang_id(code).map(|id| (id, code.as_str())))
        .collect();
    let mut problems = Vec::new();
    if required.is_empty() {
        return problems;
    }
    for group in &site.groups {
        let Some(source) = group.members[site.default_lang]
            .or_else(|| group.members.iter().flatten().next().copied())
        else {
            continue;
        };
        let file = site.file(source);
        for &(lang, code) in &required {
            if group.members[lang].is_some() {
                continue;
            }
            problems.push(
                file.error(
                    file.location_of("title"),
                    format!("this item is not published in {code}, a language site.yaml marks as required"),
                )
                .with_hint(format!(
                    "translate it: herald translate {} --to {code} (or finish the draft, if there is one)",
                    file.path.display()
                )),
            );
        }
    }
    problems
}
