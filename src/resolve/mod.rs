//! **Resolve**: turn the loaded files into the site graph.
//!
//! Boundary type: [`ResolvedSite`]. Here, and only here, items get their URLs, translations are
//! grouped, references between items are followed both ways, and every list a page shows
//! (sections, tags, related items) is computed once. Rendering then only looks things up, so
//! the cost of a page does not grow with the size of the site.

pub mod dates;
mod links;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use indexmap::IndexMap;

pub use dates::ItemDate;
pub use links::{LinkResolution, LinkTarget, parse_internal_link};

use crate::config::{Direction, UntranslatedTarget};
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean_hint};
use crate::load::{ContentFile, LoadedSite, Section};

pub type ItemId = usize;
pub type GroupId = usize;
pub type LangId = usize;

/// What to include in a build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub drafts: bool,
    pub future: bool,
    /// Replaces `base_url` of `site.yaml` (for previews and staging).
    pub base_url: Option<String>,
    /// The moment that decides what is future and what is upcoming.
    pub now: DateTime<Utc>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            drafts: false,
            future: false,
            base_url: None,
            now: Utc::now(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Language {
    pub code: String,
    pub name: String,
    pub locale: String,
    pub direction: Direction,
}

/// One published item in one language.
#[derive(Debug, Clone)]
pub struct Item {
    /// Index into [`LoadedSite::content`].
    pub file: usize,
    pub section: Section,
    pub lang: LangId,
    pub group: GroupId,
    pub slug: String,
    /// Root-relative URL (with the base path of `base_url`), ending in `/`.
    pub url: String,
    pub date: Option<ItemDate>,
    pub end_date: Option<ItemDate>,
    /// Partner groups this item names, in the order written.
    pub partners: Vec<GroupId>,
    /// Indexes into `ResolvedSite::tags[lang]`.
    pub tags: Vec<usize>,
    /// Meetings that are not over yet.
    pub upcoming: bool,
    /// News dated after the build's moment (only built with `--future`, as in `serve`).
    pub future: bool,
    /// On a fallback page (the item shown under a language it is not translated into), the
    /// item whose text it shows.
    pub fallback_of: Option<ItemId>,
}

/// The translations of one item: the same item in each language it exists in.
#[derive(Debug, Clone)]
pub struct Group {
    pub section: Section,
    /// `news/kick-off`, or the section and `translation_key`.
    pub key: String,
    /// Item per language (indexed by [`LangId`]).
    pub members: Vec<Option<ItemId>>,
    /// Fallback page per language where there is no translation (when the site wants them).
    pub fallbacks: Vec<Option<ItemId>>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub slug: String,
    pub url: String,
    /// Newest first.
    pub items: Vec<ItemId>,
}

#[derive(Debug)]
pub struct ResolvedSite {
    pub loaded: LoadedSite,
    pub options: BuildOptions,
    /// `https://project.example.eu` without a trailing slash.
    pub base_url: String,
    /// The path part of `base_url`, without a trailing slash (`""` or `/project`).
    pub base_path: String,
    pub languages: Vec<Language>,
    pub default_lang: LangId,
    pub items: Vec<Item>,
    pub groups: Vec<Group>,
    /// Group of each item key (`news/kick-off`, and every `translation_key`), for references
    /// and internal links.
    pub group_by_key: HashMap<String, GroupId, ahash::RandomState>,
    /// Published items per language and section, in list order.
    pub sections: Vec<HashMap<Section, Vec<ItemId>>>,
    /// Tags per language, by slug.
    pub tags: Vec<IndexMap<String, Tag>>,
    /// Per partner item: the news and meetings in its language that name it, newest first.
    pub related: HashMap<ItemId, Vec<ItemId>>,
}

impl ResolvedSite {
    pub fn file(&self, item: ItemId) -> &ContentFile {
        &self.loaded.content[self.items[item].file]
    }

    pub fn lang_code(&self, lang: LangId) -> &str {
        &self.languages[lang].code
    }

    pub fn lang_id(&self, code: &str) -> Option<LangId> {
        self.languages.iter().position(|l| l.code == code)
    }

    /// The item of `group` in `lang`, else in the default language.
    pub fn member_or_default(&self, group: GroupId, lang: LangId) -> Option<ItemId> {
        let members = &self.groups[group].members;
        members[lang].or(members[self.default_lang])
    }

    /// The item of `group` in `lang`, else the default language, else any language.
    pub fn member_or_any(&self, group: GroupId, lang: LangId) -> Option<ItemId> {
        self.member_or_default(group, lang)
            .or_else(|| self.groups[group].members.iter().flatten().next().copied())
    }

    /// Where a visitor reading `lang` finds `group`: its translation, else its fallback page,
    /// else its version in the default (or any) language.
    pub fn page_in(&self, group: GroupId, lang: LangId) -> Option<ItemId> {
        let g = &self.groups[group];
        g.members[lang]
            .or(g.fallbacks[lang])
            .or_else(|| self.member_or_any(group, lang))
    }

    /// The item whose text a page shows: itself, or the original of a fallback page.
    pub fn text_of(&self, item: ItemId) -> ItemId {
        self.items[item].fallback_of.unwrap_or(item)
    }

    /// The site's title in `lang` (else in the default language; empty when site.yaml has none).
    pub fn title_in(&self, lang: LangId) -> &str {
        self.loaded
            .config
            .config
            .title
            .get(self.lang_code(lang), self.lang_code(self.default_lang))
            .unwrap_or_default()
    }

    /// `/en/` plus `path` under the base path.
    pub fn lang_url(&self, lang: LangId, path: &str) -> String {
        format!("{}/{}/{}", self.base_path, self.languages[lang].code, path)
    }

    /// A root-relative URL made absolute.
    pub fn permalink(&self, url: &str) -> String {
        let (base, path) = self.permalink_parts(url);
        format!("{base}{path}")
    }

    /// The two halves of [`ResolvedSite::permalink`], for writers that append them in place.
    pub fn permalink_parts<'a>(&'a self, url: &'a str) -> (&'a str, &'a str) {
        (
            &self.base_url,
            url.strip_prefix(&self.base_path).unwrap_or(url),
        )
    }

    pub fn section_url(&self, lang: LangId, section: Section) -> String {
        self.lang_url(lang, &format!("{}/", section.folder()))
    }

    /// Page `n` (1-based) of a list whose first page is at `first_url`.
    pub fn pager_url(first_url: &str, n: usize) -> String {
        if n <= 1 {
            first_url.to_string()
        } else {
            format!("{first_url}page/{n}/")
        }
    }
}

