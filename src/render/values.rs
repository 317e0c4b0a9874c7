//! The values templates see, built once per item and per language and then shared by every
//! page that shows them (tera values are reference-counted, so handing them out is cheap).

use std::hash::{DefaultHasher, Hash, Hasher};
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
    /// A builder with room for the few entries most maps have: the map it builds is a copy
    /// of exactly its size, so room in the builder costs nothing after, and growing it did
    /// (three times for a map of eight).
    pub fn new() -> Self {
        MapBuilder::with_capacity(7)
    }

    /// A builder for a map of about `n` entries, which then grows no more.
    pub fn with_capacity(n: usize) -> Self {
        MapBuilder(Map::with_capacity_and_hasher(n, Default::default()))
    }

    pub fn set(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn build(self) -> Value {
        Value::from(self.0)
    }
}

/// Reads the entries of a reference once, in the order they are in memory, and with `lists`
/// those of the references in its lists (its partners, a partner's news and meetings). A large
/// site's references are spread over hundreds of megabytes, and a template reads a page's
/// ones a variable at a time, each a wait for memory; one pass in order lets the processor
/// fetch them ahead. At 10 000 × 3 the pages took about 60 ms less, and 25 ms less again with
/// the lists.
pub fn read_through(reference: &Value, lists: bool) {
    let Some(map) = reference.as_map() else {
        return;
    };
    let mut length = 0;
    for (key, value) in map {
        length += key.as_str().map_or(0, str::len);
        if lists && let Some(references) = value.as_array() {
            references.iter().for_each(|r| read_through(r, false));
        }
    }
    std::hint::black_box(length);
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
///
/// An item's reference is one map of its own fields, its `translations`, the `partners` it
/// names and, for a partner, the news and meetings that name it (`related_*`). The partners
/// inside a reference are *plain* references: their own fields and translations, no lists, so
/// that no reference holds itself. Only partners need both: every other item's reference is
/// also the one that partners' `related_*` lists hold, one map shared by both.
pub struct SiteValues {
    /// Per item: a fingerprint of its own fields and translations.
    pub own_fingerprints: Vec<u64>,
    /// Per item: a fingerprint of what its base reference is made of.
    pub base_fingerprints: Vec<u64>,
    /// Per item: the reference other items' lists hold (a partner's plain reference; for
    /// every other item, its reference).
    pub base_refs: Vec<Value>,
    /// Per item: a fingerprint of everything in its reference, for page fingerprints.
    pub full_fingerprints: Vec<u64>,
    /// Per item: the reference its own page and the lists of pages show.
    pub refs: Vec<Value>,
    /// Per language: the `site` variable.
    pub site: Vec<Value>,
    /// Per language: the `language` variable.
    pub languages: Vec<Value>,
    /// Per language: the `ui` variable, every UI string by key (the default language's where
    /// the language has none), what `t(key=…)` looks up, without a function call.
    pub ui: Vec<Value>,
    /// What the references share, kept for [`SiteValues::update`]: an edit it handles changes
    /// no tag and no URL.
    shared: SharedRefParts,
}

/// The partners `id` names, in its language: what its `partners` list holds, what its
/// fingerprints cover, and whose changes reach it (`listed_by`).
fn named_partners(site: &ResolvedSite, id: ItemId) -> impl Iterator<Item = ItemId> + '_ {
    let item = &site.items[id];
    item.partners
        .iter()
        .filter_map(|&g| site.page_in(g, item.lang))
        .filter(|&p| is_partner(site, p))
}

/// Whether the item's reference has lists of its own besides its plain reference.
fn is_partner(site: &ResolvedSite, id: ItemId) -> bool {
    site.items[id].section == Section::Partners
}

/// Values many references share, made once: `{name, slug, url}` per tag of each language, and
/// `{lang, name, url}` per item for the `translations` of the others of its group.
struct SharedRefParts {
    tags: Vec<Vec<Value>>,
    translation_links: Vec<Value>,
    /// Per language, the UI string `label_<section>` of each section, in `Section::ALL`'s order.
    section_labels: Vec<Vec<Value>>,
}

