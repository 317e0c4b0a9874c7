//! The values templates see, built once per item and per language and then shared by every
//! page that shows them (tera values are reference-counted, so handing them out is cheap).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tera::{Map, Value};

use super::cache::{CachedRefs, ItemKey, RenderCache, hasher};

use super::markdown::RenderedMarkdown;
use crate::load::Section;
use crate::resolve::{ItemId, LangId, ResolvedSite};

/// A small helper to build tera maps with `&'static str` keys.
#[derive(Default)]
pub struct MapBuilder(Map);

impl MapBuilder {
    pub fn new() -> Self {
        MapBuilder(Map::default())
    }

    /// A builder for a map of about `n` entries, which then grows no more.
    pub fn with_capacity(n: usize) -> Self {
        MapBuilder(Map::with_capacity_and_hasher(n, Default::default()))
    }

    pub fn from_map(map: &Map) -> Self {
        MapBuilder(map.clone())
    }

    pub fn set(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn build(self) -> Value {
        Value::from(self.0)
    }
}

pub fn opt_str(value: Option<&str>) -> Value {
    value.map_or_else(Value::none, Value::from)
}

/// Per item, what its values are built from besides the site graph.
#[derive(Clone, Copy)]
pub struct ItemTexts<'a> {
    pub markdown: &'a [RenderedMarkdown],
    pub markdown_versions: &'a [u64],
    pub translation_states: &'a [&'static str],
}

/// Everything precomputed for the templates.
pub struct SiteValues {
    /// Per item: a fingerprint of what its base reference is made of.
    pub base_fingerprints: Vec<u64>,
    /// Per item: the fields of the item itself, which other items' references list.
    pub base_refs: Vec<Value>,
    /// Per item: a fingerprint of everything in its reference, for page fingerprints.
    pub full_fingerprints: Vec<u64>,
    /// Per item: the reference lists show (base fields plus partners, related items and
    /// translations).
    pub refs: Vec<Value>,
    /// Per language: the `site` variable.
    pub site: Vec<Value>,
    /// Per language: the `language` variable.
    pub languages: Vec<Value>,
    /// Per language: the `ui` variable, every UI string by key (the default language's where
    /// the language has none), what `t(key=…)` looks up, without a function call.
    pub ui: Vec<Value>,
}