/// Builds the site graph. Errors (unknown partners, two items on one URL, …) go to
/// `diagnostics`, all of them, not only the first.
pub fn resolve_site(
    loaded: LoadedSite,
    options: BuildOptions,
    diagnostics: &mut Diagnostics,
) -> ResolvedSite {
    let config = &loaded.config.config;
    let base_url = options
        .base_url
        .clone()
        .unwrap_or_else(|| config.base_url.clone())
        .trim_end_matches('/')
        .to_string();
    let base_path = base_url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_default();
    let languages: Vec<Language> = config
        .languages
        .iter()
        .map(|(code, lang)| Language {
            code: code.clone(),
            name: lang.name.clone(),
            locale: lang.locale.clone().unwrap_or_else(|| code.clone()),
            direction: lang.direction,
        })
        .collect();
    let default_lang = languages
        .iter()
        .position(|l| l.code == config.default_language)
        .unwrap_or(0);
    let mut site = ResolvedSite {
        options,
        base_url,
        base_path,
        default_lang,
        items: Vec::new(),
        groups: Vec::new(),
        group_by_key: HashMap::default(),
        sections: vec![HashMap::new(); languages.len()],
        tags: vec![IndexMap::new(); languages.len()],
        related: HashMap::new(),
        languages,
        loaded,
    };
    let file_of = group_translations(&mut site, diagnostics);
    create_items(&mut site, file_of, diagnostics);
    resolve_partner_references(&mut site, diagnostics);
    check_unique_urls(&mut site, diagnostics);
    if site.loaded.config.config.untranslated.switcher == UntranslatedTarget::Fallback {
        create_fallbacks(&mut site);
    }
    build_lists(&mut site);
    check_menus(&site, diagnostics);
    site
}

