//! The Tera environment: the theme's templates, compiled once, and herald's functions.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tera::{ErrorKind, Kwargs, State, Tera, Value};

use crate::diagnostics::{Diagnostic, Location};
use crate::load::{TemplateSource, Theme, UiStrings};
use crate::resolve::ResolvedSite;

/// What the template functions look things up in; owned, because Tera functions are `'static`.
struct Lookups {
    strings: UiStrings,
    default_lang: String,
    base_path: String,
    /// Locale per language code, for dates.
    locales: HashMap<String, String>,
    /// Per item key (`partners/aeiti`): its reference in each language, by language code.
    /// Filled by [`Templates::set_items`] for each build, as the templates outlive a build.
    items: RwLock<HashMap<String, HashMap<String, Value>>>,
}

pub struct Templates {
    pub tera: Tera,
    sources: HashMap<String, TemplateSource>,
    lookups: Arc<Lookups>,
    /// Whether a template calls `get_item`, which can show any item on any page.
    uses_get_item: bool,
}

impl Templates {
    /// Compiles every template of `theme`; a syntax error names the template file and line.
    pub fn compile(theme: &Theme, site: &ResolvedSite) -> Result<Templates, Diagnostic> {
        let lookups = Arc::new(Lookups {
            strings: theme.strings.clone(),
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
        Ok(Templates {
            tera,
            sources,
            lookups,
            uses_get_item,
        })
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

    /// Renders `template`; an error names the template, its line and the page being rendered.
    pub fn render(
        &self,
        template: &str,
        context: &tera::Context,
        page: &str,
    ) -> Result<String, Diagnostic> {
        if !self.has(template) {
            return Err(Diagnostic::error(
                Location::file(format!("templates/{template}")),
                format!("the theme has no template `{template}`, needed for {page}"),
            )
            .with_hint(format!(
                "add `templates/{template}` to the site or the theme"
            )));
        }
        self.tera
            .render(template, context)
            .map_err(|err| template_diagnostic(&err, &self.sources, Some(page)))
    }
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

fn current_lang(state: &State, lookups: &Lookups) -> String {
    state
        .get::<String>("lang")
        .ok()
        .flatten()
        .unwrap_or_else(|| lookups.default_lang.clone())
}

fn register_functions(tera: &mut Tera, lookups: Arc<Lookups>) {
    let l = lookups.clone();
    tera.register_function(
        "t",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let key: String = kwargs.must_get("key")?;
            let lang = current_lang(state, &l);
            l.strings
                .get(&lang)
                .and_then(|s| s.get(&key))
                .or_else(|| l.strings.get(&l.default_lang).and_then(|s| s.get(&key)))
                .cloned()
                .ok_or_else(|| {
                    tera::Error::message(format!(
                        "the UI string `{key}` is in neither i18n/{lang}.yaml nor i18n/{}.yaml",
                        l.default_lang
                    ))
                })
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let path: String = kwargs.get("path")?.unwrap_or_default();
            let lang = match kwargs.get::<String>("lang")? {
                Some(lang) => lang,
                None => current_lang(state, &l),
            };
            Ok(format!(
                "{}/{lang}/{}",
                l.base_path,
                path.trim_start_matches('/')
            ))
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "asset_url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: String = kwargs.must_get("path")?;
            Ok(format!("{}/{}", l.base_path, path.trim_start_matches('/')))
        },
    );
    let l = lookups.clone();
    tera.register_function(
        "get_item",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let section: String = kwargs.must_get("section")?;
            let slug: String = kwargs.must_get("slug")?;
            let lang = current_lang(state, &l);
            let items = l
                .items
                .read()
                .map_err(|_| tera::Error::message("get_item: the item index is unavailable"))?;
            let Some(per_lang) = items.get(&format!("{section}/{slug}")) else {
                return Ok(Value::none());
            };
            Ok(per_lang
                .get(&lang)
                .or_else(|| per_lang.get(&l.default_lang))
                .or_else(|| per_lang.values().next())
                .cloned()
                .unwrap_or_else(Value::none))
        },
    );
    let l = lookups;
    tera.register_filter(
        "format_date",
        move |value: Value, kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let Some(iso) = value.as_str() else {
                return Ok(Value::none());
            };
            let lang = match kwargs.get::<String>("lang")? {
                Some(lang) => lang,
                None => current_lang(state, &l),
            };
            let with_time = kwargs.get::<bool>("time")?.unwrap_or(false);
            let locale = l.locales.get(&lang).cloned().unwrap_or(lang);
            super::dates::format_date(iso, &locale, with_time)
                .map(Value::from)
                .ok_or_else(|| tera::Error::message(format!("format_date: `{iso}` is not a date")))
        },
    );
}
