//! **Check**: everything a build validates, without writing anything, and more: every link,
//! anchor and image of the built pages, image descriptions, titles used twice, translations
//! the site requires, and with `external` the other sites it links to.
//!
//! It runs the same stages as a build (load, resolve, render into memory), then reads the
//! rendered pages back ([`html::scan_page`]), so that a link a theme writes is checked as
//! surely as one an editor writes. Problems are put where they can be fixed: a link written in
//! a content file is reported at its line ([`content::source_links`]); one that only a
//! template writes is reported once, with the number of pages that have it.

pub mod cli;
pub mod compliance;
pub mod content;
pub mod external;
pub mod html;
pub mod links;
pub mod privacy;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Location, line_col};
use crate::render::{OutputContents, OutputFile, RenderedSite};
use crate::resolve::{BuildOptions, ItemId, ResolvedSite};
use content::SourceLink;
use html::{LinkKind, PageScan};
use links::{Destination, SiteAddress, destination, output_candidates};

/// Images larger than this many bytes are reported (a warning): they make pages slow on a
/// phone.
pub const IMAGE_BYTES_LIMIT: u64 = 1024 * 1024;
/// Images wider or taller than this many pixels are reported (a warning).
pub const IMAGE_PIXELS_LIMIT: usize = 2500;

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The build checked: by default the one `herald build` makes.
    pub build: BuildOptions,
    /// Also ask the other sites the pages link to whether those addresses exist.
    pub external: bool,
    /// Check the funder's visibility rules on every page ([`compliance`]).
    pub compliance: bool,
    /// List the requests pages make to other hosts; those site.yaml does not allow are
    /// errors ([`privacy`]).
    pub privacy: bool,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Errors and warnings, sorted by file.
    pub diagnostics: Diagnostics,
    pub pages: usize,
    /// Links, images and other addresses of the pages, counted once per page.
    pub links: usize,
    /// Distinct external addresses asked (with `external`).
    pub external: usize,
    /// With `privacy`: every request to another host, allowed or not.
    pub requests: Vec<privacy::ThirdPartyRequest>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Checks the site in `root`. Writes nothing.
pub fn check_site(root: &Path, options: CheckOptions) -> CheckReport {
    check_and_render(root, options).0
}

/// [`check_site`], handing on the site it rendered (when loading succeeded), so that a caller
/// that goes on to write it (`deploy`) does not render it again.
pub fn check_and_render(root: &Path, options: CheckOptions) -> (CheckReport, Option<RenderedSite>) {
    let (site, mut diagnostics) = crate::resolve_site(root, options.build.clone());
    let mut report = CheckReport::default();
    let mut kept = None;
    if let Some(site) = site {
        let rendered = crate::render::render_site(&site, &mut diagnostics);
        if let Err(clash) = crate::write::check_unique_paths(&rendered.files) {
            diagnostics.push(clash);
        }
        // Pages a template failed to render are missing: every link to them would be reported
        // as broken too. Then only the content files are checked.
        let complete = rendered.failed_pages == 0 && !rendered.files.is_empty();
        let detail = html::ScanDetail {
            text: options.compliance,
        };
        let checker = Checker::new(&site, &rendered, detail);
        report.pages = checker.pages.len();
        checker.check(
            &mut diagnostics,
            &mut report,
            options.external && complete,
            complete,
        );
        if complete && options.compliance {
            diagnostics.extend(compliance::compliance_problems(&checker));
        }
        if complete && options.privacy {
            let (requests, problems) = privacy::privacy_problems(&checker);
            report.requests = requests;
            diagnostics.extend(problems);
        }
        drop(checker);
        kept = Some(rendered);
    }
    diagnostics.sort();
    report.diagnostics = diagnostics;
    (report, kept)
}

/// The rendered site, indexed for checking.
struct Checker<'a> {
    site: &'a ResolvedSite,
    address: SiteAddress,
    files: HashMap<&'a str, &'a OutputFile>,
    /// Every HTML page, scanned, by output path.
    pages: Vec<(&'a str, PageScan)>,
    page_index: HashMap<&'a str, usize>,
    /// The item whose text each item page shows, by output path.
    item_of_page: HashMap<String, ItemId>,
    /// The links written in each item's file, by item.
    source_links: HashMap<ItemId, Vec<SourceLink>>,
    /// Where each address (decoded) is written, for the pages that show items' summaries and
    /// pictures (lists, the home page): the first file, by path, that writes it.
    written_at: HashMap<(String, bool), (Location, String)>,
    source_problems: Vec<Diagnostic>,
}

