//! The Tera environment: the theme's templates, compiled once, and herald's functions.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tera::{ErrorKind, Kwargs, State, Tera, Value};

use crate::diagnostics::{Diagnostic, Location};
use crate::load::{TemplateSource, Theme, UiStrings};
use crate::resolve::ResolvedSite;

use super::partials::{self, Partials};

/// Per template, a fingerprint of its text and of the texts of every template it uses, so
/// that editing one template renders again only the pages that use it. A template uses those
/// it extends, includes or renders with `partial`, directly or not, and every template that
/// defines a component (a component is called by name from anywhere); one that names a
/// template by anything but a string uses them all.
fn template_fingerprints(templates: &[TemplateSource]) -> HashMap<String, u64> {
    use std::hash::{Hash, Hasher};
    let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
    let references: Vec<(&str, TemplateReferences)> = templates
        .iter()
        .map(|t| (t.name.as_str(), template_references(&t.text)))
        .collect();
    let components: Vec<&str> = references
        .iter()
        .filter(|(_, r)| r.defines_components)
        .map(|(name, _)| *name)
        .collect();
    let uses: HashMap<&str, Vec<&str>> = references
        .iter()
        .map(|(name, r)| {
            let used = match &r.used {
                Some(used) => names
                    .iter()
                    .copied()
                    .filter(|n| used.contains(n) || components.contains(n))
                    .collect(),
                None => names.clone(),
            };
            (*name, used)
        })
        .collect();
    let texts: HashMap<&str, &str> = templates
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_ref()))
        .collect();
    names
        .iter()
        .map(|&name| {
            let mut closure = vec![name];
            let mut next = 0;
            while next < closure.len() {
                for &used in uses
                    .get(closure[next])
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    if !closure.contains(&used) {
                        closure.push(used);
                    }
                }
                next += 1;
            }
            closure.sort_unstable();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for used in closure {
                (used, texts.get(used)).hash(&mut h);
            }
            (name.to_string(), h.finish())
        })
        .collect()
}

/// What a template's tags say of other templates.
#[derive(Debug, PartialEq)]
struct TemplateReferences<'a> {
    /// The templates it extends, includes or renders with `partial`; `None` when one is not
    /// named by a string.
    used: Option<Vec<&'a str>>,
    /// Whether it defines a component (`{% component name() %}`).
    defines_components: bool,
}

fn template_references(text: &str) -> TemplateReferences<'_> {
    let mut used = Some(Vec::new());
    let mut defines_components = false;
    for tag in text.split("{%").skip(1) {
        let tag = tag.split("%}").next().unwrap_or_default();
        let tag = tag.trim_start_matches(['-', '+']).trim_start();
        let keyword = tag.split_whitespace().next().unwrap_or_default();
        match keyword {
            "component" => defines_components = true,
            "extends" | "include" => {
                let rest = tag[keyword.len()..].trim_start();
                let name = rest
                    .chars()
                    .next()
                    .filter(|q| matches!(q, '"' | '\'' | '`'))
                    .and_then(|q| rest[1..].split(q).next());
                match (name, used.as_mut()) {
                    (Some(name), Some(list)) => list.push(name),
                    _ => used = None,
                }
            }
            _ => {}
        }
    }
    let used = match (used, partials::partials_named(text)) {
        (Some(mut used), Some(partials)) => {
            used.extend(partials);
            Some(used)
        }
        _ => None,
    };
    TemplateReferences {
        used,
        defines_components,
    }
}

/// What the template functions look things up in; owned, because Tera functions are `'static`.
struct Lookups {
    /// The UI strings as template values, made once: `t` hands out clones (no copy of the text).
    string_values: HashMap<String, HashMap<String, Value>>,
    default_lang: String,
    base_path: String,
    /// Locale per language code, for dates (looked up at every date a page shows).
    locales: ahash::AHashMap<String, String>,
    /// Per item key (`partners/aeiti`): its reference in each language, by language code.
    /// Filled by [`Templates::set_items`] for each build, as the templates outlive a build.
    items: RwLock<HashMap<String, HashMap<String, Value>>>,
}

pub struct Templates {
    pub tera: Tera,
    sources: HashMap<String, TemplateSource>,
    lookups: Arc<Lookups>,
    partials: Arc<Partials>,
    /// Whether a template calls `get_item`, which can show any item on any page.
    uses_get_item: bool,
    /// Per template: a fingerprint of its text and of every template it uses.
    fingerprints: HashMap<String, u64>,
}

