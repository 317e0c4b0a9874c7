//! Markdown to HTML with pulldown-cmark: heading ids, internal links, summaries.

use std::collections::HashSet;
use std::sync::Arc;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use super::shortcodes::{self, Shortcode, parse_shortcode};
use crate::diagnostics::{Diagnostic, line_col};
use crate::resolve::{ItemId, LinkResolution, ResolvedSite, parse_internal_link};

/// HTML text, held as the template value that shows it: every page, list and reference that
/// shows it shares this one copy (a template value cannot be made from an `Arc<str>`
/// without copying it, and copying every body into its page, with the 43 entries of its
/// reference, took 5% of a build's instructions).
#[derive(Debug, Clone, PartialEq)]
pub struct Html(tera::Value);

impl Default for Html {
    fn default() -> Html {
        Html::new("")
    }
}

impl Html {
    pub fn new(text: &str) -> Html {
        Html(tera::Value::safe_string(text))
    }

    /// The template value: a string marked safe (not escaped again).
    pub fn value(&self) -> &tera::Value {
        &self.0
    }
}

impl std::ops::Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.as_str().unwrap_or_default()
    }
}

/// The HTML of an item's body and its summary.
#[derive(Debug, Clone, Default)]
pub struct RenderedMarkdown {
    pub html: Html,
    pub summary: Html,
    /// The summary as plain text, for `<meta name="description">`, feeds and search.
    pub summary_text: Arc<str>,
    /// Every internal link and where it led, so that a later build can tell whether this
    /// rendering still holds.
    pub links: Vec<(String, LinkResolution)>,
    /// The URL of the item's page, which relative links and images were resolved against.
    pub page_url: String,
    /// Whether the HTML holds texts of the theme's UI strings (a shortcode's): then a change
    /// of the theme changes it too.
    pub uses_ui_strings: bool,
    pub problems: Vec<Diagnostic>,
}