impl SharedRefParts {
    fn new(site: &ResolvedSite) -> SharedRefParts {
        use rayon::prelude::*;
        let tags = site
            .tags
            .iter()
            .map(|tags| {
                tags.values()
                    .map(|tag| {
                        MapBuilder::with_capacity(3)
                            .set("name", tag.name.as_str())
                            .set("slug", tag.slug.as_str())
                            .set("url", tag.url.as_str())
                            .build()
                    })
                    .collect()
            })
            .collect();
        let translation_links = (0..site.items.len())
            .into_par_iter()
            .map(|id| {
                let item = &site.items[id];
                MapBuilder::with_capacity(3)
                    .set("lang", site.lang_code(item.lang))
                    .set("name", site.languages[item.lang].name.as_str())
                    .set("url", item.url.as_str())
                    .build()
            })
            .collect();
        let section_labels = (0..site.languages.len())
            .map(|lang| {
                Section::ALL
                    .iter()
                    .map(|section| {
                        let key = format!("label_{}", section.folder());
                        opt_str(super::ui_string(site, lang, &key).as_deref())
                    })
                    .collect()
            })
            .collect();
        SharedRefParts {
            tags,
            translation_links,
            section_labels,
        }
    }
}

/// What a reference is built from besides the site graph.
struct RefInputs<'a> {
    texts: ItemTexts<'a>,
    shared: &'a SharedRefParts,
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
        let shared = SharedRefParts::new(site);
        let inputs = RefInputs {
            texts: ItemTexts {
                markdown,
                markdown_versions,
                translation_states,
            },
            shared: &shared,
        };
        // A one-shot build compares nothing with an earlier one: no fingerprints, no cache.
        let keep = cache.keep_pieces;
        let fingerprints = |f: &(dyn Fn(ItemId) -> u64 + Sync)| -> Vec<u64> {
            if keep {
                (0..n).into_par_iter().map(f).collect()
            } else {
                vec![0; n]
            }
        };
        let settings = if keep {
            super::settings_fingerprint(site)
        } else {
            0
        };
        let own_fingerprints = fingerprints(&|id| {
            own_fingerprint(
                site,
                id,
                settings,
                markdown_versions[id],
                translation_states[id],
            )
        });
        let base_fingerprints = fingerprints(&|id| base_fingerprint(site, id, &own_fingerprints));
        let full_fingerprints =
            fingerprints(&|id| full_fingerprint(site, id, &own_fingerprints, &base_fingerprints));
        let cached = &cache.refs;
        let cached = |id: ItemId| keep.then(|| cached.get(&keys[id])).flatten();
        // Partners' plain references first, which the others' `partners` lists hold; then the
        // others' references, which partners' `related_*` lists hold.
        let base_of = |id: ItemId, lists: Option<&[Value]>| match cached(id) {
            Some(c) if c.base_fingerprint == base_fingerprints[id] => c.base.clone(),
            _ => item_ref(site, id, &inputs, lists),
        };
        let plain: Vec<Option<Value>> = (0..n)
            .into_par_iter()
            .map(|id| is_partner(site, id).then(|| base_of(id, None)))
            .collect();
        let plain: Vec<Value> = plain
            .into_iter()
            .map(|v| v.unwrap_or_else(Value::none))
            .collect();
        let others: Vec<Option<Value>> = (0..n)
            .into_par_iter()
            .map(|id| (!is_partner(site, id)).then(|| base_of(id, Some(&plain))))
            .collect();
        let base_refs: Vec<Value> = plain
            .into_iter()
            .zip(others)
            .map(|(plain, other)| other.unwrap_or(plain))
            .collect();
        let refs: Vec<Value> = (0..n)
            .into_par_iter()
            .map(|id| {
                if !is_partner(site, id) {
                    return base_refs[id].clone();
                }
                match cached(id) {
                    Some(c) if c.full_fingerprint == full_fingerprints[id] => c.full.clone(),
                    _ => item_ref(site, id, &inputs, Some(&base_refs)),
                }
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
            own_fingerprints,
            base_fingerprints,
            base_refs,
            refs,
            full_fingerprints,
            site: site_values,
            languages,
            ui: (0..site.languages.len())
                .map(|lang| ui_value(site, lang))
                .collect(),
            shared,
        }
    }

    /// Builds again the values of `candidates` (items whose text or translation state changed)
    /// and of the items whose references list them (`listed_by`, from [`listed_by`]), keeping
    /// every other value. Returns the items whose reference changed.
    pub fn update(
        &mut self,
        site: &ResolvedSite,
        texts: ItemTexts<'_>,
        candidates: &[ItemId],
        listed_by: &[Vec<ItemId>],
        cache: &mut RenderCache,
    ) -> Vec<ItemId> {
        let inputs = RefInputs {
            texts,
            shared: &self.shared,
        };
        let sorted = |mut ids: Vec<ItemId>| {
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        // Fingerprints follow every new text, so that the next full build finds them right;
        // values are compared, so that only a change of what they show reaches other pages.
        let mut own_changed = Vec::new();
        let settings = super::settings_fingerprint(site);
        for &id in candidates {
            let fingerprint = own_fingerprint(
                site,
                id,
                settings,
                texts.markdown_versions[id],
                texts.translation_states[id],
            );
            if fingerprint != self.own_fingerprints[id] {
                self.own_fingerprints[id] = fingerprint;
                own_changed.push(id);
            }
        }
        // In the order `build` makes them: partners' plain references, the references that
        // list those partners, then partners' references, which list the others.
        let (partners, others): (Vec<ItemId>, Vec<ItemId>) =
            own_changed.iter().partition(|&&id| is_partner(site, id));
        let others = sorted(
            others
                .into_iter()
                .chain(partners.iter().flat_map(|&p| listed_by[p].iter().copied()))
                .filter(|&id| !is_partner(site, id))
                .collect(),
        );
        let mut base_changed = Vec::new();
        for id in partners.into_iter().chain(others) {
            let fingerprint = base_fingerprint(site, id, &self.own_fingerprints);
            if fingerprint != self.base_fingerprints[id] {
                self.base_fingerprints[id] = fingerprint;
                let lists = (!is_partner(site, id)).then_some(self.base_refs.as_slice());
                self.base_refs[id] = item_ref(site, id, &inputs, lists);
                base_changed.push(id);
            }
        }
        let to_check = sorted(
            base_changed
                .iter()
                .flat_map(|&id| std::iter::once(id).chain(listed_by[id].iter().copied()))
                .collect(),
        );
        let mut changed = Vec::new();
        for id in to_check {
            let fingerprint =
                full_fingerprint(site, id, &self.own_fingerprints, &self.base_fingerprints);
            if fingerprint != self.full_fingerprints[id] {
                self.full_fingerprints[id] = fingerprint;
                let value = if is_partner(site, id) {
                    item_ref(site, id, &inputs, Some(&self.base_refs))
                } else {
                    self.base_refs[id].clone()
                };
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
        // What root-relative URLs start with: a theme's `{{ site.base_path }}/css/style.css` on
        // every page is a variable where `asset_url(…)` is a function call (0.6% of a build).
        .set("base_path", site.base_path.as_str())
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

/// The reference of `id`: its own fields and translations, then, given the base references
/// (`lists`), the partners it names and, for a partner, the news and meetings naming it.
fn item_ref(
    site: &ResolvedSite,
    id: ItemId,
    inputs: &RefInputs<'_>,
    lists: Option<&[Value]>,
) -> Value {
    let item = &site.items[id];
    let fm = &site.file(id).front_matter;
    let original = &site.items[site.text_of(id)];
    let markdown = &inputs.texts.markdown[id];
    let translation_state = inputs.texts.translation_states[id];
    // Bundle files sit beside the original's page only.
    let asset_base = original.url.as_str();
    let tags: Vec<Value> = item
        .tags
        .iter()
        .filter_map(|&t| inputs.shared.tags[item.lang].get(t).cloned())
        .collect();
    let translations: Vec<Value> = site.groups[item.group]
        .members
        .iter()
        .filter_map(|member| member.filter(|&m| m != id))
        .map(|m| inputs.shared.translation_links[m].clone())
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
    let date = item.date.map(|d| d.iso());
    let mut reference = ItemRefValue {
        section: item.section.folder(),
        title: &fm.title,
        slug: &item.slug,
        url: &item.url,
        permalink: site.permalink(&item.url),
        lang: site.lang_code(item.lang),
        summary: markdown.summary.value().clone(),
        description: &markdown.summary_text,
        translated: item.fallback_of.is_none(),
        content_lang: site.lang_code(original.lang),
        calendar_url: (item.section == Section::Meetings)
            .then(|| super::calendar::meeting_calendar_url(site, id)),
        section_label: Section::ALL
            .iter()
            .position(|&s| s == item.section)
            .and_then(|at| inputs.shared.section_labels[item.lang].get(at).cloned())
            .unwrap_or_else(Value::none),
        date_text: date
            .as_deref()
            .and_then(|iso| {
                super::dates::format_date_value(iso, &site.languages[item.lang].locale, false)
            })
            .unwrap_or_else(Value::none),
        date,
        end_date: item.end_date.map(|d| d.iso()),
        has_time: item.date.is_some_and(|d| d.has_time),
        tags: Value::from(tags),
        draft: fm.draft,
        image,
        author: fm.author.as_deref(),
        timezone: fm.timezone.as_deref(),
        location: fm.location.as_deref(),
        online: fm.online.unwrap_or(false) || fm.online_url.is_some(),
        online_url: fm.online_url.as_deref(),
        agenda: strings(&fm.agenda),
        meeting_kind: fm.kind.map(|k| k.as_str()),
        status: fm.status.map(|s| s.as_str()),
        participants: fm.participants,
        audience: strings(&fm.audience),
        upcoming: item.upcoming,
        future: item.future,
        translation_status: translation_state,
        short_name: fm.short_name.as_deref(),
        country: fm.country.as_deref(),
        country_name: fm
            .country
            .as_deref()
            .map(|code| super::country_name(site, item.lang, code)),
        website: fm.website.as_deref(),
        logo: fm
            .logo
            .as_deref()
            .map(|logo| item_asset_url(site, asset_base, logo)),
        role: fm.role.map(|r| r.as_str()),
        city: fm.city.as_deref(),
        weight: fm.weight,
        extra: fm
            .extra
            .as_ref()
            .map_or_else(Value::none, Value::from_serializable),
        translations: Value::from(translations),
        content: None,
        partners: None,
        related_news: None,
        related_meetings: None,
    };
    // A partner's plain reference (in other items' `partners` lists) has neither lists nor
    // the body: an edit of a partner's text then changes no page that only names the partner.
    if let Some(base_refs) = lists {
        let list = |ids: &mut dyn Iterator<Item = ItemId>| {
            Value::from(ids.map(|i| base_refs[i].clone()).collect::<Vec<_>>())
        };
        let related = site.related.get(&id).map(Vec::as_slice).unwrap_or_default();
        let related_in = |section: Section| {
            list(
                &mut related
                    .iter()
                    .copied()
                    .filter(move |&r| site.items[r].section == section),
            )
        };
        reference.content = Some(markdown.html.value().clone());
        reference.partners = Some(list(&mut named_partners(site, id)));
        reference.related_news = Some(related_in(Section::News));
        reference.related_meetings = Some(related_in(Section::Meetings));
    }
    Value::from_serializable(&reference)
}

/// An item's reference, as templates see it (`item`, each of `items`, `partners`…), in the
/// order its entries are made. Serialized by serde straight into the map Tera keeps: a
/// `MapBuilder` filled a map that Tera then copied entry by entry, which was two fifths of the
/// cost of a reference. Every entry is always there (`none` when the item has no such value),
/// but for the body and the lists, which a plain reference has not.
#[derive(serde::Serialize)]
struct ItemRefValue<'a> {
    section: &'a str,
    title: &'a str,
    slug: &'a str,
    url: &'a str,
    permalink: String,
    lang: &'a str,
    summary: Value,
    description: &'a str,
    translated: bool,
    content_lang: &'a str,
    calendar_url: Option<String>,
    /// `ui.label_<section>` in the item's language: a list that mixes sections names each
    /// item's (a `ui["label_" ~ ref.section]` on each card was 1.2% of a build).
    section_label: Value,
    /// The day of `date` as the item's language writes it (`date | format_date`), made once
    /// instead of on every card and page that shows it (2% of a build).
    date_text: Value,
    date: Option<String>,
    end_date: Option<String>,
    has_time: bool,
    tags: Value,
    draft: bool,
    image: Value,
    author: Option<&'a str>,
    timezone: Option<&'a str>,
    location: Option<&'a str>,
    online: bool,
    online_url: Option<&'a str>,
    agenda: Value,
    meeting_kind: Option<&'a str>,
    status: Option<&'a str>,
    participants: Option<u32>,
    audience: Value,
    upcoming: bool,
    future: bool,
    translation_status: &'a str,
    short_name: Option<&'a str>,
    country: Option<&'a str>,
    country_name: Option<String>,
    website: Option<&'a str>,
    logo: Option<String>,
    role: Option<&'a str>,
    city: Option<&'a str>,
    weight: Option<i64>,
    extra: Value,
    translations: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partners: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_news: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_meetings: Option<Value>,
}

/// Everything an item's own fields and translations are made of: the file's text (by
/// identity), the rendered summary (by version), what resolve decided for the item, the URLs
/// of its translations, and `settings` (the site's configuration and UI strings: a
/// reference holds its country's name, a UI string, and permalinks from the base URL, which
/// the site can change without touching the file).
fn own_fingerprint(
    site: &ResolvedSite,
    id: ItemId,
    settings: u64,
    markdown_version: u64,
    translation_state: &str,
) -> u64 {
    let item = &site.items[id];
    let mut h = hasher();
    settings.hash(&mut h);
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
    for (lang, member) in site.groups[item.group].members.iter().enumerate() {
        (lang, member.map(|m| &site.items[m].url)).hash(&mut h);
    }
    h.finish()
}

/// Per item: the items whose full reference lists its base reference (the news and meetings
/// that name a partner, the partner that shows its related items), so that a change of one
/// item's fields reaches the references that show them.
pub fn listed_by(site: &ResolvedSite) -> Vec<Vec<ItemId>> {
    let mut listed_by = vec![Vec::new(); site.items.len()];
    for id in 0..site.items.len() {
        for partner in named_partners(site, id) {
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

/// Everything the reference other items list `id` by is made of: a partner's plain
/// reference is its own fields; any other item's adds the partners it names.
fn base_fingerprint(site: &ResolvedSite, id: ItemId, own: &[u64]) -> u64 {
    if is_partner(site, id) {
        return own[id];
    }
    own_and_partners(site, id, own).finish()
}

/// A hasher that has taken the fingerprints of `id`'s own fields and of the partners it names.
fn own_and_partners(site: &ResolvedSite, id: ItemId, own: &[u64]) -> DefaultHasher {
    let mut h = hasher();
    own[id].hash(&mut h);
    for partner in named_partners(site, id) {
        own[partner].hash(&mut h);
    }
    h
}

/// Everything the reference of `id` is made of: for a partner, its own fields, the partners it
/// names and the items naming it; any other item's is its base reference.
fn full_fingerprint(site: &ResolvedSite, id: ItemId, own: &[u64], base: &[u64]) -> u64 {
    if !is_partner(site, id) {
        return base[id];
    }
    let mut h = own_and_partners(site, id, own);
    for &related in site.related.get(&id).map(Vec::as_slice).unwrap_or_default() {
        base[related].hash(&mut h);
    }
    h.finish()
}
