//! schema.org JSON-LD for each page: NewsArticle, Event, Organization, WebSite.

use serde_json::{Value as Json, json};

use super::markdown::RenderedMarkdown;
use crate::load::Section;
use crate::load::front_matter::MeetingStatus;
use crate::resolve::{ItemId, LangId, ResolvedSite};

/// JSON text that is safe inside `<script type="application/ld+json">`: no front matter value can
/// close the element or open a comment, because `<`, `>` and `&` are written as `\u` escapes.
pub fn script_safe(value: &Json) -> String {
    let mut text = Vec::with_capacity(1024);
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, ScriptSafe);
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        return "{}".into();
    }
    // serde_json writes UTF-8 only.
    String::from_utf8(text).unwrap_or_else(|_| "{}".into())
}

/// serde_json's compact output, with `<`, `>` and `&` in strings written as `\u` escapes as
/// the strings are written (they cannot occur outside strings).
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, byte) in fragment.bytes().enumerate() {
            let escaped: &[u8] = match byte {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..at])?;
            writer.write_all(escaped)?;
            start = at + 1;
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

fn publisher(site: &ResolvedSite, lang: LangId) -> Json {
    let code = site.lang_code(lang);
    let name = site
        .loaded
        .config
        .config
        .title
        .get(code, site.lang_code(site.default_lang))
        .unwrap_or_default();
    let mut org = json!({"@type": "Organization", "name": name, "url": site.permalink(&site.lang_url(lang, ""))});
    if let Some(logo) = &site.loaded.config.config.logo {
        org["logo"] = json!(absolute(site, logo));
    }
    org
}

fn absolute(site: &ResolvedSite, url: &str) -> String {
    if url.contains("://") {
        url.to_string()
    } else if url.starts_with('/') {
        format!("{}{}", site.base_url, url)
    } else {
        site.permalink(url)
    }
}

/// The JSON-LD of the home page of `lang`.
pub fn website(site: &ResolvedSite, lang: LangId) -> String {
    let code = site.lang_code(lang);
    let default = site.lang_code(site.default_lang);
    let config = &site.loaded.config.config;
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title.get(code, default).unwrap_or_default(),
        "url": site.permalink(&site.lang_url(lang, "")),
        "inLanguage": site.languages[lang].locale,
        "publisher": publisher(site, lang),
    });
    if let Some(description) = config
        .description
        .as_ref()
        .and_then(|d| d.get(code, default))
    {
        value["description"] = json!(description);
    }
    script_safe(&value)
}

/// The JSON-LD of an item's page (None for pages, which need none).
pub fn item(
    site: &ResolvedSite,
    id: ItemId,
    markdown: &[RenderedMarkdown],
    image: Option<&str>,
) -> Option<String> {
    let item = &site.items[id];
    let original = site.text_of(id);
    let fm = &site.file(id).front_matter;
    let url = site.permalink(&site.items[original].url);
    let in_language = &site.languages[site.items[original].lang].locale;
    let description: &str = &markdown[id].summary_text;
    let value = match item.section {
        Section::News => {
            let mut article = json!({
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": fm.title,
                "url": url,
                "mainEntityOfPage": url,
                "inLanguage": in_language,
                "publisher": publisher(site, item.lang),
                "description": description,
            });
            if let Some(date) = item.date {
                article["datePublished"] = json!(date.iso());
            }
            if let Some(author) = &fm.author {
                article["author"] = json!({"@type": "Person", "name": author});
            }
            if let Some(image) = image {
                article["image"] = json!([image]);
            }
            article
        }
        Section::Meetings => {
            let online = fm.online.unwrap_or(false) || fm.online_url.is_some();
            let mode = match (online, fm.location.is_some()) {
                (true, true) => "https://schema.org/MixedEventAttendanceMode",
                (true, false) => "https://schema.org/OnlineEventAttendanceMode",
                _ => "https://schema.org/OfflineEventAttendanceMode",
            };
            let status = match fm.status {
                Some(MeetingStatus::Cancelled) => "https://schema.org/EventCancelled",
                Some(MeetingStatus::Postponed) => "https://schema.org/EventPostponed",
                Some(MeetingStatus::MovedOnline) => "https://schema.org/EventMovedOnline",
                _ => "https://schema.org/EventScheduled",
            };
            let mut locations = Vec::new();
            if let Some(place) = &fm.location {
                locations.push(json!({"@type": "Place", "name": place, "address": place}));
            }
            if online {
                locations.push(json!({"@type": "VirtualLocation", "url": fm.online_url.clone().unwrap_or_else(|| url.clone())}));
            }
            let mut event = json!({
                "@context": "https://schema.org",
                "@type": "Event",
                "name": fm.title,
                "url": url,
                "inLanguage": in_language,
                "description": description,
                "eventAttendanceMode": mode,
                "eventStatus": status,
                "organizer": publisher(site, item.lang),
            });
            if let Some(date) = item.date {
                event["startDate"] = json!(date.iso());
            }
            if let Some(date) = item.end_date {
                event["endDate"] = json!(date.iso());
            }
            if !locations.is_empty() {
                event["location"] = if locations.len() == 1 {
                    locations.remove(0)
                } else {
                    Json::Array(locations)
                };
            }
            let partners: Vec<Json> = item
                .partners
                .iter()
                .filter_map(|&g| site.page_in(g, item.lang))
                .map(|p| json!({"@type": "Organization", "name": site.file(p).front_matter.title, "url": site.permalink(&site.items[p].url)}))
                .collect();
            if !partners.is_empty() {
                event["attendee"] = Json::Array(partners);
            }
            if let Some(image) = image {
                event["image"] = json!([image]);
            }
            event
        }
        Section::Partners => {
            let mut org = json!({
                "@context": "https://schema.org",
                "@type": "Organization",
                "name": fm.title,
                "url": fm.website.clone().unwrap_or_else(|| url.clone()),
                "description": description,
            });
            if let Some(short) = &fm.short_name {
                org["alternateName"] = json!(short);
            }
            if let Some(logo) = &fm.logo {
                org["logo"] = json!(absolute(site, logo));
            }
            if fm.country.is_some() || fm.city.is_some() {
                let mut address = json!({"@type": "PostalAddress"});
                if let Some(country) = &fm.country {
                    address["addressCountry"] = json!(country);
                }
                if let Some(city) = &fm.city {
                    address["addressLocality"] = json!(city);
                }
                org["address"] = address;
            }
            org
        }
        Section::Pages => return None,
    };
    Some(script_safe(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_can_close_the_script_element() {
        let value = json!({"headline": "</script><script>alert(1)</script> & <!--"});
        let text = script_safe(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(text.contains("\\u003c/script\\u003e"), "{text}");
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
