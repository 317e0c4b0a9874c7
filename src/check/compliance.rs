//! `check --compliance`: the funder's visibility rules, checked on the built pages (so that a
//! theme cannot hide a mistake): every page carries the funding statement and the disclaimer
//! in its own language; the EU emblem is there with a text alternative, is not smaller than
//! the largest partner logo beside it, and on the home page comes before the main content.
//!
//! Sizes are what the page asks for (`height` of the `<img>`) or else the image file's own
//! (its header, or the `<svg>` element's `height`/`viewBox`). Problems of one kind are reported
//! once, with the number of pages that have them.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::Checker;
use super::links::{Destination, destination};
use crate::diagnostics::{Diagnostic, Location};
use crate::funding::{DEFAULT_EMBLEM, TextOrigin, funding_texts};
use crate::render::OutputContents;
use crate::render::values::item_asset_url;

/// A problem found on pages, before it is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PageProblem {
    MissingStatement {
        lang: String,
        text: String,
    },
    MissingDisclaimer {
        lang: String,
    },
    NoEmblem,
    EmblemWithoutAlt,
    EmblemSmaller {
        emblem: u32,
        logo: String,
        height: u32,
    },
    EmblemNotFirst,
}

pub(super) fn compliance_problems(checker: &Checker) -> Vec<Diagnostic> {
    let site = checker.site;
    let loaded = &site.loaded.config;
    let mut problems = crate::funding::funding_problems(loaded);
    let Some(funding) = &loaded.config.funding else {
        return problems;
    };
    let default = site.lang_code(site.default_lang);
    let emblem_src = funding.emblem.as_deref().unwrap_or(DEFAULT_EMBLEM);
    let emblem = checker.output_file_of(
        &item_asset_url(site, &format!("{}/", site.base_path), emblem_src),
        "/",
    );
    let logos: HashSet<&str> = site
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.section == crate::load::Section::Partners)
        .filter_map(|(id, item)| {
            let logo = site.file(id).front_matter.logo.as_ref()?;
            checker.output_file_of(
                &item_asset_url(site, &site.items[site.text_of(id)].url, logo),
                &item.url,
            )
        })
        .collect();
    let mut heights: HashMap<&str, Option<u32>> = HashMap::new();
    let mut found: Vec<(PageProblem, Vec<&str>)> = Vec::new();
    let mut index: HashMap<PageProblem, usize> = HashMap::new();
    let languages: HashSet<&str> = site.languages.iter().map(|l| l.code.as_str()).collect();
    for (page, scan) in &checker.pages {
        let Some(lang) = scan.lang.as_deref().filter(|l| languages.contains(l)) else {
            continue;
        };
        if scan.redirect {
            continue;
        }
        let mut on_page = Vec::new();
        let texts = funding_texts(funding, lang, default);
        let text = normalize(&scan.text);
        if let Some(statement) = texts.statement.filter(|t| t.origin != TextOrigin::Fallback)
            && !text.contains(&normalize(&statement.text))
        {
            on_page.push(PageProblem::MissingStatement {
                lang: lang.to_string(),
                text: statement.text,
            });
        }
        if let Some(disclaimer) = texts
            .disclaimer
            .filter(|t| t.origin != TextOrigin::Fallback)
            && !text.contains(&normalize(&disclaimer.text))
        {
            on_page.push(PageProblem::MissingDisclaimer {
                lang: lang.to_string(),
            });
        }
        let page_path = checker.page_url_path(page);
        let resolved: Vec<(&super::html::PageImage, Option<&str>)> = scan
            .images
            .iter()
            .map(|image| (image, checker.output_file_of(&image.src, &page_path)))
            .collect();
        let emblems: Vec<&super::html::PageImage> = resolved
            .iter()
            .filter(|(_, file)| file.is_some() && *file == emblem)
            .map(|(image, _)| *image)
            .collect();
        if emblems.is_empty() {
            on_page.push(PageProblem::NoEmblem);
        } else {
            if emblems
                .iter()
                .any(|e| e.alt.as_deref().is_none_or(|alt| alt.trim().is_empty()))
            {
                on_page.push(PageProblem::EmblemWithoutAlt);
            }
            let mut height_of = |image: &super::html::PageImage, file: &'_ str| {
                image.height.or_else(|| {
                    *heights
                        .entry(checker.files.get_key_value(file).map_or("", |(k, _)| *k))
                        .or_insert_with(|| intrinsic_height(checker, file))
                })
            };
            let emblem_height = emblems
                .iter()
                .filter_map(|e| height_of(e, emblem.unwrap_or_default()))
                .max();
            let largest_logo = resolved
                .iter()
                .filter_map(|(image, file)| file.filter(|f| logos.contains(f)).map(|f| (image, f)))
                .filter_map(|(image, file)| height_of(image, file).map(|h| (h, image.src.clone())))
                .max();
            if let (Some(emblem_height), Some((logo_height, logo))) = (emblem_height, largest_logo)
                && emblem_height < logo_height
            {
                on_page.push(PageProblem::EmblemSmaller {
                    emblem: emblem_height,
                    logo,
                    height: logo_height,
                });
            }
            let home = format!("{lang}/index.html");
            if *page == home && !emblems.iter().any(|e| e.first_screen) {
                on_page.push(PageProblem::EmblemNotFirst);
            }
        }
        for problem in on_page {
            match index.get(&problem) {
                Some(&i) => found[i].1.push(page),
                None => {
                    index.insert(problem.clone(), found.len());
                    found.push((problem, vec![page]));
                }
            }
        }
    }
    // An emblem smaller than a logo is one problem of the theme, whatever the logo: report
    // the worst case once.
    let mut smaller: Option<(PageProblem, Vec<&str>)> = None;
    for (problem, pages) in found {
        if let PageProblem::EmblemSmaller { height, .. } = &problem {
            let height = *height;
            match &mut smaller {
                Some((worst, all)) => {
                    all.extend(pages);
                    if matches!(worst, PageProblem::EmblemSmaller { height: h, .. } if *h < height)
                    {
                        *worst = problem;
                    }
                }
                None => smaller = Some((problem, pages)),
            }
            continue;
        }
        problems.push(describe(checker, &problem, &pages));
    }
    if let Some((problem, pages)) = smaller {
        problems.push(describe(checker, &problem, &pages));
    }
    problems
}

