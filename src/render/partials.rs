//! `partial(name="partials/card.html", ref=ref, …)`: a template rendered with only the
//! arguments it is given and the page's language, once per build for each distinct set of
//! arguments (Hugo's `partialCached`). The default theme's footer is the same on every page of
//! a language: an include renders it on each of 45 000 pages, `partial` three times. A call
//! costs about what a template spends on two or three variables (the arguments' map, the key,
//! a lock), so it pays only for a part that costs more than that and repeats: measured with
//! callgrind, the footer saves 1.8% of a build, a card on tag pages (rendered once instead of
//! 2.5 times) nothing, a partner's entry in the lists of news items loses.
//!
//! Why the result may be kept: what a partial sees is its arguments and the language's four
//! variables (`lang`, `language`, `ui`, `site`, the same for every page of the language in
//! one build), and the functions it calls depend on nothing else. Arguments are told apart by
//! value, except maps and lists, by identity: the one map of an item serves all its pages,
//! and comparing two 43-entry maps would cost what rendering saves. A remembered call keeps
//! its arguments alive, so no other map can later be made at the same address.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, Weak};

use tera::{Context, Kwargs, State, Tera, Value};

/// The variables of the page's language that a partial sees besides its arguments.
const LANGUAGE_VARIABLES: [&str; 4] = ["lang", "language", "ui", "site"];

/// What `partial` renders with and what it has rendered in this build.
#[derive(Default)]
pub(super) struct Partials {
    /// The templates, set once they are all compiled (the function is registered before).
    tera: OnceLock<Tera>,
    rendered: Mutex<HashMap<PartialKey, Remembered, ahash::RandomState>>,
}

#[derive(PartialEq, Eq, Hash)]
struct PartialKey {
    name: String,
    lang: Argument,
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
    _arguments: Vec<Value>,
}

impl Partials {
    /// Sets the templates partials are rendered with: the environment `partial` is registered
    /// in, once every template is added to it.
    pub(super) fn set_templates(&self, tera: Tera) {
        let _ = self.tera.set(tera);
    }

    /// Forgets every partial rendered: the next build's values are other values.
    pub(super) fn forget(&self) {
        if let Ok(mut rendered) = self.rendered.lock() {
            rendered.clear();
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
        let key = PartialKey {
            name: name.to_string(),
            lang: Argument::of(&lang),
            arguments: given
                .iter()
                .map(|(key, value)| (key.to_string(), Argument::of(value)))
                .collect(),
        };
        if let Some(hit) = self
            .rendered
            .lock()
            .ok()
            .and_then(|r| r.get(&key).map(|remembered| remembered.html.clone()))
        {
            return Ok(hit);
        }
        let tera = self
            .tera
            .get()
            .ok_or_else(|| tera::Error::message("partial: the templates are not ready"))?;
        let mut context = Context::new();
        for variable in LANGUAGE_VARIABLES {
            if let Some(value) = state.get::<Value>(variable)? {
                context.insert_value(variable, value);
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
        if let Ok(mut rendered) = self.rendered.lock() {
            rendered.insert(
                key,
                Remembered {
                    html: html.clone(),
                    _arguments: given.iter().map(|(_, value)| (*value).clone()).collect(),
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

/// The templates named by string in `partial(name=…)` calls of `text`; `None` when a call names
/// its template any other way.
pub(super) fn partials_named(text: &str) -> Option<Vec<&str>> {
    let mut names = Vec::new();
    for call in text.split("partial(").skip(1) {
        let arguments = call.split(')').next().unwrap_or_default();
        let name = arguments.split(',').find_map(|argument| {
            let (key, value) = argument.split_once('=')?;
            (key.trim() == "name").then_some(value.trim())
        })?;
        let quote = name
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\'' | '`'))?;
        let name = name[1..].strip_suffix(quote)?;
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
        let remembered = partials.rendered.lock().expect("lock").len();
        assert_eq!(remembered, 3, "a twice with level 2 is one partial");

        // Another language, and another map with the same title, are other partials.
        context.insert_value("lang", Value::from("es"));
        context.insert_value("items", Value::from(vec![item("A & B")]));
        let out = tera.render("page.html", &context).expect("render");
        assert_eq!(out, "[es A &amp; B h2]|[es A &amp; B h3]");
        assert_eq!(partials.rendered.lock().expect("lock").len(), 5);

        partials.forget();
        assert_eq!(partials.rendered.lock().expect("lock").len(), 0);
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
    }
}
