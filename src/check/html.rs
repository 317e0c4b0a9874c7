//! What `check` needs to know of one built HTML page: the addresses it makes the browser
//! follow or fetch, the anchors it offers, its images, its language and, for the compliance
//! check, its text. The page is read with html5ever's tokenizer (no tree is built: a page is
//! scanned once, in one pass).

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// What an address is used for on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// `<a href>`, `<area href>`, `<link rel=canonical>`: a visitor follows it, or it names a
    /// page.
    Link,
    /// `<img src>`, `<source srcset>`…: the browser fetches it to show the page.
    Image,
    /// `<link rel=stylesheet>`, `<script src>`, `<iframe src>`, `url()` in CSS…: the browser
    /// fetches it (or connects to its host) when the page loads.
    Resource,
    /// `<form action>`: the browser sends the form there when the visitor submits it.
    Submit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub kind: LinkKind,
    /// As written in the attribute (entities decoded).
    pub url: String,
    /// What asks for it, for messages: `stylesheet`, `script`, `iframe`, `image`…
    pub element: &'static str,
}

/// An `<img>` of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImage {
    pub src: String,
    pub alt: Option<String>,
    /// The `height` attribute, in CSS pixels, when it is a number.
    pub height: Option<u32>,
    /// Whether it comes before the page's main content in markup order: in the header, or in
    /// `<main>` before its first `<h2>`.
    pub first_screen: bool,
}

/// One page, scanned.
#[derive(Debug, Default)]
pub struct PageScan {
    pub links: Vec<PageLink>,
    /// Every `id`, and every `name` of an `<a>`: what `#fragment` can point at.
    pub anchors: HashSet<String>,
    pub images: Vec<PageImage>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// A redirect page (`<meta http-equiv=refresh>`), such as an alias.
    pub redirect: bool,
    /// The text a visitor reads, with runs of white space made one space (only with
    /// [`ScanDetail::text`]).
    pub text: String,
}

impl PageScan {
    /// The `src` of each `<img>` that has no `alt` attribute at all (`alt=""` is a theme's way
    /// to mark a decorative image, and is allowed).
    pub fn images_without_alt(&self) -> impl Iterator<Item = &str> {
        self.images
            .iter()
            .filter(|image| image.alt.is_none())
            .map(|image| image.src.as_str())
    }
}

/// What to collect beyond links and anchors.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanDetail {
    pub text: bool,
}

/// Scans `html`.
pub fn scan_page(html: &str, detail: ScanDetail) -> PageScan {
    let sink = ScanSink(RefCell::new(ScanState {
        scan: PageScan::default(),
        detail,
        raw: None,
        style: String::new(),
        main_started: false,
        first_screen_over: false,
    }));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut state = tokenizer.sink.0.into_inner();
    let text = std::mem::take(&mut state.scan.text);
    state.scan.text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    state.scan
}

/// Where the scan is.
struct ScanState {
    scan: PageScan,
    detail: ScanDetail,
    /// Inside `<script>` or `<style>` (their text is not the page's text).
    raw: Option<&'static str>,
    /// The text of the `<style>` element being read.
    style: String,
    main_started: bool,
    first_screen_over: bool,
}

struct ScanSink(RefCell<ScanState>);

