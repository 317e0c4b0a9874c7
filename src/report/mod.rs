//! **Report**: the communication activities of a period, for a funder's periodic report.
//!
//! One row per item (its translations together) that has a date in the period: news and
//! meetings, and any dated item of another section. Partners and pages carry no date, so they
//! are not activities. The report is read off the resolved site, so it lists exactly what the
//! built site publishes (no drafts, no news scheduled for later).

pub mod cli;
pub mod output;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use indexmap::IndexMap;
use serde::Serialize;

use crate::resolve::{GroupId, ItemId, ResolvedSite};

/// The period of a report; both ends included, either open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| day >= from) && self.to.is_none_or(|to| day <= to)
    }

    /// Whether an item from `start` to `end` (one day without an end) falls in the period, in
    /// part at least: a meeting from 30 January to 2 February is in February's report.
    pub fn overlaps(&self, start: NaiveDate, end: Option<NaiveDate>) -> bool {
        let end = end.unwrap_or(start).max(start);
        self.from.is_none_or(|from| end >= from) && self.to.is_none_or(|to| start <= to)
    }
}

/// One communication item.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityRow {
    /// `news`, `meetings`…
    #[serde(rename = "type")]
    pub kind: String,
    /// `2025-03-14`.
    pub date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// The title in the item's source language.
    pub title: String,
    pub source_language: String,
    /// The languages it is published in, in the order of `site.yaml`.
    pub languages: Vec<String>,
    /// Its address in each of them.
    pub urls: IndexMap<String, String>,
    /// The partners it names (short name, else name), in the order written.
    pub partners: Vec<String>,
    /// Where a meeting takes place: the location, `online`, or both.
    pub place: Option<String>,
    pub tags: Vec<String>,
    /// For meetings: how many took part, when the item says.
    pub participants: Option<u32>,
    /// For meetings: who it was for.
    pub audience: Vec<String>,
}

/// The rows of a period and their totals.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityReport {
    pub project: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Oldest first.
    pub items: Vec<ActivityRow>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub items: usize,
    pub per_type: BTreeMap<String, usize>,
    /// `2025-03` → type → items.
    pub per_month: BTreeMap<String, BTreeMap<String, usize>>,
    /// Per language of the site, in its order: items published in it.
    pub languages: Vec<LanguageCoverage>,
    /// Per partner named at least once: the items that name it, most first.
    pub partners: Vec<PartnerShare>,
    /// Participants of the meetings that say how many took part.
    pub participants: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LanguageCoverage {
    pub language: String,
    pub items: usize,
    /// Of all items of the period, in per cent (rounded).
    pub percent: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartnerShare {
    pub partner: String,
    pub items: usize,
    pub percent: u32,
}

/// The activities of `site` in `period`.
pub fn activity_report(site: &ResolvedSite, period: Period) -> ActivityReport {
    let mut items: Vec<ActivityRow> = site
        .groups
        .iter()
        .enumerate()
        .filter_map(|(group, _)| row(site, group))
        .filter(|row| period.overlaps(row.date, row.end_date))
        .collect();
    items.sort_by(|a, b| (a.date, &a.kind, &a.title).cmp(&(b.date, &b.kind, &b.title)));
    let mut summary = summarize(site, &items);
    fill_months(&mut summary, period, &items);
    let config = &site.loaded.config.config;
    let default_code = site.lang_code(site.default_lang);
    ActivityReport {
        project: config
            .title
            .get(default_code, default_code)
            .unwrap_or_default()
            .to_string(),
        from: period.from,
        to: period.to,
        items,
        summary,
    }
}

/// The row of one translation group, when it has a published, dated item.
fn row(site: &ResolvedSite, group: GroupId) -> Option<ActivityRow> {
    let members = &site.groups[group].members;
    let source = source_item(site, group)?;
    let item = &site.items[source];
    let date = item.date?.day;
    let file = site.file(source);
    let fm = &file.front_matter;
    let languages: Vec<String> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_some())
        .map(|(lang, _)| site.lang_code(lang).to_string())
        .collect();
    let urls = members
        .iter()
        .enumerate()
        .filter_map(|(lang, m)| {
            m.map(|id| {
                (
                    site.lang_code(lang).to_string(),
                    site.permalink(&site.items[id].url),
                )
            })
        })
        .collect();
    let partners = item
        .partners
        .iter()
        // Named in the default language, so that the summary counts each partner once.
        .filter_map(|&partner| site.member_or_any(partner, site.default_lang))
        .map(|partner| {
            let fm = &site.file(partner).front_matter;
            fm.short_name.clone().unwrap_or_else(|| fm.title.clone())
        })
        .collect();
    let online = fm.online == Some(true) || fm.online_url.is_some();
    let place = match (&fm.location, online) {
        (Some(location), true) => Some(format!("{location} + online")),
        (Some(location), false) => Some(location.clone()),
        (None, true) => Some("online".to_string()),
        (None, false) => None,
    };
    Some(ActivityRow {
        kind: item.section.folder().to_string(),
        date,
        end_date: item.end_date.map(|d| d.day),
        title: fm.title.clone(),
        source_language: site.lang_code(item.lang).to_string(),
        languages,
        urls,
        partners,
        place,
        tags: fm.tags.clone(),
        participants: fm.participants,
        audience: fm.audience.clone(),
    })
}

