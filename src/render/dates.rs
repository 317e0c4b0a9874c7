//! Dates written the way each language writes them: 9 July 2020, 9 de julio de 2020,
//! 9 de juliol de 2020.
//!
//! The patterns are a small table of our own: the locale data of chrono gives month names but
//! not the prepositions and elisions (`de`, `d'`) that make a Catalan or Spanish date correct.

use std::cell::RefCell;

use ahash::AHashMap;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

/// Formats an ISO 8601 date (`2020-07-09`) or date-time (`2020-07-09T10:00:00+02:00`) for
/// `locale` (`es-ES`, or a bare language code). `None` when `iso` is not a date.
pub fn format_date(iso: &str, locale: &str, with_time: bool) -> Option<String> {
    // Most dates are plain `YYYY-MM-DD`: read without chrono's pattern parser (a template
    // formats a date many times per page).
    if let Some(day) = plain_date(iso) {
        return Some(format_day(day, locale));
    }
    let (day, time) = if let Ok(instant) = DateTime::<FixedOffset>::parse_from_rfc3339(iso) {
        (
            instant.date_naive(),
            Some((instant.hour(), instant.minute())),
        )
    } else {
        (NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?, None)
    };
    let mut text = format_day(day, locale);
    if with_time && let Some((hour, minute)) = time {
        text.push_str(&format!(", {hour:02}:{minute:02}"));
    }
    Some(text)
}

/// [`format_date`] as a template value. A plain day's text is made once per thread and
/// locale, then handed out again: a large site shows the same few thousand days 200 000 times
/// (on every card, list entry and item page), and each is always written the same way.
pub fn format_date_value(iso: &str, locale: &str, with_time: bool) -> Option<tera::Value> {
    thread_local! {
        static DAYS: RefCell<Vec<(String, AHashMap<NaiveDate, tera::Value>)>> =
            const { RefCell::new(Vec::new()) };
    }
    // A bound, for a `serve` that runs for months: far above the days of any site.
    const MOST_DAYS: usize = 100_000;
    let Some(day) = plain_date(iso) else {
        return format_date(iso, locale, with_time).map(tera::Value::from);
    };
    DAYS.with_borrow_mut(|by_locale| {
        let at = match by_locale.iter().position(|(l, _)| l == locale) {
            Some(at) => at,
            None => {
                by_locale.push((locale.to_string(), AHashMap::new()));
                by_locale.len() - 1
            }
        };
        let days = &mut by_locale[at].1;
        if days.len() >= MOST_DAYS {
            days.clear();
        }
        Some(
            days.entry(day)
                .or_insert_with(|| tera::Value::from(format_day(day, locale)))
                .clone(),
        )
    })
}

/// `YYYY-MM-DD`, exactly.
fn plain_date(iso: &str) -> Option<NaiveDate> {
    let b = iso.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = number(&b[..4])?;
    NaiveDate::from_ymd_opt(year as i32, number(&b[5..7])?, number(&b[8..10])?)
}

fn format_day(day: NaiveDate, locale: &str) -> String {
    let lang = locale
        .split(['-', '_'])
        .next()
        .unwrap_or(locale)
        .to_ascii_lowercase();
    let (d, m, y) = (day.day(), day.month0() as usize, day.year());
    // Built piece by piece: a list page formats a date per card, and `format!` cost ten times
    // as much as the pieces.
    let mut text = String::with_capacity(24);
    if lang == "en" && locale.eq_ignore_ascii_case("en-US") {
        // The one order with the month first: "January 5, 2021".
        text.push_str(EN[m]);
        text.push(' ');
        push_decimal(&mut text, d);
        text.push_str(", ");
    } else {
        // Day, what comes before the month, the month, what comes before the year.
        let (before_month, months, before_year) = match lang.as_str() {
            "en" => (" ", &EN, " "),
            "it" => (" ", &IT, " "),
            "nl" => (" ", &NL, " "),
            "fr" => (" ", &FR, " "),
            "de" => (". ", &DE, " "),
            "es" => (" de ", &ES, " de "),
            "pt" => (" de ", &PT, " de "),
            "ca" if CA[m].starts_with(['a', 'o']) => (" d’", &CA, " de "),
            "ca" => (" de ", &CA, " de "),
            _ => return day.format("%Y-%m-%d").to_string(),
        };
        if lang == "fr" && d == 1 {
            text.push_str("1er");
        } else {
            push_decimal(&mut text, d);
        }
        text.push_str(before_month);
        text.push_str(months[m]);
        text.push_str(before_year);
    }
    if y < 0 {
        text.push('-');
    }
    push_decimal(&mut text, y.unsigned_abs());
    text
}