impl Templates {
    /// Compiles every template of `theme`; a syntax error names the template file and line.
    pub fn compile(theme: &Theme, site: &ResolvedSite) -> Result<Templates, Diagnostic> {
        let lookups = Arc::new(Lookups {
            string_values: string_values(&theme.strings),
            default_lang: site.lang_code(site.default_lang).to_string(),
            base_path: site.base_path.clone(),
            locales: site
                .languages
                .iter()
                .map(|l| (l.code.clone(), l.locale.clone()))
                .collect(),
            items: RwLock::new(HashMap::new()),
        });
        let mut tera = Tera::new();
        register_functions(&mut tera, lookups.clone());
        let partials = Arc::new(Partials::default());
        partials::register(&mut tera, Arc::downgrade(&partials));
        let uses_get_item = theme.templates.iter().any(|t| t.text.contains("get_item"));
        let sources: HashMap<String, TemplateSource> = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.clone()))
            .collect();
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|t| (t.name.as_str(), t.text.as_ref())),
        )
        .map_err(|err| template_diagnostic(&err, &sources, None))?;
        let fingerprints = template_fingerprints(&theme.templates);
        partials.set_templates(tera.clone());
        Ok(Templates {
            tera,
            sources,
            lookups,
            partials,
            uses_get_item,
            fingerprints,
        })
    }

    /// A fingerprint of `template`'s text and of every template it extends, includes or
    /// imports, directly or not.
    pub fn fingerprint_of(&self, template: &str) -> u64 {
        self.fingerprints.get(template).copied().unwrap_or_default()
    }

    /// Hands `get_item` the items of this build.
    pub fn set_items(&self, site: &ResolvedSite, refs: &[Value]) {
        let mut items: HashMap<String, HashMap<String, Value>> = HashMap::new();
        if self.uses_get_item {
            for (key, &group) in &site.group_by_key {
                let members = &site.groups[group].members;
                let per_lang: HashMap<String, Value> = members
                    .iter()
                    .enumerate()
                    .filter_map(|(lang, m)| {
                        m.map(|id| (site.lang_code(lang).to_string(), refs[id].clone()))
                    })
                    .collect();
                if !per_lang.is_empty() {
                    items.insert(key.clone(), per_lang);
                }
            }
        }
        if let Ok(mut slot) = self.lookups.items.write() {
            *slot = items;
        }
    }

    /// Starts a build's pages: forgets the partials of the last one and takes the values that
    /// partials see of each language (code, and `language`, `ui`, `site`).
    pub fn start_partials(&self, languages: HashMap<String, [Value; 3]>) {
        self.partials.start_build(languages);
    }

    /// Forgets the partials rendered so far, before pages are rendered with other values.
    pub fn forget_partials(&self) {
        self.partials.forget();
    }

    /// Whether a page's output may depend on items it does not list (then no page of a
    /// previous build can be reused).
    pub fn uses_get_item(&self) -> bool {
        self.uses_get_item
    }

    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// The names of every template, for did-you-mean hints.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// Renders `template` into bytes (UTF-8, as Tera writes only text), without the copy and
    /// the UTF-8 check of a `String`; an error names the template, its line and the page being
    /// rendered.
    pub fn render(
        &self,
        template: &str,
        context: &tera::Context,
        page: &dyn Fn() -> String,
    ) -> Result<Vec<u8>, Diagnostic> {
        // Most pages of a theme are 10 to 20 KB: one allocation instead of a chain of regrowths.
        let mut out = Vec::with_capacity(16 * 1024);
        self.render_into(template, context, page, &mut out)?;
        // The page is kept until it is written: no unused capacity held meanwhile.
        out.shrink_to_fit();
        Ok(out)
    }

    /// [`Templates::render`], appending to `out`. `page` names the page in a diagnostic
    /// (made only for one: a `format!` per page was a third of a percent of a build).
    pub fn render_into(
        &self,
        template: &str,
        context: &tera::Context,
        page: &dyn Fn() -> String,
        out: &mut Vec<u8>,
    ) -> Result<(), Diagnostic> {
        if !self.has(template) {
            return Err(Diagnostic::error(
                Location::file(format!("templates/{template}")),
                format!(
                    "the theme has no template `{template}`, needed for {}",
                    page()
                ),
            )
            .with_hint(format!(
                "add `templates/{template}` to the site or the theme"
            )));
        }
        // A partial left from a failure elsewhere on this thread is not this page's.
        partials::take_error();
        self.tera.render_to(template, context, out).map_err(|err| {
            let page = page();
            let outer = template_diagnostic(&err, &self.sources, Some(&page));
            match partials::take_error() {
                // Point into the partial, and say where it was called.
                Some(inner) => {
                    let called_at =
                        format!("{}:{}", outer.location.file.display(), outer.location.line);
                    let mut diagnostic = template_diagnostic(&inner, &self.sources, Some(&page));
                    diagnostic.message = format!(
                        "{} (in a partial called at {called_at})",
                        diagnostic.message
                    );
                    diagnostic.with_hint(
                        "a template rendered with `partial(…)` sees only the arguments of the \
                         call and `lang`, `language`, `ui`, `site`: pass what else it needs as \
                         an argument, or include it instead",
                    )
                }
                None => outer,
            }
        })
    }
}

