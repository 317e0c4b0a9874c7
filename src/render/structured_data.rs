//! schema.org JSON-LD for each page: NewsArticle, Event, Organization, WebSite.

use serde::Serialize;
use serde_json::value::RawValue;
#[cfg(test)]
use serde_json::{Value as Json, json};

use super::markdown::RenderedMarkdown;
use crate::load::Section;
use crate::load::front_matter::MeetingStatus;
use crate::resolve::{ItemId, LangId, ResolvedSite};

/// JSON text that is safe inside `<script type="application/ld+json">`: no front matter value can
/// close the element or open a comment, because `<`, `>` and `&` are written as `\u` escapes.
pub fn script_safe(value: &impl Serialize) -> String {
    let mut text = Vec::with_capacity(1024);
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, ScriptSafe);
    if value.serialize(&mut serializer).is_err() {
        return "{}".into();
    }
    // serde_json writes UTF-8 only; the SIMD check and a copy cost less than the standard
    // check on text that is not pure ASCII.
    simdutf8::basic::from_utf8(&text).map_or_else(|_| "{}".into(), str::to_owned)
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
        let bytes = fragment.as_bytes();
        let mut start = 0;
        for at in memchr::memchr3_iter(b'<', b'>', b'&', bytes) {
            let escaped: &[u8] = match bytes[at] {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                _ => b"\\u0026",
            };
            writer.write_all(&bytes[start..at])?;
            writer.write_all(escaped)?;
            start = at + 1;
        }
        writer.write_all(&bytes[start..])
    }
}

// The JSON-LD is written straight from these structs, whose fields are in the order of their
// names: the order serde_json's maps (and so the first versions of these pages) had.

const CONTEXT: &str = "https://schema.org";

#[derive(Serialize)]
struct Organization<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo: Option<String>,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct WebSite<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    name: &'a str,
    publisher: &'a RawValue,
    url: String,
}

#[derive(Serialize)]
struct NewsArticle<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<Person<'a>>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    description: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<[&'a str; 1]>,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    #[serde(rename = "mainEntityOfPage")]
    main_entity_of_page: &'a str,
    publisher: &'a RawValue,
    url: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Locations<'a> {
    One(Location<'a>),
    Several(Vec<Location<'a>>),
}

#[derive(Serialize)]
#[serde(untagged)]
enum Location<'a> {
    Place {
        #[serde(rename = "@type")]
        kind: &'static str,
        address: &'a str,
        name: &'a str,
    },
    Virtual {
        #[serde(rename = "@type")]
        kind: &'static str,
        url: &'a str,
    },
}

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attendee: Vec<Organization<'a>>,
    description: &'a str,
    #[serde(rename = "endDate", skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(rename = "eventAttendanceMode")]
    event_attendance_mode: &'static str,
    #[serde(rename = "eventStatus")]
    event_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<[&'a str; 1]>,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Locations<'a>>,
    name: &'a str,
    organizer: &'a RawValue,
    #[serde(rename = "startDate", skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    url: &'a str,
}

#[derive(Serialize)]
struct PostalAddress<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "addressCountry", skip_serializing_if = "Option::is_none")]
    address_country: Option<&'a str>,
    #[serde(rename = "addressLocality", skip_serializing_if = "Option::is_none")]
    address_locality: Option<&'a str>,
}

#[derive(Serialize)]
struct PartnerOrganization<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<PostalAddress<'a>>,
    #[serde(rename = "alternateName", skip_serializing_if = "Option::is_none")]
    alternate_name: Option<&'a str>,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo: Option<String>,
    name: &'a str,
    url: &'a str,
}

/// The publisher of every page of a language (the project), as JSON text made once: built and
/// written on each item's page it was 0.8% of a build's instructions.
pub struct Publishers(Vec<Box<RawValue>>);

impl Publishers {
    pub fn new(site: &ResolvedSite) -> Publishers {
        Publishers(
            (0..site.languages.len())
                .map(|lang| {
                    RawValue::from_string(script_safe(&publisher(site, lang)))
                        .expect("script_safe writes JSON")
                })
                .collect(),
        )
    }

    fn of(&self, lang: LangId) -> &RawValue {
        &self.0[lang]
    }
}

fn publisher(site: &ResolvedSite, lang: LangId) -> Organization<'_> {
    let code = site.lang_code(lang);
    let name = site
        .loaded
        .config
        .config
        .title
        .get(code, site.lang_code(site.default_lang))
        .unwrap_or_default();
    Organization {
        kind: "Organization",
        logo: site
            .loaded
            .config
            .config
            .logo
            .as_deref()
            .map(|logo| absolute(site, logo)),
        name,
        url: site.permalink(&site.lang_url(lang, "")),
    }
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
pub fn website(site: &ResolvedSite, lang: LangId, publishers: &Publishers) -> String {
    let code = site.lang_code(lang);
    let default = site.lang_code(site.default_lang);
    let config = &site.loaded.config.config;
    script_safe(&WebSite {
        context: CONTEXT,
        kind: "WebSite",
        description: config
            .description
            .as_ref()
            .and_then(|d| d.get(code, default)),
        in_language: &site.languages[lang].locale,
        name: config.title.get(code, default).unwrap_or_default(),
        publisher: publishers.of(lang),
        url: site.permalink(&site.lang_url(lang, "")),
    })
}

