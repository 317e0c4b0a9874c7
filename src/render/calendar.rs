//! iCalendar (RFC 5545) files of meetings: one per language with every meeting, and one per
//! meeting for "add to calendar".
//!
//! Written by hand rather than with a crate because meetings need `VTIMEZONE` components built
//! from the IANA database (chrono-tz), which the iCalendar crates do not generate.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};

use super::markdown::RenderedMarkdown;
use super::{OutputContents, OutputFile};
use crate::load::Section;
use crate::load::front_matter::MeetingStatus;
use crate::resolve::{ItemDate, ItemId, LangId, ResolvedSite};

/// The `.ics` of one meeting, next to its page.
pub fn meeting_calendar_url(site: &ResolvedSite, item: ItemId) -> String {
    let original = site.text_of(item);
    format!("{}calendar.ics", site.items[original].url)
}

/// The `.ics` with every meeting of a language.
pub fn language_calendar_url(site: &ResolvedSite, lang: LangId) -> String {
    format!("{}calendar.ics", site.section_url(lang, Section::Meetings))
}

pub fn render_calendars(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    ui: &dyn Fn(LangId, &str) -> Option<String>,
) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for lang in 0..site.languages.len() {
        let meetings = published_meetings(site, lang);
        files.push(render_language_calendar(
            site, markdown, ui, lang, &meetings,
        ));
        files.extend(
            meetings
                .iter()
                .map(|&id| render_meeting_calendar(site, markdown, ui, id)),
        );
    }
    files
}

/// Re-renders the calendars that show `meetings` (whose summaries changed): each one's own
/// file and the calendar of its language.
pub fn render_calendars_of(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    ui: &dyn Fn(LangId, &str) -> Option<String>,
    meetings: &[ItemId],
) -> Vec<OutputFile> {
    let mut languages: Vec<LangId> = meetings.iter().map(|&id| site.items[id].lang).collect();
    languages.sort_unstable();
    languages.dedup();
    let mut files: Vec<OutputFile> = languages
        .into_iter()
        .map(|lang| {
            render_language_calendar(site, markdown, ui, lang, &published_meetings(site, lang))
        })
        .collect();
    files.extend(
        meetings
            .iter()
            .filter(|&&id| site.items[id].fallback_of.is_none())
            .map(|&id| render_meeting_calendar(site, markdown, ui, id)),
    );
    files
}

/// The meetings of `lang` that calendars show: not fallback pages.
fn published_meetings(site: &ResolvedSite, lang: LangId) -> Vec<ItemId> {
    site.sections[lang]
        .get(&Section::Meetings)
        .map(|ids| {
            ids.iter()
                .copied()
                .filter(|&id| site.items[id].fallback_of.is_none())
                .collect()
        })
        .unwrap_or_default()
}

fn render_language_calendar(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    ui: &dyn Fn(LangId, &str) -> Option<String>,
    lang: LangId,
    meetings: &[ItemId],
) -> OutputFile {
    let label = ui(lang, "section_meetings").unwrap_or_else(|| "Meetings".into());
    let online = ui(lang, "online").unwrap_or_else(|| "Online".into());
    let name = format!("{}: {label}", site.title_in(lang));
    let writer = CalendarWriter {
        site,
        markdown,
        online: &online,
    };
    OutputFile {
        path: super::output_path(site, &language_calendar_url(site, lang)),
        contents: OutputContents::text(writer.calendar(&name, meetings)),
    }
}

fn render_meeting_calendar(
    site: &ResolvedSite,
    markdown: &[RenderedMarkdown],
    ui: &dyn Fn(LangId, &str) -> Option<String>,
    id: ItemId,
) -> OutputFile {
    let lang = site.items[id].lang;
    let online = ui(lang, "online").unwrap_or_else(|| "Online".into());
    let writer = CalendarWriter {
        site,
        markdown,
        online: &online,
    };
    let name = format!(
        "{}: {}",
        site.title_in(lang),
        site.file(id).front_matter.title
    );
    OutputFile {
        path: super::output_path(site, &meeting_calendar_url(site, id)),
        contents: OutputContents::text(writer.calendar(&name, &[id])),
    }
}

struct CalendarWriter<'a> {
    site: &'a ResolvedSite,
    markdown: &'a [RenderedMarkdown],
    online: &'a str,
}

