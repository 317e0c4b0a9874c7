//! Every mistake an editor can make: the message names the file and line, the exit status is 1,
//! nothing panics, and the previous `public/` is left exactly as it was.

mod common;

use common::{Fixture, stderr};

/// Builds the small site once (so there is a previous output), applies `break_it`, builds
/// again and checks the failure. Returns the error output.
fn fails_cleanly(break_it: impl FnOnce(&Fixture)) -> String {
    let fixture = Fixture::small();
    let first = fixture.build();
    assert!(
        first.status.success(),
        "the fixture must build: {}",
        stderr(&first)
    );
    let before = fixture.output();
    assert!(!before.is_empty());
    // The record of the output that the next build checks it by.
    let record = fixture.root().join(".public.herald-record");
    let record_before = std::fs::read(&record).expect("a build leaves a record of its output");
    break_it(&fixture);
    let second = fixture.build();
    let err = stderr(&second);
    assert_eq!(
        second.status.code(),
        Some(1),
        "exit status 1 expected; stderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "herald panicked:\n{err}");
    assert_eq!(
        fixture.output(),
        before,
        "public/ changed after a failed build"
    );
    assert_eq!(
        std::fs::read(&record).ok(),
        Some(record_before),
        "the record of public/ changed after a failed build"
    );
    let leftovers: Vec<_> = std::fs::read_dir(fixture.root())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("herald-") && !n.ends_with(".herald-record"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
    err
}

fn assert_mentions(err: &str, needles: &[&str]) {
    for needle in needles {
        assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    }
}

#[test]
fn malformed_yaml() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/bad.en.md",
            "---\ntitle: A\ndate: 2024-01-01\ntags: [one, two\n---\nBody\n",
        );
    });
    assert_mentions(&err, &["content/news/bad.en.md:", "not valid YAML"]);
}

#[test]
fn missing_title() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/untitled.en.md",
            "---\ndate: 2024-01-01\n---\nBody\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/untitled.en.md:2",
            "the required key `title` is missing",
        ],
    );
}

#[test]
fn missing_date() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/undated.en.md",
            "---\ntitle: Undated\n---\nBody\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/undated.en.md:1",
            "the required key `date` is missing",
        ],
    );
}

#[test]
fn date_of_the_wrong_type() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/when.en.md",
            "---\ntitle: When\ndate: yesterday\n---\nBody\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/when.en.md:3",
            "`yesterday` is not a date",
            "2020-06-30",
        ],
    );
}

#[test]
fn unknown_key_with_suggestion() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/typo.en.md",
            "---\ntitel: Typo\ndate: 2024-01-01\n---\nBody\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/typo.en.md:2",
            "unknown key `titel`",
            "did you mean `title`?",
        ],
    );
}

#[test]
fn key_of_another_section() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/where.en.md",
            "---\ntitle: Where\ndate: 2024-01-01\ncountry: ES\n---\nBody\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/where.en.md:4",
            "`country` is not a key of news items",
        ],
    );
}

#[test]
fn unknown_partner_with_suggestion() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/ref.en.md",
            "---\ntitle: Ref\ndate: 2024-01-01\npartners:\n  - citeve\n  - aeit\n---\nBody\n",
        );
    });
    assert_mentions(
        &err,
        &[
            "content/news/ref.en.md:6",
            "unknown partner `aeit`",
            "did you mean `aeiti`?",
        ],
    );
}

#[test]
fn two_items_with_one_url() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/other.en.md",
            "---\ntitle: Other\nslug: kick-off\ndate: 2024-01-01\n---\nBody\n",
        );
    });
    assert_mentions(
        &err,
        &[
            "content/news/kick-off.en.md",
            "content/news/other.en.md:3",
            "/en/news/kick-off/",
        ],
    );
}

#[test]
fn two_items_with_one_url_point_at_the_slug_that_claims_it() {
    // The file with the `slug` sorts before the one whose file name gives the URL.
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/aaa.en.md",
            "---\ntitle: Other\ndate: 2024-01-01\nslug: kick-off\n---\nBody\n",
        );
    });
    assert_mentions(&err, &["content/news/aaa.en.md:4", "/en/news/kick-off/"]);
}