fn string_values(strings: &UiStrings) -> HashMap<String, HashMap<String, Value>> {
    strings
        .iter()
        .map(|(lang, texts)| {
            let texts = texts
                .iter()
                .map(|(key, text)| (key.clone(), Value::from(text.as_str())))
                .collect();
            (lang.clone(), texts)
        })
        .collect()
}

/// A diagnostic for a Tera error, pointing into the template file.
fn template_diagnostic(
    err: &tera::Error,
    sources: &HashMap<String, TemplateSource>,
    page: Option<&str>,
) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {p})"))
        .unwrap_or_default();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let cause = if causes.is_empty() {
        String::new()
    } else {
        format!(": {}", causes.join(": "))
    };
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let template = sources.get(report.filename());
            let origin = template
                .map(|t| t.origin.clone())
                .unwrap_or_else(|| format!("templates/{}", report.filename()).into());
            let span = report.span();
            let kind = if matches!(err.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let mut diagnostic = Diagnostic::error(
                Location::at(origin, span.start_line, span.start_col + 1),
                format!("{kind}: {}{cause}{while_rendering}", report.message()),
            );
            if let Some(template) = template {
                diagnostic = diagnostic.with_source(template.text.clone());
            }
            diagnostic
        }
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            Location::file(origin_of(sources, current)),
            format!("the template extends `{parent}`, which does not exist{while_rendering}"),
        ),
        ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            Location::file(format!("templates/{name}")),
            format!("the template `{name}` does not exist{while_rendering}"),
        ),
        other => Diagnostic::error(
            Location::file("templates"),
            format!("template error: {other}{cause}{while_rendering}"),
        ),
    }
}

fn origin_of(sources: &HashMap<String, TemplateSource>, name: &str) -> std::path::PathBuf {
    sources
        .get(name)
        .map(|t| t.origin.clone())
        .unwrap_or_else(|| format!("templates/{name}").into())
}

/// Calls `f` with the language of the page being rendered (its `lang` variable), or the default
/// language; without allocating when `lang` is a string, as it always is on herald's pages.
fn with_current_lang<R>(state: &State, lookups: &Lookups, f: impl FnOnce(&str) -> R) -> R {
    match state.get::<Value>("lang").ok().flatten() {
        Some(value) => match value.as_str() {
            Some(lang) => f(lang),
            None => f(&value.to_string()),
        },
        None => f(&lookups.default_lang),
    }
}

/// The text of a `Cow` argument: borrowed when the template passed a string, as it nearly always
/// does, else the value written out (what an owned `String` argument gives).
type TextArg<'a> = std::borrow::Cow<'a, str>;