impl CalendarWriter<'_> {
    fn calendar(&self, name: &str, meetings: &[ItemId]) -> String {
        let mut out = Lines::default();
        out.line("BEGIN:VCALENDAR");
        out.line("VERSION:2.0");
        out.line(&format!(
            "PRODID:-//herald//herald {}//EN",
            env!("CARGO_PKG_VERSION")
        ));
        out.line("CALSCALE:GREGORIAN");
        out.line("METHOD:PUBLISH");
        out.line(&format!("X-WR-CALNAME:{}", escape_text(name)));
        // Time zones used by timed meetings, with the years they need.
        let mut zones: BTreeMap<String, (Tz, BTreeSet<i32>)> = BTreeMap::new();
        for &id in meetings {
            if let Some(tz) = self.timezone(id) {
                for date in [self.site.items[id].date, self.site.items[id].end_date]
                    .into_iter()
                    .flatten()
                {
                    if date.has_time {
                        zones
                            .entry(tz.name().to_string())
                            .or_insert((tz, BTreeSet::new()))
                            .1
                            .insert(date.day.year());
                    }
                }
            }
        }
        for (tz, years) in zones.values() {
            vtimezone(&mut out, *tz, years);
        }
        for &id in meetings {
            self.event(&mut out, id);
        }
        out.line("END:VCALENDAR");
        out.text
    }

    fn timezone(&self, id: ItemId) -> Option<Tz> {
        self.site
            .file(id)
            .front_matter
            .timezone
            .as_deref()
            .and_then(|tz| tz.parse().ok())
    }

    fn event(&self, out: &mut Lines, id: ItemId) {
        let site = self.site;
        let item = &site.items[id];
        let fm = &site.file(id).front_matter;
        let Some(start) = item.date else { return };
        let host = site
            .base_url
            .split("://")
            .nth(1)
            .unwrap_or("herald")
            .split('/')
            .next()
            .unwrap_or("herald");
        let tz = self.timezone(id);
        out.line("BEGIN:VEVENT");
        out.line(&format!(
            "UID:{}@{host}",
            site.groups[item.group].key.replace('/', "-")
        ));
        out.line(&format!(
            "DTSTAMP:{}",
            utc_stamp(start.instant.with_timezone(&Utc))
        ));
        out.line(&format!("DTSTART{}", date_property(start, tz)));
        let end = match item.end_date {
            Some(end) if end.has_time == start.has_time => Some(end),
            Some(end) if start.has_time => {
                // A timed start with a day as end: the meeting lasts until the end of that day.
                ItemDate::resolve(
                    crate::load::front_matter::DateSpec::Local(
                        end.day.and_hms_opt(23, 59, 0).unwrap_or_default(),
                    ),
                    tz,
                )
            }
            Some(end) => Some(ItemDate {
                has_time: false,
                ..end
            }),
            None => None,
        };
        match end {
            Some(end) if !end.has_time => out.line(&format!(
                "DTEND;VALUE=DATE:{}",
                (end.day + Duration::days(1)).format("%Y%m%d")
            )),
            Some(end) => out.line(&format!("DTEND{}", date_property(end, tz))),
            None if start.has_time => out.line("DURATION:PT1H"),
            None => out.line(&format!(
                "DTEND;VALUE=DATE:{}",
                (start.day + Duration::days(1)).format("%Y%m%d")
            )),
        }
        out.line(&format!("SUMMARY:{}", escape_text(&fm.title)));
        let permalink = site.permalink(&item.url);
        let summary = &self.markdown[id].summary_text;
        let description = if summary.is_empty() {
            permalink.clone()
        } else {
            format!("{summary}\n\n{permalink}")
        };
        out.line(&format!("DESCRIPTION:{}", escape_text(&description)));
        let location = match (&fm.location, &fm.online_url, fm.online) {
            (Some(place), _, _) => Some(place.clone()),
            (None, Some(url), _) => Some(url.clone()),
            (None, None, Some(true)) => Some(self.online.to_string()),
            _ => None,
        };
        if let Some(location) = location {
            out.line(&format!("LOCATION:{}", escape_text(&location)));
        }
        out.line(&format!("URL:{permalink}"));
        let status = match fm.status {
            Some(MeetingStatus::Cancelled) => "CANCELLED",
            Some(MeetingStatus::Postponed) => "TENTATIVE",
            _ => "CONFIRMED",
        };
        out.line(&format!("STATUS:{status}"));
        out.line("END:VEVENT");
    }
}

/// `;TZID=Europe/Madrid:20200709T100000`, `:20200709T080000Z` or `;VALUE=DATE:20200709`.
fn date_property(date: ItemDate, tz: Option<Tz>) -> String {
    if !date.has_time {
        return format!(";VALUE=DATE:{}", date.day.format("%Y%m%d"));
    }
    match tz {
        Some(tz) => format!(
            ";TZID={}:{}",
            tz.name(),
            date.instant.with_timezone(&tz).format("%Y%m%dT%H%M%S")
        ),
        None => format!(":{}", utc_stamp(date.instant.with_timezone(&Utc))),
    }
}