impl TokenSink for ScanSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.0.borrow_mut();
        let tag = match token {
            Token::TagToken(tag) => tag,
            Token::CharacterTokens(text) => {
                match state.raw {
                    Some("style") => state.style.push_str(&text),
                    Some(_) => {}
                    None if state.detail.text => {
                        state.scan.text.push_str(&text);
                    }
                    None => {}
                }
                return TokenSinkResult::Continue;
            }
            _ => return TokenSinkResult::Continue,
        };
        let name: &str = &tag.name;
        if tag.kind == TagKind::EndTag {
            match name {
                "script" | "style" => {
                    if state.raw == Some("style") {
                        let css = std::mem::take(&mut state.style);
                        for url in css_urls(&css) {
                            state.scan.links.push(PageLink {
                                kind: LinkKind::Resource,
                                url,
                                element: "style sheet",
                            });
                        }
                    }
                    state.raw = None;
                }
                "main" => state.first_screen_over = true,
                _ => {}
            }
            // Words of neighbouring blocks must not run together in the text.
            if state.detail.text {
                state.scan.text.push(' ');
            }
            return TokenSinkResult::Continue;
        }
        let attr = |wanted: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == wanted)
                .map(|a| a.value.to_string())
        };
        if state.detail.text {
            state.scan.text.push(' ');
        }
        let scan = &mut state.scan;
        if let Some(id) = attr("id") {
            scan.anchors.insert(id);
        }
        let mut found: Vec<(LinkKind, String, &'static str)> = Vec::new();
        if let Some(style) = attr("style") {
            for url in css_urls(&style) {
                found.push((LinkKind::Resource, url, "style attribute"));
            }
        }
        match name {
            "html" => scan.lang = attr("lang"),
            "meta" if attr("http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh")) => {
                scan.redirect = true;
            }
            "a" | "area" => {
                if name == "a"
                    && let Some(anchor) = attr("name")
                {
                    scan.anchors.insert(anchor);
                }
                if let Some(href) = attr("href") {
                    found.push((LinkKind::Link, href, "link"));
                }
            }
            "img" => {
                if let Some(src) = attr("src") {
                    let alt = attr("alt");
                    let first_screen = !state.first_screen_over;
                    state.scan.images.push(PageImage {
                        src: src.trim().to_string(),
                        alt,
                        height: attr("height").and_then(|h| h.trim().parse().ok()),
                        first_screen,
                    });
                    found.push((LinkKind::Image, src, "image"));
                }
                if let Some(srcset) = attr("srcset") {
                    for url in srcset_urls(&srcset) {
                        found.push((LinkKind::Image, url, "image"));
                    }
                }
            }
            "source" => {
                if let Some(src) = attr("src") {
                    found.push((LinkKind::Resource, src, "media source"));
                }
                if let Some(srcset) = attr("srcset") {
                    for url in srcset_urls(&srcset) {
                        found.push((LinkKind::Image, url, "image"));
                    }
                }
            }
            "link" => {
                let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                let fetched = rel.split_ascii_whitespace().find_map(|r| match r {
                    "stylesheet" => Some("stylesheet"),
                    "icon" | "apple-touch-icon" | "mask-icon" => Some("icon"),
                    "preload" | "prefetch" | "modulepreload" => Some("preload"),
                    "preconnect" | "dns-prefetch" => Some("preconnect"),
                    "manifest" => Some("manifest"),
                    _ => None,
                });
                if let Some(href) = attr("href") {
                    // `canonical` and `alternate` name addresses and fetch nothing; they are
                    // checked as links (they must exist all the same).
                    match fetched {
                        Some(element) => found.push((LinkKind::Resource, href, element)),
                        None => found.push((LinkKind::Link, href, "link")),
                    }
                }
            }
            "script" | "iframe" | "embed" | "video" | "audio" | "track" | "input" | "frame" => {
                let element = match name {
                    "script" => "script",
                    "iframe" | "frame" => "iframe",
                    "embed" => "embed",
                    "video" | "audio" | "track" => "media",
                    _ => "image",
                };
                if let Some(src) = attr("src") {
                    found.push((LinkKind::Resource, src, element));
                }
                if let Some(poster) = attr("poster") {
                    found.push((LinkKind::Image, poster, "image"));
                }
            }
            "object" => {
                if let Some(data) = attr("data") {
                    found.push((LinkKind::Resource, data, "embed"));
                }
            }
            "form" => {
                if let Some(action) = attr("action") {
                    found.push((LinkKind::Submit, action, "form"));
                }
            }
            "main" => state.main_started = true,
            "h2" if state.main_started => state.first_screen_over = true,
            _ => {}
        }
        for (kind, url, element) in found {
            let url = url.trim();
            if !url.is_empty() {
                state.scan.links.push(PageLink {
                    kind,
                    url: url.to_string(),
                    element,
                });
            }
        }
        if tag.self_closing {
            return TokenSinkResult::Continue;
        }
        // The text of these elements is not markup: without this, a JSON-LD block or a script
        // holding `<a href=…>` in a string would be read as links.
        match name {
            "script" => {
                state.raw = Some("script");
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            "style" => {
                state.raw = Some("style");
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "xmp" | "iframe" | "noembed" | "noframes" => TokenSinkResult::RawData(RawKind::Rawtext),
            "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
            _ => TokenSinkResult::Continue,
        }
    }
}