fn register_functions(tera: &mut Tera, lookups: Arc<Lookups>) {
    let l = lookups.clone();
    tera.register_function(
        "t",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let key: TextArg = kwargs.must_get("key")?;
            with_current_lang(state, &l, |lang| {
                l.string_values
                    .get(lang)
                    .and_then(|s| s.get(key.as_ref()))
                    .or_else(|| {
                        l.string_values
                            .get(&l.default_lang)
                            .and_then(|s| s.get(key.as_ref()))
                    })
                    .cloned()
                    .ok_or_else(|| {
                        tera::Error::message(format!(
                            "the UI string `{key}` is in neither i18n/{lang}.yaml nor i18n/{}.yaml",
                            l.default_lang
                        ))
                    })
            })
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let path: TextArg = kwargs.get("path")?.unwrap_or_default();
            let path = path.trim_start_matches('/');
            let url = |lang: &str| {
                let mut url =
                    String::with_capacity(l.base_path.len() + lang.len() + path.len() + 2);
                url.push_str(&l.base_path);
                url.push('/');
                url.push_str(lang);
                url.push('/');
                url.push_str(path);
                url
            };
            Ok(match kwargs.get::<TextArg>("lang")? {
                Some(lang) => url(&lang),
                None => with_current_lang(state, &l, url),
            })
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "asset_url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: TextArg = kwargs.must_get("path")?;
            let path = path.trim_start_matches('/');
            let mut url = String::with_capacity(l.base_path.len() + path.len() + 1);
            url.push_str(&l.base_path);
            url.push('/');
            url.push_str(path);
            Ok(url)
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "get_item",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let section: TextArg = kwargs.must_get("section")?;
            let slug: TextArg = kwargs.must_get("slug")?;
            let items = l
                .items
                .read()
                .map_err(|_| tera::Error::message("get_item: the item index is unavailable"))?;
            let Some(per_lang) = items.get(&format!("{section}/{slug}")) else {
                return Ok(Value::none());
            };
            Ok(with_current_lang(state, &l, |lang| {
                per_lang
                    .get(lang)
                    .or_else(|| per_lang.get(&l.default_lang))
                    .or_else(|| per_lang.values().next())
                    .cloned()
                    .unwrap_or_else(Value::none)
            }))
        },
    );
    // Tera's `safe` copies the text into a new value, even when it is safe already, as a
    // body's HTML is: every page copied its whole text once more (and every card its summary).
    // This one marks the text it is given; anything else is written out, as Tera's does.
    tera.register_filter("safe", |value: Value, _: Kwargs, _: &State| -> Value {
        if value.as_str().is_some() {
            value.mark_safe()
        } else {
            Value::safe_string(&value.to_string())
        }
    });
    let l = lookups;
    tera.register_filter(
        "format_date",
        move |value: Value, kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let Some(iso) = value.as_str() else {
                return Ok(Value::none());
            };
            let with_time = kwargs.get::<bool>("time")?.unwrap_or(false);
            let format = |lang: &str| {
                let locale = l.locales.get(lang).map_or(lang, String::as_str);
                super::dates::format_date_value(iso, locale, with_time)
            };
            let formatted = match kwargs.get::<TextArg>("lang")? {
                Some(lang) => format(&lang),
                None => with_current_lang(state, &l, format),
            };
            formatted
                .ok_or_else(|| tera::Error::message(format!("format_date: `{iso}` is not a date")))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::{Lookups, TemplateReferences, register_functions, template_references};
    use std::collections::HashMap;
    use std::sync::{Arc, RwLock};
    use tera::{Context, Tera, Value};

    #[test]
    fn safe_marks_text_and_writes_out_anything_else_as_teras_own_does() {
        let mut tera = Tera::new();
        let lookups = Arc::new(Lookups {
            string_values: HashMap::new(),
            default_lang: "en".into(),
            base_path: String::new(),
            locales: Default::default(),
            items: RwLock::new(HashMap::new()),
        });
        register_functions(&mut tera, lookups);
        tera.add_raw_template(
            "t.html",
            "{{ html | safe }}|{{ text | safe }}|{{ number | safe }}|{{ text }}|{{ list | safe }}",
        )
        .expect("template");
        let mut context = Context::new();
        context.insert_value("html", Value::safe_string("<p>body</p>"));
        context.insert_value("text", Value::from("<b>a & b</b>"));
        context.insert_value("number", Value::from(3));
        context.insert_value("list", Value::from(vec![1, 2]));
        let out = tera.render("t.html", &context).expect("render");
        assert_eq!(
            out,
            "<p>body</p>|<b>a & b</b>|3|&lt;b&gt;a &amp; b&lt;/b&gt;|[1, 2]"
        );
    }

    #[test]
    fn finds_the_templates_a_template_uses() {
        let text = r#"{% extends "base.html" %}{%- include 'partials/card.html' -%}
            {% include `partials/tags.html` %}{% if x %}{{ y }}{% endif %}"#;
        assert_eq!(
            template_references(text),
            TemplateReferences {
                used: Some(vec![
                    "base.html",
                    "partials/card.html",
                    "partials/tags.html"
                ]),
                defines_components: false,
            }
        );
        assert_eq!(template_references("{% include name %}").used, None);
        assert_eq!(
            template_references(
                r#"{% include "a.html" %}{{ partial(name="partials/footer.html", x=1) }}"#
            )
            .used,
            Some(vec!["a.html", "partials/footer.html"])
        );
        assert_eq!(template_references("{{ partial(name=which) }}").used, None);
        assert_eq!(
            template_references("{% set included = 1 %}").used,
            Some(vec![])
        );
        assert!(
            template_references(
                "{% component card(title) %}<b>{{ title }}</b>{% endcomponent card %}"
            )
            .defines_components
        );
    }
}