/// The item a group was written in first: the one that records no source, in the default
/// language when several do not.
fn source_item(site: &ResolvedSite, group: GroupId) -> Option<ItemId> {
    let members: Vec<ItemId> = site.groups[group]
        .members
        .iter()
        .flatten()
        .copied()
        .collect();
    let originals: Vec<ItemId> = members
        .iter()
        .copied()
        .filter(|&id| site.file(id).front_matter.translated_from.is_none())
        .collect();
    let pick = |candidates: &[ItemId]| {
        candidates
            .iter()
            .copied()
            .find(|&id| site.items[id].lang == site.default_lang)
            .or_else(|| candidates.first().copied())
    };
    pick(&originals).or_else(|| pick(&members))
}

/// Every month of the period appears in `per_month`, the quiet ones too: a report shows the
/// gaps. The period is the one asked for, else the one the items span.
fn fill_months(summary: &mut Summary, period: Period, items: &[ActivityRow]) {
    let (Some(first), Some(last)) = (
        period.from.or_else(|| items.first().map(|r| r.date)),
        period.to.or_else(|| items.last().map(|r| r.date)),
    ) else {
        return;
    };
    let (mut year, mut month) = (first.year(), first.month());
    // A bound, so that a period of centuries does not make a report of thousands of rows.
    for _ in 0..1200 {
        if (year, month) > (last.year(), last.month()) {
            break;
        }
        summary
            .per_month
            .entry(format!("{year:04}-{month:02}"))
            .or_default();
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
}

fn summarize(site: &ResolvedSite, items: &[ActivityRow]) -> Summary {
    let mut per_type = BTreeMap::new();
    let mut per_month: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut partners: BTreeMap<&str, usize> = BTreeMap::new();
    let mut participants = 0u64;
    for row in items {
        *per_type.entry(row.kind.clone()).or_insert(0) += 1;
        *per_month
            .entry(row.date.format("%Y-%m").to_string())
            .or_default()
            .entry(row.kind.clone())
            .or_insert(0) += 1;
        let mut named: Vec<&str> = row.partners.iter().map(String::as_str).collect();
        named.sort_unstable();
        named.dedup();
        for partner in named {
            *partners.entry(partner).or_insert(0) += 1;
        }
        participants += u64::from(row.participants.unwrap_or(0));
    }
    let percent = |n: usize| {
        if items.is_empty() {
            0
        } else {
            ((n * 100) as f64 / items.len() as f64).round() as u32
        }
    };
    let languages = site
        .languages
        .iter()
        .map(|lang| {
            let n = items
                .iter()
                .filter(|r| r.languages.contains(&lang.code))
                .count();
            LanguageCoverage {
                language: lang.code.clone(),
                items: n,
                percent: percent(n),
            }
        })
        .collect();
    let mut partners: Vec<PartnerShare> = partners
        .into_iter()
        .map(|(partner, n)| PartnerShare {
            partner: partner.to_string(),
            items: n,
            percent: percent(n),
        })
        .collect();
    partners.sort_by(|a, b| {
        b.items
            .cmp(&a.items)
            .then_with(|| a.partner.cmp(&b.partner))
    });
    Summary {
        items: items.len(),
        per_type,
        per_month,
        languages,
        partners,
        participants,
    }
}
