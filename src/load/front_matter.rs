//! Front matter: the YAML between the `---` lines at the top of a content file.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use super::Section;

/// Every key an item may carry; which ones a section accepts is checked by [`FrontMatter::misplaced_keys`].
/// The field comments are what editors see as help for each key (`herald schema`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// The item's title.
    pub title: String,
    /// The last part of the URL (`/en/news/<slug>/`); the file name when not set.
    #[serde(default)]
    pub slug: Option<String>,
    /// A draft is shown by `herald serve` and left out of `herald build` (unless `--drafts`).
    #[serde(default)]
    pub draft: bool,
    /// One or two sentences for lists, feeds and search results.
    #[serde(default)]
    pub summary: Option<String>,
    /// Tags in the item's language.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Links translations whose file names differ: the same key in each language.
    #[serde(default)]
    pub translation_key: Option<String>,
    /// The template to render the item with, instead of the section's.
    #[serde(default)]
    pub template: Option<String>,

    /// When it happened or happens: 2020-06-30, 2020-06-30 10:00 or 2020-06-30T10:00:00+02:00.
    #[serde(default)]
    pub date: Option<DateSpec>,
    /// When a meeting ends.
    #[serde(default)]
    pub end_date: Option<DateSpec>,
    /// The IANA time zone of `date` and `end_date` (Europe/Madrid).
    #[serde(default)]
    pub timezone: Option<String>,
    /// The item's picture.
    #[serde(default)]
    pub image: Option<ImageSpec>,
    /// The partners it names, by their file names under content/partners/.
    #[serde(default)]
    pub partners: Vec<String>,
    /// Who wrote it.
    #[serde(default)]
    pub author: Option<String>,

    /// Where the meeting takes place (City, Country).
    #[serde(default)]
    pub location: Option<String>,
    /// Whether one can take part online.
    #[serde(default)]
    pub online: Option<bool>,
    /// Where to join online.
    #[serde(default)]
    pub online_url: Option<String>,
    /// The points of the agenda.
    #[serde(default)]
    pub agenda: Vec<String>,
    /// meeting, workshop, webinar or conference.
    #[serde(default)]
    pub kind: Option<MeetingKind>,
    /// scheduled, cancelled, postponed or moved-online.
    #[serde(default)]
    pub status: Option<MeetingStatus>,
    /// How many took or take part.
    #[serde(default)]
    pub participants: Option<u32>,
    /// Who it is for.
    #[serde(default)]
    pub audience: Vec<String>,

    /// The partner's acronym or short name.
    #[serde(default)]
    pub short_name: Option<String>,
    /// ISO 3166 country code: ES, IT, PT…
    #[serde(default)]
    pub country: Option<String>,
    /// The partner's website.
    #[serde(default)]
    pub website: Option<String>,
    /// The partner's logo: a path under static/ or a URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// coordinator, partner or associated.
    #[serde(default)]
    pub role: Option<PartnerRole>,
    /// The partner's city.
    #[serde(default)]
    pub city: Option<String>,

    /// Order in lists and menus: lower comes first.
    #[serde(default)]
    pub weight: Option<i64>,
    /// Whether the page appears in the menu.
    #[serde(default)]
    pub menu: Option<bool>,

    /// Free-form values for themes.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub extra: Option<serde_yaml::Value>,

    /// What a translation was made from (written by `herald translate`).
    #[serde(default)]
    pub translated_from: Option<TranslatedFrom>,
}

/// The source of a translation: its language and a digest of its translatable text at the time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslatedFrom {
    pub lang: String,
    pub digest: String,
}

impl FrontMatter {
    /// Whether `self` and `other` differ only in keys whose values pages show, not in keys that
    /// shape the site (URLs, lists, dates, translations, templates, aliases). The title also
    /// orders lists: whether a new one keeps their order is for resolve to say
    /// (`resolve::order_holds_with_title`).
    pub fn same_shape(&self, other: &FrontMatter) -> bool {
        let shape = |fm: &FrontMatter| FrontMatter {
            title: String::new(),
            summary: None,
            image: None,
            author: None,
            location: None,
            online: None,
            online_url: None,
            agenda: Vec::new(),
            kind: None,
            status: None,
            participants: None,
            audience: Vec::new(),
            short_name: None,
            country: None,
            website: None,
            logo: None,
            role: None,
            city: None,
            extra: None,
            translated_from: None,
            ..fm.clone()
        };
        shape(self) == shape(other)
    }