fn push_decimal(text: &mut String, n: u32) {
    if n >= 10 {
        push_decimal(text, n / 10);
    }
    text.push(char::from(b'0' + (n % 10) as u8));
}

const EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const CA: [&str; 12] = [
    "gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre",
    "novembre", "desembre",
];
const PT: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_languages_of_the_spec() {
        assert_eq!(
            format_date("2020-07-09", "en-GB", false).unwrap(),
            "9 July 2020"
        );
        assert_eq!(
            format_date("2020-07-09", "es-ES", false).unwrap(),
            "9 de julio de 2020"
        );
        assert_eq!(
            format_date("2020-07-09", "ca-ES", false).unwrap(),
            "9 de juliol de 2020"
        );
    }

    #[test]
    fn every_language_writes_its_own_order() {
        for (locale, text) in [
            ("en-US", "January 1, 2021"),
            ("EN", "1 January 2021"),
            ("pt-BR", "1 de janeiro de 2021"),
            ("fr", "1er janvier 2021"),
            ("de-AT", "1. Januar 2021"),
            ("it", "1 gennaio 2021"),
            ("nl_BE", "1 januari 2021"),
            ("sv", "2021-01-01"),
        ] {
            assert_eq!(format_date("2021-01-01", locale, false).unwrap(), text);
        }
        assert_eq!(
            format_date("2021-11-30", "fr", false).unwrap(),
            "30 novembre 2021"
        );
    }

    #[test]
    fn catalan_elides_before_vowels() {
        assert_eq!(
            format_date("2020-04-01", "ca", false).unwrap(),
            "1 d’abril de 2020"
        );
        assert_eq!(
            format_date("2020-10-12", "ca", false).unwrap(),
            "12 d’octubre de 2020"
        );
    }

    #[test]
    fn times_are_shown_on_request() {
        let iso = "2020-07-09T10:00:00+02:00";
        assert_eq!(
            format_date(iso, "en-GB", true).unwrap(),
            "9 July 2020, 10:00"
        );
        assert_eq!(format_date(iso, "en-GB", false).unwrap(), "9 July 2020");
        assert_eq!(format_date("yesterday", "en", false), None);
    }

    /// The remembered texts are the ones `format_date` writes, per locale, also the second
    /// time; date-times and what is not a date are not remembered.
    #[test]
    fn remembered_days_are_the_formatted_days() {
        for _ in 0..2 {
            for (iso, locale) in [
                ("2020-07-09", "en-GB"),
                ("2020-07-09", "ca-ES"),
                ("2020-07-09", "en-US"),
                ("2020-07-09T10:00:00+02:00", "en-GB"),
                ("2020-13-01", "en-GB"),
            ] {
                for with_time in [false, true] {
                    assert_eq!(
                        format_date_value(iso, locale, with_time)
                            .as_ref()
                            .and_then(tera::Value::as_str),
                        format_date(iso, locale, with_time).as_deref(),
                        "{iso} {locale} {with_time}"
                    );
                }
            }
        }
        assert_eq!(
            format_date_value("2020-07-09", "ca-ES", false)
                .unwrap()
                .as_str(),
            Some("9 de juliol de 2020")
        );
    }

    #[test]
    fn plain_dates_are_read_as_chrono_reads_them() {
        for iso in [
            "2020-07-09",
            "1999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2020-13-01",
            "2020-00-10",
            "2020-7-09",
            "+2020-07-09",
            "2020-07-0x",
            "2020/07/09",
        ] {
            assert_eq!(
                plain_date(iso).or_else(|| NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()),
                NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok(),
                "{iso}"
            );
        }
        assert_eq!(format_date("2023-02-29", "en", false), None);
    }
}