#[test]
fn unknown_language_suffix() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/kick-off.fr.md",
            "---\ntitle: Lancement\ndate: 2024-01-01\n---\nCorps\n",
        )
    });
    assert_mentions(
        &err,
        &[
            "content/news/kick-off.fr.md",
            "`fr` in the file name is not one of the site's languages",
        ],
    );
}

#[test]
fn broken_internal_link() {
    let err = fails_cleanly(|f| {
        f.write("content/news/links.en.md", "---\ntitle: Links\ndate: 2024-01-01\n---\nFirst line.\n\nSee [the results](@/news/resuls.md).\n");
    });
    assert_mentions(
        &err,
        &[
            "content/news/links.en.md:7",
            "broken internal link",
            "did you mean `@/news/results.md`?",
        ],
    );
}

#[test]
fn template_syntax_error() {
    let err = fails_cleanly(|f| {
        f.write("templates/news.html", "{% extends \"base.html\" %}\n{% block content %}\n{% if item.title %}\n<h1>{{ item.title }}</h1>\n{% endblock content %}\n");
    });
    assert_mentions(&err, &["templates/news.html:", "template syntax error"]);
}

#[test]
fn template_error_while_rendering_a_page() {
    let err = fails_cleanly(|f| {
        f.write("templates/news.html", "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ item.title }}</h1>\n<p>{{ item.no_such_field }}</p>\n{% endblock content %}\n");
    });
    assert_mentions(
        &err,
        &[
            "templates/news.html:4",
            "while rendering /en/news/kick-off/ from content/news/kick-off.en.md",
        ],
    );
}

#[test]
fn template_error_in_a_partial() {
    // The default theme renders its footer with `partial(…)`, which Tera reports at the call:
    // the message still points into the partial's own file.
    let err = fails_cleanly(|f| {
        f.write(
            "templates/partials/footer.html",
            "<footer>\n{{ no_such_variable.field }}\n</footer>\n",
        );
    });
    assert_mentions(
        &err,
        &[
            "templates/partials/footer.html:2",
            "in a partial called at",
            "base.html:",
            "while rendering /",
            "sees only the arguments of the call",
        ],
    );
}

#[test]
fn file_that_is_not_utf8() {
    let err = fails_cleanly(|f| {
        f.write_bytes(
            "content/news/latin1.en.md",
            b"---\ntitle: Reuni\xf3n\ndate: 2024-01-01\n---\n",
        )
    });
    assert_mentions(&err, &["content/news/latin1.en.md:2", "not UTF-8"]);
}

#[test]
fn missing_theme_with_themes_folder() {
    let err = fails_cleanly(|f| {
        std::fs::create_dir_all(f.path("themes/default/templates")).unwrap();
        let config = f
            .read("site.yaml")
            .replace("pagination: 2", "pagination: 2\ntheme: defualt");
        f.write("site.yaml", &config);
    });
    assert_mentions(
        &err,
        &[
            "site.yaml:",
            "the theme `defualt` is missing",
            "did you mean `default`?",
        ],
    );
}

#[test]
fn missing_theme_without_themes_folder() {
    let err = fails_cleanly(|f| {
        let config = f
            .read("site.yaml")
            .replace("pagination: 2", "pagination: 2\ntheme: corporate");
        f.write("site.yaml", &config);
    });
    assert_mentions(&err, &["site.yaml:9", "the theme `corporate` is missing"]);
}

#[test]
fn unknown_key_in_site_yaml() {
    let err = fails_cleanly(|f| {
        let config = f.read("site.yaml").replace(
            "pagination: 2",
            "pagination: 2\nbase_ulr: https://x.example",
        );
        f.write("site.yaml", &config);
    });
    assert_mentions(
        &err,
        &[
            "site.yaml:9",
            "unknown key `base_ulr`",
            "did you mean `base_url`?",
        ],
    );
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let err = fails_cleanly(|f| {
        f.write(
            "content/news/a.en.md",
            "---\ntitel: A\ndate: 2024-01-01\n---\n",
        );
        f.write(
            "content/news/b.en.md",
            "---\ntitle: B\ndate: tomorrow\n---\n",
        );
        f.write("content/news/c.en.md", "---\ntitle: C\n---\n");
    });
    assert_mentions(
        &err,
        &[
            "content/news/a.en.md:2",
            "content/news/b.en.md:3",
            "content/news/c.en.md:1",
            "3 errors",
        ],
    );
}