const SUMMARY_MARKER: &str = "<!-- more -->";

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders the body of `item`; links like `@/news/kick-off.md` lead to the item's language.
pub fn render_item_markdown(site: &ResolvedSite, item: ItemId) -> RenderedMarkdown {
    let file = site.file(item);
    let body = file.body();
    let lang = site.items[item].lang;
    let page_url = site.items[item].url.as_str();
    let languages: Vec<&str> = site.languages.iter().map(|l| l.code.as_str()).collect();
    let mut problems = Vec::new();
    let mut links = Vec::new();
    // Room for the events at once rather than a regrowth (and a copy) at every doubling: the
    // benchmark's texts have one event per 37 bytes on average, and few have more than one
    // per 24.
    let mut events: Vec<Event> = Vec::with_capacity(body.len() / 24 + 16);
    let mut heading: Option<(usize, HeadingLevel)> = None;
    let mut used_ids = HashSet::new();
    let mut depth = 0usize;
    let mut first_paragraph: Option<(usize, Option<usize>)> = None;
    let mut more_at: Option<usize> = None;
    // Inside a paragraph that a shortcode replaced.
    let mut in_shortcode = false;
    let mut uses_ui_strings = false;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        // Where in the file the event starts, for a diagnostic.
        let location = || {
            let (line, column) = line_col(&file.source, file.body_offset + range.start);
            crate::diagnostics::Location::at(&file.path, line, column)
        };
        if in_shortcode {
            in_shortcode = !matches!(event, Event::End(TagEnd::Paragraph));
            continue;
        }
        let event = if matches!(event, Event::Start(Tag::Paragraph))
            && let Some(parsed) = parse_shortcode(&body[range.clone()])
        {
            match render_shortcode(site, item, parsed) {
                Ok(html) => {
                    in_shortcode = true;
                    uses_ui_strings = true;
                    Event::Html(CowStr::from(html))
                }
                Err((message, hint)) => {
                    problems.push(file.error(location(), message).with_hint(hint));
                    event
                }
            }
        } else {
            event
        };
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with("@/") => {
                let dest = match parse_internal_link(&dest_url, &languages) {
                    Some(target) => {
                        match record(&mut links, &dest_url, site.resolve_link(&target, lang)) {
                            LinkResolution::Found(url) => url,
                            LinkResolution::OtherLanguage { url, lang: other } => {
                                problems.push(file.warning(
                                location(),
                                format!(
                                    "`{dest_url}` is not translated into {}; the link leads to its {other} version",
                                    site.lang_code(lang)
                                ),
                            ));
                                url
                            }
                            LinkResolution::Unpublished => {
                                problems.push(
                                file.error(location(), format!("the link `{dest_url}` leads to an item that is not published"))
                                    .with_hint("it is a draft or dated in the future; link to it once it is published"),
                            );
                                String::new()
                            }
                            LinkResolution::Missing => {
                                let hint = crate::diagnostics::did_you_mean(&target.key, site.link_keys())
                                .map(|key| format!("did you mean `@/{key}.md`?"))
                                .unwrap_or_else(|| {
                                    "internal links name a file under content/ without its language: `@/news/kick-off.md`".to_string()
                                });
                                problems.push(
                                file.error(location(), format!("broken internal link: there is no content file for `{dest_url}`"))
                                    .with_hint(hint),
                            );
                                String::new()
                            }
                        }
                    }
                    None => String::new(),
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                })
            }
            event @ Event::Start(Tag::Image { .. } | Tag::Link { .. }) => rooted(event, page_url),
            Event::Html(ref text) | Event::InlineHtml(ref text)
                if text.trim() == SUMMARY_MARKER =>
            {
                if more_at.is_none() {
                    more_at = Some(events.len());
                }
                continue;
            }
            other => other,
        };
        match &event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((events.len(), *level)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, _)) = heading.take() {
                    assign_heading_id(&mut events, start, &mut used_ids);
                }
            }
            Event::Start(Tag::Paragraph) if depth == 0 && first_paragraph.is_none() => {
                first_paragraph = Some((events.len(), None));
            }
            Event::End(TagEnd::Paragraph) if depth == 1 => {
                if let Some((start, None)) = first_paragraph {
                    first_paragraph = Some((start, Some(events.len() + 1)));
                }
            }
            _ => {}
        }
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        events.push(event);
    }

    let summary_events: Vec<Event> = if let Some(text) = &file.front_matter.summary {
        // The front matter summary gets the body's treatment of addresses: `@/` links lead to
        // the item's language, page-relative ones are made root-relative.
        Parser::new_ext(text, options())
            .map(|event| match event {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) if dest_url.starts_with("@/") => {
                    let url = parse_internal_link(&dest_url, &languages)
                        .map(|target| record(&mut links, &dest_url, site.resolve_link(&target, lang)));
                    let dest_url = match url {
                        Some(LinkResolution::Found(url) | LinkResolution::OtherLanguage { url, .. }) => url,
                        _ => {
                            problems.push(
                                file.error(
                                    file.location_of("summary"),
                                    format!("the summary links to `{dest_url}`, which is not a published item"),
                                )
                                .with_hint("internal links name a file under content/ without its language: `@/news/kick-off.md`"),
                            );
                            String::new()
                        }
                    };
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(dest_url),
                        title,
                        id,
                    })
                }
                other => rooted(other, page_url),
            })
            .collect()
    } else if let Some(end) = more_at {
        events[..end].to_vec()
    } else if let Some((start, Some(end))) = first_paragraph {
        events[start..end].to_vec()
    } else {
        Vec::new()
    };
    // A footnote's text is not part of the summary: its mark would point at nothing.
    let summary_events: Vec<Event> = summary_events
        .into_iter()
        .filter(|e| !matches!(e, Event::FootnoteReference(_)))
        .collect();
    // The summary's events are copies, so the body's are written without copying them.
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    let mut summary = String::new();
    html::push_html(&mut summary, summary_events.iter().cloned());
    let summary_text = plain_text(&summary_events);
    RenderedMarkdown {
        html: Html::new(&out),
        summary: Html::new(&summary),
        summary_text: Arc::from(summary_text),
        links,
        page_url: page_url.to_string(),
        uses_ui_strings,
        problems,
    }
}

/// The HTML of a shortcode, or what is wrong with it (message, hint).
fn render_shortcode(
    site: &ResolvedSite,
    item: ItemId,
    parsed: Result<Shortcode, String>,
) -> Result<String, (String, String)> {
    let usage = "write it on a line of its own: {{ video(url=\"https://www.youtube.com/watch?v=…\", title=\"What the video shows\") }}".to_string();
    let shortcode = parsed.map_err(|problem| {
        (
            format!("this shortcode cannot be read: {problem}"),
            usage.clone(),
        )
    })?;
    if shortcode.name != "video" {
        let hint = crate::diagnostics::did_you_mean(&shortcode.name, shortcodes::KNOWN)
            .map(|known| format!("did you mean `{known}`?"))
            .unwrap_or_else(|| format!("the shortcodes are: {}", shortcodes::KNOWN.join(", ")));
        return Err((format!("there is no shortcode `{}`", shortcode.name), hint));
    }
    if let Some((unknown, _)) = shortcode
        .args
        .iter()
        .find(|(key, _)| !matches!(key.as_str(), "url" | "title"))
    {
        let hint = crate::diagnostics::did_you_mean(unknown, ["url", "title"])
            .map(|known| format!("did you mean `{known}`?"))
            .unwrap_or_else(|| "a video takes `url` and `title`".to_string());
        return Err((format!("a video has no setting `{unknown}`"), hint));
    }
    let Some(url) = shortcode.arg("url") else {
        return Err(("the video has no `url`".into(), usage));
    };
    let Some(embed) = shortcodes::video_embed(url) else {
        return Err((
            format!("`{url}` is not the address of a video herald can show"),
            "use the address of the video's page on YouTube or Vimeo, or an https address of a player".into(),
        ));
    };
    let Some(title) = shortcode.arg("title").filter(|t| !t.trim().is_empty()) else {
        return Err((
            "the video has no `title`".into(),
            "say what the video shows: title=\"Highlights of the kick-off meeting\" (the player is named by it for screen readers)".into(),
        ));
    };
    let lang = site.items[item].lang;
    let text = |key: &str, default: &str| {
        super::ui_string(site, lang, key).unwrap_or_else(|| default.to_string())
    };
    let texts = shortcodes::VideoTexts {
        notice: text(
            "video_notice",
            "This video is shown by {provider}: playing it here connects your browser to {host}, which may record your visit.",
        ),
        play: text("video_play", "Play the video"),
        watch_on: text("video_watch_on", "Watch it on {provider}"),
    };
    let script = format!("{}/js/video-embed.js", site.base_path);
    Ok(shortcodes::video_html(url, title, &embed, &texts, &script))
}