    /// Keys that are set but mean nothing for items of `section` (a `country` on a news item).
    pub fn misplaced_keys(&self, section: Section) -> Vec<&'static str> {
        use Section::*;
        let keys: [(&'static str, bool, &[Section]); 22] = [
            ("date", self.date.is_some(), &[News, Meetings]),
            ("end_date", self.end_date.is_some(), &[Meetings]),
            ("timezone", self.timezone.is_some(), &[News, Meetings]),
            ("image", self.image.is_some(), &[News, Meetings, Pages]),
            ("partners", !self.partners.is_empty(), &[News, Meetings]),
            ("author", self.author.is_some(), &[News, Pages]),
            ("location", self.location.is_some(), &[Meetings]),
            ("online", self.online.is_some(), &[Meetings]),
            ("online_url", self.online_url.is_some(), &[Meetings]),
            ("agenda", !self.agenda.is_empty(), &[Meetings]),
            ("kind", self.kind.is_some(), &[Meetings]),
            ("status", self.status.is_some(), &[Meetings]),
            ("participants", self.participants.is_some(), &[Meetings]),
            ("audience", !self.audience.is_empty(), &[Meetings]),
            ("short_name", self.short_name.is_some(), &[Partners]),
            ("country", self.country.is_some(), &[Partners]),
            ("website", self.website.is_some(), &[Partners]),
            ("logo", self.logo.is_some(), &[Partners]),
            ("role", self.role.is_some(), &[Partners]),
            ("city", self.city.is_some(), &[Partners]),
            ("weight", self.weight.is_some(), &[Pages, Partners]),
            ("menu", self.menu.is_some(), &[Pages]),
        ];
        keys.iter()
            .filter(|(_, set, sections)| *set && !sections.contains(&section))
            .map(|(key, _, _)| *key)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    /// The file: beside the item in a bundle, or a path under static/.
    pub src: String,
    /// What the picture shows, for people who cannot see it.
    #[serde(default)]
    pub alt: Option<String>,
    /// The caption shown under the picture, with its credit.
    #[serde(default)]
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MeetingKind {
    Meeting,
    Workshop,
    Webinar,
    Conference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MeetingStatus {
    Scheduled,
    Cancelled,
    Postponed,
    MovedOnline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartnerRole {
    Coordinator,
    Partner,
    Associated,
}

macro_rules! as_str_impl {
    ($ty:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }
    };
}
as_str_impl!(MeetingKind { Meeting => "meeting", Workshop => "workshop", Webinar => "webinar", Conference => "conference" });
as_str_impl!(MeetingStatus { Scheduled => "scheduled", Cancelled => "cancelled", Postponed => "postponed", MovedOnline => "moved-online" });
as_str_impl!(PartnerRole { Coordinator => "coordinator", Partner => "partner", Associated => "associated" });

/// A `date` as written: a day, a local date and time (in the item's time zone), or an instant
/// with an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    Day(NaiveDate),
    Local(NaiveDateTime),
    Offset(DateTime<FixedOffset>),
}

impl DateSpec {
    pub fn parse(text: &str) -> Option<DateSpec> {
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(DateSpec::Day(day));
        }
        if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
            return Some(DateSpec::Offset(instant));
        }
        for format in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
                return Some(DateSpec::Local(local));
            }
        }
        None
    }
}

/// What [`DateSpec::parse`] accepts, as a pattern for JSON Schema: a day, a day and a time, or
/// an instant with an offset.
pub const DATE_PATTERN: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$";

impl JsonSchema for DateSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": DATE_PATTERN,
            "description": "A date such as 2020-06-30, 2020-06-30 10:00 (in the item's timezone) or 2020-06-30T10:00:00+02:00",
            "examples": ["2020-06-30", "2020-06-30 10:00", "2020-06-30T10:00:00+02:00"]
        })
    }
}

impl<'de> Deserialize<'de> for DateSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DateSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a date such as 2020-06-30, 2020-06-30 10:00 or 2020-06-30T10:00:00+02:00",
                )
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DateSpec, E> {
                DateSpec::parse(text).ok_or_else(|| {
                    E::custom(format!(
                        "`{text}` is not a date; write a date such as 2020-06-30, 2020-06-30 10:00 or 2020-06-30T10:00:00+02:00"
                    ))
                })
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Front matter text and body of a content file, split at the `---` lines.
pub struct SplitDocument<'a> {
    pub front_matter: &'a str,
    /// 1-based line of the first front matter line (after the opening `---`).
    pub front_matter_line: usize,
    pub body: &'a str,
    /// Byte offset of the body in the file text.
    pub body_offset: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    NoOpening,
    NoClosing,
}

/// Splits `text` (already without a BOM) into front matter and body. CRLF line ends are fine.
pub fn split_front_matter(text: &str) -> Result<SplitDocument<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::NoOpening)?;
    if first.trim_end() != "---" {
        return Err(SplitError::NoOpening);
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok(SplitDocument {
                front_matter: &text[start..offset],
                front_matter_line: 2,
                body: &text[offset + line.len()..],
                body_offset: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Err(SplitError::NoClosing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_crlf_documents() {
        let doc = split_front_matter("---\r\ntitle: A\r\n---\r\nBody\r\n").unwrap();
        assert_eq!(doc.front_matter, "title: A\r\n");
        assert_eq!(doc.body, "Body\r\n");
    }

    #[test]
    fn reports_missing_fences() {
        assert_eq!(
            split_front_matter("title: A\n").err(),
            Some(SplitError::NoOpening)
        );
        assert_eq!(
            split_front_matter("---\ntitle: A\n").err(),
            Some(SplitError::NoClosing)
        );
    }

    #[test]
    fn parses_the_three_date_forms() {
        assert!(matches!(
            DateSpec::parse("2020-06-30"),
            Some(DateSpec::Day(_))
        ));
        assert!(matches!(
            DateSpec::parse("2020-06-30 10:00"),
            Some(DateSpec::Local(_))
        ));
        assert!(matches!(
            DateSpec::parse("2020-06-30T10:00:00+02:00"),
            Some(DateSpec::Offset(_))
        ));
        assert_eq!(DateSpec::parse("yesterday"), None);
    }

    #[test]
    fn flags_keys_of_other_sections() {
        let fm = FrontMatter {
            country: Some("ES".into()),
            ..Default::default()
        };
        assert_eq!(fm.misplaced_keys(Section::News), vec!["country"]);
        assert!(fm.misplaced_keys(Section::Partners).is_empty());
    }
}