/// Groups files into translation groups, one per key; every file gets a group even when it is
/// not published, so that references to drafts can be told apart from typos.
/// Returns the file of each (group, language).
fn group_translations(
    site: &mut ResolvedSite,
    diagnostics: &mut Diagnostics,
) -> HashMap<(GroupId, LangId), usize> {
    let lang_count = site.languages.len();
    let mut first_file: HashMap<(GroupId, LangId), usize> = HashMap::new();
    // Files with a translation_key join the group of that key; the key may also be another
    // file's own key, so plain keys are registered first.
    let mut order: Vec<usize> = (0..site.loaded.content.len()).collect();
    order.sort_by_key(|&i| {
        site.loaded.content[i]
            .front_matter
            .translation_key
            .is_some()
    });
    for index in order {
        let file = &site.loaded.content[index];
        let key = match &file.front_matter.translation_key {
            Some(tk) => std::borrow::Cow::Owned(format!("{}/{}", file.section.folder(), tk)),
            None => std::borrow::Cow::Borrowed(file.key.as_str()),
        };
        let group = match site.group_by_key.get(key.as_ref()) {
            Some(&g) => g,
            None => {
                site.groups.push(Group {
                    section: file.section,
                    key: key.to_string(),
                    members: vec![None; lang_count],
                    fallbacks: vec![None; lang_count],
                });
                let g = site.groups.len() - 1;
                site.group_by_key.insert(key.into_owned(), g);
                g
            }
        };
        if !site.group_by_key.contains_key(&file.key) {
            site.group_by_key.insert(file.key.clone(), group);
        }
        let Some(lang) = site.lang_id(&file.lang) else {
            continue;
        };
        if let Some(&other) = first_file.get(&(group, lang)) {
            let other = &site.loaded.content[other];
            diagnostics.push(
                file.error(
                    file.location_of("translation_key"),
                    format!(
                        "this file and {} are both the {} version of the same item",
                        other.path.display(),
                        file.lang
                    ),
                )
                .with_hint(
                    "give one of them another `translation_key`, or another language suffix",
                ),
            );
        } else {
            first_file.insert((group, lang), index);
        }
    }
    first_file
}

fn create_items(
    site: &mut ResolvedSite,
    file_of: HashMap<(GroupId, LangId), usize>,
    diagnostics: &mut Diagnostics,
) {
    let mut entries: Vec<((GroupId, LangId), usize)> = file_of.into_iter().collect();
    entries.sort_by_key(|&(_, file)| file);
    // What each file's item is made of, side by side (slugs and dates of 34 500 files took a
    // core for 40 ms); then the items and tags in file order, which numbers them.
    let drafts: Vec<ItemDraft> = {
        use rayon::prelude::*;
        let site = &*site;
        entries
            .par_iter()
            .map(|&((group, lang), file_index)| ItemDraft::of(site, group, lang, file_index))
            .collect()
    };
    for draft in drafts {
        diagnostics.extend(draft.problems);
        let Some(mut item) = draft.item else {
            continue;
        };
        let lang = item.lang;
        for (nth, tag_slug) in draft.tags {
            let index = match site.tags[lang].get_index_of(&tag_slug) {
                Some(index) => index,
                None => {
                    let url = site.lang_url(lang, &format!("tags/{tag_slug}/"));
                    let tag = Tag {
                        name: site.loaded.content[item.file].front_matter.tags[nth].clone(),
                        slug: tag_slug.clone(),
                        url,
                        items: Vec::new(),
                    };
                    site.tags[lang].insert_full(tag_slug, tag).0
                }
            };
            if !item.tags.contains(&index) {
                item.tags.push(index);
            }
        }
        let id = site.items.len();
        site.groups[item.group].members[lang] = Some(id);
        site.items.push(item);
    }
}

/// One content file's item before it is numbered: `None` for a draft, a news item of the
/// future (unless they are built) or a date that does not exist; its tags by place in the
/// front matter's list, and slug.
struct ItemDraft {
    item: Option<Item>,
    tags: Vec<(usize, String)>,
    problems: Vec<Diagnostic>,
}