fn utc_stamp(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A `VTIMEZONE` with the observances (offset changes) of `years` and the year before, so that
/// every date in those years falls after an observance's onset.
fn vtimezone(out: &mut Lines, tz: Tz, years: &BTreeSet<i32>) {
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return;
    };
    let offset_at = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let seconds = |t: DateTime<Utc>| offset_at(t).fix().local_minus_utc();
    let mut transitions = Vec::new();
    let start = Utc.with_ymd_and_hms(first - 1, 1, 1, 0, 0, 0).single();
    let end = Utc.with_ymd_and_hms(last + 1, 1, 1, 0, 0, 0).single();
    if let (Some(mut day), Some(end)) = (start, end) {
        while day < end {
            let next = day + Duration::days(1);
            if seconds(day) != seconds(next) {
                // Narrow the change down to the second.
                let (mut lo, mut hi) = (day, next);
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if seconds(mid) == seconds(lo) {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                transitions.push(hi);
            }
            day = next;
        }
    }
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", tz.name()));
    let base = transitions
        .iter()
        .map(|&t| seconds(t))
        .chain(start.map(seconds))
        .min()
        .unwrap_or(0);
    if transitions.is_empty() {
        let at = start.unwrap_or_default();
        out.line("BEGIN:STANDARD");
        out.line("DTSTART:19700101T000000");
        let offset = format_offset(seconds(at));
        out.line(&format!("TZOFFSETFROM:{offset}"));
        out.line(&format!("TZOFFSETTO:{offset}"));
        if let Some(name) = offset_at(at).abbreviation() {
            out.line(&format!("TZNAME:{}", escape_text(name)));
        }
        out.line("END:STANDARD");
    }
    for at in transitions {
        let before = seconds(at - Duration::seconds(1));
        let after = seconds(at);
        let kind = if after > base { "DAYLIGHT" } else { "STANDARD" };
        let local: NaiveDateTime = at.naive_utc() + Duration::seconds(i64::from(before));
        out.line(&format!("BEGIN:{kind}"));
        out.line(&format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        out.line(&format!("TZOFFSETFROM:{}", format_offset(before)));
        out.line(&format!("TZOFFSETTO:{}", format_offset(after)));
        if let Some(name) = offset_at(at).abbreviation() {
            out.line(&format!("TZNAME:{}", escape_text(name)));
        }
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// RFC 5545 TEXT escaping: backslash, semicolon, comma and line breaks.
pub fn escape_text(text: &str) -> String {
    // Copied a run at a time between the characters that change: a meeting's description is
    // its whole text, and a character at a time cost 1% of a build.
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut start = 0;
    for (at, c) in text.match_indices(['\\', ';', ',', '\n', '\r']) {
        out.push_str(&text[start..at]);
        out.push_str(match c {
            "\\" => "\\\\",
            ";" => "\\;",
            "," => "\\,",
            "\n" => "\\n",
            _ => "",
        });
        start = at + c.len();
    }
    out.push_str(&text[start..]);
    out
}

/// Content lines with CRLF ends, folded at 75 octets without splitting a UTF-8 character.
#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    fn line(&mut self, mut line: &str) {
        // At most 75 octets a line, the first; each further one starts with a space.
        let mut room = 75;
        while line.len() > room {
            let mut end = room;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&line[..end]);
            self.text.push_str("\r\n ");
            line = &line[end..];
            room = 74;
        }
        self.text.push_str(line);
        self.text.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape_text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn folds_long_lines_at_75_octets_on_character_boundaries() {
        let mut lines = Lines::default();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        lines.line(&long);
        for line in lines.text.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = lines.text.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), long);
    }

    #[test]
    fn madrid_has_summer_and_winter_time() {
        let mut lines = Lines::default();
        vtimezone(
            &mut lines,
            chrono_tz::Europe::Madrid,
            &BTreeSet::from([2026]),
        );
        assert!(lines.text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"), "{}", lines.text);
        assert!(lines.text.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"
        ));
    }

    #[test]
    fn zones_without_changes_have_one_observance() {
        let mut lines = Lines::default();
        vtimezone(&mut lines, chrono_tz::UTC, &BTreeSet::from([2026]));
        assert!(lines.text.contains(
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000"
        ));
    }
}