fn describe(checker: &Checker, problem: &PageProblem, pages: &[&str]) -> Diagnostic {
    let first = checker.page_url_path(pages[0]);
    let on = checker.pages_phrase(pages);
    let loaded = &checker.site.loaded.config;
    let yaml = |key: &str| {
        Diagnostic::error(loaded.location_of(key), String::new()).with_source(loaded.source.clone())
    };
    let theme = || Diagnostic::error(Location::file(checker.theme_location()), String::new());
    let (diagnostic, message, hint) = match problem {
        PageProblem::MissingStatement { lang, text } => (
            yaml("statement"),
            format!("the funding statement in {lang} (“{text}”) is missing on {on}"),
            "the theme must show `site.funding.statement` on every page (the default theme does, in its footer)".to_string(),
        ),
        PageProblem::MissingDisclaimer { lang } => (
            yaml("disclaimer"),
            format!("the disclaimer in {lang} is missing on {on}"),
            "the theme must show `site.funding.disclaimer` on every page (the default theme does, in its footer)".to_string(),
        ),
        PageProblem::NoEmblem => (
            theme(),
            format!("the EU emblem is missing on {on}"),
            format!(
                "show the emblem ({}) beside the funding statement on every page, or name your own image in site.yaml: `funding: emblem: /images/eu-flag.svg`",
                DEFAULT_EMBLEM
            ),
        ),
        PageProblem::EmblemWithoutAlt => (
            theme(),
            format!("the EU emblem has no text alternative on {on}"),
            "give its <img> an alt text such as alt=\"European Union emblem\"".to_string(),
        ),
        PageProblem::EmblemSmaller {
            emblem,
            logo,
            height,
        } => (
            theme(),
            format!(
                "the EU emblem ({emblem} px high) is smaller than the partner logo `{logo}` ({height} px high) on {on}"
            ),
            "the emblem must be at least as large as the largest other logo beside it: make the emblem larger, or give the logos' <img> the height they are shown at (a height attribute), or make the image files smaller".to_string(),
        ),
        PageProblem::EmblemNotFirst => (
            theme(),
            format!("on the home page {first}, the EU emblem comes after the main content"),
            "put the emblem in the header, or in the first block of the page before its first section heading, so that it is seen without scrolling".to_string(),
        ),
    };
    Diagnostic {
        message,
        hint: Some(hint),
        ..diagnostic
    }
}