impl SiteValues {
    /// Builds the values of every item, reusing from `cache` those whose inputs did not change.
    pub fn build(
        site: &ResolvedSite,
        markdown: &[RenderedMarkdown],
        markdown_versions: &[u64],
        translation_states: &[&'static str],
        keys: &[ItemKey],
        cache: &mut RenderCache,
    ) -> SiteValues {
        use rayon::prelude::*;
        let n = site.items.len();
        // A one-shot build compares nothing with an earlier one: no fingerprints, no cache.
        let keep = cache.keep_pieces;
        let base_fingerprints: Vec<u64> = if keep {
            (0..n)
                .into_par_iter()
                .map(|id| base_fingerprint(site, id, markdown_versions[id], translation_states[id]))
                .collect()
        } else {
            vec![0; n]
        };
        let full_fingerprints: Vec<u64> = if keep {
            (0..n)
                .into_par_iter()
                .map(|id| full_fingerprint(site, id, &base_fingerprints))
                .collect()
        } else {
            vec![0; n]
        };
        let cached = &cache.refs;
        let cached = |id: ItemId| keep.then(|| cached.get(&keys[id])).flatten();
        let base_refs: Vec<Value> = (0..n)
            .into_par_iter()
            .map(|id| match cached(id) {
                Some(c) if c.base_fingerprint == base_fingerprints[id] => c.base.clone(),
                _ => base_ref(site, id, &markdown[id], translation_states[id]),
            })
            .collect();
        let refs: Vec<Value> = (0..n)
            .into_par_iter()
            .map(|id| match cached(id) {
                Some(c) if c.full_fingerprint == full_fingerprints[id] => c.full.clone(),
                _ => full_ref(site, id, &base_refs),
            })
            .collect();
        if keep {
            cache.refs = keys
                .iter()
                .enumerate()
                .map(|(id, key)| {
                    let entry = CachedRefs {
                        base_fingerprint: base_fingerprints[id],
                        base: base_refs[id].clone(),
                        full_fingerprint: full_fingerprints[id],
                        full: refs[id].clone(),
                    };
                    (key.clone(), entry)
                })
                .collect();
        }
        let languages: Vec<Value> = (0..site.languages.len())
            .map(|lang| language_value(site, lang))
            .collect();
        let language_list = Value::from(languages.clone());
        let site_values = (0..site.languages.len())
            .map(|lang| site_value(site, lang, &language_list))
            .collect();
        SiteValues {
            base_fingerprints,
            base_refs,
            refs,
            full_fingerprints,
            site: site_values,
            languages,
            ui: (0..site.languages.len())
                .map(|lang| ui_value(site, lang))
                .collect(),
        }
    }

    /// Builds again the values of `candidates` (items whose text or translation state changed)
    /// and of the items whose references list them (`listed_by`, from [`listed_by`]), keeping
    /// every other value. Returns the items whose full reference changed.
    pub fn update(
        &mut self,
        site: &ResolvedSite,
        texts: ItemTexts<'_>,
        candidates: &[ItemId],
        listed_by: &[Vec<ItemId>],
        cache: &mut RenderCache,
    ) -> Vec<ItemId> {
        let ItemTexts {
            markdown,
            markdown_versions,
            translation_states,
        } = texts;
        // Fingerprints follow every new text, so that the next full build finds them right;
        // values are compared, so that only a change of what they show reaches other pages.
        let mut base_touched = Vec::new();
        for &id in candidates {
            let fingerprint =
                base_fingerprint(site, id, markdown_versions[id], translation_states[id]);
            if fingerprint != self.base_fingerprints[id] {
                self.base_fingerprints[id] = fingerprint;
                self.base_refs[id] = base_ref(site, id, &markdown[id], translation_states[id]);
                base_touched.push(id);
            }
        }
        let mut to_check: Vec<ItemId> = base_touched
            .iter()
            .flat_map(|&id| std::iter::once(id).chain(listed_by[id].iter().copied()))
            .collect();
        to_check.sort_unstable();
        to_check.dedup();
        let mut changed = Vec::new();
        for id in to_check {
            let fingerprint = full_fingerprint(site, id, &self.base_fingerprints);
            if fingerprint != self.full_fingerprints[id] {
                self.full_fingerprints[id] = fingerprint;
                let value = full_ref(site, id, &self.base_refs);
                if value != self.refs[id] {
                    self.refs[id] = value;
                    changed.push(id);
                }
            }
            cache_refs(cache, site, id, self);
        }
        changed
    }

    pub fn refs_of(&self, ids: &[ItemId]) -> Value {
        Value::from(
            ids.iter()
                .map(|&id| self.refs[id].clone())
                .collect::<Vec<_>>(),
        )
    }
}

/// Records the values of `id` in `cache`, for the next full build.
fn cache_refs(cache: &mut RenderCache, site: &ResolvedSite, id: ItemId, values: &SiteValues) {
    cache.refs.insert(
        ItemKey::of(site, id),
        CachedRefs {
            base_fingerprint: values.base_fingerprints[id],
            base: values.base_refs[id].clone(),
            full_fingerprint: values.full_fingerprints[id],
            full: values.refs[id].clone(),
        },
    );
}

/// The UI strings of `lang`, completed with the default language's.
fn ui_value(site: &ResolvedSite, lang: LangId) -> Value {
    let strings = &site.loaded.theme.strings;
    let own = strings.get(site.lang_code(lang));
    let default = strings.get(site.lang_code(site.default_lang));
    let mut map = Map::with_capacity_and_hasher(
        default
            .map_or(0, |d| d.len())
            .max(own.map_or(0, |o| o.len())),
        Default::default(),
    );
    for texts in [default, own].into_iter().flatten() {
        for (key, text) in texts {
            map.insert(key.clone().into(), Value::from(text.as_str()));
        }
    }
    Value::from(map)
}

fn language_value(site: &ResolvedSite, lang: LangId) -> Value {
    let language = &site.languages[lang];
    MapBuilder::new()
        .set("code", language.code.as_str())
        .set("name", language.name.as_str())
        .set("locale", language.locale.as_str())
        .set("direction", language.direction.as_str())
        .set("home_url", site.lang_url(lang, ""))
        .build()
}

fn fallback_lang<'a>(
    text: Option<&crate::funding::FundingText>,
    default: &'a str,
) -> Option<&'a str> {
    text.filter(|t| t.origin == crate::funding::TextOrigin::Fallback)
        .map(|_| default)
}