/// The JSON-LD of an item's page (None for pages, which need none).
pub fn item(
    site: &ResolvedSite,
    id: ItemId,
    markdown: &[RenderedMarkdown],
    image: Option<&str>,
    publishers: &Publishers,
) -> Option<String> {
    let item = &site.items[id];
    let original = site.text_of(id);
    let fm = &site.file(id).front_matter;
    let url = site.permalink(&site.items[original].url);
    let in_language = &site.languages[site.items[original].lang].locale;
    let description: &str = &markdown[id].summary_text;
    let image = image.map(|image| [image]);
    let text = match item.section {
        Section::News => script_safe(&NewsArticle {
            context: CONTEXT,
            kind: "NewsArticle",
            author: fm.author.as_deref().map(|name| Person {
                kind: "Person",
                name,
            }),
            date_published: item.date.map(|date| date.iso()),
            description,
            headline: &fm.title,
            image,
            in_language,
            main_entity_of_page: &url,
            publisher: publishers.of(item.lang),
            url: &url,
        }),
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
                locations.push(Location::Place {
                    kind: "Place",
                    address: place,
                    name: place,
                });
            }
            if online {
                locations.push(Location::Virtual {
                    kind: "VirtualLocation",
                    url: fm.online_url.as_deref().unwrap_or(&url),
                });
            }
            let location = match locations.len() {
                0 => None,
                1 => locations.pop().map(Locations::One),
                _ => Some(Locations::Several(locations)),
            };
            let attendee = item
                .partners
                .iter()
                .filter_map(|&g| site.page_in(g, item.lang))
                .map(|p| Organization {
                    kind: "Organization",
                    logo: None,
                    name: &site.file(p).front_matter.title,
                    url: site.permalink(&site.items[p].url),
                })
                .collect();
            script_safe(&Event {
                context: CONTEXT,
                kind: "Event",
                attendee,
                description,
                end_date: item.end_date.map(|date| date.iso()),
                event_attendance_mode: mode,
                event_status: status,
                image,
                in_language,
                location,
                name: &fm.title,
                organizer: publishers.of(item.lang),
                start_date: item.date.map(|date| date.iso()),
                url: &url,
            })
        }
        Section::Partners => script_safe(&PartnerOrganization {
            context: CONTEXT,
            kind: "Organization",
            address: (fm.country.is_some() || fm.city.is_some()).then_some(PostalAddress {
                kind: "PostalAddress",
                address_country: fm.country.as_deref(),
                address_locality: fm.city.as_deref(),
            }),
            alternate_name: fm.short_name.as_deref(),
            description,
            logo: fm.logo.as_deref().map(|logo| absolute(site, logo)),
            name: &fm.title,
            url: fm.website.as_deref().unwrap_or(&url),
        }),
        Section::Pages => return None,
    };
    Some(text)
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

    /// The structs write what serde_json's sorted maps wrote before them, byte for byte.
    #[test]
    fn structs_write_their_keys_in_the_order_of_the_old_maps() {
        let place = Location::Place {
            kind: "Place",
            address: "Sala 1 & 2",
            name: "Sala 1 & 2",
        };
        let online = Location::Virtual {
            kind: "VirtualLocation",
            url: "https://meet.example.org/x",
        };
        assert_eq!(
            script_safe(&Locations::Several(vec![place, online])),
            script_safe(&json!([
                {"@type": "Place", "name": "Sala 1 & 2", "address": "Sala 1 & 2"},
                {"@type": "VirtualLocation", "url": "https://meet.example.org/x"},
            ]))
        );
        let partner = PartnerOrganization {
            context: CONTEXT,
            kind: "Organization",
            address: Some(PostalAddress {
                kind: "PostalAddress",
                address_country: Some("ES"),
                address_locality: Some("Terrassa"),
            }),
            alternate_name: Some("TFIV"),
            description: "d",
            logo: Some("https://example.org/logo.svg".into()),
            name: "n",
            url: "https://example.org/",
        };
        assert_eq!(
            script_safe(&partner),
            script_safe(&json!({
                "@context": CONTEXT, "@type": "Organization", "name": "n",
                "url": "https://example.org/", "description": "d", "alternateName": "TFIV",
                "logo": "https://example.org/logo.svg",
                "address": {"@type": "PostalAddress", "addressCountry": "ES", "addressLocality": "Terrassa"},
            }))
        );
    }
}