impl ItemDraft {
    fn of(site: &ResolvedSite, group: GroupId, lang: LangId, file_index: usize) -> Self {
        let mut draft = ItemDraft {
            item: None,
            tags: Vec::new(),
            problems: Vec::new(),
        };
        let file = &site.loaded.content[file_index];
        let fm = &file.front_matter;
        if fm.draft && !site.options.drafts {
            return draft;
        }
        let now = site.options.now;
        let timezone = fm
            .timezone
            .as_deref()
            .and_then(|tz| tz.parse::<chrono_tz::Tz>().ok());
        let date = fm.date.and_then(|d| ItemDate::resolve(d, timezone));
        let end_date = fm.end_date.and_then(|d| ItemDate::resolve(d, timezone));
        if fm.date.is_some() && date.is_none() {
            draft.problems.push(file.error(
                file.location_of("date"),
                "this time does not exist in the item's time zone (a daylight saving gap)",
            ));
            return draft;
        }
        if let (Some(start), Some(end)) = (date, end_date)
            && end.instant < start.instant
        {
            draft.problems.push(
                file.error(
                    file.location_of("end_date"),
                    "the end date is before the start date",
                )
                .with_hint("check `date` and `end_date`"),
            );
        }
        if file.section == Section::News
            && !site.options.future
            && date.is_some_and(|d| d.is_after(now))
        {
            return draft;
        }
        let future = file.section == Section::News && date.is_some_and(|d| d.is_after(now));
        let upcoming =
            file.section == Section::Meetings && end_date.or(date).is_some_and(|d| d.not_over(now));
        let slug = fm
            .slug
            .clone()
            .unwrap_or_else(|| slug::slugify(file.stem()));
        let path = match file.section {
            Section::Pages => format!("{slug}/"),
            section => format!("{}/{slug}/", section.folder()),
        };
        let url = site.lang_url(lang, &path);
        draft.tags = fm
            .tags
            .iter()
            .enumerate()
            .map(|(nth, name)| (nth, slug::slugify(name)))
            .filter(|(_, tag_slug)| !tag_slug.is_empty())
            .collect();
        draft.item = Some(Item {
            file: file_index,
            section: file.section,
            lang,
            group,
            slug,
            url,
            date,
            end_date,
            partners: Vec::new(),
            tags: Vec::new(),
            upcoming,
            future,
            fallback_of: None,
        });
        draft
    }
}

fn resolve_partner_references(site: &mut ResolvedSite, diagnostics: &mut Diagnostics) {
    let partner_groups: HashMap<&str, GroupId> = site
        .group_by_key
        .iter()
        .filter_map(|(k, &group)| Some((k.strip_prefix("partners/")?, group)))
        .collect();
    let partner_keys: Vec<&str> = partner_groups.keys().copied().collect();
    let mut resolved = Vec::with_capacity(site.items.len());
    for item in &site.items {
        let file = &site.loaded.content[item.file];
        let mut groups = Vec::new();
        for slug in &file.front_matter.partners {
            match partner_groups.get(slug.as_str()) {
                Some(&group) if site.groups[group].members.iter().any(Option::is_some) => {
                    if !groups.contains(&group) {
                        groups.push(group);
                    }
                }
                Some(_) => diagnostics.push(
                    file.warning(
                        file.location_of_value("partners", slug),
                        format!("the partner `{slug}` is not published (it is a draft), so it is not linked"),
                    ),
                ),
                None => diagnostics.push(
                    file.error(file.location_of_value("partners", slug), format!("unknown partner `{slug}`"))
                        .with_hint_opt(did_you_mean_hint(slug, partner_keys.iter().copied()).or_else(|| {
                            Some(format!("partners are the files in `content/partners/`; create `content/partners/{slug}.{}.md` or fix the name", file.lang))
                        })),
                ),
            }
        }
        resolved.push(groups);
    }
    for (item, groups) in site.items.iter_mut().zip(resolved) {
        item.partners = groups;
    }
}

/// Two things on one URL is an error naming both files.
fn check_unique_urls(site: &mut ResolvedSite, diagnostics: &mut Diagnostics) {
    let mut owners: ahash::AHashMap<&str, ItemId> =
        ahash::AHashMap::with_capacity(site.items.len());
    let mut reserved: ahash::AHashMap<String, String> = ahash::AHashMap::new();
    for (lang, language) in site.languages.iter().enumerate() {
        for section in Section::ALL.iter().filter(|s| s.has_list()) {
            reserved.insert(
                site.section_url(lang, *section),
                format!("the {} list of {}", section.folder(), language.code),
            );
        }
        reserved.insert(
            site.lang_url(lang, "tags/"),
            format!("the tag list of {}", language.code),
        );
    }
    for (id, item) in site.items.iter().enumerate() {
        let file = &site.loaded.content[item.file];
        if let Some(what) = reserved.get(&item.url) {
            diagnostics.push(
                file.error(
                    file.location_of("slug"),
                    format!("this item's URL {} is already {what}", item.url),
                )
                .with_hint("give the item another `slug`"),
            );
            continue;
        }
        if let Some(&other) = owners.get(item.url.as_str()) {
            let other_file = &site.loaded.content[site.items[other].file];
            // Point at the file whose `slug` claims the URL, when one of them has one.
            let culprit =
                if file.front_matter.slug.is_none() && other_file.front_matter.slug.is_some() {
                    other_file
                } else {
                    file
                };
            diagnostics.push(
                culprit
                    .error(
                        culprit.location_of("slug"),
                        format!(
                            "{} and {} both want the URL {}",
                            other_file.path.display(),
                            file.path.display(),
                            item.url
                        ),
                    )
                    .with_hint("give one of them another `slug`"),
            );
        } else {
            owners.insert(&item.url, id);
        }
    }
}

