//! Where an address written in a page leads: a file of the built site (and an anchor in it),
//! another site, or nothing `check` follows (`mailto:`, `tel:`…).

use percent_encoding::percent_decode_str;

use crate::render::markdown::has_scheme;

/// Where the site lives: `https://project.example.eu/sub` gives origin
/// `https://project.example.eu` and base path `/sub`.
#[derive(Debug, Clone)]
pub struct SiteAddress {
    pub origin: String,
    pub base_path: String,
}

impl SiteAddress {
    /// From `base_url` without a trailing slash and its path part.
    pub fn new(base_url: &str, base_path: &str) -> SiteAddress {
        let origin = base_url
            .strip_suffix(base_path)
            .unwrap_or(base_url)
            .trim_end_matches('/')
            .to_string();
        SiteAddress {
            origin,
            base_path: base_path.trim_end_matches('/').to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A path of this site, root-relative and decoded (`/en/news/kick-off/`), with the
    /// fragment if any.
    Internal {
        path: String,
        fragment: Option<String>,
    },
    /// An address on another host.
    External(String),
    /// Something `check` does not follow: `mailto:`, `tel:`, `data:`, `javascript:`…
    Other,
    /// A path above the site's base path: it cannot be part of the site.
    OutsideSite(String),
}

/// Where `url`, written on the page at `page_path` (root-relative: `/en/news/kick-off/`),
/// leads.
pub fn destination(url: &str, page_path: &str, site: &SiteAddress) -> Destination {
    let url = url.trim();
    let (url, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let fragment = fragment.map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned());
    if let Some(rest) = url.strip_prefix("//") {
        return external_or_internal(&format!("https://{rest}"), fragment, site);
    } else if url.contains("://") {
        return external_or_internal(url, fragment, site);
    }
    let url = url.split('?').next().unwrap_or(url);
    let path = if has_scheme(url) {
        return Destination::Other;
    } else if url.is_empty() {
        page_path.to_string()
    } else if url.starts_with('/') {
        url.to_string()
    } else {
        let dir = &page_path[..page_path.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{url}")
    };
    let path = normalize(&percent_decode_str(&path).decode_utf8_lossy());
    within_site(path, fragment, site)
}

/// A root-relative `path` of the site's host: internal when it is under the base path.
fn within_site(path: String, fragment: Option<String>, site: &SiteAddress) -> Destination {
    if !site.base_path.is_empty()
        && path != site.base_path
        && !path.starts_with(&format!("{}/", site.base_path))
    {
        return Destination::OutsideSite(path);
    }
    Destination::Internal { path, fragment }
}

fn external_or_internal(url: &str, fragment: Option<String>, site: &SiteAddress) -> Destination {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Destination::Other;
    }
    let origin = site.origin.to_ascii_lowercase();
    // The site's own absolute addresses (canonical links, feeds) are checked as internal ones.
    let same = lower.starts_with(&origin)
        && matches!(lower.as_bytes().get(origin.len()), None | Some(b'/'));
    if same {
        let rest = &url[origin.len()..];
        let rest = rest.split('?').next().unwrap_or(rest);
        let path = if rest.is_empty() { "/" } else { rest };
        let path = normalize(&percent_decode_str(path).decode_utf8_lossy());
        // Another site on the same host (a university's home beside the project's folder)
        // is external; under the base path, the address is one of the site's own.
        if let Destination::Internal { path, fragment } = within_site(path, fragment.clone(), site)
        {
            return Destination::Internal { path, fragment };
        }
    }
    match fragment {
        Some(fragment) => Destination::External(format!("{url}#{fragment}")),
        None => Destination::External(url.to_string()),
    }
}

/// Resolves `.` and `..` segments; keeps a trailing slash.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The output files a root-relative `path` can be served from, most likely first:
/// `/en/news/` → `en/news/index.html`; `/en/news` → `en/news`, then `en/news/index.html`
/// (servers redirect a folder without its slash).
pub fn output_candidates(path: &str, base_path: &str) -> Vec<String> {
    let path = path.strip_prefix(base_path).unwrap_or(path);
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        vec![format!("{rel}index.html")]
    } else {
        vec![rel.to_string(), format!("{rel}/index.html")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteAddress {
        SiteAddress::new("https://example.eu", "")
    }

    fn internal(path: &str, fragment: Option<&str>) -> Destination {
        Destination::Internal {
            path: path.into(),
            fragment: fragment.map(str::to_string),
        }
    }

    #[test]
    fn relative_and_absolute_paths() {
        let page = "/en/news/kick-off/";
        assert_eq!(
            destination("photo.jpg", page, &site()),
            internal("/en/news/kick-off/photo.jpg", None)
        );
        assert_eq!(
            destination("../results/#details", page, &site()),
            internal("/en/news/results/", Some("details"))
        );
        assert_eq!(
            destination("/en/a%20b/?q=1", page, &site()),
            internal("/en/a b/", None)
        );
        assert_eq!(
            destination("#next", page, &site()),
            internal("/en/news/kick-off/", Some("next"))
        );
        assert_eq!(
            destination("https://example.eu/en/", page, &site()),
            internal("/en/", None)
        );
        assert_eq!(
            destination("https://example.eu", page, &site()),
            internal("/", None)
        );
    }

    #[test]
    fn other_hosts_and_schemes() {
        let page = "/en/";
        assert_eq!(
            destination("https://example.eu.other.org/x", page, &site()),
            Destination::External("https://example.eu.other.org/x".into())
        );
        assert_eq!(
            destination("//cdn.example.org/a.js", page, &site()),
            Destination::External("https://cdn.example.org/a.js".into())
        );
        for url in [
            "mailto:info@example.eu",
            "tel:+34900000000",
            "data:image/png;base64,AA",
        ] {
            assert_eq!(destination(url, page, &site()), Destination::Other, "{url}");
        }
    }

    #[test]
    fn a_site_in_a_subfolder() {
        let site = SiteAddress::new("https://example.eu/project", "/project");
        assert_eq!(site.origin, "https://example.eu");
        assert_eq!(
            destination("/other/", "/project/en/", &site),
            Destination::OutsideSite("/other/".into())
        );
        assert_eq!(
            destination("https://example.eu/other/", "/project/en/", &site),
            Destination::External("https://example.eu/other/".into())
        );
        assert_eq!(
            output_candidates("/project/en/", "/project"),
            ["en/index.html"]
        );
        assert_eq!(
            output_candidates("/project/en/logo.svg", "/project"),
            ["en/logo.svg", "en/logo.svg/index.html"]
        );
    }
}