/// The addresses of a `srcset`: `a.jpg 1x, b.jpg 2x`.
fn srcset_urls(srcset: &str) -> Vec<String> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_ascii_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The addresses a style sheet loads: `url(…)` (fonts, images) and `@import "…"`.
pub fn css_urls(css: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let lower = css.to_ascii_lowercase();
    let mut rest = 0;
    while let Some(found) = lower[rest..].find("url(") {
        let start = rest + found + 4;
        let Some(len) = css[start..].find(')') else {
            break;
        };
        let url = css[start..start + len]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        if !url.is_empty() && !url.starts_with("data:") {
            urls.push(url.to_string());
        }
        rest = start + len;
    }
    let mut rest = 0;
    while let Some(found) = lower[rest..].find("@import") {
        let start = rest + found + 7;
        let after = css[start..].trim_start();
        if let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'')
            && let Some(end) = after[1..].find(quote)
        {
            urls.push(after[1..1 + end].to_string());
        }
        rest = start;
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_anchors_and_images() {
        let scan = scan_page(
            r##"<!doctype html><html lang="es"><head><link rel="stylesheet" href="/style.css">
            <link rel="canonical" href="https://example.eu/en/">
            <script type="application/ld+json">{"a": "<a href='/not-a-link/'>"}</script></head>
            <body><header><img src="/emblem.svg" alt="EU" height="54"></header>
            <main><h1 id="top">Title</h1><h2 id="next-steps">Next</h2><a name="old"></a>
            <a href="/en/news/?x=1&amp;y=2#top">News</a>
            <img src="/logo.svg" alt=""><img src="photo.jpg" srcset="a.jpg 1x, b.jpg 2x">
            <form action="/search/"></form></main></body></html>"##,
            ScanDetail { text: true },
        );
        let urls: Vec<(LinkKind, &str)> = scan
            .links
            .iter()
            .map(|l| (l.kind, l.url.as_str()))
            .collect();
        assert_eq!(
            urls,
            [
                (LinkKind::Resource, "/style.css"),
                (LinkKind::Link, "https://example.eu/en/"),
                (LinkKind::Image, "/emblem.svg"),
                (LinkKind::Link, "/en/news/?x=1&y=2#top"),
                (LinkKind::Image, "/logo.svg"),
                (LinkKind::Image, "photo.jpg"),
                (LinkKind::Image, "a.jpg"),
                (LinkKind::Image, "b.jpg"),
                (LinkKind::Submit, "/search/"),
            ]
        );
        assert!(scan.anchors.contains("next-steps") && scan.anchors.contains("old"));
        assert_eq!(scan.images_without_alt().collect::<Vec<_>>(), ["photo.jpg"]);
        assert_eq!(scan.lang.as_deref(), Some("es"));
        assert_eq!(scan.text, "Title Next News");
        let first_screen: Vec<(&str, bool)> = scan
            .images
            .iter()
            .map(|i| (i.src.as_str(), i.first_screen))
            .collect();
        assert_eq!(
            first_screen,
            [
                ("/emblem.svg", true),
                ("/logo.svg", false),
                ("photo.jpg", false)
            ]
        );
        assert_eq!(scan.images[0].height, Some(54));
    }

    #[test]
    fn finds_what_style_sheets_load() {
        assert_eq!(
            css_urls(
                "@import 'https://fonts.googleapis.com/css2?family=Roboto'; body { background: URL( \"/bg.png\" ) } i { src: url(data:font/woff2;base64,AA) }"
            ),
            ["/bg.png", "https://fonts.googleapis.com/css2?family=Roboto"]
        );
        let scan = scan_page(
            "<html><head><style>@font-face { src: url(https://fonts.gstatic.com/a.woff2) }</style></head><body><div style=\"background:url('https://cdn.example.org/x.png')\"></div></body></html>",
            ScanDetail::default(),
        );
        let urls: Vec<(&str, &str)> = scan
            .links
            .iter()
            .map(|l| (l.url.as_str(), l.element))
            .collect();
        assert_eq!(
            urls,
            [
                ("https://fonts.gstatic.com/a.woff2", "style sheet"),
                ("https://cdn.example.org/x.png", "style attribute")
            ]
        );
    }
}