/// Text compared without regard to spacing or the kind of apostrophe.
fn normalize(text: &str) -> String {
    text.replace('’', "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The height an image file has of itself, in pixels.
fn intrinsic_height(checker: &Checker, file: &str) -> Option<u32> {
    let output = checker.files.get(file)?;
    let bytes: std::borrow::Cow<[u8]> = match &output.contents {
        OutputContents::Bytes(bytes) => std::borrow::Cow::Borrowed(bytes.as_slice()),
        OutputContents::BuiltIn(bytes) => std::borrow::Cow::Borrowed(*bytes),
        OutputContents::CopyOf(path) => std::borrow::Cow::Owned(read(path)?),
    };
    if file.ends_with(".svg") {
        return svg_height(&bytes);
    }
    imagesize::blob_size(&bytes)
        .ok()
        .and_then(|size| u32::try_from(size.height).ok())
}

fn read(path: &PathBuf) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// The height of an SVG image: its `height` in pixels, else that of its `viewBox`.
pub fn svg_height(bytes: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(bytes).ok()?;
    let start = text.find("<svg")?;
    let end = start + text[start..].find('>')?;
    let tag = &text[start..end];
    let attribute = |name: &str| {
        let at = tag
            .match_indices(&format!("{name}="))
            .find(|(i, _)| tag[..*i].ends_with(|c: char| c.is_ascii_whitespace()))?
            .0
            + name.len()
            + 1;
        let quote = tag[at..]
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')?;
        let rest = &tag[at + quote.len_utf8()..];
        Some(&rest[..rest.find(quote)?])
    };
    if let Some(height) = attribute("height") {
        let number = height.trim().trim_end_matches("px");
        if let Ok(value) = number.parse::<f64>() {
            return Some(value.round() as u32);
        }
    }
    let view_box = attribute("viewBox")?;
    let values: Vec<f64> = view_box
        .split([' ', ','])
        .filter(|v| !v.is_empty())
        .filter_map(|v| v.parse().ok())
        .collect();
    values.get(3).map(|h| h.round() as u32)
}

impl Checker<'_> {
    /// The output file that `url`, written on the page at `page_path`, leads to.
    pub(super) fn output_file_of(&self, url: &str, page_path: &str) -> Option<&str> {
        match destination(url, page_path, &self.address) {
            Destination::Internal { path, .. } => self.find_file(&path),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::svg_height;

    #[test]
    fn svg_sizes() {
        assert_eq!(
            svg_height(br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 810 540" width="81" height="54">"#),
            Some(54)
        );
        assert_eq!(
            svg_height(br#"<svg viewBox="0 0 200 64"><rect/></svg>"#),
            Some(64)
        );
        assert_eq!(
            svg_height(br#"<svg height="2.5em" viewBox="0,0,10,20">"#),
            Some(20)
        );
        assert_eq!(svg_height(b"not an image"), None);
        assert_eq!(
            svg_height("<svg\nheight=\"12\" data-x=\"é\">".as_bytes()),
            Some(12)
        );
        assert_eq!(svg_height("<svg height=é>".as_bytes()), None);
    }
}
