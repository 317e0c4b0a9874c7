//! Dates of items, placed in time with the item's time zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::load::front_matter::DateSpec;

/// A date as the item gives it, with the instant it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDate {
    /// The calendar day, in the item's own time zone.
    pub day: NaiveDate,
    /// The instant: midnight of `day` for dates without a time of day.
    pub instant: DateTime<FixedOffset>,
    pub has_time: bool,
}

impl ItemDate {
    /// Places `spec` in `timezone` (UTC when none is given).
    pub fn resolve(spec: DateSpec, timezone: Option<chrono_tz::Tz>) -> Option<ItemDate> {
        let tz = timezone.unwrap_or(chrono_tz::UTC);
        let at_local = |local: chrono::NaiveDateTime| -> Option<DateTime<FixedOffset>> {
            tz.from_local_datetime(&local)
                .earliest()
                .map(|t| t.fixed_offset())
        };
        match spec {
            DateSpec::Day(day) => Some(ItemDate {
                day,
                instant: at_local(day.and_time(NaiveTime::MIN))?,
                has_time: false,
            }),
            DateSpec::Local(local) => Some(ItemDate {
                day: local.date(),
                instant: at_local(local)?,
                has_time: true,
            }),
            DateSpec::Offset(instant) => {
                let instant = match timezone {
                    Some(tz) => instant.with_timezone(&tz).fixed_offset(),
                    None => instant,
                };
                Some(ItemDate {
                    day: instant.date_naive(),
                    instant,
                    has_time: true,
                })
            }
        }
    }

    /// ISO 8601: `2020-07-09`, or `2020-07-09T10:00:00+02:00` with a time of day. (A day's
    /// `Display` is `%Y-%m-%d`, written without reading a pattern each time.)
    pub fn iso(&self) -> String {
        if self.has_time {
            self.instant.to_rfc3339()
        } else {
            self.day.to_string()
        }
    }

    /// Whether the item lies after `now`: for a day, after today's date in UTC.
    pub fn is_after(&self, now: DateTime<Utc>) -> bool {
        if self.has_time {
            self.instant > now
        } else {
            self.day > now.date_naive()
        }
    }

    /// Whether the item is not over at `now` (an event of a whole day lasts all that day).
    pub fn not_over(&self, now: DateTime<Utc>) -> bool {
        if self.has_time {
            self.instant >= now
        } else {
            self.day >= now.date_naive()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_take_the_zone_offset() {
        let spec = DateSpec::parse("2020-07-09 10:00").unwrap();
        let date = ItemDate::resolve(spec, Some(chrono_tz::Europe::Madrid)).unwrap();
        assert_eq!(date.iso(), "2020-07-09T10:00:00+02:00");
    }

    #[test]
    fn days_stay_days() {
        let date = ItemDate::resolve(DateSpec::parse("2020-07-09").unwrap(), None).unwrap();
        assert_eq!(date.iso(), "2020-07-09");
        assert!(!date.has_time);
    }

    /// What `iso` (and the sitemap and the search index) rely on, in years of four digits
    /// and of more, and before year 1 (chrono writes both with 4 digits from 0 to 9999 and
    /// with a sign otherwise).
    #[test]
    fn a_days_display_is_its_iso_form() {
        for (year, month, day) in [(2020, 7, 9), (5, 1, 1), (12345, 12, 31), (-44, 3, 15)] {
            let day = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap();
            assert_eq!(day.to_string(), day.format("%Y-%m-%d").to_string());
        }
    }
}