/// One problem with an address, before it is put into words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Problem {
    MissingFile { url: String, image: bool },
    MissingAnchor { url: String, fragment: String },
    OutsideSite { url: String },
    ImageWithoutAlt { src: String },
}

impl<'a> Checker<'a> {
    fn new(
        site: &'a ResolvedSite,
        rendered: &'a RenderedSite,
        detail: html::ScanDetail,
    ) -> Checker<'a> {
        let files: HashMap<&str, &OutputFile> = rendered
            .files
            .iter()
            .map(|f| (f.path.as_str(), f))
            .collect();
        let pages: Vec<(&str, PageScan)> = rendered
            .files
            .par_iter()
            .filter(|f| f.path.ends_with(".html"))
            .filter_map(|f| match &f.contents {
                OutputContents::Bytes(bytes) => {
                    let text = String::from_utf8_lossy(bytes);
                    Some((f.path.as_str(), html::scan_page(&text, detail)))
                }
                _ => None,
            })
            .collect();
        let page_index = pages
            .iter()
            .enumerate()
            .map(|(i, (path, _))| (*path, i))
            .collect();
        let item_of_page = site
            .items
            .iter()
            .enumerate()
            .map(|(id, item)| {
                (
                    crate::render::output_path(site, &item.url),
                    site.text_of(id),
                )
            })
            .collect();
        let scanned: Vec<(ItemId, Vec<SourceLink>, Vec<Diagnostic>)> = (0..site.items.len())
            .into_par_iter()
            .filter(|&id| site.items[id].fallback_of.is_none())
            .map(|id| {
                let (links, problems) = content::source_links(site, id);
                (id, links, problems)
            })
            .collect();
        let mut source_links = HashMap::new();
        let mut source_problems = Vec::new();
        let mut written_at: HashMap<(String, bool), (Location, String)> = HashMap::new();
        for (id, links, problems) in scanned {
            for link in &links {
                let key = (decoded(&link.rendered), link.kind == LinkKind::Image);
                let place = (link.location.clone(), link.written.clone());
                match written_at.get_mut(&key) {
                    Some(first) if place.0 < first.0 => *first = place,
                    Some(_) => {}
                    None => {
                        written_at.insert(key, place);
                    }
                }
            }
            source_links.insert(id, links);
            source_problems.extend(problems);
        }
        Checker {
            site,
            address: SiteAddress::new(&site.base_url, &site.base_path),
            files,
            pages,
            page_index,
            item_of_page,
            source_links,
            written_at,
            source_problems,
        }
    }

    /// Runs every check; with `pages` false, only those of content files.
    fn check(
        &self,
        diagnostics: &mut Diagnostics,
        report: &mut CheckReport,
        external: bool,
        pages: bool,
    ) {
        diagnostics.extend(self.source_problems.iter().cloned());
        diagnostics.extend(content::duplicate_titles(self.site));
        diagnostics.extend(content::missing_required_translations(self.site));
        diagnostics.extend(accessibility_problems(self.site));
        if !pages {
            return;
        }

        // Problems of templates, with the pages that have them; in the order first met.
        let mut template_problems: Vec<(Problem, Vec<&str>)> = Vec::new();
        let mut template_index: HashMap<Problem, usize> = HashMap::new();
        // Problems of content files, once per place.
        let mut content_problems: Vec<((Location, Problem), Vec<&str>)> = Vec::new();
        let mut content_index: HashMap<(Location, Problem), usize> = HashMap::new();
        let mut externals: Vec<String> = Vec::new();
        let mut external_places: HashMap<String, Place> = HashMap::new();
        let mut images: HashSet<&str> = HashSet::new();

        for (page, scan) in &self.pages {
            let page_path = self.page_url_path(page);
            let mut problems: Vec<(Problem, LinkKind, &str)> = Vec::new();
            for link in &scan.links {
                report.links += 1;
                match destination(&link.url, &page_path, &self.address) {
                    Destination::Internal { path, fragment } => match self.find_file(&path) {
                        None => problems.push((
                            Problem::MissingFile {
                                url: link.url.clone(),
                                image: link.kind == LinkKind::Image,
                            },
                            link.kind,
                            &link.url,
                        )),
                        Some(file) => {
                            if link.kind == LinkKind::Image {
                                images.insert(file);
                            }
                            if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                                && let Some(&target) = self.page_index.get(file)
                                && !self.pages[target].1.anchors.contains(&fragment)
                            {
                                problems.push((
                                    Problem::MissingAnchor {
                                        url: link.url.clone(),
                                        fragment,
                                    },
                                    link.kind,
                                    &link.url,
                                ));
                            }
                        }
                    },
                    Destination::OutsideSite(_) => problems.push((
                        Problem::OutsideSite {
                            url: link.url.clone(),
                        },
                        link.kind,
                        &link.url,
                    )),
                    Destination::External(url) if external => {
                        let url = url.split('#').next().unwrap_or(&url).to_string();
                        if !external_places.contains_key(&url) {
                            let place = self.place_of(page, link.kind, &link.url);
                            external_places.insert(url.clone(), place);
                            externals.push(url);
                        }
                    }
                    Destination::External(_) | Destination::Other => {}
                }
            }
            for src in scan.images_without_alt() {
                problems.push((
                    Problem::ImageWithoutAlt {
                        src: src.to_string(),
                    },
                    LinkKind::Image,
                    src,
                ));
            }
            for (problem, kind, written) in problems {
                match self.place_of(page, kind, written) {
                    Place::Content(location, as_written) => {
                        let key = (location, problem.written_as(as_written));
                        match content_index.get(&key) {
                            Some(&i) => content_problems[i].1.push(page),
                            None => {
                                content_index.insert(key.clone(), content_problems.len());
                                content_problems.push((key, vec![page]));
                            }
                        }
                    }
                    Place::Template => match template_index.get(&problem) {
                        Some(&i) => template_problems[i].1.push(page),
                        None => {
                            template_index.insert(problem.clone(), template_problems.len());
                            template_problems.push((problem, vec![page]));
                        }
                    },
                }
            }
        }
        // The pages of items' own files, to tell when a problem shows only elsewhere (on a
        // fallback page under another language's URL, say).
        let own_pages: HashMap<&Path, String> = self
            .site
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.fallback_of.is_none())
            .map(|(id, item)| {
                (
                    self.site.file(id).path.as_path(),
                    crate::render::output_path(self.site, &item.url),
                )
            })
            .collect();
        for ((location, problem), pages) in content_problems {
            let mut diagnostic = self.content_diagnostic(&location, &problem);
            let own = own_pages.get(location.file.as_path());
            if !pages.iter().any(|p| Some(*p) == own.map(String::as_str)) {
                diagnostic
                    .message
                    .push_str(&format!(" ({})", self.on_pages(&pages)));
            }
            diagnostics.push(diagnostic);
        }
        for (problem, pages) in template_problems {
            diagnostics.push(self.template_diagnostic(&problem, &pages));
        }
        diagnostics.extend(self.oversized_images(&images));
        if external {
            report.external = externals.len();
            for (i, failure) in external::check_urls(&externals) {
                let url = &externals[i];
                let message = format!("the external link `{url}` is broken: {failure}");
                let hint =
                    "check the address in a browser; if the page moved, link to its new address";
                let diagnostic = match &external_places[url] {
                    Place::Content(location, _) => self.content_file_diagnostic(location, message),
                    Place::Template => Diagnostic::error(
                        Location::file(self.theme_location()),
                        format!("{message} (the link comes from a template)"),
                    ),
                };
                diagnostics.push(diagnostic.with_hint(hint));
            }
        }
    }

    /// `/en/news/kick-off/` for `en/news/kick-off/index.html`, with the site's base path.
    fn page_url_path(&self, page: &str) -> String {
        let dir = page.strip_suffix("index.html").unwrap_or(page);
        format!("{}/{dir}", self.address.base_path)
    }

    /// The output file a root-relative path is served from.
    fn find_file(&self, path: &str) -> Option<&'a str> {
        output_candidates(path, &self.address.base_path)
            .into_iter()
            .find_map(|candidate| {
                self.files
                    .get_key_value(candidate.as_str())
                    .map(|(k, _)| *k)
            })
    }

    /// Where an address written on `page` comes from: a line of a content file, or a template.
    fn place_of(&self, page: &str, kind: LinkKind, written: &str) -> Place {
        // Pages percent-encode what editors write (`año` is `a%C3%B1o` in an href).
        let wanted = decoded(written);
        let Some(&item) = self.item_of_page.get(page) else {
            // A list or the home page: the summaries and pictures of items.
            let image = kind == LinkKind::Image;
            let at = self.written_at.get(&(wanted.clone(), image)).or_else(|| {
                (!image)
                    .then(|| self.written_at.get(&(wanted.clone(), true)))
                    .flatten()
            });
            return match at {
                Some((location, written)) => {
                    Place::Content(location.clone(), Some(written.clone()))
                }
                None => Place::Template,
            };
        };
        if let Some(link) = self.source_links.get(&item).and_then(|links| {
            links.iter().find(|l| {
                decoded(&l.rendered) == wanted && (l.kind == kind || kind != LinkKind::Image)
            })
        }) {
            return Place::Content(link.location.clone(), Some(link.written.clone()));
        }
        // Raw HTML in the Markdown: find the address in the file's text.
        let file = self.site.file(item);
        if let Some(offset) = file
            .body()
            .find(written)
            .or_else(|| file.body().find(&wanted))
        {
            let (line, column) = line_col(&file.source, file.body_offset + offset);
            return Place::Content(Location::at(&file.path, line, column), None);
        }
        Place::Template
    }

    fn content_file_diagnostic(&self, location: &Location, message: String) -> Diagnostic {
        let source = self
            .site
            .loaded
            .content
            .iter()
            .find(|f| f.path == location.file)
            .map(|f| f.source.clone());
        let diagnostic = Diagnostic::error(location.clone(), message);
        match source {
            Some(source) => diagnostic.with_source(source),
            None => diagnostic,
        }
    }

    fn content_diagnostic(&self, location: &Location, problem: &Problem) -> Diagnostic {
        let (message, hint) = describe(problem);
        self.content_file_diagnostic(location, message)
            .with_hint(hint)
    }

    fn template_diagnostic(&self, problem: &Problem, pages: &[&str]) -> Diagnostic {
        let (message, hint) = describe(problem);
        Diagnostic::error(
            Location::file(self.theme_location()),
            format!(
                "{message} ({}; it comes from a template)",
                self.on_pages(pages)
            ),
        )
        .with_hint(hint)
    }

    /// `on the page /en/news/`, `on 12 pages, the first /en/`.
    pub(crate) fn on_pages(&self, pages: &[&str]) -> String {
        format!("on {}", self.pages_phrase(pages))
    }

    /// `the page /en/news/`, `12 pages, the first /en/`.
    pub(crate) fn pages_phrase(&self, pages: &[&str]) -> String {
        let first = pages
            .first()
            .map(|p| self.page_url_path(p))
            .unwrap_or_default();
        if pages.len() == 1 {
            format!("the page {first}")
        } else {
            format!("{} pages, the first {first}", pages.len())
        }
    }

    /// Where templates come from, for messages about them.
    fn theme_location(&self) -> PathBuf {
        let theme = &self.site.loaded.config.config.theme;
        if self.site.loaded.root.join("templates").is_dir() {
            PathBuf::from("templates")
        } else if self.site.loaded.root.join("themes").join(theme).is_dir() {
            Path::new("themes").join(theme).join("templates")
        } else {
            PathBuf::from(format!("(the built-in {theme} theme)"))
        }
    }

    /// Images published as they are (bundle and static files) that are heavy or huge.
    fn oversized_images(&self, images: &HashSet<&str>) -> Vec<Diagnostic> {
        let mut sources: Vec<&Path> = images
            .iter()
            .filter_map(|path| match &self.files.get(path)?.contents {
                OutputContents::CopyOf(source) => Some(source.as_path()),
                _ => None,
            })
            .collect();
        sources.sort();
        sources.dedup();
        let root = &self.site.loaded.root;
        sources
            .into_iter()
            .filter_map(|source| {
                let bytes = std::fs::metadata(source).ok()?.len();
                let dimensions = imagesize::size(source).ok();
                let too_wide = dimensions.is_some_and(|d| {
                    d.width > IMAGE_PIXELS_LIMIT || d.height > IMAGE_PIXELS_LIMIT
                });
                if bytes <= IMAGE_BYTES_LIMIT && !too_wide {
                    return None;
                }
                let shown = source.strip_prefix(root).unwrap_or(source);
                let size = match dimensions {
                    Some(d) => format!("{} KB, {}×{} pixels", bytes / 1024, d.width, d.height),
                    None => format!("{} KB", bytes / 1024),
                };
                Some(
                    Diagnostic::warning(
                        Location::file(shown),
                        format!("this image is large for a web page ({size})"),
                    )
                    .with_hint(format!(
                        "save it at most {} pixels wide and under {} KB (JPEG quality 80 is usually enough)",
                        2000,
                        IMAGE_BYTES_LIMIT / 1024
                    )),
                )
            })
            .collect()
    }
}

