//! `check --privacy`: every request a visitor's browser would make to another host when it
//! shows the built pages (scripts, style sheets, fonts, images, iframes, embeds, connections
//! opened in advance, form submissions), with the pages that make it. Each one tells that host
//! who is reading what; a request is an error unless `site.yaml` allows its host
//! (`privacy: allowed_hosts:`). Links a visitor chooses to follow are not requests.

use std::collections::HashMap;

use serde::Serialize;

use super::html::{LinkKind, css_urls};
use super::links::{Destination, destination};
use super::{Checker, Place};
use crate::diagnostics::{Diagnostic, Location};
use crate::render::OutputContents;

/// Requests to one host, of one kind, from one place.
#[derive(Debug, Clone, Serialize)]
pub struct ThirdPartyRequest {
    pub host: String,
    /// The first address asked for.
    pub url: String,
    /// `stylesheet`, `script`, `iframe`, `image`, `font`…
    pub element: String,
    /// The pages (or style sheets) that make it, root-relative.
    pub pages: Vec<String>,
    /// Whether site.yaml allows the host.
    pub allowed: bool,
}

/// The host of an absolute `http(s)` address.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Whether `host` is one of `allowed`: a name, or `*.example.eu` for its subdomains (and
/// itself).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|rule| {
        let rule = rule.trim().to_ascii_lowercase();
        match rule.strip_prefix("*.") {
            Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
            None => host == rule,
        }
    })
}

/// The requests, and a diagnostic for each group that site.yaml does not allow.
pub(super) fn privacy_problems(checker: &Checker) -> (Vec<ThirdPartyRequest>, Vec<Diagnostic>) {
    let allowed = &checker.site.loaded.config.config.privacy.allowed_hosts;
    // (host, element, place) → request
    let mut groups: Vec<(ThirdPartyRequest, PlaceKey)> = Vec::new();
    let mut index: HashMap<(String, String, PlaceKey), usize> = HashMap::new();
    let mut add = |host: String, url: &str, element: &str, page: String, place: PlaceKey| {
        let key = (host.clone(), element.to_string(), place.clone());
        match index.get(&key) {
            Some(&i) => {
                if groups[i].0.pages.last() != Some(&page) {
                    groups[i].0.pages.push(page);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push((
                    ThirdPartyRequest {
                        allowed: host_allowed(&host, allowed),
                        host,
                        url: url.to_string(),
                        element: element.to_string(),
                        pages: vec![page],
                    },
                    place,
                ));
            }
        }
    };
    for (page, scan) in &checker.pages {
        let page_path = checker.page_url_path(page);
        for link in &scan.links {
            if link.kind == LinkKind::Link {
                continue;
            }
            let Destination::External(url) = destination(&link.url, &page_path, &checker.address)
            else {
                continue;
            };
            let Some(host) = host_of(&url) else { continue };
            let place = match checker.place_of(page, link.kind, &link.url) {
                Place::Content(location, _) => PlaceKey::Content(location),
                Place::Template => PlaceKey::Template,
            };
            add(host, &url, link.element, page_path.clone(), place);
        }
    }
    // Style sheets of the site and the theme: fonts and @imports they load.
    let root = &checker.site.loaded.root;
    let mut sheets: Vec<&&crate::render::OutputFile> = checker
        .files
        .values()
        .filter(|f| f.path.ends_with(".css"))
        .collect();
    sheets.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sheets {
        let css = match &file.contents {
            OutputContents::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            OutputContents::BuiltIn(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            OutputContents::CopyOf(path) => std::fs::read_to_string(path).unwrap_or_default(),
        };
        let shown = match &file.contents {
            OutputContents::CopyOf(path) => path.strip_prefix(root).unwrap_or(path).to_path_buf(),
            _ => std::path::PathBuf::from(&file.path),
        };
        let sheet = format!("{}/{}", checker.address.base_path, file.path);
        for url in css_urls(&css) {
            if let Destination::External(url) = destination(&url, &sheet, &checker.address)
                && let Some(host) = host_of(&url)
            {
                add(
                    host,
                    &url,
                    "style sheet",
                    sheet.clone(),
                    PlaceKey::File(shown.clone()),
                );
            }
        }
    }
    let mut problems = Vec::new();
    for (request, place) in &groups {
        if request.allowed {
            continue;
        }
        let on = if request.pages.len() == 1 {
            request.pages[0].clone()
        } else {
            format!(
                "{} pages, the first {}",
                request.pages.len(),
                request.pages[0]
            )
        };
        let message = format!(
            "visitors' browsers contact {} ({} `{}`) on {on}, which tells that host who reads the page",
            request.host, request.element, request.url
        );
        let hint = format!(
            "serve the file from the site itself (static/), or use a two-click embed such as {{{{ video(url=\"…\") }}}}; if the host is needed and named in the privacy notice, allow it in site.yaml:\n  privacy:\n    allowed_hosts: [{}]",
            request.host
        );
        let diagnostic = match place {
            PlaceKey::Content(location) => checker.content_file_diagnostic(location, message),
            PlaceKey::Template => Diagnostic::error(
                Location::file(checker.theme_location()),
                format!("{message} (it comes from a template)"),
            ),
            PlaceKey::File(path) => Diagnostic::error(Location::file(path.clone()), message),
        };
        problems.push(diagnostic.with_hint(hint));
    }
    (
        groups.into_iter().map(|(request, _)| request).collect(),
        problems,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PlaceKey {
    Content(Location),
    Template,
    File(std::path::PathBuf),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_allowed_hosts() {
        assert_eq!(
            host_of("https://Fonts.GoogleApis.com/css2?family=Roboto").as_deref(),
            Some("fonts.googleapis.com")
        );
        assert_eq!(host_of("https://user@[::1]:8080/x").as_deref(), Some("::1"));
        assert_eq!(host_of("/local"), None);
        let allowed = vec![
            "*.example.eu".to_string(),
            "www.youtube-nocookie.com".into(),
        ];
        assert!(host_allowed("cdn.example.eu", &allowed));
        assert!(host_allowed("example.eu", &allowed));
        assert!(!host_allowed("badexample.eu", &allowed));
        assert!(host_allowed("www.youtube-nocookie.com", &allowed));
        assert!(!host_allowed("www.youtube.com", &allowed));
    }
}