fn site_value(site: &ResolvedSite, lang: LangId, languages: &Value) -> Value {
    let config = &site.loaded.config.config;
    let code = site.lang_code(lang);
    let default = site.lang_code(site.default_lang);
    let funding = config.funding.as_ref();
    let texts = funding
        .map(|f| crate::funding::funding_texts(f, code, default))
        .unwrap_or_default();
    let funding = MapBuilder::new()
        .set(
            "statement",
            opt_str(texts.statement.as_ref().map(|t| t.text.as_str())),
        )
        .set(
            "disclaimer",
            opt_str(texts.disclaimer.as_ref().map(|t| t.text.as_str())),
        )
        // The language of a text shown in another language than the page's (a fallback),
        // for its `lang` attribute.
        .set(
            "statement_lang",
            opt_str(fallback_lang(texts.statement.as_ref(), default)),
        )
        .set(
            "disclaimer_lang",
            opt_str(fallback_lang(texts.disclaimer.as_ref(), default)),
        )
        .set(
            "grant_number",
            opt_str(funding.and_then(|f| f.grant_number.as_deref())),
        )
        .set(
            "emblem",
            item_asset_url(
                site,
                &format!("{}/", site.base_path),
                funding
                    .and_then(|f| f.emblem.as_deref())
                    .unwrap_or(crate::funding::DEFAULT_EMBLEM),
            ),
        )
        .build();
    let title = config.title.get(code, default);
    // "CIRCUWEAVE — circular and digital textile clusters": the name, then the tagline.
    let (name, tagline) = match title.and_then(|t| t.split_once(" — ")) {
        Some((name, tagline)) => (Some(name), Some(tagline).filter(|t| !t.is_empty())),
        None => (title, None),
    };
    MapBuilder::new()
        .set("title", opt_str(title))
        .set("name", opt_str(name))
        .set("tagline", opt_str(tagline))
        .set(
            "description",
            opt_str(
                config
                    .description
                    .as_ref()
                    .and_then(|d| d.get(code, default)),
            ),
        )
        .set("base_url", site.base_url.as_str())
        .set("default_language", default)
        .set("languages", languages.clone())
        .set("funding", funding)
        .set("preview", site.options.drafts || site.options.future)
        .set(
            "extra",
            config
                .extra
                .as_ref()
                .map_or_else(Value::none, Value::from_serializable),
        )
        .set(
            "logo",
            config.logo.as_deref().map_or_else(Value::none, |logo| {
                Value::from(item_asset_url(site, &format!("{}/", site.base_path), logo))
            }),
        )
        .set("feed_url", super::feeds::feed_url(site, lang, None))
        .set(
            "favicon",
            favicon(site).map_or_else(Value::none, Value::from),
        )
        .build()
}

/// The site's icon: a `favicon.svg`, `.png` or `.ico` at the root of `static/` (or the theme's).
fn favicon(site: &ResolvedSite) -> Option<String> {
    ["favicon.svg", "favicon.png", "favicon.ico"]
        .into_iter()
        .find(|name| {
            site.loaded
                .theme
                .static_files
                .iter()
                .any(|f| f.output_path == *name)
        })
        .map(|name| format!("{}/{name}", site.base_path))
}

