//! What `check` needs to know of one built HTML page: the addresses it makes the browser
//! follow or fetch, the anchors it offers, and its images without `alt`. The page is read with
//! html5ever's tokenizer (no tree is built: a page is scanned once, in one pass).

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
    /// `<a href>`, `<area href>`: a visitor follows it.
    Link,
    /// `<img src>`, `<source srcset>`…: the browser fetches it to show the page.
    Image,
    /// `<link href>`, `<script src>`, `<iframe src>`…: the browser fetches it too.
    Resource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub kind: LinkKind,
    /// As written in the attribute (entities decoded).
    pub url: String,
}

/// One page, scanned.
#[derive(Debug, Default)]
pub struct PageScan {
    pub links: Vec<PageLink>,
    /// Every `id`, and every `name` of an `<a>`: what `#fragment` can point at.
    pub anchors: HashSet<String>,
    /// The `src` of each `<img>` that has no `alt` attribute at all (`alt=""` is a theme's way
    /// to mark a decorative image, and is allowed).
    pub images_without_alt: Vec<String>,
}

/// Scans `html`.
pub fn scan_page(html: &str) -> PageScan {
    let sink = ScanSink(RefCell::new(PageScan::default()));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.into_inner()
}

struct ScanSink(RefCell<PageScan>);

impl TokenSink for ScanSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        let name: &str = &tag.name;
        let attr = |wanted: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == wanted)
                .map(|a| a.value.to_string())
        };
        let mut scan = self.0.borrow_mut();
        if let Some(id) = attr("id") {
            scan.anchors.insert(id);
        }
        if name == "a"
            && let Some(anchor) = attr("name")
        {
            scan.anchors.insert(anchor);
        }
        let mut without_alt = None;
        let mut found: Vec<(LinkKind, String)> = Vec::new();
        let mut push = |kind: LinkKind, url: String| found.push((kind, url));
        match name {
            "a" | "area" => {
                if let Some(href) = attr("href") {
                    push(LinkKind::Link, href);
                }
            }
            "img" => {
                if let Some(src) = attr("src") {
                    if attr("alt").is_none() {
                        without_alt = Some(src.clone());
                    }
                    push(LinkKind::Image, src);
                }
                if let Some(srcset) = attr("srcset") {
                    for url in srcset_urls(&srcset) {
                        push(LinkKind::Image, url);
                    }
                }
            }
            "source" => {
                if let Some(src) = attr("src") {
                    push(LinkKind::Resource, src);
                }
                if let Some(srcset) = attr("srcset") {
                    for url in srcset_urls(&srcset) {
                        push(LinkKind::Image, url);
                    }
                }
            }
            "link" => {
                // `rel=canonical` and `alternate` name addresses, they fetch nothing; they are
                // checked as links (they must exist all the same).
                let fetched = attr("rel").is_some_and(|rel| {
                    rel.split_ascii_whitespace().any(|r| {
                        matches!(
                            r.to_ascii_lowercase().as_str(),
                            "stylesheet" | "icon" | "preload" | "modulepreload" | "manifest"
                        )
                    })
                });
                if let Some(href) = attr("href") {
                    push(
                        if fetched {
                            LinkKind::Resource
                        } else {
                            LinkKind::Link
                        },
                        href,
                    );
                }
            }
            "script" | "iframe" | "embed" | "video" | "audio" | "track" | "input" => {
                if let Some(src) = attr("src") {
                    push(LinkKind::Resource, src);
                }
            }
            "object" => {
                if let Some(data) = attr("data") {
                    push(LinkKind::Resource, data);
                }
            }
            "form" => {
                if let Some(action) = attr("action") {
                    push(LinkKind::Link, action);
                }
            }
            _ => {}
        }
        scan.images_without_alt.extend(without_alt);
        for (kind, url) in found {
            let url = url.trim();
            if !url.is_empty() {
                scan.links.push(PageLink {
                    kind,
                    url: url.to_string(),
                });
            }
        }
        if tag.self_closing {
            return TokenSinkResult::Continue;
        }
        // The text of these elements is not markup: without this, a JSON-LD block or a script
        // holding `<a href=…>` in a string would be read as links.
        match name {
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_anchors_and_images() {
        let scan = scan_page(
            r##"<!doctype html><html><head><link rel="stylesheet" href="/style.css">
            <link rel="canonical" href="https://example.eu/en/">
            <script type="application/ld+json">{"a": "<a href='/not-a-link/'>"}</script></head>
            <body><h2 id="next-steps">Next</h2><a name="old"></a>
            <a href="/en/news/?x=1&amp;y=2#top">News</a>
            <img src="/logo.svg" alt=""><img src="photo.jpg" srcset="a.jpg 1x, b.jpg 2x">
            <form action="/search/"></form></body></html>"##,
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
                (LinkKind::Link, "/en/news/?x=1&y=2#top"),
                (LinkKind::Image, "/logo.svg"),
                (LinkKind::Image, "photo.jpg"),
                (LinkKind::Image, "a.jpg"),
                (LinkKind::Image, "b.jpg"),
                (LinkKind::Link, "/search/"),
            ]
        );
        assert!(scan.anchors.contains("next-steps") && scan.anchors.contains("old"));
        assert_eq!(scan.images_without_alt, ["photo.jpg"]);
    }
}
