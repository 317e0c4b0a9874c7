//! `partial(name="partials/card.html", ref=ref, …)`: a template rendered with only the
//! arguments it is given and the page's language, once per build for each distinct set of
//! arguments (Hugo's `partialCached`). The default theme's footer is the same on every page of
//! a language: an include renders it on each of 45 000 pages, `partial` three times. A call
//! costs about what a template spends on two or three variables (the arguments' map, the key,
//! a lock), so it pays only for a part that costs more than that and repeats: measured with
//! callgrind, the footer saves 1-2% of a build, a card on tag pages (rendered once instead of
//! 2.5 times) nothing, a partner's entry in the lists of news items loses.
//!
//! Why the result may be kept: what a partial sees is its arguments, `lang` as the call sees
//! it, and that language's `language`, `ui` and `site` (made once per build), and the
//! functions it calls depend on nothing else. Arguments are told apart by value, except maps
//! and lists, by identity: the one map of an item serves all its pages, and comparing two
//! 43-entry maps would cost what rendering saves. A remembered call keeps its arguments alive,
//! so no other map can later be made at the same address.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, Weak};

use tera::{Context, Kwargs, State, Tera, Value};

/// The variables of a language that a partial sees besides its arguments and `lang`.
pub(super) const LANGUAGE_VARIABLES: [&str; 3] = ["language", "ui", "site"];

/// What `partial` renders with and what it has rendered in this build.
#[derive(Default)]
pub(super) struct Partials {
    /// The templates, set once they are all compiled (the function is registered before).
    tera: OnceLock<Tera>,
    build: Mutex<ThisBuild>,
}

#[derive(Default)]
struct ThisBuild {
    /// Per language code, the values of its [`LANGUAGE_VARIABLES`].
    languages: HashMap<String, [Value; 3]>,
    rendered: HashMap<PartialKey, Remembered, ahash::RandomState>,
}

#[derive(PartialEq, Eq, Hash)]
struct PartialKey {
    name: String,
    lang: Argument,
    /// For a `lang` that is none of the site's languages (a template set it), the
    /// [`LANGUAGE_VARIABLES`] as the call sees them.
    language: Option<[Option<Argument>; 3]>,
    /// Sorted by name.
    arguments: Vec<(String, Argument)>,
}

/// An argument as the key tells it apart.
#[derive(PartialEq, Eq, Hash)]
enum Argument {
    /// A map or a list: the address of what its `Arc` holds.
    Shared(usize),
    /// A string, and whether it is marked safe (then it is written out unescaped).
    Text(String, bool),
    /// Anything else (numbers, booleans, none): its kind and how it is written out.
    Plain(&'static str, String),
}

impl Argument {
    fn of(value: &Value) -> Argument {
        if let Some(map) = value.as_map() {
            Argument::Shared(std::ptr::from_ref(map) as usize)
        } else if let Some(list) = value.as_array() {
            // Empty lists share one dangling address, and are equal anyway.
            Argument::Shared(list.as_ptr() as usize)
        } else if let Some(text) = value.as_str() {
            Argument::Text(text.to_string(), value.is_safe())
        } else {
            Argument::Plain(value.name(), value.to_string())
        }
    }
}

struct Remembered {
    html: Value,
    /// Keeps the maps and lists of the key alive (see the module's comment).
    _values: Vec<Value>,
}

impl Partials {
    /// Sets the templates partials are rendered with: the environment `partial` is registered
    /// in, once every template is added to it.
    pub(super) fn set_templates(&self, tera: Tera) {
        let _ = self.tera.set(tera);
    }

    /// Starts a build: forgets every partial rendered (the next build's values are other
    /// values) and takes the values of each language's [`LANGUAGE_VARIABLES`].
    pub(super) fn start_build(&self, languages: HashMap<String, [Value; 3]>) {
        if let Ok(mut build) = self.build.lock() {
            build.rendered.clear();
            build.languages = languages;
        }
    }