/// A URL written in front matter: relative ones are relative to the item's own URL (bundle
/// files), root-relative ones get the base path.
pub(crate) fn item_asset_url(site: &ResolvedSite, item_url: &str, src: &str) -> String {
    if src.contains("://") || src.starts_with("data:") {
        src.to_string()
    } else if src.starts_with('/') {
        format!("{}{}", site.base_path, src)
    } else {
        format!("{item_url}{src}")
    }
}

fn base_ref(
    site: &ResolvedSite,
    id: ItemId,
    markdown: &RenderedMarkdown,
    translation_state: &'static str,
) -> Value {
    let item = &site.items[id];
    let fm = &site.file(id).front_matter;
    let original = &site.items[site.text_of(id)];
    // Bundle files sit beside the original's page only.
    let asset_base = original.url.as_str();
    let tags: Vec<Value> = item
        .tags
        .iter()
        .filter_map(|&t| site.tags[item.lang].get_index(t))
        .map(|(_, tag)| {
            MapBuilder::new()
                .set("name", tag.name.as_str())
                .set("slug", tag.slug.as_str())
                .set("url", tag.url.as_str())
                .build()
        })
        .collect();
    let image = fm.image.as_ref().map_or_else(Value::none, |image| {
        MapBuilder::new()
            .set("src", item_asset_url(site, asset_base, &image.src))
            .set("alt", opt_str(image.alt.as_deref()))
            .set("caption", opt_str(image.caption.as_deref()))
            .build()
    });
    let strings = |list: &[String]| {
        Value::from(
            list.iter()
                .map(|s| Value::from(s.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    // Room for the entries set below, the four `full_ref` adds and an item page's `content`.
    MapBuilder::with_capacity(48)
        .set("section", item.section.folder())
        .set("title", fm.title.as_str())
        .set("slug", item.slug.as_str())
        .set("url", item.url.as_str())
        .set("permalink", site.permalink(&item.url))
        .set("lang", site.lang_code(item.lang))
        .set("summary", Value::safe_string(&markdown.summary))
        .set("description", &*markdown.summary_text)
        .set("translated", item.fallback_of.is_none())
        .set("content_lang", site.lang_code(original.lang))
        .set(
            "calendar_url",
            if item.section == Section::Meetings {
                Value::from(super::calendar::meeting_calendar_url(site, id))
            } else {
                Value::none()
            },
        )
        .set(
            "date",
            item.date.map_or_else(Value::none, |d| Value::from(d.iso())),
        )
        .set(
            "end_date",
            item.end_date
                .map_or_else(Value::none, |d| Value::from(d.iso())),
        )
        .set("has_time", item.date.is_some_and(|d| d.has_time))
        .set("tags", Value::from(tags))
        .set("draft", fm.draft)
        .set("image", image)
        .set("author", opt_str(fm.author.as_deref()))
        .set("timezone", opt_str(fm.timezone.as_deref()))
        .set("location", opt_str(fm.location.as_deref()))
        .set(
            "online",
            fm.online.unwrap_or(false) || fm.online_url.is_some(),
        )
        .set("online_url", opt_str(fm.online_url.as_deref()))
        .set("agenda", strings(&fm.agenda))
        .set("meeting_kind", opt_str(fm.kind.map(|k| k.as_str())))
        .set("status", opt_str(fm.status.map(|s| s.as_str())))
        .set(
            "participants",
            fm.participants.map_or_else(Value::none, Value::from),
        )
        .set("audience", strings(&fm.audience))
        .set("upcoming", item.upcoming)
        .set("future", item.future)
        .set("translation_status", translation_state)
        .set("short_name", opt_str(fm.short_name.as_deref()))
        .set("country", opt_str(fm.country.as_deref()))
        .set("website", opt_str(fm.website.as_deref()))
        .set(
            "logo",
            fm.logo.as_deref().map_or_else(Value::none, |logo| {
                Value::from(item_asset_url(site, asset_base, logo))
            }),
        )
        .set("role", opt_str(fm.role.map(|r| r.as_str())))
        .set("city", opt_str(fm.city.as_deref()))
        .set("weight", fm.weight.map_or_else(Value::none, Value::from))
        .set(
            "extra",
            fm.extra
                .as_ref()
                .map_or_else(Value::none, Value::from_serializable),
        )
        .build()
}

/// Everything `base_ref` reads: the file's text (by identity), the rendered summary (by
/// version), and what resolve decided for the item.
fn base_fingerprint(
    site: &ResolvedSite,
    id: ItemId,
    markdown_version: u64,
    translation_state: &str,
) -> u64 {
    let item = &site.items[id];
    let mut h = hasher();
    translation_state.hash(&mut h);
    (Arc::as_ptr(&site.file(id).source) as *const u8 as usize).hash(&mut h);
    markdown_version.hash(&mut h);
    (
        &item.url,
        &item.slug,
        item.lang,
        item.upcoming,
        item.section,
    )
        .hash(&mut h);
    item.fallback_of
        .map(|o| (&site.items[o].url, site.items[o].lang))
        .hash(&mut h);
    for &tag in &item.tags {
        site.tags[item.lang]
            .get_index(tag)
            .map(|(_, t)| (&t.name, &t.url))
            .hash(&mut h);
    }
    h.finish()
}

/// Per item: the items whose full reference lists its base reference (the news and meetings
/// that name a partner, the partner that shows its related items), so that a change of one
/// item's fields reaches the references that show them.
pub fn listed_by(site: &ResolvedSite) -> Vec<Vec<ItemId>> {
    let mut listed_by = vec![Vec::new(); site.items.len()];
    for (id, item) in site.items.iter().enumerate() {
        for partner in item
            .partners
            .iter()
            .filter_map(|&g| site.page_in(g, item.lang))
        {
            listed_by[partner].push(id);
        }
    }
    for (&id, related) in &site.related {
        for &r in related {
            listed_by[r].push(id);
        }
    }
    listed_by
}

/// Everything `full_ref` adds: the items it lists and the translations.
fn full_fingerprint(site: &ResolvedSite, id: ItemId, base: &[u64]) -> u64 {
    let item = &site.items[id];
    let mut h = hasher();
    base[id].hash(&mut h);
    for partner in item
        .partners
        .iter()
        .filter_map(|&g| site.page_in(g, item.lang))
    {
        base[partner].hash(&mut h);
    }
    for &related in site.related.get(&id).map(Vec::as_slice).unwrap_or_default() {
        base[related].hash(&mut h);
    }
    for (lang, member) in site.groups[item.group].members.iter().enumerate() {
        (lang, member.map(|m| &site.items[m].url)).hash(&mut h);
    }
    h.finish()
}

fn full_ref(site: &ResolvedSite, id: ItemId, base_refs: &[Value]) -> Value {
    let item = &site.items[id];
    let list = |ids: &mut dyn Iterator<Item = ItemId>| {
        Value::from(ids.map(|i| base_refs[i].clone()).collect::<Vec<_>>())
    };
    let partners = list(
        &mut item
            .partners
            .iter()
            .filter_map(|&g| site.page_in(g, item.lang)),
    );
    let related = site.related.get(&id).map(Vec::as_slice).unwrap_or_default();
    let related_news = list(
        &mut related
            .iter()
            .copied()
            .filter(|&r| site.items[r].section == Section::News),
    );
    let related_meetings = list(
        &mut related
            .iter()
            .copied()
            .filter(|&r| site.items[r].section == Section::Meetings),
    );
    let translations: Vec<Value> = site.groups[item.group]
        .members
        .iter()
        .enumerate()
        .filter_map(|(lang, member)| member.filter(|&m| m != id).map(|m| (lang, m)))
        .map(|(lang, m)| {
            MapBuilder::new()
                .set("lang", site.lang_code(lang))
                .set("name", site.languages[lang].name.as_str())
                .set("url", site.items[m].url.as_str())
                .build()
        })
        .collect();
    let base = base_refs[id].as_map().cloned().unwrap_or_default();
    MapBuilder(base)
        .set("partners", partners)
        .set("related_news", related_news)
        .set("related_meetings", related_meetings)
        .set("translations", Value::from(translations))
        .build()
}