enum Place {
    /// A line of a content file, and the address as written there when it differs from the
    /// page's.
    Content(Location, Option<String>),
    Template,
}

impl Problem {
    /// The problem told with the address as the editor wrote it.
    fn written_as(self, written: Option<String>) -> Problem {
        let Some(written) = written else { return self };
        match self {
            Problem::MissingFile { image, .. } => Problem::MissingFile {
                url: written,
                image,
            },
            Problem::MissingAnchor { fragment, .. } => Problem::MissingAnchor {
                url: written,
                fragment,
            },
            Problem::OutsideSite { .. } => Problem::OutsideSite { url: written },
            Problem::ImageWithoutAlt { .. } => Problem::ImageWithoutAlt { src: written },
        }
    }
}

/// A problem in plain words, and what to do.
fn describe(problem: &Problem) -> (String, String) {
    match problem {
        Problem::MissingFile { url, image: true } => (
            format!("missing image: `{url}` is not a file of the site"),
            "put the picture beside the item in its bundle folder (`content/news/<slug>/photo.jpg`, written `photo.jpg`), or under static/ (written from the site's root, `/images/photo.jpg`)".to_string(),
        ),
        Problem::MissingFile { url, image: false } => (
            format!("broken link: `{url}` leads to no page or file of the site"),
            "link to items by their file, `[text](@/news/kick-off.md)`, and to files under static/ from the site's root, `/documents/leaflet.pdf`".to_string(),
        ),
        Problem::MissingAnchor { url, fragment } => (
            format!("broken anchor: the page `{url}` leads to has no `#{fragment}`"),
            "an anchor names a heading of the page: `## Next steps` gets `#next-steps`".to_string(),
        ),
        Problem::OutsideSite { url } => (
            format!("broken link: `{url}` is outside the site's base URL"),
            "links from the site's root start with the base path of base_url".to_string(),
        ),
        Problem::ImageWithoutAlt { src } => (
            format!("the image `{src}` has no alt attribute"),
            "give every <img> an alt text that says what it shows (alt=\"\" only for a purely decorative image)".to_string(),
        ),
    }
}

/// A statement that says "listed below" over an empty list.
fn accessibility_problems(site: &ResolvedSite) -> Vec<Diagnostic> {
    let loaded = &site.loaded.config;
    let Some(a11y) = &loaded.config.accessibility else {
        return Vec::new();
    };
    if a11y.status == crate::config::ConformanceStatus::FullyCompliant
        || !a11y.exceptions.is_empty()
    {
        return Vec::new();
    }
    vec![
        Diagnostic::warning(
            loaded.location_of("status"),
            format!("the accessibility statement says the site is {}, and lists no content that is not accessible", a11y.status.as_str()),
        )
        .with_hint("list what is not accessible, and why, under `accessibility:` → `exceptions:` → each language")
        .with_source(loaded.source.clone()),
    ]
}

/// `url` with its percent-escapes decoded.
fn decoded(url: &str) -> String {
    percent_encoding::percent_decode_str(url)
        .decode_utf8_lossy()
        .into_owned()
}