    /// Forgets every partial rendered, before pages are rendered with other values.
    pub(super) fn forget(&self) {
        if let Ok(mut build) = self.build.lock() {
            build.rendered.clear();
        }
    }

    fn call(&self, kwargs: &Kwargs, state: &State) -> tera::TeraResult<Value> {
        let name: &str = kwargs.must_get("name")?;
        let mut given: Vec<(&str, &Value)> = kwargs
            .iter()
            .filter_map(|(key, value)| key.as_str().map(|key| (key, value)))
            .filter(|(key, _)| *key != "name")
            .collect();
        given.sort_unstable_by_key(|(key, _)| *key);
        let lang = state.get::<Value>("lang")?.unwrap_or_else(Value::none);
        let mut key = PartialKey {
            name: name.to_string(),
            lang: Argument::of(&lang),
            language: None,
            arguments: given
                .iter()
                .map(|(key, value)| (key.to_string(), Argument::of(value)))
                .collect(),
        };
        let language: [Option<Value>; 3] = {
            let Ok(build) = self.build.lock() else {
                return Err(tera::Error::message("partial: a thread failed"));
            };
            let known = lang.as_str().and_then(|code| build.languages.get(code));
            if let Some(values) = known {
                if let Some(hit) = build.rendered.get(&key) {
                    return Ok(hit.html.clone());
                }
                values.clone().map(Some)
            } else {
                drop(build);
                let mut seen: [Option<Value>; 3] = Default::default();
                for (slot, variable) in seen.iter_mut().zip(LANGUAGE_VARIABLES) {
                    *slot = state.get::<Value>(variable)?;
                }
                key.language = Some(std::array::from_fn(|i| seen[i].as_ref().map(Argument::of)));
                if let Some(hit) = self
                    .build
                    .lock()
                    .ok()
                    .and_then(|build| build.rendered.get(&key).map(|hit| hit.html.clone()))
                {
                    return Ok(hit);
                }
                seen
            }
        };
        let tera = self
            .tera
            .get()
            .ok_or_else(|| tera::Error::message("partial: the templates are not ready"))?;
        let mut context = Context::new();
        context.insert_value("lang", lang.clone());
        for (variable, value) in LANGUAGE_VARIABLES.into_iter().zip(&language) {
            if let Some(value) = value {
                context.insert_value(variable, value.clone());
            }
        }
        for (key, value) in &given {
            context.insert_value(key.to_string(), (*value).clone());
        }
        // Rendered without the lock held: two threads may render the same partial once each,
        // which gives the same text.
        let html = tera.render(name, &context).map_err(|err| {
            let message = describe(name, &err);
            keep_error(err);
            tera::Error::message(message)
        })?;
        let html = Value::safe_string(&html);
        if let Ok(mut build) = self.build.lock() {
            build.rendered.insert(
                key,
                Remembered {
                    html: html.clone(),
                    _values: given
                        .iter()
                        .map(|(_, value)| (*value).clone())
                        .chain(std::iter::once(lang))
                        .chain(language.into_iter().flatten())
                        .collect(),
                },
            );
        }
        Ok(html)
    }
}

thread_local! {
    /// The error of the innermost partial that failed on this thread, for the page's
    /// diagnostic to point into that partial's file (Tera keeps only the message of an error
    /// a function returns, placed at the call).
    static PARTIAL_ERROR: std::cell::RefCell<Option<tera::Error>> = const { std::cell::RefCell::new(None) };
}

fn keep_error(err: tera::Error) {
    PARTIAL_ERROR.with(|slot| {
        let mut slot = slot.borrow_mut();
        // A partial called by a failed partial failed first: its place is the one to fix.
        if slot.is_none() {
            *slot = Some(err);
        }
    });
}

/// The error of the innermost partial that failed since the last call, if any.
pub(super) fn take_error() -> Option<tera::Error> {
    PARTIAL_ERROR.with(|slot| slot.borrow_mut().take())
}

/// The error of a partial's own template, with the place in it: the message of the page's
/// error is this text, at the place of the `partial` call.
fn describe(name: &str, err: &tera::Error) -> String {
    let mut text = match err.kind() {
        tera::ErrorKind::RenderingError(report) | tera::ErrorKind::SyntaxError(report) => {
            let span = report.span();
            format!(
                "in {}, line {}, column {}: {}",
                report.filename(),
                span.start_line,
                span.start_col + 1,
                report.message()
            )
        }
        tera::ErrorKind::TemplateNotFound(_) => format!("there is no template `{name}`"),
        other => format!("in {name}: {other}"),
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Registers `partial` in `tera`; it renders with the templates later given to `partials`.
pub(super) fn register(tera: &mut Tera, partials: Weak<Partials>) {
    tera.register_function(
        "partial",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let partials = partials
                .upgrade()
                .ok_or_else(|| tera::Error::message("partial: the templates are gone"))?;
            partials.call(&kwargs, state)
        },
    );
}

/// The templates named by string in `partial(name=…)` calls of `text`; `None` when a call
/// names its template any other way, or when a call is not plain enough to be sure of (a call
/// inside its arguments, a name that is not one quoted string).
pub(super) fn partials_named(text: &str) -> Option<Vec<&str>> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("partial") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "partial".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            || after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let Some(call) = after.trim_start().strip_prefix('(') else {
            continue;
        };
        let arguments = call.split(')').next().unwrap_or_default();
        if arguments.contains('(') {
            return None;
        }
        let name = arguments.split(',').find_map(|argument| {
            let (key, value) = argument.split_once('=')?;
            (key.trim() == "name").then_some(value.trim())
        })?;
        let quote = name
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\'' | '`'))?;
        let name = name[1..].strip_suffix(quote)?;
        if name.contains(['"', '\'', '`']) {
            return None;
        }
        names.push(name);
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::{Partials, partials_named, register, take_error};
    use std::sync::Arc;
    use tera::{Context, Tera, Value};

    fn environment(templates: &[(&str, &str)]) -> (Tera, Arc<Partials>) {
        let partials = Arc::new(Partials::default());
        let mut tera = Tera::new();
        register(&mut tera, Arc::downgrade(&partials));
        tera.add_raw_templates(templates.iter().copied())
            .expect("templates");
        partials.set_templates(tera.clone());
        (tera, partials)
    }

    fn item(title: &str) -> Value {
        let mut map = tera::Map::new();
        map.insert("title".into(), Value::from(title));
        Value::from(map)
    }

    #[test]
    fn renders_each_set_of_arguments_once_and_sees_only_them_and_the_language() {
        let (tera, partials) = environment(&[
            (
                "card.html",
                "[{{ lang }} {{ ref.title }} h{{ level }}{% if title is defined %} page title{% endif %}]",
            ),
            (
                "page.html",
                "{% for ref in items %}{{ partial(name=\"card.html\", ref=ref, level=2) }}{% endfor %}|{{ partial(name=\"card.html\", ref=items[0], level=3) }}",
            ),
        ]);
        let (a, b) = (item("A & B"), item("C"));
        let mut context = Context::new();
        context.insert_value("lang", Value::from("en"));
        context.insert_value("title", Value::from("The page"));
        context.insert_value("items", Value::from(vec![a.clone(), b.clone(), a.clone()]));
        let out = tera.render("page.html", &context).expect("render");
        assert_eq!(
            out,
            "[en A &amp; B h2][en C h2][en A &amp; B h2]|[en A &amp; B h3]"
        );
        let remembered = partials.build.lock().expect("lock").rendered.len();
        assert_eq!(remembered, 3, "a twice with level 2 is one partial");

        // Another language, and another map with the same title, are other partials.
        context.insert_value("lang", Value::from("es"));
        context.insert_value("items", Value::from(vec![item("A & B")]));
        let out = tera.render("page.html", &context).expect("render");
        assert_eq!(out, "[es A &amp; B h2]|[es A &amp; B h3]");
        assert_eq!(partials.build.lock().expect("lock").rendered.len(), 5);

        partials.forget();
        assert_eq!(partials.build.lock().expect("lock").rendered.len(), 0);
    }

    #[test]
    fn a_partial_sees_the_language_that_lang_names() {
        let (tera, partials) = environment(&[
            ("p.html", "[{{ language.name }}]"),
            (
                "page.html",
                "{{ partial(name=\"p.html\") }}{% for language in languages %}{{ partial(name=\"p.html\") }}{% endfor %}",
            ),
        ]);
        let language = |name: &str| {
            let mut map = tera::Map::new();
            map.insert("name".into(), Value::from(name));
            Value::from(map)
        };
        let mut context = Context::new();
        context.insert_value("lang", Value::from("en"));
        context.insert_value("language", language("English"));
        context.insert_value(
            "languages",
            Value::from(vec![language("Català"), language("Español")]),
        );
        // Without the build's languages, the three variables as the call sees them.
        let out = tera.render("page.html", &context).expect("render");
        assert_eq!(out, "[English][Català][Español]");
        assert_eq!(partials.build.lock().expect("lock").rendered.len(), 3);
        // With them, the values of the language `lang` names, whatever a loop calls `language`.
        let english = context.get("language").cloned().expect("language");
        partials.start_build(
            [("en".to_string(), [english, Value::none(), Value::none()])]
                .into_iter()
                .collect(),
        );
        let out = tera.render("page.html", &context).expect("render");
        assert_eq!(out, "[English][English][English]");
        assert_eq!(partials.build.lock().expect("lock").rendered.len(), 1);
    }

    #[test]
    fn a_failed_partial_leaves_its_own_error() {
        let (tera, _partials) = environment(&[
            ("inner.html", "ok\n{{ missing.field }}"),
            ("outer.html", "{{ partial(name=\"inner.html\") }}"),
            ("page.html", "{{ partial(name=\"outer.html\") }}"),
        ]);
        let err = tera
            .render("page.html", &Context::new())
            .expect_err("the inner partial fails");
        assert!(err.to_string().contains("inner.html, line 2"), "{err}");
        let inner = take_error().expect("the innermost error is kept");
        match inner.kind() {
            tera::ErrorKind::RenderingError(report) => {
                assert_eq!(report.filename(), "inner.html");
                assert_eq!(report.span().start_line, 2);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(take_error().is_none(), "taken once");
    }

    #[test]
    fn finds_the_templates_partial_calls_name() {
        assert_eq!(
            partials_named(r#"{{ partial(name="partials/card.html", ref=ref) }}"#),
            Some(vec!["partials/card.html"])
        );
        assert_eq!(
            partials_named("{{ partial(ref = r, name = 'a.html') }}{{ partial(name=`b.html`) }}"),
            Some(vec!["a.html", "b.html"])
        );
        assert_eq!(partials_named("{{ partial(name=which) }}"), None);
        assert_eq!(partials_named("{{ partial(ref=ref) }}"), None);
        assert_eq!(partials_named("no calls"), Some(vec![]));
        assert_eq!(
            partials_named(r#"{{ partial (name="p.html") }}"#),
            Some(vec!["p.html"])
        );
        assert_eq!(
            partials_named(r#"{{ partial(name="a.html" if wide else "b.html") }}"#),
            None
        );
        assert_eq!(
            partials_named(r#"{{ partial(x=f(name="b"), name="a.html") }}"#),
            None
        );
        assert_eq!(
            partials_named("{{ partials_of(x) }} impartial (words)"),
            Some(vec![])
        );
    }
}