/// A link or image whose address is relative to the page (`photo.jpg` of a bundle), made
/// root-relative: the text is also shown on lists, in feeds and on fallback pages under other
/// URLs. Other events are returned as they are.
fn rooted<'a>(event: Event<'a>, page_url: &str) -> Event<'a> {
    match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            dest_url: rooted_url(link_type, dest_url, page_url),
            link_type,
            title,
            id,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            dest_url: rooted_url(link_type, dest_url, page_url),
            link_type,
            title,
            id,
        }),
        other => other,
    }
}

/// The address of a link or image as the page has it: page-relative ones prefixed with the
/// page's URL.
pub fn rooted_url<'a>(
    link_type: pulldown_cmark::LinkType,
    dest_url: CowStr<'a>,
    page_url: &str,
) -> CowStr<'a> {
    if rewrites(link_type) && is_page_relative(&dest_url) {
        CowStr::from(format!("{page_url}{dest_url}"))
    } else {
        dest_url
    }
}

/// Links whose address is written as an address: not `<info@example.eu>` or `<https://…>`,
/// which the renderer completes itself.
fn rewrites(link_type: pulldown_cmark::LinkType) -> bool {
    use pulldown_cmark::LinkType;
    matches!(
        link_type,
        LinkType::Inline
            | LinkType::Reference
            | LinkType::ReferenceUnknown
            | LinkType::Collapsed
            | LinkType::CollapsedUnknown
            | LinkType::Shortcut
            | LinkType::ShortcutUnknown
    )
}

/// Whether `url` is relative to the page it is written on: `photo.jpg`, `files/report.pdf`,
/// `../other/`; not `/static.css`, `#anchor`, `?q`, `@/news/x.md`, `https://…`, `mailto:…`.
fn is_page_relative(url: &str) -> bool {
    if url.is_empty() || url.starts_with(['/', '#', '?', '@']) {
        return false;
    }
    !has_scheme(url)
}

/// Whether `url` starts with a scheme (`https:`, `mailto:`, `tel:`): a letter, then letters,
/// digits, `+`, `-` or `.`, up to a `:` (RFC 3986).
pub fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Notes where a link led, and passes the resolution on.
fn record(
    links: &mut Vec<(String, LinkResolution)>,
    dest: &str,
    resolution: LinkResolution,
) -> LinkResolution {
    links.push((dest.to_string(), resolution.clone()));
    resolution
}

/// Whether every internal link of `rendered` still leads where it led (then the rendering of
/// an unchanged file can be reused).
pub fn links_unchanged(site: &ResolvedSite, item: ItemId, rendered: &RenderedMarkdown) -> bool {
    let languages: Vec<&str> = site.languages.iter().map(|l| l.code.as_str()).collect();
    let lang = site.items[item].lang;
    rendered.links.iter().all(|(dest, before)| {
        parse_internal_link(dest, &languages)
            .is_some_and(|target| site.resolve_link(&target, lang) == *before)
    })
}

/// The text of `events`, without markup, on one line.
fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Gives the heading that starts at `events[start]` an id from its text, unless it has one.
fn assign_heading_id<'a>(events: &mut [Event<'a>], start: usize, used: &mut HashSet<String>) {
    let text: String = events[start + 1..]
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
        let base = match id {
            Some(existing) => existing.to_string(),
            None => {
                let slug = slug::slugify(&text);
                if slug.is_empty() {
                    "section".to_string()
                } else {
                    slug
                }
            }
        };
        let mut candidate = base.clone();
        let mut n = 1;
        while !used.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        *id = Some(CowStr::from(candidate));
    }
}

#[cfg(test)]
mod tests {
    use super::is_page_relative;

    #[test]
    fn page_relative_addresses() {
        for url in [
            "photo.jpg",
            "files/report.pdf",
            "../results/",
            "2024:report.pdf",
        ] {
            assert!(is_page_relative(url), "{url}");
        }
        for url in [
            "",
            "/static.css",
            "#anchor",
            "?q=1",
            "@/news/x.md",
            "https://example.eu",
            "mailto:info@example.eu",
            "tel:+3490",
        ] {
            assert!(!is_page_relative(url), "{url}");
        }
    }
}