/// A page under each language an item is not translated into, showing the original text
/// (the default language's, else any) with a notice. Never takes a URL a real item has.
fn create_fallbacks(site: &mut ResolvedSite) {
    let taken: std::collections::HashSet<String> =
        site.items.iter().map(|i| i.url.clone()).collect();
    for group in 0..site.groups.len() {
        for lang in 0..site.languages.len() {
            if site.groups[group].members[lang].is_some() {
                continue;
            }
            let Some(original) = site.member_or_any(group, lang) else {
                continue;
            };
            let source = &site.items[original];
            let path = match source.section {
                Section::Pages => format!("{}/", source.slug),
                section => format!("{}/{}/", section.folder(), source.slug),
            };
            let url = site.lang_url(lang, &path);
            if taken.contains(&url) {
                continue;
            }
            let fallback = Item {
                lang,
                url,
                tags: Vec::new(),
                fallback_of: Some(original),
                ..source.clone()
            };
            site.items.push(fallback);
            site.groups[group].fallbacks[lang] = Some(site.items.len() - 1);
        }
    }
}

/// Section lists, tag lists and back-references, computed once for every page that shows them.
fn build_lists(site: &mut ResolvedSite) {
    fn title_of(site: &ResolvedSite, id: ItemId) -> &str {
        &site.file(id).front_matter.title
    }
    let in_lists = site.loaded.config.config.untranslated.in_lists;
    // Every item in date order, then by id, sorted once: the news and meeting lists, tags and
    // related items are in this order, each list taken from it in order. The sort keys sit
    // side by side, not behind two pointers each.
    let ordered: Vec<ItemId> = {
        use rayon::slice::ParallelSliceMut;
        let mut keyed: Vec<_> = (0..site.items.len())
            .map(|id| (date_order(site, id, title_of(site, id)), id))
            .collect();
        keyed.par_sort_unstable();
        keyed.into_iter().map(|(_, id)| id).collect()
    };
    for &id in &ordered {
        let item = &site.items[id];
        if item.fallback_of.is_none() || in_lists {
            site.sections[item.lang]
                .entry(item.section)
                .or_default()
                .push(id);
        }
    }
    for lang in 0..site.languages.len() {
        let mut sections = std::mem::take(&mut site.sections[lang]);
        for (section, ids) in sections.iter_mut() {
            match section {
                Section::News | Section::Meetings => {}
                Section::Partners | Section::Pages => {
                    let mut keyed: Vec<_> = ids
                        .iter()
                        .map(|&id| (weight_order(site, id, title_of(site, id)), id))
                        .collect();
                    keyed.sort();
                    *ids = keyed.into_iter().map(|(_, id)| id).collect();
                }
            }
        }
        site.sections[lang] = sections;
    }
    // Tags and related items follow the newest-first order of the section lists.
    let mut tag_items: Vec<Vec<Vec<ItemId>>> = site
        .tags
        .iter()
        .map(|t| vec![Vec::new(); t.len()])
        .collect();
    let mut related: HashMap<ItemId, Vec<ItemId>> = HashMap::new();
    for id in ordered {
        let item = &site.items[id];
        if item.fallback_of.is_some() && !in_lists {
            continue;
        }
        for &tag in &item.tags {
            tag_items[item.lang][tag].push(id);
        }
        for &group in &item.partners {
            let group = &site.groups[group];
            if let Some(partner) = group.members[item.lang].or(group.fallbacks[item.lang]) {
                related.entry(partner).or_default().push(id);
            }
        }
    }
    // Tags are listed by name; items hold indexes into the list, so they follow the sort.
    let mut new_index: Vec<Vec<usize>> = Vec::with_capacity(site.tags.len());
    for (lang, lists) in tag_items.into_iter().enumerate() {
        for (tag, items) in site.tags[lang].values_mut().zip(lists) {
            tag.items = items;
        }
        let old_slugs: Vec<String> = site.tags[lang].keys().cloned().collect();
        site.tags[lang].sort_by(|_, a, _, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
        new_index.push(
            old_slugs
                .iter()
                .map(|slug| site.tags[lang].get_index_of(slug).unwrap_or_default())
                .collect(),
        );
    }
    for item in &mut site.items {
        for tag in &mut item.tags {
            *tag = new_index[item.lang][*tag];
        }
    }
    site.related = related;
}

/// Whether every list that holds an item of content file `file` keeps its order when the
/// file's title becomes `title`: news and meetings are listed by date, then title; partners
/// and pages by weight, then title. Where the new title ties with a neighbour's, the order
/// is not known without sorting again: then this says no.
pub fn order_holds_with_title(site: &ResolvedSite, file: usize, title: &str) -> bool {
    let title_of = |id: ItemId| -> &str {
        if site.items[id].file == file {
            title
        } else {
            &site.file(id).front_matter.title
        }
    };
    let by_date = |a: ItemId, b: ItemId| {
        date_order(site, a, title_of(a)).cmp(&date_order(site, b, title_of(b)))
    };
    let by_weight = |a: ItemId, b: ItemId| {
        weight_order(site, a, title_of(a)).cmp(&weight_order(site, b, title_of(b)))
    };
    // `id`'s neighbours in `list` come strictly before and after it.
    let in_order =
        |list: &[ItemId], id: ItemId, cmp: &dyn Fn(ItemId, ItemId) -> std::cmp::Ordering| {
            let Some(at) = list.iter().position(|&other| other == id) else {
                return true;
            };
            let before = at.checked_sub(1).map(|p| list[p]);
            let after = list.get(at + 1).copied();
            before.is_none_or(|b| cmp(b, id).is_lt()) && after.is_none_or(|a| cmp(id, a).is_lt())
        };
    site.items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.file == file)
        .all(|(id, item)| {
            let section_list = site.sections[item.lang]
                .get(&item.section)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let section_order = match item.section {
                Section::News | Section::Meetings => in_order(section_list, id, &by_date),
                Section::Partners | Section::Pages => in_order(section_list, id, &by_weight),
            };
            let tags = item.tags.iter().all(|&tag| {
                site.tags[item.lang]
                    .get_index(tag)
                    .is_none_or(|(_, tag)| in_order(&tag.items, id, &by_date))
            });
            let related = item.partners.iter().all(|&group| {
                let group = &site.groups[group];
                group.members[item.lang]
                    .or(group.fallbacks[item.lang])
                    .and_then(|partner| site.related.get(&partner))
                    .is_none_or(|list| in_order(list, id, &by_date))
            });
            section_order && tags && related
        })
}

