//! Internal links written as `@/news/kick-off.md`: the file, not the URL, so that they survive
//! translated slugs and lead to the reader's language.

use super::{LangId, ResolvedSite};

/// An internal link as written, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The item key: `news/kick-off`.
    pub key: String,
    /// A language written in the link (`@/news/kick-off.es.md`), when any.
    pub lang: Option<String>,
    /// `#anchor`, without the `#`.
    pub anchor: Option<String>,
}

/// Parses `@/section/name.md`, `@/section/name.lang.md`, `@/section/bundle/index.md`, with an
/// optional `#anchor`. `None` when the link is not an internal one.
pub fn parse_internal_link(link: &str, languages: &[&str]) -> Option<LinkTarget> {
    let rest = link.strip_prefix("@/")?;
    let (path, anchor) = match rest.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor.to_string())),
        None => (rest, None),
    };
    let path = path
        .strip_suffix(".md")
        .unwrap_or(path)
        .trim_end_matches('/');
    let (path, lang) = match path.rsplit_once('.') {
        Some((stem, suffix)) if languages.contains(&suffix) => (stem, Some(suffix.to_string())),
        _ => (path, None),
    };
    let key = path.strip_suffix("/index").unwrap_or(path).to_string();
    Some(LinkTarget { key, lang, anchor })
}

/// Where an internal link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkResolution {
    /// The target in the wanted language.
    Found(String),
    /// The target exists only in another language: its URL there.
    OtherLanguage {
        url: String,
        lang: String,
    },
    /// The file exists but is not published (a draft, or a news item in the future).
    Unpublished,
    Missing,
}

impl ResolvedSite {
    /// Resolves `target` for a page in `lang`.
    pub fn resolve_link(&self, target: &LinkTarget, lang: LangId) -> LinkResolution {
        let Some(&group) = self.group_by_key.get(&target.key) else {
            return LinkResolution::Missing;
        };
        let wanted = target
            .lang
            .as_deref()
            .and_then(|code| self.lang_id(code))
            .unwrap_or(lang);
        let with_anchor = |url: &str| match &target.anchor {
            Some(anchor) => format!("{url}#{anchor}"),
            None => url.to_string(),
        };
        if let Some(item) = self.groups[group].members[wanted] {
            return LinkResolution::Found(with_anchor(&self.items[item].url));
        }
        if let Some(fallback) = self.groups[group].fallbacks[wanted] {
            let original = self.text_of(fallback);
            return LinkResolution::OtherLanguage {
                url: with_anchor(&self.items[fallback].url),
                lang: self.lang_code(self.items[original].lang).to_string(),
            };
        }
        match self.member_or_any(group, wanted) {
            Some(item) => LinkResolution::OtherLanguage {
                url: with_anchor(&self.items[item].url),
                lang: self.lang_code(self.items[item].lang).to_string(),
            },
            None => LinkResolution::Unpublished,
        }
    }

    /// Keys that exist, for did-you-mean hints.
    pub fn link_keys(&self) -> impl Iterator<Item = &str> {
        self.group_by_key.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_link_forms() {
        let langs = ["en", "es"];
        assert_eq!(
            parse_internal_link("@/news/kick-off.md", &langs),
            Some(LinkTarget {
                key: "news/kick-off".into(),
                lang: None,
                anchor: None
            })
        );
        assert_eq!(
            parse_internal_link("@/news/kick-off.es.md#results", &langs),
            Some(LinkTarget {
                key: "news/kick-off".into(),
                lang: Some("es".into()),
                anchor: Some("results".into())
            })
        );
        assert_eq!(
            parse_internal_link("@/news/visit/index.md", &langs).map(|t| t.key),
            Some("news/visit".into())
        );
        assert_eq!(parse_internal_link("https://example.org", &langs), None);
    }
}