/// Where `id`, titled `title`, goes in news and meeting lists, tag lists and related items:
/// newest first, then by title (items without a date last).
fn date_order<'a>(
    site: &ResolvedSite,
    id: ItemId,
    title: &'a str,
) -> (
    std::cmp::Reverse<Option<DateTime<chrono::FixedOffset>>>,
    &'a str,
) {
    (
        std::cmp::Reverse(site.items[id].date.map(|d| d.instant)),
        title,
    )
}

/// Where `id`, titled `title`, goes in partner and page lists: by weight, then by title
/// whatever its case.
fn weight_order(site: &ResolvedSite, id: ItemId, title: &str) -> (i64, String) {
    (
        site.file(id).front_matter.weight.unwrap_or(0),
        title.to_lowercase(),
    )
}

fn check_menus(site: &ResolvedSite, diagnostics: &mut Diagnostics) {
    let config = &site.loaded.config;
    let page_keys: Vec<&str> = site
        .group_by_key
        .keys()
        .filter_map(|k| k.strip_prefix("pages/"))
        .collect();
    for entries in config.config.menus.values() {
        for entry in entries {
            if let Some(page) = &entry.page
                && !site.group_by_key.contains_key(&format!("pages/{page}"))
            {
                diagnostics.push(
                    Diagnostic::error(
                        crate::diagnostics::Location::at(
                            crate::config::CONFIG_FILE,
                            crate::yaml::line_of_value(&config.source, "menus", page).unwrap_or(0),
                            1,
                        ),
                        format!(
                            "the menu entry `{}` names the page `{page}`, which does not exist",
                            entry.name
                        ),
                    )
                    .with_hint_opt(
                        did_you_mean_hint(page, page_keys.iter().copied())
                            .or_else(|| Some(format!("create `content/pages/{page}.md`"))),
                    )
                    .with_source(config.source.clone()),
                );
            }
        }
    }
}
